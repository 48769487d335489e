#!/usr/bin/env python3
"""Observe what REAL Milvus 2.3.5 (Go server, PyPI's embedded standalone) and REAL pymilvus
(grpcio/BoringSSL client) do with many TLS certificate variants.

For every case it records: whether Milvus started, whether a real ``pymilvus.MilvusClient``
could connect and call ``list_collections()``/``get_server_version()``, the pymilvus exception
text (with the grpc cause), grpc's C-core stderr lines and Milvus' own log lines (with
``grpc.log.level: INFO`` so Go's handshake reason is logged).  As a comparison it also runs
the same client credentials against an in-process grpcio server (BoringSSL) configured the way
Milvus' proxy is ("rehearsal"), to show where a grpcio-only handshake would predict wrongly.

Writes ``reports/real-observations.json`` and ``docs/observations.md``.

Usage (needs ``milvus==2.3.5``, ``pymilvus``, ``grpcio``, ``cryptography`` and the openssl CLI)::

    python tools/observe_real.py [--work /tmp/observe_real] [--only SUBSTRING]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import ipaddress
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Optional

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: E402

from tests.realmilvus import (  # noqa: E402
    grpc_reason_lines,
    milvus_binary,
    milvus_processes,
    milvus_tls_log_lines,
    pymilvus_connect,
    running_milvus,
)

NOW = dt.datetime.now(dt.timezone.utc)
PASS = b"secret-pass"

# ============================================================================ material

DOCS_SUBJ_CA = "/C=CN/ST=Zhejiang/L=Hangzhou/O=milvus/OU=milvus/CN=localhost"
DOCS_SUBJ_LEAF = "/C=CN/O=milvus/OU=milvus/CN=localhost"
DOCS_KU = ("content_commitment", "digital_signature", "key_encipherment")


def sh(cmd: list[str], cwd: Path) -> None:
    cp = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if cp.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {cp.stderr}")


def docs_openssl_set(d: Path, san: bool) -> None:
    """The Milvus docs' procedure, verbatim in spirit: ca via `req -x509` (default extensions),
    server and client from openssl.cnf [v3_req] (CA:FALSE, nonRepudiation/digitalSignature/
    keyEncipherment, no EKU), with or without subjectAltName=DNS:localhost."""
    d.mkdir(parents=True, exist_ok=True)
    cnf = (
        "[ req ]\ndistinguished_name = req_distinguished_name\nreq_extensions = v3_req\n"
        "[ req_distinguished_name ]\n"
        "[ v3_req ]\nbasicConstraints = CA:FALSE\n"
        "keyUsage = nonRepudiation, digitalSignature, keyEncipherment\n"
    )
    if san:
        cnf += "subjectAltName = @alt_names\n[ alt_names ]\nDNS.1 = localhost\n"
    (d / "openssl.cnf").write_text(cnf)
    sh(["openssl", "genrsa", "-out", "ca.key", "2048"], d)
    sh(["openssl", "req", "-new", "-x509", "-key", "ca.key", "-out", "ca.pem", "-days", "3650",
        "-subj", DOCS_SUBJ_CA], d)
    for who in ("server", "client"):
        sh(["openssl", "genpkey", "-algorithm", "RSA", "-out", f"{who}.key"], d)
        sh(["openssl", "req", "-new", "-nodes", "-key", f"{who}.key", "-out", f"{who}.csr", "-days", "3650",
            "-subj", DOCS_SUBJ_LEAF, "-config", "./openssl.cnf", "-extensions", "v3_req"], d)
        sh(["openssl", "x509", "-req", "-days", "3650", "-in", f"{who}.csr", "-out", f"{who}.pem",
            "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-extfile", "./openssl.cnf",
            "-extensions", "v3_req"], d)


@dataclasses.dataclass
class KC:
    """A cert with its key (and the intermediates it should send)."""
    cert: x509.Certificate
    key: Any
    chain: tuple = ()


def load_kc(cert_path: Path, key_path: Path) -> KC:
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = serialization.load_pem_private_key(key_path.read_bytes(), None)
    return KC(cert, key)


def new_key(kind: str, workdir: Path):
    if kind.startswith("rsa"):
        bits = int(kind[3:])
        if bits < 1024:  # cryptography refuses to generate these; openssl still does
            p = workdir / f"tmp-rsa{bits}.key"
            sh(["openssl", "genrsa", "-out", str(p), str(bits)], workdir)
            k = serialization.load_pem_private_key(p.read_bytes(), None)
            p.unlink()
            return k
        return rsa.generate_private_key(public_exponent=65537, key_size=bits)
    if kind == "ec256":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(kind)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "observe-real"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _ku(bits) -> x509.KeyUsage:
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
             "key_agreement", "key_cert_sign", "crl_sign")
    return x509.KeyUsage(**{n: n in bits for n in names}, encipher_only=False, decipher_only=False)


def _ski(cert):
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        return None


def make_cert(cn: str, key, issuer: Optional[KC], *, dns=(), ips=(), bc: Optional[str] = "leaf",
              ku=DOCS_KU, eku=None, not_before=None, not_after=None) -> KC:
    """bc: 'leaf' (CA:FALSE, as docs), 'ca' (critical CA:TRUE), None (no extension).
    issuer None = self-signed."""
    subject = _name(cn)
    b = (x509.CertificateBuilder().subject_name(subject)
         .issuer_name(issuer.cert.subject if issuer else subject)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(not_before or NOW - dt.timedelta(hours=1))
         .not_valid_after(not_after or NOW + dt.timedelta(days=365)))
    if bc == "leaf":
        b = b.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=False)
    elif bc == "ca":
        b = b.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    if ku is not None:
        b = b.add_extension(_ku(ku), critical=False)
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(
            [{"server": ExtendedKeyUsageOID.SERVER_AUTH, "client": ExtendedKeyUsageOID.CLIENT_AUTH}[e] for e in eku]),
            critical=False)
    names = [x509.DNSName(n) for n in dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    if names:
        b = b.add_extension(x509.SubjectAlternativeName(names), critical=False)
    b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    signer = issuer.key if issuer else key
    if issuer is not None and _ski(issuer.cert) is not None:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(_ski(issuer.cert)),
                            critical=False)
    alg = None if isinstance(signer, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return KC(b.sign(signer, alg), key)  # intermediates to send are set by the caller (KC.chain)


def sha1_leaf(d: Path, name: str, ca_dir: Path, *, dns=("localhost",)) -> KC:
    """cryptography refuses SHA-1 signatures; let openssl sign a CSR with -sha1 (docs extensions)."""
    key = new_key("rsa2048", d)
    csr = (x509.CertificateSigningRequestBuilder().subject_name(_name("localhost"))
           .sign(key, hashes.SHA256()))
    (d / f"{name}.csr").write_bytes(csr.public_bytes(serialization.Encoding.PEM))
    ext = ("basicConstraints = CA:FALSE\nkeyUsage = nonRepudiation, digitalSignature, keyEncipherment\n")
    if dns:
        ext += "subjectAltName = " + ",".join(f"DNS:{n}" for n in dns) + "\n"
    (d / f"{name}.ext").write_text(ext)
    sh(["openssl", "x509", "-req", "-sha1", "-days", "365", "-in", f"{name}.csr", "-out", f"{name}.pem",
        "-CA", str(ca_dir / "ca.pem"), "-CAkey", str(ca_dir / "ca.key"), "-CAcreateserial",
        "-extfile", f"{name}.ext"], d)
    return KC(x509.load_pem_x509_certificate((d / f"{name}.pem").read_bytes()), key)


def pem(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def key_pem(key, password: Optional[bytes] = None) -> bytes:
    enc = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)


def write_pair(d: Path, stem: str, kc: KC, *, with_chain: bool = True) -> tuple[Path, Path]:
    c, k = d / f"{stem}.pem", d / f"{stem}.key"
    c.write_bytes(pem(kc.cert) + (b"".join(pem(x) for x in kc.chain) if with_chain else b""))
    k.write_bytes(key_pem(kc.key))
    return c, k


# ============================================================================ cases


@dataclasses.dataclass
class Client:
    id: str
    desc: str
    kwargs: dict  # pymilvus kwargs; values that are Paths are files
    scheme: str = "https"  # https | http
    host: str = "127.0.0.1"  # host placed in the URI
    knowledge: Optional[bool] = None  # what KNOWLEDGE.md (+ plain TLS rules) predicts
    knowledge_note: str = ""


@dataclasses.dataclass
class Server:
    id: str
    mode: int
    desc: str
    server_pem: Optional[Path]
    server_key: Optional[Path]
    ca_pem: Optional[Path]
    clients: list
    expect_start: Optional[bool] = True


def build(work: Path) -> list[Server]:  # noqa: C901 - one long, flat list of cases
    m = work / "material"
    m.mkdir(parents=True, exist_ok=True)
    S: list[Server] = []

    def mtls(d: Path, stem: str = "client", ca: Optional[Path] = None, name: str = "localhost") -> dict:
        return dict(client_pem_path=d / f"{stem}.pem", client_key_path=d / f"{stem}.key",
                    ca_pem_path=ca or d / "ca.pem", server_name=name)

    # ---- docs-style sets (openssl CLI, docs procedure)
    dsan, dnosan = m / "docs-san", m / "docs-nosan"
    docs_openssl_set(dsan, san=True)
    docs_openssl_set(dnosan, san=False)
    docs_ca = load_kc(dsan / "ca.pem", dsan / "ca.key")

    S.append(Server("m1-docs-san", 1, "docs set, server SAN DNS:localhost, CN=localhost",
                    dsan / "server.pem", dsan / "server.key", None, [
        Client("trust-ca+sn", "server_pem_path=ca.pem, server_name=localhost",
               dict(server_pem_path=dsan / "ca.pem", server_name="localhost"), knowledge=True),
        Client("trust-leaf+sn", "server_pem_path=server.pem (the leaf itself), server_name=localhost",
               dict(server_pem_path=dsan / "server.pem", server_name="localhost"), knowledge=True,
               knowledge_note="KNOWLEDGE: server_pem_path may be the server cert itself"),
        Client("trust-ca-no-sn", "server_pem_path=ca.pem, no server_name (dials 127.0.0.1)",
               dict(server_pem_path=dsan / "ca.pem"), knowledge=False,
               knowledge_note="IP target matches IP SANs only"),
        Client("trust-leaf-no-sn", "server_pem_path=server.pem, no server_name (dials 127.0.0.1)",
               dict(server_pem_path=dsan / "server.pem"), knowledge=False),
        Client("dial-localhost-no-sn", "uri https://localhost:PORT, server_pem_path=ca.pem, no server_name",
               dict(server_pem_path=dsan / "ca.pem"), host="localhost", knowledge=True),
        Client("wrong-sn", "server_pem_path=ca.pem, server_name=milvus.example.com",
               dict(server_pem_path=dsan / "ca.pem", server_name="milvus.example.com"), knowledge=False,
               knowledge_note="KNOWLEDGE: 'Peer name X is not in peer certificate'"),
        Client("plaintext-client", "http:// URI (no TLS) against the TLS server", {}, scheme="http",
               knowledge=False),
        Client("ca_pem_path-only", "https, ca_pem_path=ca.pem only (+server_name)",
               dict(ca_pem_path=dsan / "ca.pem", server_name="localhost"), knowledge=False,
               knowledge_note="pymilvus#2785: ca_pem_path alone ignored -> default roots"),
        Client("secure-no-trust", "https, no trust files at all (grpc default roots)",
               dict(server_name="localhost"), knowledge=False),
        Client("mutual-params-vs-mode1", "client_pem+client_key+ca_pem (mutual params) against mode 1",
               mtls(dsan), knowledge=True, knowledge_note="mode 1 asks for no client cert"),
        Client("secure-false-https", "https URI but secure=False passed explicitly",
               dict(secure=False, server_pem_path=dsan / "ca.pem", server_name="localhost"), knowledge=False,
               knowledge_note="'secure' in kwargs wins over the https scheme -> plaintext"),
    ]))
    S.append(Server("m1-docs-nosan", 1, "docs set without SAN (CN=localhost only)",
                    dnosan / "server.pem", dnosan / "server.key", None, [
        Client("trust-ca+sn", "server_pem_path=ca.pem, server_name=localhost",
               dict(server_pem_path=dnosan / "ca.pem", server_name="localhost"), knowledge=True,
               knowledge_note="grpc uses CN when there is no SAN and the target is not an IP"),
        Client("trust-leaf+sn", "server_pem_path=server.pem, server_name=localhost",
               dict(server_pem_path=dnosan / "server.pem", server_name="localhost"), knowledge=True),
        Client("trust-ca-no-sn", "server_pem_path=ca.pem, no server_name (dials 127.0.0.1)",
               dict(server_pem_path=dnosan / "ca.pem"), knowledge=False,
               knowledge_note="IP targets never match the CN"),
        Client("dial-localhost-no-sn", "uri https://localhost:PORT, no server_name",
               dict(server_pem_path=dnosan / "ca.pem"), host="localhost", knowledge=True),
    ]))

    # ---- server-cert variants, all issued by the docs CA unless said otherwise
    def m1(id_, desc, kc: Optional[KC] = None, *, files=None, sn="localhost", clients=None, knowledge=True,
           note="", expect_start=True, leaf_trust=True, host="127.0.0.1"):
        d = m / id_
        d.mkdir(exist_ok=True)
        if files is None:
            c, k = write_pair(d, "server", kc)
            (d / "ca.pem").write_bytes((dsan / "ca.pem").read_bytes())
        else:
            c, k = files
        base_kw = {} if sn is None else {"server_name": sn}
        cl = clients if clients is not None else [
            Client("trust-ca", f"server_pem_path=ca.pem{', server_name=' + sn if sn else ''}",
                   dict(server_pem_path=d / "ca.pem", **base_kw), host=host, knowledge=knowledge,
                   knowledge_note=note)]
        if clients is None and leaf_trust:
            cl.append(Client("trust-leaf", f"server_pem_path=server.pem{', server_name=' + sn if sn else ''}",
                             dict(server_pem_path=c, **base_kw), host=host, knowledge=knowledge,
                             knowledge_note=note))
        S.append(Server(id_, 1, desc, c, k, None, cl, expect_start))
        return d

    def leaf(key="rsa2048", **kw) -> KC:
        kw.setdefault("dns", ("localhost",))
        return make_cert("localhost", new_key(key, m), docs_ca, **kw)

    d = m / "m1-ip-san"
    d.mkdir(exist_ok=True)
    ip_leaf = make_cert("127.0.0.1", new_key("rsa2048", m), docs_ca, ips=("127.0.0.1",))
    c, k = write_pair(d, "server", ip_leaf)
    (d / "ca.pem").write_bytes((dsan / "ca.pem").read_bytes())
    S.append(Server("m1-ip-san", 1, "server SAN IP:127.0.0.1 only", c, k, None, [
        Client("trust-ca-no-sn", "server_pem_path=ca.pem, no server_name (dials 127.0.0.1)",
               dict(server_pem_path=d / "ca.pem"), knowledge=True),
        Client("trust-leaf-no-sn", "server_pem_path=server.pem, no server_name",
               dict(server_pem_path=c), knowledge=True),
        Client("trust-ca+sn-localhost", "server_pem_path=ca.pem, server_name=localhost",
               dict(server_pem_path=d / "ca.pem", server_name="localhost"), knowledge=False),
        Client("trust-ca+sn-ip", "server_pem_path=ca.pem, server_name=127.0.0.1",
               dict(server_pem_path=d / "ca.pem", server_name="127.0.0.1"), knowledge=True),
    ]))
    d = m / "m1-wildcard"
    d.mkdir(exist_ok=True)
    c, k = write_pair(d, "server", make_cert("*.example.com", new_key("rsa2048", m), docs_ca,
                                             dns=("*.example.com",)))
    (d / "ca.pem").write_bytes((dsan / "ca.pem").read_bytes())
    S.append(Server("m1-wildcard", 1, "server SAN DNS:*.example.com", c, k, None, [
        Client("sn-a.example.com", "server_pem_path=ca.pem, server_name=a.example.com",
               dict(server_pem_path=d / "ca.pem", server_name="a.example.com"), knowledge=True),
        Client("sn-a.b.example.com", "server_pem_path=ca.pem, server_name=a.b.example.com",
               dict(server_pem_path=d / "ca.pem", server_name="a.b.example.com"), knowledge=False),
        Client("sn-example.com", "server_pem_path=ca.pem, server_name=example.com",
               dict(server_pem_path=d / "ca.pem", server_name="example.com"), knowledge=False),
        Client("sn-A.EXAMPLE.COM", "server_pem_path=ca.pem, server_name=A.EXAMPLE.COM (upper case)",
               dict(server_pem_path=d / "ca.pem", server_name="A.EXAMPLE.COM"), knowledge=True,
               knowledge_note="KNOWLEDGE: name match is case-insensitive"),
        Client("sn-a.example.com.", "server_pem_path=ca.pem, server_name=a.example.com. (trailing dot)",
               dict(server_pem_path=d / "ca.pem", server_name="a.example.com."), knowledge=True,
               knowledge_note="KNOWLEDGE: trailing dot ignored (by grpc's name check)"),
    ]))
    m1("m1-expired", "server cert expired (notAfter yesterday)",
       leaf(not_before=NOW - dt.timedelta(days=30), not_after=NOW - dt.timedelta(days=1)), knowledge=False)
    m1("m1-not-yet-valid", "server cert notBefore tomorrow",
       leaf(not_before=NOW + dt.timedelta(days=1), not_after=NOW + dt.timedelta(days=30)), knowledge=False)
    m1("m1-eku-clientauth", "server cert EKU clientAuth only", leaf(eku=("client",)), knowledge=False,
       note="not in KNOWLEDGE; general X.509 purpose rule")
    m1("m1-eku-serverauth", "server cert EKU serverAuth (control)", leaf(eku=("server",)), knowledge=True)
    m1("m1-ku-keyenc-only", "RSA server cert, keyUsage keyEncipherment only (no digitalSignature)",
       leaf(ku=("key_encipherment",)), knowledge=None, note="not in KNOWLEDGE")
    d = m / "m1-sha1"
    d.mkdir(exist_ok=True)
    s1 = sha1_leaf(d, "server", dsan)
    (d / "server.key").write_bytes(key_pem(s1.key))
    (d / "ca.pem").write_bytes((dsan / "ca.pem").read_bytes())
    m1("m1-sha1", "server cert signed with sha1WithRSAEncryption", files=(d / "server.pem", d / "server.key"),
       knowledge=None, note="KNOWLEDGE only says Go rejects SHA-1 (client certs); BoringSSL client unknown")
    m1("m1-rsa1024", "server key RSA 1024", leaf("rsa1024"), knowledge=True)
    m1("m1-rsa512", "server key RSA 512 (openssl genrsa 512)", leaf("rsa512"), knowledge=None,
       note="Go 1.20 loads it; TLS 1.3 RSA-PSS-SHA256 needs >= 528-bit keys")
    m1("m1-ec-p256", "server key EC P-256", leaf("ec256", ku=("digital_signature",)), knowledge=True)
    m1("m1-ed25519", "server key Ed25519", leaf("ed25519", ku=("digital_signature",)), knowledge=None)
    # server-side file problems
    d = m / "m1-key-mismatch"
    d.mkdir(exist_ok=True)
    good = leaf()
    c = d / "server.pem"
    c.write_bytes(pem(good.cert))
    (d / "server.key").write_bytes(key_pem(new_key("rsa2048", m)))
    (d / "ca.pem").write_bytes((dsan / "ca.pem").read_bytes())
    m1("m1-key-mismatch", "server.key belongs to another cert", files=(c, d / "server.key"), knowledge=False,
       note="KNOWLEDGE: key pair that fails to load -> Milvus exits", expect_start=False, leaf_trust=False)
    d = m / "m1-key-encrypted"
    d.mkdir(exist_ok=True)
    good = leaf()
    (d / "server.pem").write_bytes(pem(good.cert))
    (d / "server.key").write_bytes(key_pem(good.key, PASS))
    (d / "ca.pem").write_bytes((dsan / "ca.pem").read_bytes())
    m1("m1-key-encrypted", "server.key is an encrypted PKCS#8 PEM", files=(d / "server.pem", d / "server.key"),
       knowledge=False, expect_start=False, leaf_trust=False)
    d = m / "m1-cert-der"
    d.mkdir(exist_ok=True)
    good = leaf()
    (d / "server.pem").write_bytes(good.cert.public_bytes(serialization.Encoding.DER))
    (d / "server.key").write_bytes(key_pem(good.key))
    (d / "ca.pem").write_bytes((dsan / "ca.pem").read_bytes())
    m1("m1-cert-der", "server.pem is DER, not PEM", files=(d / "server.pem", d / "server.key"),
       knowledge=False, expect_start=False, leaf_trust=False)
    d = m / "m1-key-der"
    d.mkdir(exist_ok=True)
    good = leaf()
    (d / "server.pem").write_bytes(pem(good.cert))
    (d / "server.key").write_bytes(good.key.private_bytes(serialization.Encoding.DER,
                                                          serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
    (d / "ca.pem").write_bytes((dsan / "ca.pem").read_bytes())
    m1("m1-key-der", "server.key is DER PKCS#8", files=(d / "server.pem", d / "server.key"),
       knowledge=False, expect_start=False, leaf_trust=False)
    d = m / "m1-key-missing"
    d.mkdir(exist_ok=True)
    (d / "ca.pem").write_bytes((dsan / "ca.pem").read_bytes())
    m1("m1-key-missing", "serverKeyPath points to a missing file", files=(dsan / "server.pem", d / "nope.key"),
       knowledge=False, expect_start=False, leaf_trust=False)
    d = m / "m1-swapped"
    d.mkdir(exist_ok=True)
    (d / "ca.pem").write_bytes((dsan / "ca.pem").read_bytes())
    m1("m1-swapped", "serverPemPath and serverKeyPath swapped", files=(dsan / "server.key", dsan / "server.pem"),
       knowledge=False, expect_start=False, leaf_trust=False)

    # chains
    root2 = make_cert("observe root 2", new_key("rsa2048", m), None, bc="ca", ku=("key_cert_sign", "crl_sign"))
    inter = make_cert("observe intermediate", new_key("rsa2048", m), root2, bc="ca",
                      ku=("key_cert_sign", "crl_sign"))
    inter_leaf = make_cert("localhost", new_key("rsa2048", m), inter, dns=("localhost",))
    inter_leaf.chain = (inter.cert,)
    for id_, with_chain, kn in (("m1-chain-included", True, True), ("m1-chain-omitted", False, False)):
        d = m / id_
        d.mkdir(exist_ok=True)
        c, k = write_pair(d, "server", inter_leaf, with_chain=with_chain)
        (d / "ca.pem").write_bytes(pem(root2.cert))
        (d / "leaf-only.pem").write_bytes(pem(inter_leaf.cert))
        (d / "root+inter.pem").write_bytes(pem(root2.cert) + pem(inter.cert))
        S.append(Server(id_, 1, f"root -> intermediate -> server; server.pem {'= leaf + intermediate' if with_chain else '= leaf only'}",
                        c, k, None, [
            Client("trust-root", "server_pem_path=root ca.pem, server_name=localhost",
                   dict(server_pem_path=d / "ca.pem", server_name="localhost"), knowledge=kn),
            Client("trust-leaf", "server_pem_path=leaf cert only, server_name=localhost",
                   dict(server_pem_path=d / "leaf-only.pem", server_name="localhost"), knowledge=True,
                   knowledge_note="KNOWLEDGE: any PEM works as the root, incl. the server cert"),
            Client("trust-root+inter", "server_pem_path=root+intermediate bundle, server_name=localhost",
                   dict(server_pem_path=d / "root+inter.pem", server_name="localhost"), knowledge=True),
        ]))
    root3 = make_cert("observe root 3", new_key("rsa2048", m), None, bc="ca", ku=("key_cert_sign", "crl_sign"))
    bad_inter = make_cert("observe intermediate CA:FALSE", new_key("rsa2048", m), root3, bc="leaf",
                          ku=("key_cert_sign", "crl_sign"))
    bl = make_cert("localhost", new_key("rsa2048", m), bad_inter, dns=("localhost",))
    bl.chain = (bad_inter.cert,)
    d = m / "m1-inter-not-ca"
    d.mkdir(exist_ok=True)
    c, k = write_pair(d, "server", bl)
    (d / "ca.pem").write_bytes(pem(root3.cert))
    m1("m1-inter-not-ca", "intermediate has basicConstraints CA:FALSE; server.pem = leaf + intermediate",
       files=(c, k), knowledge=False, note="general X.509 rule (intermediates must be CAs)")

    for id_, bc, ku, desc, kn in (
        ("m1-root-ca-false", "leaf", ("key_cert_sign", "crl_sign"), "trust root has basicConstraints CA:FALSE", None),
        ("m1-root-no-bc", None, None, "trust root has no basicConstraints (and no keyUsage)", None),
        ("m1-root-no-keycertsign", "ca", ("digital_signature", "crl_sign"),
         "trust root CA:TRUE but keyUsage lacks keyCertSign", None),
    ):
        r = make_cert(f"observe {id_}", new_key("rsa2048", m), None, bc=bc, ku=ku)
        lf = make_cert("localhost", new_key("rsa2048", m), r, dns=("localhost",))
        d = m / id_
        d.mkdir(exist_ok=True)
        c, k = write_pair(d, "server", lf)
        (d / "ca.pem").write_bytes(pem(r.cert))
        m1(id_, desc, files=(c, k), knowledge=kn, note="KNOWLEDGE: Go does not check roots; BoringSSL unknown")
    m1("m1-leaf-is-ca", "server cert has basicConstraints CA:TRUE", leaf(bc="ca"), knowledge=True)
    d = m1("m1-self-signed", "self-signed server cert (SAN localhost, CA:TRUE)",
           make_cert("localhost", new_key("rsa2048", m), None, dns=("localhost",), bc="ca",
                     ku=("digital_signature", "key_encipherment", "key_cert_sign")), clients=[])
    S[-1].clients = [
        Client("trust-itself", "server_pem_path=server.pem (the self-signed cert), server_name=localhost",
               dict(server_pem_path=d / "server.pem", server_name="localhost"), knowledge=True),
        Client("trust-unrelated-ca", "server_pem_path=the docs ca.pem (did not sign it)",
               dict(server_pem_path=d / "ca.pem", server_name="localhost"), knowledge=False),
    ]

    # mode 0 server, TLS client
    S.append(Server("m0-plain", 0, "tlsMode 0 (plaintext server)", None, None, None, [
        Client("plain-client", "http:// URI", {}, scheme="http", knowledge=True),
        Client("tls-client", "https, server_pem_path=ca.pem, server_name=localhost",
               dict(server_pem_path=dsan / "ca.pem", server_name="localhost"), knowledge=False,
               knowledge_note="KNOWLEDGE: WRONG_VERSION_NUMBER-like error"),
    ]))

    # ---- mode 2: one server with the docs SAN set takes many client variants
    c2 = m / "m2-clients"
    c2.mkdir(exist_ok=True)

    def client_variant(stem: str, kc: KC) -> dict:
        write_pair(c2, stem, kc)
        return mtls(c2, stem, ca=dsan / "ca.pem")

    def cleaf(key="rsa2048", **kw) -> KC:
        kw.setdefault("dns", ("localhost",))
        return make_cert("milvus-client", new_key(key, m), docs_ca, **kw)

    other_ca = make_cert("some other CA", new_key("rsa2048", m), None, bc="ca", ku=("key_cert_sign", "crl_sign"))
    sha1c = sha1_leaf(c2, "sha1", dsan)
    (c2 / "sha1.key").write_bytes(key_pem(sha1c.key))
    # a SAN-less docs-style client issued by the docs SAN set's CA
    nosan_c = make_cert("localhost", new_key("rsa2048", m), docs_ca, dns=())
    c_inter = make_cert("client intermediate", new_key("rsa2048", m), docs_ca, bc="ca",
                        ku=("key_cert_sign", "crl_sign"))
    c_inter_leaf = make_cert("milvus-client", new_key("rsa2048", m), c_inter, dns=("localhost",))
    c_inter_leaf.chain = (c_inter.cert,)
    c_bad_inter = make_cert("client intermediate CA:FALSE", new_key("rsa2048", m), docs_ca, bc="leaf",
                            ku=("key_cert_sign", "crl_sign"))
    c_bad_leaf = make_cert("milvus-client", new_key("rsa2048", m), c_bad_inter, dns=("localhost",))
    c_bad_leaf.chain = (c_bad_inter.cert,)
    write_pair(c2, "via-inter-chain", c_inter_leaf, with_chain=True)
    write_pair(c2, "via-inter-leafonly", c_inter_leaf, with_chain=False)
    write_pair(c2, "via-bad-inter", c_bad_leaf, with_chain=True)
    m2_clients = [
        Client("client-via-inter+chain", "client issued by an intermediate; client.pem = leaf + intermediate",
               mtls(c2, "via-inter-chain", ca=dsan / "ca.pem"), knowledge=True),
        Client("client-via-inter-leaf-only", "client issued by an intermediate; client.pem = leaf only",
               mtls(c2, "via-inter-leafonly", ca=dsan / "ca.pem"), knowledge=False,
               knowledge_note="Go: intermediates must come from the client"),
        Client("client-via-inter-not-ca", "client's intermediate has CA:FALSE (sent in client.pem)",
               mtls(c2, "via-bad-inter", ca=dsan / "ca.pem"), knowledge=False,
               knowledge_note="Go: intermediates need CA:TRUE"),
        Client("docs-client", "docs client.pem/key (no EKU, SAN localhost), ca.pem, server_name=localhost",
               mtls(dsan), knowledge=True),
        Client("eku-clientauth", "client cert EKU clientAuth", client_variant("eku-client", cleaf(eku=("client",))),
               knowledge=True),
        Client("eku-serverauth-only", "client cert EKU serverAuth only",
               client_variant("eku-server", cleaf(eku=("server",))), knowledge=False,
               knowledge_note="Go: client cert must allow clientAuth or have no EKU"),
        Client("no-san", "client cert without any SAN (CN only)", client_variant("nosan", nosan_c), knowledge=True,
               knowledge_note="Go never checks client names"),
        Client("sha1", "client cert signed with SHA-1", mtls(c2, "sha1", ca=dsan / "ca.pem"), knowledge=False,
               knowledge_note="Go 1.18+ rejects SHA-1 signatures"),
        Client("expired", "client cert expired",
               client_variant("expired", cleaf(not_before=NOW - dt.timedelta(days=30),
                                               not_after=NOW - dt.timedelta(days=1))), knowledge=False),
        Client("not-yet-valid", "client cert notBefore tomorrow",
               client_variant("notyet", cleaf(not_before=NOW + dt.timedelta(days=1),
                                              not_after=NOW + dt.timedelta(days=30))), knowledge=False),
        Client("other-ca", "client cert issued by another CA",
               client_variant("otherca", make_cert("milvus-client", new_key("rsa2048", m), other_ca,
                                                   dns=("localhost",))), knowledge=False),
        Client("rsa1024", "client key RSA 1024", client_variant("rsa1024", cleaf("rsa1024")), knowledge=True),
        Client("rsa512", "client key RSA 512", client_variant("rsa512", cleaf("rsa512")), knowledge=True,
               knowledge_note="KNOWLEDGE: Go rejects <1024 only from 1.24; this Milvus is Go 1.20"),
        Client("ec-p256", "client key EC P-256", client_variant("ec256", cleaf("ec256", ku=("digital_signature",))),
               knowledge=True),
        Client("ed25519", "client key Ed25519",
               client_variant("ed25519", cleaf("ed25519", ku=("digital_signature",))), knowledge=True),
        Client("ku-keyenc-only", "RSA client cert keyUsage keyEncipherment only",
               client_variant("kuenc", cleaf(ku=("key_encipherment",))), knowledge=True,
               knowledge_note="KNOWLEDGE: Go ignores KeyUsage bits"),
        Client("client-is-ca", "client cert with CA:TRUE", client_variant("isca", cleaf(bc="ca")), knowledge=True),
        Client("incomplete-mutual", "client_pem_path + client_key_path only (no ca_pem_path)",
               dict(client_pem_path=dsan / "client.pem", client_key_path=dsan / "client.key",
                    server_name="localhost"), knowledge=False,
               knowledge_note="pymilvus: not all three -> no client cert, default roots"),
        Client("server_pem+client-certs", "server_pem_path=ca.pem plus client_pem/key/ca_pem",
               dict(server_pem_path=dsan / "ca.pem", **mtls(dsan)), knowledge=False,
               knowledge_note="pymilvus: server_pem_path wins, no client cert sent"),
        Client("one-way-params", "server_pem_path=ca.pem, server_name=localhost (one-way params)",
               dict(server_pem_path=dsan / "ca.pem", server_name="localhost"), knowledge=False),
        Client("no-sn", "full mutual params, no server_name (dials 127.0.0.1)",
               {k: v for k, v in mtls(dsan).items() if k != "server_name"}, knowledge=False),
        Client("plaintext-client", "http:// URI against mode 2", {}, scheme="http", knowledge=False),
        Client("client-key-mismatch", "client.pem with another key", dict(
            client_pem_path=dsan / "client.pem", client_key_path=c2 / "eku-client.key",
            ca_pem_path=dsan / "ca.pem", server_name="localhost"), knowledge=False),
        Client("ca_pem=server-leaf", "mutual params but ca_pem_path = server.pem (leaf as client trust root)",
               dict(client_pem_path=dsan / "client.pem", client_key_path=dsan / "client.key",
                    ca_pem_path=dsan / "server.pem", server_name="localhost"), knowledge=True,
               knowledge_note="KNOWLEDGE: any PEM works as the client's root"),
    ]
    S.append(Server("m2-docs-san", 2, "docs SAN set, tlsMode 2, caPemPath=ca.pem",
                    dsan / "server.pem", dsan / "server.key", dsan / "ca.pem", m2_clients))
    S.append(Server("m2-docs-nosan", 2, "docs set without SAN, tlsMode 2", dnosan / "server.pem",
                    dnosan / "server.key", dnosan / "ca.pem", [
        Client("docs-client+sn", "docs client, ca.pem, server_name=localhost", mtls(dnosan), knowledge=True),
        Client("docs-client-no-sn", "docs client, ca.pem, no server_name (dials 127.0.0.1)",
               {k: v for k, v in mtls(dnosan).items() if k != "server_name"}, knowledge=False),
    ]))
    S.append(Server("m2-ca-is-client-cert", 2, "caPemPath = the docs client.pem (a CA:FALSE leaf, not a CA)",
                    dsan / "server.pem", dsan / "server.key", dsan / "client.pem", [
        Client("that-client", "the very client cert given as caPemPath", mtls(dsan), knowledge=True,
               knowledge_note="Go: a cert in ClientCAs is a root; roots not checked for CA:TRUE"),
        Client("other-client", "another client cert issued by the real CA",
               mtls(c2, "eku-client", ca=dsan / "ca.pem"), knowledge=False),
    ]))
    d = m / "m2-ca-garbage"
    d.mkdir(exist_ok=True)
    (d / "ca.pem").write_text("this is not a certificate\n")
    S.append(Server("m2-ca-garbage", 2, "caPemPath holds no PEM certificate", dsan / "server.pem",
                    dsan / "server.key", d / "ca.pem", [
        Client("docs-client", "docs client", mtls(dsan), knowledge=False)], expect_start=False))
    S.append(Server("m2-ca-missing", 2, "caPemPath points to a missing file", dsan / "server.pem",
                    dsan / "server.key", d / "missing-ca.pem", [
        Client("docs-client", "docs client", mtls(dsan), knowledge=False)], expect_start=False))
    S.append(Server("m1-ca-garbage", 1, "tlsMode 1 with caPemPath holding garbage (mode 1 ignores it?)",
                    dsan / "server.pem", dsan / "server.key", d / "ca.pem", [
        Client("trust-ca+sn", "server_pem_path=ca.pem, server_name=localhost",
               dict(server_pem_path=dsan / "ca.pem", server_name="localhost"), knowledge=True,
               knowledge_note="KNOWLEDGE: mode 1 ignores caPemPath")]))
    S.append(Server("m3", 3, "tlsMode 3 with the docs SAN set", dsan / "server.pem", dsan / "server.key",
                    dsan / "ca.pem", [
        Client("plain-client", "http:// URI", {}, scheme="http", knowledge=True,
               knowledge_note="KNOWLEDGE: other tlsMode values serve plaintext"),
        Client("tls-one-way", "https, server_pem_path=ca.pem, server_name=localhost",
               dict(server_pem_path=dsan / "ca.pem", server_name="localhost"), knowledge=False),
        Client("tls-mutual", "https, mutual params", mtls(dsan), knowledge=False),
    ]))
    S.append(Server("m1-rsa-pkcs1-key", 1, "server.key as PKCS#1 'BEGIN RSA PRIVATE KEY'",
                    *_pkcs1(m, dsan), None, [
        Client("trust-ca+sn", "server_pem_path=ca.pem, server_name=localhost",
               dict(server_pem_path=dsan / "ca.pem", server_name="localhost"), knowledge=True)]))
    return S


def _pkcs1(m: Path, dsan: Path) -> tuple[Path, Path]:
    d = m / "m1-rsa-pkcs1-key"
    d.mkdir(exist_ok=True)
    k = serialization.load_pem_private_key((dsan / "server.key").read_bytes(), None)
    (d / "server.key").write_bytes(k.private_bytes(serialization.Encoding.PEM,
                                                   serialization.PrivateFormat.TraditionalOpenSSL,
                                                   serialization.NoEncryption()))
    return dsan / "server.pem", d / "server.key"


# ============================================================================ grpcio-only rehearsal

_REHEARSAL = r"""
import json, sys, grpc
from pathlib import Path
p = json.loads(sys.argv[1])
out = {"server_error": "", "ok": False, "error": ""}
class H(grpc.GenericRpcHandler):
    def service(self, details):
        return grpc.unary_unary_rpc_method_handler(lambda req, ctx: b"")
