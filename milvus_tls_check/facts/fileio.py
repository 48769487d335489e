"""Bounded, never-blocking file reads, written once.

`read_bounded(path)` returns the bytes and mode bits, or a typed problem. FIFOs and sockets are never opened
(a read would block), directories are refused, and at most `max_bytes` are read (an endless device or a huge file
is `TOO_LARGE`, not a hang). Nothing here builds findings: the caller turns a problem into whatever it reports.
"""
from __future__ import annotations

import enum
import errno
import os
import stat
from dataclasses import dataclass
from typing import Optional

MAX_BYTES = 1 << 20  # a 100-certificate chain is ~150 KiB; anything past 1 MiB is not TLS material


class Problem(str, enum.Enum):
    MISSING = "missing"                # no such file
    DANGLING_LINK = "dangling_link"    # a symbolic link to a file that does not exist
    LINK_LOOP = "link_loop"            # a symbolic link loop
    UNOPENABLE = "unopenable"          # stat failed for another reason (permission on a parent folder, ...)
    DIRECTORY = "directory"
    FIFO = "fifo"                      # not opened: a read would block
    SOCKET = "socket"
    SPECIAL = "special"                # a device, refused where only regular files make sense (configs)
    TOO_LARGE = "too_large"            # a regular file over the bound (size known)
    ENDLESS = "endless"                # more than the bound arrived while reading (a device or a growing file)
    UNREADABLE = "unreadable"          # open or read failed (permissions, I/O error)

    @property
    def absent(self) -> bool:
        return self in (Problem.MISSING, Problem.DANGLING_LINK)

    @property
    def too_large(self) -> bool:
        return self in (Problem.TOO_LARGE, Problem.ENDLESS)


@dataclass(frozen=True)
class ReadResult:
    path: str
    data: bytes = b""
    mode_bits: Optional[int] = None    # permission bits (stat.S_IMODE), when stat succeeded
    problem: Optional[Problem] = None
    reason: str = ""                   # the OS's words for UNOPENABLE/UNREADABLE (strerror)
    size: Optional[int] = None         # st_size for TOO_LARGE
    limit: int = MAX_BYTES

    @property
    def ok(self) -> bool:
        return self.problem is None


def read_bounded(path: str, max_bytes: int = MAX_BYTES, *, regular_only: bool = False) -> ReadResult:
    """Read at most max_bytes of a regular file (or a readable device, unless `regular_only`) without ever
    blocking. With `regular_only` the opened file itself is checked too (fstat), so a file swapped for a device or
    a FIFO between the stat and the open is refused."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return ReadResult(path, problem=Problem.DANGLING_LINK if os.path.islink(path) else Problem.MISSING,
                          limit=max_bytes)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return ReadResult(path, problem=Problem.LINK_LOOP, reason="is a symbolic link loop", limit=max_bytes)
        return ReadResult(path, problem=Problem.UNOPENABLE, reason=exc.strerror or str(exc), limit=max_bytes)
    mode_bits = stat.S_IMODE(st.st_mode)

    def problem(kind: Problem, reason: str = "", size: Optional[int] = None) -> ReadResult:
        return ReadResult(path, mode_bits=mode_bits, problem=kind, reason=reason, size=size, limit=max_bytes)

    if stat.S_ISDIR(st.st_mode):
        return problem(Problem.DIRECTORY)
    if stat.S_ISFIFO(st.st_mode):
        return problem(Problem.FIFO)
    if stat.S_ISSOCK(st.st_mode):
        return problem(Problem.SOCKET)
    if regular_only and not stat.S_ISREG(st.st_mode):
        return problem(Problem.SPECIAL)
    if stat.S_ISREG(st.st_mode) and st.st_size > max_bytes:
        return problem(Problem.TOO_LARGE, size=st.st_size)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        return problem(Problem.UNREADABLE, exc.strerror or str(exc))
    try:
        if regular_only and not stat.S_ISREG(os.fstat(fd).st_mode):
            return problem(Problem.SPECIAL)
        chunks, total = [], 0
        while total <= max_bytes:
            chunk = os.read(fd, min(65536, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        return problem(Problem.UNREADABLE, exc.strerror or str(exc))
    finally:
        os.close(fd)
    if total > max_bytes:
        return problem(Problem.ENDLESS)
    return ReadResult(path, b"".join(chunks), mode_bits, limit=max_bytes)
