"""Kubernetes links end to end: for the Helm values (fixtures/deploy/links/helm/values.yaml) and each Milvus Operator
CR (fixtures/deploy/links/operator/milvus.yaml and the dependencies.storage.ssl trap,
milvus-storage-ssl-only.yaml), with the services those files name (etcd.milvus-deps.svc:2379,
s3.milvus-deps.svc:443) run for real on loopback:

- a REAL etcd (Debian's etcd-server) with the fixture's etcd server certificate and --client-cert-auth, and a REAL
  S3 (moto) behind a REAL nginx with the fixture's S3 certificate, once for the module;
- the doctor reads the file (--k8s, with secrets.yaml) with --probe-links and --connect-to mapping each name the
  deployment gives to the loopback port it runs on: real Go crypto/tls (and OpenSSL for the querynode) dial them
  under the deployment's own names;
- REAL Milvus 2.3.5 (PyPI) runs once per file with the settings the chart or the operator renders, written here by
  hand from their sources (docs/links.md part 6), not from the doctor's reading: in its own mount namespace with
  /etc/hosts mapping both names to 127.0.0.1 and the fixture's bundle (the ConfigMap's ca-certificates.crt) as its
  system bundle, so it reaches the same servers under the same names. The only change from what the chart renders is
  each port, the lab's loopback port instead of 2379/443.

Each link verdict in the doctor's JSON must be what real Milvus did (etcd: Milvus's etcd client made KV calls that etcd
answered OK over mutual TLS; object storage: create/insert/flush and index/load/query as milvus_against_s3's workload;
the trap: Milvus sends plain HTTP to the TLS port and goes down), and the doctor's exit status must follow
(0: Milvus up; 1: down). Every server is stopped (checked); loopback only."""
from __future__ import annotations

import json
import os
import socket
import ssl
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("milvus")
pytest.importorskip("pymilvus")
pytest.importorskip("moto")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from milvus_tls_check.cli import main as doctor_main  # noqa: E402
from milvus_tls_lab.links import etcd_binary, nginx_binary, running_etcd  # noqa: E402
from milvus_tls_lab.objectstore import (S3Settings, can_private_mount, create_bucket, milvus_against_s3,  # noqa: E402
                                        result, running_s3)

pytestmark = pytest.mark.integration

LINKS = ROOT / "fixtures" / "deploy" / "links"
TLS = LINKS / "helm" / "tls"
ETCD_NAME, S3_NAME, BUCKET = "etcd.milvus-deps.svc", "s3.milvus-deps.svc", "milvus-bucket"


def _alive(pid) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    if nginx_binary() is None:
        pytest.skip("nginx is not installed (.ci/run installs nginx-light)")
    if not can_private_mount():
        pytest.skip("needs `unshare --mount` and bind mounts (root) for Milvus's own /etc/hosts and bundle")
    tmp = tmp_path_factory.mktemp("k8s-links")
    with running_etcd(tmp, cert=TLS / "etcd-server.pem", key=TLS / "etcd-server.key", ca=TLS / "ca.pem",
                      client_cert_auth=True, ready_client=(TLS / "etcd-client.pem", TLS / "etcd-client.key")) as etcd, \
            running_s3(tmp, TLS / "s3-server.pem", TLS / "s3-server.key") as s3:
        create_bucket(s3.moto_port, BUCKET)
        yield etcd, s3
        pids = (etcd.pid, s3.moto_pid, s3.nginx_pid)
    for pid in pids:
        assert not _alive(pid), f"pid {pid} still running after the module"


