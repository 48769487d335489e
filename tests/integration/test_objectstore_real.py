"""Real S3 (PyPI moto[server]) behind real nginx TLS (Debian, private CA) and real Milvus 2.3.5 (PyPI's embedded
standalone, common.storageType remote, minio.*) end to end: the good link writes (flush, Go's minio-go) and reads
(load + query, the querynode's C++ client over libcurl) through TLS; broken ones stay down with the reason in
Milvus's log; and no server is left running (issue #21; docs/links.md has the whole table from
tools/observe_objectstore.py)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("milvus")
pytest.importorskip("pymilvus")
pytest.importorskip("moto")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from milvus_tls_lab.links import nginx_binary  # noqa: E402
from milvus_tls_lab.objectstore import S3_CASES, can_private_mount, make_s3_material, run_s3_case  # noqa: E402

pytestmark = pytest.mark.integration

BY_NAME = {c.name: c for c in S3_CASES}


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
    if nginx_binary() is None:
        pytest.skip("nginx is not installed (.ci/run installs nginx-light)")
    return make_s3_material(tmp_path_factory.mktemp("s3-tls"))


@pytest.fixture
def observe(material, tmp_path):
    """Run one case (moto + nginx and one Milvus, all stopped before it returns); after the test, none may be
    alive."""
    seen: list[dict] = []

    def run(name: str, **kw) -> dict:
        case = BY_NAME[name]
        if case.trust == "bundle" and not can_private_mount():
            pytest.skip("needs `unshare --mount` and a bind mount (root) to give Milvus a bundle with the lab CA")
        r = run_s3_case(case, material, tmp_path / name, timeout=kw.get("timeout", 60), settle=kw.get("settle", 15),
                        flush_timeout=kw.get("flush_timeout", 45), load=kw.get("load", True))
        seen.append(r)
        return r

    yield run
    for r in seen:
        for what, pid in r["pids"].items():
            assert not _alive(pid), f"{what} (pid {pid}) still running after case {r['case']}"


def test_good_link_writes_and_reads_through_tls(observe):
    r = observe("good")
    assert r["result"] == "up", r
    assert r["version"].startswith("v2.3.5")
    assert r["stages"]["flush"]["ok"] and r["stages"]["load"]["ok"], r["stages"]
    assert r["objects_written"] > 0
    assert r["written_yaml"]["common.storageType"] == "remote"
    assert r["written_yaml"]["minio"]["useSSL"] is True
    # every request Milvus made reached moto through nginx's TLS listener
    assert any(x.startswith("access: TLS port, TLSv1.3: PUT") for x in r["nginx_log"]), r["nginx_log"]
    assert not any("SSL_do_handshake" in x for x in r["nginx_log"]), r["nginx_log"]


def test_ssl_cert_file_alone_lets_writes_through_but_the_querynode_panics(observe):
    """SSL_CERT_FILE (what 2.3.12+'s minio.ssl.tlsCACert sets) reaches Go's minio-go, not the C++ client."""
    r = observe("ssl-cert-file")
    assert r["result"] == "writes only", r
    assert r["stages"]["flush"]["ok"], r["stages"]
    assert not r["stages"]["load"]["ok"], r["stages"]
    log = "\n".join(r["milvus_log"])
    assert "curlCode: 60" in log and "precheck chunk manager client failed" in log, r["milvus_log"]
    assert r["exit_code"] is not None and r["exit_code"] != 0, r
    assert any("unknown ca" in x for x in r["nginx_log"]), r["nginx_log"]


def test_private_ca_not_trusted_stays_down_with_unknown_authority(observe):
    r = observe("ca-not-trusted")
    assert r["result"] == "down", r
    assert not r["stages"].get("flush", {}).get("ok"), r["stages"]
    assert any("x509: certificate signed by unknown authority" in x for x in r["milvus_log"]), r["milvus_log"]
    assert r["objects_written"] == 0


def test_use_ssl_false_against_the_tls_listener_stays_down(observe):
    r = observe("ssl-off-vs-tls")
    assert r["result"] == "down", r
    assert r["objects_written"] == 0
    assert any("no TLS" in x and "400" in x for x in r["nginx_log"]), r["nginx_log"]
