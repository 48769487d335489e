"""Start a real Milvus (PyPI's embedded standalone ``milvus`` 2.3.5) on loopback, and run a real
pymilvus client against it in a subprocess.

Used by the integration tests and by ``tools/observe_real.py``::

    from milvus_tls_lab.realmilvus import running_milvus, pymilvus_connect

    with running_milvus(tmp_path, tls_mode=1, server_pem=..., server_key=...) as m:
        if m.started:
            out = pymilvus_connect(m.uri_tls, server_pem_path=..., server_name="localhost")

What this module adds on top of ``milvus.MilvusServer``:

* every server gets a fresh data dir and its own random ports, including the embedded etcd's
  client and peer ports (the stock template leaves etcd on 2379/2380, so two servers clash);
* the ~250 MB of binaries are extracted once into a shared cache and symlinked into each data dir;
* readiness = health endpoint says OK *and* the gRPC proxy port accepts TCP connections, while
  ``server_proc.poll()`` is watched, so a server that dies at start (bad key, missing file) is
  reported within seconds as ``started=False`` with its exit code;
* a port clash at start is retried with new ports;
* the process (and any children) is always terminated, then killed, in ``finally``.

Measured here (2 cores): a start takes ~5-9 s (proxy port opens at ~4.5 s, health OK at ~7 s);
two servers can run at the same time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import random
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator, Optional

from milvus_tls_check.handshake.trusted_cache import CHILD_CWD

HOST = "127.0.0.1"

# Port keys of the milvus package's config template.
_TEMPLATE_PORT_KEYS = (
    "etcd_port",
    "root_coord_port",
    "proxy_port",
    "proxy_internal_port",
    "query_coord_port",
    "query_node_port",
    "index_coord_port",
    "index_node_port",
    "data_coord_port",
    "data_node_port",
)
# Random ports come from below the Linux ephemeral range (32768-60999), so outgoing
# connections do not take them between our check and Milvus' bind.
_PORT_RANGE = (20000, 32000)

_COMPONENTS_WITH_IP = ("rootCoord", "proxy", "queryCoord", "queryNode", "indexNode", "dataCoord", "dataNode")

_START_LOCK = threading.Lock()  # MilvusServer.start() does os.chdir; serialise starts in-process


@dataclasses.dataclass(frozen=True)
class MilvusHandle:
    host: str
    port: int
    uri_plain: str
    uri_tls: str
    log_dir: Path
    started: bool
    exit_code: Optional[int]
    data_dir: Path
    config_path: Path
    start_seconds: float
    pid: Optional[int]

    def log_text(self) -> str:
        """Milvus' own log (standalone-*.log), stdout and stderr captures, concatenated."""
        parts = []
        for p in sorted(self.log_dir.glob("*.log")):
            if p.name == "etcd.log":
                continue
            try:
                parts.append(p.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                pass
        return "\n".join(parts)

    def log_size(self) -> dict:
        """Bookmark of the current log sizes; pass to :meth:`log_since`."""
        return {p.name: p.stat().st_size for p in self.log_dir.glob("*.log")}

    def log_since(self, mark: dict) -> str:
        out = []
        for p in sorted(self.log_dir.glob("*.log")):
            if p.name == "etcd.log":
                continue
            start = mark.get(p.name, 0)
            try:
                with p.open("rb") as f:
                    f.seek(start)
                    out.append(f.read().decode("utf-8", errors="replace"))
            except OSError:
                pass
        return "".join(out)


@dataclasses.dataclass(frozen=True)
class PymilvusOutcome:
    ok: bool
    error: str
    stderr: str
    result: str = ""
    timed_out: bool = False
    seconds: float = 0.0


class MilvusStartTimeout(TimeoutError):
    pass


# --------------------------------------------------------------------------- ports


def _port_free(port: int) -> bool:
    for addr in ("0.0.0.0", HOST):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind((addr, port))
        except OSError:
            return False
        finally:
            s.close()
    return True


def _pick_ports(n: int) -> list[int]:
    rng = random.SystemRandom()
    chosen: list[int] = []
    while len(chosen) < n:
        p = rng.randrange(*_PORT_RANGE)
        if p not in chosen and _port_free(p):
            chosen.append(p)
    return chosen


# --------------------------------------------------------------------------- binaries


class UnsafeBinCache(RuntimeError):
    """The folder the Milvus binaries would be extracted to (and run from) is not ours alone."""


def _private_dir(path: Path) -> Path:
    """`path` as a folder only we can use, race-free: created 0700 if missing; an existing one is opened O_NOFOLLOW
    (a symlink is refused, never followed) and fstat-checked: owned by us, not group/other-writable (an older
    doctor's 0755 is tightened to 0700). Its parent must be ours or root's and not writable by others unless sticky
    (/tmp: then nobody else can rename or replace our folder). UnsafeBinCache otherwise; nothing is extracted into
    or run from it."""
    path = Path(os.path.abspath(path))
    parent = os.lstat(path.parent)
    if parent.st_uid not in (os.getuid(), 0) or (
            parent.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not parent.st_mode & stat.S_ISVTX):
        raise UnsafeBinCache(f"refusing {path}: its folder {path.parent} is not yours or root's, or others may "
                             f"replace what is in it (mode {stat.S_IMODE(parent.st_mode):04o})")
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, 0o700)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        raise UnsafeBinCache(f"refusing {path}: it is a symlink or not a folder (someone else may have planted it: "
                             f"{exc.strerror}); remove it or set MILVUS_TLS_CHECK_BIN_CACHE to a folder of your own")
    try:
        st = os.fstat(fd)
        if st.st_uid != os.getuid():
            raise UnsafeBinCache(f"refusing {path}: it is owned by uid {st.st_uid}, not by you (uid {os.getuid()}); "
                                 f"remove it or set MILVUS_TLS_CHECK_BIN_CACHE to a folder of your own")
        if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise UnsafeBinCache(f"refusing {path}: others may write to it (mode {stat.S_IMODE(st.st_mode):04o}); "
                                 f"remove it or set MILVUS_TLS_CHECK_BIN_CACHE to a folder of your own")
        if st.st_mode & 0o077:   # an older doctor's 0755 folder: nobody else could write to it; make it private
            os.fchmod(fd, 0o700)
    finally:
        os.close(fd)
    return path


