"""Issue 15, fleet at scale (the full measurement is tools/bench_fleet.py, reports/benchmarks.md): live targets are
probed side by side, so silent ones cost one --timeout in all, not one each; results keep target order; the
progress line appears on a terminal only for runs longer than a second and is redrawn at most ten times a second."""
from __future__ import annotations

import io
import shutil
import socket
import time
from pathlib import Path

import yaml

from milvus_tls_check.cli import after_a_second
from milvus_tls_check.fleet import progress_bar
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent


def test_silent_live_targets_cost_one_timeout_together(tmp_path, capsys):
    shutil.copytree(ROOT / "fixtures" / "docs-san", tmp_path / "good")
    for key in (tmp_path / "good").glob("*.key"):
        key.chmod(0o600)
    socks = []
    for _ in range(24):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(8)           # never accepted: connected, then silence
        socks.append(s)
    try:
        targets = [{"name": f"static-{i}", "dir": "good", "no_handshake": True} for i in range(3)]
        targets += [{"name": f"silent-{i}", "dir": "good", "tls_mode": 1,
                     "uri": f"https://127.0.0.1:{s.getsockname()[1]}"} for i, s in enumerate(socks)]
        fleet = tmp_path / "fleet.yaml"
        fleet.write_text(yaml.safe_dump({"defaults": {"timeout": 1.0}, "targets": targets}))
        start = time.perf_counter()
        status, out, _ = run_cli(["doctor", "--fleet", str(fleet), "--format", "json"], capsys)
        seconds = time.perf_counter() - start
    finally:
        for s in socks:
            s.close()
    assert status == 1
    assert seconds < 2 * 1.0 + 1.0, seconds          # 24 silent targets: about one timeout, not 24
    import json
    report = json.loads(out)
    assert [t["name"] for t in report["targets"]] == [t["name"] for t in targets]   # target order kept
    assert all(t["verdict"] == "fail" for t in report["targets"] if t["name"].startswith("silent"))
    assert all(t["verdict"] == "pass" for t in report["targets"] if t["name"].startswith("static"))


def test_progress_only_after_a_second_and_throttled(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    stream = io.StringIO()
    show = after_a_second(progress_bar(stream, every=0.1))
    show(1, 1000)
    clock[0] += 0.5
    show(2, 1000)
    assert stream.getvalue() == ""                   # quick runs draw nothing
    clock[0] += 0.6
    show(3, 1000)
    show(4, 1000)                                    # within 0.1 s of the last redraw: skipped
    clock[0] += 0.2
    show(1000, 1000)                                 # the end is always drawn, with a newline
    assert stream.getvalue().count("\r[") == 2 and stream.getvalue().endswith("] 1000/1000\n")
    assert "3/1000" in stream.getvalue() and "4/1000" not in stream.getvalue()
