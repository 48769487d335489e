"""The links a Helm values file or a Milvus Operator CR describes: what the chart (config.tpl) and the operator
(configmaps.go updateConfigMap) render into Milvus's etcd.endpoints and minio.*, with the value that made each key
as its source, and the operator's dependencies.storage.ssl trap (objectstore.operator_ssl_not_rendered). Facts and
sources: docs/links.md part 6. From the real-layout fixtures in fixtures/deploy/links/{helm,operator} and small
files made in the test (trigger and near miss)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from milvus_tls_check.cli import main

ROOT = Path(__file__).resolve().parent.parent
LINKS = ROOT / "fixtures" / "deploy" / "links"


def doctor(capsys, *args: str) -> tuple[int, dict]:
    code = main(["doctor", *args, "--no-handshake", "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def link(report: dict, kind: str) -> dict:
    return next(l for l in report["links"] if l["kind"] == kind)


def setting(lk: dict, key: str) -> dict:
    return next(s for s in lk["settings"] if s["key"] == key)


def codes(report: dict) -> list[str]:
    return [f["code"] for f in report["findings"]]


def test_helm_external_etcd_and_s3_reach_the_links_with_the_values_that_made_them(capsys):
    code, report = doctor(capsys, "--k8s", str(LINKS / "helm" / "values.yaml"), "--k8s",
                          str(LINKS / "helm" / "secrets.yaml"))
    etcd, s3 = link(report, "milvus-etcd"), link(report, "milvus-objectstore")
    assert etcd["address"] == "etcd.milvus-deps.svc:2379"
    assert setting(etcd, "etcd.endpoints")["source"] == "externalEtcd.endpoints of values.yaml"
    assert setting(etcd, "etcd.ssl.enabled")["source"].startswith("Helm values extraConfigFiles.user.yaml")
    assert s3["address"] == "s3.milvus-deps.svc:443"
    assert setting(s3, "minio.useSSL") == {"key": "minio.useSSL", "value": "true",
                                           "source": "externalS3.useSSL of values.yaml"}
    assert setting(s3, "minio.port")["source"] == "externalS3.port of values.yaml"
    # external services: their side is not in the files, so both links say what to add (exit 4), nothing fails
    assert (etcd["verdict"], s3["verdict"], code) == ("incomplete", "incomplete", 4)
    # the client pair and the bundle come from the Secret and ConfigMap the values mount
    roles = {f["role"]: f for f in etcd["files"]}
    assert roles["etcd.ssl.tlsCert"]["path"] == "/milvus/certs/etcd/client.pem" and roles["etcd.ssl.tlsCert"]["host"]


def _values(tmp: Path, **parts) -> str:
    values = {"cluster": {"enabled": False}, **parts}
    path = tmp / "values.yaml"
    path.write_text(yaml.safe_dump(values))
    return str(path)


def test_helm_extra_config_user_yaml_wins_over_what_the_chart_renders(tmp_path, capsys):
    path = _values(tmp_path, externalS3={"enabled": True, "host": "s3.example", "port": "443", "useSSL": False},
                   extraConfigFiles={"user.yaml": "minio:\n  useSSL: true\n"})
    _code, report = doctor(capsys, "--k8s", path)
    s3 = link(report, "milvus-objectstore")
    assert setting(s3, "minio.useSSL")["value"] == "true"
    assert "extraConfigFiles.user.yaml" in setting(s3, "minio.useSSL")["source"]
    assert setting(s3, "minio.address")["source"] == "externalS3.host of values.yaml"


def test_helm_external_s3_without_use_ssl_is_the_charts_plaintext_default(tmp_path, capsys):
    # near miss of the TLS case: useSSL absent -> the chart renders false, no TLS on the link, so no link at all
    path = _values(tmp_path, externalS3={"enabled": True, "host": "s3.example", "port": "9000"},
                   extraConfigFiles={"user.yaml": "etcd:\n  ssl:\n    enabled: false\n"})
    code, report = doctor(capsys, "--k8s", path)
    assert not any(l["kind"] == "milvus-objectstore" for l in report.get("links", []))


def test_helm_in_cluster_minio_tls_enabled_is_use_ssl(tmp_path, capsys):
    path = _values(tmp_path, minio={"tls": {"enabled": True}})
    _code, report = doctor(capsys, "--k8s", path)
    s3 = link(report, "milvus-objectstore")
    assert s3["address"] == "RELEASE-minio:9000"
    assert setting(s3, "minio.useSSL") == {"key": "minio.useSSL", "value": "true",
                                           "source": "minio.tls.enabled of values.yaml"}


def test_operator_forces_endpoints_over_spec_config(capsys):
    code, report = doctor(capsys, "--k8s", str(LINKS / "operator" / "milvus.yaml"), "--k8s",
                          str(LINKS / "operator" / "secrets.yaml"))
    etcd, s3 = link(report, "milvus-etcd"), link(report, "milvus-objectstore")
    assert setting(etcd, "etcd.endpoints")["source"] == ("dependencies.etcd.endpoints of Milvus my-release "
                                                         "(milvus.yaml), forced by the operator")
    assert s3["address"] == "s3.milvus-deps.svc:443"
    assert setting(s3, "minio.useSSL")["source"] == "Milvus my-release spec.config (milvus.yaml)"
    assert "objectstore.operator_ssl_not_rendered" not in codes(report)     # near miss: useSSL is in spec.config
    assert (etcd["verdict"], s3["verdict"], code) == ("incomplete", "incomplete", 4)


def _cr(tmp: Path, storage: dict, config: dict) -> str:
    cr = {"apiVersion": "milvus.io/v1beta1", "kind": "Milvus", "metadata": {"name": "m", "namespace": "ns"},
          "spec": {"dependencies": {"storage": storage}, "config": config}}
    path = tmp / "milvus.yaml"
    path.write_text(yaml.safe_dump(cr))
    return str(path)


@pytest.mark.parametrize("use_ssl, port", [(True, "443"), (None, "80")])
def test_operator_endpoint_without_port_follows_spec_config_use_ssl(tmp_path, capsys, use_ssl, port):
    config = {"minio": {"useSSL": use_ssl}} if use_ssl is not None else {"etcd": {"ssl": {"enabled": False}}}
    path = _cr(tmp_path, {"external": True, "endpoint": "s3.example"}, config)
    _code, report = doctor(capsys, "--k8s", path, "--probe-links", "--no-handshake")
    s3 = link(report, "milvus-objectstore")
    assert s3["address"] == f"s3.example:{port}"
    assert "has no port: the operator writes " + port in setting(s3, "minio.port")["source"]


def test_operator_in_cluster_names(tmp_path, capsys):
    path = _cr(tmp_path, {}, {"minio": {"useSSL": True}, "etcd": {"ssl": {"enabled": True}}})
    _code, report = doctor(capsys, "--k8s", path)
    assert link(report, "milvus-objectstore")["address"] == "m-minio.ns:9000"
    assert link(report, "milvus-etcd")["address"] == "m-etcd-0.m-etcd-headless.ns:2379"


def test_the_operator_storage_ssl_trap_fails_the_link_with_a_pasteable_fix(capsys):
    code, report = doctor(capsys, "--k8s", str(LINKS / "operator" / "milvus-storage-ssl-only.yaml"), "--k8s",
                          str(LINKS / "operator" / "secrets.yaml"))
    s3 = link(report, "milvus-objectstore")
    assert (s3["verdict"], s3["codes"], code) == ("fail", ["objectstore.operator_ssl_not_rendered"], 1)
    found = next(f for f in report["findings"] if f["code"] == "objectstore.operator_ssl_not_rendered")
    assert "dependencies.storage" in found["message"] and "spec.config" in found["message"]
    assert ("kubectl patch milvus my-release -n milvus --type merge -p "
            "'{\"spec\":{\"config\":{\"minio\":{\"useSSL\":true}}}}'") in found["fix"]


def test_storage_ssl_with_use_ssl_false_written_is_the_trap_too_and_true_is_not(tmp_path, capsys):
    path = _cr(tmp_path, {"external": True, "endpoint": "s3.example:443", "ssl": {"enabled": True}},
               {"minio": {"useSSL": False}})
    _code, report = doctor(capsys, "--k8s", path)
    assert "objectstore.operator_ssl_not_rendered" in codes(report)
    path = _cr(tmp_path, {"external": True, "endpoint": "s3.example:443", "ssl": {"enabled": True}},
               {"minio": {"useSSL": True}})
    _code, report = doctor(capsys, "--k8s", path)
    assert "objectstore.operator_ssl_not_rendered" not in codes(report)
    assert link(report, "milvus-objectstore")["verdict"] == "incomplete"
