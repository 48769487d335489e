"""Milvus's object-storage link, for real: a real S3-compatible server (PyPI ``moto[server]``) on loopback behind a
real nginx (Debian) that terminates TLS with a private CA, and PyPI's embedded Milvus 2.3.5 started with
``common.storageType: remote`` and ``minio.*`` pointing at it (issue #21's object-storage groundwork).

    from milvus_tls_lab.objectstore import make_s3_material, running_s3, milvus_against_s3, S3Settings

    m = make_s3_material(tmp / "tls")
    with running_s3(tmp, m.server_pem, m.server_key) as s3:          # moto + nginx (TLS port, plaintext port)
        outcome = milvus_against_s3(tmp, S3Settings("localhost", s3.tls_port, use_ssl=True), ca_env=m.ca)
    outcome.up, outcome.reason, outcome.stages, outcome.log_lines

"up" = the proxy answers GetVersion over plaintext gRPC **and** a real pymilvus (subprocess) creates a collection,
inserts a few rows and flushes them (the datanode writes the binlogs to the bucket at flush: the Go minio-go client).
After that, ``load`` (index + load + query) is tried and recorded as its own stage: the querynode reads the binlogs
through the C++ storage client (AWS SDK C++ over libcurl/OpenSSL), a second TLS client on the same link.
"down" = it exited, or GetVersion or the flush did not succeed within the time while its log showed object-storage
errors (condensed: caller, message, innermost error; secrets and PEM blocks removed).

How the trust reaches Milvus 2.3.5 (it has no ``minio.ssl.tlsCACert``, a 2.3.12+ key that only sets SSL_CERT_FILE
process-wide), two ways:

* ``ca_env``: ``SSL_CERT_FILE`` in Milvus's environment, the way that key would. Go's crypto/x509 reads it; the C++
  side (libcurl 7.86 + OpenSSL 3.1.2 linked into libmilvus_storage.so) does not: it opens its compiled-in
  ``/etc/ssl/certs/ca-certificates.crt`` (seen with strace).
* ``bundle``: the CA added to the system bundle, as a private CA "in the image" is: Milvus runs in its own mount
  namespace (``unshare --mount``, root only) where ``bundle`` (Debian's bundle plus the lab CA) is bind-mounted over
  ``/etc/ssl/certs/ca-certificates.crt``; nothing changes outside that process.

Without either, this process's SSL_CERT_FILE/SSL_CERT_DIR are removed from Milvus's environment, so the system roots
(which do not hold the lab CA) are what Milvus trusts.

Every server binds loopback only, on its own random port, and is always stopped (terminate, then kill, in
``finally``).
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator, Optional

from milvus_tls_check.handshake.trusted_cache import CHILD_CWD
from tests.certfactory import make_ca, make_leaf

from .links import _condense, _grpc_get_version, _log_text, _short_path, nginx_binary
from .realmilvus import (
    HOST,
    _COMPONENTS_WITH_IP,
    _START_LOCK,
    _TEMPLATE_PORT_KEYS,
    _patched_template,
    _pick_ports,
    _port_accepts,
    _shared_bin_dir,
    _stop_process,
    _write_etcd_config,
    pymilvus_python,
)

BUCKET = "milvus-lab"
ACCESS_KEY = "lab-access-key"
SECRET_KEY = "lab-secret-key-not-a-real-one"      # never printed: removed from every recorded line
_TRUST_ENV = ("SSL_CERT_FILE", "SSL_CERT_DIR")


def moto_version() -> str:
    try:
        import moto  # noqa: PLC0415
        return getattr(moto, "__version__", "?")
    except ImportError:
        return "not installed"


def nginx_version() -> str:
    nginx = nginx_binary()
    if not nginx:
        return "not installed"
    cp = subprocess.run([nginx, "-v"], capture_output=True, text=True, check=False, timeout=10)
    m = re.search(r"nginx/(\S+)", cp.stderr + cp.stdout)
    return m.group(1) if m else "?"


# --------------------------------------------------------------------------- material


@dataclasses.dataclass
class S3Material:
    ca: Path                  # the private CA that signed the nginx certificates
    server_pem: Path          # SAN localhost, 127.0.0.1 (what Milvus dials)
    server_key: Path
    wrong_san_pem: Path       # signed by ca, SAN s3.example only
    wrong_san_key: Path
    other_ca: Path            # a CA that signed neither


def make_s3_material(out: Path) -> S3Material:
    out.mkdir(parents=True, exist_ok=True)
    ca = make_ca("object storage lab CA")
    other = make_ca("some other CA")
    server = make_leaf(ca, "localhost", dns=("localhost",), ips=("127.0.0.1",), eku=("server",))
    wrong_san = make_leaf(ca, "s3.example", dns=("s3.example",), eku=("server",))
    (out / "s3-ca.pem").write_bytes(ca.cert_pem())
    (out / "other-ca.pem").write_bytes(other.cert_pem())
    server.write(out / "s3-server.pem", out / "s3-server.key")
    wrong_san.write(out / "s3-wrong-san.pem", out / "s3-wrong-san.key")
    return S3Material(out / "s3-ca.pem", out / "s3-server.pem", out / "s3-server.key", out / "s3-wrong-san.pem",
                      out / "s3-wrong-san.key", out / "other-ca.pem")


# --------------------------------------------------------------------------- moto + nginx


@dataclasses.dataclass(frozen=True)
class S3Handle:
    host: str
    moto_port: int            # moto itself, plaintext (only the lab talks to it directly)
    tls_port: int             # nginx: TLS, proxied to moto
    plain_port: int           # nginx: plaintext, proxied to moto
    moto_log: Path
    nginx_access_log: Path
    nginx_error_log: Path
    moto_pid: int
    nginx_pid: int

    def marks(self) -> dict[str, int]:
        return {str(p): _size(p) for p in (self.moto_log, self.nginx_access_log, self.nginx_error_log)}


def _size(p: Path) -> int:
    try:
        return p.stat().st_size
    except OSError:
        return 0


def _read_from(p: Path, start: int) -> str:
    try:
        with open(p, "rb") as fh:
            fh.seek(start)
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _moto_ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/moto-api/", timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def create_bucket(port: int, bucket: str = BUCKET) -> None:
    """The bucket Milvus uses, made through moto's own (plaintext, loopback) port with boto3."""
    import boto3  # noqa: PLC0415  (moto depends on it)

    s3 = boto3.client("s3", endpoint_url=f"http://{HOST}:{port}", region_name="us-east-1",
                      aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
    s3.create_bucket(Bucket=bucket)


def list_objects(port: int, bucket: str = BUCKET, prefix: str = "") -> list[str]:
    import boto3  # noqa: PLC0415

    s3 = boto3.client("s3", endpoint_url=f"http://{HOST}:{port}", region_name="us-east-1",
                      aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [o["Key"] for o in page.get("Contents", [])]
    return keys


@contextlib.contextmanager
def running_s3(base_dir: Path, cert: Path, key: Path, *, start_timeout: float = 30) -> Iterator[S3Handle]:
    """moto's S3 server (``python -m moto.server``) on a loopback port with the bucket made, and a foreground nginx
    (own prefix, ``daemon off; master_process off``) in front of it: one ``listen ... ssl`` server with (cert, key)
    and one plaintext server, both ``proxy_pass`` to moto keeping the Host header (SigV4 signs it). Both stopped in
    ``finally``."""
    nginx = nginx_binary()
    if nginx is None:
        raise RuntimeError("nginx is needed: apt-get install nginx-light")
    base_dir = Path(base_dir)
    base_dir.mkdir(parents=True, exist_ok=True)
    prefix = Path(tempfile.mkdtemp(prefix="s3-", dir=base_dir))
    (prefix / "logs").mkdir()
    moto_port, tls_port, plain_port = _pick_ports(3)
    moto_log = prefix / "logs" / "moto.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_"))}
    # the path-style requests Milvus sends (minio-go, the AWS SDK C++) carry the name it dials in Host: a name such
    # as s3.milvus-deps.svc must not be read as a virtual-host bucket ("s3")
    env["S3_IGNORE_SUBDOMAIN_BUCKETNAME"] = "true"
    with contextlib.ExitStack() as stack:
        with open(moto_log, "wb") as log:
            moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(moto_port)],
                                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                    cwd=prefix)
        stack.callback(_stop_process, moto)
        deadline = time.monotonic() + start_timeout
        while not _moto_ready(moto_port):
            if moto.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"moto did not start: {moto_log.read_text(errors='replace')[-1500:]}")
            time.sleep(0.2)
        create_bucket(moto_port)
        conf = prefix / "nginx.conf"
        common = f"""client_max_body_size 0;
        location / {{
            proxy_request_buffering off;
            proxy_buffering off;
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_pass http://{HOST}:{moto_port};
        }}"""
        conf.write_text(f"""daemon off;
master_process off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log info;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    log_format lab '$server_port $ssl_protocol "$request" $status';
    access_log {prefix}/logs/access.log lab;
    server {{
        listen {HOST}:{tls_port} ssl;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        {common}
    }}
    server {{
        listen {HOST}:{plain_port};
        {common}
    }}
}}
""", encoding="utf-8")
        ngx = subprocess.Popen([nginx, "-p", str(prefix), "-c", str(conf)], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=open(prefix / "logs" / "stderr.log", "wb"))
        stack.callback(_stop_process, ngx)
        deadline = time.monotonic() + 15
        while not (_port_accepts(tls_port) and _port_accepts(plain_port)):
            if ngx.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("nginx did not start: " + _read_from(prefix / "logs" / "stderr.log", 0)[-800:] +
                                   _read_from(prefix / "logs" / "error.log", 0)[-800:])
            time.sleep(0.1)
        yield S3Handle(HOST, moto_port, tls_port, plain_port, moto_log, prefix / "logs" / "access.log",
                       prefix / "logs" / "error.log", moto.pid, ngx.pid)


