"""One virtual environment per pymilvus release line, cached: <cache>/pymilvus/<version>/ (<cache> is
$MILVUS_TLS_CACHE, default ~/.cache/milvus-tls-check). A test extra cannot pin several pymilvus releases in one
environment, and the doctor's real-client attempt (pymilvus_process.py) runs in whichever interpreter it is given: this
module makes that interpreter for a line.

    python -m milvus_tls_check.handshake.venvs install 2.3 2.4 2.5 2.6 3.0     # prepare (CI, tests)
    python -m milvus_tls_check.handshake.venvs list

Finding a venv spawns nothing; creating one runs `python -I -m venv` and `python -I -m pip` from a fixed cwd
(trusted_cache.CHILD_CWD), umask 077 (ordinary registry use). Every dependency is pinned: pymilvus_pins/<line>.txt is
a pip constraints file with the exact version of every package of a working venv of that line (`pip freeze`, CPython
3.11 on linux x86_64). Exact versions, not hashes: hash-pinning needs every wheel's sha256 for every platform and
Python of every dependency, which pip can only check with --require-hashes over the whole set; an interpreter for
which a pinned version has no wheel makes the install fail with pip's message (nothing unpinned is installed).
The pins include what the older lines need that their own metadata lacks: environs 9.5 (pymilvus 2.3/2.4) breaks
with marshmallow 4, and pymilvus 2.3 imports pkg_resources (setuptools < 81).

Trust (trusted_cache): the venv's real interpreter (its bin/python links to the base interpreter) has its sha256
recorded at install. Before a venv's python runs (`launch`), the venv tree is walked (owner us or root, nothing
group/other-writable, no symlink leading out except bin/python* to that interpreter), the interpreter is opened
O_NOFOLLOW, fstat-checked and hashed, and that descriptor is executed with argv[0] = the venv's bin/python (so
Python finds its pyvenv.cfg). An unrecorded venv (an older doctor's) is not run; `install` makes it again.
"""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, Iterator, Optional, Sequence

from ..clientkinds.pymilvus import LINES as PYMILVUS_LINES
from . import trusted_cache
from .trusted_cache import CacheRefused

EXTRA_PINS = {"2.3": ("marshmallow<4", "setuptools<81"), "2.4": ("marshmallow<4", "setuptools<81"),
              "2.5": ("setuptools<81",)}
PINS_DIR = Path(__file__).resolve().parent / "pymilvus_pins"
READY = ".milvus-tls-ready"


class VenvError(RuntimeError):
    pass


def cache_dir() -> Path:
    return trusted_cache.root()


def release_of(line_or_version: str) -> str:
    v = line_or_version.strip()
    if v.count(".") >= 2:
        return v
    line = ".".join(v.split(".")[:2]) if "." in v else f"{v}.0"
    if line not in PYMILVUS_LINES:
        raise VenvError(f"no pymilvus line {v!r} known; lines: {', '.join(PYMILVUS_LINES)}")
    return PYMILVUS_LINES[line]


def venv_dir(version: str) -> Path:
    return cache_dir() / "pymilvus" / release_of(version)


def python_for(version: str) -> Optional[Path]:
    """The interpreter of a ready venv for this pymilvus line or release; None when not prepared. Files only:
    whether the venv can be trusted is checked when it runs (launch)."""
    d = venv_dir(version)
    py = d / "bin" / "python"
    return py if (d / READY).is_file() and py.is_file() else None


def constraints_for(release: str) -> Path:
    """The constraints file of a release's line (pymilvus_pins/<line>.txt); VenvError when there is none."""
    line = ".".join(release.split(".")[:2])
    pins = PINS_DIR / f"{line}.txt"
    if not pins.is_file():
        raise VenvError(f"no pinned dependency set for pymilvus {release} (no {pins.name} in {PINS_DIR})")
    return pins


def _base_interpreter(py: Path) -> Path:
    return Path(os.path.realpath(py))


def _link_ok(venv: Path, target: Path) -> Callable[[Path, Path], bool]:
    bin_dir = os.path.realpath(venv / "bin")

    def ok(link: Path, real: Path) -> bool:   # bin/python, bin/python3, bin/python3.X -> the base interpreter
        return (os.path.dirname(link) == bin_dir and link.name.startswith("python")
                and str(real) == str(target))
    return ok