def _bin_base() -> Path:
    """The private folder the Milvus binaries are extracted into: $MILVUS_TLS_CHECK_BIN_CACHE, else
    <tmp>/milvus-tls-check-bin-<uid>, checked by _private_dir."""
    root = os.environ.get("MILVUS_TLS_CHECK_BIN_CACHE") or os.path.join(
        tempfile.gettempdir(), f"milvus-tls-check-bin-{os.getuid()}"
    )
    return _private_dir(Path(root))


def _bin_cache_dir() -> Path:
    import milvus  # noqa: PLC0415

    return _bin_base() / milvus.__version__


def _shared_bin_dir() -> Path:
    """Extract the milvus binaries once (file-locked) and return the directory."""
    import milvus  # noqa: PLC0415

    cache = _bin_cache_dir()   # its parent is checked private (UnsafeBinCache otherwise)
    lock_path = cache.parent / (cache.name + ".lock")
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            # _initialize_data_files(base) extracts into base/bin, skipping files whose md5 matches.
            staging = cache.parent / (cache.name + ".base")
            staging.mkdir(exist_ok=True)
            milvus._initialize_data_files(str(staging))  # pylint: disable=protected-access
            bin_dir = staging / "bin"
            if not cache.exists():
                cache.symlink_to(bin_dir)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return cache.resolve()


def milvus_binary() -> Path:
    return _shared_bin_dir() / "milvus"


# --------------------------------------------------------------------------- config


def _patched_template(dest: Path) -> Path:
    """The milvus package template plus an ``etcd.config.path`` item, so the embedded etcd
    listens on our ports instead of its defaults 2379/2380."""
    import milvus  # noqa: PLC0415

    src = Path(milvus.__file__).parent / "data" / "config.yaml.template"
    text = src.read_text(encoding="utf-8")
    marker = "  use:\n    embed: true"
    if "{{ etcd_config_path" not in text:
        if marker not in text:
            raise RuntimeError("unexpected milvus config template: no etcd.use.embed")
        text = text.replace(marker, "  config:\n    path: {{ etcd_config_path }}\n" + marker, 1)
    dest.write_text(text, encoding="utf-8")
    return dest


def _write_etcd_config(path: Path, client_port: int, peer_port: int) -> None:
    path.write_text(
        textwrap.dedent(
            f"""\
            name: default
            listen-client-urls: http://{HOST}:{client_port}
            advertise-client-urls: http://{HOST}:{client_port}
            listen-peer-urls: http://{HOST}:{peer_port}
            initial-advertise-peer-urls: http://{HOST}:{peer_port}
            initial-cluster: default=http://{HOST}:{peer_port}
            initial-cluster-state: new
            """
        ),
        encoding="utf-8",
    )