# --------------------------------------------------------------------------- Milvus against S3


@dataclasses.dataclass(frozen=True)
class S3Settings:
    """Milvus's minio.* for one run (``port`` None keeps the template's 9000; ``tls_ca_cert`` writes a
    ``minio.ssl.tlsCACert`` line, which the 2.3.5 template does not have)."""
    address: str
    port: Optional[int]
    use_ssl: bool
    storage_type: str = "remote"
    tls_ca_cert: Optional[Path] = None
    root_path: str = "files"

    def settings(self) -> dict[str, str]:
        out = {"common.storageType": self.storage_type, "minio.address": self.address,
               "minio.accessKeyID": ACCESS_KEY, "minio.secretAccessKey": SECRET_KEY,
               "minio.useSSL": "true" if self.use_ssl else "false", "minio.bucketName": BUCKET,
               "minio.rootPath": self.root_path}
        if self.port is not None:
            out["minio.port"] = str(self.port)
        return out


@dataclasses.dataclass(frozen=True)
class S3Outcome:
    up: bool
    reason: str               # "flushed" | "exited N" | "flush failed" | "no GetVersion" | "timeout ..."
    seconds: float
    version: str = ""
    stages: dict = dataclasses.field(default_factory=dict)   # getversion / flush / load: {ok, seconds, error}
    log_lines: tuple[str, ...] = ()
    exit_code: Optional[int] = None
    config: dict = dataclasses.field(default_factory=dict)
    written_yaml: dict = dataclasses.field(default_factory=dict)   # the minio / storageType lines Milvus got
    env: dict = dataclasses.field(default_factory=dict)
    git_commit: str = ""
    pid: Optional[int] = None


