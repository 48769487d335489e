"""The tests' certificate factory (in the spirit of trustme), apart from what `milvus-tls gen` issues with.

Certificates are valid from VALID_FROM to VALID_UNTIL (2020-01-01 .. 2099-01-01) unless a test asks otherwise, so a
test that is not about time never moves when a validity rule or gen's policy changes. A test about time passes
not_before / not_after, or days= (then the window starts an hour ago, as a fresh certificate's does).

    ca = CA()                                   # or make_ca(...) with every knob a broken variant needs
    server = ca.issue_server_cert("localhost", ips=("127.0.0.1",))
    client = ca.issue_client_cert("milvus-client")
    good_set().write(folder)                    # ca.pem, server.pem, server.key, client.pem, client.key
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_FROM = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
VALID_UNTIL = dt.datetime(2099, 1, 1, tzinfo=dt.timezone.utc)
KEY_TYPES = ("rsa1024", "rsa2048", "rsa3072", "rsa4096", "ec-p256", "ec-p384", "ed25519")
EKU_OIDS = {"server": ExtendedKeyUsageOID.SERVER_AUTH, "client": ExtendedKeyUsageOID.CLIENT_AUTH,
            "code": ExtendedKeyUsageOID.CODE_SIGNING}
_HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha1": hashes.SHA1, "md5": hashes.MD5}
_UNSET = object()


def new_key(key_type: str = "rsa2048"):
    if key_type.startswith("rsa"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(key_type[3:]))
    if key_type == "ec-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "ec-p384":
        return ec.generate_private_key(ec.SECP384R1())
    if key_type == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(f"unknown key type {key_type!r}; choose from {', '.join(KEY_TYPES)}")


def write_private(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Create the file with its final mode, as an operator keeps a key."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, mode)


@dataclass(frozen=True)
class Issued:
    cert: x509.Certificate
    key: object
    chain: tuple[x509.Certificate, ...] = ()   # intermediates to send after the leaf, nearest first

    def cert_pem(self, with_chain: bool = False) -> bytes:
        certs = (self.cert,) + (self.chain if with_chain else ())
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)

    def key_pem(self, fmt: str = "pkcs8", password: Optional[bytes] = None) -> bytes:
        encoding = {"pkcs8": serialization.PrivateFormat.PKCS8,
                    "pkcs1": serialization.PrivateFormat.TraditionalOpenSSL,
                    "sec1": serialization.PrivateFormat.TraditionalOpenSSL}[fmt]
        enc = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
        return self.key.private_bytes(serialization.Encoding.PEM, encoding, enc)

    def write(self, cert_path: os.PathLike | str, key_path: os.PathLike | str | None = None, *,
              with_chain: bool = False, key_mode: int = 0o600) -> None:
        Path(cert_path).write_bytes(self.cert_pem(with_chain))
        if key_path is not None:
            write_private(Path(key_path), self.key_pem(), key_mode)

    # trustme-like: a CA issues its own leaves
    def issue_server_cert(self, *names: str, ips: Sequence[str] = (), **kw) -> "Issued":
        names = names or ("localhost",)
        return make_leaf(self, names[0], dns=names, ips=ips, eku=("server",), **kw)

    def issue_client_cert(self, cn: str = "milvus-client", **kw) -> "Issued":
        return make_leaf(self, cn, dns=(cn,), eku=("client",), **kw)


def _name(cn: str, org: str = "milvus-tls-check") -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, org), x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _key_usage(bits: Iterable[str]) -> x509.KeyUsage:
    bits = set(bits)
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
             "key_cert_sign", "crl_sign")
    return x509.KeyUsage(**{n: n in bits for n in names}, encipher_only=False, decipher_only=False)


def _san(names: Sequence[str], ips: Sequence[str]) -> Optional[x509.SubjectAlternativeName]:
    entries: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
    entries += [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    return x509.SubjectAlternativeName(entries) if entries else None


def _window(not_before, not_after, days: Optional[int]):
    if days is None:
        start = not_before or VALID_FROM
        return start, not_after or max(VALID_UNTIL, start + dt.timedelta(days=1))
    start = not_before or (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1))
    return start, not_after or (start + dt.timedelta(days=days))


def _sign(subject: x509.Name, public_key, issuer_name: x509.Name, issuer_key, *, ca: Optional[bool],
          path_length: Optional[int], key_usage, eku, san, not_before, not_after, hash_name: str,
          serial: Optional[int], issuer_ski=None) -> x509.Certificate:
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name).public_key(public_key)
         .serial_number(serial if serial is not None else x509.random_serial_number())
         .not_valid_before(not_before).not_valid_after(not_after))
    if ca is not None:
        b = b.add_extension(x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), critical=True)
    if key_usage is not None:
        b = b.add_extension(_key_usage(key_usage), critical=True)
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage([EKU_OIDS[e] for e in eku]), critical=False)
    if san is not None:
        b = b.add_extension(san, critical=False)
    b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    if issuer_ski is not None:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski), critical=False)
    algorithm = None if isinstance(issuer_key, ed25519.Ed25519PrivateKey) else _HASHES[hash_name]()
    return b.sign(issuer_key, algorithm)


def _ski(cert: x509.Certificate):
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        return x509.SubjectKeyIdentifier.from_public_key(cert.public_key())


def make_ca(cn: str = "milvus-tls-check test CA", *, issuer: Optional[Issued] = None, key=None,
            key_type: str = "rsa2048", ca: Optional[bool] = True, path_length: Optional[int] = None,
            key_usage=("key_cert_sign", "crl_sign"), not_before=None, not_after=None, days: Optional[int] = None,
            hash_name: str = "sha256", serial: Optional[int] = None) -> Issued:
    """A root (issuer=None, self-signed) or an intermediate (issuer=the parent)."""
    key = key or new_key(key_type)
    start, end = _window(not_before, not_after, days)
    subject = _name(cn)
    if issuer is None:
        cert = _sign(subject, key.public_key(), subject, key, ca=ca, path_length=path_length, key_usage=key_usage,
                     eku=None, san=None, not_before=start, not_after=end, hash_name=hash_name, serial=serial)
        return Issued(cert, key)
    cert = _sign(subject, key.public_key(), issuer.cert.subject, issuer.key, ca=ca, path_length=path_length,
                 key_usage=key_usage, eku=None, san=None, not_before=start, not_after=end, hash_name=hash_name,
                 serial=serial, issuer_ski=_ski(issuer.cert))
    return Issued(cert, key, chain=(cert,) + issuer.chain)


CA = make_ca


def make_leaf(issuer: Issued, cn: str = "localhost", *, dns: Sequence[str] = ("localhost",),
              ips: Sequence[str] = (), eku: Optional[Sequence[str]] = ("server",), key=None,
              key_type: str = "rsa2048", key_usage=_UNSET, ca: Optional[bool] = False,
              not_before=None, not_after=None, days: Optional[int] = None, hash_name: str = "sha256",
              serial: Optional[int] = None) -> Issued:
    """A server or client certificate issued by `issuer` (a root or an intermediate).

    eku=("server",) for a server cert, ("client",) for a client cert, None or () for no extendedKeyUsage (the docs'
    way). dns=() and ips=() leave the SAN extension out (CN only).
    """
    key = key or new_key(key_type)
    if key_usage is _UNSET:
        key_usage = ("digital_signature", "key_encipherment")
    start, end = _window(not_before, not_after, days)
    cert = _sign(_name(cn), key.public_key(), issuer.cert.subject, issuer.key, ca=ca, path_length=None,
                 key_usage=key_usage, eku=eku, san=_san(dns, ips), not_before=start, not_after=end,
                 hash_name=hash_name, serial=serial, issuer_ski=_ski(issuer.cert))
    return Issued(cert, key, chain=issuer.chain)   # what the leaf should send: the intermediates up to the root


def docs_like_leaf(issuer: Issued, cn: str = "localhost", *, dns: Sequence[str] = ("localhost",), **kw) -> Issued:
    """What the Milvus docs' openssl.cnf [v3_req] makes: CA:FALSE, nonRepudiation+digitalSignature+keyEncipherment,
    no EKU, SAN only when alt_names is configured."""
    return make_leaf(issuer, cn, dns=dns, eku=None,
                     key_usage=("content_commitment", "digital_signature", "key_encipherment"), **kw)


@dataclass(frozen=True)
class CertSet:
    ca: Issued
    server: Issued
    client: Issued

    def write(self, out: Path, *, with_ca_key: bool = False) -> dict[str, Path]:
        """Write the docs' file names into `out`: ca.pem, server.pem, server.key, client.pem, client.key."""
        out.mkdir(parents=True, exist_ok=True)
        paths = {n: out / n for n in ("ca.pem", "server.pem", "server.key", "client.pem", "client.key")}
        (out / "ca.pem").write_bytes(self.ca.cert_pem())
        self.server.write(paths["server.pem"], paths["server.key"], with_chain=True)
        self.client.write(paths["client.pem"], paths["client.key"], with_chain=True)
        if with_ca_key:
            paths["ca.key"] = out / "ca.key"
            write_private(paths["ca.key"], self.ca.key_pem())
        return paths


def good_set(names: Sequence[str] = ("localhost",), ips: Sequence[str] = ("127.0.0.1",),
             key_type: str = "rsa2048", client_cn: str = "milvus-client", days: Optional[int] = None) -> CertSet:
    """A set that works in both modes: CA with CA:TRUE+keyCertSign, server with SAN+serverAuth, client with clientAuth."""
    ca = make_ca(key_type=key_type)
    server = make_leaf(ca, names[0] if names else (ips[0] if ips else "localhost"), dns=names, ips=ips,
                       eku=("server",), key_type=key_type, days=days)
    client = make_leaf(ca, client_cn, dns=(client_cn,), eku=("client",), key_type=key_type, days=days)
    return CertSet(ca, server, client)
