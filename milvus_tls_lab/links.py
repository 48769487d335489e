"""Milvus's other TLS links, for real: a real etcd (Debian's ``etcd-server``) with TLS on its client URL, and PyPI's
embedded Milvus 2.3.5 started with ``etcd.use.embed: false`` against it (issue #21's groundwork).

    from milvus_tls_lab.links import running_etcd, milvus_against_etcd

    with running_etcd(tmp, cert=..., key=..., ca=..., client_cert_auth=True) as etcd:
        outcome = milvus_against_etcd(tmp, etcd.endpoint, ssl=EtcdSSL(True, client_pem, client_key, ca_pem))
    outcome.up, outcome.reason, outcome.log_lines

Both servers bind loopback only, on their own random ports, with their own data dirs; both are always stopped
(terminate, then kill, in ``finally``). A Milvus that neither answers GetVersion nor says why within
``timeout`` seconds is reported down with ``reason='timeout'`` (and stopped).

``tls12_terminator`` puts a real nginx ``stream`` proxy (Debian's ``libnginx-mod-stream``) in front of an etcd, speaking
only TLS 1.2 to its clients: the etcd of Debian bookworm (3.4) has no ``--tls-max-version``.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator, Optional

from tests.certfactory import make_ca, make_leaf

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
)

ETCD_APT_PACKAGE = "etcd-server"
NGINX_STREAM_MODULE = Path("/usr/lib/nginx/modules/ngx_stream_module.so")   # Debian: libnginx-mod-stream


def etcd_binary() -> Optional[str]:
    return shutil.which("etcd") or (("/usr/bin/etcd") if os.path.exists("/usr/bin/etcd") else None)


def ensure_etcd() -> str:
    """The etcd binary; installs Debian's etcd-server when it is missing (root, as on CI)."""
    found = etcd_binary()
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "-qq", ETCD_APT_PACKAGE], check=False, capture_output=True,
                   timeout=600)
    found = etcd_binary()
    if not found:
        subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "-qq", ETCD_APT_PACKAGE], check=False, capture_output=True,
                       timeout=600)
        found = etcd_binary()
    if not found:
        raise RuntimeError(f"etcd is not installed and `apt-get install {ETCD_APT_PACKAGE}` did not bring it")
    return found


def etcd_version() -> str:
    cp = subprocess.run([ensure_etcd(), "--version"], capture_output=True, text=True, check=False, timeout=20)
    m = re.search(r"etcd Version:\s*(\S+)", cp.stdout)
    return m.group(1) if m else cp.stdout.strip()[:80]


# --------------------------------------------------------------------------- etcd


@dataclasses.dataclass(frozen=True)
class EtcdHandle:
    host: str
    port: int
    tls: bool
    client_cert_auth: bool
    data_dir: Path
    log_path: Path
    pid: int
    plain_port: Optional[int] = None     # a second, plaintext client listener (for a terminator in front)

    @property
    def endpoint(self) -> str:
        """What goes into Milvus's etcd.endpoints (host:port; Milvus's etcd client adds the scheme)."""
        return f"{self.host}:{self.port}"

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""


