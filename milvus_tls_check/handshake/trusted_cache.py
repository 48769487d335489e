"""The doctor's cache as a place programs are run from: <cache> = $MILVUS_TLS_CACHE, default
~/.cache/milvus-tls-check (Go toolchains, the Go front and Go client builds, pymilvus venvs, the Node SDK).

What it promises (CacheRefused, turned into a "could not run" by its callers, whenever one does not hold):
- The cache root is created 0700. The root, and every folder from it down to anything run or read back from it, is
  owned by the current user (or root) and not writable by its group or others. The folders above the root (its
  real path: symlinks resolved first) are owned by us or root and not group/other-writable unless sticky (/tmp).
- Every binary the doctor builds or installs into the cache has its sha256 recorded in <cache>/trusted-manifest.json
  (itself only read under the same owner/mode rule). Right before it runs the file is opened with O_NOFOLLOW,
  fstat-checked (regular file, owner, mode), hashed from that descriptor and compared with the record, and that very
  descriptor is executed (/proc/self/fd/N): what was checked is what runs. An unrecorded or changed binary never runs.
- Trees that are not one binary (a cached Go toolchain before `go build`, a pymilvus venv, the Node SDK's
  node_modules) are walked before use (check_tree): every entry owned by us or root, none group/other-writable, no
  symlink leading outside the tree (except the ones a caller allows: a venv's python links to its base
  interpreter). A tree that passed stays trusted for the life of the process (nobody but us or root can change it).

Nothing here is cwd-dependent: root() is absolute, CHILD_CWD is the fixed working folder of child processes that
could load code or configuration from their cwd, and `which()` looks only at absolute PATH entries.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import stat
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator, Optional

MANIFEST = "trusted-manifest.json"
_LOCK = ".trusted-manifest.lock"
_WRITE_BITS = stat.S_IWGRP | stat.S_IWOTH
_PROC_FD = "/proc/self/fd"


class CacheRefused(Exception):
    """The cache (or something in it) is not safe to run programs from; the message says what and why."""


class NotRecorded(CacheRefused):
    """A file in the cache has no recorded sha256 (built by an older doctor, or not by the doctor at all)."""


def root() -> Path:
    """The cache root as configured (not created, not checked)."""
    env = os.environ.get("MILVUS_TLS_CACHE")
    return Path(os.path.abspath(Path(env).expanduser() if env else Path.home() / ".cache" / "milvus-tls-check"))


def _real_root() -> Path:
    return Path(os.path.realpath(root()))


def _owner_ok(uid: int) -> bool:
    return uid in (os.getuid(), 0)


def _refuse(path, why: str, *, advice: Optional[str] = None) -> CacheRefused:
    env = bool(os.environ.get("MILVUS_TLS_CACHE"))
    if advice is None:
        advice = ("Use a cache folder of your own: point MILVUS_TLS_CACHE at a new folder (it is created 0700) or "
                  "unset it" if env else
                  "Make it yours and not writable by others, or point MILVUS_TLS_CACHE at a new folder (it is "
                  "created 0700)")
    where = "MILVUS_TLS_CACHE" if env else "the default cache"
    return CacheRefused(f"refusing to use the cache {root()} ({where}): {path} {why}; nothing from it was run. "
                        f"{advice}")


def _check_stat(st: os.stat_result, path, *, inside: bool, kind: str = "folder") -> None:
    if not _owner_ok(st.st_uid):
        raise _refuse(path, f"is owned by uid {st.st_uid}, not by you (uid {os.getuid()}) or root")
    if st.st_mode & _WRITE_BITS and (inside or not st.st_mode & stat.S_ISVTX):
        raise _refuse(path, f"is writable by its group or others (mode {stat.S_IMODE(st.st_mode):04o})")
    if kind == "folder" and not stat.S_ISDIR(st.st_mode):
        raise _refuse(path, "is not a folder")
    if kind == "file" and not stat.S_ISREG(st.st_mode):
        raise _refuse(path, "is not a regular file")


def _check_above(real: Path) -> None:
    """The folders above the (real) root: owned by us or root, not group/other-writable unless sticky."""
    for parent in reversed(real.parents):
        try:
            st = os.lstat(parent)
        except OSError as exc:
            raise _refuse(parent, f"cannot be examined ({exc.strerror})")
        _check_stat(st, parent, inside=False)


def _open_root(create: bool) -> Optional[int]:
    """An O_DIRECTORY|O_NOFOLLOW descriptor of the checked root; None when it does not exist and create is False."""
    real = _real_root()
    if not create and not os.path.lexists(real):
        return None   # nothing there to use (nor above it, maybe)
    if create and not os.path.lexists(real.parent):
        try:
            os.makedirs(real.parent, exist_ok=True)   # ~/.cache, as any program would make it; checked below
        except OSError as exc:
            raise _refuse(real.parent, f"cannot be created ({exc.strerror})")
        real = _real_root()
    _check_above(real)
    if create:
        try:
            os.mkdir(real, 0o700)
        except FileExistsError:
            pass
        except OSError as exc:
            raise _refuse(real, f"cannot be created ({exc.strerror})")
    try:
        fd = os.open(real, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        if create:
            raise _refuse(real, "vanished while it was being created")
        return None
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise _refuse(real, "is a symlink or not a folder")
        raise _refuse(real, f"cannot be opened ({exc.strerror})")
    try:
        _check_stat(os.fstat(fd), real, inside=True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _rel_parts(path: Path) -> tuple[Path, tuple[str, ...]]:
    """(real root, the parts of `path` below it); CacheRefused when path is not inside the cache."""
    real_root = _real_root()
    p = Path(os.path.abspath(path))
    for base in (Path(os.path.abspath(root())), real_root):
        with contextlib.suppress(ValueError):
            parts = p.relative_to(base).parts
            if ".." not in parts and parts:
                return real_root, parts
    raise _refuse(path, "is not inside the cache")


def inside(path: Path) -> bool:
    """Whether `path` names something inside the cache (no I/O beyond resolving the root)."""
    try:
        _rel_parts(path)
    except CacheRefused:
        return False
    return True


@contextlib.contextmanager
def _dir_fd(parts: tuple[str, ...], *, create: bool) -> Iterator[Optional[int]]:
    """A descriptor of <root>/<parts...>, each step opened O_NOFOLLOW relative to the last and checked
    (created 0700 when `create`); None when something on the way does not exist (and not create)."""
    fd = _open_root(create)
    if fd is None:
        yield None
        return
    path = _real_root()
    try:
        for name in parts:
            path = path / name
            if create:
                try:
                    os.mkdir(name, 0o700, dir_fd=fd)
                except FileExistsError:
                    pass
                except OSError as exc:
                    raise _refuse(path, f"cannot be created ({exc.strerror})")
            try:
                nfd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
            except FileNotFoundError:
                yield None
                return
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise _refuse(path, "is a symlink or not a folder")
                raise _refuse(path, f"cannot be opened ({exc.strerror})")
            os.close(fd)
            fd = nfd
            _check_stat(os.fstat(fd), path, inside=True)
        yield fd
    finally:
        os.close(fd)


def ensure_root() -> Path:
    """Create the cache root 0700 if needed; check it (CacheRefused); its real path."""
    fd = _open_root(create=True)
    os.close(fd)
    return _real_root()


def ensure_dir(*parts: str) -> Path:
    """<root>/<parts...>, created 0700 where missing; every folder on the way checked. Its real path."""
    with _dir_fd(tuple(parts), create=True) as fd:
        assert fd is not None
    return _real_root().joinpath(*parts)


def check_dir(path: Path) -> bool:
    """True when `path` (inside the cache) exists and every folder from the root to it is trusted; False when
    something on the way does not exist; CacheRefused when one is not trusted."""
    _, parts = _rel_parts(path)
    with _dir_fd(parts, create=False) as fd:
        return fd is not None


def _open_file(path: Path) -> int:
    """Open a file inside the cache race-free: every folder on the way checked, the file O_NOFOLLOW, fstat-checked.
    FileNotFoundError when it (or a folder on the way) does not exist."""
    _, parts = _rel_parts(path)
    with _dir_fd(parts[:-1], create=False) as dfd:
        if dfd is None:
            raise FileNotFoundError(errno.ENOENT, "not found", str(path))
        try:
            fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dfd)
        except OSError as exc:
            if exc.errno == errno.ENOENT:
                raise
            if exc.errno == errno.ELOOP:
                raise _refuse(path, "is a symlink")
            raise _refuse(path, f"cannot be opened ({exc.strerror})")
    try:
        _check_stat(os.fstat(fd), path, inside=True, kind="file")
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_bytes(path: Path, limit: int = 1 << 20) -> bytes:
    """A small file inside the cache, read only when it and the folders to it are trusted (CacheRefused);
    FileNotFoundError when missing."""
    fd = _open_file(path)
    try:
        return os.read(fd, limit)
    finally:
        os.close(fd)


def write_bytes(path: Path, data: bytes) -> None:
    """Write a file inside the cache atomically (0600, a temp file in the same checked folder, then rename)."""
    _, parts = _rel_parts(path)
    real_parent = ensure_dir(*parts[:-1]) if parts[:-1] else ensure_root()
    fd, tmp = tempfile.mkstemp(dir=real_parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, real_parent / parts[-1])
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# ---- hashes ---------------------------------------------------------------------------------------------------------

def sha256_fd(fd: int) -> str:
    h = hashlib.sha256()
    offset = 0
    while True:
        chunk = os.pread(fd, 1 << 20, offset)
        if not chunk:
            return h.hexdigest()
        h.update(chunk)
        offset += len(chunk)


def sha256_file(path: Path) -> str:
    """sha256 of a file we just made ourselves (O_NOFOLLOW)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        return sha256_fd(fd)
    finally:
        os.close(fd)


