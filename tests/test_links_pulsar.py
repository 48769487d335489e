"""Milvus -> Pulsar (linkkinds/pulsar.py, rules/links.judge_pulsar): modelled from mq_factory.go / the streaming
builder.go and pulsar-client-go (docs/links.md part 2). Milvus sets no TLS option of the Pulsar client: a
pulsar+ssl:// broker is verified against Go's system roots; the tls auth plugin is the only client certificate."""
from __future__ import annotations

import json

import pytest

from modelled_links import doctor, link, milvus_yaml

PULSAR = "milvus-pulsar"
PAIR = "tlsCertFile:/milvus/tls/pulsar-client.pem,tlsKeyFile:/milvus/tls/pulsar-client.key"


def pulsar(**over):
    p = {"address": "pulsar+ssl://pulsar.example:6651"}
    p.update(over)
    return {"mq": {"type": "pulsar"}, "pulsar": {k: v for k, v in p.items() if v is not None}}


def test_pulsar_ssl_is_incomplete_and_names_the_system_roots(tmp_path, capsys):
    code, report = doctor(milvus_yaml(tmp_path, pulsar()), capsys, "--milvus-version", "2.5.4")
    p = link(report, PULSAR)
    assert (code, p["verdict"], p["codes"], p["modelled"]) == (4, "incomplete", [], True)
    assert "system roots" in p["detail"] and "TLSTrustCertsFilePath" in p["detail"]
    assert "openssl s_client -connect pulsar.example:6651" in p["add"]
    assert "pulsar-client-go" in p["decided_by"] and "mq_factory.go" in p["decided_by"]


def test_tls_auth_plugin_with_its_pair_is_incomplete_and_lists_the_files(tmp_path, capsys):
    code, report = doctor(milvus_yaml(tmp_path, pulsar(authPlugin="tls", authParams=PAIR)), capsys)
    p = link(report, PULSAR)
    assert (code, p["verdict"], p["codes"]) == (4, "incomplete", [])
    assert {f["path"] for f in p["files"]} == {"/milvus/tls/pulsar-client.pem", "/milvus/tls/pulsar-client.key"}


@pytest.mark.parametrize("over, code, exit_code", [
    ({"authPlugin": "tls", "authParams": PAIR, "address": "pulsar://pulsar.example:6650"},
     "pulsar.tls_auth_over_plaintext", 1),
    ({"authPlugin": "tls", "authParams": json.dumps({"tlsCertFile": "/a.pem", "tlsKeyFile": "/a.key"})},
     "pulsar.auth_pair_unusable", 1),                      # JSON is not what Milvus's Formatter reads
    ({"authPlugin": "tls"}, "pulsar.auth_pair_unusable", 1),
    ({"tlsTrustCertsFilePath": "/milvus/tls/ca.pem"}, "pulsar.tls_setting_not_read", 4),   # a warning: incomplete
])
def test_each_code(tmp_path, capsys, over, code, exit_code):
    got, report = doctor(milvus_yaml(tmp_path, pulsar(**over)), capsys)
    p = link(report, PULSAR)
    assert (got, p["codes"]) == (exit_code, [code])
    found = next(f for f in report["findings"] if f["code"] == code)
    assert found["link"] == PULSAR and "milvus.yaml" in found["fix"]


def test_auth_params_never_reach_the_report(tmp_path, capsys):
    _, report = doctor(milvus_yaml(tmp_path, pulsar(authPlugin="token", authParams="token:s3cr3t-token")), capsys)
    assert "s3cr3t-token" not in json.dumps(report)
    assert {"key": "pulsar.authParams", "value": "(set, not shown)",
            "source": str(tmp_path / "milvus.yaml")} in link(report, PULSAR)["settings"]


def test_a_plain_address_names_no_link_and_another_mq_is_not_applicable(tmp_path, capsys):
    _, report = doctor(milvus_yaml(tmp_path, {"pulsar": {"address": "pulsar", "port": 6650},
                                              "etcd": {"ssl": {"enabled": False}}}), capsys)
    assert all(l["kind"] != PULSAR for l in report["links"])
    doc = pulsar()
    doc["mq"]["type"] = "kafka"
    code, report = doctor(milvus_yaml(tmp_path, doc), capsys)
    assert (code, link(report, PULSAR)["verdict"]) == (0, "not-applicable")


def test_a_plain_address_with_a_token_plugin_is_plaintext(tmp_path, capsys):
    code, report = doctor(milvus_yaml(tmp_path, pulsar(address="pulsar", authPlugin="token",
                                                        authParams="token:abc")), capsys)
    p = link(report, PULSAR)
    assert (code, p["verdict"], p["address"]) == (0, "plaintext", "pulsar://pulsar:6650")