@contextlib.contextmanager
def launch(python: str) -> Iterator[dict]:
    """subprocess keyword arguments that run the interpreter `python`. A venv in the cache runs only after the
    checks in the module doc (CacheRefused / trusted_cache.NotRecorded otherwise), from the checked descriptor;
    an interpreter outside the cache (the doctor's own, $MILVUS_TLS_CHECK_PYMILVUS_PYTHON) runs as given."""
    py = Path(os.path.abspath(python))
    if not trusted_cache.inside(py):
        yield {}
        return
    entry = trusted_cache.recorded(py)
    if entry is None or not entry.get("target"):
        release = py.parent.parent.name
        raise trusted_cache.NotRecorded(f"the pymilvus venv {py.parent.parent} has no sha256 of its interpreter "
                                        f"recorded (made by an older doctor, or not by the doctor); it was not run. "
                                        f"Make it again: python -m milvus_tls_check.handshake.venvs install {release}")
    target = Path(entry["target"])
    venv = py.parent.parent
    trusted_cache.check_tree(venv, allow_link=_link_ok(venv, target))
    if _base_interpreter(py) != target:
        raise CacheRefused(f"the pymilvus venv {venv}: bin/python leads to {_base_interpreter(py)}, not to the "
                           f"interpreter recorded at install ({target}); it was not run")
    fd = trusted_cache.open_outside_verified(target, entry["sha256"])
    with trusted_cache.exec_fd(fd, str(py)) as kw:
        yield kw


def install(version: str, *, timeout: float = 900.0, python: str = sys.executable) -> Path:
    """Create (or reuse) the venv with pymilvus==<release> and its pinned dependencies; its python."""
    release = release_of(version)
    found = python_for(release)
    if found is not None and trusted_cache.recorded(found) is not None:
        with launch(str(found)):   # a changed venv is refused, not reused
            return found
    pins = constraints_for(release)
    trusted_cache.ensure_dir("pymilvus")
    d = venv_dir(release)
    trusted_cache.remove_tree(d)
    d = trusted_cache.ensure_dir("pymilvus", release)
    py = d / "bin" / "python"
    run = trusted_cache.run
    try:
        run([python, "-I", "-m", "venv", "--clear", str(d)], check=True, capture_output=True, timeout=120,
            umask=0o077)
        line = ".".join(release.split(".")[:2])
        cp = run([str(py), "-I", "-m", "pip", "install", "-q", "--disable-pip-version-check", "-c", str(pins),
                  f"pymilvus=={release}", *EXTRA_PINS.get(line, ())], capture_output=True, text=True,
                 timeout=timeout, umask=0o077)
    except subprocess.CalledProcessError as exc:
        raise VenvError(f"python -m venv {d} failed: {exc.stderr!r}")
    except subprocess.TimeoutExpired:
        raise VenvError(f"installing pymilvus {release} did not finish within {timeout:g}s")
    if cp.returncode != 0:
        raise VenvError(f"pip install pymilvus=={release} -c {pins.name} failed: {(cp.stderr or cp.stdout)[-800:]}")
    trusted_cache.harden_tree(d)
    target = _base_interpreter(py)
    trusted_cache.record(py, trusted_cache.sha256_file(target), target=str(target), pymilvus=release)
    with launch(str(py)) as kw:
        check = run([str(py), "-I", "-c", "import pymilvus; print(pymilvus.__version__)"], capture_output=True,
                    text=True, timeout=120, **kw)
    if check.returncode != 0:
        raise VenvError(f"pymilvus {release} does not import in {d}: {check.stderr[-800:]}")
    (d / READY).write_text(check.stdout.strip() + "\n")
    return py


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in ("install", "list"):
        print("usage: python -m milvus_tls_check.handshake.venvs install [LINE ...] | list", file=sys.stderr)
        return 2
    if args[0] == "list":
        for line, release in PYMILVUS_LINES.items():
            py = python_for(release)
            print(f"{line}\t{release}\t{py or '-'}")
        return 0
    status = 0
    for line in args[1:] or list(PYMILVUS_LINES):
        try:
            print(f"{line}\t{install(line)}")
        except (VenvError, CacheRefused) as exc:
            print(f"{line}\tfailed: {exc}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
