"""What `milvus-tls gen` (and `reissue`'s name check) issue with: keys, signing, loading an existing CA.

gen decides the policy (validity, key type, extensions per role) and passes it in; nothing here has a validity of
its own. Tests make their certificates with tests/certfactory.py, never with this module.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .facts.x509 import basic_ca, same_public_key, subject_key_identifier

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
        enc = (serialization.BestAvailableEncryption(password) if password
               else serialization.NoEncryption())
        return self.key.private_bytes(serialization.Encoding.PEM, encoding, enc)

    def write(self, cert_path: os.PathLike | str, key_path: os.PathLike | str | None = None, *,
              with_chain: bool = False, key_mode: int = 0o600) -> None:
        Path(cert_path).write_bytes(self.cert_pem(with_chain))
        if key_path is not None:
            write_private(Path(key_path), self.key_pem(), key_mode)


def write_private(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Create the file with its final mode so the key is never briefly world-readable."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, mode)


def _name(cn: str, org: str = "milvus-tls-check") -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _key_usage(bits: Iterable[str]) -> x509.KeyUsage:
    bits = set(bits)
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
             "key_agreement", "key_cert_sign", "crl_sign")
    args = {n: n in bits for n in names}
    return x509.KeyUsage(**args, encipher_only=False, decipher_only=False)


def _san(names: Sequence[str], ips: Sequence[str]) -> Optional[x509.SubjectAlternativeName]:
    entries: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
    entries += [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    return x509.SubjectAlternativeName(entries) if entries else None


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


def make_ca(cn: str = "milvus-tls-check test CA", *, issuer: Optional[Issued] = None, key=None,
            key_type: str = "rsa2048", ca: Optional[bool] = True, path_length: Optional[int] = None,
            key_usage=("key_cert_sign", "crl_sign"), not_before: dt.datetime, not_after: dt.datetime,
            hash_name: str = "sha256", serial: Optional[int] = None) -> Issued:
    """A root (issuer=None, self-signed) or an intermediate (issuer=the parent)."""
    key = key or new_key(key_type)
    start, end = not_before, not_after
    subject = _name(cn)
    if issuer is None:
        cert = _sign(subject, key.public_key(), subject, key, ca=ca, path_length=path_length, key_usage=key_usage,
                     eku=None, san=None, not_before=start, not_after=end, hash_name=hash_name, serial=serial)
        return Issued(cert, key)
    cert = _sign(subject, key.public_key(), issuer.cert.subject, issuer.key, ca=ca, path_length=path_length,
                 key_usage=key_usage, eku=None, san=None, not_before=start, not_after=end, hash_name=hash_name,
                 serial=serial, issuer_ski=_ski(issuer.cert))
    return Issued(cert, key, chain=(cert,) + issuer.chain)


def _ski(cert: x509.Certificate):
    return subject_key_identifier(cert)


def make_leaf(issuer: Issued, cn: str = "localhost", *, dns: Sequence[str] = ("localhost",),
              ips: Sequence[str] = (), eku: Optional[Sequence[str]] = ("server",), key=None,
              key_type: str = "rsa2048", key_usage=_UNSET, ca: Optional[bool] = False,
              not_before: dt.datetime, not_after: dt.datetime, hash_name: str = "sha256",
              serial: Optional[int] = None) -> Issued:
    """A server or client certificate issued by `issuer` (a root or an intermediate).

    eku=("server",) for a server cert, ("client",) for a client cert, None or () for no extendedKeyUsage
    (the docs' way). dns=() and ips=() leave the SAN extension out (CN only).
    """
    key = key or new_key(key_type)
    if key_usage is _UNSET:
        key_usage = ("digital_signature", "key_encipherment")
    start, end = not_before, not_after
    cert = _sign(_name(cn), key.public_key(), issuer.cert.subject, issuer.key, ca=ca, path_length=None,
                 key_usage=key_usage, eku=eku, san=_san(dns, ips), not_before=start, not_after=end,
                 hash_name=hash_name, serial=serial, issuer_ski=_ski(issuer.cert))
    # The leaf's chain is what it should send: the intermediates between it and the root.
    return Issued(cert, key, chain=issuer.chain)


# --- used by `milvus-tls gen` and `milvus-tls reissue` -------------------------------------------------------

_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def check_dns_name(raw: str, name: str, flag: str = "--name") -> str:
    """`name` (raw, stripped, lower-cased, no trailing dot) as a DNS name gRPC and Go can match, or ValueError
    with a one-line reason that starts with `flag raw:`."""
    if "://" in name or "/" in name or ":" in name:
        raise ValueError(f"{flag} {raw}: give the host name only (no scheme, port or path), e.g. {flag} milvus.example.com")
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        raise ValueError(f"{flag} {raw}: not ASCII; give the IDNA (punycode) form, e.g. xn--...") from None
    labels = name.split(".")
    for i, label in enumerate(labels):
        if label == "*" and i == 0 and len(labels) >= 3:
            continue   # gRPC and Go match a wildcard only as the whole left-most label
        if "*" in label:
            raise ValueError(f"{flag} {raw}: a wildcard must be the whole left-most label of a name with at "
                             "least two more labels (*.example.com); gRPC and Go match nothing else")
        if not _LABEL.match(label):
            raise ValueError(f"{flag} {raw}: {label!r} is not a valid DNS label (letters, digits, hyphens)")
    if len(name) > 253:
        raise ValueError(f"{flag} {raw}: longer than 253 characters")
    return name


def leaf_key_usage(key) -> tuple[str, ...]:
    """keyUsage for a TLS leaf: digitalSignature for every key, keyEncipherment only where it means something (RSA)."""
    if isinstance(key, rsa.RSAPrivateKey):
        return ("digital_signature", "key_encipherment")
    return ("digital_signature",)


def load_issuer(cert_pem: bytes, key_pem: bytes, password: Optional[bytes] = None) -> Issued:
    """An existing CA (ca.pem + ca.key) as an Issued that make_leaf can sign with.

    Raises ValueError with a one-line reason when the pair cannot issue certificates: not PEM, encrypted key
    without password, key not belonging to the first certificate, first certificate not a CA.
    The first certificate in cert_pem is the issuer; when it is not self-issued, the other non-self-issued
    certificates in the file are kept as the chain a leaf should send.
    """
    try:
        certs = x509.load_pem_x509_certificates(cert_pem)
    except ValueError:
        raise ValueError("holds no PEM certificate") from None
    try:
        key = serialization.load_pem_private_key(key_pem, password=password)
    except TypeError:
        raise ValueError("the CA key is encrypted; write an unencrypted copy with "
                         "`openssl pkey -in ca.key -out ca.plain.key` and pass that") from None
    except ValueError:
        raise ValueError("the CA key is not a PEM private key (or the passphrase is wrong)") from None
    ca = certs[0]
    if not same_public_key(key, ca):
        raise ValueError("the CA key does not belong to the first certificate of the CA file")
    if basic_ca(ca) is not True:
        raise ValueError(f"{ca.subject.rfc4514_string()} is not a CA certificate (no basicConstraints CA:TRUE)")
    chain: tuple[x509.Certificate, ...] = ()
    if ca.subject != ca.issuer:
        chain = tuple(c for c in certs if c.subject != c.issuer)
    return Issued(ca, key, chain=chain)
