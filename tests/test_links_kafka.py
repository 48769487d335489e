"""Milvus -> Kafka (linkkinds/kafka.py, rules/links.judge_kafka): modelled from kafka_client.go (docs/links.md part
2); librdkafka decides, the brokers are never seen, so a TLS link is at best incomplete (exit 4) and says how to check
it."""
from __future__ import annotations

import json

import pytest

from modelled_links import doctor, link, milvus_yaml

KAFKA = "milvus-kafka"


def kafka(**over):
    k = {"brokerList": "kafka:9093", "securityProtocol": "SSL",
         "ssl": {"enabled": True, "tlsCert": "/milvus/tls/kafka-client.pem", "tlsKey": "/milvus/tls/kafka-client.key",
                 "tlsCaCert": "/milvus/tls/ca.pem"}}
    k.update(over)
    return {"kafka": k}


def test_tls_to_kafka_is_incomplete_and_says_how_to_check_the_brokers(tmp_path, capsys):
    code, report = doctor(milvus_yaml(tmp_path, kafka()), capsys, "--milvus-version", "2.5.4")
    k = link(report, KAFKA)
    assert (code, report["verdict"], k["verdict"], k["modelled"], k["codes"]) == (4, "incomplete", "incomplete",
                                                                                 True, [])
    assert "openssl s_client -connect kafka:9093" in k["add"] and "-CAfile /milvus/tls/ca.pem" in k["add"]
    assert "kafka_client.go" in k["decided_by"] and "librdkafka" in k["decided_by"]
    assert {f["role"]: f["path"] for f in k["files"]}["kafka.ssl.tlsCaCert"] == "/milvus/tls/ca.pem"


def test_the_key_password_never_reaches_the_report(tmp_path, capsys):
    doc = kafka()
    doc["kafka"]["ssl"]["tlsKeyPassword"] = "hunter2-secret"
    code, report = doctor(milvus_yaml(tmp_path, doc), capsys, "--milvus-version", "2.5.4")
    assert "hunter2-secret" not in json.dumps(report)
    assert {"key": "kafka.ssl.tlsKeyPassword", "value": "(set, not shown)",
            "source": str(tmp_path / "milvus.yaml")} in link(report, KAFKA)["settings"]


@pytest.mark.parametrize("protocol, code", [(None, "kafka.ssl_without_protocol"),
                                            ("SASL_PLAINTEXT", "kafka.ssl_without_protocol"),
                                            ("TLS", "kafka.protocol_invalid")])
def test_each_code_fails_the_link(tmp_path, capsys, protocol, code):
    doc = kafka(securityProtocol=protocol) if protocol else kafka()
    if protocol is None:
        del doc["kafka"]["securityProtocol"]
    exit_code, report = doctor(milvus_yaml(tmp_path, doc), capsys, "--milvus-version", "2.5.4")
    k = link(report, KAFKA)
    assert (exit_code, k["verdict"], k["codes"]) == (1, "fail", [code])
    found = next(f for f in report["findings"] if f["code"] == code)
    assert found["link"] == KAFKA and "securityProtocol: " in found["fix"] and "milvus.yaml" in found["fix"]


@pytest.mark.parametrize("protocol", ["SSL", "sasl_ssl"])
def test_near_miss_ssl_protocols_pass_the_config(tmp_path, capsys, protocol):
    code, report = doctor(milvus_yaml(tmp_path, kafka(securityProtocol=protocol)), capsys, "--milvus-version", "2.6")
    assert (code, link(report, KAFKA)["verdict"], link(report, KAFKA)["codes"]) == (4, "incomplete", [])


def test_plaintext_kafka_is_plaintext(tmp_path, capsys):
    code, report = doctor(milvus_yaml(tmp_path, {"kafka": {"brokerList": "kafka:9092",
                                                           "securityProtocol": "PLAINTEXT"}}), capsys)
    assert (code, link(report, KAFKA)["verdict"]) == (0, "plaintext")


def test_on_2_3_5_kafka_ssl_is_not_read(tmp_path, capsys):
    code, report = doctor(milvus_yaml(tmp_path, kafka()), capsys, "--milvus-version", "2.3.5")
    k = link(report, KAFKA)
    assert k["verdict"] == "incomplete" and k["codes"] == ["config.key_not_in_line"]
    assert "OpenSSL's default CA locations" in k["detail"]


def test_brokerlist_alone_names_no_link(tmp_path, capsys):
    code, report = doctor(milvus_yaml(tmp_path, {"kafka": {"brokerList": "kafka:9092"},
                                                 "etcd": {"ssl": {"enabled": False}}}), capsys)
    assert all(l["kind"] != KAFKA for l in report["links"])


def test_the_registry_finds_the_modelled_kinds_in_map_order():
    from milvus_tls_check.linkkinds import specs
    kinds = [k for k in specs() if k in ("client-proxy", "client-proxy-rest", "milvus-etcd", "milvus-internal",
                                         "milvus-kafka")]
    assert kinds == ["client-proxy", "client-proxy-rest", "milvus-etcd", "milvus-internal", "milvus-kafka"]
    for name in ("client-proxy-rest", "milvus-internal", "milvus-kafka"):
        spec = specs()[name]
        assert spec.resolve("judge").__module__ == "milvus_tls_check.rules.links" and spec.prober == ""
