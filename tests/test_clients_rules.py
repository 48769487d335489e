"""rules/per_client.py: each selected client judged by its own stack's rules (static, --no-handshake), on material
made in the test; the real clients prove the same cases in tests/integration/test_clients_vs_real_milvus.py."""
from __future__ import annotations

import json

from tests.certfactory import good_set, make_leaf
from milvus_tls_check.cli import main

ALL = ["--client", "pymilvus==2.4", "--client", "go", "--client", "node==2.6"]


def _write(d, **files):
    d.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, data in files.items():
        p = d / name.replace("_", ".")
        p.write_bytes(data)
        if p.suffix == ".key":
            p.chmod(0o600)
        out[name] = str(p)
    return out


def _doctor(capsys, files, *args):
    argv = ["doctor", "--tls-mode", "1", "--server-pem", files["server_pem"], "--server-key", files["server_key"],
            "--no-handshake", "--format", "json", *ALL, *args]
    code = main(argv)
    report = json.loads(capsys.readouterr().out)
    return code, {c["client"]: (c["mode_verdicts"]["1"], c["causes"]["1"]) for c in report["clients"]}, report


def test_cn_ip_without_ip_san(tmp_path, capsys):
    g = good_set()
    leaf = make_leaf(g.ca, "127.0.0.1", dns=(), ips=())
    f = _write(tmp_path, server_pem=leaf.cert_pem(), server_key=leaf.key_pem(), ca_pem=g.ca.cert_pem())
    code, v, report = _doctor(capsys, f, "--client-server-pem", f["ca_pem"], "--server-name", "127.0.0.1",
                              "--client", "pymilvus==2.5")
    assert v["pymilvus==2.5"][0] == "pass"                 # grpcio 1.85 matches an IP against the CN
    assert v["pymilvus==2.4"] == ("fail", ["name.mismatch"])   # grpcio 1.67 (tsi's legacy matcher) does not
    legacy = [x for x in report["findings"] if x["clients"] == ["pymilvus==2.4"]]
    assert "grpcio 1.67.1" in legacy[0]["message"]
    # Go: "relies on legacy Common Name field" (x509.HostnameError: no SAN extension and the CN matches), as the
    # real Go client says (docs/observations.md, cn-ip-no-san-ip-name-m1)
    assert v["go"] == ("fail", ["name.cn_only"])
    assert v["node==2.6"] == ("fail", ["name.mismatch"])  # Node: an IP is matched against IP SANs only
    assert code == 1


def test_cn_only_dns_name(tmp_path, capsys):
    g = good_set()
    leaf = make_leaf(g.ca, "localhost", dns=(), ips=())
    f = _write(tmp_path, server_pem=leaf.cert_pem(), server_key=leaf.key_pem(), ca_pem=g.ca.cert_pem())
    _code, v, report = _doctor(capsys, f, "--client-server-pem", f["ca_pem"])
    assert v["go"] == ("fail", ["name.cn_only"]) and v["node==2.6"][0] == "pass" and v["pymilvus==2.4"][0] == "pass"
    go = [x for x in report["findings"] if x["clients"] == ["go"]]
    assert go and "Go SDK" in go[0]["message"] and "legacy Common Name" in go[0]["message"]


def test_leaf_as_root_node_refuses_go_accepts(tmp_path, capsys):
    g = good_set()
    f = _write(tmp_path, server_pem=g.server.cert_pem(True), server_key=g.server.key_pem())
    # the docs' one-way habit: the server certificate itself as the client's root
    code, v, report = _doctor(capsys, f, "--client-server-pem", f["server_pem"])
    assert v["go"][0] == "pass" and v["pymilvus==2.4"][0] == "pass"
    assert v["node==2.6"] == ("fail", ["chain.untrusted"])
    node = [x for x in report["findings"] if x["clients"] == ["node==2.6"]]
    assert "OpenSSL accepts only when it is self-signed" in node[0]["message"]
    assert code == 1


def test_wildcard_rules_differ(tmp_path, capsys):
    g = good_set()
    leaf = make_leaf(g.ca, "m.local", dns=("*.local",), ips=())
    f = _write(tmp_path, server_pem=leaf.cert_pem(), server_key=leaf.key_pem(), ca_pem=g.ca.cert_pem())
    _code, v, _ = _doctor(capsys, f, "--client-server-pem", f["ca_pem"], "--server-name", "milvus.local")
    assert v["go"][0] == "pass" and v["node==2.6"] == ("fail", ["name.mismatch"])


def test_trailing_dot_and_port(tmp_path, capsys):
    g = good_set()
    f = _write(tmp_path, server_pem=g.server.cert_pem(True), server_key=g.server.key_pem(), ca_pem=g.ca.cert_pem())
    _code, v, _ = _doctor(capsys, f, "--client-server-pem", f["ca_pem"], "--server-name", "localhost.")
    assert v["go"][0] == "pass"                                   # Go drops the dot from the SNI
    assert v["node==2.6"] == ("fail", ["name.trailing_dot"])      # Node sends it; Milvus's Go refuses
    _code, v, _ = _doctor(capsys, f, "--client-server-pem", f["ca_pem"], "--server-name", "localhost:19530")
    assert v["go"] == ("fail", ["name.mismatch"]) and v["node==2.6"] == ("fail", ["name.mismatch"])