from concurrent import futures
srv = grpc.server(futures.ThreadPoolExecutor(2))
rd = lambda f: Path(f).read_bytes()
try:
    if p["mode"] in (1, 2):
        pairs = [(rd(p["server_key"]), rd(p["server_pem"]))]
        if p["mode"] == 2:
            creds = grpc.ssl_server_credentials(pairs, root_certificates=rd(p["ca_pem"]), require_client_auth=True)
        else:
            creds = grpc.ssl_server_credentials(pairs)
        port = srv.add_secure_port("127.0.0.1:0", creds)
    else:
        port = srv.add_insecure_port("127.0.0.1:0")
    if not port:
        raise RuntimeError("add_secure_port returned 0")
    srv.add_generic_rpc_handlers((H(),))
    srv.start()
except Exception as e:
    out["server_error"] = f"{type(e).__name__}: {e}"
    print("@@RESULT@@" + json.dumps(out)); sys.exit(0)
kw = p["kwargs"]
secure = kw.get("secure", p["scheme"] == "https")
target = f'{p["host"]}:{port}'
try:
    if not secure:
        ch = grpc.insecure_channel(target)
    else:
        opts = []
        if kw.get("server_name"):
            opts.append(("grpc.ssl_target_name_override", kw["server_name"]))
        root = pk = chain = None
        if kw.get("server_pem_path"):
            root = rd(kw["server_pem_path"])
        elif kw.get("client_pem_path") and kw.get("client_key_path") and kw.get("ca_pem_path"):
            root, pk, chain = rd(kw["ca_pem_path"]), rd(kw["client_key_path"]), rd(kw["client_pem_path"])
        ch = grpc.secure_channel(target, grpc.ssl_channel_credentials(root, pk, chain), options=opts)
    ch.unary_unary("/milvus.proto.milvus.MilvusService/GetVersion")(b"", timeout=5)
    out["ok"] = True
