"""Issue 19, "a fix repairs": broken sets made with openssl the docs' way (tests/make-repair-sets.sh, ca.key kept),
the doctor run on each, and the fix_commands it prints executed exactly as printed, in order, from the folder the
doctor ran in, with no terminal. At most three rounds; then the set must pass (--strict, and a real handshake
rehearsal in the last round), and the server certificate must still carry every name it had. The same sets through
`milvus-tls repair` live in tests/test_repair.py."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPAIR_SETS as SETS, server_names as _names

ROOT = Path(__file__).resolve().parent.parent
BIN = str(Path(sys.executable).parent)


def _doctor(workdir: Path, *extra: str) -> tuple[int, dict]:
    proc = subprocess.run([sys.executable, "-m", "milvus_tls_check", "doctor", "--dir", "tls", "--tls-mode", "2",
                           "--strict", "--format", "json", *extra], cwd=workdir, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PATH": BIN + os.pathsep + os.environ["PATH"]})
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def _run_as_printed(workdir: Path, commands: list[str]) -> None:
    for command in commands:
        proc = subprocess.run(["bash", "-c", command], cwd=workdir, capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL,
                              env={**os.environ, "PATH": BIN + os.pathsep + os.environ["PATH"]})
        assert proc.returncode == 0, f"{command!r} failed: {proc.stderr}"


@pytest.mark.parametrize("name", SETS)
def test_pasting_fix_commands_repairs_the_set(repair_sets, tmp_path, name):
    workdir = tmp_path / name
    shutil.copytree(repair_sets / name, workdir / "tls")
    names_before = _names(workdir / "tls" / "server.pem")
    status, report = _doctor(workdir, "--no-handshake")
    assert status == 1 and report["verdict"] == "fail", report["findings"]
    for _ in range(3):
        blocking = [f for f in report["findings"] if f["severity"] in ("error", "warning")]
        if not blocking:
            break
        for f in blocking:
            assert f["fix_commands"], f"{f['code']} has no command: {f['fix_note']}"
            for command in f["fix_commands"]:
                assert "..." not in command and "PATH" not in command and "NAME" not in command, command
        _run_as_printed(workdir, [c for f in blocking for c in f["fix_commands"]])
        status, report = _doctor(workdir, "--no-handshake")
    assert status == 0 and report["verdict"] == "pass", report["findings"]
    # the real handshakes agree: a rehearsal of both modes as Milvus and pymilvus make them
    status, report = _doctor(workdir)
    assert status == 0 and report["verdict"] == "pass", (report["findings"], report["handshakes"])
    assert names_before <= _names(workdir / "tls" / "server.pem"), "a name the server certificate had was dropped"
    assert (workdir / "tls" / "server.pem").exists()
    backups = list((workdir / "tls").glob("*.bak"))
    assert backups, "the old file is kept as NAME.bak"


def test_without_the_ca_key_the_commands_write_a_csr_and_say_so(repair_sets, tmp_path):
    workdir = tmp_path / "no-ca-key"
    shutil.copytree(repair_sets / "name-missing", workdir / "tls")
    (workdir / "tls" / "ca.key").unlink()
    _, report = _doctor(workdir, "--no-handshake")
    [f] = [f for f in report["findings"] if f["code"] == "name.mismatch"]
    assert len(f["fix_commands"]) == 1 and "--csr-out tls/server.pem.csr" in f["fix_commands"][0]
    assert "--ca-key" in f["fix_note"] and "tls/server.pem.csr" in f["fix_note"]
    _run_as_printed(workdir, f["fix_commands"])
    proc = subprocess.run(["openssl", "req", "-in", "tls/server.pem.csr", "-noout", "-verify", "-text"], cwd=workdir,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "DNS:localhost" in proc.stdout and "DNS:milvus.example.com" in proc.stdout


def test_config_findings_say_why_they_have_no_command(tmp_path, capsys):
    from helpers import doctor_json
    (tmp_path / "milvus.yaml").write_text("common: {security: {tlsMode: 7}}\n")
    _, report = doctor_json(["--milvus-yaml", str(tmp_path / "milvus.yaml"), "--dir",
                             str(ROOT / "fixtures" / "docs-san")], capsys)
    [f] = [f for f in report["findings"] if f["code"] == "config.tls_mode_invalid"]
    assert f["fix_commands"] == [] and "configuration choice" in f["fix_note"]