# --------------------------------------------------------------------------- process control


def _children(pid: int) -> list[int]:
    kids = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...; comm may contain spaces/parens
        try:
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (IndexError, ValueError):
            continue
        if ppid == pid:
            kids.append(int(d.name))
    out = list(kids)
    for k in kids:
        out.extend(_children(k))
    return out


def _kill_pid(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _stop_process(proc: subprocess.Popen, grace: float = 3.0) -> Optional[int]:
    if proc is None:
        return None
    kids = _children(proc.pid) if proc.poll() is None else []
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
    for k in kids:
        _kill_pid(k, signal.SIGKILL)
    return proc.returncode


def _health_ok(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as resp:
            return "OK" in resp.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _port_accepts(port: int) -> bool:
    try:
        socket.create_connection((HOST, port), timeout=1).close()
        return True
    except OSError:
        return False


_CLASH_RE = re.compile(r"address already in use", re.I)


# --------------------------------------------------------------------------- launcher


@contextlib.contextmanager
def running_milvus(
    base_dir: Path,
    tls_mode: int,
    server_pem: Optional[Path] = None,
    server_key: Optional[Path] = None,
    ca_pem: Optional[Path] = None,
    extra: Optional[dict] = None,
    start_timeout: float = 90,
    grpc_log_level: Optional[str] = "INFO",
    name: Optional[str] = None,
    clash_retries: int = 3,
    keep_data: bool = False,
) -> Iterator[MilvusHandle]:
    """Run one Milvus standalone with the given TLS setting; yield a :class:`MilvusHandle`.

    ``server_pem``/``server_key``/``ca_pem`` go to ``tls.serverPemPath|serverKeyPath|caPemPath``
    (absolute paths; ``None`` keeps the template default, a relative name that does not exist).
    ``extra`` maps dotted milvus.yaml keys (that exist in the template) or template item names
    to values.  ``grpc_log_level`` sets ``grpc.log.level`` so Go's handshake errors are logged.

    After the stop the data dir keeps ``logs/`` and ``configs/``; its ``data/`` (etcd WAL, rocksmq:
    ~130 MB per server) is removed unless ``keep_data``.

    If the process exits during start the handle has ``started=False`` and ``exit_code`` set.
    A start that neither succeeds nor exits within ``start_timeout`` raises MilvusStartTimeout.
    """
    import milvus as milvus_pkg  # noqa: PLC0415
    from milvus import MilvusServer, MilvusServerConfig  # noqa: PLC0415

    base_dir = Path(base_dir)
    base_dir.mkdir(parents=True, exist_ok=True)
    shared_bin = _shared_bin_dir()

    attempt = 0
    while True:
        attempt += 1
        data_dir = Path(tempfile.mkdtemp(prefix=(name or f"milvus-m{tls_mode}") + "-", dir=base_dir))
        (data_dir / "bin").symlink_to(shared_bin, target_is_directory=True)
        (data_dir / "configs").mkdir(exist_ok=True)
        ports = _pick_ports(len(_TEMPLATE_PORT_KEYS) + 2)
        port_map = dict(zip(_TEMPLATE_PORT_KEYS, ports))
        etcd_peer_port, web_port = ports[-2], ports[-1]
        etcd_cfg = data_dir / "configs" / "embedEtcd.yaml"
        _write_etcd_config(etcd_cfg, port_map["etcd_port"], etcd_peer_port)
        template = _patched_template(data_dir / "configs" / "milvus.yaml.template")

        cfg = MilvusServerConfig(data_dir=str(data_dir), template=str(template), **port_map)
        # the package only sets glog_conf_file when it uses its own template
        cfg.glog_conf_file = str(Path(milvus_pkg.__file__).parent / "data" / "glog.conf")
        cfg.set("etcd_config_path", str(etcd_cfg))
        cfg.set("tls_mode", int(tls_mode))
        if server_pem is not None:
            cfg.set("server_pem_path", str(Path(server_pem).resolve()))
        if server_key is not None:
            cfg.set("server_key_path", str(Path(server_key).resolve()))
        if ca_pem is not None:
            cfg.set("ca_pem_path", str(Path(ca_pem).resolve()))
        # components register (and dial each other) on this address; default is the first
        # non-loopback interface
        for comp in _COMPONENTS_WITH_IP:
            cfg.set(f"{comp}.ip", HOST)
        if grpc_log_level:
            cfg.set("grpc.log.level", grpc_log_level)
        for k, v in (extra or {}).items():
            cfg.set(k, v)
        server = MilvusServer(cfg, wait_for_started=False)
        server.webservice_port = web_port  # start() probes upward from here for the metrics port

        proc = None
        exit_code: Optional[int] = None
        started = False
        t0 = time.monotonic()
        try:
            with _START_LOCK:
                server.start()
            proc = server.server_proc
            deadline = t0 + start_timeout
            while True:
                exit_code = proc.poll()
                if exit_code is not None:
                    break
                if _port_accepts(server.listen_port) and _health_ok(server.webservice_port):
                    # the process could still die right after the port opened
                    time.sleep(0.3)
                    exit_code = proc.poll()
                    started = exit_code is None
                    break
                if time.monotonic() > deadline:
                    raise MilvusStartTimeout(
                        f"Milvus not ready within {start_timeout}s (logs: {data_dir / 'logs'})"
                    )
                time.sleep(0.2)
            elapsed = time.monotonic() - t0
            handle = MilvusHandle(
                host=HOST,
                port=int(server.listen_port),
                uri_plain=f"http://{HOST}:{server.listen_port}",
                uri_tls=f"https://{HOST}:{server.listen_port}",
                log_dir=data_dir / "logs",
                started=started,
                exit_code=exit_code,
                data_dir=data_dir,
                config_path=data_dir / "configs" / "milvus.yaml",
                start_seconds=elapsed,
                pid=proc.pid,
            )
            if not started and attempt <= clash_retries and _CLASH_RE.search(handle.log_text()):
                clash = True
            else:
                clash = False
                yield handle
        finally:
            if proc is None:
                proc = server.server_proc
            server.server_proc = None  # we stop it ourselves; stop() then only closes fds
            _stop_process(proc)
            server.stop()
            if not keep_data:
                shutil.rmtree(data_dir / "data", ignore_errors=True)
        if not clash:
            return
        # port clash: another process took one of our ports between check and bind; retry.


# --------------------------------------------------------------------------- pymilvus client

_CLIENT_SCRIPT = r"""
import json, sys, time, traceback
params = json.loads(sys.argv[1])
out = {"ok": False, "error": "", "result": ""}
try:
    from pymilvus import MilvusClient
    c = MilvusClient(uri=params["uri"], timeout=params["timeout"], **params["kwargs"])
    cols = c.list_collections(timeout=params["timeout"])
    ver = c.get_server_version(timeout=params["timeout"])
    out["ok"] = True
    out["result"] = f"version={ver} collections={cols}"
except BaseException as e:  # noqa
    cause = e.__cause__ or e.__context__
    msg = f"{type(e).__name__}: {e}"
    if cause is not None:
        detail = getattr(cause, "details", None)
        try:
            d = detail() if callable(detail) else None
        except Exception:
            d = None
        msg += f" | cause {type(cause).__name__}: {d or str(cause)[:600]}"
    out["error"] = msg
sys.stdout.write("\n@@RESULT@@" + json.dumps(out) + "\n")
sys.stdout.flush()
"""


def pymilvus_python() -> str:
    """Interpreter used for client subprocesses (env MILVUS_TLS_CHECK_PYMILVUS_PYTHON)."""
    return os.environ.get("MILVUS_TLS_CHECK_PYMILVUS_PYTHON") or sys.executable


def pymilvus_connect(
    uri: str,
    timeout: float = 10,
    *,
    python: Optional[str] = None,
    grpc_trace: Optional[str] = None,
    **kwargs,
) -> PymilvusOutcome:
    """Run a real ``pymilvus.MilvusClient(uri=uri, **kwargs)`` in a fresh subprocess, then
    ``list_collections()`` and ``get_server_version()``.

    Returns ok, the exception text (with the grpc cause's details) and grpc's C-core log lines
    (GRPC_VERBOSITY=debug), which is where the real handshake reason appears.
    """
    env = dict(os.environ)
    env["GRPC_VERBOSITY"] = "debug"
    if grpc_trace:
        env["GRPC_TRACE"] = grpc_trace
    else:
        env.pop("GRPC_TRACE", None)
    env["PYTHONUNBUFFERED"] = "1"
    kwargs = {k: (os.path.abspath(v) if k.endswith("_path") and isinstance(v, (str, Path)) else v)
              for k, v in kwargs.items()}
    params = json.dumps({"uri": uri, "timeout": timeout, "kwargs": kwargs})
    t0 = time.monotonic()
    try:   # isolated: -I and a fixed cwd (nothing of the checkout is imported, no .env of it read)
        cp = subprocess.run(
            [python or pymilvus_python(), "-I", "-c", _CLIENT_SCRIPT, params],
            capture_output=True,
            text=True,
            timeout=timeout * 3 + 20,
            env=env,
            check=False,
            cwd=CHILD_CWD,
        )
    except subprocess.TimeoutExpired as e:
        err = e.stderr.decode("utf-8", "replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
        return PymilvusOutcome(False, "client subprocess timed out", err, "", True, time.monotonic() - t0)
    secs = time.monotonic() - t0
    m = re.search(r"@@RESULT@@(.*)", cp.stdout)
    if not m:
        return PymilvusOutcome(
            False, f"client subprocess exited {cp.returncode} without a result: {cp.stdout[-500:]}",
            cp.stderr, "", False, secs,
        )
    res = json.loads(m.group(1))
    return PymilvusOutcome(bool(res["ok"]), res["error"], cp.stderr, res["result"], False, secs)


def grpc_reason_lines(stderr: str, limit: int = 6) -> list[str]:
    """The informative grpc C-core lines from a client's stderr (handshake/ssl/connect errors)."""
    pats = re.compile(
        r"ssl|handshak|certificate|peer name|verify|tsi|alert|wrong_version|connect|socket closed|"
        r"end of tcp|reset|UNAVAILABLE|unknown authority|failed",
        re.I,
    )
    seen: list[str] = []
    for line in stderr.splitlines():
        if not pats.search(line):
            continue
        # strip the "E0000 00:00:... 1234 file.cc:123] " prefix
        text = re.sub(r"^[EIWD]\d{4} [\d:.]+\s+\d+\s+\S+\]\s*", "", line.strip())
        if text and text not in seen:
            seen.append(text)
    return seen[:limit]


def milvus_tls_log_lines(log: str, limit: int = 6) -> list[str]:
    """Lines from Milvus' logs that explain a TLS failure (Go's reason)."""
    pats = re.compile(
        r"tls|handshake|certificate|x509|credentials|key pair|pem|client didn't|bad certificate|"
        r"first record|panic|fatal|failed to|proxy.*fail",
        re.I,
    )
    seen: list[str] = []
    for line in log.splitlines():
        if not pats.search(line):
            continue
        t = line.strip()
        if len(t) > 600:
            t = t[:600] + "..."
        if t not in seen:
            seen.append(t)
    return seen[:limit]


def milvus_processes() -> list[int]:
    """PIDs of any 'milvus run' processes on the machine (for leak checks)."""
    cp = subprocess.run(["pgrep", "-f", "milvus run"], capture_output=True, text=True, check=False)
    return [int(x) for x in cp.stdout.split()]


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


class MilvusPerSetup:
    """One real Milvus per server setup, for a corpus ordered by setup: started when the first case of a setup asks
    for it, stopped when the next setup starts, and at close(). `write(folder)` writes the setup's files and returns
    them by name (server.pem, server.key, ca.pem)."""

    def __init__(self, base: Path, start_timeout: float = 60) -> None:
        self.base, self.start_timeout = Path(base), start_timeout
        self._setup: Optional[str] = None
        self._stack: Optional[contextlib.ExitStack] = None
        self._handle: Optional[MilvusHandle] = None
        self._count = 0

    def get(self, setup: str, mode: int, write) -> MilvusHandle:
        if self._setup != setup:
            self.close()
            folder = self.base / f"{self._count:02d}-{setup}"
            self._count += 1
            files = write(folder / "tls")
            stack = contextlib.ExitStack()
            self._handle = stack.enter_context(running_milvus(
                folder / "milvus", mode, files["server.pem"], files["server.key"],
                files.get("ca.pem") if mode == 2 else None, start_timeout=self.start_timeout))
            self._setup, self._stack = setup, stack
        assert self._handle is not None
        return self._handle

    def close(self) -> None:
        if self._stack is not None:
            self._stack.close()
        self._setup = self._stack = self._handle = None