except grpc.RpcError as e:
    out["error"] = f"{e.code().name}: {e.details()}"
except Exception as e:
    out["error"] = f"{type(e).__name__}: {e}"
srv.stop(0)
print("@@RESULT@@" + json.dumps(out))
"""


def rehearse(server: Server, client: Client, python: str) -> dict:
    if server.mode not in (0, 1, 2):
        return {"ok": None, "error": "", "server_error": "n/a (rehearsal models tlsMode 0/1/2 only)"}
    params = {"mode": server.mode, "server_pem": str(server.server_pem), "server_key": str(server.server_key),
              "ca_pem": str(server.ca_pem), "scheme": client.scheme, "host": client.host,
              "kwargs": {k: (str(v) if isinstance(v, Path) else v) for k, v in client.kwargs.items()}}
    env = dict(os.environ, GRPC_VERBOSITY="error")
    try:
        cp = subprocess.run([python, "-c", _REHEARSAL, json.dumps(params)], capture_output=True, text=True,
                            timeout=40, env=env, check=False)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": "rehearsal timed out", "server_error": ""}
    mm = re.search(r"@@RESULT@@(.*)", cp.stdout)
    if not mm:
        return {"ok": None, "error": f"rehearsal crashed: {cp.stderr[-400:]}", "server_error": ""}
    res = json.loads(mm.group(1))
    if res["server_error"]:
        res["ok"] = False
    return res


# ============================================================================ run


def rel(v: Any, work: Path) -> Any:
    if isinstance(v, Path):
        try:
            return str(v.relative_to(work / "material"))
        except ValueError:
            return str(v)
    return v


def short(s: str, n: int = 400) -> str:
    s = re.sub(r"\s+", " ", s or "").strip()
    return s if len(s) <= n else s[: n - 3] + "..."


def condense_error(err: str) -> str:
    """pymilvus' outer message is always the same; keep the grpc cause."""
    mm = re.search(r"\| cause \w+: (.*)$", err or "")
    text = mm.group(1) if mm else (err or "")
    text = text.replace("failed to connect to all addresses; last error: ", "")
    text = re.sub(r"ipv[46]:[\[\]\d.:]+:\d+: ", "", text)
    text = re.sub(r": OK$", "", text.strip())
    return short(text, 300)


