"""Real etcd (Debian's etcd-server, TLS client URL, --client-cert-auth) and real Milvus 2.3.5 (PyPI's embedded
standalone, etcd.use.embed false, etcd.ssl.*) end to end: the good link comes up, broken ones stay down with the
reason in Milvus's log, and no server is left running (issue #21; docs/links.md has the whole table from
tools/observe_links.py)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("milvus")
pytest.importorskip("pymilvus")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from milvus_tls_lab.links import CASES, ensure_etcd, make_material, run_case  # noqa: E402

pytestmark = pytest.mark.integration

BY_NAME = {c.name: c for c in CASES}


def _alive(pid) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:   # a zombie is not running
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def material(tmp_path_factory):
    ensure_etcd()     # installs Debian's etcd-server when missing (.ci/run does it first)
    return make_material(tmp_path_factory.mktemp("etcd-tls"))


@pytest.fixture
def observe(material, tmp_path):
    """Run one case (one etcd, one Milvus, both stopped before it returns); after the test, neither may be alive."""
    seen: list[dict] = []

    def run(name: str, **kw) -> dict:
        r = run_case(BY_NAME[name], material, tmp_path / name, kw.get("timeout", 60), kw.get("settle", 8))
        seen.append(r)
        return r

    yield run
    for r in seen:
        for what, pid in r["pids"].items():
            assert not _alive(pid), f"{what} (pid {pid}) still running after case {r['case']}"


def test_good_link_comes_up(observe):
    r = observe("good")
    assert r["up"], r
    assert r["reason"] == "GetVersion answered" and r["version"].startswith("v2.3.5")
    assert r["etcd"]["max_tls_offered"] == "TLSv1.3"
    assert r["milvus_settings"]["etcd.ssl.enabled"] == "true"


def test_wrong_ca_stays_down_with_unknown_authority(observe):
    r = observe("wrong-ca")
    assert not r["up"], r
    assert any("x509: certificate signed by unknown authority" in line for line in r["milvus_log"]), r["milvus_log"]
    assert any("bad certificate" in line for line in r["etcd_log"]), r["etcd_log"]


def test_min_tls13_against_a_tls12_only_etcd_stays_down(observe):
    r = observe("min13-vs-tls12")
    assert not r["up"], r
    assert r["etcd"]["max_tls_offered"] == "TLSv1.2"
    assert any("protocol version" in line for line in r["milvus_log"]), r["milvus_log"]
