"""Issue 13: a Kubernetes Secret alone, the pod's key file mode, unknown pymilvus keywords, JUnit messages."""
from __future__ import annotations

import base64
from pathlib import Path
from xml.etree import ElementTree as ET

import yaml

from tests.helpers import DEPLOY_FIXTURES, codes, doctor_json, run_cli


def _secret(path: Path, good, name: str = "milvus-certs") -> Path:
    data = {"tls.crt": good.server.cert_pem(), "tls.key": good.server.key_pem(), "ca.crt": good.ca.cert_pem()}
    path.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name},
                                    "type": "kubernetes.io/tls",
                                    "data": {k: base64.b64encode(v).decode() for k, v in data.items()}}))
    return path


def test_a_secret_alone_is_checked_by_its_key_names(tmp_path, shared_good, capsys):
    status, report = doctor_json(["--k8s", str(_secret(tmp_path / "s.yaml", shared_good))], capsys)
    assert status == 0, report["findings"]
    assert not codes(report, "error")
    note = next(n for n in report["notes"] if n.startswith("Kubernetes: only Secret milvus-certs was given"))
    assert "tls.crt of Secret milvus-certs as tls.serverPemPath" in note and "tlsMode were not checked" in note
    perm = next(c for c in report["checks"] if c["check"] == "keys.permissions")
    assert perm["status"] == "not_run" and "defaultMode" in perm["reason"]
    assert "key tls.key of Secret milvus-certs" in perm["subject"]


def test_k8s_key_mode_is_the_volume_default_mode(tmp_path, shared_good, capsys):
    manifests = (DEPLOY_FIXTURES / "k8s" / "standalone-manifests.yaml").read_text()
    assert "          defaultMode: 0400\n" in manifests
    m = tmp_path / "m.yaml"
    m.write_text(manifests.replace("          defaultMode: 0400\n", ""))
    status, report = doctor_json(["--k8s", str(m), "--k8s", str(_secret(tmp_path / "s.yaml", shared_good)),
                                  "--tls-mode", "1"], capsys)
    perm = [f for f in report["findings"] if f["code"] == "key.permissions"]
    assert len(perm) == 1 and perm[0]["severity"] == "warning", report["findings"]
    assert "key tls.key of Secret milvus-certs" in perm[0]["message"] and "volume certs" in perm[0]["message"]
    assert "0644" in perm[0]["message"] and "milvus-tls-k8s-" not in perm[0]["message"]
    assert "defaultMode: 0600 on volume certs" in perm[0]["fix"] and "secretName: milvus-certs" in perm[0]["fix"]
    # 0400 (as the manifests set it) is silent
    status, report = doctor_json(["--k8s", str(DEPLOY_FIXTURES / "k8s" / "standalone-manifests.yaml"), "--k8s",
                                  str(tmp_path / "s.yaml"), "--tls-mode", "1"], capsys)
    assert "key.permissions" not in codes(report)


def test_kubectl_show_names_the_secret_and_key(tmp_path, shared_good):
    from milvus_tls_check.deploy import SecretFolder, read_deployment_facts
    with SecretFolder() as secrets:
        facts = read_deployment_facts(k8s=[str(_secret(tmp_path / "s.yaml", shared_good))], secrets=secrets)
        cmd = facts.kubectl_show(facts.secret_files["server_pem"])
    assert cmd == ("kubectl get secret milvus-certs -o jsonpath='{.data.tls\\.crt}' | base64 -d | "
                   "openssl x509 -noout -text")


def test_unknown_pymilvus_keyword_is_a_usage_error_with_did_you_mean(good_dir, capsys):
    status, out, err = run_cli(["doctor", "--dir", str(good_dir), "--no-handshake", "--pymilvus-args",
                                '{"uri": "https://localhost:19530", "server_pem_pth": "tls/server.pem"}'], capsys)
    assert status == 2 and not out
    assert "'server_pem_pth' is not a pymilvus keyword (did you mean server_pem_path?)" in err


def test_known_pymilvus_keywords_are_accepted(good_dir, capsys):
    args = ('{"uri": "https://localhost:19530", "token": "t", "db_name": "d", "timeout": 5, "alias": "a", '
            f'"keep_alive": true, "server_name": "localhost", "server_pem_path": "{good_dir / "ca.pem"}"}}')
    status, out, err = run_cli(["doctor", "--dir", str(good_dir), "--no-handshake", "--pymilvus-args", args], capsys)
    assert status != 2, err


def test_junit_failure_message_carries_the_message(tmp_path, good_dir, capsys):
    (good_dir / "server.key").unlink()
    status, out, err = run_cli(["doctor", "--dir", str(good_dir), "--no-handshake", "--format", "junit"], capsys)
    assert status == 1
    failures = ET.fromstring(out.split("\n", 1)[1]).findall(".//failure")
    assert failures
    for f in failures:
        code = f.get("type")
        assert f.get("message").startswith(f"{code}: ") and len(f.get("message")) > len(code) + 10