def _go_log_message(line: str) -> str:
    """The message of a Milvus log line, with Go/JSON escaping undone."""
    mm = re.search(r'\] \["(.*?)"\](?: \[|$)', line)
    msg = mm.group(1) if mm else line
    for _ in range(3):
        try:
            msg = json.loads('"' + msg + '"')
        except ValueError:
            break
    return msg


def milvus_reason(log: str) -> str:
    """Go's reason for a failed connection, from the proxy's grpc log lines (INFO)."""
    out: list[str] = []
    for ln in milvus_tls_log_lines(log, limit=20):
        msg = _go_log_message(ln)
        mm = re.search(r"ServerHandshake\(.*?\) failed: (.*?)\"?$", msg)
        if mm:
            text = mm.group(1)
        elif "received bogus greeting from client" in msg:
            text = "http2Server: received bogus greeting from client (TLS ClientHello on a plaintext port)"
        elif "failed to send closeNotify alert" in msg:
            text = "(no handshake error; client hung up right after the handshake: closeNotify broken pipe)"
        elif re.search(r"\[(ERROR|WARN|FATAL)\]", ln):
            text = msg
        else:
            continue
        text = short(text.replace('\\"', '"').rstrip('"'), 400)
        if text not in out:
            out.append(text)
    return " || ".join(out[:3])


