"""The real Go and Node clients: build/install (cached) and run one attempt each, in a subprocess.

- Go: goclient/main.go (standard library: crypto/tls configured as the Go SDK hands it to grpc-go, one gRPC call
  over HTTP/2), built like the Go front (gofront.build: offline, GOTOOLCHAIN=local) with the newest installed
  toolchain, or the one asked for; cached in <cache>/go-client/, its sha256 recorded, and the checked descriptor is
  what runs (trusted_cache).
- Node: nodeclient/client.js runs the real @zilliz/milvus2-sdk-node of one line, installed with npm into
  <cache>/node-sdk/<release>/ (`python -m milvus_tls_check.handshake.sdk_process install-node 2.6 3`) with
  --ignore-scripts (the SDK needs none: its one dependency with a script, protobufjs, only prints a version warning)
  and the sha256 of package-lock.json and the SDK's package.json recorded. Before each run the installed tree is walked
  (owner us or root, nothing group/other-writable, no symlink out of it) and those two files checked against their
  records; node runs from a fixed cwd (trusted_cache.CHILD_CWD) with the TLS paths made absolute.

Nothing is installed or built implicitly by the doctor except the Go client (like the Go front, it is built on
first use when a toolchain is there); the Node SDK must have been installed (the attempt says how when it is not).
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from ..clientkinds.node import LINES as NODE_LINES, PACKAGE as NODE_PACKAGE
from . import trusted_cache
from .trusted_cache import CacheRefused

GO_SOURCE = Path(__file__).resolve().parent / "goclient"
NODE_SCRIPT = Path(__file__).resolve().parent / "nodeclient" / "client.js"
GO_BINARY = "milvus-tls-goclient"
JAVA_SOURCE = Path(__file__).resolve().parent / "javaclient" / "MilvusTlsJavaClient.java"
JAVA_JAR = "milvus-tls-javaclient.jar"
# what could make the JVM load code the doctor did not choose
_JAVA_ENV_DROP = ("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS", "CLASSPATH", "JAVA_OPTIONS")
STARTUP = 15.0


class ClientUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class ClientRun:
    ok: bool
    stage: str = ""          # where it failed: config | dial | handshake | rpc | timeout | missing
    error: str = ""
    details: str = ""
    tls_version: Optional[str] = None
    version: str = ""        # Go version / SDK release
    server_version: str = ""
    seconds: float = 0.0
    could_not_run: bool = False


def cache_dir() -> Path:
    return trusted_cache.root()


# ---- Go ---------------------------------------------------------------------------------------------------------

def go_binary(go_version: str = "") -> Path:
    """The Go client built with the toolchain `go_version` ("1.24": that minor; "": the newest installed)."""
    from . import gofront

    if go_version:
        minor = ".".join(go_version.split(".")[:2])
        tc = gofront.find_toolchain(minor)
    else:
        found = sorted(gofront.toolchains(), key=lambda t: gofront._vkey(t.version))
        tc = found[-1] if found else None
    if tc is None:
        raise ClientUnavailable(f"no Go {go_version or ''} toolchain to build the Go client: python -m "
                                f"milvus_tls_check.handshake.gofront install {go_version or '1.25'}")
    h = hashlib.sha256()
    for f in sorted(GO_SOURCE.glob("*.go")):
        h.update(f.read_bytes())
    line = ".".join(tc.version.split(".")[:2])
    try:
        return gofront.build_program(tc, GO_SOURCE, GO_BINARY, line, "go-client",
                                     f"go{tc.version}-{h.hexdigest()[:16]}", GO_BINARY)
    except gofront.GoFrontError as exc:
        raise ClientUnavailable(str(exc).replace("go build with", "go build of the Go client with"))


def run_go(address: str, *, server_name: Optional[str], ca: Optional[str], cert: Optional[str],
           key: Optional[str], timeout: float, go_version: str = "") -> ClientRun:
    t0 = time.monotonic()
    try:
        binary = go_binary(go_version)
    except (ClientUnavailable, CacheRefused, OSError, subprocess.TimeoutExpired) as exc:
        return ClientRun(False, "missing", str(exc), could_not_run=True, seconds=time.monotonic() - t0)
    args = [str(binary), "-addr", address, "-server-name", server_name or "", "-ca", ca or "", "-cert", cert or "",
            "-key", key or "", "-timeout", f"{timeout:g}s"]
    from .gofront import _clean_env
    # the doctor's cwd (relative paths as given; a static Go binary loads no code from it); the checked bytes run
    r = _result_of(args, _clean_env(), "the Go client", timeout, t0, verified=binary)
    if isinstance(r, ClientRun):
        return r
    return ClientRun(bool(r.get("ok")), r.get("stage", ""), r.get("error", ""), "", r.get("tls_version") or None,
                     str(r.get("go", "")).removeprefix("go"), "", time.monotonic() - t0)


# ---- Java -------------------------------------------------------------------------------------------------------

def _jdk() -> tuple[str, str, str]:
    """(java, javac, jar) from PATH (Debian: default-jdk-headless), ClientUnavailable when one is missing."""
    tools = [trusted_cache.which(t) for t in ("java", "javac", "jar")]
    if not all(tools):
        raise ClientUnavailable("no JDK on PATH for the Java client (java, javac and jar; apt-get install -y "
                                "default-jdk-headless)")
    return tools[0], tools[1], tools[2]


def _java_env() -> dict:
    return {k: v for k, v in os.environ.items() if k not in _JAVA_ENV_DROP}


def java_version(java: str) -> str:
    cp = subprocess.run([java, "-XshowSettings:properties", "-version"], capture_output=True, text=True, timeout=60,
                        env=_java_env(), cwd=trusted_cache.CHILD_CWD)
    m = re.search(r"^\s*java\.version = (\S+)", cp.stderr, re.M)
    return m.group(1) if m else "unknown"


def java_jar() -> Path:
    """The Java client (javaclient/MilvusTlsJavaClient.java, standard library only) compiled with the JDK on PATH into
    <cache>/java-client/<java version>-<source hash>/ as one jar, its sha256 recorded; made once."""
    java, javac, jar = _jdk()
    digest = hashlib.sha256(JAVA_SOURCE.read_bytes()).hexdigest()[:16]
    version = java_version(java)
    out_dir = trusted_cache.ensure_dir("java-client", f"{version}-{digest}")
    target = out_dir / JAVA_JAR
    if os.path.lexists(target) and trusted_cache.recorded(target) is not None:
        return target
    import tempfile
    with tempfile.TemporaryDirectory(dir=out_dir, prefix="src-") as src:
        classes = Path(src) / "classes"
        classes.mkdir()
        env = _java_env()
        cp = subprocess.run([javac, "-nowarn", "-d", str(classes), str(JAVA_SOURCE)], capture_output=True, text=True,
                            timeout=300, env=env, cwd=src, umask=0o077)
        if cp.returncode != 0:
            raise ClientUnavailable(f"javac of the Java client failed: {(cp.stderr or cp.stdout)[-600:]}")
        tmp = Path(src) / JAVA_JAR
        cp = subprocess.run([jar, "--create", "--file", str(tmp), "--main-class", "MilvusTlsJavaClient", "-C",
                             str(classes), "."], capture_output=True, text=True, timeout=120, env=env, cwd=src,
                            umask=0o077)
        if cp.returncode != 0 or not tmp.is_file():
            raise ClientUnavailable(f"jar of the Java client failed: {(cp.stderr or cp.stdout)[-600:]}")
        sha = trusted_cache.sha256_file(tmp)
        os.replace(tmp, target)
        trusted_cache.record(target, sha, java=version)
    return target


def run_java(address: str, *, authority: Optional[str], ca: Optional[str], cert: Optional[str], key: Optional[str],
             timeout: float) -> ClientRun:
    """One attempt of the Java client: the checked jar, read by the JVM from the verified descriptor."""
    t0 = time.monotonic()
    try:
        java = _jdk()[0]
        jar = java_jar()
        fd = trusted_cache.open_verified(jar)
    except (ClientUnavailable, CacheRefused, OSError, subprocess.TimeoutExpired) as exc:
        return ClientRun(False, "missing", str(exc), could_not_run=True, seconds=time.monotonic() - t0)
    absolute = lambda p: os.path.abspath(p) if p else ""   # noqa: E731 - the JVM runs from CHILD_CWD
    args = [java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", f"/proc/self/fd/{fd}",
            "-addr", address, "-authority", authority or "", "-ca", absolute(ca), "-cert", absolute(cert), "-key",
            absolute(key), "-timeout-ms", str(int(timeout * 1000))]
    try:
        r = _result_of_fds(args, _java_env(), "the Java client", timeout, t0, fd)
    finally:
        os.close(fd)
    if isinstance(r, ClientRun):
        return r
    return ClientRun(bool(r.get("ok")), r.get("stage", ""), r.get("error", ""), "", r.get("tls_version") or None,
                     str(r.get("java", "")), r.get("server_version", ""), time.monotonic() - t0)


def _result_of_fds(args, env, who, timeout, t0, fd):
    try:
        cp = subprocess.run(args, capture_output=True, text=True, timeout=timeout + STARTUP, env=env,
                            stdin=subprocess.DEVNULL, cwd=trusted_cache.CHILD_CWD, pass_fds=(fd,))
    except FileNotFoundError as exc:
        return ClientRun(False, "missing", f"{who} was not run: {exc}", could_not_run=True,
                         seconds=time.monotonic() - t0)
    except subprocess.TimeoutExpired:
        return ClientRun(False, "timeout", f"{who} did not return within {timeout + STARTUP:g}s",
                         seconds=time.monotonic() - t0)
    m = re.search(r"^RESULT (.*)$", cp.stdout, re.M)
    if not m:
        return ClientRun(False, "crash", f"{who} exited {cp.returncode}: {(cp.stderr or cp.stdout)[-400:]}",
                         could_not_run=True, seconds=time.monotonic() - t0)
    return json.loads(m.group(1))


# ---- Node -------------------------------------------------------------------------------------------------------

def node_release(line_or_version: str) -> str:
    v = (line_or_version or "3").strip()
    if v.count(".") >= 2:
        return v
    key = v if not v.startswith("2") else ".".join(v.split(".")[:2])
    key = key.split(".")[0] if not key.startswith("2") else key
    if key not in NODE_LINES:
        raise ClientUnavailable(f"no Node SDK line {v!r} known; lines: {', '.join(NODE_LINES)}")
    return NODE_LINES[key]


def node_sdk_dir(line_or_version: str) -> Path:
    return cache_dir() / "node-sdk" / node_release(line_or_version)


SDK_PACKAGE_JSON = ("node_modules", "@zilliz", "milvus2-sdk-node", "package.json")
NODE_RECORDED = ("package-lock.json", "/".join(SDK_PACKAGE_JSON))   # sha256 recorded at install, checked per run


def node_ready(line_or_version: str) -> bool:
    """Installed (files only: whether the install can be trusted is checked when it runs)."""
    d = node_sdk_dir(line_or_version)
    return d.joinpath(*SDK_PACKAGE_JSON).is_file()


def check_node_sdk(line_or_version: str) -> Path:
    """The installed SDK folder, after the tree walk and the recorded hashes (CacheRefused / NotRecorded)."""
    d = node_sdk_dir(line_or_version)
    trusted_cache.check_tree(d)
    for rel in NODE_RECORDED:
        fd = trusted_cache.open_verified(d / rel)
        os.close(fd)
    return d


def install_node(line_or_version: str, *, timeout: float = 900.0) -> Path:
    """npm install the SDK release of this line into <cache>/node-sdk/<release>/ without running any package's
    scripts (--ignore-scripts), private (umask 077); record the sha256 of package-lock.json and the SDK's
    package.json. An install without those records (an older doctor's) is made again."""
    release = node_release(line_or_version)
    d = node_sdk_dir(line_or_version)
    if node_ready(line_or_version) and all(trusted_cache.recorded(d / rel) for rel in NODE_RECORDED):
        return check_node_sdk(line_or_version)
    npm = trusted_cache.which("npm")
    if npm is None:
        raise ClientUnavailable("npm is not on PATH (apt-get install -y nodejs npm)")
    trusted_cache.ensure_dir("node-sdk")
    trusted_cache.remove_tree(d)
    d = trusted_cache.ensure_dir("node-sdk", release)
    (d / "package.json").write_text('{"name": "milvus-tls-node-client", "private": true}\n')
    cp = subprocess.run([npm, "install", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error",
                         f"{NODE_PACKAGE}@{release}"], cwd=d, capture_output=True, text=True, timeout=timeout,
                        umask=0o077)
    if cp.returncode != 0 or not node_ready(line_or_version):
        raise ClientUnavailable(f"npm install {NODE_PACKAGE}@{release} failed: {(cp.stderr or cp.stdout)[-600:]}")
    trusted_cache.harden_tree(d)
    trusted_cache.check_tree(d)
    for rel in NODE_RECORDED:
        trusted_cache.record(d / rel, trusted_cache.sha256_file(d / rel), node_sdk=release)
    return d


def run_node(config: dict, *, timeout: float, line: str = "3") -> ClientRun:
    """One real Node SDK attempt: new MilvusClient(config) then getVersion()."""
    t0 = time.monotonic()
    node = trusted_cache.which("node")
    if node is None:
        return ClientRun(False, "missing", "node is not on PATH", could_not_run=True)
    try:
        sdk = node_sdk_dir(line)
    except ClientUnavailable as exc:
        return ClientRun(False, "missing", str(exc), could_not_run=True)
    if not node_ready(line):
        return ClientRun(False, "missing", f"the Node SDK {node_release(line)} is not installed: python -m "
                         f"milvus_tls_check.handshake.sdk_process install-node {line}", could_not_run=True)
    try:
        check_node_sdk(line)
    except trusted_cache.NotRecorded as exc:
        return ClientRun(False, "missing", f"{exc}; install it again: python -m "
                         f"milvus_tls_check.handshake.sdk_process install-node {line}", could_not_run=True)
    except (CacheRefused, OSError) as exc:
        return ClientRun(False, "missing", str(exc), could_not_run=True, seconds=time.monotonic() - t0)
    config = dict(config)
    if isinstance(config.get("tls"), dict):   # node runs from CHILD_CWD: paths as the doctor's cwd reads them
        config["tls"] = {k: (os.path.abspath(v) if k.endswith("Path") and isinstance(v, str) and v else v)
                         for k, v in config["tls"].items()}
    payload = json.dumps({"sdk_dir": str(sdk), "config": config, "timeout_ms": int(timeout * 1000)})
    env = dict(os.environ, GRPC_NODE_VERBOSITY="NONE", NODE_NO_WARNINGS="1")
    r = _result_of([node, str(NODE_SCRIPT), payload], env, "the Node client", timeout, t0, cwd=trusted_cache.CHILD_CWD)
    if isinstance(r, ClientRun):
        return r
    if r.get("stage") == "missing":
        return ClientRun(False, "missing", r.get("error", ""), could_not_run=True, seconds=time.monotonic() - t0)
    return ClientRun(bool(r.get("ok")), r.get("stage", ""), r.get("error", ""), r.get("details", ""), None,
                     r.get("sdk", ""), r.get("server_version", ""), time.monotonic() - t0)


def _result_of(args: list[str], env: dict, who: str, timeout: float, t0: float, *, verified: Optional[Path] = None,
               cwd: Optional[str] = None):
    """Run a client program and read its one `RESULT {json}` line: the parsed dict, or a ClientRun that says why
    there is none (it timed out, or exited without one). `verified`: a cached binary, run from the descriptor that
    was checked against its recorded sha256 (trusted_cache.verified)."""
    try:
        with (trusted_cache.verified(verified) if verified else _no_kw()) as kw:
            cp = subprocess.run(args, capture_output=True, text=True, timeout=timeout + STARTUP, env=env,
                                stdin=subprocess.DEVNULL, cwd=cwd, **kw)
    except (CacheRefused, FileNotFoundError) as exc:
        return ClientRun(False, "missing", f"{who} was not run: {exc}", could_not_run=True,
                         seconds=time.monotonic() - t0)
    except subprocess.TimeoutExpired:
        return ClientRun(False, "timeout", f"{who} did not return within {timeout + STARTUP:g}s",
                         seconds=time.monotonic() - t0)
    m = re.search(r"^RESULT (.*)$", cp.stdout, re.M)
    if not m:
        return ClientRun(False, "crash", f"{who} exited {cp.returncode}: {(cp.stderr or cp.stdout)[-400:]}",
                         could_not_run=True, seconds=time.monotonic() - t0)
    return json.loads(m.group(1))


@contextlib.contextmanager
def _no_kw():
    yield {}


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["install-node"]:
        status = 0
        for line in args[1:] or list(NODE_LINES):
            try:
                print(f"node {line}\t{install_node(line)}")
            except (ClientUnavailable, CacheRefused, subprocess.TimeoutExpired) as exc:
                print(f"node {line}\tfailed: {exc}", file=sys.stderr)
                status = 1
        return status
    if args[:1] == ["build-java"]:
        try:
            print(java_jar())
        except (ClientUnavailable, CacheRefused) as exc:
            print(exc, file=sys.stderr)
            return 1
        return 0
    if args[:1] == ["build-go"]:
        try:
            print(go_binary(args[1] if len(args) > 1 else ""))
        except (ClientUnavailable, CacheRefused) as exc:
            print(exc, file=sys.stderr)
            return 1
        return 0
    print("usage: python -m milvus_tls_check.handshake.sdk_process install-node [LINE ...] | build-go [GO] | build-java",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
