"""Certificate material for the real-Milvus observations: the Milvus docs' openssl procedure, and a builder for
every certificate variant the cases need (keys, extensions, SHA-1 via openssl, PEM writing).

Lab code: shipped with the package for tools/observe_real.py and the integration tests; the doctor never imports it.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import subprocess
from pathlib import Path
from typing import Any, Optional

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = dt.datetime.now(dt.timezone.utc)
PASS = b"secret-pass"


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