def _etcd_kv_calls(etcd) -> int:
    """How many KV calls (Range, Put, Txn, ...) etcd has answered OK: its own /metrics (grpc_server_handled_total),
    read over mutual TLS with the name checked as Milvus checks it. The doctor's prober sends no RPC (an HTTP/2
    preface only), so what rises across a Milvus run is Milvus's etcd client at work. (etcd 3.4's JSON gateway
    cannot be used here: under --client-cert-auth it answers "use of closed network connection".)"""
    ctx = ssl.create_default_context(cafile=str(TLS / "ca.pem"))
    ctx.load_cert_chain(str(TLS / "etcd-client.pem"), str(TLS / "etcd-client.key"))
    with socket.create_connection(("127.0.0.1", etcd.port), timeout=5) as raw, \
            ctx.wrap_socket(raw, server_hostname=ETCD_NAME) as s:
        s.sendall(b"GET /metrics HTTP/1.0\r\nHost: " + ETCD_NAME.encode() + b"\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    total = 0
    for line in data.decode(errors="replace").splitlines():
        if (line.startswith("grpc_server_handled_total{") and 'grpc_service="etcdserverpb.KV"' in line
                and 'grpc_code="OK"' in line):
            total += int(float(line.rsplit(" ", 1)[1]))
    return total


def _rendered(etcd, s3, *, use_ssl: bool, root: str) -> tuple[S3Settings, dict]:
    """Milvus's settings as the chart (config.tpl + extraConfigFiles.user.yaml) or the operator (updateConfigMap:
    spec.config, then etcd.endpoints and minio.address/port forced from spec.dependencies) renders them from the
    fixture, by hand; the ports are the lab's. The etcd.ssl.* paths are the files the fixture's Secret holds."""
    s3_settings = S3Settings(S3_NAME, s3.tls_port, use_ssl, root_path="files")
    extra = {"etcd.use.embed": "false", "etcd.endpoints": f"{ETCD_NAME}:{etcd.port}", "etcd.rootPath": root,
             "etcd.ssl.enabled": "true", "etcd.ssl.tlsCert": str(TLS / "etcd-client.pem"),
             "etcd.ssl.tlsKey": str(TLS / "etcd-client.key"), "etcd.ssl.tlsCACert": str(TLS / "ca.pem"),
             "etcd.ssl.tlsMinVersion": "1.3", "minio.bucketName": BUCKET}
    return s3_settings, extra


# file -> (the doctor's verdict per link, its codes, the doctor's exit, Milvus's settings: minio.useSSL)
CASES = {
    "helm/values.yaml": ({"milvus-etcd": ("pass", ()), "milvus-objectstore": ("pass", ())}, 0, True),
    "operator/milvus.yaml": ({"milvus-etcd": ("pass", ()), "milvus-objectstore": ("pass", ())}, 0, True),
    # the trap: storage.ssl.enabled true, spec.config.minio.useSSL unset -> the operator writes no useSSL (false)
    "operator/milvus-storage-ssl-only.yaml": ({"milvus-etcd": ("pass", ()), "milvus-objectstore": (
        "fail", ("objectstore.operator_ssl_not_rendered",))}, 1, False),
}


@pytest.mark.parametrize("name", list(CASES))
def test_doctor_link_verdicts_are_what_real_milvus_did(name, servers, tmp_path):
    etcd, s3 = servers
    links, want_exit, use_ssl = CASES[name]
    folder = LINKS / name.split("/")[0]
    out = tmp_path / "report.json"
    exit_code = doctor_main(["doctor", "--k8s", str(LINKS / name), "--k8s", str(folder / "secrets.yaml"),
                             "--probe-links", "--connect-to", f"{ETCD_NAME}:2379:127.0.0.1:{etcd.port}",
                             "--connect-to", f"{S3_NAME}:443:127.0.0.1:{s3.tls_port}", "--timeout", "5",
                             "--format", "json", "--output", str(out)])
    report = json.loads(out.read_text())
    got = {l["kind"]: l for l in report["links"] if l["kind"] in links}

    hosts = tmp_path / "hosts"
    hosts.write_text(f"127.0.0.1 localhost {ETCD_NAME} {S3_NAME}\n::1 localhost\n")
    bundle = tmp_path / "ca-certificates.crt"   # the ConfigMap milvus-deps-ca-bundle mounted over the bundle
    bundle.write_bytes((TLS / "ca.pem").read_bytes())
    root = f"k8s-{name.replace('/', '-').replace('.', '-')}-{int(time.time())}"
    s3_settings, extra = _rendered(etcd, s3, use_ssl=use_ssl, root=root)
    mark, kv_before = s3.marks(), _etcd_kv_calls(etcd)
    outcome = milvus_against_s3(tmp_path, s3_settings, bundle=bundle, hosts=hosts, extra=extra, timeout=90,
                                settle=40, flush_timeout=45, load=True, load_timeout=60)
    did = result(outcome.stages, outcome.up, True)
    etcd_calls = _etcd_kv_calls(etcd) - kv_before
    access = s3.nginx_access_log.read_bytes()[mark[str(s3.nginx_access_log)]:].decode(errors="replace")

    # what real Milvus did, link by link
    real_etcd = "pass" if etcd_calls > 0 else "fail"
    real_s3 = "pass" if did == "up" else "fail"
    assert real_etcd == "pass", (etcd_calls, outcome.reason, outcome.log_lines)
    if use_ssl:
        assert did == "up", (outcome.reason, outcome.stages, outcome.log_lines)
    else:   # the trap: Milvus sent plain HTTP to the TLS port (nginx: 400), and went down
        assert did == "down", (outcome.reason, outcome.stages)
        assert any(line.startswith(f"{s3.tls_port} - ") and line.rstrip().endswith(" 400")
                   for line in access.splitlines()), access[-2000:]

    # the doctor says the same, with the code that names the cause, and exits accordingly
    assert got["milvus-etcd"]["verdict"] == real_etcd, got["milvus-etcd"]
    assert got["milvus-objectstore"]["verdict"] == real_s3, got["milvus-objectstore"]
    for kind, (verdict, codes) in links.items():
        assert (got[kind]["verdict"], tuple(got[kind]["codes"])) == (verdict, codes), got[kind]
        assert got[kind]["modelled"] is False and "real Go go1." in got[kind]["decided_by"], got[kind]
        # the report says the probe's TCP destination was redirected (only the destination changed)
        assert any(s["key"] == "TCP destination (--connect-to)" and s["value"].startswith("127.0.0.1:")
                   for s in got[kind]["settings"]), got[kind]["settings"]
    # a Milvus that never answered GetVersion served no client: the front door fails, pointing at the link
    served = bool((outcome.stages.get("getversion") or {}).get("ok"))
    front = next(l for l in report["links"] if l["kind"] == "client-proxy")
    assert (front["verdict"] == "fail" and front.get("blocked_by") == ["milvus-objectstore"]) is (not served), front
    assert exit_code == want_exit == (0 if did == "up" else 1)
    assert not _alive(outcome.pid), f"Milvus pid {outcome.pid} still running after {name}"
    print(json.dumps({"file": name, "doctor_exit": exit_code,
                      "links": {k: [v["verdict"], v["codes"], v.get("static", {}).get("verdict")]
                                for k, v in got.items()},
                      "milvus": {"result": did, "reason": outcome.reason, "seconds": outcome.seconds,
                                 "etcd_kv_calls": etcd_calls, "stages": outcome.stages, "lines": outcome.log_lines[:2]}}))