# What Milvus 2.3.5 logs when it cannot use its object storage (checked against the real logs:
# tools/observe_objectstore.py). Go side: minio-go errors in internal/storage (and the components that call it);
# C++ side: the storage client's S3 errors.
_S3_FAIL = re.compile(
    r"blob bucket|[Mm]inio|chunk ?manager|ChunkManager|x509:|tls: |HTTP response to HTTPS client|"
    r"HTTP request to an HTTPS server|plain HTTP request|S3|[Ss]3 |AWS|curl|SSL|certificate|"
    r"failed to (upload|save|write|sync)|sync.*fail|flush.*fail|InitRemoteChunkManager|^panic: ")
_S3_SPECIFIC = re.compile(r"x509|tls:|HTTP response to HTTPS|HTTP request to an HTTPS|plain HTTP|certificate|SSL|"
                          r"curl|panic|connection refused|handshake|malformed|bucket", re.I)
_NOT_S3 = re.compile(r"etcd|rocksmq|quota_center|\"level\":\"info\"|\[INFO\]|\[DEBUG\]")
_HTML = re.compile(r"<html>.*?<title>(.*?)</title>.*", re.S)
_STACK = re.compile(r"^\s*(panic\(|/|goroutine |[\w./*()-]+\(0x|[\w./*()-]+\(\{)")


def _scrub(t: str) -> str:
    """No secret key; an HTML error page (nginx's) as its title."""
    t = _HTML.sub(lambda m: f"[HTML page: {m.group(1)}]", t.replace("\\r\\n", "\n"))
    return t.replace(SECRET_KEY, "[secret]")


