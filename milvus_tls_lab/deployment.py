"""A whole Milvus deployment with TLS on each link, for real, on loopback (issue #21, "done when" part 1): a real etcd
(Debian's ``etcd-server``) serving https with ``--client-cert-auth``, a real nginx terminating TLS in front of moto
(PyPI's S3 server, standing in for MinIO, which cannot be installed here), and PyPI's embedded Milvus 2.3.5 with an
external etcd, remote storage over TLS and a TLS front door (tlsMode 1). It is what a Compose file such as
fixtures/deploy/links/docker-compose.yml runs, minus Docker:

    from milvus_tls_lab.deployment import Deployment, run_deployment

    run = run_deployment(tmp, Deployment(...))       # the caller states every fact; nothing is read from Compose
    run.link("milvus-etcd").up, run.link("milvus-objectstore").ran, ...

Each Compose service name becomes a host name only Milvus sees: Milvus runs in its own mount namespace
(``unshare --mount``, root) where a hosts file mapping the service names (``etcd``, ``minio``) to 127.0.0.1 is
bind-mounted over /etc/hosts and the deployment's system bundle over /etc/ssl/certs/ca-certificates.crt (the
Compose file mounts it there too). So Milvus dials ``etcd:<port>`` and ``minio:<port>``, and Go (etcd client,
minio-go) and the querynode's libcurl check those names against the certificates, as in the containers. Only the
ports differ from the Compose file (2379 and 9000 there, free loopback ports here): which port a TLS server listens
on plays no part in the handshake, the certificate check or the name check.

What each link did (``LinkObservation``, one per TLS-map kind):

- ``milvus-etcd``: up when keys exist under Milvus's own (fresh) etcd.rootPath after the run: Milvus is the only
  client that writes there, so it completed the TLS handshake, with its client pair, and wrote. Down otherwise, with
  Milvus's and etcd's log lines saying why.
- ``client-proxy``: when Milvus came up (healthz), a real pymilvus (subprocess) connects with the URI, server_name
  and trust file the caller names (the ones the doctor judged), lists collections and asks the version.
- ``milvus-objectstore``: when the front door let a client in, the object-storage workload of milvus_against_s3
  (create, insert, flush: minio-go writes; index, load, query: the querynode's C++ client reads) through that TLS
  front door. Down also when Milvus exited or never came up while its log showed object-storage errors.
A link the run never reached (Milvus down because etcd failed: no client ever got in, object storage was never
dialled) has ``ran`` False and says why; it is not an outcome.

Every process is stopped in ``finally`` (terminate, then kill); their pids are returned so a caller can check.
"""
from __future__ import annotations

import base64
import contextlib
import dataclasses
import json
import os
import re
import shutil
import socket
import ssl
import tempfile
import time
from pathlib import Path
from typing import Optional

from .links import EtcdSSL, _log_text, etcd_reason_lines, etcd_side_lines, running_etcd
from .objectstore import (ACCESS_KEY, BUCKET, SYSTEM_BUNDLE, S3Settings, _read_from, _run_workload, list_objects,
                          nginx_side_lines, result, running_s3, s3_reason_lines)
from .realmilvus import (HOST, _COMPONENTS_WITH_IP, _START_LOCK, _TEMPLATE_PORT_KEYS, _health_ok, _patched_template,
                         _pick_ports, _port_accepts, _shared_bin_dir, _stop_process, _write_etcd_config,
                         pymilvus_connect)

ETC_HOSTS = Path("/etc/hosts")
FRONT_DOOR, ETCD_LINK, OBJECTSTORE_LINK = "client-proxy", "milvus-etcd", "milvus-objectstore"   # the TLS map's kinds


# --------------------------------------------------------------------------- the facts a caller states


@dataclasses.dataclass(frozen=True)
class EtcdService:
    """The etcd service: its name (what etcd.endpoints names) and the files of --cert-file/--key-file/
    --trusted-ca-file."""
    name: str
    cert: Path
    key: Path
    trusted_ca: Path
    client_cert_auth: bool = True


@dataclasses.dataclass(frozen=True)
class MinioService:
    """The MinIO service: its name (minio.address) and its certs dir's public.crt/private.key, which nginx serves
    here in front of moto."""
    name: str
    public_crt: Path
    private_key: Path


@dataclasses.dataclass(frozen=True)
class MilvusService:
    """Milvus's own settings: etcd.ssl.*, minio.useSSL, the front door's tls.* and tlsMode, and the file mounted
    over its system bundle."""
    etcd_ssl: EtcdSSL
    minio_use_ssl: bool
    tls_mode: int
    server_pem: Path
    server_key: Path
    ca_pem: Path
    system_bundle: Path


