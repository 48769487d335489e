"""A static `--dir` run imports only what it uses: no network stack, no deployment readers, no other subcommand.

The run is a real `python -X importtime -m milvus_tls_check doctor --dir ... --no-handshake` in a subprocess; the
names are stable (a heavy module is either imported or not), the time budget is generous (shared CI machines).
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOOD_SET = ROOT / "fixtures" / "docs-san"

# What a static run over a folder never needs: grpc and pymilvus (the rehearsals), YAML and the deployment readers
# (--milvus-yaml, --compose, --k8s, fleets), the other subcommands, the exporter, the lab.
NOT_NEEDED = ("grpc", "pymilvus", "yaml", "shtab", "prometheus_client", "ssl",
              "milvus_tls_check.deploy", "milvus_tls_check.gen", "milvus_tls_check.reissue", "milvus_tls_check.repair",
              "milvus_tls_check.fleet", "milvus_tls_check.exporter", "milvus_tls_check.handshake.run",
              "milvus_tls_check.handshake.gofront", "milvus_tls_check.handshake.rehearsal", "milvus_tls_lab",
              # the link machinery (issue #21): only a deployment file that names a link reaches it
              "milvus_tls_check.linkkinds", "milvus_tls_check.facts.etcdlink", "milvus_tls_check.handshake.etcdprobe",
              "milvus_tls_check.facts.objectstore", "milvus_tls_check.handshake.s3probe",
              # the deployment facts (~15 ms of frozen dataclasses): the config rules import them when they judge one
              "milvus_tls_check.facts.deployment")
# Our own modules' import time (their self time summed, so cryptography and the standard library are not counted).
# Measured about 100 ms with bytecode cached and 200 ms compiling from source on a loaded 2-core machine.
OWN_IMPORT_BUDGET_MS = 600

_LINE = re.compile(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)")


def _static_run(tmp_path: Path) -> tuple[dict, dict[str, int]]:
    for key in GOOD_SET.glob("*.key"):
        key.chmod(0o600)
    out = tmp_path / "report.json"
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "milvus_tls_check", "doctor", "--dir",
                          str(GOOD_SET), "--no-handshake", "--format", "json", "--output", str(out)],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-2000:]
    imported = {m.group(2): int(m.group(1)) for m in map(_LINE.match, run.stderr.splitlines()) if m}
    return json.loads(out.read_text()), imported


def test_static_run_imports_no_network_deployment_or_other_subcommand(tmp_path):
    report, imported = _static_run(tmp_path)
    assert report["verdict"] == "pass"
    heavy = sorted(name for name in imported
                   if any(name == root or name.startswith(root + ".") for root in NOT_NEEDED))
    assert heavy == [], f"a static --dir run imported {heavy}"
    own_ms = sum(us for name, us in imported.items() if name.split(".")[0] == "milvus_tls_check") / 1000
    assert own_ms < OWN_IMPORT_BUDGET_MS, f"milvus_tls_check's own imports took {own_ms:.0f} ms"
