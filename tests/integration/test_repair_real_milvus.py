"""Issue 19: a set `milvus-tls repair` repaired works with REAL Milvus 2.3.5 (PyPI's embedded server, Go) and a REAL
pymilvus client in tlsMode 2, where the broken original did not (negative control on the same server build)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("milvus")
pytest.importorskip("pymilvus")

from milvus_tls_lab.realmilvus import milvus_tls_log_lines, pymilvus_connect, running_milvus  # noqa: E402

pytestmark = pytest.mark.integration


def _mutual(d: Path) -> dict:
    return {"client_pem_path": str(d / "client.pem"), "client_key_path": str(d / "client.key"),
            "ca_pem_path": str(d / "ca.pem"), "server_name": "localhost"}


@pytest.mark.parametrize("name", ["client-without-clientauth", "name-missing"])
def test_repaired_set_connects_to_real_milvus_in_mode_2(repair_sets: Path, tmp_path: Path, name: str) -> None:
    broken, fixed = repair_sets / name, tmp_path / "fixed"
    with running_milvus(tmp_path / "run-broken", tls_mode=2, server_pem=broken / "server.pem",
                        server_key=broken / "server.key", ca_pem=broken / "ca.pem", name=f"broken-{name}") as m:
        assert m.started, milvus_tls_log_lines(m.log_text())
        assert not pymilvus_connect(m.uri_tls, timeout=10, **_mutual(broken)).ok   # the cause the doctor named
    proc = subprocess.run([sys.executable, "-m", "milvus_tls_check", "repair", "--dir", str(broken), "--out",
                           str(fixed), "--tls-mode", "2"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]
    with running_milvus(tmp_path / "run-fixed", tls_mode=2, server_pem=fixed / "server.pem",
                        server_key=fixed / "server.key", ca_pem=fixed / "ca.pem", name=f"repaired-{name}") as m:
        assert m.started, milvus_tls_log_lines(m.log_text())
        out = pymilvus_connect(m.uri_tls, timeout=15, **_mutual(fixed))
        assert out.ok, f"{out.error} / {milvus_tls_log_lines(m.log_text())}"
