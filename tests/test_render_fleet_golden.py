"""Fleet output, byte for byte, in every format: committed goldens written before the renderer registry existed.

Targets: the docs' good set, a broken set, a name mismatch, a certificate whose names hold control characters
(terminal escapes, XML-invalid bytes) and a target whose options are unusable. Regenerate only for an intended
change: MILVUS_TLS_UPDATE_GOLDEN=1 pytest tests/test_render_fleet_golden.py
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from milvus_tls_check.render import RENDERERS
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "fleet"
GOLDEN_FORMATS = ("json", "junit", "markdown", "text")   # the formats with a golden fleet file


@pytest.fixture
def fleet(tmp_path: Path) -> tuple[Path, Path]:
    base = tmp_path / "f"
    for name, source in (("good", ROOT / "fixtures" / "docs-san"), ("broken", ROOT / "fixtures" / "broken-wrong-ca"),
                         ("hostile", GOLDEN / "hostile")):
        shutil.copytree(source, base / name)
        for key in (base / name).glob("*.key"):
            key.chmod(0o600)       # git keeps no 0600: show the keys as an operator keeps them
    (base / "fleet.yaml").write_text(yaml.safe_dump({
        # the goldens were made for Milvus 2.6: pinned, so a newer default line moves none of them
        "defaults": {"no_handshake": True, "at": "2027-01-01T00:00:00Z", "milvus_version": "2.6"},
        "targets": [{"name": "good", "dir": "good"},
                    {"name": "broken", "dir": "broken"},
                    {"name": "wrong-name", "dir": "good", "server_name": "db.example.com"},
                    {"name": "hostile", "dir": "hostile", "tls_mode": 1, "server_name": "localhost"},
                    {"name": "typo", "dir": "missing-folder"}]}))
    return base, base / "fleet.yaml"


@pytest.mark.parametrize("fmt", GOLDEN_FORMATS)
def test_fleet_output_is_byte_identical(fleet, fmt, capsys):
    base, fleet_file = fleet
    status, out, _ = run_cli(["doctor", "--fleet", str(fleet_file), "--format", fmt, "--workers", "2"], capsys)
    assert status == 1
    out = out.replace(str(base), "<fleet>")
    golden = GOLDEN / f"fleet.{RENDERERS[fmt].extension}"
    if os.environ.get("MILVUS_TLS_UPDATE_GOLDEN") == "1":
        golden.write_bytes(out.encode("utf-8"))
    assert out == golden.read_bytes().decode("utf-8"), f"fleet {fmt} output changed"