def start_failure_reason(log: str) -> str:
    pats = re.compile(r"panic:|tls|x509|pem|certificate|private key|no such file|failed to find|crypto/tls|"
                      r"load.*key|ERROR\]", re.I)
    lines = []
    for ln in log.splitlines():
        if pats.search(ln) and not ln.startswith("\t") and "goroutine" not in ln:
            t = short(ln, 350)
            if t not in lines:
                lines.append(t)
    pri = [ln for ln in lines if re.search(r"tls|x509|pem|certificate|private key|no such file|crypto", ln, re.I)]
    return " || ".join((pri or lines)[:4])


def probe_rest(port: int, client_kwargs: dict) -> dict:
    """Does the proxy port also answer Milvus' RESTful API (v1) over HTTP/1.1, plain or TLS?"""
    import http.client  # noqa: PLC0415
    import ssl  # noqa: PLC0415

    res = {}
    for scheme in ("http", "https"):
        try:
            if scheme == "http":
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=4)
            else:
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                if client_kwargs.get("client_pem_path") and client_kwargs.get("client_key_path"):
                    ctx.load_cert_chain(str(client_kwargs["client_pem_path"]), str(client_kwargs["client_key_path"]))
                conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=4, context=ctx)
            conn.request("GET", "/v1/vector/collections")
            r = conn.getresponse()
            res[scheme] = f"HTTP {r.status} {short(r.read(160).decode('utf-8', 'replace'), 120)}"
            conn.close()
        except Exception as e:  # noqa: BLE001 - recording whatever happens
            if type(e).__name__ == "BadStatusLine" and str(e).startswith("\x00\x00"):
                res[scheme] = "answered with an HTTP/2 frame (gRPC only, no REST over HTTP/1.1)"
            else:
                res[scheme] = short(f"{type(e).__name__}: {e}", 200)
    return res


