"""usage (eku.client_auth_missing, ku.digital_signature_missing) run directly on a Context.

Go's crypto/x509 checkChainForKeyUsage (verify.go) walks the whole chain: a certificate without
extendedKeyUsage, or with anyExtendedKeyUsage, allows every purpose; any other EKU list must contain clientAuth
(tlsMode 2), the intermediates' lists included (EKU nesting).
"""
from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.certfactory import Issued, good_set, make_leaf, new_key
from milvus_tls_check.model import Role, Severity
from milvus_tls_check.rules import context_for, run_rules
from milvus_tls_check.rules.usage import check_usage
from tests.helpers import answer

NOW = dt.datetime.now(dt.timezone.utc)


@pytest.fixture(scope="module")
def g():
    return good_set()


def issue(issuer: Issued, cn: str, *, eku=None, ca=False) -> Issued:
    """A certificate with exactly the EKU OIDs given (None: no extendedKeyUsage)."""
    key = new_key("ec-p256")
    b = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
         .issuer_name(issuer.cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(NOW - dt.timedelta(hours=1)).not_valid_after(NOW + dt.timedelta(days=400))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if eku is not None:
        b = b.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=False)
    cert = b.sign(issuer.key, hashes.SHA256())
    return Issued(cert, key, chain=((cert,) if ca else ()) + issuer.chain)


def mutual_ctx(g, client_chain, client_key=None):
    return context_for({Role.SERVER_CERT: [g.server.cert], Role.SERVER_KEY: g.server.key,
                        Role.SERVER_CA: [g.ca.cert], Role.CLIENT_CERT: list(client_chain),
                        Role.CLIENT_KEY: client_key or g.client.key}, modes=(2,))


def client_codes(ctx):
    return {(f.code, f.severity) for r in check_usage(ctx) if r.check == "usage.client" for f in r.findings}


def test_client_auth_allowed(g):
    assert client_codes(mutual_ctx(g, [g.client.cert])) == set()


def test_server_auth_only_client_fails(g):
    client = make_leaf(g.ca, "milvus-client", eku=("server",))
    assert client_codes(mutual_ctx(g, [client.cert])) == {("eku.client_auth_missing", Severity.ERROR)}


def test_any_extended_key_usage_passes_as_in_go(g):
    client = issue(g.ca, "milvus-client", eku=[ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE])
    assert client_codes(mutual_ctx(g, [client.cert])) == set()


def test_any_eku_next_to_server_auth_passes(g):
    client = issue(g.ca, "milvus-client", eku=[ExtendedKeyUsageOID.SERVER_AUTH,
                                               ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE])
    assert client_codes(mutual_ctx(g, [client.cert])) == set()


def test_intermediate_without_client_auth_fails_the_client_chain(g):
    inter = issue(g.ca, "server-only intermediate", eku=[ExtendedKeyUsageOID.SERVER_AUTH], ca=True)
    client = issue(inter, "milvus-client", eku=[ExtendedKeyUsageOID.CLIENT_AUTH])
    ctx = mutual_ctx(g, [client.cert, inter.cert], client.key)
    assert client_codes(ctx) == {("eku.client_auth_missing", Severity.ERROR)}
    message = next(f.message for r in check_usage(ctx) for f in r.findings)
    assert "intermediate" in message and "server-only intermediate" in message
    # the chain itself is fine: only the usage rule speaks
    assert set(answer(f.code for r in run_rules(ctx) for f in r.findings)) == {"eku.client_auth_missing"}


def test_intermediate_without_eku_passes(g):
    inter = issue(g.ca, "plain intermediate", eku=None, ca=True)
    client = issue(inter, "milvus-client", eku=[ExtendedKeyUsageOID.CLIENT_AUTH])
    assert client_codes(mutual_ctx(g, [client.cert, inter.cert])) == set()


def test_one_way_does_not_judge_the_client_cert(g):
    client = make_leaf(g.ca, "milvus-client", eku=("server",))
    ctx = context_for({Role.SERVER_CERT: [g.server.cert], Role.CLIENT_CERT: [client.cert]}, modes=(1,))
    assert client_codes(ctx) == set()


def test_server_key_usage_without_digital_signature(g):
    server = make_leaf(g.ca, key_usage=("key_encipherment",))
    ctx = context_for({Role.SERVER_CERT: [server.cert]}, modes=(1,))
    assert {(f.code, f.severity) for r in check_usage(ctx) for f in r.findings} == {
        ("ku.digital_signature_missing", Severity.ERROR)}


def test_client_key_usage_without_digital_signature_is_info(g):
    client = make_leaf(g.ca, "milvus-client", eku=("client",), key_usage=("key_encipherment",))
    assert client_codes(mutual_ctx(g, [client.cert])) == {("ku.digital_signature_missing", Severity.INFO)}
