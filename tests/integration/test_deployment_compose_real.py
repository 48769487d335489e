"""Issue #21, "done when" part 1: a Compose file with Milvus + etcd + MinIO, TLS on each link
(fixtures/deploy/links/), gives a TLS map whose every link's verdict is what the real components did.

For the good file and two broken variants (etcd serves a certificate without DNS:etcd; minio.useSSL false while
MinIO serves TLS):

- the doctor reads the Compose file as a user runs it (--no-handshake, and with its handshake rehearsal); and
- the same deployment runs for real on loopback (milvus_tls_lab/deployment.py): Debian's etcd 3.4 with the etcd
  service's files and --client-cert-auth, nginx with MinIO's public.crt/private.key in front of moto, PyPI's Milvus
  2.3.5 with the settings of fixtures/deploy/links/milvus.yaml, dialling the service names, the private CA as its
  system bundle. The facts of that run are stated below (DEPLOYMENTS), not taken from the doctor's reading; the
  doctor's link files are only checked to name the same files, so both sides are about one deployment.

Each link the real run reached: the doctor's verdict is pass exactly when the link worked, a fail names the cause the
real components logged, and the exit status is 0 exactly when every link worked. A link the run never reached
(object storage, when Milvus stopped at etcd) is said so and not compared. A client always tries the front door: of
a Milvus that never served it gets no answer, and the doctor's front door fails, blocked by the link that stopped
Milvus (`blocked_by`), its cause said once on that link.
Everything is stopped (pids checked); loopback only. One real run per variant (~15, ~25 and ~30 s here).
"""
from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("milvus")
pytest.importorskip("pymilvus")
pytest.importorskip("moto")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from milvus_tls_check.cli import main as doctor_main  # noqa: E402
from milvus_tls_lab.deployment import (ETCD_LINK, FRONT_DOOR, OBJECTSTORE_LINK, Deployment, EtcdService,  # noqa: E402
                                       FrontDoorClient, MilvusService, MinioService, run_deployment)
from milvus_tls_lab.links import EtcdSSL, ensure_etcd, nginx_binary  # noqa: E402
from milvus_tls_lab.objectstore import can_private_mount  # noqa: E402

pytestmark = pytest.mark.integration

LINKS = ROOT / "fixtures" / "deploy" / "links"
KINDS = (FRONT_DOOR, ETCD_LINK, OBJECTSTORE_LINK)


def _deployment(name: str, etcd_tls: str = "etcd-tls", minio_use_ssl: bool = True) -> Deployment:
    """What fixtures/deploy/links/ describes, written out by hand: the services' names and files, milvus.yaml's
    settings, the bundle mounted over the image's, and the client call the doctor judges for tlsMode 1."""
    tls, etcd = LINKS / "tls", LINKS / etcd_tls
    return Deployment(
        name,
        EtcdService("etcd", etcd / "etcd.pem", etcd / "etcd.key", etcd / "ca.pem", client_cert_auth=True),
        MinioService("minio", LINKS / "minio-certs" / "public.crt", LINKS / "minio-certs" / "private.key"),
        MilvusService(EtcdSSL(True, tls / "client.pem", tls / "client.key", tls / "ca.pem", "1.3"),
                      minio_use_ssl=minio_use_ssl, tls_mode=1, server_pem=tls / "server.pem", server_key=tls / "server.key",
                      ca_pem=tls / "ca.pem", system_bundle=LINKS / "ca-bundle" / "ca-certificates.crt"),
        FrontDoorClient("localhost", server_name="localhost", server_pem_path=tls / "server.pem"))


@dataclasses.dataclass(frozen=True)
class Variant:
    compose: str
    deployment: Deployment
    not_reached: tuple[str, ...]          # links the real run cannot reach, and so does not compare
    cause: dict                           # code the doctor names -> what the real components logged for it
    blocked_by: tuple[str, ...] = ()      # the link whose failure keeps Milvus from serving its clients


