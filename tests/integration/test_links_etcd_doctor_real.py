"""Issue #21, the etcd link end to end: for every etcd case of the lab (docs/links.md: good, by IP, wrong CA, no
client pair, untrusted client certificate, etcd without client-cert-auth, name not in the SAN, ssl off vs a TLS
etcd, ssl on vs a plaintext etcd, tlsMinVersion 1.3 vs a TLS 1.2-only etcd, 1.2 vs the same), one real etcd (and
the real nginx TLS 1.2 terminator) is started, then

- the doctor judges a milvus.yaml with exactly the etcd.* settings Milvus gets, with --probe-links against that
  live etcd (real Go crypto/tls of the 2.3 line), and
- real Milvus 2.3.5 (PyPI, etcd.use.embed false) is started against the same etcd with the same settings;

the doctor's link verdict must be what Milvus did (up: pass; down: fail, with the code that names the cause).
Every server is stopped (checked); loopback only; nothing is skipped (MILVUS_TLS_REQUIRE_REAL=1 does not skip)."""
from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from milvus_tls_lab.links import (CASES, ensure_etcd, make_material, milvus_against_etcd, running_etcd,  # noqa: E402
                                  tls12_terminator)
from milvus_tls_check.cli import main as doctor_main  # noqa: E402

pytestmark = pytest.mark.integration

# case -> (the doctor's link verdict, the code it names): what real Milvus 2.3.5 did is the case's expect_up
EXPECTED = {
    "good": ("pass", ()),
    "good-ip": ("pass", ()),
    "wrong-ca": ("fail", ("etcd.server_untrusted",)),
    "no-client-cert": ("fail", ("etcd.client_pair_unusable",)),
    "untrusted-client-cert": ("fail", ("etcd.client_cert_untrusted",)),
    "no-client-auth-etcd": ("pass", ()),
    "wrong-san": ("fail", ("etcd.name_mismatch",)),
    "ssl-off-vs-tls": ("fail", ("etcd.ssl_off_tls_server",)),
    "ssl-on-vs-plain": ("fail", ("etcd.ssl_on_plain_server",)),
    "min13-vs-tls12": ("fail", ("etcd.min_version_too_high",)),
    "min12-vs-tls12": ("pass", ()),
}
# what the PyPI 2.3.5 template leaves in etcd.ssl.* when a case does not set it (the "no client pair" case)
TEMPLATE = {"etcd.ssl.tlsCert": "/path/to/etcd-client.pem", "etcd.ssl.tlsKey": "/path/to/etcd-client-key.pem",
            "etcd.ssl.tlsCACert": "/path/to/etcd-ca.pem"}


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
    ensure_etcd()
    return make_material(tmp_path_factory.mktemp("etcd-link-tls"))


def _milvus_yaml(path: Path, endpoint: str, ssl_cfg) -> Path:
    settings = {"etcd.endpoints": endpoint}
    if ssl_cfg is not None:
        settings.update(ssl_cfg.settings())
        if ssl_cfg.enabled:
            for key, value in TEMPLATE.items():
                settings.setdefault(key, value)
    lines = [f"{k}: {json.dumps(v)}" for k, v in settings.items()]   # dotted flat keys, as Milvus reads them
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _doctor_link(yaml_path: Path, out: Path) -> tuple[int, dict]:
    code = doctor_main(["doctor", "--milvus-yaml", str(yaml_path), "--probe-links", "--milvus-version", "2.3.5",
                        "--timeout", "5", "--format", "json", "--output", str(out)])
    report = json.loads(out.read_text())
    return code, next(link for link in report["links"] if link["kind"] == "milvus-etcd")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_doctor_link_verdict_is_what_real_milvus_did(case, material, tmp_path):
    m = material
    side = case.etcd
    cert, key = (m.wrong_san_pem, m.wrong_san_key) if side.wrong_san else (m.server_pem, m.server_key)
    pids = []
    with contextlib.ExitStack() as stack:
        etcd = stack.enter_context(running_etcd(
            tmp_path, cert=cert if side.tls else None, key=key if side.tls else None, ca=m.ca,
            client_cert_auth=side.client_cert_auth, ready_client=(m.client_pem, m.client_key),
            plain_listener=side.tls12_proxy))
        pids.append(etcd.pid)
        port = etcd.port
        if side.tls12_proxy:
            proxy = stack.enter_context(tls12_terminator(tmp_path, etcd.plain_port, m.server_pem, m.server_key,
                                                         client_ca=m.ca if side.client_cert_auth else None))
            port = proxy.port
        endpoint = f"{case.host}:{port}"
        ssl_cfg = case.milvus_ssl(m)
        exit_code, link = _doctor_link(_milvus_yaml(tmp_path / "milvus.yaml", endpoint, ssl_cfg),
                                       tmp_path / "report.json")
        outcome = milvus_against_etcd(tmp_path, endpoint, ssl_cfg, timeout=60, settle=8)
        pids.append(outcome.pid)
    verdict, codes = EXPECTED[case.name]
    # what real Milvus did is what the case recorded (docs/links.md) ...
    assert outcome.up is case.expect_up, (outcome.reason, outcome.log_lines)
    # ... and the doctor says the same, decided by real Go (not the model), with the code that names the cause
    assert (link["verdict"] == "pass") is outcome.up, link
    assert (link["verdict"], tuple(link["codes"])) == (verdict, codes), link
    assert link["modelled"] is False and "real Go go1.21" in link["decided_by"], link
    assert exit_code == (0 if outcome.up else 1)
    for pid in pids:
        assert not _alive(pid), f"pid {pid} still running after case {case.name}"