def versions(python: str) -> dict:
    code = ("import json, grpc, pymilvus, milvus, sys, ssl;"
            "import cryptography;"
            "print(json.dumps({'pymilvus': pymilvus.__version__, 'grpcio': grpc.__version__,"
            "'milvus_pypi': milvus.__version__, 'python': sys.version.split()[0],"
            "'cryptography': cryptography.__version__}))")
    v = json.loads(subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout)
    binp = milvus_binary()
    try:
        s = subprocess.run(["strings", "-n", "8", str(binp)], capture_output=True, text=True, check=False).stdout
        go = re.search(r"go version (go[\d.]+) [\w/]+", s)
        grpc_go = re.search(r"google\.golang\.org/grpc@(v[\d.]+)", s)
        tag = re.search(r"BuildTags=(v[\w.\-]+)", s)
        commit = re.search(r"GitCommit=(\w+)", s)
        v.update(milvus_go=go.group(1) if go else "?", milvus_grpc_go=grpc_go.group(1) if grpc_go else "?",
                 milvus_build=tag.group(1) if tag else "?", milvus_commit=commit.group(1) if commit else "?")
    except OSError as e:
        v["milvus_go"] = f"unreadable: {e}"
    v["openssl_cli"] = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip()
    v["platform"] = platform.platform()
    return v


