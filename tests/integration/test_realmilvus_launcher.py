"""Self-test of the real-Milvus launcher: mode 0 starts, a real pymilvus connects, it stops."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("milvus")
pytest.importorskip("pymilvus")

try:
    from milvus_tls_lab.realmilvus import milvus_processes, pymilvus_connect, running_milvus
except ImportError:  # tests/ not importable as a package from this rootdir
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from milvus_tls_lab.realmilvus import milvus_processes, pymilvus_connect, running_milvus

pytestmark = pytest.mark.integration


def test_mode0_start_connect_stop(tmp_path: Path) -> None:
    with running_milvus(tmp_path, tls_mode=0, start_timeout=90) as m:
        assert m.started, f"milvus exited at start with {m.exit_code}; logs in {m.log_dir}"
        assert m.uri_plain == f"http://127.0.0.1:{m.port}"
        out = pymilvus_connect(m.uri_plain, timeout=10)
        assert out.ok, (out.error, out.stderr[-2000:])
        assert "v2.3" in out.result
        pid = m.pid
    assert pid not in milvus_processes()


def test_bad_server_key_reports_not_started(tmp_path: Path) -> None:
    """A server whose key file is missing exits at start; the launcher says so quickly."""
    pem = tmp_path / "server.pem"
    pem.write_text("not a certificate\n")
    with running_milvus(
        tmp_path, tls_mode=1, server_pem=pem, server_key=tmp_path / "missing.key", start_timeout=60
    ) as m:
        assert not m.started
        assert m.exit_code is not None
