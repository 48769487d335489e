"""A client's own files in its own arguments (issue 19, item 2): --go-args, --node-args and --pymilvus-args carrying
the ONLY client certificate and key (no --client-pem/--client-key) go through the same static checks as the general
flags, for that client: reading (an encrypted key), the pair, validity, the chain Milvus verifies with tls.caPemPath
in tlsMode 2. Each case fails that client's verdict with its one cause; a good set passes (mode 2 is judged, not
incomplete); the files are in the inventory. One loopback test proves a case against the real Go client."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.certfactory import good_set, make_leaf, new_key, write_private
from tests.helpers import doctor_json, run_cli

CASES = {"expired": "cert.expired", "mismatch": "key.mismatch", "encrypted": "key.encrypted",
         "foreign": "chain.untrusted"}
CLIENTS = {"go": "go", "node": "node==3", "pymilvus": "pymilvus==3.0"}


@pytest.fixture(scope="module")
def material(tmp_path_factory):
    """The server side (server.pem, server.key, ca.pem) and one client pair per case, made here."""
    d = tmp_path_factory.mktemp("client-args")
    g = good_set()
    paths = {k: str(v) for k, v in g.write(d / "good").items()}
    cases = d / "cases"
    cases.mkdir()
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=400)
    expired = make_leaf(g.ca, "milvus-client", dns=("milvus-client",), eku=("client",), not_before=past,
                        not_after=past + dt.timedelta(days=30))
    expired.write(cases / "expired.pem", cases / "expired.key")
    (cases / "mismatch.pem").write_bytes(g.client.cert_pem())
    write_private(cases / "mismatch.key", make_leaf(g.ca, "other", key=new_key()).key_pem())
    (cases / "encrypted.pem").write_bytes(g.client.cert_pem())
    write_private(cases / "encrypted.key", g.client.key_pem(password=b"secret"))
    good_set().client.write(cases / "foreign.pem", cases / "foreign.key")   # issued by another CA
    pairs = {name: (str(cases / f"{name}.pem"), str(cases / f"{name}.key")) for name in CASES}
    pairs["good"] = (paths["client.pem"], paths["client.key"])
    return paths, pairs


def _own_args(client: str, ca: str, cert: str, key: str) -> list[str]:
    if client == "go":
        return ["--go-args", json.dumps({"address": "localhost:19530", "server_name": "localhost", "ca": ca,
                                         "cert": cert, "key": key})]
    if client == "node":
        return ["--node-args", json.dumps({"address": "localhost:19530", "ssl": True, "tls": {
            "rootCertPath": ca, "certChainPath": cert, "privateKeyPath": key, "serverName": "localhost"}})]
    return ["--client", "pymilvus", "--pymilvus-args", json.dumps({
        "uri": "https://localhost:19530", "server_name": "localhost", "ca_pem_path": ca, "client_pem_path": cert,
        "client_key_path": key})]


def _server(paths) -> list[str]:
    return ["--tls-mode", "2", "--server-pem", paths["server.pem"], "--server-key", paths["server.key"],
            "--ca-pem", paths["ca.pem"]]


@pytest.mark.parametrize("client", sorted(CLIENTS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_own_client_files_fail_that_client(material, capsys, client, case):
    paths, pairs = material
    cert, key = pairs[case]
    status, report = doctor_json(_server(paths) + _own_args(client, paths["ca.pem"], cert, key), capsys)
    by = {c["client"]: c for c in report["clients"]}
    assert status == 1 and report["verdict"] == "fail"
    assert by[CLIENTS[client]]["verdict"] == "fail"
    assert by[CLIENTS[client]]["causes"]["2"] == [CASES[case]]          # one cause, one finding
    found = [f for f in report["findings"] if f["code"] == CASES[case] and f["severity"] == "error"]
    assert len(found) == 1
    if client != "pymilvus":
        assert found[0]["clients"] == [CLIENTS[client]]                # attributed to that client
        assert not found[0]["message"].count("pymilvus client_")       # in the client's own words
    assert cert in {c["file"] for c in report["certificates"]}         # the client's file is in the inventory
    assert not report["unjudged"]


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_good_own_client_files_pass_mode_2(material, capsys, client):
    paths, pairs = material
    cert, key = pairs["good"]
    status, report = doctor_json(_server(paths) + _own_args(client, paths["ca.pem"], cert, key), capsys)
    assert status == 0 and report["verdict"] == "pass", report["findings"]
    assert [c["mode_verdicts"] for c in report["clients"]] == [{"2": "pass"}]
    assert not report["unjudged"]                                       # mode 2's client side was judged
    assert cert in {c["file"] for c in report["certificates"]}


def test_go_args_files_in_the_verbose_material(material, capsys):
    paths, pairs = material
    cert, key = pairs["expired"]
    status, out, _err = run_cli(["doctor", *_server(paths), "--no-handshake", "--verbose",
                                 *_own_args("go", paths["ca.pem"], cert, key)], capsys)
    assert status == 1
    assert f"go client_pem: {cert}" in out and f"go client_key: {key}" in out
    assert "FAIL  mode 2 Go SDK (crypto/tls) [go] does not connect: cert.expired" in out
    assert "Go SDK (crypto/tls): validity of every certificate in --go-args cert" in out


def test_own_files_only_for_the_client_that_names_them(material, capsys):
    """Go with a mismatched pair of its own, Node with the good one: only Go fails; the client certificate of tlsMode
    2 is not needed in tlsMode 1, but a pair that does not load breaks the Go client in every mode."""
    paths, pairs = material
    args = _own_args("go", paths["ca.pem"], *pairs["mismatch"]) + _own_args("node", paths["ca.pem"], *pairs["good"])
    base = ["--server-pem", paths["server.pem"], "--server-key", paths["server.key"], "--ca-pem", paths["ca.pem"]]
    status, report = doctor_json(base + args, capsys)
    v = {c["client"]: (c["mode_verdicts"], c["causes"]) for c in report["clients"]}
    assert report["modes"] == [1, 2] and status == 1
    assert v["go"] == ({"1": "fail", "2": "fail"}, {"1": ["key.mismatch"], "2": ["key.mismatch"]})
    assert v["node==3"] == ({"1": "pass", "2": "pass"}, {"1": [], "2": []})
    status, report = doctor_json(["--tls-mode", "1"] + base + _own_args("go", paths["ca.pem"], *pairs["foreign"]),
                                 capsys)
    assert status == 0 and report["verdict"] == "pass"                  # mode 1: the server asks for no client cert


def test_real_go_client_refuses_what_the_static_checks_refuse(material, capsys):
    """Loopback: the real Go client (handshake/goclient) against the Go rehearsal (Milvus's TLS stack) with the
    expired and the foreign-CA client certificate of --go-args: it fails where the static verdict fails, and its
    attempt points to the static finding."""
    from milvus_tls_check.handshake import gofront, sdk_process

    # as tests/test_clients_fixtures.py: a Go client that cannot be prepared fails the test, it does not skip
    assert gofront.toolchains(), "no Go toolchain: python -m milvus_tls_check.handshake.gofront install 1.25"
    sdk_process.go_binary()
    paths, pairs = material
    for case, cause in (("expired", "cert.expired"), ("foreign", "chain.untrusted")):
        status, out, _err = run_cli(["doctor", *_server(paths), "--rehearsal", "go", "--format", "json",
                                     *_own_args("go", paths["ca.pem"], *pairs[case])], capsys)
        report = json.loads(out)
        go = [h for h in report["handshakes"] if h["client"] == "go"]
        assert status == 1 and go and not go[0]["ok"] and not go[0]["could_not_run"], out
        assert go[0]["code"] == "tls.client_cert_rejected", go[0]["detail"]
        assert f"the cause is {cause} above" in go[0]["detail"]
        assert not report["disagreements"]
    status, out, _err = run_cli(["doctor", *_server(paths), "--rehearsal", "go", "--format", "json",
                                 *_own_args("go", paths["ca.pem"], *pairs["good"])], capsys)
    report = json.loads(out)
    assert status == 0 and [h["ok"] for h in report["handshakes"] if h["client"] == "go"] == [True], out


def test_bom_in_own_client_files_per_stack(material, capsys, tmp_path):
    """A UTF-8 BOM before the client certificate: Go's pem.Decode skips the block (LoadX509KeyPair fails); Node's
    OpenSSL reads past it (observed), so only the Go client fails."""
    paths, pairs = material
    cert, key = pairs["good"]
    bom = tmp_path / "bom.pem"
    bom.write_bytes(b"\xef\xbb\xbf" + open(cert, "rb").read())
    status, report = doctor_json(_server(paths) + _own_args("go", paths["ca.pem"], str(bom), key), capsys)
    go = report["clients"][0]
    assert status == 1 and go["causes"]["2"] == ["file.bom"]
    assert "tls.LoadX509KeyPair" in next(f["message"] for f in report["findings"] if f["code"] == "file.bom")
    status, report = doctor_json(_server(paths) + _own_args("node", paths["ca.pem"], str(bom), key), capsys)
    assert status == 0 and report["verdict"] == "pass"