def test_go_args_and_node_args_decide(tmp_path, capsys):
    g = good_set()
    f = _write(tmp_path, server_pem=g.server.cert_pem(True), server_key=g.server.key_pem(), ca_pem=g.ca.cert_pem())
    other = good_set()
    (tmp_path / "other.pem").write_bytes(other.ca.cert_pem())
    code = main(["doctor", "--tls-mode", "1", "--server-pem", f["server_pem"], "--server-key", f["server_key"],
                 "--client-server-pem", f["ca_pem"], "--no-handshake", "--format", "json",
                 "--go-args", json.dumps({"address": "localhost:19530", "ca": str(tmp_path / "other.pem")}),
                 "--node-args", json.dumps({"address": "localhost:19530", "ssl": True,
                                            "tls": {"rootCertPath": f["ca_pem"], "serverName": "localhost"}})])
    report = json.loads(capsys.readouterr().out)
    v = {c["client"]: c["mode_verdicts"]["1"] for c in report["clients"]}
    assert v == {"go": "fail", "node==3": "pass"} and code == 1
    assert any("other.pem" in n for n in report["notes"])


def test_pymilvus_23_paths_need_server_name(tmp_path, capsys):
    """pymilvus 2.1.0-2.3.7 use the certificate paths only with server_name (pymilvus#1962): the application's
    own keywords without server_name fail that line only; with server_name every line passes."""
    g = good_set()
    f = _write(tmp_path, server_pem=g.server.cert_pem(True), server_key=g.server.key_pem(), ca_pem=g.ca.cert_pem())
    args = {"uri": "https://127.0.0.1:19530", "server_pem_path": f["ca_pem"]}
    argv = ["doctor", "--tls-mode", "1", "--server-pem", f["server_pem"], "--server-key", f["server_key"],
            "--no-handshake", "--format", "json", "--client", "pymilvus==2.3.7", "--client", "pymilvus==2.3",
            "--client", "pymilvus==3.0"]
    main(argv + ["--pymilvus-args", json.dumps(args)])
    report = json.loads(capsys.readouterr().out)
    v = {c["client"]: (c["mode_verdicts"]["1"], c["causes"]["1"]) for c in report["clients"]}
    assert v["pymilvus==2.3.7"] == ("fail", ["client.paths_ignored"])
    assert v["pymilvus==2.3"][0] == "pass" and v["pymilvus==3.0"][0] == "pass"     # 2.3.8 fixed it
    assert any("pymilvus 2.3.7: MilvusClient(" in n and "server_name='<the name" in n for n in report["notes"])
    main(argv + ["--pymilvus-args", json.dumps({**args, "server_name": "localhost"})])
    report = json.loads(capsys.readouterr().out)
    assert all(c["verdict"] == "pass" for c in report["clients"])


def test_default_port_per_client(tmp_path, capsys):
    """An address without a port: pymilvus 2.3.5+ dials 443, 2.3.4 and MilvusClient 2.6.10-2.6.11 19530; the Node
    SDK 443 (grpc-js) after a warning; a warning names the client and the port."""
    g = good_set()
    f = _write(tmp_path, server_pem=g.server.cert_pem(True), server_key=g.server.key_pem(), ca_pem=g.ca.cert_pem())
    args = {"uri": "https://localhost", "server_pem_path": f["ca_pem"], "server_name": "localhost"}
    main(["doctor", "--tls-mode", "1", "--server-pem", f["server_pem"], "--server-key", f["server_key"],
          "--no-handshake", "--format", "json", "--client", "pymilvus==2.4", "--client", "pymilvus==2.6.10",
          "--client", "pymilvus==2.3.4", "--pymilvus-args", json.dumps(args),
          "--node-args", json.dumps({"address": "localhost", "ssl": True, "tls": {"rootCertPath": f["ca_pem"]}}),
          "--go-args", json.dumps({"address": "https://localhost", "ca": f["ca_pem"]})])
    report = json.loads(capsys.readouterr().out)
    ports = {tuple(x["clients"]): x["message"] for x in report["findings"] if x["code"] == "client.default_port"}
    assert "on 443" in ports[("pymilvus==2.4",)] and "on 19530" in ports[("pymilvus==2.6.10",)]
    assert "on 19530" in ports[("pymilvus==2.3.4",)] and "on 443" in ports[("node==3",)]
    assert "ClientConfig.parse adds :443" in ports[("go",)]
    # nothing in the given deployment serves 443: the clients that dial 443 fail (issue 19 item 6); 19530 warns
    severity = {tuple(x["clients"]): x["severity"] for x in report["findings"] if x["code"] == "client.default_port"}
    assert severity == {("pymilvus==2.4",): "error", ("pymilvus==2.6.10",): "warning", ("pymilvus==2.3.4",): "warning",
                        ("node==3",): "error", ("go",): "error"}
    assert "nothing in the given deployment serves Milvus on 443" in ports[("pymilvus==2.4",)]
