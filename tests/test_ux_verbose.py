"""Issue 13: --verbose shows each file loaded, its fingerprint and each certificate's details."""
from __future__ import annotations

from milvus_tls_check.model import Report
from milvus_tls_check.render.base import RenderOptions
from milvus_tls_check.render.text import render

from tests.helpers import run_cli


def test_verbose_lists_the_material_with_fingerprints(good_dir, capsys):
    status, out, err = run_cli(["doctor", "--dir", str(good_dir), "--no-handshake", "--verbose"], capsys)
    assert status == 0
    assert "\nMaterial\n" in out
    assert f"  server_pem: {good_dir / 'server.pem'}  sha256:" in out
    assert f"  server_key: {good_dir / 'server.key'}  spki-sha256:" in out
    status, out, err = run_cli(["doctor", "--dir", str(good_dir), "--no-handshake"], capsys)
    assert "\nMaterial\n" not in out


def test_verbose_shows_each_certificate_when_the_report_carries_them():
    report = Report(verdict="pass", modes=(1,), server_name="localhost", checks=(), findings=(),
                    inputs={"server_pem": "/x/server.pem"}, fingerprints={"server_pem": "sha256:ab"})
    object.__setattr__(report, "certificates", {"server_pem": [{
        "subject": "CN=milvus", "sans": ["DNS:milvus", "IP:10.0.0.5"], "issuer": "CN=ca",
        "not_before": "2025-01-01T00:00:00Z", "not_after": "2027-01-01T00:00:00Z", "key": "RSA 2048",
        "sha256": "ab"}]})
    out = render(report, RenderOptions(verbose=True))
    assert "#0 subject CN=milvus" in out and "SAN DNS:milvus, IP:10.0.0.5" in out and "issuer CN=ca" in out
    assert "valid 2025-01-01T00:00:00Z .. 2027-01-01T00:00:00Z" in out and "key RSA 2048\n" in out
    assert "certificate sha256:ab" in out


def _spki_of_key_line(out: str, role: str, path) -> str:
    line = next(x for x in out.splitlines() if x.startswith(f"  {role}: {path}  "))
    return line.split("spki-sha256:", 1)[1].strip()


def _spki_of_certificate(out: str, role: str, path) -> str:
    lines = out[out.index(f"  {role}: {path}  "):].splitlines()
    key = next(x for x in lines[1:] if x.strip().startswith("key "))
    return key.split("spki-sha256:", 1)[1].strip()


def test_verbose_key_line_shows_the_public_key_hash_so_a_matching_key_looks_matching(good_dir, capsys):
    """Issue 19 item 1: the certificate's key line shows the SHA-256 of its public key, the same hash the key file's
    line shows: equal when the key is the certificate's; the certificate's own fingerprint is labelled as such."""
    status, out, _ = run_cli(["doctor", "--dir", str(good_dir), "--no-handshake", "--verbose"], capsys)
    assert status == 0
    cert_spki = _spki_of_certificate(out, "server_pem", good_dir / "server.pem")
    key_spki = _spki_of_key_line(out, "server_key", good_dir / "server.key")
    assert len(cert_spki) == 64 and cert_spki == key_spki
    assert "       certificate sha256:" in out


def test_verbose_key_line_differs_when_the_key_is_not_the_certificates(good_dir, capsys):
    (good_dir / "server.key").write_bytes((good_dir / "client.key").read_bytes())
    status, out, _ = run_cli(["doctor", "--dir", str(good_dir), "--no-handshake", "--verbose"], capsys)
    assert status != 0
    cert_spki = _spki_of_certificate(out, "server_pem", good_dir / "server.pem")
    key_spki = _spki_of_key_line(out, "server_key", good_dir / "server.key")
    assert cert_spki != key_spki
    assert _spki_of_certificate(out, "client_pem", good_dir / "client.pem") == key_spki
