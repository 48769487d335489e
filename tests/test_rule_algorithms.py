"""algorithms (sig.weak) run directly on a Context. cryptography refuses to sign with SHA-1/MD5, so those
certificates are made with the openssl CLI here."""
from __future__ import annotations

import subprocess

import pytest
from cryptography import x509

from tests.certfactory import good_set
from milvus_tls_check.facts.x509 import quiet_parsing, signature_hash_name
from milvus_tls_check.model import Role, Severity
from milvus_tls_check.rules import context_for
from milvus_tls_check.rules.algorithms import check_signatures


@pytest.fixture(scope="module")
def g():
    return good_set()


def openssl_signed(tmp_path, g, digest: str, eku: str) -> x509.Certificate:
    (tmp_path / "ca.pem").write_bytes(g.ca.cert_pem())
    (tmp_path / "ca.key").write_bytes(g.ca.key_pem())
    (tmp_path / "leaf.key").write_bytes(g.client.key_pem())
    (tmp_path / "ext.cnf").write_text(f"basicConstraints = CA:FALSE\nextendedKeyUsage = {eku}\n"
                                      "subjectAltName = DNS:localhost\n")
    run = lambda *a: subprocess.run(list(a), check=True, capture_output=True, cwd=tmp_path)  # noqa: E731
    run("openssl", "req", "-new", "-key", "leaf.key", "-subj", "/CN=localhost", "-out", "leaf.csr")
    run("openssl", "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        f"-{digest}", "-days", "30", "-extfile", "ext.cnf", "-out", "leaf.pem")
    with quiet_parsing():
        return x509.load_pem_x509_certificate((tmp_path / "leaf.pem").read_bytes())


def sig_codes(ctx):
    return {(r.check, r.mode, f.severity) for r in check_signatures(ctx) for f in r.findings}


def test_sha256_passes(g):
    assert sig_codes(context_for({Role.SERVER_CERT: [g.server.cert]})) == set()


def test_sha1_client_is_an_error_for_go(tmp_path, g):
    client = openssl_signed(tmp_path, g, "sha1", "clientAuth")
    assert signature_hash_name(client) == "sha1"
    ctx = context_for({Role.SERVER_CERT: [g.server.cert], Role.SERVER_CA: [g.ca.cert], Role.CLIENT_CERT: [client],
                       Role.CLIENT_KEY: g.client.key}, modes=(2,))
    assert sig_codes(ctx) == {("algorithms", 2, Severity.ERROR)}


def test_sha1_server_is_a_warning_md5_an_error(tmp_path, g):
    sha1 = openssl_signed(tmp_path, g, "sha1", "serverAuth")
    assert sig_codes(context_for({Role.SERVER_CERT: [sha1]}, modes=(1,))) == {("algorithms", None, Severity.WARNING)}
    md5 = openssl_signed(tmp_path, g, "md5", "serverAuth")
    assert sig_codes(context_for({Role.SERVER_CERT: [md5]}, modes=(1,))) == {("algorithms", None, Severity.ERROR)}
