"""The real Go and Node clients: build/install (cached) and run one attempt each, in a subprocess.

- Go: goclient/main.go (standard library: crypto/tls configured as the Go SDK hands it to grpc-go, one gRPC call
  over HTTP/2), built like the Go front (gofront.build: offline, GOTOOLCHAIN=local) with the newest installed
  toolchain, or the one asked for; cached in <cache>/go-client/.
- Node: nodeclient/client.js runs the real @zilliz/milvus2-sdk-node of one line, installed with npm into
  <cache>/node-sdk/<release>/ (`python -m milvus_tls_check.handshake.realclients install-node 2.6 3`).

Nothing is installed or built implicitly by the doctor except the Go client (like the Go front, it is built on
first use when a toolchain is there); the Node SDK must have been installed (the attempt says how when it is not).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from ..facts.clients import NODE_LINES, NODE_PACKAGE

GO_SOURCE = Path(__file__).resolve().parent / "goclient"
NODE_SCRIPT = Path(__file__).resolve().parent / "nodeclient" / "client.js"
GO_BINARY = "milvus-tls-goclient"
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
    return Path(os.environ.get("MILVUS_TLS_CACHE") or Path.home() / ".cache" / "milvus-tls-check")


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
    out_dir = cache_dir() / "go-client" / f"go{tc.version}-{h.hexdigest()[:16]}"
    binary = out_dir / GO_BINARY
    if binary.is_file():
        return binary
    out_dir.mkdir(parents=True, exist_ok=True)
    root = cache_dir() / "go-build"
    with tempfile.TemporaryDirectory(dir=out_dir, prefix="src-") as src:
        for f in GO_SOURCE.glob("*.go"):
            shutil.copy2(f, Path(src) / f.name)
        (Path(src) / "go.mod").write_text(f"module {GO_BINARY}\n\ngo {line}\n")
        env = gofront._clean_env({
            "GOROOT": str(tc.goroot), "GOTOOLCHAIN": "local", "GOPROXY": "off", "GOSUMDB": "off", "GOFLAGS": "",
            "GO111MODULE": "on", "GOWORK": "off", "CGO_ENABLED": "0", "GOCACHE": str(root / "gocache"),
            "GOPATH": str(root / "gopath"), "GOENV": "off", "GOTELEMETRY": "off"})
        tmp = Path(src) / GO_BINARY
        cp = subprocess.run([str(tc.go), "build", "-trimpath", "-o", str(tmp), "."], cwd=src, env=env,
                            capture_output=True, text=True, timeout=300)
        if cp.returncode != 0 or not tmp.is_file():
            raise ClientUnavailable(f"go build of the Go client failed: {(cp.stderr or cp.stdout).strip()[-600:]}")
        os.replace(tmp, binary)
    return binary


def run_go(address: str, *, server_name: Optional[str], ca: Optional[str], cert: Optional[str],
           key: Optional[str], timeout: float, go_version: str = "") -> ClientRun:
    t0 = time.monotonic()
    try:
        binary = go_binary(go_version)
    except (ClientUnavailable, OSError, subprocess.TimeoutExpired) as exc:
        return ClientRun(False, "missing", str(exc), could_not_run=True, seconds=time.monotonic() - t0)
    args = [str(binary), "-addr", address, "-server-name", server_name or "", "-ca", ca or "", "-cert", cert or "",
            "-key", key or "", "-timeout", f"{timeout:g}s"]
    from .gofront import _clean_env
    r = _result_of(args, _clean_env(), "the Go client", timeout, t0)
    if isinstance(r, ClientRun):
        return r
    return ClientRun(bool(r.get("ok")), r.get("stage", ""), r.get("error", ""), "", r.get("tls_version") or None,
                     str(r.get("go", "")).removeprefix("go"), "", time.monotonic() - t0)


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


def node_ready(line_or_version: str) -> bool:
    d = node_sdk_dir(line_or_version)
    return (d / "node_modules" / "@zilliz" / "milvus2-sdk-node" / "package.json").is_file()


def install_node(line_or_version: str, *, timeout: float = 900.0) -> Path:
    d = node_sdk_dir(line_or_version)
    if node_ready(line_or_version):
        return d
    npm = shutil.which("npm")
    if npm is None:
        raise ClientUnavailable("npm is not on PATH (apt-get install -y nodejs npm)")
    d.mkdir(parents=True, exist_ok=True)
    if not (d / "package.json").is_file():
        (d / "package.json").write_text('{"name": "milvus-tls-node-client", "private": true}\n')
    cp = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error",
                         f"{NODE_PACKAGE}@{node_release(line_or_version)}"], cwd=d, capture_output=True, text=True,
                        timeout=timeout)
    if cp.returncode != 0 or not node_ready(line_or_version):
        raise ClientUnavailable(f"npm install {NODE_PACKAGE}@{node_release(line_or_version)} failed: "
                                f"{(cp.stderr or cp.stdout)[-600:]}")
    return d


def run_node(config: dict, *, timeout: float, line: str = "3") -> ClientRun:
    """One real Node SDK attempt: new MilvusClient(config) then getVersion()."""
    t0 = time.monotonic()
    node = shutil.which("node")
    if node is None:
        return ClientRun(False, "missing", "node is not on PATH", could_not_run=True)
    try:
        sdk = node_sdk_dir(line)
    except ClientUnavailable as exc:
        return ClientRun(False, "missing", str(exc), could_not_run=True)
    if not node_ready(line):
        return ClientRun(False, "missing", f"the Node SDK {node_release(line)} is not installed: python -m "
                         f"milvus_tls_check.handshake.realclients install-node {line}", could_not_run=True)
    payload = json.dumps({"sdk_dir": str(sdk), "config": config, "timeout_ms": int(timeout * 1000)})
    env = dict(os.environ, GRPC_NODE_VERBOSITY="NONE", NODE_NO_WARNINGS="1")
    r = _result_of([node, str(NODE_SCRIPT), payload], env, "the Node client", timeout, t0)
    if isinstance(r, ClientRun):
        return r
    if r.get("stage") == "missing":
        return ClientRun(False, "missing", r.get("error", ""), could_not_run=True, seconds=time.monotonic() - t0)
    return ClientRun(bool(r.get("ok")), r.get("stage", ""), r.get("error", ""), r.get("details", ""), None,
                     r.get("sdk", ""), r.get("server_version", ""), time.monotonic() - t0)


def _result_of(args: list[str], env: dict, who: str, timeout: float, t0: float):
    """Run a client program and read its one `RESULT {json}` line: the parsed dict, or a ClientRun that says why
    there is none (it timed out, or exited without one)."""
    try:
        cp = subprocess.run(args, capture_output=True, text=True, timeout=timeout + STARTUP, env=env,
                            stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return ClientRun(False, "timeout", f"{who} did not return within {timeout + STARTUP:g}s",
                         seconds=time.monotonic() - t0)
    m = re.search(r"^RESULT (.*)$", cp.stdout, re.M)
    if not m:
        return ClientRun(False, "crash", f"{who} exited {cp.returncode}: {(cp.stderr or cp.stdout)[-400:]}",
                         could_not_run=True, seconds=time.monotonic() - t0)
    return json.loads(m.group(1))


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["install-node"]:
        status = 0
        for line in args[1:] or list(NODE_LINES):
            try:
                print(f"node {line}\t{install_node(line)}")
            except ClientUnavailable as exc:
                print(f"node {line}\tfailed: {exc}", file=sys.stderr)
                status = 1
        return status
    if args[:1] == ["build-go"]:
        try:
            print(go_binary(args[1] if len(args) > 1 else ""))
        except ClientUnavailable as exc:
            print(exc, file=sys.stderr)
            return 1
        return 0
    print("usage: python -m milvus_tls_check.handshake.realclients install-node [LINE ...] | build-go [GO]",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
