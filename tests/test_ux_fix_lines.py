"""Fix lines a person can paste: the real path the doctor read, never a placeholder."""
from __future__ import annotations

import re

from cryptography.hazmat.primitives import serialization

from tests.helpers import doctor_json

PLACEHOLDER = re.compile(r"\bX\.(key|pem|der|p12)\b|\bNAME\b|\bADDR\b")


def test_der_certificate_and_key_fixes_name_the_files(tmp_path, shared_good, capsys):
    d = tmp_path / "tls"
    shared_good.write(d)
    cert = d / "server.pem"
    key = d / "server.key"
    cert.write_bytes(shared_good.server.cert.public_bytes(serialization.Encoding.DER))
    key.write_bytes(shared_good.server.key.private_bytes(serialization.Encoding.DER,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    status, report = doctor_json(["--dir", str(d), "--tls-mode", "1"], capsys)
    der = {f["subject"]: f["fix"] for f in report["findings"] if f["code"] == "file.der"}
    assert status == 1 and len(der) == 2
    fixes = " ".join(der.values())
    assert f"openssl x509 -inform DER -in {cert} -out {cert}.pem && mv {cert}.pem {cert}" in fixes
    assert f"openssl pkey -inform DER -in {key} -out {key}.pem && mv {key}.pem {key}" in fixes
    assert not PLACEHOLDER.search(fixes)


def test_pkcs12_hint_names_the_file(tmp_path, shared_good, capsys):
    from cryptography.hazmat.primitives.serialization import pkcs12
    d = tmp_path / "tls"
    shared_good.write(d)
    bundle = pkcs12.serialize_key_and_certificates(b"server", shared_good.server.key, shared_good.server.cert, None,
                                                   serialization.NoEncryption())
    (d / "server.pem").write_bytes(bundle)
    _, report = doctor_json(["--dir", str(d), "--tls-mode", "1"], capsys)
    message = next(f["message"] for f in report["findings"] if f["code"] == "file.not_pem")
    path = d / "server.pem"
    p12 = d / "server.p12"   # the bundle is moved aside before the certificate is written where it was
    assert f"mv {path} {p12} && openssl pkcs12 -in {p12} -nokeys -out {path}" in message
    assert not PLACEHOLDER.search(message)