def run(work: Path, only: Optional[str], python: str, timeout: float) -> dict:
    servers = build(work)
    if only:
        servers = [s for s in servers if only in s.id]
    records = []
    starts = []
    base = work / "servers"
    base.mkdir(parents=True, exist_ok=True)
    for srv in servers:
        t0 = time.monotonic()
        print(f"== {srv.id} (tlsMode {srv.mode}) {srv.desc}", flush=True)
        with running_milvus(base, srv.mode, srv.server_pem, srv.server_key, srv.ca_pem, name=srv.id,
                            start_timeout=120) as mh:
            rest = probe_rest(mh.port, srv.clients[0].kwargs if srv.clients else {}) if mh.started else {}
            starts.append({"server": srv.id, "tls_mode": srv.mode, "started": mh.started,
                           "seconds": round(mh.start_seconds, 2), "exit_code": mh.exit_code, "rest_probe": rest})
            start_reason = "" if mh.started else start_failure_reason(mh.log_text())
            print(f"   started={mh.started} exit={mh.exit_code} in {mh.start_seconds:.1f}s {short(start_reason, 200)}",
                  flush=True)
            clients = srv.clients if mh.started else srv.clients[:1]
            for cl in clients:
                uri = f"{cl.scheme}://{cl.host}:{mh.port}"
                kwargs = {k: (str(v) if isinstance(v, Path) else v) for k, v in cl.kwargs.items()}
                mark = mh.log_size() if mh.started else {}
                out = pymilvus_connect(uri, timeout=timeout, python=python, **kwargs)
                time.sleep(0.4)
                mlog = milvus_reason(mh.log_since(mark)) if mh.started else ""
                reh = rehearse(srv, cl, python)
                rec = {
                    "id": f"{srv.id}/{cl.id}",
                    "server": srv.id,
                    "tls_mode": srv.mode,
                    "server_material": srv.desc,
                    "server_files": {"serverPemPath": rel(srv.server_pem, work), "serverKeyPath": rel(srv.server_key, work),
                                     "caPemPath": rel(srv.ca_pem, work)},
                    "client": cl.desc,
                    "uri": f"{cl.scheme}://{cl.host}:PORT",
                    "pymilvus_kwargs": {k: rel(v, work) for k, v in cl.kwargs.items()},
                    "milvus_started": mh.started,
                    "milvus_exit_code": mh.exit_code,
                    "milvus_start_failure": start_reason,
                    "pymilvus_ok": out.ok,
                    "pymilvus_error": short(out.error, 900),
                    "reason": condense_error(out.error) if not out.ok else "",
                    "grpc_stderr": grpc_reason_lines(out.stderr),
                    "milvus_log_reason": mlog,
                    "client_seconds": round(out.seconds, 2),
                    "grpcio_rehearsal_ok": reh.get("ok"),
                    "grpcio_rehearsal_reason": short(reh.get("server_error") or reh.get("error") or "", 300),
                    "knowledge_predicts_ok": cl.knowledge,
                    "knowledge_note": cl.knowledge_note,
                }
                rec["differs_from_knowledge"] = (cl.knowledge is not None and rec["pymilvus_ok"] != cl.knowledge)
                rec["differs_from_rehearsal"] = (reh.get("ok") is not None and reh.get("ok") != out.ok)
                flag = ("  !K" if rec["differs_from_knowledge"] else "") + ("  !R" if rec["differs_from_rehearsal"] else "")
                print(f"   {cl.id:28s} ok={out.ok!s:5s} {short(rec['reason'], 120)} | milvus: {short(mlog, 100)}"
                      f" | rehearsal={reh.get('ok')}{flag}", flush=True)
                records.append(rec)
        print(f"   ({time.monotonic() - t0:.1f}s incl. stop)", flush=True)
    return {"records": records, "starts": starts}


# ============================================================================ markdown


def md_escape(s: str) -> str:
    return (s or "").replace("|", "\\|").replace("\n", " ")


def write_md(path: Path, data: dict) -> None:
    v = data["versions"]
    recs = data["records"]
    L = ["# Observed: real Milvus 2.3.5 + real pymilvus, per certificate variant", "",
         f"Generated by `tools/observe_real.py` on {data['generated_at']} (data: `reports/real-observations.json`).",
         "", "Versions: " + ", ".join(f"{k} `{v[k]}`" for k in
                                      ("milvus_build", "milvus_go", "milvus_grpc_go", "pymilvus", "grpcio", "python")
                                      if k in v), "",
         "Columns: **ok** = a real `pymilvus.MilvusClient` connected and ran `list_collections()` + "
         "`get_server_version()`. **reason** = the grpc cause inside pymilvus' exception (its outer text is always "
         "*Fail connecting to server on HOST:PORT, illegal connection params or server unavailable*). "
         "**Milvus log** = Go's reason (grpc.log.level INFO). **K** = what KNOWLEDGE.md / plain TLS rules predict "
         "(`?` = no prediction). **R** = the same client against a grpcio (BoringSSL) server set up like Milvus' "
         "proxy. ⚠ marks a disagreement with K or R.", "",
         f"Server start (proxy port accepting + /healthz OK): median "
         f"{sorted(s['seconds'] for s in data['starts'])[len(data['starts']) // 2]:.1f} s; "
         f"{sum(1 for s in data['starts'] if s['started'])}/{len(data['starts'])} servers started.", ""]
    L += ["## Server starts and what else the proxy port answers", "",
          "REST probe = `GET /v1/vector/collections` over HTTP/1.1 to the gRPC proxy port, plain and over TLS "
          "(no verification; mode 2 with the first client cert).", "",
          "| server | tlsMode | started | start s | exit | plain HTTP/1.1 | HTTPS/1.1 |", "|---|---|---|---|---|---|---|"]
    for st in data["starts"]:
        rp = st.get("rest_probe") or {}
        L.append(f"| `{st['server']}` | {st['tls_mode']} | {'yes' if st['started'] else '**no**'} | {st['seconds']} "
                 f"| {st['exit_code'] if st['exit_code'] is not None else ''} | {md_escape(short(rp.get('http', ''), 90))} "
                 f"| {md_escape(short(rp.get('https', ''), 90))} |")
    cur = None
    for r in recs:
        if r["server"] != cur:
            cur = r["server"]
            L += ["", f"## `{cur}` — tlsMode {r['tls_mode']}: {md_escape(r['server_material'])}", ""]
            if not r["milvus_started"]:
                L += [f"**Milvus did not start** (exit code {r['milvus_exit_code']}): "
                      f"`{md_escape(short(r['milvus_start_failure'], 500))}`", ""]
            L += ["| case | client | ok | reason (grpc / pymilvus) | Milvus log | K | R |",
                  "|---|---|---|---|---|---|---|"]
        k = {True: "ok", False: "fail", None: "?"}[r["knowledge_predicts_ok"]]
        rr = {True: "ok", False: "fail", None: "n/a"}[r["grpcio_rehearsal_ok"]]
        warn = " ⚠" if (r["differs_from_knowledge"] or r["differs_from_rehearsal"]) else ""
        reason = r["reason"] or ""
        L.append(f"| {r['id'].split('/', 1)[1]}{warn} | {md_escape(r['client'])} | {'**ok**' if r['pymilvus_ok'] else 'fail'} "
                 f"| {md_escape(short(reason, 220))} | {md_escape(short(r['milvus_log_reason'], 160))} "
                 f"| {k}{' ⚠' if r['differs_from_knowledge'] else ''} "
                 f"| {rr}{' ⚠' if r['differs_from_rehearsal'] else ''}"
                 f"{(': ' + md_escape(short(r['grpcio_rehearsal_reason'], 120))) if r['differs_from_rehearsal'] and r['grpcio_rehearsal_reason'] else ''} |")
    dk = [r for r in recs if r["differs_from_knowledge"]]
    dr = [r for r in recs if r["differs_from_rehearsal"]]
    L += ["", "## Disagreements", "", "### Real outcome vs KNOWLEDGE.md prediction", ""]
    L += [f"- `{r['id']}`: real {'ok' if r['pymilvus_ok'] else 'fail'}, predicted "
          f"{'ok' if r['knowledge_predicts_ok'] else 'fail'}. {md_escape(short(r['reason'] or r['milvus_log_reason'], 200))}"
          for r in dk] or ["- none"]
    L += ["", "### Real Milvus vs grpcio-only rehearsal", ""]
    L += [f"- `{r['id']}`: real {'ok' if r['pymilvus_ok'] else 'fail'}, rehearsal "
          f"{'ok' if r['grpcio_rehearsal_ok'] else 'fail'} ({md_escape(short(r['grpcio_rehearsal_reason'], 160))}). "
          f"Real reason: {md_escape(short(r['reason'] or '-', 160))}; Milvus: {md_escape(short(r['milvus_log_reason'] or '-', 160))}"
          for r in dr] or ["- none"]
    L += ["", "## Findings (from the committed run)", ""] + [f"- {f}" for f in data.get("findings", [])]
    if data.get("notes"):
        L += ["", "## Notes", ""] + [f"- {n}" for n in data["notes"]]
    path.write_text("\n".join(L) + "\n", encoding="utf-8")