def s3_reason_lines(log: str, limit: int = 4, width: int = 400) -> list[str]:
    """Milvus's warn/error log lines about its object storage: condensed (caller, message, innermost error),
    deduplicated, the most specific first; no secret key, no PEM blocks."""
    found: list[tuple[int, str]] = []
    keys: set[str] = set()
    for line in log.splitlines():
        if not _S3_FAIL.search(line) or _STACK.match(line) or _NOT_S3.search(line) or line.lstrip().startswith("<"):
            continue
        t = _scrub(_condense(line))
        key = re.sub(r"0x[0-9a-f]+|\d+", "#", t)[:200]
        if key in keys:
            continue
        keys.add(key)
        found.append((0 if _S3_SPECIFIC.search(t) else 1, t if len(t) <= width else t[:width] + "..."))
    found.sort(key=lambda x: x[0])
    return [t for _, t in found[:limit]]


_WORKLOAD = r"""
import json, sys, time
p = json.loads(sys.argv[1])
out = {}
def stage(name, fn):
    t0 = time.monotonic()
    try:
        fn()
        out[name] = {"ok": True, "seconds": round(time.monotonic() - t0, 1), "error": ""}
        return True
    except BaseException as e:  # noqa
        out[name] = {"ok": False, "seconds": round(time.monotonic() - t0, 1),
                     "error": f"{type(e).__name__}: {str(e)[:600]}"}
        return False
try:
    from pymilvus import MilvusClient, DataType
    c = MilvusClient(uri=p["uri"], timeout=p["rpc_timeout"], **p.get("kwargs", {}))
    name = "s3lab"
    def create():
        schema = MilvusClient.create_schema(auto_id=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("v", DataType.FLOAT_VECTOR, dim=4)
        c.create_collection(name, schema=schema, timeout=p["rpc_timeout"])
        c.insert(name, [{"id": i, "v": [float(i), 1.0, 2.0, 3.0]} for i in range(20)], timeout=p["rpc_timeout"])
    def flush():
        c.flush(name, timeout=p["flush_timeout"])
    def load():
        ip = MilvusClient.prepare_index_params()
        ip.add_index(field_name="v", index_type="FLAT", metric_type="L2")
        c.create_index(name, ip, timeout=p["rpc_timeout"])
        end = time.monotonic() + p["load_timeout"]
        while True:   # right after start the querynode may not have registered yet: "nodes not enough"
            try:
                c.load_collection(name, timeout=max(5, end - time.monotonic()))
                break
            except Exception as e:  # noqa
                if "nodes not enough" not in str(e) or time.monotonic() > end:
                    raise
                time.sleep(2)
        res = c.query(name, filter="id >= 0", output_fields=["id"], timeout=p["rpc_timeout"])
        if len(res) != 20:
            raise RuntimeError(f"query returned {len(res)} rows, not 20")
    if stage("create_insert", create) and stage("flush", flush) and p["load"]:
        stage("load", load)
except BaseException as e:  # noqa
    out["client"] = {"ok": False, "error": f"{type(e).__name__}: {e}"}
sys.stdout.write("\n@@RESULT@@" + json.dumps(out) + "\n")
sys.stdout.flush()
"""


def _run_workload(port: int, *, flush_timeout: float, load: bool, load_timeout: float, uri: Optional[str] = None,
                  client_kwargs: Optional[dict] = None) -> dict:
    """The workload through a real pymilvus (subprocess): plaintext gRPC to loopback:port, or ``uri`` with
    ``client_kwargs`` (server_pem_path, server_name, ...) for a TLS front door."""
    params = json.dumps({"uri": uri or f"http://{HOST}:{port}", "rpc_timeout": 20, "flush_timeout": flush_timeout,
                         "load": load, "load_timeout": load_timeout, "kwargs": client_kwargs or {}})
    budget = 20 * 4 + flush_timeout + (load_timeout if load else 0) + 30
    try:
        cp = subprocess.run([pymilvus_python(), "-I", "-c", _WORKLOAD, params], capture_output=True, text=True,
                            timeout=budget, check=False, cwd=CHILD_CWD)
    except subprocess.TimeoutExpired:
        return {"client": {"ok": False, "error": f"client subprocess timed out after {budget:.0f} s"}}
    m = re.search(r"@@RESULT@@(.*)", cp.stdout)
    if not m:
        return {"client": {"ok": False, "error": f"client exited {cp.returncode}: {cp.stderr[-400:]}"}}
    return json.loads(m.group(1))


