"""Certificates `cryptography` refuses to sign (SHA-1, MD5), made with the real openssl CLI for the tests."""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from cryptography import x509

from tests.certfactory import Issued, new_key
from milvus_tls_check.material import quiet_parsing


def openssl_leaf(issuer: Issued, cn: str, *, digest: str = "sha1", eku: str = "clientAuth",
                 san: str = "DNS:localhost", serial: int | None = None) -> Issued:
    key = new_key("rsa2048")
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        (t / "ca.pem").write_bytes(issuer.cert_pem())
        (t / "ca.key").write_bytes(issuer.key_pem())
        (t / "leaf.key").write_bytes(Issued(issuer.cert, key).key_pem())
        (t / "ext.cnf").write_text(f"basicConstraints = CA:FALSE\nextendedKeyUsage = {eku}\nsubjectAltName = {san}\n")
        subprocess.run(["openssl", "req", "-new", "-key", t / "leaf.key", "-subj", f"/CN={cn}", "-out", t / "leaf.csr"],
                       check=True, capture_output=True)
        serial_args = ["-set_serial", str(serial)] if serial is not None else ["-CAcreateserial"]
        subprocess.run(["openssl", "x509", "-req", "-in", t / "leaf.csr", "-CA", t / "ca.pem", "-CAkey", t / "ca.key",
                        *serial_args, f"-{digest}", "-days", "365", "-extfile", t / "ext.cnf",
                        "-out", t / "leaf.pem"], check=True, capture_output=True)
        with quiet_parsing():  # a negative serial on purpose: cryptography warns about it
            cert = x509.load_pem_x509_certificate((t / "leaf.pem").read_bytes())
    return Issued(cert, key, chain=issuer.chain)


def openssl_root(cn: str, *, digest: str = "sha1") -> Issued:
    key = new_key("rsa2048")
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        (t / "ca.key").write_bytes(Issued(None, key).key_pem())
        subprocess.run(["openssl", "req", "-new", "-x509", "-key", t / "ca.key", "-subj", f"/CN={cn}", f"-{digest}",
                        "-days", "365", "-out", t / "ca.pem"], check=True, capture_output=True)
        cert = x509.load_pem_x509_certificate((t / "ca.pem").read_bytes())
    return Issued(cert, key)
