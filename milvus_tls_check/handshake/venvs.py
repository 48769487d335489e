"""One virtual environment per pymilvus release line, cached: <cache>/pymilvus/<version>/ (<cache> is
$MILVUS_TLS_CACHE, default ~/.cache/milvus-tls-check). A test extra cannot pin several pymilvus releases in one
environment, and the doctor's real-client attempt (real_client.py) runs in whichever interpreter it is given: this
module makes that interpreter for a line.

    python -m milvus_tls_check.handshake.venvs install 2.3 2.4 2.5 2.6 3.0     # prepare (CI, tests)
    python -m milvus_tls_check.handshake.venvs list

Finding a venv spawns nothing; creating one runs `python -m venv` and pip (ordinary registry use). The older lines
need pins their own metadata lacks: environs 9.5 (pymilvus 2.3/2.4) breaks with marshmallow 4, and pymilvus 2.3
imports pkg_resources (setuptools < 81).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Optional, Sequence

from ..facts.clients import PYMILVUS_LINES

EXTRA_PINS = {"2.3": ("marshmallow<4", "setuptools<81"), "2.4": ("marshmallow<4", "setuptools<81"),
              "2.5": ("setuptools<81",)}
READY = ".milvus-tls-ready"


class VenvError(RuntimeError):
    pass


def cache_dir() -> Path:
    return Path(os.environ.get("MILVUS_TLS_CACHE") or Path.home() / ".cache" / "milvus-tls-check")


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
    """The interpreter of a ready venv for this pymilvus line or release; None when not prepared."""
    d = venv_dir(version)
    py = d / "bin" / "python"
    return py if (d / READY).is_file() and py.is_file() else None


def install(version: str, *, timeout: float = 900.0, python: str = sys.executable) -> Path:
    """Create (or reuse) the venv with pymilvus==<release>; its python."""
    release = release_of(version)
    found = python_for(release)
    if found is not None:
        return found
    d = venv_dir(release)
    d.parent.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run([python, "-m", "venv", "--clear", str(d)], check=True, capture_output=True, timeout=120)
        line = ".".join(release.split(".")[:2])
        pins = EXTRA_PINS.get(line, ())
        cp = subprocess.run([str(d / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                             f"pymilvus=={release}", *pins], capture_output=True, text=True, timeout=timeout)
    except subprocess.CalledProcessError as exc:
        raise VenvError(f"python -m venv {d} failed: {exc.stderr!r}")
    except subprocess.TimeoutExpired:
        raise VenvError(f"installing pymilvus {release} did not finish within {timeout:g}s")
    if cp.returncode != 0:
        raise VenvError(f"pip install pymilvus=={release} failed: {(cp.stderr or cp.stdout)[-800:]}")
    check = subprocess.run([str(d / "bin" / "python"), "-c", "import pymilvus; print(pymilvus.__version__)"],
                           capture_output=True, text=True, timeout=120)
    if check.returncode != 0:
        raise VenvError(f"pymilvus {release} does not import in {d}: {check.stderr[-800:]}")
    (d / READY).write_text(check.stdout.strip() + "\n")
    return d / "bin" / "python"


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
        except VenvError as exc:
            print(f"{line}\tfailed: {exc}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