def _template_with_minio_ssl(template: Path, ca_path: Path) -> None:
    """Add ``minio.ssl.tlsCACert`` (a 2.3.12+ key) to the 2.3.5 template, which has no such line
    (MilvusServerConfig.set only replaces lines the template has)."""
    text = template.read_text(encoding="utf-8")
    marker = "  useSSL: false # Access to MinIO/S3 with SSL\n"
    if marker not in text:
        raise RuntimeError("unexpected milvus config template: no minio.useSSL line")
    text = text.replace(marker, marker + f"  ssl:\n    tlsCACert: {ca_path}\n", 1)
    template.write_text(text, encoding="utf-8")


def _written_minio(config_file: Path) -> dict:
    import yaml  # noqa: PLC0415

    try:
        doc = yaml.safe_load(config_file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    minio = dict(doc.get("minio") or {})
    minio.pop("secretAccessKey", None)
    keep = {k: minio.get(k) for k in ("address", "port", "useSSL", "bucketName", "rootPath", "ssl") if k in minio}
    if isinstance(keep.get("ssl"), dict):
        keep["ssl"] = {k: _short_path(str(v)) for k, v in keep["ssl"].items()}
    return {"common.storageType": (doc.get("common") or {}).get("storageType"), "minio": keep}


SYSTEM_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")   # Debian's; libcurl's compiled-in CAfile in 2.3.5


def bundle_with(ca: Path, out: Path) -> Path:
    """Debian's system bundle plus ``ca``: what a private CA "in the image" looks like."""
    out.write_bytes(SYSTEM_BUNDLE.read_bytes().rstrip(b"\n") + b"\n" + Path(ca).read_bytes())
    return out


def can_private_mount() -> bool:
    """``unshare --mount`` and a bind mount work here (root, not in a locked-down container)."""
    if not SYSTEM_BUNDLE.exists() or shutil.which("unshare") is None:
        return False
    cp = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                         f"mount --bind {SYSTEM_BUNDLE} {SYSTEM_BUNDLE}"], capture_output=True, timeout=20,
                        check=False)
    return cp.returncode == 0


def _mount_ns_wrapper(data_dir: Path, bundle: Path, hosts: Optional[Path] = None) -> Path:
    """A launcher that runs data_dir/bin/milvus in its own mount namespace with ``bundle`` over the system bundle
    and, when given, ``hosts`` over /etc/hosts (the names a deployment gives its services, mapped to loopback for
    this Milvus only; Go's resolver and libcurl's getaddrinfo both read it). Exec all the way: the pid MilvusServer
    holds is Milvus's."""
    wrapper = data_dir / "milvus-own-mount-ns.sh"
    lib = data_dir / "bin"
    hosts_bind = f" && mount --bind '\\''{Path(hosts).resolve()}'\\'' /etc/hosts" if hosts is not None else ""
    wrapper.write_text(
        "#!/bin/sh\n"
        f"export LD_LIBRARY_PATH='{lib}'${{LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}}\n"
        "exec unshare --mount --propagation private sh -c "
        f"'mount --bind \"$0\" {SYSTEM_BUNDLE}{hosts_bind} && exec \"$@\"' '{Path(bundle).resolve()}' "
        f"'{lib / 'milvus'}' \"$@\"\n",
        encoding="utf-8")
    wrapper.chmod(0o755)
    return wrapper