@dataclasses.dataclass(frozen=True)
class FrontDoorClient:
    """How a client connects to the front door (pymilvus's MilvusClient arguments)."""
    host: str
    server_name: str
    server_pem_path: Path


@dataclasses.dataclass(frozen=True)
class Deployment:
    name: str
    etcd: EtcdService
    minio: MinioService
    milvus: MilvusService
    client: FrontDoorClient


# --------------------------------------------------------------------------- what the run saw


@dataclasses.dataclass(frozen=True)
class LinkObservation:
    kind: str                  # the TLS map's link kind
    ran: bool                  # the run reached this link
    up: Optional[bool]         # what it did (None when it did not run)
    evidence: str              # what was seen, or why it did not run


@dataclasses.dataclass(frozen=True)
class DeploymentRun:
    links: tuple[LinkObservation, ...]
    milvus_healthy: bool
    milvus_reason: str         # "healthy" | "exited N" | "etcd error in log" | "object-storage error in log" | "timeout"
    seconds: float
    milvus_log: tuple[str, ...]
    peer_log: tuple[str, ...]  # etcd's rejections, nginx's handshake failures and access counts
    git_commit: str
    pids: dict
    settings: dict             # what Milvus was given (no secret key)

    def link(self, kind: str) -> LinkObservation:
        return next(o for o in self.links if o.kind == kind)


# --------------------------------------------------------------------------- helpers


def _hosts_file(path: Path, names: tuple[str, ...]) -> Path:
    """/etc/hosts as Milvus sees it: the service names resolve to loopback, as Compose's DNS resolves them to the
    containers."""
    path.write_text(f"127.0.0.1 localhost\n::1 localhost\n127.0.0.1 {' '.join(names)}\n", encoding="utf-8")
    return path


def _own_mount_ns_launcher(data_dir: Path, binds: dict[Path, Path]) -> Path:
    """A launcher that runs data_dir/bin/milvus in its own mount namespace with each source bind-mounted over its
    target (exec all the way: the pid MilvusServer holds is Milvus's)."""
    lib = data_dir / "bin"
    mounts = " && ".join(f"mount --bind '{Path(src).resolve()}' '{target}'" for target, src in binds.items())
    launcher = data_dir / "milvus-own-mount-ns.sh"
    launcher.write_text(
        "#!/bin/sh\n"
        f"export LD_LIBRARY_PATH='{lib}'${{LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}}\n"
        f"exec unshare --mount --propagation private sh -c \"{mounts} && exec \\\"\\$@\\\"\" "
        f"sh '{lib / 'milvus'}' \"$@\"\n", encoding="utf-8")
    launcher.chmod(0o755)
    return launcher


def etcd_key_count(port: int, prefix: str, ca: Path, cert: Path, key: Path) -> int:
    """How many keys lie under ``prefix`` in the etcd on loopback:port (its v3 JSON gateway, over TLS with a client
    pair it trusts; the lab's own read, not Milvus's)."""
    ctx = ssl.create_default_context(cafile=str(ca))
    ctx.check_hostname = False        # the lab dials 127.0.0.1; Milvus's name check is what the run observes
    ctx.load_cert_chain(str(cert), str(key))
    raw = prefix.encode()
    end = raw[:-1] + bytes([raw[-1] + 1])
    body = json.dumps({"key": base64.b64encode(raw).decode(), "range_end": base64.b64encode(end).decode(),
                       "count_only": True}).encode()
    request = (f"POST /v3/kv/range HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
    with socket.create_connection((HOST, port), timeout=5) as sock, ctx.wrap_socket(sock) as tls:
        tls.sendall(request)
        answer = b""
        while chunk := tls.recv(65536):
            answer += chunk
    head, _, payload = answer.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0]
    if b" 200 " not in status:
        raise RuntimeError(f"etcd range answered {status!r}")
    if b"transfer-encoding: chunked" in head.lower():
        payload = b"".join(payload.split(b"\r\n")[1::2])
    return int(json.loads(payload).get("count", 0))


# --------------------------------------------------------------------------- the run


