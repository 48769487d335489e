"""Which server build was judged (model.ServerBuild), and which rehearsal server stands in for it. Pure: no I/O.

- `choose(request, go_version)`: the rehearsal server for `--rehearsal` (auto | go | grpcio), given the Go version of
  the toolchain found for the Milvus line ("" when none; finding it is gofront.toolchain_for's job).
- `server_build(request, handshakes)`: the report's ServerBuild, from the Request (the Milvus version and where it
  came from) and the Handshakes (which server actually rehearsed, with which Go).
"""
from __future__ import annotations

from typing import Iterable, Optional

from ..facts import milvus_lines
from ..model import Handshake, Request, ServerBuild, ServerImpl, ServerKind

GRPCIO_WORDS = "grpcio (BoringSSL) + static Go model"
NEWEST = "newest line"


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def install_hint(milvus_version: Optional[str] = None) -> str:
    """Why there is no Go rehearsal of this Milvus version, and exactly how to get one."""
    entry = milvus_lines.lookup(milvus_version)
    minor = _minor(entry.rehearsal_toolchain)
    return (f"no Go {minor} toolchain for the Go rehearsal of Milvus {entry.versions} (Go {entry.go_toolchain}, "
            f"go.mod go {entry.go_line}); get one: pip install 'milvus-tls-check[go]' or "
            f"python -m milvus_tls_check.handshake.gofront install {minor}")


def choose(request: Request, go_version: str) -> ServerImpl:
    """The rehearsal server: `go` always rehearses with Go (its attempts cannot run without a toolchain, and say
    how to get one); `grpcio` never; `auto` with Go when a toolchain for the line was found."""
    if request.rehearsal == "grpcio" or (request.rehearsal == "auto" and not go_version):
        return ServerImpl(ServerKind.GRPCIO_REHEARSAL)
    return ServerImpl(ServerKind.GO_REHEARSAL, go_version)


# The codes that say nothing answered at the address (no TCP peer, or no address at all).
_NOTHING_ANSWERED = ("net.refused", "net.timeout", "net.unresolved")


def _live_words(handshakes: tuple[Handshake, ...], request: Request) -> str:
    """What the live target did, as the header says it: answered only when some attempt reached a peer."""
    live = [h for h in handshakes if h.server_impl.kind is ServerKind.LIVE and not h.could_not_run]
    if not live:
        return "the live server at --uri was not dialled" + (" (--no-handshake)" if not request.handshake else "")
    # One target: an attempt that connected decides "answered"; else one refused, timed out or unresolved decides
    # "nothing answered" (an attempt that failed before dialling, e.g. a client file missing, says neither).
    if any(h.ok for h in live):
        return "the live server at --uri answered"
    silent = [h.code for h in live if h.code in _NOTHING_ANSWERED]
    if silent:
        return f"nothing answered at --uri ({', '.join(dict.fromkeys(silent))}): no server was reached"
    if all(h.code == "net.proxy_error" for h in live):
        return "a proxy at --uri answered with an error (net.proxy_error); Milvus itself was not reached"
    return "the live server at --uri answered"


def server_build(request: Request, handshakes: Iterable[Handshake]) -> ServerBuild:
    entry = milvus_lines.lookup(request.milvus_version)
    handshakes = tuple(handshakes)
    kinds = {h.server_impl.kind for h in handshakes}
    notes: list[str] = []
    if request.uri:
        rehearsal = "none: " + _live_words(handshakes, request)
    elif ServerKind.GO_REHEARSAL in kinds:
        go = next((h.server_impl.version for h in handshakes
                   if h.server_impl.kind is ServerKind.GO_REHEARSAL and h.server_impl.version), "")
        if go:
            rehearsal = f"go {go}"
            if _minor(go) != _minor(entry.rehearsal_toolchain):
                notes.append(f"no Go {_minor(entry.rehearsal_toolchain)} toolchain found; rehearsed with Go {go} "
                             f"and go.mod go {entry.go_line}")
            elif entry.rehearsal_note:
                notes.append(entry.rehearsal_note)
        else:
            rehearsal = "go (could not run)"
            notes.append(install_hint(request.milvus_version))
    elif ServerKind.GRPCIO_REHEARSAL in kinds:
        rehearsal = GRPCIO_WORDS
        if request.rehearsal == "auto":
            notes.append(f"--rehearsal auto fell back to grpcio: {install_hint(request.milvus_version)}")
    else:
        rehearsal = "none: static Go model only" + (" (--no-handshake)" if not request.handshake else "")
    return ServerBuild(milvus_line=entry.line, milvus_version=request.milvus_version or NEWEST,
                       milvus_versions=entry.versions,
                       version_source=request.milvus_version_source or ("default" if not request.milvus_version
                                                                        else "given"),
                       go_toolchain=entry.go_toolchain, go_line=entry.go_line, rehearsal=rehearsal,
                       note="; ".join(notes))