def _tls_ready(port: int, ca: Optional[Path], cert: Optional[Path], key: Optional[Path]) -> bool:
    """A TLS handshake with the etcd (its own CA, the client pair when given) completes."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    if ca:
        ctx.load_verify_locations(str(ca))
    else:
        ctx.verify_mode = ssl.CERT_NONE
    if cert and key:
        ctx.load_cert_chain(str(cert), str(key))
    try:
        with socket.create_connection((HOST, port), timeout=1) as raw, ctx.wrap_socket(raw) as s:
            s.sendall(b"GET /health HTTP/1.0\r\n\r\n")
            return b"health" in s.recv(4096)
    except (OSError, ssl.SSLError):
        return False


@contextlib.contextmanager
def running_etcd(base_dir: Path, *, cert: Optional[Path] = None, key: Optional[Path] = None,
                 ca: Optional[Path] = None, client_cert_auth: bool = False,
                 ready_client: Optional[tuple[Path, Path]] = None, start_timeout: float = 30,
                 host: str = HOST, plain_listener: bool = False) -> Iterator[EtcdHandle]:
    """One etcd on loopback: TLS on its client URL when cert/key are given (plaintext otherwise), optionally
    ``--client-cert-auth --trusted-ca-file ca``; the peer URL stays plaintext on loopback (one member).
    ``ready_client`` is the (cert, key) used for the readiness handshake under client-cert-auth.
    ``plain_listener`` adds a plaintext client URL on another loopback port, for a TLS terminator in front
    (``tls12_terminator``): nginx ``stream`` cannot negotiate ALPN h2 with a TLS backend, and etcd's TLS listener
    then answers gRPC with HTTP/1.1 ("http2: frame too large" at the client)."""
    binary = ensure_etcd()
    base_dir = Path(base_dir)
    base_dir.mkdir(parents=True, exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="etcd-", dir=base_dir))
    tls = cert is not None and key is not None
    client_port, peer_port, plain_port = _pick_ports(3)
    scheme = "https" if tls else "http"
    listen = f"{scheme}://{host}:{client_port}" + (f",http://{host}:{plain_port}" if plain_listener else "")
    args = [binary, "--name", "lab", "--data-dir", str(data_dir / "data"),
            "--listen-client-urls", listen,
            "--advertise-client-urls", f"{scheme}://{host}:{client_port}",
            "--listen-peer-urls", f"http://{host}:{peer_port}",
            "--initial-advertise-peer-urls", f"http://{host}:{peer_port}",
            "--initial-cluster", f"lab=http://{host}:{peer_port}",
            "--initial-cluster-state", "new", "--logger", "zap", "--log-outputs", "stderr"]
    if tls:
        args += ["--cert-file", str(cert), "--key-file", str(key)]
    if client_cert_auth:
        if ca is None:
            raise ValueError("client_cert_auth needs ca (the --trusted-ca-file)")
        args += ["--client-cert-auth", "--trusted-ca-file", str(ca)]
    log_path = data_dir / "etcd.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ETCD")}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                cwd=data_dir)
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"etcd exited {proc.returncode} at start: "
                                   f"{log_path.read_text(errors='replace')[-1500:]}")
            if _port_accepts(client_port):
                if not tls:
                    break
                c, k = ready_client if (client_cert_auth and ready_client) else (None, None)
                if (client_cert_auth and not ready_client) or _tls_ready(client_port, ca, c, k):
                    break
            if time.monotonic() > deadline:
                raise TimeoutError(f"etcd not ready within {start_timeout}s (log {log_path})")
            time.sleep(0.2)
        yield EtcdHandle(host, client_port, tls, client_cert_auth, data_dir, log_path, proc.pid,
                         plain_port if plain_listener else None)
    finally:
        _stop_process(proc)
        shutil.rmtree(data_dir / "data", ignore_errors=True)


# --------------------------------------------------------------------------- a TLS 1.2-only terminator (nginx)


@dataclasses.dataclass(frozen=True)
class ProxyHandle:
    host: str
    port: int
    error_log: Path

    @property
    def endpoint(self) -> str:
        return f"{self.host}:{self.port}"


def nginx_binary() -> Optional[str]:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


@contextlib.contextmanager
def tls12_terminator(base_dir: Path, backend_plain_port: int, cert: Path, key: Path, *,
                     client_ca: Optional[Path] = None, protocols: str = "TLSv1.2") -> Iterator[ProxyHandle]:
    """nginx ``stream`` on loopback: TLS (``ssl_protocols TLSv1.2`` only, ALPN h2) to its clients with (cert, key),
    client certificates required and verified against ``client_ca`` when given (as etcd's --client-cert-auth
    would), plaintext to an etcd's plaintext listener behind it (``running_etcd(plain_listener=True)``).
    Foreground nginx (``daemon off; master_process off``) with its own prefix; stopped in ``finally``."""
    nginx = nginx_binary()
    if nginx is None or not NGINX_STREAM_MODULE.exists():
        raise RuntimeError("nginx with the stream module is needed: apt-get install nginx-light libnginx-mod-stream")
    prefix = Path(tempfile.mkdtemp(prefix="nginx-tls12-", dir=base_dir))
    (prefix / "logs").mkdir()
    port = _pick_ports(1)[0]
    client_lines = ""
    if client_ca:
        client_lines = f"ssl_verify_client on;\n        ssl_client_certificate {client_ca};"
    conf = prefix / "nginx.conf"
    conf.write_text(f"""load_module {NGINX_STREAM_MODULE};
