"""Issue 15: `milvus-tls exporter` started for real in a subprocess, scraped over HTTP, parsed with prometheus_client's
parser, and stopped. The fleet: a good and a broken static set, and a live target that accepts TCP and never speaks
(bounded by --timeout; the check runs in the background, so a scrape never waits for it)."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _scrape(port: int) -> tuple[dict, float]:
    start = time.perf_counter()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        body = response.read().decode()
    seconds = time.perf_counter() - start
    out: dict[str, list] = {}
    for family in text_string_to_metric_families(body):
        for s in family.samples:
            out.setdefault(s.name, []).append(s)
    return out, seconds


@pytest.fixture
def silent():
    """A listening socket that never accepts: connections complete in the kernel and then nothing is said."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield sock.getsockname()[1]
    sock.close()


def test_exporter_serves_fleet_metrics_and_stops(tmp_path, silent):
    for name, folder in (("good", "docs-san"), ("broken", "broken-wrong-ca")):
        shutil.copytree(ROOT / "fixtures" / folder, tmp_path / name)
        for key in (tmp_path / name).glob("*.key"):
            key.chmod(0o600)
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(yaml.safe_dump({"targets": [
        {"name": "good", "dir": "good", "no_handshake": True},
        {"name": "broken", "dir": "broken", "no_handshake": True},
        {"name": "silent", "dir": "good", "tls_mode": 1, "uri": f"https://127.0.0.1:{silent}"}]}))
    port = _free_port()
    timeout = 1.5
    proc = subprocess.Popen([sys.executable, "-m", "milvus_tls_check", "exporter", "--fleet", str(fleet),
                             "--listen", f"127.0.0.1:{port}", "--interval", "2", "--timeout", str(timeout)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 60
        got: dict = {}
        while time.monotonic() < deadline:
            try:
                got, _ = _scrape(port)
            except OSError:
                got = {}
            if "milvus_tls_check_success" in got:
                break
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.2)
        assert "milvus_tls_check_success" in got, got.keys()
        success = {(s.labels["target"], s.labels["mode"], s.labels["client"]): s.value
                   for s in got["milvus_tls_check_success"]}
        assert success[("good", "1", "static")] == 1.0 and success[("good", "2", "static")] == 1.0
        assert success[("broken", "2", "static")] == 0.0
        assert [v for (t, _, _), v in success.items() if t == "silent"] and \
            all(v == 0.0 for (t, _, _), v in success.items() if t == "silent")
        findings = {(s.labels["target"], s.labels["code"]) for s in got["milvus_tls_findings"]}
        assert ("broken", "chain.untrusted") in findings and any(t == "silent" for t, _ in findings)
        roles = {(s.labels["target"], s.labels["role"]) for s in got["milvus_tls_cert_expiry_seconds"]}
        assert {("good", "server_pem"), ("good", "ca_pem"), ("broken", "client_pem")} <= roles
        [check] = got["milvus_tls_exporter_check_duration_seconds"]
        per_target = {s.labels["target"]: s.value for s in got["milvus_tls_exporter_target_check_duration_seconds"]}
        assert set(per_target) == {"good", "broken", "silent"} and per_target["silent"] < 2 * timeout + 0.5
        assert 0 < check.value < 2 * timeout + 1.5, check.value    # the silent target is bounded by --timeout
        assert got["milvus_tls_exporter_checks_total"][0].value >= 1
        assert "milvus_tls_exporter_scrape_duration_seconds" in got
        # scrapes while a check is running answer at once from the last results
        times = [_scrape(port)[1] for _ in range(5)]
        assert max(times) < 0.5, times
        assert _scrape(port)[0]["milvus_tls_exporter_scrape_duration_seconds"][0].value < 0.5
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            status = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert status == 0, proc.stderr.read()


def test_exporter_refuses_a_missing_fleet_file(tmp_path):
    done = subprocess.run([sys.executable, "-m", "milvus_tls_check", "exporter", "--fleet", str(tmp_path / "no.yaml"),
                           "--listen", "127.0.0.1:0"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 2 and "cannot read fleet file" in done.stderr


# --- security issue 8: bounded HTTP side -------------------------------------------------------------------------
def _collector_registry(stats):
    from prometheus_client import CollectorRegistry

    from milvus_tls_check.exporter import FleetCollector
    from milvus_tls_check.render.prometheus import Family

    collector = FleetCollector(stats)
    collector.update([Family("milvus_tls_check_success", "gauge", "ok",
                             (((("target", "t"), ("mode", "1"), ("client", "static")), 1.0),))], 0.1)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return registry


def test_idle_connections_cost_no_threads_are_capped_and_time_out():
    """300 idle connections (more than the cap of 50): the thread count stays bounded, a scrape still answers at
    once, the excess is closed at once and counted (the oldest idle ones make room), and the held ones are closed
    after --request-timeout."""
    import threading

    from prometheus_client import make_wsgi_app

    from milvus_tls_check.exporter import BoundedServer, ServerStats

    stats = ServerStats()
    before = threading.active_count()
    server = BoundedServer(make_wsgi_app(_collector_registry(stats)), "127.0.0.1", 0, max_connections=50,
                           request_timeout=1.5, workers=2, stats=stats)
    idle: list[socket.socket] = []
    try:
        server.start()
        port = server.server_port
        for _ in range(300):
            idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        time.sleep(0.3)
        assert threading.active_count() <= before + 3, threading.active_count()   # selector + 2 workers
        assert stats.open == 50 and stats.dropped == 250, stats
        got, seconds = _scrape(port)          # the oldest idle connection makes room for it
        assert got["milvus_tls_check_success"][0].value == 1.0 and seconds < 2, seconds
        assert got["milvus_tls_exporter_connections_dropped_total"][0].value == 251
        # the held connections are closed by the server once their request timeout has passed
        time.sleep(1.5 + 0.7)
        closed = 0
        for s in idle:
            s.settimeout(0.5)
            try:
                closed += s.recv(1) == b""
            except ConnectionResetError:
                closed += 1
            except socket.timeout:
                pass
        assert closed == len(idle), closed
        assert stats.timed_out >= 49 and stats.open == 0, stats
        got, seconds = _scrape(port)
        assert got["milvus_tls_exporter_connections_timed_out_total"][0].value >= 49 and seconds < 2
    finally:
        for s in idle:
            s.close()
        server.shutdown()
    assert threading.active_count() <= before, threading.active_count()


def test_a_slow_request_is_cut_off_and_a_partial_one_does_not_block_others():
    from prometheus_client import make_wsgi_app

    from milvus_tls_check.exporter import BoundedServer, ServerStats

    stats = ServerStats()
    with BoundedServer(make_wsgi_app(_collector_registry(stats)), "127.0.0.1", 0, max_connections=8,
                       request_timeout=1.0, workers=1, stats=stats) as server:
        slow = socket.create_connection(("127.0.0.1", server.server_port), timeout=5)
        slow.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")    # never finishes its head
        got, seconds = _scrape(server.server_port)
        assert "milvus_tls_check_success" in got and seconds < 1
        slow.settimeout(3)
        start = time.perf_counter()
        assert slow.recv(1) == b"" and time.perf_counter() - start < 2
        slow.close()
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/nothing", timeout=5) as r:
            pass
    assert stats.open == 0


def test_a_client_that_does_not_read_the_answer_cannot_hold_the_worker():
    """One worker; a client asks for a large answer and never reads it: cut off after --request-timeout, and the
    next scrape is answered."""
    from prometheus_client import CollectorRegistry, make_wsgi_app

    from milvus_tls_check.exporter import BoundedServer, FleetCollector, ServerStats
    from milvus_tls_check.render.prometheus import Family

    stats = ServerStats()
    collector = FleetCollector(stats)
    samples = tuple(((("target", f"t{i:06d}-" + "x" * 40), ("mode", "1"), ("client", "static")), 1.0)
                    for i in range(60000))
    collector.update([Family("milvus_tls_check_success", "gauge", "ok", samples)], 0.1)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    with BoundedServer(make_wsgi_app(registry), "127.0.0.1", 0, max_connections=8, request_timeout=1.0,
                       workers=1, stats=stats) as server:
        stuck = socket.socket()
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stuck.connect(("127.0.0.1", server.server_port))
        stuck.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")   # ~6 MB answer, never read
        time.sleep(0.5)
        got, seconds = _scrape(server.server_port)
        assert len(got["milvus_tls_check_success"]) == 60000 and seconds < 4, seconds
        assert stats.timed_out >= 1
        stuck.close()