def milvus_against_s3(base_dir: Path, s3: S3Settings, *, ca_env: Optional[Path] = None,
                      bundle: Optional[Path] = None, timeout: float = 60, settle: float = 20,
                      flush_timeout: float = 45, load: bool = True, load_timeout: float = 60,
                      extra: Optional[dict] = None, hosts: Optional[Path] = None) -> S3Outcome:
    """Start the embedded Milvus 2.3.5 with ``s3``'s settings (embedded etcd as usual), ``SSL_CERT_FILE=ca_env`` in
    its environment when given (none of SSL_CERT_FILE/SSL_CERT_DIR otherwise). Wait for GetVersion (``timeout``),
    then run the workload (create/insert/flush, then index/load/query when ``load``). Down when it exits, when
    GetVersion does not answer in time (``settle`` s after the first object-storage error in its log, or
    ``timeout``), or when the flush fails. ``bundle``: run Milvus with that file as its system bundle
    (``_mount_ns_wrapper``), with ``hosts`` over its /etc/hosts too. ``extra``: more settings, over ``s3``'s (an
    external etcd: ``etcd.use.embed: false``, ``etcd.endpoints``, ``etcd.ssl.*``). Always stopped."""
    import milvus as milvus_pkg  # noqa: PLC0415
    from milvus import MilvusServer, MilvusServerConfig  # noqa: PLC0415

    base_dir = Path(base_dir)
    base_dir.mkdir(parents=True, exist_ok=True)
    shared_bin = _shared_bin_dir()
    data_dir = Path(tempfile.mkdtemp(prefix="milvus-s3-", dir=base_dir))
    (data_dir / "bin").symlink_to(shared_bin, target_is_directory=True)
    (data_dir / "configs").mkdir(exist_ok=True)
    ports = _pick_ports(len(_TEMPLATE_PORT_KEYS) + 2)
    port_map = dict(zip(_TEMPLATE_PORT_KEYS, ports))
    etcd_cfg = data_dir / "configs" / "embedEtcd.yaml"
    _write_etcd_config(etcd_cfg, port_map["etcd_port"], ports[-2])
    template = _patched_template(data_dir / "configs" / "milvus.yaml.template")
    if s3.tls_ca_cert is not None:
        _template_with_minio_ssl(template, Path(s3.tls_ca_cert).resolve())
    cfg = MilvusServerConfig(data_dir=str(data_dir), template=str(template), **port_map)
    cfg.glog_conf_file = str(Path(milvus_pkg.__file__).parent / "data" / "glog.conf")
    cfg.set("etcd_config_path", str(etcd_cfg))
    settings = {**s3.settings(), **(extra or {})}
    for comp in _COMPONENTS_WITH_IP:
        cfg.set(f"{comp}.ip", HOST)
    for k, v in settings.items():
        cfg.set(k, v)
    server = MilvusServer(cfg, wait_for_started=False)
    server.webservice_port = ports[-1]
    if hosts is not None and bundle is None:
        raise ValueError("hosts needs bundle: both are bound in Milvus's own mount namespace")
    if bundle is not None:
        wrapper = _mount_ns_wrapper(data_dir, bundle, hosts)
        server.get_milvus_executable_path = lambda: str(wrapper)   # type: ignore[method-assign]
    env_set = {"SSL_CERT_FILE": str(Path(ca_env).resolve())} if ca_env is not None else {}
    proc = None
    t0 = time.monotonic()
    up, reason, version, exit_code = False, "timeout", "", None
    stages: dict = {}
    log_dir = data_dir / "logs"
    try:
        with _START_LOCK:     # MilvusServer.start copies os.environ for the child: set the trust env around it
            saved = {k: os.environ.pop(k) for k in _TRUST_ENV if k in os.environ}
            os.environ.update(env_set)
            try:
                server.start()
            finally:
                for k in env_set:
                    os.environ.pop(k, None)
                os.environ.update(saved)
        proc = server.server_proc
        deadline = t0 + timeout
        error_at: Optional[float] = None
        while True:
            exit_code = proc.poll()
            if exit_code is not None:
                reason = f"exited {exit_code}"
                break
            if _port_accepts(server.listen_port):
                v = _grpc_get_version(int(server.listen_port))
                if v is not None:
                    version = v
                    stages["getversion"] = {"ok": True, "seconds": round(time.monotonic() - t0, 1), "error": ""}
                    break
            now = time.monotonic()
            if error_at is None and s3_reason_lines(_log_text(log_dir), limit=1):
                error_at = now
            if error_at is not None and now - error_at > settle:
                reason = "no GetVersion (object-storage error in log)"
                break
            if now > deadline:
                reason = "no GetVersion: timeout" + (" (object-storage error in log)" if error_at else "")
                break
            time.sleep(0.5)
        if version:
            stages.update(_run_workload(int(server.listen_port), flush_timeout=flush_timeout, load=load,
                                        load_timeout=load_timeout))
            flush = stages.get("flush") or {}
            if flush.get("ok"):
                up, reason = True, "flushed"
            elif "create_insert" in stages and not stages["create_insert"]["ok"]:
                reason = "create/insert failed"
            elif flush:
                reason = "flush failed"
            else:
                reason = "client failed"
            exit_code = proc.poll()
    finally:
        if proc is None:
            proc = server.server_proc
        server.server_proc = None
        _stop_process(proc)
        server.stop()
        shutil.rmtree(data_dir / "data", ignore_errors=True)
    log = _log_text(log_dir)
    commit = re.search(r"GitCommit[\"=: ]+\"?([0-9a-f]{7,40})", log)
    load_failed = "load" in stages and not stages["load"]["ok"]
    lines = tuple(s3_reason_lines(log)) if (not up or load_failed) else ()
    return S3Outcome(up, reason, round(time.monotonic() - t0, 1), version, stages, lines, exit_code, settings,
                     _written_minio(data_dir / "configs" / "milvus.yaml"),
                     {**{k: _short_path(v) for k, v in env_set.items()},
                      **({"system bundle": "Debian's + the lab CA (own mount namespace)"} if bundle else {})},
                     commit.group(1) if commit else "", proc.pid if proc is not None else None)


