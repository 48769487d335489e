"""`--client all` on the bundled docs-made fixtures, with real handshakes: the Go rehearsal of the newest Milvus
line, the real Go client (crypto/tls as the Go SDK configures it), the real Node SDK (npm) and the grpcio client
built as pymilvus builds it. The report says which clients connect and why the others do not. The Node SDK and the
Go client are prepared (cached) by a session fixture; one that cannot be prepared fails, it does not skip."""
from __future__ import annotations

import json
import os
import shutil

import pytest

from milvus_tls_check.cli import main
from milvus_tls_check.clientkinds.node import LINES as NODE_LINES
from milvus_tls_check.handshake import gofront, sdk_process


@pytest.fixture(scope="module")
def clients_ready():
    for line in NODE_LINES:
        sdk_process.install_node(line)
    assert gofront.toolchains(), "no Go toolchain: python -m milvus_tls_check.handshake.gofront install 1.25"
    sdk_process.go_binary()
    sdk_process.java_jar()
    return True


@pytest.fixture()
def fixture_dir(tmp_path):
    def copy(name):
        d = tmp_path / name
        shutil.copytree(os.path.join("fixtures", name), d)
        for key in d.glob("*.key"):
            key.chmod(0o600)
        return d
    return copy


def _run(capsys, *args):
    code = main(["doctor", *args])
    return code, capsys.readouterr().out


def test_all_clients_on_docs_san(clients_ready, fixture_dir, capsys):
    d = fixture_dir("docs-san")
    code, out = _run(capsys, "--dir", str(d), "--client", "all", "--rehearsal", "go", "--format", "json")
    report = json.loads(out)
    assert code == 0, out
    verdicts = {c["client"]: c["mode_verdicts"] for c in report["clients"]}
    assert verdicts == {"pymilvus==3.0": {"1": "pass", "2": "pass"}, "go": {"1": "pass", "2": "pass"},
                        "java": {"1": "pass", "2": "pass"}, "node==3": {"1": "pass", "2": "pass"}}
    kinds = {(h["client"], h["mode"]) for h in report["handshakes"] if h["ok"]}
    assert {("go", 1), ("go", 2), ("java", 1), ("java", 2), ("node", 1), ("node", 2), ("grpcio", 1),
            ("grpcio", 2)} <= kinds
    for h in report["handshakes"]:
        assert h["clients"] or h["client"] == "ssl-probe"


def test_all_clients_on_docs_cn_only_says_who_connects(clients_ready, fixture_dir, capsys):
    d = fixture_dir("docs-cn-only")
    code, out = _run(capsys, "--dir", str(d), "--client", "all", "--rehearsal", "go")
    assert code == 1, out
    clients = out[out.index("\nClients\n"):]
    assert "PASS  mode 1 pymilvus 3.0.2 [pymilvus==3.0] connects" in clients
    assert "PASS  mode 2 pymilvus 3.0.2 [pymilvus==3.0] connects" in clients
    assert "FAIL  mode 1 Go SDK (crypto/tls) [go] does not connect: name.cn_only" in clients
    assert "FAIL  mode 2 Go SDK (crypto/tls) [go] does not connect: name.cn_only" in clients
    assert "PASS  mode 1 Node SDK 3.0.6 (grpc-js/OpenSSL) [node==3] connects" in clients
    assert "PASS  mode 2 Node SDK 3.0.6 (grpc-js/OpenSSL) [node==3] connects" in clients
    # why, under the client's line, and Go's own words from the real Go client against the Go rehearsal
    assert "because: Go SDK (crypto/tls) checks 'localhost' against the SAN only (no SAN; CN localhost)" in clients
    assert "[handshake] tls: failed to verify certificate: x509: certificate relies on legacy Common Name" in out


