"""Issue #21, the object-storage link end to end: for the lab's cases (docs/links.md part 3: good, SSL_CERT_FILE
only, CA not trusted, useSSL false vs the TLS port, useSSL true vs the plaintext port, name mismatch, tlsCACert on
2.3.5, port in minio.address), one real S3 (moto) behind one real nginx (TLS + plaintext listeners) is started, then

- the doctor judges a Compose file that describes exactly what Milvus gets: milvus.yaml with Milvus's minio.*
  settings, the bundle mounted over /etc/ssl/certs/ca-certificates.crt (the lab's own mount namespace), the CA
  file and SSL_CERT_FILE, and the very nginx conf and certificate the running nginx uses (network_mode host, so
  Milvus dials it as localhost), statically (--no-handshake);
- the doctor judges the same file without the nginx service (statically incomplete) with --probe-links: real Go
  crypto/tls (handshake/s3probe) and OpenSSL with the bundle only dial the running nginx; and
- real Milvus 2.3.5 (PyPI) is started once against the same nginx with the same settings;

the doctor's link verdict must be what Milvus did (up: pass; down or writes only: fail, with the code that names
the cause). Every server is stopped (checked); loopback only."""
from __future__ import annotations

import json
import os
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
from milvus_tls_lab.links import nginx_binary  # noqa: E402
from milvus_tls_lab.objectstore import (S3_CASES, S3Settings, bundle_with, can_private_mount,  # noqa: E402
                                        make_s3_material, milvus_against_s3, result, running_s3)

pytestmark = pytest.mark.integration

# case -> (the doctor's link verdict, its codes); what real Milvus 2.3.5 did is the case's `expect`
EXPECTED = {
    "good": ("pass", ()),
    "ssl-cert-file": ("fail", ("objectstore.querynode_untrusted",)),
    "ca-not-trusted": ("fail", ("objectstore.server_untrusted",)),
    "ssl-off-vs-tls": ("fail", ("objectstore.ssl_off_tls_server",)),
    "ssl-on-vs-plain": ("fail", ("objectstore.ssl_on_plain_server",)),
    "wrong-san": ("fail", ("objectstore.name_mismatch",)),
    "tlscacert-on-235": ("fail", ("objectstore.tls_ca_cert_ignored", "objectstore.server_untrusted")),
    "port-in-address": ("pass", ()),
}
CASES = [c for c in S3_CASES if c.name in EXPECTED]
CA_IN_CONTAINER = "/milvus/tls/s3-ca.pem"


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
def material(tmp_path_factory):
    if nginx_binary() is None:
        pytest.skip("nginx is not installed (.ci/run installs nginx-light)")
    return make_s3_material(tmp_path_factory.mktemp("s3-link-tls"))


def _compose(tmp: Path, s3, case, settings: S3Settings, m, bundle) -> Path:
    """What Milvus gets, as a Compose file: its milvus.yaml, its trust files, and the running nginx's conf."""
    yaml = {k: v for k, v in settings.settings().items() if k != "minio.secretAccessKey"}
    if case.tls_ca_cert:
        yaml["minio.ssl.tlsCACert"] = CA_IN_CONTAINER
    (tmp / "milvus.yaml").write_text("\n".join(f"{k}: {json.dumps(v)}" for k, v in yaml.items()) + "\n")
    volumes = ["./milvus.yaml:/milvus/configs/milvus.yaml", f"{m.ca}:{CA_IN_CONTAINER}:ro"]
    if bundle is not None:
        volumes.append(f"{bundle}:/etc/ssl/certs/ca-certificates.crt:ro")
    milvus = {"image": "milvusdb/milvus:v2.3.5", "command": ["milvus", "run", "standalone"],
              "network_mode": "host", "volumes": volumes}
    if case.trust == "env":
        milvus["environment"] = {"SSL_CERT_FILE": CA_IN_CONTAINER}
    conf = s3.nginx_access_log.parent.parent / "nginx.conf"
    cert_dir = Path(m.server_pem).parent
    services = {"standalone": milvus,
                "s3": {"image": "nginx:1.22", "network_mode": "host",
                       "volumes": [f"{conf}:/etc/nginx/nginx.conf:ro", f"{cert_dir}:{cert_dir}:ro"]}}
    (tmp / "docker-compose.yml").write_text(json.dumps({"services": services}))
    return tmp / "docker-compose.yml"


