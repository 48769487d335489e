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
    assert "valid 2025-01-01T00:00:00Z .. 2027-01-01T00:00:00Z" in out and "key RSA 2048  sha256:ab" in out
