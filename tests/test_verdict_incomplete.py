"""Issue 19: exit 0 means proven. A mode passes only when both of its ends were judged; a side whose files were not
given (mode 2 without a client certificate, a Secret the deployment mounts but that was not passed) makes the verdict
`incomplete` (exit 4) in every format, and the report says exactly what to add. `--side` states that one end alone is
to be judged; then that end's pass is a pass and the header says what was not judged."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import yaml

from tests.helpers import codes, run_cli

ROOT = Path(__file__).resolve().parent.parent
DOCS_SAN = ROOT / "fixtures" / "docs-san"
K8S = ROOT / "fixtures" / "deploy" / "k8s"
FORMATS = ("text", "json", "junit", "markdown", "sarif", "github", "prometheus")


def _doctor(args: list[str], capsys, fmt: str = "json"):
    status, out, err = run_cli(["doctor", *args, "--no-handshake", "--format", fmt], capsys)
    return status, (json.loads(out) if fmt == "json" else out), err


@pytest.fixture
def server_only(tmp_path) -> Path:
    d = tmp_path / "tls"
    d.mkdir()
    for name in ("ca.pem", "server.pem", "server.key"):
        (d / name).write_bytes((DOCS_SAN / name).read_bytes())
    (d / "server.key").chmod(0o600)
    return d


def _secret_yaml(tmp_path: Path, name: str, keys: dict[str, str]) -> str:
    doc = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "type": "Opaque",
           "data": {k: base64.b64encode((DOCS_SAN / f).read_bytes()).decode() for k, f in keys.items()}}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return str(path)


def test_mode2_without_client_files_is_incomplete_and_says_what_to_add(server_only, capsys):
    status, report, _ = _doctor(["--dir", str(server_only), "--tls-mode", "2", "--strict"], capsys)
    assert status == 4
    assert report["verdict"] == "incomplete" and report["mode_verdicts"] == {"2": "incomplete"}
    [u] = report["unjudged"]
    assert (u["mode"], u["side"]) == (2, "client")
    assert "--client-pem PATH --client-key PATH" in u["add"] and "--side server" in u["add"]


def test_side_server_makes_the_server_alone_a_pass_and_the_header_says_so(server_only, capsys):
    status, report, _ = _doctor(["--dir", str(server_only), "--tls-mode", "2", "--side", "server"], capsys)
    assert status == 0 and report["verdict"] == "pass" and report["unjudged"] == [] and report["side"] == "server"
    status, text, _ = _doctor(["--dir", str(server_only), "--tls-mode", "2", "--side", "server"], capsys, "text")
    assert status == 0
    assert "side: only the server side was judged (--side server); the client side was not" in text


def test_side_server_still_fails_a_broken_server(tmp_path, capsys):
    d = tmp_path / "broken"
    d.mkdir()
    for name in ("ca.pem", "server.pem", "server.key"):
        (d / name).write_bytes((ROOT / "fixtures" / "broken-key-mismatch" / name).read_bytes())
    (d / "server.key").chmod(0o600)
    status, report, _ = _doctor(["--dir", str(d), "--tls-mode", "2", "--side", "server"], capsys)
    assert status == 1 and report["verdict"] == "fail" and "key.mismatch" in codes(report, "error")


def test_a_complete_set_still_passes(capsys):
    status, report, _ = _doctor(["--dir", str(DOCS_SAN), "--tls-mode", "2"], capsys)
    assert report["unjudged"] == [] and report["verdict"] in ("pass", "fail")
    assert status == (0 if report["verdict"] == "pass" else 1)


def test_helm_values_without_the_secret_are_incomplete(capsys):
    status, report, _ = _doctor(["--k8s", str(K8S / "helm-values-tls.yaml")], capsys)
    assert status == 4 and report["verdict"] == "incomplete"
    [u] = report["unjudged"]
    assert (u["mode"], u["side"]) == (1, "server")
    assert "Secret milvus-tls" in u["what"]
    assert "kubectl get secret milvus-tls -o yaml > milvus-tls.yaml" in u["add"] and "--k8s milvus-tls.yaml" in u["add"]


def test_helm_values_with_the_secret_are_judged(tmp_path, capsys):
    secret = _secret_yaml(tmp_path, "milvus-tls", {"tls.crt": "server.pem", "tls.key": "server.key"})
    status, report, _ = _doctor(["--k8s", str(K8S / "helm-values-tls.yaml"), "--k8s", secret], capsys)
    assert report["unjudged"] == [] and report["verdict"] != "incomplete"


def test_operator_cr_without_the_secret_is_incomplete(capsys):
    status, report, _ = _doctor(["--k8s", str(K8S / "operator-tls.yaml")], capsys)
    assert status == 4 and report["verdict"] == "incomplete"
    [u] = report["unjudged"]
    assert u["side"] == "server" and "kubectl get secret certs -o yaml > certs.yaml" in u["add"]


def test_helm_tls_enabled_without_tls_mode_beside_the_secret_fails_instead_of_nothing_to_check(tmp_path, capsys):
    values = tmp_path / "values.yaml"
    values.write_text("image:\n  all: {repository: milvusdb/milvus, tag: v2.5.6}\n"
                      "proxy:\n  tls: {enabled: true, secretName: milvus-tls}\n")
    secret = _secret_yaml(tmp_path, "milvus-tls", {"tls.crt": "server.pem", "tls.key": "server.key"})
    status, report, err = _doctor(["--k8s", str(values), "--k8s", secret], capsys)
    assert status == 1, err
    assert report["verdict"] == "fail" and "config.helm_tls_incomplete" in codes(report, "error")


@pytest.mark.parametrize("fmt", FORMATS)
def test_incomplete_in_every_format(server_only, capsys, fmt):
    status, out, _ = _doctor(["--dir", str(server_only), "--tls-mode", "2"], capsys, fmt)
    assert status == 4
    if fmt == "json":
        assert out["verdict"] == "incomplete"
        return
    if fmt == "prometheus":
        assert 'milvus_tls_check_success{' in out
        assert all(line.endswith(" 0") or line.endswith(" 0.0")
                   for line in out.splitlines() if line.startswith("milvus_tls_check_success{"))
        assert any(line.startswith("milvus_tls_check_incomplete{") and line.split()[-1] in ("1", "1.0")
                   for line in out.splitlines()), out
        return
    if fmt == "junit":
        assert 'name="mode 2: the client side was judged"' in out and 'type="input.not_judged"' in out
        return
    assert "mode 2 (mutual TLS): the client side was not judged" in out
    if fmt == "sarif":
        results = json.loads(out)["runs"][0]["results"]
        assert any(r["ruleId"] == "input.not_judged" and r["level"] == "error" for r in results)
    if fmt == "github":
        assert "::error title=input.not_judged::" in out
    if fmt == "markdown":
        assert "### Not judged" in out and "INCOMPLETE" in out


def test_fleet_with_an_incomplete_target_exits_4(server_only, tmp_path, capsys):
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(yaml.safe_dump({"targets": [
        {"name": "good", "dir": str(DOCS_SAN), "tls_mode": 1},
        {"name": "server-only", "dir": str(server_only), "tls_mode": 2}]}))
    status, out, _ = run_cli(["doctor", "--fleet", str(fleet), "--no-handshake", "--format", "json"], capsys)
    fleet_report = json.loads(out)
    verdicts = {t["name"]: t["verdict"] for t in fleet_report["targets"]}
    assert verdicts["server-only"] == "incomplete"
    assert fleet_report["verdict"] in ("incomplete", "fail")
    assert status == (4 if fleet_report["verdict"] == "incomplete" else 1)


def test_a_selected_client_that_could_not_run_is_not_checked_never_a_pass(tmp_path, capsys, monkeypatch):
    """--client node with no Node SDK installed (an empty cache): the Node client is 'not checked', the verdict is
    incomplete (exit 4), while pymilvus, which ran, keeps its own pass."""
    monkeypatch.setenv("MILVUS_TLS_CACHE", str(tmp_path / "empty-cache"))
    status, out, _ = run_cli(["doctor", "--dir", str(DOCS_SAN), "--tls-mode", "1", "--rehearsal", "grpcio",
                              "--client", "node==2.6", "--client", "pymilvus", "--format", "json"], capsys)
    report = json.loads(out)
    by = {c["client"]: c for c in report["clients"]}
    assert by["node==2.6"]["verdict"] == "incomplete" and by["pymilvus==3.0"]["verdict"] == "pass"
    assert report["verdict"] == "incomplete" and status == 4
    [u] = [u for u in report["unjudged"] if u.get("client") == "node==2.6"]
    assert "was not run" in u["what"]
    status, text, _ = run_cli(["doctor", "--dir", str(DOCS_SAN), "--tls-mode", "1", "--rehearsal", "grpcio",
                               "--client", "node==2.6"], capsys)
    assert "TODO  mode 1 Node SDK" in text and "was not checked" in text and status == 4
