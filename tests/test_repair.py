"""Issue 19, `milvus-tls repair`: the same broken sets as the fix-follow test (tests/make-repair-sets.sh, made with
openssl the docs' way), repaired into a new folder: the original is untouched byte for byte, the copy passes the full
doctor (handshake rehearsal included), the server certificate keeps every name, and the report says what changed and
how to deploy it."""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPAIR_SETS as SETS, server_names as _names

ROOT = Path(__file__).resolve().parent.parent


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def repair(source: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "milvus_tls_check", "repair", "--dir", str(source), "--out", str(out),
                           "--tls-mode", "2", *extra], capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("name", SETS)
def test_repair_fixes_a_copy_and_proves_it(repair_sets, tmp_path, name):
    source = repair_sets / name
    before = _digest(source)
    names_before = _names(source / "server.pem")
    proc = repair(source, tmp_path / "new")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert _digest(source) == before, "repair changed the original"
    assert "PASS: 0 errors, 0 warnings; mode 2 (mutual TLS): pass" in proc.stdout
    assert "What changed" in proc.stdout and "kubectl create secret generic milvus-tls" in proc.stdout
    assert "--dry-run=client -o yaml | kubectl apply -f -" in proc.stdout
    assert names_before <= _names(tmp_path / "new" / "server.pem")


def test_what_changed_is_said_per_file(repair_sets, tmp_path):
    proc = repair(repair_sets / "cn-only", tmp_path / "new")
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "server.pem: subjectAltName DNS:localhost (had CN localhost only)" in proc.stdout
    proc = repair(repair_sets / "bom", tmp_path / "new2")
    assert "server.pem: the UTF-8 BOM stripped" in proc.stdout
    proc = repair(repair_sets / "chain-wrong-order", tmp_path / "new3")
    assert "server.pem: certificates put leaf first" in proc.stdout


def test_repair_refuses_to_write_into_the_original_or_a_full_folder(repair_sets, tmp_path):
    source = repair_sets / "bom"
    proc = repair(source, source)
    assert proc.returncode == 2 and "not an empty folder" in proc.stderr
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    proc = repair(source, tmp_path / "full")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
