"""A real reverse proxy in front of a real Milvus: nginx (Debian's package) on loopback, with its own TLS
certificate, in front of PyPI's embedded Milvus 2.3.5 in tlsMode 1.

`grpc_pass grpc://` is the misconfiguration users make (nginx-ingress `backend-protocol: GRPC` in front of a TLS
Milvus): nginx speaks plaintext HTTP/2 to the TLS port, Milvus hangs up and nginx answers 502. The live probe
through nginx must name that (`net.proxy_error`), not a TLS code. `grpc_pass grpcs://` is the fix: the same probe
passes. Each nginx runs in the foreground (`daemon off; master_process off;`) in a subprocess with its own prefix,
pid file and error log under tmp_path, and is stopped by the test.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

pytest.importorskip("milvus")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from milvus_tls_check import cli  # noqa: E402
from tests.certfactory import good_set  # noqa: E402
from milvus_tls_lab.realmilvus import running_milvus  # noqa: E402

pytestmark = pytest.mark.integration

GOOD = ROOT / "fixtures" / "docs-san"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@contextmanager
def nginx_in_front(tmp: Path, backend_port: int, scheme: str, cert: Path, key: Path):
    """nginx on 127.0.0.1:<port> terminating TLS with (cert, key) and `grpc_pass scheme://127.0.0.1:backend`."""
    if NGINX is None:
        pytest.fail("nginx is not installed (.ci/run installs Debian's nginx-light)")
    prefix = tmp / f"nginx-{scheme}"
    for d in ("logs", "tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
        (prefix / d).mkdir(parents=True, exist_ok=True)
    port = _free_port()
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = prefix / "nginx.conf"
    conf.write_text(f"""{user}daemon off;
master_process off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    server {{
        listen 127.0.0.1:{port} ssl http2;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        location / {{
            grpc_pass {scheme}://127.0.0.1:{backend_port};
        }}
    }}
}}
""")
    proc = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "logs" / "error.log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while not _accepts(port):
            if proc.poll() is not None:
                pytest.fail(f"nginx exited {proc.returncode}: {proc.stderr.read().decode(errors='replace')}")
            if time.monotonic() > deadline:
                pytest.fail("nginx did not listen within 10s")
            time.sleep(0.05)
        yield port, prefix / "logs" / "error.log"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        if proc.stderr:
            proc.stderr.close()
    assert not _accepts(port), "nginx still listens after the test stopped it"


@pytest.fixture(scope="module")
def milvus_tls1(tmp_path_factory):
    base = tmp_path_factory.mktemp("milvus-nginx")
    with running_milvus(base / "m1", 1, GOOD / "server.pem", GOOD / "server.key", GOOD / "ca.pem") as m:
        assert m.started, f"Milvus did not start (exit {m.exit_code}); logs in {m.log_dir}"
        yield m


@pytest.fixture(scope="module")
def nginx_set(tmp_path_factory) -> Path:
    """nginx's own TLS material (not Milvus's): a separate CA, server cert for localhost."""
    d = tmp_path_factory.mktemp("nginx-tls")
    good_set().write(d)
    return d


def _probe(port: int, nginx_tls: Path, capsys) -> tuple[int, dict]:
    status = cli.main(["doctor", "--uri", f"https://127.0.0.1:{port}", "--tls-mode", "1",
                       "--client-server-pem", str(nginx_tls / "ca.pem"), "--server-name", "localhost",
                       "--format", "json", "--timeout", "5"])
    out, err = capsys.readouterr()
    assert out, err
    return status, json.loads(out)


def _grpcio(report: dict) -> dict:
    [hs] = [h for h in report["handshakes"] if h["client"] == "grpcio"]
    return hs


def test_grpc_pass_plaintext_to_a_tls_milvus_is_a_proxy_error(milvus_tls1, nginx_set, tmp_path, capsys):
    with nginx_in_front(tmp_path, milvus_tls1.port, "grpc", nginx_set / "server.pem", nginx_set / "server.key") \
            as (port, error_log):
        status, report = _probe(port, nginx_set, capsys)
    hs = _grpcio(report)
    assert status == 1 and report["verdict"] == "fail"
    assert hs["code"] == "net.proxy_error", hs
    assert "502" in hs["detail"]
    probe = next(h for h in report["handshakes"] if h["client"] == "ssl-probe")
    assert probe["code"] == "handshake.ok"          # the TLS part (with nginx) is fine: the doctor says where it broke
    assert "upstream" in error_log.read_text()       # nginx's side of the story


def test_grpc_pass_grpcs_passes(milvus_tls1, nginx_set, tmp_path, capsys):
    with nginx_in_front(tmp_path, milvus_tls1.port, "grpcs", nginx_set / "server.pem", nginx_set / "server.key") \
            as (port, _):
        status, report = _probe(port, nginx_set, capsys)
    hs = _grpcio(report)
    assert hs["code"] == "handshake.ok", hs
    assert status == 0 and report["verdict"] == "pass"
