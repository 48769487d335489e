"""config.key_not_read / config.key_not_in_line (rules/config.check_unread_keys, facts/milvus_keys.py): every
TLS-looking key of the milvus.yaml layers against the key paths the judged Milvus line reads. config.misnested keeps
the tls.* / internaltls.* leaves (the Operator's common.tls.*): said once."""
from __future__ import annotations

import pytest

from milvus_tls_check.facts.milvus_keys import READ_SINCE, meant, reads
from modelled_links import codes, doctor, front_door, milvus_yaml, tls_set


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return tls_set(tmp_path_factory.mktemp("keys-tls"))


def findings(report, code):
    return [f for f in report["findings"] if f["code"] == code]


@pytest.mark.parametrize("doc, written, proper", [
    ({"minio": {"tlsCACert": "/milvus/tls/ca.pem"}}, "minio.tlsCACert", "minio.ssl.tlsCACert"),
    ({"kafka": {"tls": {"tlsCaCert": "/milvus/tls/ca.pem"}}}, "kafka.tls.tlsCaCert", "kafka.ssl.tlsCaCert"),
    ({"etcd": {"useSSL": True}}, "etcd.useSSL", "etcd.ssl.enabled"),
    ({"minio": {"ssl": {"enabled": True}}}, "minio.ssl.enabled", "minio.useSSL"),
])
def test_a_key_at_a_path_milvus_does_not_read_names_the_key_meant(tmp_path, tls, capsys, doc, written, proper):
    code, report = doctor(milvus_yaml(tmp_path, front_door(tls) | {"proxy": {"http": {"port": 19121}}} | doc), capsys)
    found = findings(report, "config.key_not_read")
    assert len(found) == 1 and found[0]["subject"] == written and f"it reads {proper}" in found[0]["message"]
    assert f"`{proper.split('.')[0]}: {{" in found[0]["fix"] and written in found[0]["fix"]
    assert found[0]["severity"] == "warning" and code == 0


def test_common_tls_is_config_misnested_only(tmp_path, capsys):
    """The Operator's trap: config.misnested names it; the key-path rule does not say it again."""
    code, report = doctor(milvus_yaml(tmp_path, {"common": {"security": {"tlsMode": 1},
                                                            "tls": {"serverPemPath": "/x/server.pem"}}}), capsys)
    assert "config.misnested" in codes(report) and "config.key_not_read" not in codes(report)


@pytest.mark.parametrize("doc", [
    {"kafka": {"ssl": {"tlsCACert": "/milvus/tls/ca.pem", "enabled": True}, "securityProtocol": "SSL"}},
    {"minio": {"ssl": {"tlscacert": "/milvus/tls/ca.pem"}, "useSSL": True}},
    {"common": {"security": {"authorizationEnabled": True, "superUsers": "root"}}},
])
def test_near_miss_case_and_non_tls_security_keys_are_read(tmp_path, capsys, doc):
    """Milvus matches keys without case and '_' (config.formatKey): kafka.ssl.tlsCACert IS kafka.ssl.tlsCaCert."""
    code, report = doctor(milvus_yaml(tmp_path, doc), capsys, "--milvus-version", "2.5.4")
    assert not {"config.key_not_read", "config.key_not_in_line"} & codes(report)


def test_minio_tls_ca_cert_on_2_3_5_is_not_read_and_on_2_3_12_is(tmp_path, capsys):
    doc = {"minio": {"useSSL": True, "ssl": {"tlsCACert": "/milvus/tls/ca.pem"}}}
    code, report = doctor(milvus_yaml(tmp_path, doc), capsys, "--milvus-version", "2.3.5")
    found = findings(report, "config.key_not_in_line")
    assert [f["subject"] for f in found] == ["minio.ssl.tlsCACert"] and "2.3.12" in found[0]["message"]
    assert "2.3.12" in found[0]["fix"] and "milvus.yaml" in found[0]["fix"]
    code, report = doctor(milvus_yaml(tmp_path, doc), capsys, "--milvus-version", "2.3.12")
    assert "config.key_not_in_line" not in codes(report)


def test_the_table_per_line():
    assert reads("kafka.ssl.tlsCaCert", "2.3", 11) and not reads("kafka.ssl.tlsCaCert", "2.3", 10)
    assert reads("kafka.ssl.tlsCaCert", "2.4", 0) and reads("minio.ssl.tlsCACert", "2.3", None)
    assert not reads("internaltls.sni", "2.4", None) and reads("internaltls.sni", "2.5", 0)
    assert meant("common.tls.serverPemPath") is None    # config.misnested's
    assert set(READ_SINCE) >= {"proxy.http.port", "kafka.securityProtocol", "minio.useSSL", "etcd.ssl.tlsCACert"}
