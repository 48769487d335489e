"""Issue 19 item 7: the authoritative side decides. A static Go-model finding that the Go rehearsal of that exact
Milvus build contradicts (its handshake succeeded with Go) does not fail the verdict: it stays a warning, and the
report says the disagreement was resolved in favour of the rehearsal. Real Go rehearsals: Go 1.21 (Milvus 2.3)
accepts an RSA-768 client certificate; Go 1.25 (Milvus 2.6) refuses it."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from tests.certfactory import good_set, make_leaf
from milvus_tls_check.handshake import gofront
from milvus_tls_lab.corpus import rsa_key_openssl   # cryptography will not make RSA keys under 1024 bits
from milvus_tls_check.model import ClientImpl, ClientKind, Handshake, ServerImpl, ServerKind
from milvus_tls_check.verdict import exact_go_rehearsals

from tests.helpers import answer, run_cli


@pytest.fixture(scope="module")
def rsa768_set(tmp_path_factory) -> Path:
    g = good_set()
    client = make_leaf(g.ca, "milvus-client", dns=("milvus-client",), eku=("client",), key=rsa_key_openssl(768))
    assert client.cert.public_key().key_size == 768
    d = tmp_path_factory.mktemp("rsa768")
    replace(g, client=client).write(d)
    return d


def _doctor(folder: Path, version: str, rehearsal: str, capsys, fmt: str = "json"):
    status, out, err = run_cli(["doctor", "--dir", str(folder), "--milvus-version", version, "--rehearsal", rehearsal,
                                "--tls-mode", "2", "--format", fmt], capsys)
    return status, (json.loads(out) if fmt == "json" else out), err


def test_go_121_rehearsal_of_milvus_23_overrules_the_static_key_weak(rsa768_set, capsys):
    toolchain = gofront.find_toolchain("1.21")
    assert toolchain is not None, "the cache has no Go 1.21 toolchain (python -m milvus_tls_check.handshake.gofront install 1.21)"
    status, report, _ = _doctor(rsa768_set, "2.3", "go", capsys)
    assert report["server_build"]["rehearsal"].startswith("go 1.21."), report["server_build"]
    (hs,) = report["handshakes"]
    assert hs["ok"] and hs["code"] == "handshake.ok" and "Go 1.21" in hs["detail"]
    assert status == 0 and report["verdict"] == "pass" and report["mode_verdicts"] == {"2": "pass"}
    (weak,) = [f for f in report["findings"] if f["code"] == "key.weak"]
    assert weak["severity"] == "warning" and "RSA 768-bit" in weak["message"]
    assert "The static Go model says this fails, but the Go rehearsal of Milvus 2.3 (Go 1.21." in weak["message"]
    (resolved,) = report["resolved_disagreements"]
    assert resolved.startswith("mode 2: the static Go model says key.weak fails") and \
        "resolved in favour of the rehearsal" in resolved
    assert report["disagreements"] == []
    assert any("the rehearsal decides" in n for n in report["notes"])
    status, text, _ = _doctor(rsa768_set, "2.3", "go", capsys, fmt="text")
    assert status == 0
    assert "  WARN  key types and sizes in pymilvus client_pem_path" in text
    assert "  INFO  doctor model disagreed with the Go rehearsal (resolved): mode 2: the static Go model says " \
           "key.weak fails" in text
    assert text.rstrip().splitlines()[-1].startswith("PASS")


def test_go_125_rehearsal_of_milvus_26_refuses_it_and_the_error_stands(rsa768_set, capsys):
    status, report, _ = _doctor(rsa768_set, "2.6", "go", capsys)
    assert report["server_build"]["rehearsal"].startswith("go 1.25."), report["server_build"]
    assert status == 1 and not report["handshakes"][0]["ok"]
    assert [(f["code"], f["severity"]) for f in answer(report["findings"])] == [("key.weak", "error")]
    assert report["resolved_disagreements"] == []


def test_a_grpcio_rehearsal_does_not_overrule_the_go_model(rsa768_set, capsys):
    status, report, _ = _doctor(rsa768_set, "2.3", "grpcio", capsys)
    assert report["handshakes"][0]["ok"]            # BoringSSL accepts it: not Milvus's stack
    assert status == 1 and [(f["code"], f["severity"]) for f in answer(report["findings"])] == [("key.weak", "error")]
    assert report["resolved_disagreements"] == []


def test_only_a_go_rehearsal_with_the_builds_go_minor_is_exact():
    def attempt(version: str, ok: bool = True, kind=ServerKind.GO_REHEARSAL) -> Handshake:
        return Handshake(2, "rehearsal", ok, "handshake.ok" if ok else "tls.client_cert_rejected", "",
                         server_impl=ServerImpl(kind, version), client_impl=ClientImpl(ClientKind.PYMILVUS_GRPCIO))
    assert set(exact_go_rehearsals([attempt("1.21.13")], "2.3")) == {2}
    assert exact_go_rehearsals([attempt("1.22.10")], "2.3") == {}            # another Go than the build's
    assert exact_go_rehearsals([attempt("1.21.13", ok=False)], "2.3") == {}  # it refused
    assert exact_go_rehearsals([attempt("", kind=ServerKind.GRPCIO_REHEARSAL)], "2.3") == {}
