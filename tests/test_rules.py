"""Every static finding code: material made to have that fault triggers it; a near miss stays silent.

Each case writes a certificate set with the factory, runs `milvus-tls doctor --no-handshake --format json`
and asserts what a user sees: the codes, their severity, the verdict and the exit status.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import replace
from pathlib import Path

import pytest

from tests.certfactory import CertSet, docs_like_leaf, make_ca, make_leaf
from milvus_tls_check.findings import FIXES
from tests.helpers import codes, doctor_json, answer
from tests.legacy import openssl_leaf, openssl_root

NOW = dt.datetime.now(dt.timezone.utc)


def _write(tmp: Path, s: CertSet) -> Path:
    s.write(tmp / "set")
    return tmp / "set"


# ---- builders: each returns the CLI arguments for a set with (or narrowly without) one fault -------------

def b_good(tmp, g):
    return ["--dir", str(_write(tmp, g))]


def b_key_mismatch(tmp, g):
    d = _write(tmp, g)
    (d / "server.key").write_bytes(g.client.key_pem())  # the client's key given as the server's
    return ["--dir", str(d)]


def b_chain_wrong_order(tmp, g):
    inter = make_ca("issuing CA", issuer=g.ca)
    server = make_leaf(inter, eku=("server",))
    d = _write(tmp, replace(g, server=server))
    (d / "server.pem").write_bytes(inter.cert_pem() + server.cert_pem())
    return ["--dir", str(d), "--tls-mode", "1"]


def b_swapped_paths(tmp, g):
    d = _write(tmp, g)
    return ["--dir", str(d), "--server-pem", str(d / "server.key"), "--server-key", str(d / "server.pem")]


def b_encrypted_key(tmp, g):
    d = _write(tmp, g)
    (d / "server.key").write_bytes(g.server.key_pem(password=b"milvus"))
    return ["--dir", str(d)]


def b_der_cert(tmp, g):
    from cryptography.hazmat.primitives.serialization import Encoding
    d = _write(tmp, g)
    (d / "server.pem").write_bytes(g.server.cert.public_bytes(Encoding.DER))
    return ["--dir", str(d)]


def b_missing(tmp, g):
    d = _write(tmp, g)
    (d / "server.pem").unlink()
    return ["--dir", str(d)]


def b_empty(tmp, g):
    d = _write(tmp, g)
    (d / "ca.pem").write_bytes(b"")
    return ["--dir", str(d)]


def b_not_pem(tmp, g):
    d = _write(tmp, g)
    (d / "client.pem").write_text("this is not a certificate\n")
    return ["--dir", str(d)]


def b_too_large(tmp, g):
    d = _write(tmp, g)
    with open(d / "ca.pem", "ab") as fh:
        fh.write(b"#" * (1 << 20))
    return ["--dir", str(d)]


def b_key_in_cert(tmp, g):
    d = _write(tmp, g)
    (d / "server.pem").write_bytes(g.server.cert_pem() + g.server.key_pem())
    return ["--dir", str(d)]


def b_weak_key(tmp, g):
    server = make_leaf(g.ca, key_type="rsa1024", eku=("server",))
    return ["--dir", str(_write(tmp, replace(g, server=server)))]


def b_ed25519(tmp, g):
    server = make_leaf(g.ca, key_type="ed25519", eku=("server",))
    return ["--dir", str(_write(tmp, replace(g, server=server)))]


def b_ed25519_client(tmp, g):
    client = make_leaf(g.ca, "milvus-client", key_type="ed25519", eku=("client",))
    return ["--dir", str(_write(tmp, replace(g, client=client)))]


def b_trailing_dot(tmp, g):
    server = make_leaf(g.ca, "milvus.example.com", dns=("milvus.example.com",), eku=("server",))
    return ["--dir", str(_write(tmp, replace(g, server=server))), "--server-name", "milvus.example.com."]


def b_key_world_readable(tmp, g):
    d = _write(tmp, g)
    os.chmod(d / "server.key", 0o644)
    return ["--dir", str(d)]


def b_expired(tmp, g):
    server = make_leaf(g.ca, not_before=NOW - dt.timedelta(days=400), days=30)
    return ["--dir", str(_write(tmp, replace(g, server=server)))]


def b_not_yet_valid(tmp, g):
    client = make_leaf(g.ca, "milvus-client", eku=("client",), not_before=NOW + dt.timedelta(days=2))
    return ["--dir", str(_write(tmp, replace(g, client=client)))]


def b_serial_negative(tmp, g):
    # cryptography refuses to sign such a serial; the real openssl CLI does not
    server = openssl_leaf(g.ca, "localhost", digest="sha256", eku="serverAuth", serial=-42)
    return ["--dir", str(_write(tmp, replace(g, server=server)))]


def b_expires_soon(tmp, g):
    server = make_leaf(g.ca, not_before=NOW - dt.timedelta(days=10), days=20)
    return ["--dir", str(_write(tmp, replace(g, server=server)))]


def b_client_other_ca(tmp, g):
    other = make_ca("another CA")
    client = make_leaf(other, "milvus-client", eku=("client",))
    return ["--dir", str(_write(tmp, replace(g, client=client)))]


def b_server_other_ca(tmp, g):
    other = make_ca("another CA")
    server = make_leaf(other, eku=("server",))
    d = _write(tmp, replace(g, server=server))
    # mutual only: in one-way mode the docs hand server.pem itself to the client, which anchors it
    return ["--dir", str(d), "--tls-mode", "2"]


def b_intermediate_missing(tmp, g):
    inter = make_ca("issuing CA", issuer=g.ca)
    server = make_leaf(inter, eku=("server",))
    d = _write(tmp, replace(g, server=server))
    (d / "server.pem").write_bytes(server.cert_pem())  # leaf only: the intermediate is not sent
    (d / "ca.pem").write_bytes(g.ca.cert_pem() + inter.cert_pem())  # the server side holds it, the client's root not
    (d / "client-root.pem").write_bytes(g.ca.cert_pem())
    return ["--dir", str(d), "--tls-mode", "2", "--client-ca-pem", str(d / "client-root.pem")]


def b_intermediate_sent(tmp, g):
    inter = make_ca("issuing CA", issuer=g.ca)
    server = make_leaf(inter, eku=("server",))
    return ["--dir", str(_write(tmp, replace(g, server=server))), "--tls-mode", "2"]


def b_intermediate_not_ca(tmp, g):
    inter = make_ca("issuing non-CA", issuer=g.ca, ca=False)
    server = make_leaf(inter, eku=("server",))
    return ["--dir", str(_write(tmp, replace(g, server=server))), "--tls-mode", "2"]


def b_client_pathlen_root(tmp, g):
    root = make_ca("root pathlen 0", path_length=0)
    inter = make_ca("issuing CA", issuer=root)
    return ["--dir", str(_write(tmp, CertSet(root, make_leaf(root), make_leaf(inter, "c", eku=("client",))))),
            "--tls-mode", "2"]


def b_server_pathlen_root(tmp, g):
    # BoringSSL (pymilvus) does not apply the anchor's pathlen: observed, this connects
    root = make_ca("root pathlen 0", path_length=0)
    inter = make_ca("issuing CA", issuer=root)
    return ["--dir", str(_write(tmp, CertSet(root, make_leaf(inter), make_leaf(root, "c", eku=("client",))))),
            "--tls-mode", "2"]


def b_leaf_is_ca(tmp, g):
    server = make_leaf(g.ca, ca=True, eku=("server",))
    return ["--dir", str(_write(tmp, replace(g, server=server)))]


def b_name_mismatch(tmp, g):
    return ["--dir", str(_write(tmp, g)), "--server-name", "milvus.example.com"]


def b_cn_only(tmp, g):
    server = docs_like_leaf(g.ca, "localhost", dns=())
    return ["--dir", str(_write(tmp, replace(g, server=server)))]


def b_client_eku_server_only(tmp, g):
    client = make_leaf(g.ca, "milvus-client", eku=("server",))
    return ["--dir", str(_write(tmp, replace(g, client=client)))]


def b_client_no_eku(tmp, g):
    client = docs_like_leaf(g.ca, "milvus-client")
    return ["--dir", str(_write(tmp, replace(g, client=client)))]


def b_server_eku_client_only(tmp, g):
    server = make_leaf(g.ca, eku=("client",))
    return ["--dir", str(_write(tmp, replace(g, server=server)))]


def b_server_ku_no_signature(tmp, g):
    server = make_leaf(g.ca, key_usage=("key_encipherment",))
    return ["--dir", str(_write(tmp, replace(g, server=server)))]


def b_client_sha1(tmp, g):
    client = openssl_leaf(g.ca, "milvus-client", digest="sha1")
    return ["--dir", str(_write(tmp, replace(g, client=client)))]


def b_server_md5(tmp, g):
    server = openssl_leaf(g.ca, "localhost", digest="md5", eku="serverAuth")
    return ["--dir", str(_write(tmp, replace(g, server=server))), "--tls-mode", "2"]


def b_server_sha1(tmp, g):
    # observed against real Milvus + pymilvus: a SHA-1 server certificate still connects (BoringSSL accepts it)
    server = openssl_leaf(g.ca, "localhost", digest="sha1", eku="serverAuth")
    return ["--dir", str(_write(tmp, replace(g, server=server))), "--tls-mode", "2"]


def b_sha1_root_only(tmp, g):
    root = openssl_root("sha1 root", digest="sha1")  # a self-signed anchor's own signature is never checked
    server = make_leaf(root, eku=("server",))
    client = make_leaf(root, "milvus-client", eku=("client",))
    return ["--dir", str(_write(tmp, CertSet(root, server, client)))]


def b_mode2_without_client(tmp, g):
    d = _write(tmp, g)
    (d / "client.pem").unlink()
    (d / "client.key").unlink()
    return ["--dir", str(d), "--tls-mode", "2"]


def b_params_conflict(tmp, g):
    d = _write(tmp, g)
    return ["--dir", str(d), "--tls-mode", "2", "--client-server-pem", str(d / "server.pem")]


def b_params_incomplete(tmp, g):
    d = _write(tmp, g)
    (d / "client.key").unlink()
    return ["--dir", str(d), "--tls-mode", "2", "--client-pem", str(d / "client.pem")]


def b_ca_key_cert_sign_missing(tmp, g):
    root = make_ca("root without keyCertSign", key_usage=("digital_signature",))
    server = make_leaf(root, eku=("server",))
    client = make_leaf(root, "milvus-client", eku=("client",))
    return ["--dir", str(_write(tmp, CertSet(root, server, client))), "--tls-mode", "2"]


CASES = [
    # id, builder, codes that must appear (with severity), codes that must not, verdict
    ("good", b_good, {}, {"*"}, "pass"),
    ("key-mismatch", b_key_mismatch, {"key.mismatch": "error"}, set(), "fail"),
    ("chain-wrong-order", b_chain_wrong_order, {"key.mismatch": "error"}, set(), "fail"),
    ("swapped-paths", b_swapped_paths, {"file.wrong_kind": "error"}, {"key.mismatch"}, "fail"),
    ("encrypted-key", b_encrypted_key, {"key.encrypted": "error"}, {"key.mismatch"}, "fail"),
    ("der-cert", b_der_cert, {"file.der": "error"}, {"file.not_pem"}, "fail"),
    ("missing", b_missing, {"file.missing": "error"}, set(), "fail"),
    ("empty", b_empty, {"file.empty": "error"}, set(), "fail"),
    ("not-pem", b_not_pem, {"file.not_pem": "error"}, set(), "fail"),
    ("too-large", b_too_large, {"file.too_large": "error"}, set(), "fail"),
    ("key-in-cert", b_key_in_cert, {"file.key_in_cert": "warning"}, {"file.wrong_kind", "key.mismatch"}, "pass"),
    ("rsa1024", b_weak_key, {"key.weak": "warning"}, {"key.mismatch"}, "pass"),
    ("ed25519", b_ed25519, {"key.unsupported": "error"}, {"key.weak"}, "fail"),
    ("ed25519-client", b_ed25519_client, {}, {"key.unsupported", "key.weak"}, "pass"),
    ("trailing-dot", b_trailing_dot, {"name.trailing_dot": "error"}, {"name.mismatch"}, "fail"),
    ("key-0644", b_key_world_readable, {"key.permissions": "warning"}, set(), "pass"),
    ("expired", b_expired, {"cert.expired": "error"}, {"cert.expires_soon"}, "fail"),
    ("not-yet-valid", b_not_yet_valid, {"cert.not_yet_valid": "error"}, {"cert.expired"}, "fail"),
    # Go 1.23+ with go.mod go 1.23+ (LoadX509KeyPair parses the leaf): the newest line exits; Milvus 2.3 starts.
    ("serial-negative", b_serial_negative, {"cert.serial_invalid": "error"}, {"cert.expired"}, "fail"),
    ("serial-negative-2.3", lambda tmp, g: b_serial_negative(tmp, g) + ["--milvus-version", "2.3.5"],
     {"cert.serial_invalid": "warning"}, {"cert.expired"}, "pass"),
    ("expires-soon", b_expires_soon, {"cert.expires_soon": "warning"}, {"cert.expired"}, "pass"),
    ("client-other-ca", b_client_other_ca, {"chain.untrusted": "error"}, {"chain.intermediate_missing"}, "fail"),
    ("server-other-ca", b_server_other_ca, {"chain.untrusted": "error"}, set(), "fail"),
    ("intermediate-missing", b_intermediate_missing, {"chain.intermediate_missing": "error"}, {"chain.untrusted"}, "fail"),
    ("intermediate-sent", b_intermediate_sent, {}, {"chain.intermediate_missing", "chain.untrusted", "ca.not_ca"}, "pass"),
    ("intermediate-not-ca", b_intermediate_not_ca, {"ca.not_ca": "error"}, set(), "fail"),
    ("client-pathlen-root", b_client_pathlen_root, {"ca.path_length_exceeded": "error"}, set(), "fail"),
    ("server-pathlen-root", b_server_pathlen_root, {}, {"ca.path_length_exceeded"}, "pass"),
    ("leaf-is-ca", b_leaf_is_ca, {"leaf.is_ca": "warning"}, set(), "pass"),
    ("name-mismatch", b_name_mismatch, {"name.mismatch": "error"}, {"name.cn_only"}, "fail"),
    ("cn-only", b_cn_only, {"name.cn_only": "warning"}, {"name.mismatch"}, "pass"),
    ("client-eku-server", b_client_eku_server_only, {"eku.client_auth_missing": "error"}, set(), "fail"),
    ("client-no-eku", b_client_no_eku, {}, {"eku.client_auth_missing"}, "pass"),
    ("server-eku-client", b_server_eku_client_only, {"eku.server_auth_missing": "error"}, set(), "fail"),
    ("server-ku-no-sig", b_server_ku_no_signature, {"ku.digital_signature_missing": "error"}, set(), "fail"),
    ("client-sha1", b_client_sha1, {"sig.weak": "error"}, set(), "fail"),
    ("server-md5", b_server_md5, {"sig.weak": "error"}, {"chain.untrusted"}, "fail"),
    ("server-sha1", b_server_sha1, {"sig.weak": "warning"}, {"chain.untrusted"}, "pass"),
    ("sha1-root-only", b_sha1_root_only, {}, {"sig.weak"}, "pass"),
    # No client material at all: mode 2's client side is not judged (SKIP with the flags to give), not an error,
    # and never a pass: the verdict is incomplete (issue 19).
    ("mode2-no-client", b_mode2_without_client, {}, {"client.cert_missing", "client.params_incomplete"}, "incomplete"),
    ("params-conflict", b_params_conflict, {"client.params_conflict": "error", "client.cert_missing": "error"}, set(), "fail"),
    ("params-incomplete", b_params_incomplete, {"client.params_incomplete": "error"}, {"client.params_conflict"}, "fail"),
    ("ca-no-keycertsign", b_ca_key_cert_sign_missing, {"ca.key_cert_sign_missing": "error"}, set(), "fail"),
]


@pytest.mark.parametrize("case_id,builder,present,absent,verdict", CASES, ids=[c[0] for c in CASES])
def test_code(case_id, builder, present, absent, verdict, tmp_path, shared_good, capsys):
    status, report = doctor_json(builder(tmp_path, shared_good), capsys)
    found = {(f["code"], f["severity"]) for f in report["findings"]}
    for code, severity in present.items():
        assert (code, severity) in found, f"{case_id}: expected {code} ({severity}); got {sorted(found)}"
    if absent == {"*"}:
        assert answer(report["findings"], present) == [], report["findings"]
    else:
        assert not (absent & codes(report)), f"{case_id}: unexpected {absent & codes(report)}"
    assert report["verdict"] == verdict
    assert status == {"pass": 0, "fail": 1, "incomplete": 4}[verdict]


def test_mode2_without_client_material_says_what_to_give(tmp_path, shared_good, capsys):
    _, report = doctor_json(b_mode2_without_client(tmp_path, shared_good), capsys)
    skipped = [c for c in report["checks"] if c["status"] == "not_run" and c.get("mode") == 2]
    assert skipped and "--client-pem PATH --client-key PATH" in skipped[0]["reason"]


def test_strict_makes_warnings_fail(tmp_path, shared_good, capsys):
    args = b_cn_only(tmp_path, shared_good)
    status, report = doctor_json(args, capsys)
    assert status == 0 and report["verdict"] == "pass"
    status, report = doctor_json(args + ["--strict"], capsys)
    assert status == 1 and report["verdict"] == "fail"


def test_at_judges_validity_then(tmp_path, shared_good, capsys):
    args = b_good(tmp_path, shared_good)
    end = shared_good.server.cert.not_valid_after_utc   # instants from the set itself: no factory default in here
    later = (end + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    status, report = doctor_json(args + ["--at", later], capsys)
    assert status == 1 and "cert.expired" in codes(report, "error")
    soon = (end - dt.timedelta(days=15)).strftime("%Y-%m-%dT%H:%M:%SZ")
    status, report = doctor_json(args + ["--at", soon], capsys)
    assert status == 0 and "cert.expires_soon" in codes(report, "warning")


def test_one_way_only_ignores_client_files(tmp_path, shared_good, capsys):
    """--tls-mode 1: pymilvus sends no client cert, so a broken client key cannot fail the one-way verdict."""
    d = _write(tmp_path, shared_good)
    (d / "client.key").write_text("garbage")
    status, report = doctor_json(["--dir", str(d), "--tls-mode", "1"], capsys)
    assert report["modes"] == [1] and status == 0, report["findings"]
    status, report = doctor_json(["--dir", str(d)], capsys)
    assert report["modes"] == [1, 2] and status == 1 and report["mode_verdicts"] == {"1": "pass", "2": "fail"}


def test_ip_names_follow_grpc_hostname_verifier(tmp_path, shared_good, capsys):
    """grpcio 1.8x: an IP name matches an IP SAN, or the CN when the cert has no DNS SAN; a DNS SAN blocks the CN."""
    server = make_leaf(shared_good.ca, "127.0.0.1", dns=("localhost",))
    d = _write(tmp_path, replace(shared_good, server=server))
    status, report = doctor_json(["--dir", str(d), "--server-name", "127.0.0.1"], capsys)
    assert "name.mismatch" in codes(report, "error") and status == 1
    server = make_leaf(shared_good.ca, "x", dns=(), ips=("127.0.0.1",))
    d = _write(tmp_path / "ip", replace(shared_good, server=server))
    status, report = doctor_json(["--dir", str(d), "--server-name", "127.0.0.1"], capsys)
    assert "name.mismatch" not in codes(report) and status == 0
    server = docs_like_leaf(shared_good.ca, "127.0.0.1", dns=())
    d = _write(tmp_path / "cn", replace(shared_good, server=server))
    status, report = doctor_json(["--dir", str(d), "--server-name", "127.0.0.1"], capsys)
    assert "name.mismatch" not in codes(report) and "name.cn_only" in codes(report, "warning") and status == 0


def test_chain_in_wrong_order_says_put_the_leaf_first(tmp_path, shared_good, capsys):
    status, report = doctor_json(b_chain_wrong_order(tmp_path, shared_good), capsys)
    message = next(f["message"] for f in report["findings"] if f["code"] == "key.mismatch")
    assert "put the leaf first" in message and status == 1


def test_key_mismatch_names_the_owner(tmp_path, shared_good, capsys):
    status, report = doctor_json(b_key_mismatch(tmp_path, shared_good), capsys)
    message = next(f["message"] for f in report["findings"] if f["code"] == "key.mismatch")
    assert "client.pem" in message  # the swapped key is traced back to the cert it belongs to


def test_docs_server_pem_as_trust_root_is_enough(tmp_path, shared_good, capsys):
    """The docs give the client server.pem itself (not the CA) in one-way mode; grpc anchors on it."""
    d = _write(tmp_path, shared_good)
    status, report = doctor_json(["--server-pem", str(d / "server.pem"), "--server-key", str(d / "server.key")], capsys)
    assert status == 0 and report["modes"] == [1]


def test_unused_encrypted_key_with_password_env(tmp_path, shared_good, capsys, monkeypatch):
    d = _write(tmp_path, shared_good)
    (d / "server.key").write_bytes(shared_good.server.key_pem(password=b"s3cret"))
    monkeypatch.setenv("KEYPASS", "s3cret")
    status, report = doctor_json(["--dir", str(d), "--key-password-env", "KEYPASS"], capsys)
    assert "key.encrypted" in codes(report, "error") and "key.mismatch" not in codes(report)
    assert status == 1


PLACEHOLDER = re.compile(r"\bX\.(key|pem|der|p12)\b|\bNAME\b|\bADDR\b|\bFILE\b|\bPATH\b|ca\.pem X\.pem")


@pytest.mark.parametrize("case_id,builder", [(c[0], c[1]) for c in CASES], ids=[c[0] for c in CASES])
def test_fix_lines_name_the_real_files(case_id, builder, tmp_path, shared_good, capsys):
    """Issue 13: every fix a user sees names what the doctor read; a code with a command (findings.FIXES) gives it
    with the real path, never a placeholder."""
    _, report = doctor_json(builder(tmp_path, shared_good), capsys)
    for f in report["findings"]:
        assert not PLACEHOLDER.search(f["fix"]), (case_id, f["code"], f["fix"])
        if f["code"] in FIXES:
            assert str(tmp_path) in f["fix"], (case_id, f["code"], f["fix"])