# --------------------------------------------------------------------------- the cases (tools/observe_objectstore.py, tests)


@dataclasses.dataclass(frozen=True)
class S3Case:
    name: str
    title: str
    listener: str                                       # "tls" | "plain": which nginx port minio.port names
    use_ssl: bool
    trust: str                                          # "bundle" (CA in the system bundle) | "env" | "none"
    expect: str                                         # "up" | "writes only" | "down" (see ``result``)
    host: str = "localhost"                             # minio.address
    wrong_san: bool = False                             # nginx presents the s3.example certificate
    tls_ca_cert: bool = False                           # write minio.ssl.tlsCACert (2.3.12+ key) = the lab CA
    port_in_address: Optional[str] = None               # "tls" | "plain": minio.address carries host:<that port>


S3_CASES: list[S3Case] = [
    S3Case("good", "good: useSSL true, nginx TLS, private CA in the system bundle Milvus reads "
           "(/etc/ssl/certs/ca-certificates.crt)", "tls", True, "bundle", "up"),
    S3Case("ssl-cert-file", "useSSL true, nginx TLS, private CA given only as SSL_CERT_FILE in Milvus's environment "
           "(what 2.3.12+'s tlsCACert does)", "tls", True, "env", "writes only"),
    S3Case("plain-control", "control: useSSL false against nginx's plaintext listener",
           "plain", False, "none", "up"),
    S3Case("ssl-on-vs-plain", "useSSL true against the plaintext listener",
           "plain", True, "bundle", "down"),
    S3Case("ssl-off-vs-tls", "useSSL false against the TLS listener (#28032)",
           "tls", False, "bundle", "down"),
    S3Case("ca-not-trusted", "private CA not trusted: not in the bundle, no SSL_CERT_FILE",
           "tls", True, "none", "down"),
    S3Case("wrong-san", "nginx certificate without the name Milvus dials (SAN s3.example; dials localhost)",
           "tls", True, "bundle", "down", wrong_san=True),
    S3Case("port-in-address", "minio.address localhost:<TLS port>, minio.port <plaintext port>, useSSL true",
           "plain", True, "bundle", "up", port_in_address="tls"),
    S3Case("tlscacert-on-235", "minio.ssl.tlsCACert = the private CA (a 2.3.12+ key), not in the bundle, "
           "no SSL_CERT_FILE", "tls", True, "none", "down", tls_ca_cert=True),
]


def result(stages: dict, up: bool, load: bool = True) -> str:
    """"up": flushed and (when tried) loaded and queried; "writes only": flushed, the load/query failed; "down":
    no flush."""
    if not up:
        return "down"
    if load and not (stages.get("load") or {}).get("ok"):
        return "writes only"
    return "up"


_MOTO_REQ = re.compile(r'"(GET|PUT|HEAD|POST|DELETE) ([^ ?"]*)[^"]*" (\d{3})')