def test_json_tags_findings_and_handshakes_with_clients(clients_ready, fixture_dir, capsys):
    d = fixture_dir("docs-cn-only")
    code, out = _run(capsys, "--dir", str(d), "--client", "go", "--client", "pymilvus==2.4", "--rehearsal", "go",
                     "--format", "json")
    report = json.loads(out)
    assert report["verdict"] == "fail"
    by = {c["client"]: c for c in report["clients"]}
    assert by["pymilvus==2.4"]["verdict"] == "pass" and by["go"]["verdict"] == "fail"
    assert "name.cn_only" in by["go"]["causes"]["1"]
    cn = [f for f in report["findings"] if f["code"] == "name.cn_only" and f["severity"] == "error"]
    assert cn and all(f["clients"] == ["go"] for f in cn)
    go_hs = [h for h in report["handshakes"] if h["client"] == "go"]
    assert go_hs and all(h["clients"] == ["go"] and h["code"] == "name.cn_only" for h in go_hs)


def test_only_go_selected_does_not_fail_on_pymilvus_rules(clients_ready, fixture_dir, capsys):
    """Go alone on docs-san: passes; pymilvus's own findings (none here) would not speak for Go."""
    d = fixture_dir("docs-san")
    code, out = _run(capsys, "--dir", str(d), "--client", "go", "--rehearsal", "go", "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["verdict"] == "pass"
    assert not [h for h in report["handshakes"] if h["client"] == "grpcio"]


def test_live_uri_connects_as_each_selected_client(clients_ready, fixture_dir, capsys):
    """--uri: the Go and Node clients connect to the running server (here the Go front, Milvus's TLS stack, before a
    grpcio backend); the name they check is --server-name, else the URI's host (an IP the docs' set lacks)."""
    from milvus_tls_check.handshake.rehearsal import serving

    d = fixture_dir("docs-san")
    build = gofront.find_build(None)
    assert build is not None
    with serving(None, 0) as backend, gofront.start_front(build, 1, str(d / "server.pem"), str(d / "server.key"),
                                                          None, backend) as front:
        uri = f"https://127.0.0.1:{front.port}"
        base = ["--dir", str(d), "--tls-mode", "1", "--uri", uri, "--client", "go", "--client", "node==2.6",
                "--client", "pymilvus==3.0", "--format", "json"]
        code, out = _run(capsys, *base, "--server-name", "localhost")
        report = json.loads(out)
        assert code == 0, out
        assert {(h["client"], h["ok"]) for h in report["handshakes"]} >= {("go", True), ("node", True),
                                                                          ("grpcio", True)}
        code, out = _run(capsys, *base)
        report = json.loads(out)
        by = {c["client"]: c for c in report["clients"]}
        assert code == 1
        assert by["go"]["verdict"] == "fail" and "name.mismatch" in by["go"]["causes"]["1"]
        assert by["node==2.6"]["verdict"] == "fail" and "name.mismatch" in by["node==2.6"]["causes"]["1"]
        go = next(h for h in report["handshakes"] if h["client"] == "go")
        assert "doesn't contain any IP SANs" in go["detail"]


def test_real_pymilvus_of_a_line_runs_in_its_venv(clients_ready, fixture_dir, capsys):
    """--pymilvus with --client pymilvus==LINE: the real MilvusClient of that release, from its own venv (venvs.py);
    a line whose venv is not prepared is not run, and says how to prepare it."""
    from milvus_tls_check.handshake import venvs

    venvs.install("2.4")
    d = fixture_dir("docs-san")
    code, out = _run(capsys, "--dir", str(d), "--tls-mode", "1", "--client", "pymilvus==2.4", "--pymilvus",
                     "--rehearsal", "go", "--format", "json")
    report = json.loads(out)
    real = [h for h in report["handshakes"] if h["client"] == "pymilvus"]
    assert code == 0 and real and real[0]["ok"], out
    assert real[0]["client_impl"]["version"] == "2.4.15" if "client_impl" in real[0] else True
    assert real[0]["clients"] == ["pymilvus==2.4"]
    code, out = _run(capsys, "--dir", str(d), "--tls-mode", "1", "--client", "pymilvus==2.2.17", "--pymilvus",
                     "--rehearsal", "go", "--format", "json")
    report = json.loads(out)
    missing = [h for h in report["handshakes"] if h["client"] == "pymilvus"]
    assert missing and missing[0]["could_not_run"]
    assert "milvus_tls_check.handshake.venvs install 2.2.17" in missing[0]["detail"]


def test_go_version_decides_negative_serials(clients_ready, tmp_path, capsys):
    """--client go==1.21 and --client go (the newest toolchain): a server certificate with a negative serial is
    parsed by Go 1.21 and refused by Go 1.23+ (x509negativeserial); the real Go client of each version agrees."""
    from milvus_tls_check.facts.x509 import quiet_parsing
    from milvus_tls_lab.corpus import by_name

    assert gofront.find_toolchain("1.21") is not None, "python -m milvus_tls_check.handshake.gofront install 1.21"
    with quiet_parsing():
        case = by_name()["negative-serial-server-m1"]
        paths = case.write(tmp_path / "neg")
        # Milvus 2.3.5 (Go 1.20) loads it; the newest lines' Go refuses it at start, for every client
        code, out = _run(capsys, *case.doctor_args(paths), "--client", "go==1.21", "--client", "go",
                         "--rehearsal", "go", "--milvus-version", "2.3.5", "--format", "json")
    report = json.loads(out)
    by = {c["client"]: c for c in report["clients"]}
    assert by["go==1.21"]["verdict"] == "pass" and by["go"]["verdict"] == "fail", out
    assert "cert.serial_invalid" in by["go"]["causes"]["1"]
    real = {tuple(h["clients"]): h for h in report["handshakes"] if h["client"] == "go"}
    assert real[("go==1.21",)]["ok"] and "Go 1.21" in real[("go==1.21",)]["detail"]
    assert not real[("go",)]["ok"] and "x509: negative serial number" in real[("go",)]["detail"]


def test_node_args_key_without_chain(clients_ready, fixture_dir, capsys):
    """--node-args with privateKeyPath but no certChainPath: the SDK goes TWO_WAY and grpc-js refuses to build the
    channel (real Node SDK, against the Go rehearsal); with certChainPath alone it stays ONE_WAY and sends no
    certificate, which tlsMode 2 refuses."""
    d = fixture_dir("docs-san")
    key_only = {"address": "localhost:19530", "ssl": True,
                "tls": {"rootCertPath": str(d / "ca.pem"), "privateKeyPath": str(d / "client.key")}}
    code, out = _run(capsys, "--dir", str(d), "--tls-mode", "1", "--node-args", json.dumps(key_only),
                     "--rehearsal", "go", "--format", "json")
    report = json.loads(out)
    node = next(c for c in report["clients"] if c["client"] == "node==3")
    assert code == 1 and node["verdict"] == "fail" and "client.params_incomplete" in node["causes"]["1"]
    real = next(h for h in report["handshakes"] if h["client"] == "node")
    assert not real["ok"] and "Private key must be given with accompanying certificate chain" in real["detail"]
    chain_only = {"address": "localhost:19530", "ssl": True,
                  "tls": {"rootCertPath": str(d / "ca.pem"), "certChainPath": str(d / "client.pem")}}
    code, out = _run(capsys, "--dir", str(d), "--tls-mode", "2", "--node-args", json.dumps(chain_only),
                     "--rehearsal", "go", "--format", "json")
    report = json.loads(out)
    node = next(c for c in report["clients"] if c["client"] == "node==3")
    assert node["verdict"] == "fail" and "client.params_incomplete" in node["causes"]["2"]
    real = next(h for h in report["handshakes"] if h["client"] == "node")
    assert not real["ok"] and real["code"] in ("tls.client_cert_required", "handshake.failed"), real