def run_deployment(base_dir: Path, dep: Deployment, *, start_timeout: float = 120, etcd_settle: float = 15,
                   s3_settle: float = 20, flush_timeout: float = 45, load_timeout: float = 60) -> DeploymentRun:
    """Start etcd, nginx+moto and Milvus as ``dep`` says, observe each link, stop everything. Milvus is "healthy" when
    its proxy port accepts and /healthz says OK; it is given up on ``etcd_settle`` s after the first etcd error in
    its log (2.3.5 retries a failing etcd forever), ``s3_settle`` s after the first object-storage error, or at
    ``start_timeout``."""
    import milvus as milvus_pkg  # noqa: PLC0415
    from milvus import MilvusServer, MilvusServerConfig  # noqa: PLC0415

    base_dir = Path(base_dir)
    base_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    m = dep.milvus
    client_pair = (m.etcd_ssl.tls_cert, m.etcd_ssl.tls_key)
    pids: dict = {}
    with contextlib.ExitStack() as stack:
        etcd = stack.enter_context(running_etcd(base_dir, cert=dep.etcd.cert, key=dep.etcd.key,
                                                ca=dep.etcd.trusted_ca, client_cert_auth=dep.etcd.client_cert_auth,
                                                ready_client=client_pair))
        s3 = stack.enter_context(running_s3(base_dir, dep.minio.public_crt, dep.minio.private_key))
        pids.update(etcd=etcd.pid, moto=s3.moto_pid, nginx=s3.nginx_pid)
        etcd_mark, s3_marks = len(etcd.log_text()), s3.marks()

        data_dir = Path(tempfile.mkdtemp(prefix=f"milvus-{dep.name}-", dir=base_dir))
        (data_dir / "bin").symlink_to(_shared_bin_dir(), target_is_directory=True)
        (data_dir / "configs").mkdir()
        ports = _pick_ports(len(_TEMPLATE_PORT_KEYS) + 2)
        port_map = dict(zip(_TEMPLATE_PORT_KEYS, ports))
        etcd_cfg = data_dir / "configs" / "embedEtcd.yaml"      # unused with embed false; keeps the template whole
        _write_etcd_config(etcd_cfg, port_map["etcd_port"], ports[-2])
        cfg = MilvusServerConfig(data_dir=str(data_dir), template=str(_patched_template(
            data_dir / "configs" / "milvus.yaml.template")), **port_map)
        cfg.glog_conf_file = str(Path(milvus_pkg.__file__).parent / "data" / "glog.conf")
        cfg.set("etcd_config_path", str(etcd_cfg))
        cfg.set("tls_mode", int(m.tls_mode))
        for item, path in (("server_pem_path", m.server_pem), ("server_key_path", m.server_key),
                           ("ca_pem_path", m.ca_pem)):
            cfg.set(item, str(Path(path).resolve()))
        root = f"lab-{dep.name}-{data_dir.name.rsplit('-', 1)[-1]}"    # fresh per run: etcd keys and S3 objects
        settings = {"etcd.use.embed": "false", "etcd.endpoints": f"{dep.etcd.name}:{etcd.port}",
                    "etcd.rootPath": root, **m.etcd_ssl.settings(),
                    **S3Settings(dep.minio.name, s3.tls_port, m.minio_use_ssl, root_path=root).settings(),
                    "grpc.log.level": "INFO"}     # Go's reason for a refused client handshake goes to the log
        for comp in _COMPONENTS_WITH_IP:
            cfg.set(f"{comp}.ip", HOST)
        for k, v in settings.items():
            cfg.set(k, v)
        server = MilvusServer(cfg, wait_for_started=False)
        server.webservice_port = ports[-1]
        hosts = _hosts_file(data_dir / "hosts", (dep.etcd.name, dep.minio.name))
        launcher = _own_mount_ns_launcher(data_dir, {ETC_HOSTS: hosts, SYSTEM_BUNDLE: m.system_bundle})
        server.get_milvus_executable_path = lambda: str(launcher)   # type: ignore[method-assign]

        proc = None
        healthy, reason = False, "timeout"
        front = objectstore = None
        log_dir = data_dir / "logs"
        try:
            with _START_LOCK:     # MilvusServer.start copies os.environ: no SSL_CERT_FILE/DIR of ours reaches Milvus
                saved = {k: os.environ.pop(k) for k in ("SSL_CERT_FILE", "SSL_CERT_DIR") if k in os.environ}
                try:
                    server.start()
                finally:
                    os.environ.update(saved)
            proc = server.server_proc
            pids["milvus"] = proc.pid
            etcd_error_at = s3_error_at = None
            while True:
                code = proc.poll()
                if code is not None:
                    reason = f"exited {code}"
                    break
                if _port_accepts(server.listen_port) and _health_ok(server.webservice_port):
                    healthy, reason = True, "healthy"
                    break
                now, log = time.monotonic(), _log_text(log_dir)
                if etcd_error_at is None and etcd_reason_lines(log, limit=1):
                    etcd_error_at = now
                if s3_error_at is None and s3_reason_lines(log, limit=1):
                    s3_error_at = now
                if etcd_error_at is not None and now - etcd_error_at > etcd_settle:
                    reason = "etcd error in log"
                    break
                if s3_error_at is not None and now - s3_error_at > s3_settle:
                    reason = "object-storage error in log"
                    break
                if now - t0 > start_timeout:
                    break
                time.sleep(0.5)
            # the client always tries, as an application does: against a Milvus that never served it meets no answer
            c = dep.client
            uri = f"https://{c.host}:{server.listen_port}"
            kwargs = {"server_pem_path": str(Path(c.server_pem_path).resolve()), "server_name": c.server_name}
            front = pymilvus_connect(uri, timeout=10 if healthy else 5, **kwargs)
            if healthy:
                if front.ok:
                    objectstore = _run_workload(int(server.listen_port), flush_timeout=flush_timeout, load=True,
                                                load_timeout=load_timeout, uri=uri, client_kwargs=kwargs)
        finally:
            if proc is None:
                proc = server.server_proc
            server.server_proc = None
            _stop_process(proc)
            server.stop()
            shutil.rmtree(data_dir / "data", ignore_errors=True)
        keys = etcd_key_count(etcd.port, root + "/", dep.etcd.trusted_ca, *client_pair)
        objects = len(list_objects(s3.moto_port, prefix=root))
        etcd_lines = etcd_side_lines(etcd.log_text()[etcd_mark:])
        nginx_lines = nginx_side_lines(_read_from(s3.nginx_access_log, s3_marks[str(s3.nginx_access_log)]),
                                       _read_from(s3.nginx_error_log, s3_marks[str(s3.nginx_error_log)]), s3.tls_port)
    log = _log_text(log_dir)
    etcd_why, s3_why = etcd_reason_lines(log), s3_reason_lines(log)
    down_because = f"Milvus never came up ({reason})"

    etcd_obs = LinkObservation(ETCD_LINK, True, keys > 0,
                               f"{keys} keys written under etcd.rootPath {root}" if keys else
                               f"no key under etcd.rootPath {root}; {down_because}: " +
                               " | ".join(etcd_why[:2] + [f"etcd: {x}" for x in etcd_lines]))
    if front is not None:
        front_obs = LinkObservation(FRONT_DOOR, True, front.ok, front.result if front.ok else
                                    (f"{down_because}; pymilvus: " if not healthy else "") + front.error[:400])
    else:
        front_obs = LinkObservation(FRONT_DOOR, False, None, f"not observed: {down_because}, so no client could be "
                                    "let in or refused at the TLS front door")
    if objectstore is not None:
        did = result(objectstore, bool((objectstore.get("flush") or {}).get("ok")), True)
        stages = ", ".join(f"{k} {'ok' if v.get('ok') else 'failed: ' + v.get('error', '')[:200]}"
                           for k, v in objectstore.items())
        s3_obs = LinkObservation(OBJECTSTORE_LINK, True, did == "up", f"{did}: {stages}; {objects} objects written")
    elif s3_why and (not healthy or front is None):
        s3_obs = LinkObservation(OBJECTSTORE_LINK, True, False, f"{down_because}: " + " | ".join(s3_why[:2]))
    elif front is not None:
        s3_obs = LinkObservation(OBJECTSTORE_LINK, False, None, "not observed: the front door let no client in, so "
                                 "no workload reached object storage")
    else:
        s3_obs = LinkObservation(OBJECTSTORE_LINK, False, None,
                                 f"not observed: {down_because}; Milvus never dialled object storage "
                                 f"({'nginx saw: ' + '; '.join(nginx_lines) if nginx_lines else 'nginx saw no request'})")
    commit = re.search(r"GitCommit[\"=: ]+\"?([0-9a-f]{7,40})", log)
    shown = {k: v for k, v in settings.items() if k != "minio.secretAccessKey"}
    shown["minio.accessKeyID"] = ACCESS_KEY
    shown["minio.bucketName"] = BUCKET
    return DeploymentRun((front_obs, etcd_obs, s3_obs), healthy, reason, round(time.monotonic() - t0, 1),
                         tuple(etcd_why + s3_why), tuple([f"etcd: {x}" for x in etcd_lines] +
                                                         [f"nginx: {x}" for x in nginx_lines]),
                         commit.group(1) if commit else "", pids, shown)
