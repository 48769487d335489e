"""Material made by the real openssl CLI exactly as the Milvus docs do (fixtures/make-fixtures.sh), judged by the
doctor the way a user runs it: `milvus-tls doctor --dir SET --tls-mode M --no-handshake --format json`.

Validity is judged one day after each set's CA was made (--at), so these tests do not depend on today's date.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from milvus_tls_check import cli
from tests.helpers import answer

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SCRIPT = FIXTURES / "make-fixtures.sh"
DOCS_FILES = ["ca.pem", "client.key", "client.pem", "server.key", "server.pem"]

# set -> mode -> (verdict, error codes, warning codes). key.permissions is ignored: git does not keep 0600,
# so a fresh checkout's keys are 0644 whatever the script wrote.
EXPECT = {
    "docs-san": {1: ("pass", set(), set()), 2: ("pass", set(), set())},
    "docs-cn-only": {1: ("pass", set(), {"name.cn_only"}), 2: ("pass", set(), {"name.cn_only"})},
    "broken-key-mismatch": {1: ("fail", {"key.mismatch"}, set()), 2: ("fail", {"key.mismatch"}, set())},
    "broken-wrong-ca": {1: ("pass", set(), set()), 2: ("fail", {"chain.untrusted"}, set())},
    "broken-name": {1: ("fail", {"name.mismatch"}, set()), 2: ("fail", {"name.mismatch"}, set())},
    "broken-client-eku": {1: ("pass", set(), set()), 2: ("fail", {"eku.client_auth_missing"}, set())},
    "broken-expired": {1: ("fail", {"cert.expired"}, set()), 2: ("fail", {"cert.expired"}, set())},
    "broken-encrypted-key": {1: ("fail", {"key.encrypted"}, set()), 2: ("fail", {"key.encrypted"}, set())},
}
# which file each error is about
SUBJECT = {"key.mismatch": "server", "chain.untrusted": "client.pem", "name.mismatch": "server.pem",
           "eku.client_auth_missing": "client.pem", "cert.expired": "server.pem", "key.encrypted": "server.key"}


def cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def judged_at(set_dir: Path) -> str:
    """One day after the set's CA was made: inside every docs-made validity, after broken-expired's end."""
    at = cert(set_dir / "ca.pem").not_valid_before_utc + dt.timedelta(days=1)
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def run_doctor(capsys, set_dir: Path, *extra: str) -> tuple[int, dict]:
    status = cli.main(["doctor", "--dir", str(set_dir), "--no-handshake", "--format", "json",
                       "--at", judged_at(set_dir), *extra])
    out, err = capsys.readouterr()
    assert out, err
    assert "Traceback" not in err
    return status, json.loads(out)


def check_set(capsys, set_dir: Path, name: str) -> None:
    for mode, (verdict, errors, warnings) in EXPECT[name].items():
        status, report = run_doctor(capsys, set_dir, "--tls-mode", str(mode))
        found = [(f["code"], f["severity"], f["subject"]) for f in report["findings"]]
        assert report["verdict"] == verdict, (name, mode, found)
        assert status == (0 if verdict == "pass" else 1)
        assert {c for c, s, _ in answer(found, errors) if s == "error"} == errors, (name, mode, found)
        assert {c for c, s, _ in answer(found, warnings) if s == "warning"} == warnings, (name, mode, found)
        for code, severity, subject in found:
            if severity == "error":
                assert SUBJECT[code] in subject, (name, mode, code, subject)


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_committed_set_verdict(capsys, name: str) -> None:
    check_set(capsys, FIXTURES / name, name)


def test_docs_san_passes_both_modes_when_the_doctor_picks_them(capsys) -> None:
    status, report = run_doctor(capsys, FIXTURES / "docs-san")
    assert status == 0 and report["verdict"] == "pass"
    assert report["modes"] == [1, 2] and report["mode_verdicts"] == {"1": "pass", "2": "pass"}


def test_committed_layout() -> None:
    # deploy/ (deployment layouts) and limbo/ (x509-limbo's cases) are not openssl-made sets
    sets = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and p.name not in ("deploy", "limbo"))
    assert sets == sorted(EXPECT)
    for name in EXPECT:
        files = sorted(p.name for p in (FIXTURES / name).iterdir())
        assert files == sorted(DOCS_FILES + (["ca.key"] if name == "docs-san" else [])), name


def test_committed_sets_have_the_fault_they_are_named_after() -> None:
    """So a verdict cannot pass for the wrong reason."""
    def leaf_ext(c, cls):
        try:
            return c.extensions.get_extension_for_class(cls).value
        except x509.ExtensionNotFound:
            return None

    san = FIXTURES / "docs-san"
    server = cert(san / "server.pem")
    assert leaf_ext(server, x509.SubjectAlternativeName).get_values_for_type(x509.DNSName) == ["localhost"]
    assert leaf_ext(server, x509.ExtendedKeyUsage) is None            # the docs' v3_req has no EKU
    ku = leaf_ext(server, x509.KeyUsage)
    assert ku.content_commitment and ku.digital_signature and ku.key_encipherment and not ku.key_cert_sign
    assert leaf_ext(server, x509.BasicConstraints).ca is False
    assert server.not_valid_after_utc - server.not_valid_before_utc == dt.timedelta(days=3650)
    assert leaf_ext(cert(san / "ca.pem"), x509.BasicConstraints).ca is True
    assert serialization.load_pem_private_key((san / "ca.key").read_bytes(), None).public_key().public_numbers() \
        == cert(san / "ca.pem").public_key().public_numbers()

    assert leaf_ext(cert(FIXTURES / "docs-cn-only" / "server.pem"), x509.SubjectAlternativeName) is None

    km = FIXTURES / "broken-key-mismatch"
    assert serialization.load_pem_private_key((km / "server.key").read_bytes(), None).public_key().public_numbers() \
        != cert(km / "server.pem").public_key().public_numbers()

    wc = FIXTURES / "broken-wrong-ca"
    client, ca = cert(wc / "client.pem"), cert(wc / "ca.pem")
    assert client.issuer == ca.subject                 # same DN (the docs' variables) ...
    with pytest.raises(InvalidSignature):              # ... but another CA's key signed it
        client.verify_directly_issued_by(ca)
    cert(wc / "server.pem").verify_directly_issued_by(ca)

    name = cert(FIXTURES / "broken-name" / "server.pem")
    assert leaf_ext(name, x509.SubjectAlternativeName).get_values_for_type(x509.DNSName) == ["milvus.example.com"]

    eku = leaf_ext(cert(FIXTURES / "broken-client-eku" / "client.pem"), x509.ExtendedKeyUsage)
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]

    exp = cert(FIXTURES / "broken-expired" / "server.pem")
    assert exp.not_valid_before_utc == dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    assert exp.not_valid_after_utc == dt.datetime(2021, 1, 1, tzinfo=dt.timezone.utc)
    exp.verify_directly_issued_by(cert(FIXTURES / "broken-expired" / "ca.pem"))

    enc = (FIXTURES / "broken-encrypted-key" / "server.key").read_bytes()
    assert enc.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    key = serialization.load_pem_private_key(enc, password=b"milvus")
    assert key.public_key().public_numbers() == \
        cert(FIXTURES / "broken-encrypted-key" / "server.pem").public_key().public_numbers()


@pytest.mark.skipif(shutil.which("openssl") is None or shutil.which("bash") is None,
                    reason="needs the openssl CLI and bash")
def test_the_procedure_itself(capsys, tmp_path: Path) -> None:
    """Run make-fixtures.sh for real into a scratch directory: the docs-san set passes, every set is judged as
    committed, and nothing else in the output directory is touched."""
    out = tmp_path / "fx"
    (out / "deploy").mkdir(parents=True)
    (out / "deploy" / "keep.txt").write_text("not mine")
    env = {k: v for k, v in os.environ.items() if k != "OPENSSL_CONF"}
    cp = subprocess.run(["bash", str(SCRIPT), str(out)], capture_output=True, text=True, timeout=300, env=env)
    assert cp.returncode == 0, cp.stdout + cp.stderr
    assert (out / "deploy" / "keep.txt").read_text() == "not mine"
    assert sorted(p.name for p in out.iterdir()) == sorted(list(EXPECT) + ["deploy"])
    for name in EXPECT:
        assert sorted(p.name for p in (out / name).iterdir()) == \
            sorted(DOCS_FILES + (["ca.key"] if name == "docs-san" else [])), name
        for key in (out / name).glob("*.key"):
            assert key.stat().st_mode & 0o077 == 0, key
    status, report = run_doctor(capsys, out / "docs-san")
    assert status == 0 and report["verdict"] == "pass", report["findings"]
    assert not answer(report["findings"], ["key.permissions"]), report["findings"]   # fresh keys are 0600: not even a warning
    for name in EXPECT:
        check_set(capsys, out / name, name)