VARIANTS = [
    Variant("docker-compose.yml", _deployment("good"), (), {}),
    # etcd refuses nothing, Milvus refuses etcd's certificate and retries forever (2.3.5): it never serves clients
    # and never gets as far as object storage
    Variant("docker-compose-etcd-wrong-name.yml", _deployment("etcd-wrong-name", "etcd-tls-wrong-name"),
            (OBJECTSTORE_LINK,), {"etcd.name_mismatch": "certificate is valid for localhost, not etcd"}, (ETCD_LINK,)),
    # Milvus writes to etcd, then datacoord's bucket check gets nginx's answer to plain HTTP on its TLS port (a real
    # MinIO answers "Client sent an HTTP request to an HTTPS server", milvus#28032) until 2.3.5 panics; no client
    # is served before that
    Variant("docker-compose-minio-ssl-off.yml", _deployment("minio-ssl-off", minio_use_ssl=False), (),
            {"objectstore.ssl_off_tls_server": "The plain HTTP request was sent to HTTPS port"}, (OBJECTSTORE_LINK,)),
]


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


@pytest.fixture(scope="module", autouse=True)
def real_components():
    ensure_etcd()
    if nginx_binary() is None:
        pytest.skip("nginx is not installed (.ci/run installs nginx-light)")
    if not can_private_mount():
        pytest.skip("needs `unshare --mount` and bind mounts (root) to give Milvus the deployment's hosts and bundle")


def _doctor(compose: Path, out: Path, *extra: str) -> tuple[int, dict]:
    code = doctor_main(["doctor", "--compose", str(compose), "--format", "json", "--output", str(out), *extra])
    return code, {link["kind"]: link for link in json.loads(out.read_text())["links"]}


def _files(link: dict) -> dict:
    return {f["role"]: f["host"] for f in link["files"]}


def _settings(link: dict) -> dict:
    return {s["key"]: s["value"] for s in link["settings"]}


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.compose for v in VARIANTS])
def test_tls_map_is_what_the_real_deployment_did(variant, tmp_path):
    compose = LINKS / variant.compose
    exit_static, static = _doctor(compose, tmp_path / "static.json", "--no-handshake")
    exit_code, links = _doctor(compose, tmp_path / "report.json")
    assert set(links) == set(KINDS), links.keys()
    assert (exit_static, {k: (v["verdict"], v["codes"]) for k, v in static.items()}) == \
        (exit_code, {k: (v["verdict"], v["codes"]) for k, v in links.items()}), "the rehearsal changed the map"
    # the doctor read the files this test runs the deployment with
    dep = variant.deployment
    assert _files(links[ETCD_LINK])["etcd --cert-file"] == str(dep.etcd.cert)
    assert _files(links[ETCD_LINK])["etcd.ssl.tlsCert"] == str(dep.milvus.etcd_ssl.tls_cert)
    assert _files(links[OBJECTSTORE_LINK])["minio public.crt"] == str(dep.minio.public_crt)
    assert _files(links[OBJECTSTORE_LINK])["/etc/ssl/certs/ca-certificates.crt"] == str(dep.milvus.system_bundle)
    assert _settings(links[OBJECTSTORE_LINK])["minio.useSSL"] == str(dep.milvus.minio_use_ssl).lower()
    assert _settings(links[ETCD_LINK])["etcd.ssl.enabled"] == str(dep.milvus.etcd_ssl.enabled).lower()

    run = run_deployment(tmp_path / "run", dep, start_timeout=120, etcd_settle=15)
    for pid in run.pids.values():
        assert not _alive(pid), f"pid {pid} still running after {variant.compose}"
    table = {o.kind: (links[o.kind]["verdict"], o.ran, o.up, o.evidence) for o in run.links}
    not_reached = tuple(k for k in KINDS if not run.link(k).ran)
    # the links the real run could not reach (Milvus never came up) are not compared: said here, not skipped
    assert not_reached == variant.not_reached, table
    for kind in KINDS:
        if kind in not_reached:
            continue
        seen, said = run.link(kind), links[kind]
        assert (said["verdict"] == "pass") is seen.up, (kind, said, seen)
        assert said["verdict"] in ("pass", "fail"), said      # a link both sides saw is judged, never incomplete
        for code in said["codes"]:
            assert variant.cause[code] in seen.evidence, (kind, code, seen.evidence)
    assert sorted(c for k in KINDS for c in links[k]["codes"]) == sorted(variant.cause), table
    # a client of a Milvus that never served: the front door fails, pointing at the link that stopped Milvus
    assert tuple(links[FRONT_DOOR].get("blocked_by", ())) == variant.blocked_by, links[FRONT_DOOR]
    every_link_worked = not not_reached and all(o.up for o in run.links)
    assert exit_code == (0 if every_link_worked else 1), table