def _key(path: Path) -> str:
    _, parts = _rel_parts(path)
    return "/".join(parts)


def _manifest() -> dict:
    try:
        data = read_bytes(_real_root() / MANIFEST, limit=16 << 20)
    except FileNotFoundError:
        return {}
    try:
        files = json.loads(data.decode("utf-8")).get("files", {})
    except (ValueError, AttributeError):
        raise _refuse(_real_root() / MANIFEST, "is not a manifest the doctor wrote")
    return files if isinstance(files, dict) else {}


def recorded(path: Path) -> Optional[dict]:
    """The manifest entry of a file in the cache ({"sha256": ..., ...}); None when there is none."""
    entry = _manifest().get(_key(path))
    return entry if isinstance(entry, dict) and isinstance(entry.get("sha256"), str) else None


@contextlib.contextmanager
def _manifest_locked() -> Iterator[dict]:
    """The manifest's entries under an exclusive lock; written back (atomically) when the block ends."""
    real = ensure_root()
    lock = os.open(real / _LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        _check_stat(os.fstat(lock), real / _LOCK, inside=True, kind="file")
        fcntl.flock(lock, fcntl.LOCK_EX)
        files = _manifest()
        yield files
        write_bytes(real / MANIFEST, (json.dumps({"version": 1, "files": files}, indent=1, sort_keys=True)
                                      + "\n").encode())
    finally:
        os.close(lock)


def record(path: Path, sha256: str, **extra: str) -> None:
    """Record the sha256 of a file the doctor has just built or installed at `path` (inside the cache)."""
    key = _key(path)
    with _manifest_locked() as files:
        files[key] = {"sha256": sha256, **extra}


def forget(path: Path) -> None:
    """Drop a file's record (before it is rebuilt or reinstalled)."""
    if recorded(path) is not None:
        key = _key(path)
        with _manifest_locked() as files:
            files.pop(key, None)


# (st_dev, st_ino) -> (size, mtime_ns, ctime_ns, sha256) of descriptors hashed in this process: the second start
# of the same unchanged file (any write to it moves its ctime, which nobody can set back) is not hashed again.
_HASHED: dict[tuple[int, int], tuple[int, int, int, str]] = {}


def _sha256_of(fd: int) -> str:
    st = os.fstat(fd)
    stamp = (st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    seen = _HASHED.get((st.st_dev, st.st_ino))
    if seen is not None and seen[:3] == stamp:
        return seen[3]
    digest = sha256_fd(fd)
    # remembered only when not written while it was read, and last changed over a second ago: a later write then
    # sets a ctime the stamp cannot equal (the kernel's timestamps are coarse, a write in the same tick could)
    if os.fstat(fd).st_ctime_ns == st.st_ctime_ns and time.time_ns() - st.st_ctime_ns > 1_000_000_000:
        _HASHED[(st.st_dev, st.st_ino)] = (*stamp, digest)
    return digest


def _verify_fd(fd: int, path, entry: Optional[dict], what: str) -> None:
    if entry is None:
        raise NotRecorded(f"{what} {path} has no sha256 recorded in {root() / MANIFEST} (it was not built or "
                          f"installed by this doctor, or by an older one); it was not run")
    got = _sha256_of(fd)
    if got != entry["sha256"]:
        raise _refuse(path, f"does not match the sha256 recorded when it was made (recorded {entry['sha256'][:16]}, "
                      f"now {got[:16]}): it was changed after the doctor made it",
                      advice="Find out who changed it; delete it to have it made again")


def open_verified(path: Path) -> int:
    """A descriptor of a cached binary whose bytes match its record (CacheRefused / NotRecorded otherwise;
    FileNotFoundError when it is not there). The caller executes this descriptor and closes it."""
    entry = recorded(path)
    fd = _open_file(path)
    try:
        _verify_fd(fd, path, entry, "the cached program")
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_outside_verified(path: Path, sha256: str) -> int:
    """A file outside the cache that a record names (a venv's base interpreter): opened O_NOFOLLOW, owner us or
    root, not group/other-writable, a regular file, bytes matching `sha256`."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        raise _refuse(path, f"cannot be opened ({exc.strerror})")
    try:
        _check_stat(os.fstat(fd), path, inside=True, kind="file")
        _verify_fd(fd, path, {"sha256": sha256}, "the program")
    except BaseException:
        os.close(fd)
        raise
    return fd


@contextlib.contextmanager
def exec_fd(fd: int, argv0: str) -> Iterator[dict]:
    """subprocess keyword arguments that execute the descriptor `fd` itself (argv[0] stays `argv0`); closes fd after.
    Without /proc (not Linux) the path is executed after the check, a narrower window than before."""
    try:
        if os.path.isdir(_PROC_FD):
            yield {"executable": f"{_PROC_FD}/{fd}", "pass_fds": (fd,)}
        else:   # pragma: no cover - Linux has /proc
            yield {"executable": argv0}
    finally:
        os.close(fd)


@contextlib.contextmanager
def verified(path: Path) -> Iterator[dict]:
    """`with verified(binary) as kw: subprocess.Popen([str(binary), ...], **kw)`: run the checked bytes."""
    fd = open_verified(path)
    with exec_fd(fd, str(path)) as kw:
        yield kw


# ---- trees ----------------------------------------------------------------------------------------------------------

_TREES_OK: set[tuple[str, int, int]] = set()


def check_tree(top: Path, *, allow_link: Optional[Callable[[Path, Path], bool]] = None) -> None:
    """Walk a tree inside the cache (lstat only): every entry owned by us or root and not group/other-writable, every
    symlink resolving inside the tree unless allow_link(link, real_target) says yes. CacheRefused otherwise.
    A tree that passed is not walked again in this process."""
    if not check_dir(top):
        raise FileNotFoundError(errno.ENOENT, "not found", str(top))
    real_top = os.path.realpath(top)
    st = os.lstat(real_top)
    memo = (real_top, st.st_ino, st.st_dev)
    if memo in _TREES_OK:
        return
    stack = [real_top]
    while stack:
        d = stack.pop()
        with os.scandir(d) as it:
            for e in it:
                est = e.stat(follow_symlinks=False)
                if not _owner_ok(est.st_uid):
                    raise _refuse(e.path, f"is owned by uid {est.st_uid}, not by you (uid {os.getuid()}) or root")
                if stat.S_ISLNK(est.st_mode):
                    target = os.path.realpath(e.path)
                    if os.path.commonpath([real_top, target]) == real_top:
                        continue
                    if allow_link is not None and allow_link(Path(e.path), Path(target)):
                        continue
                    raise _refuse(e.path, f"is a symlink leading outside {top} (to {target})")
                if est.st_mode & _WRITE_BITS:
                    raise _refuse(e.path, f"is writable by its group or others (mode {stat.S_IMODE(est.st_mode):04o})")
                if stat.S_ISDIR(est.st_mode):
                    stack.append(e.path)
    _TREES_OK.add(memo)


def harden_tree(top: Path) -> None:
    """Clear group/other write bits in a tree the doctor has just made (an install under umask 002 leaves them)."""
    for dirpath, dirnames, filenames in os.walk(top):
        for name in [*dirnames, *filenames, ""]:
            p = os.path.join(dirpath, name) if name else dirpath
            st = os.lstat(p)
            if not stat.S_ISLNK(st.st_mode) and st.st_mode & _WRITE_BITS:
                os.chmod(p, stat.S_IMODE(st.st_mode) & ~_WRITE_BITS)


def remove_tree(path: Path) -> None:
    """Remove a tree inside the checked cache (a stale or unrecorded install), without following symlinks."""
    if check_dir(Path(path).parent) and os.path.lexists(path):
        if os.path.islink(path) or not os.path.isdir(path):
            os.unlink(path)
        else:
            shutil.rmtree(path)


# ---- running children from a fixed place ----------------------------------------------------------------------------

# The working folder of every child that could load code or configuration relative to it (python -I still lets
# pymilvus's load_dotenv() read a .env from the cwd and every folder above it; npm/node, pip). "/" has no folder
# above it and only root can write to it: nothing can be planted there or above. A private mkdtemp under /tmp would
# not do: /tmp/.env is anybody's to write.
CHILD_CWD = "/"


def which(name: str) -> Optional[str]:
    """shutil.which over the absolute PATH entries only (an empty or relative entry would mean the cwd)."""
    path = os.pathsep.join(p for p in os.environ.get("PATH", os.defpath).split(os.pathsep) if os.path.isabs(p))
    return shutil.which(name, path=path) if path else None


def run(args: list, **kw) -> subprocess.CompletedProcess:
    """subprocess.run from CHILD_CWD (unless the caller gives a cwd)."""
    kw.setdefault("cwd", CHILD_CWD)
    return subprocess.run(args, **kw)
