"""Issue 19 item 7: the authoritative side decides. A static Go-model finding that the Go rehearsal of that exact
Milvus build contradicts (its handshake succeeded with Go) does not fail the verdict: it stays a warning, and the
report says the disagreement was resolved in favour of the rehearsal. Real Go rehearsals: Go 1.21 (Milvus 2.3)
accepts an RSA-768 client certificate; Go 1.25 (Milvus 2.6) refuses it."""
from __future__ import annotations

import json
import secrets
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from milvus_tls_check.certs import good_set, make_leaf
from milvus_tls_check.handshake import gofront
from milvus_tls_check.model import ClientImpl, ClientKind, Handshake, ServerImpl, ServerKind
from milvus_tls_check.verdict import exact_go_rehearsals

from tests.helpers import run_cli


def _is_probable_prime(n: int, rounds: int = 40) -> bool:
    if any(n % p == 0 for p in (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)):
        return False
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for _ in range(rounds):
        x = pow(secrets.randbelow(n - 3) + 2, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(bits: int) -> int:
    while True:
        n = secrets.randbits(bits) | (0b11 << (bits - 2)) | 1
        if _is_probable_prime(n):
            return n


def rsa_key(bits: int):
    """An RSA key of `bits` made with cryptography from its numbers (its generator refuses keys below 1024 bits)."""
    e = 65537
    while True:
        p, q = _prime(bits // 2), _prime(bits // 2)
        phi = (p - 1) * (q - 1)
        if p != q and phi % e and (p * q).bit_length() == bits:
            break
    d = pow(e, -1, phi)
    numbers = rsa.RSAPrivateNumbers(p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q),
                                    rsa.RSAPublicNumbers(e, p * q))
    return numbers.private_key(unsafe_skip_rsa_key_validation=True)


@pytest.fixture(scope="module")
def rsa768_set(tmp_path_factory) -> Path:
    g = good_set()
    client = make_leaf(g.ca, "milvus-client", dns=("milvus-client",), eku=("client",), key=rsa_key(768))
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
    assert [(f["code"], f["severity"]) for f in report["findings"]] == [("key.weak", "error")]
    assert report["resolved_disagreements"] == []


def test_a_grpcio_rehearsal_does_not_overrule_the_go_model(rsa768_set, capsys):
    status, report, _ = _doctor(rsa768_set, "2.3", "grpcio", capsys)
    assert report["handshakes"][0]["ok"]            # BoringSSL accepts it: not Milvus's stack
    assert status == 1 and [(f["code"], f["severity"]) for f in report["findings"]] == [("key.weak", "error")]
    assert report["resolved_disagreements"] == []


def test_only_a_go_rehearsal_with_the_builds_go_minor_is_exact():
    def attempt(version: str, ok: bool = True, kind=ServerKind.GO_REHEARSAL) -> Handshake:
        return Handshake(2, "rehearsal", ok, "handshake.ok" if ok else "tls.client_cert_rejected", "",
                         server_impl=ServerImpl(kind, version), client_impl=ClientImpl(ClientKind.PYMILVUS_GRPCIO))
    assert set(exact_go_rehearsals([attempt("1.21.13")], "2.3")) == {2}
    assert exact_go_rehearsals([attempt("1.22.10")], "2.3") == {}            # another Go than the build's
    assert exact_go_rehearsals([attempt("1.21.13", ok=False)], "2.3") == {}  # it refused
    assert exact_go_rehearsals([attempt("", kind=ServerKind.GRPCIO_REHEARSAL)], "2.3") == {}