FINDINGS = [
    "Server-side file problems (key mismatch, encrypted key, DER cert or key, swapped paths, missing key, caPemPath "
    "garbage/missing in mode 2) make Milvus 2.3.5 panic ~0.3 s after start (exit by SIGABRT, -6) with Go's message "
    "('tls: private key does not match public key', 'tls: failed to parse private key', 'tls: failed to find any PEM "
    "data in certificate input', '... PEM inputs may have been switched', 'fail to append ca to cert', 'open ...: no "
    "such file or directory'); the client then only sees 'Connection refused'. A PKCS#1 RSA key loads fine.",
    "tlsMode 1 ignores caPemPath completely (missing file or garbage: starts and serves).",
    "tlsMode 3 serves plaintext gRPC (http:// works; https gets WRONG_VERSION_NUMBER) but, unlike tlsMode 0, the "
    "RESTful API is not on the port (HTTP/1.1 is reset). In tlsMode 0 the RESTful v1 API shares the gRPC port; in "
    "tlsMode 1/2 the port speaks only TLS + HTTP/2 (no REST, plain HTTP/1.1 is dropped).",
    "Hostname failures show up as 'Custom verification check failed with error: UNAUTHENTICATED: Hostname "
    "Verification Check failed.' in the grpc cause (grpcio 1.85); nothing useful is on stderr and Go only logs a "
    "closeNotify broken pipe.",
    "Client-side verification failures (unknown CA, expired, purpose, KU) are logged by Milvus at most as a closed "
    "connection: Go's log names only server-side reasons (client cert problems, plaintext client, bad SNI, keys it "
    "cannot sign with).",
    "In tlsMode 2 a client cert that Go rejects surfaces in pymilvus as 'Unwrap failed (TSI_DATA_CORRUPTED)' "
    "(stderr: SSLV3_ALERT_BAD_CERTIFICATE) because under TLS 1.3 the client finishes its handshake before the "
    "server verifies it; against a grpcio server the same rejection shows as 'Socket closed'.",
    "server_name with a trailing dot breaks against Milvus: Go 1.20 rejects a ClientHello whose SNI ends in '.', "
    "('local error: tls: unexpected message'); grpc's own name check and a grpcio server accept it. Upper case is fine.",
    "Trusting the server cert itself (server_pem_path=server.pem) works even for a CA-issued leaf, and then BoringSSL "
    "skips the chain checks: a leaf with EKU clientAuth only, or one whose intermediate is CA:FALSE or missing, "
    "connects when trusted directly but fails when the root is trusted. Expiry and keyUsage are still enforced.",
    "BoringSSL (pymilvus side) accepts a trust root with CA:FALSE or without basicConstraints, but not one whose "
    "keyUsage lacks keyCertSign ('unable to get local issuer certificate'). It accepts SHA-1-signed and RSA-1024 "
    "server certs and CA:TRUE leaves.",
    "RSA server certs without digitalSignature in keyUsage fail in pymilvus (KEY_USAGE_BIT_INCORRECT); the same KU "
    "on a client cert is accepted by Go but rejected by a grpcio server.",
    "RSA-512 keys cannot sign TLS 1.3 (RSA-PSS needs >= 528 bits): as server key Go logs 'certificate RSA key size "
    "too small for supported signature algorithms'; as client key grpc fails locally with "
    "NO_COMMON_SIGNATURE_ALGORITHMS, even though Go 1.20 itself would accept the key size.",
    "Ed25519: as the server key it fails (grpc's client does not offer Ed25519; Go: 'peer doesn't support any of "
    "the certificate's signature algorithms'); as a client key it works with Milvus but not with a grpcio server.",
    "SHA-1 client certs are rejected by Go ('x509: cannot verify signature: insecure algorithm SHA1-RSA') but "
    "accepted by a grpcio server; SHA-1 server certs are accepted by pymilvus.",
]

NOTES = [
    "Every mode-1 server here runs with caPemPath pointing at a file that does not exist (or at garbage, "
    "`m1-ca-garbage`): tlsMode 1 never reads caPemPath.",
    "Not observed: Milvus 2.4+/2.5 behaviours (shared HTTP port refusal, internal TLS), Go >= 1.23/1.24 rules "
    "(negative serials, RSA < 1024 rejected) — this embedded Milvus is 2.3.5 built with Go 1.20.",
    "K predictions are KNOWLEDGE.md's rules where it has one, otherwise ordinary X.509/TLS rules; '?' = none made.",
]


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "observe_real")
    ap.add_argument("--only", help="run only servers whose id contains this")
    ap.add_argument("--python", default=os.environ.get("MILVUS_TLS_CHECK_PYMILVUS_PYTHON", sys.executable),
                    help="interpreter with pymilvus for the client subprocesses")
    ap.add_argument("--client-timeout", type=float, default=5.0)
    ap.add_argument("--json", type=Path, default=REPO / "reports" / "real-observations.json")
    ap.add_argument("--md", type=Path, default=REPO / "docs" / "observations.md")
    a = ap.parse_args(argv)
    import shutil  # noqa: PLC0415

    shutil.rmtree(a.work, ignore_errors=True)
    a.work.mkdir(parents=True)
    t0 = time.monotonic()
    res = run(a.work, a.only, a.python, a.client_timeout)
    data = {
        "generated_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "versions": versions(a.python),
        "runtime_seconds": round(time.monotonic() - t0, 1),
        "starts": res["starts"],
        "findings": FINDINGS,
        "notes": NOTES,
        "records": res["records"],
    }
    if not a.only:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        a.md.parent.mkdir(parents=True, exist_ok=True)
        write_md(a.md, data)
    else:
        out = a.work / "partial.json"
        out.write_text(json.dumps(data, indent=1) + "\n")
        write_md(a.work / "partial.md", data)
        print("partial run written to", out)
    left = milvus_processes()
    print(f"done in {data['runtime_seconds']}s; {len(res['records'])} records; milvus processes left: {left}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