daemon off;
master_process off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log info;
events {{ worker_connections 64; }}
stream {{
    server {{
        listen {HOST}:{port} ssl;
        ssl_protocols {protocols};
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_alpn h2;
        {client_lines}
        proxy_pass {HOST}:{backend_plain_port};
    }}
}}
""", encoding="utf-8")
    proc = subprocess.Popen([nginx, "-p", str(prefix), "-c", str(conf)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=open(prefix / "logs" / "stderr.log", "wb"))
    try:
        deadline = time.monotonic() + 15
        while not _port_accepts(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("nginx did not start: " +
                                   (prefix / "logs" / "stderr.log").read_text(errors="replace")[-800:] +
                                   (prefix / "logs" / "error.log").read_text(errors="replace")[-800:])
            time.sleep(0.1)
        yield ProxyHandle(HOST, port, prefix / "logs" / "error.log")
    finally:
        _stop_process(proc)


def max_tls_offered(port: int, client: Optional[tuple[Path, Path]] = None) -> str:
    """The highest TLS version a server on loopback:port agrees to (Python's OpenSSL; no verification; ``client``
    is the pair to present, so a server that wants one does not log a rejection)."""
    for version in (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.minimum_version = ctx.maximum_version = version
        if client:
            ctx.load_cert_chain(str(client[0]), str(client[1]))
        try:
            with socket.create_connection((HOST, port), timeout=2) as raw, ctx.wrap_socket(raw) as s:
                return s.version() or "?"
        except (OSError, ssl.SSLError):
            continue
    return "none"


# --------------------------------------------------------------------------- Milvus against an external etcd


@dataclasses.dataclass(frozen=True)
class EtcdSSL:
    """Milvus's etcd.ssl.* (None leaves the template's line as it is)."""
    enabled: bool
    tls_cert: Optional[Path] = None
    tls_key: Optional[Path] = None
    tls_ca_cert: Optional[Path] = None
    tls_min_version: Optional[str] = None

    def settings(self) -> dict[str, str]:
        out = {"etcd.ssl.enabled": "true" if self.enabled else "false"}
        for k, v in (("etcd.ssl.tlsCert", self.tls_cert), ("etcd.ssl.tlsKey", self.tls_key),
                     ("etcd.ssl.tlsCACert", self.tls_ca_cert)):
            if v is not None:
                out[k] = str(Path(v).resolve())
        if self.tls_min_version is not None:
            out["etcd.ssl.tlsMinVersion"] = str(self.tls_min_version)
        return out


@dataclasses.dataclass(frozen=True)
class MilvusOutcome:
    up: bool
    reason: str                 # "GetVersion answered" | "exited N" | "etcd error in log" | "timeout"
    seconds: float
    version: str = ""
    log_lines: tuple[str, ...] = ()
    exit_code: Optional[int] = None
    config: dict = dataclasses.field(default_factory=dict)
    git_commit: str = ""
    pid: Optional[int] = None


# What Milvus 2.3.5 logs when it cannot use its etcd (checked against the real logs: tools/observe_links.py).
_ETCD_FAIL = re.compile(
    r'"level":"(warn|error)".*"logger":"etcd-client"|failed to create etcd client|(connect to|init with) etcd failed|'
    r"load etcd|x509:|tls: |first record does not look|^panic: |context deadline exceeded")
_PEM_BODY = re.compile(r"-----BEGIN [^-]+-----.*?-----END [^-]+-----", re.S)


def _grpc_get_version(port: int, timeout: float = 2) -> Optional[str]:
    import grpc  # noqa: PLC0415
    from pymilvus.grpc_gen import milvus_pb2, milvus_pb2_grpc  # noqa: PLC0415

    with grpc.insecure_channel(f"{HOST}:{port}") as ch:
        try:
            resp = milvus_pb2_grpc.MilvusServiceStub(ch).GetVersion(milvus_pb2.GetVersionRequest(), timeout=timeout)
        except grpc.RpcError:
            return None
    return resp.version or "?"


_SPECIFIC = re.compile(r"x509|tls:|first record|handshake|panic|load etcd|no such file|protocol version|"
                       r"certificate|unknown TLS version|connection refused", re.I)


_STACK = re.compile(r"^\s*(panic\(|/|goroutine |[\w./*()-]+\(0x|[\w./*()-]+\(\{)")


def _condense(line: str) -> str:
    """One log line as "<caller> <msg>: <innermost error>", PEM blocks and timestamps removed."""
    t = _PEM_BODY.sub("[PEM]", line.strip())
    caller = msg = err = ""
    if t.startswith("{"):
        with contextlib.suppress(ValueError):
            import json  # noqa: PLC0415
            d = json.loads(t)
            caller, msg, err = d.get("caller", ""), d.get("msg", ""), str(d.get("error", ""))
    else:
        m = re.match(r"^(?:\[[^\]]*\]\s*)?\[(\w+)\]\s*\[([^\]]+)\]\s*\[\"?(.*?)\"?\](.*)$", t)
        if m:
            caller, msg, rest = m.group(2), m.group(3), m.group(4)
            e = re.search(r'\[error="?(.*?)"?\](?: \[|$)', rest)
            err = e.group(1) if e else ""
    if not (caller or msg):
        return re.sub(r"^\[[0-9/: .+-]+\]\s*", "", t)
    for cut in ("authentication handshake failed: ", "transport: ", "connection error: desc = "):
        if cut in err:
            err = err[err.index(cut) + len(cut):]
            break
    err = err.replace('\\"', "").replace('\"', "").strip('" ')
    return f"{caller} {msg}" + (f": {err}" if err else "")


def etcd_reason_lines(log: str, limit: int = 4, width: int = 400) -> list[str]:
    """Milvus's log lines that say why it could not use etcd: condensed (caller, message, innermost error), no PEM
    blocks, deduplicated, the most specific (x509, tls:, first record, panic, ...) first."""
    found: list[tuple[int, str]] = []
    keys: set[str] = set()
    for line in log.splitlines():
        if not _ETCD_FAIL.search(line) or _STACK.match(line):
            continue
        t = _condense(line)
        key = re.sub(r"0x[0-9a-f]+|\d+", "#", t)[:200]
        if key in keys:
            continue
        keys.add(key)
        found.append((0 if _SPECIFIC.search(t) else 1, t if len(t) <= width else t[:width] + "..."))
    found.sort(key=lambda x: x[0])
    return [t for _, t in found[:limit]]


def _log_text(log_dir: Path) -> str:
    parts = []
    for p in sorted(log_dir.glob("*.log")):
        with contextlib.suppress(OSError):
            parts.append(p.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(parts)


def milvus_against_etcd(base_dir: Path, endpoint: str, ssl_cfg: Optional[EtcdSSL], *, timeout: float = 75,
                        settle: float = 0, extra: Optional[dict] = None) -> MilvusOutcome:
    """Start the embedded Milvus 2.3.5 with ``etcd.use.embed: false`` and ``etcd.endpoints: endpoint`` (plus
    ``ssl_cfg``'s etcd.ssl.*), wait until its proxy answers GetVersion over plaintext gRPC (up), or it exits, or
    ``timeout`` seconds pass (down); an etcd error in its log is the reason given for down. Always stopped.

    ``settle``: once an etcd error is in the log, wait this long more for GetVersion before calling it down (0: the
    first etcd error line does not end the wait, only exit/GetVersion/timeout do)."""
    import milvus as milvus_pkg  # noqa: PLC0415
    from milvus import MilvusServer, MilvusServerConfig  # noqa: PLC0415

    base_dir = Path(base_dir)
    base_dir.mkdir(parents=True, exist_ok=True)
    shared_bin = _shared_bin_dir()
    data_dir = Path(tempfile.mkdtemp(prefix="milvus-ext-etcd-", dir=base_dir))
    (data_dir / "bin").symlink_to(shared_bin, target_is_directory=True)
    (data_dir / "configs").mkdir(exist_ok=True)
    ports = _pick_ports(len(_TEMPLATE_PORT_KEYS) + 2)
    port_map = dict(zip(_TEMPLATE_PORT_KEYS, ports))
    etcd_cfg = data_dir / "configs" / "embedEtcd.yaml"     # unused with embed false; keeps the template complete
    _write_etcd_config(etcd_cfg, port_map["etcd_port"], ports[-2])
    template = _patched_template(data_dir / "configs" / "milvus.yaml.template")
    cfg = MilvusServerConfig(data_dir=str(data_dir), template=str(template), **port_map)
    cfg.glog_conf_file = str(Path(milvus_pkg.__file__).parent / "data" / "glog.conf")
    cfg.set("etcd_config_path", str(etcd_cfg))
    settings = {"etcd.use.embed": "false", "etcd.endpoints": endpoint,
                # a fresh root per run: nothing is shared with another run against the same etcd
                "etcd.rootPath": f"lab-{data_dir.name}"}
    if ssl_cfg is not None:
        settings.update(ssl_cfg.settings())
    settings.update(extra or {})
    for comp in _COMPONENTS_WITH_IP:
        cfg.set(f"{comp}.ip", HOST)
    for k, v in settings.items():
        cfg.set(k, v)
    server = MilvusServer(cfg, wait_for_started=False)
    server.webservice_port = ports[-1]
    proc = None
    t0 = time.monotonic()
    up, reason, version, exit_code = False, "timeout", "", None
    log_dir = data_dir / "logs"
    try:
        with _START_LOCK:
            server.start()
        proc = server.server_proc
        deadline = t0 + timeout
        etcd_error_at: Optional[float] = None
        while True:
            exit_code = proc.poll()
            if exit_code is not None:
                reason = f"exited {exit_code}"
                break
            if _port_accepts(server.listen_port):
                v = _grpc_get_version(int(server.listen_port))
                if v is not None:
                    up, reason, version = True, "GetVersion answered", v
                    break
            now = time.monotonic()
            if etcd_error_at is None and etcd_reason_lines(_log_text(log_dir), limit=1):
                etcd_error_at = now
            if settle and etcd_error_at is not None and now - etcd_error_at > settle:
                reason = "etcd error in log"
                break
            if now > deadline:
                reason = "timeout" if etcd_error_at is None else "timeout (etcd error in log)"
                break
            time.sleep(0.5)
    finally:
        if proc is None:
            proc = server.server_proc
        server.server_proc = None
        _stop_process(proc)
        server.stop()
        shutil.rmtree(data_dir / "data", ignore_errors=True)
    log = _log_text(log_dir)
    commit = re.search(r"GitCommit[\"=: ]+\"?([0-9a-f]{7,40})", log)
    return MilvusOutcome(up, reason, round(time.monotonic() - t0, 1), version,
                         tuple(etcd_reason_lines(log)) if not up else (), exit_code, settings,
                         commit.group(1) if commit else "", proc.pid if proc is not None else None)


# --------------------------------------------------------------------------- the etcd cases (tools/observe_links.py, tests)


@dataclasses.dataclass
class Material:
    """The files of one run: an etcd CA with its server and client pairs, and the strays the broken cases use."""
    ca: Path
    server_pem: Path
    server_key: Path
    client_pem: Path
    client_key: Path
    other_ca: Path            # a CA that signed neither
    other_client_pem: Path    # a client pair signed by other_ca
    other_client_key: Path
    wrong_san_pem: Path       # signed by ca, SAN etcd.example only (Milvus dials localhost / 127.0.0.1)
    wrong_san_key: Path


def make_material(out: Path) -> Material:
    out.mkdir(parents=True, exist_ok=True)
    ca = make_ca("etcd lab CA")
    other = make_ca("some other CA")
    # etcd's own gateway dials its client URL with the server pair, so under --client-cert-auth the server
    # certificate carries clientAuth too (as etcd's docs make it); otherwise etcd logs its own rejections.
    server = make_leaf(ca, "localhost", dns=("localhost",), ips=("127.0.0.1",), eku=("server", "client"))
    client = make_leaf(ca, "milvus", dns=("milvus",), eku=("client",))
    other_client = make_leaf(other, "milvus", dns=("milvus",), eku=("client",))
    wrong_san = make_leaf(ca, "etcd.example", dns=("etcd.example",), eku=("server", "client"))
    (out / "ca.pem").write_bytes(ca.cert_pem())
    (out / "other-ca.pem").write_bytes(other.cert_pem())
    server.write(out / "etcd-server.pem", out / "etcd-server.key")
    client.write(out / "client.pem", out / "client.key")
    other_client.write(out / "other-client.pem", out / "other-client.key")
    wrong_san.write(out / "wrong-san.pem", out / "wrong-san.key")
    return Material(out / "ca.pem", out / "etcd-server.pem", out / "etcd-server.key", out / "client.pem",
                    out / "client.key", out / "other-ca.pem", out / "other-client.pem", out / "other-client.key",
                    out / "wrong-san.pem", out / "wrong-san.key")


@dataclasses.dataclass(frozen=True)
class EtcdSide:
    tls: bool = True
    client_cert_auth: bool = True
    wrong_san: bool = False
    tls12_proxy: bool = False     # Milvus dials an nginx that speaks only TLS 1.2, in front of this etcd


@dataclasses.dataclass(frozen=True)
class LinkCase:
    name: str
    title: str
    etcd: EtcdSide
    milvus_ssl: Callable[[Material], Optional[EtcdSSL]]
    expect_up: bool
    host: str = "localhost"       # the name Milvus dials (etcd.endpoints)


def _pair(m: Material, **kw) -> EtcdSSL:
    args = dict(enabled=True, tls_cert=m.client_pem, tls_key=m.client_key, tls_ca_cert=m.ca)
    args.update(kw)
    return EtcdSSL(**args)


CASES: list[LinkCase] = [
    LinkCase("good", "good: TLS + client-cert-auth, right CA and client pair (tlsMinVersion default 1.3)",
             EtcdSide(), lambda m: _pair(m), True),
    LinkCase("good-ip", "good, dialled by IP (etcd.endpoints 127.0.0.1:port, IP in the SAN)",
             EtcdSide(), lambda m: _pair(m), True, host="127.0.0.1"),
    LinkCase("wrong-ca", "wrong CA in Milvus's etcd.ssl.tlsCACert",
             EtcdSide(), lambda m: _pair(m, tls_ca_cert=m.other_ca), False),
    LinkCase("no-client-cert", "no client certificate: tlsCert/tlsKey left at the template's /path/to/... defaults",
             EtcdSide(), lambda m: _pair(m, tls_cert=None, tls_key=None), False),
    LinkCase("untrusted-client-cert", "client certificate from a CA etcd does not trust (--client-cert-auth)",
             EtcdSide(), lambda m: _pair(m, tls_cert=m.other_client_pem, tls_key=m.other_client_key), False),
    LinkCase("no-client-auth-etcd", "etcd without --client-cert-auth, Milvus with its pair (control)",
             EtcdSide(client_cert_auth=False), lambda m: _pair(m), True),
    LinkCase("wrong-san", "etcd certificate without the name Milvus dials (SAN etcd.example; dials localhost)",
             EtcdSide(wrong_san=True), lambda m: _pair(m), False),
    LinkCase("ssl-off-vs-tls", "etcd.ssl.enabled false against a TLS-only etcd",
             EtcdSide(), lambda m: EtcdSSL(False), False),
    LinkCase("ssl-on-vs-plain", "etcd.ssl.enabled true against a plaintext etcd",
             EtcdSide(tls=False, client_cert_auth=False), lambda m: _pair(m), False),
    LinkCase("min13-vs-tls12", "tlsMinVersion 1.3 (default) against an etcd reached through a TLS 1.2-only nginx",
             EtcdSide(tls12_proxy=True), lambda m: _pair(m, tls_min_version="1.3"), False),
    LinkCase("min12-vs-tls12", "tlsMinVersion 1.2 through the same TLS 1.2-only nginx (control)",
             EtcdSide(tls12_proxy=True), lambda m: _pair(m, tls_min_version="1.2"), True),
]


_ETCD_REJECT = re.compile(r'"msg":"rejected connection".*?"error":"([^"]*)"')


def etcd_side_lines(log: str, limit: int = 2) -> list[str]:
    out: list[str] = []
    for m in _ETCD_REJECT.finditer(log):
        t = f"rejected connection: {m.group(1)}"
        if t not in out and m.group(1) != "EOF":
            out.append(t)
    return out[:limit]


def _nginx_side_lines(path: Path, start: int = 0, limit: int = 2) -> list[str]:
    try:
        text = path.read_text(errors="replace")[start:]
    except OSError:
        return []
    out: list[str] = []
    for line in text.splitlines():
        if "SSL_do_handshake" in line or "unsupported protocol" in line or "[crit]" in line or "[error]" in line:
            t = re.sub(r"^\S+ \S+ \[\w+\] \d+#\d+: \*?\d* ?", "", line).strip()
            t = re.sub(r", client: .*", "", t)
            if t not in out:
                out.append(t[:300])
    return out[:limit]


def run_case(case: LinkCase, m: Material, work: Path, timeout: float, settle: float) -> dict:
    side = case.etcd
    cert, key = (m.wrong_san_pem, m.wrong_san_key) if side.wrong_san else (m.server_pem, m.server_key)
    ssl_cfg = case.milvus_ssl(m)
    t0 = time.monotonic()
    with contextlib.ExitStack() as stack:
        etcd = stack.enter_context(running_etcd(
            work, cert=cert if side.tls else None, key=key if side.tls else None, ca=m.ca,
            client_cert_auth=side.client_cert_auth, ready_client=(m.client_pem, m.client_key),
            plain_listener=side.tls12_proxy))
        port, offered, proxy = etcd.port, "", None
        if side.tls12_proxy:
            assert etcd.plain_port is not None
            proxy = stack.enter_context(tls12_terminator(work, etcd.plain_port, m.server_pem, m.server_key,
                                                         client_ca=m.ca if side.client_cert_auth else None))
            port = proxy.port
        if side.tls:
            offered = max_tls_offered(port, (m.client_pem, m.client_key))
        mark = len(etcd.log_text())       # what etcd (and nginx) log from here on is about Milvus
        nginx_mark = len(proxy.error_log.read_text(errors="replace")) if proxy is not None else 0
        outcome = milvus_against_etcd(work, f"{case.host}:{port}", ssl_cfg, timeout=timeout, settle=settle)
        etcd_lines = etcd_side_lines(etcd.log_text()[mark:])
        if proxy is not None:
            etcd_lines = [f"nginx: {x}" for x in _nginx_side_lines(proxy.error_log, nginx_mark)] + etcd_lines
    return {
        "case": case.name, "title": case.title, "expect_up": case.expect_up,
        "etcd": {"tls": side.tls, "client_cert_auth": side.client_cert_auth, "wrong_san": side.wrong_san,
                 "tls12_proxy": side.tls12_proxy, "max_tls_offered": offered},
        "milvus_settings": {k: _short_path(v) for k, v in outcome.config.items()
                            if k.startswith("etcd.ssl") or k == "etcd.endpoints"},
        "up": outcome.up, "reason": outcome.reason, "seconds": outcome.seconds, "version": outcome.version,
        "exit_code": outcome.exit_code, "milvus_log": list(outcome.log_lines), "etcd_log": etcd_lines,
        "git_commit": outcome.git_commit, "total_seconds": round(time.monotonic() - t0, 1),
        "pids": {"milvus": outcome.pid, "etcd": etcd.pid},
    }


def _short_path(v: str) -> str:
    return Path(v).name if v.startswith("/") else v