def moto_side_lines(text: str, limit: int = 3) -> list[str]:
    """What moto served (method, path with the run's root collapsed, status), counted."""
    counts: dict[str, int] = {}
    for m in _MOTO_REQ.finditer(text):
        path = re.sub(r"/\d{6,}", "/<id>", m.group(2))
        path = "/".join(path.split("/")[:4])
        k = f"{m.group(1)} {path} {m.group(3)}"
        counts[k] = counts.get(k, 0) + 1
    return [f"{k} x{n}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1])][:limit]


def nginx_side_lines(access: str, error: str, tls_port: int = 0, limit: int = 3) -> list[str]:
    """nginx's error-log lines about TLS (handshake failures, plain HTTP on the TLS port), then its access log
    counted as "<listener> <TLS version or plain> <method> <path> <status>"."""
    out: list[str] = []
    for line in error.splitlines():
        if any(s in line for s in ("SSL_do_handshake", "[crit]", "[error]", "[alert]", "SSL_read", "ssl")) and \
                "signal" not in line:
            t = re.sub(r"^\S+ \S+ \[\w+\] \d+#\d+: \*?\d* ?", "", line).strip()
            t = re.sub(r", client: .*", "", t)
            if t not in out:
                out.append(t[:300])
    counts: dict[str, int] = {}
    for line in access.splitlines():
        parts = line.split(" ", 2)
        if len(parts) < 3:
            continue
        if "\\x16\\x03" in parts[2][:12]:
            counts_key = f"{'TLS port' if parts[0] == str(tls_port) else 'plaintext port'}, no TLS: " \
                f"TLS ClientHello bytes as the request line {parts[2].rsplit(' ', 1)[-1]}"
            counts[counts_key] = counts.get(counts_key, 0) + 1
            continue
        m = re.match(r'"(\S+) (\S*?)(?:\?\S*)? \S+" (\d{3})$', parts[2]) or re.match(r'"?(.*?)"? (\d{3})$', parts[2])
        if m and m.lastindex == 3:
            req = f"{m.group(1)} {'/'.join(re.sub(r'/[0-9]{6,}', '/<id>', m.group(2)).split('/')[:3])} {m.group(3)}"
        elif m:
            req = f'"{m.group(1)[:40]}" {m.group(2)}'
        else:
            continue
        listener = "TLS port" if parts[0] == str(tls_port) else "plaintext port"
        proto = parts[1] if parts[1] not in ("-", "") else "no TLS"
        k = f"{listener}, {proto}: {req}"
        counts[k] = counts.get(k, 0) + 1
    out += [f"access: {k} x{n}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1])]
    return out[:limit + 2]


def run_s3_case(case: S3Case, m: S3Material, work: Path, *, timeout: float = 60, settle: float = 20,
                flush_timeout: float = 45, load: bool = True) -> dict:
    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    bundle = bundle_with(m.ca, work / "bundle-with-lab-ca.crt") if case.trust == "bundle" else None
    cert, key = (m.wrong_san_pem, m.wrong_san_key) if case.wrong_san else (m.server_pem, m.server_key)
    t0 = time.monotonic()
    with running_s3(work, cert, key) as s3:
        port = s3.tls_port if case.listener == "tls" else s3.plain_port
        address = case.host
        if case.port_in_address:
            address = f"{case.host}:{s3.tls_port if case.port_in_address == 'tls' else s3.plain_port}"
        root = f"lab-{case.name}-{int(time.time())}"
        settings = S3Settings(address, port, case.use_ssl, tls_ca_cert=m.ca if case.tls_ca_cert else None,
                              root_path=root)
        marks = s3.marks()
        outcome = milvus_against_s3(work, settings, ca_env=m.ca if case.trust == "env" else None, bundle=bundle,
                                    timeout=timeout, settle=settle, flush_timeout=flush_timeout, load=load)
        objects = list_objects(s3.moto_port, prefix=root)
        moto_text = _read_from(s3.moto_log, marks[str(s3.moto_log)])
        access = _read_from(s3.nginx_access_log, marks[str(s3.nginx_access_log)])
        error = _read_from(s3.nginx_error_log, marks[str(s3.nginx_error_log)])
        ports = {"tls": s3.tls_port, "plain": s3.plain_port, "moto": s3.moto_port}
        pids = {"moto": s3.moto_pid, "nginx": s3.nginx_pid}
    pids["milvus"] = outcome.pid
    return {
        "case": case.name, "title": case.title, "expect": case.expect,
        "result": result(outcome.stages, outcome.up, load), "trust": case.trust,
        "s3": {"listener": case.listener, "wrong_san": case.wrong_san, "ports": ports},
        "milvus_settings": {k: ("<tls port>" if v == str(ports["tls"]) else "<plaintext port>"
                                if v == str(ports["plain"]) else _short_path(v).replace(str(ports["tls"]), "<tls port>")
                                .replace(str(ports["plain"]), "<plaintext port>"))
                            for k, v in outcome.config.items()
                            if k in ("common.storageType", "minio.address", "minio.port", "minio.useSSL")},
        "tls_ca_cert_line": case.tls_ca_cert, "written_yaml": outcome.written_yaml, "env": outcome.env,
        "up": outcome.up, "reason": outcome.reason, "seconds": outcome.seconds, "version": outcome.version,
        "stages": outcome.stages, "exit_code": outcome.exit_code, "milvus_log": list(outcome.log_lines),
        "objects_written": len(objects), "moto_log": moto_side_lines(moto_text),
        "nginx_log": nginx_side_lines(access, error, ports["tls"]), "git_commit": outcome.git_commit,
        "total_seconds": round(time.monotonic() - t0, 1), "pids": pids,
    }