def _doctor_link(compose: Path, out: Path, *extra: str) -> tuple[int, dict]:
    code = doctor_main(["doctor", "--compose", str(compose), "--milvus-version", "2.3.5", "--format", "json",
                        "--output", str(out), *(extra or ("--no-handshake",))])
    return code, next(link for link in json.loads(out.read_text())["links"] if link["kind"] == "milvus-objectstore")


def _without_s3_service(compose: Path) -> Path:
    """The same deployment without the nginx service: statically incomplete, so --probe-links decides."""
    data = json.loads(compose.read_text())
    del data["services"]["s3"]
    out = compose.with_name("docker-compose-no-s3.yml")
    out.write_text(json.dumps(data))
    return out


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_doctor_link_verdict_is_what_real_milvus_did(case, material, tmp_path):
    m = material
    if case.trust == "bundle" and not can_private_mount():
        pytest.skip("needs `unshare --mount` and a bind mount (root) to give Milvus a bundle with the lab CA")
    bundle = bundle_with(m.ca, tmp_path / "bundle-with-lab-ca.crt") if case.trust == "bundle" else None
    cert, key = (m.wrong_san_pem, m.wrong_san_key) if case.wrong_san else (m.server_pem, m.server_key)
    with running_s3(tmp_path, cert, key) as s3:
        port = s3.tls_port if case.listener == "tls" else s3.plain_port
        address = case.host
        if case.port_in_address:
            address = f"{case.host}:{s3.tls_port if case.port_in_address == 'tls' else s3.plain_port}"
        settings = S3Settings(address, port, case.use_ssl, tls_ca_cert=m.ca if case.tls_ca_cert else None,
                              root_path=f"doctor-{case.name}-{int(time.time())}")
        compose = _compose(tmp_path, s3, case, settings, m, bundle)
        exit_code, link = _doctor_link(compose, tmp_path / "report.json")
        probe_exit, probed = _doctor_link(_without_s3_service(compose), tmp_path / "probed.json", "--probe-links",
                                          "--timeout", "5")
        outcome = milvus_against_s3(tmp_path, settings, ca_env=m.ca if case.trust == "env" else None, bundle=bundle,
                                    timeout=90, settle=15, flush_timeout=45, load=True)
        pids = [s3.moto_pid, s3.nginx_pid, outcome.pid]
    did = result(outcome.stages, outcome.up, True)
    verdict, codes = EXPECTED[case.name]
    # what real Milvus did is what the lab recorded (docs/links.md part 3) ...
    assert did == case.expect, (outcome.reason, outcome.stages, outcome.log_lines)
    # ... and the doctor says the same, with the code that names the cause
    assert (link["verdict"] == "pass") is (did == "up"), link
    assert (link["verdict"], tuple(link["codes"])) == (verdict, codes), link
    assert exit_code == (0 if did == "up" else 1)
    # --probe-links without the S3 side in the files: real Go (minio-go's side) and OpenSSL with the bundle only
    # (the querynode's side) dial the running nginx and say the same
    assert (probed["verdict"], tuple(probed["codes"])) == (verdict, codes), probed
    assert probed["modelled"] is False and "real Go go1." in probed["decided_by"], probed
    assert probed["static"]["verdict"] == ("plaintext" if case.name == "ssl-off-vs-tls" else "incomplete"), probed
    assert probe_exit == exit_code
    for pid in pids:
        assert not _alive(pid), f"pid {pid} still running after case {case.name}"
