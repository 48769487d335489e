"""Go decides Go: real crypto/x509 path validation (goverify/main.go) with the options a Milvus deployment uses,
no private key, no network.

- side "server": a Go client (the Go SDK over grpc-go's crypto/tls) verifying the server's chain: Roots = the CA
  file as AppendCertsFromPEM loads it, Intermediates = the rest of the server pem, DNSName = the server name (or
  IP), KeyUsages default (ServerAuth), CurrentTime = `at`.
- side "client": the Milvus server in tlsMode 2 verifying a client chain (ClientCAs roots, KeyUsages ClientAuth),
  as crypto/tls does for RequireAndVerifyClientCert.

The program is built per Go toolchain like the Go front (gofront.build_program: offline, cached in
<cache>/go-verify/, its sha256 recorded, the checked descriptor executed). `go_line` is the go.mod `go` line: it
decides the GODEBUG defaults (x509negativeserial, x509sha1 ...), so pass the one of the build being judged.
"Could not run" (no toolchain, a refused cache, a failed build, a timeout, a crash) is kept apart from a rejection.
"""
from __future__ import annotations

import hashlib
import json
import re
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional, Sequence

from . import gofront, trusted_cache
from .trusted_cache import CacheRefused

SOURCE_DIR = Path(__file__).resolve().parent / "goverify"
BINARY_NAME = "milvus-tls-goverify"
SIDES = ("server", "client")
TIMEOUT = 5.0   # seconds per verification; Go's own path building is bounded (100 signature checks)


class VerifierUnavailable(RuntimeError):
    """No toolchain of that Go line, or the verifier could not be built (not a judgement of the material)."""


@dataclass(frozen=True)
class ChainCert:
    subject: str
    sha256: str


@dataclass(frozen=True)
class GoVerification:
    """What real Go said, or why it could not be asked (could_not_run: then `ok` means nothing)."""

    ok: bool
    side: str
    go_version: str = ""               # "go1.24.11"
    error_class: str = ""              # unknown_authority | hostname | expired | not_ca | name_constraints |
                                       # path_length | incompatible_usage | critical_extension | constraint_violation
                                       # | insecure_algorithm | signature | signature_limit | name_mismatch | parse |
                                       # no_roots | no_valid_chains | invalid | other
    error: str = ""                    # Go's own text
    hint_class: str = ""               # unknown_authority: why the best candidate issuer failed
    chains: tuple[tuple[ChainCert, ...], ...] = ()
    roots_loaded: int = 0
    roots_skipped: tuple[str, ...] = ()   # Go's parse error for each CA-file block AppendCertsFromPEM skips
    could_not_run: bool = False
    seconds: float = 0.0

    @property
    def rejected(self) -> bool:
        return not self.ok and not self.could_not_run


def _source_hash() -> str:
    h = hashlib.sha256()
    for f in sorted(SOURCE_DIR.glob("*.go")):
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def binary(go: str = "1.24", go_line: Optional[str] = None) -> Path:
    """The verifier built with Go `go` (major.minor; the first toolchain of that line in gofront's search order) and
    go.mod line `go_line` (default: the toolchain's own major.minor); built once, cached."""
    minor = ".".join(go.split(".")[:2])
    try:
        tc = gofront.find_toolchain(minor)
    except CacheRefused as exc:
        raise VerifierUnavailable(str(exc))
    if tc is None or ".".join(tc.version.split(".")[:2]) != minor:
        raise VerifierUnavailable(f"no Go {minor} toolchain: python -m milvus_tls_check.handshake.gofront install "
                                  f"{minor}")
    line = go_line or minor
    try:
        return gofront.build_program(tc, SOURCE_DIR, BINARY_NAME, line, "go-verify",
                                     f"go{tc.version}-line{line}-{_source_hash()}", BINARY_NAME)
    except (gofront.GoFrontError, CacheRefused, OSError, subprocess.SubprocessError) as exc:
        raise VerifierUnavailable(f"the Go verifier could not be built with Go {tc.version}: {exc}")


def _at_text(at: Optional[datetime]) -> str:
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    at = at.astimezone(timezone.utc)
    return at.strftime("%Y-%m-%dT%H:%M:%S") + (f".{at.microsecond:06d}" if at.microsecond else "") + "Z"


def verify(chain_pem: bytes, roots_pem: bytes, *, side: str, name: Optional[str] = None,
           at: Optional[datetime] = None, go: str = "1.24", go_line: Optional[str] = None,
           key_usages: Optional[Sequence[str]] = None, timeout: float = TIMEOUT) -> GoVerification:
    """Ask real Go whether `chain_pem` (leaf first, then what the peer sends with it) verifies against the CA file
    `roots_pem`, as side `side` of a Milvus connection does. `key_usages` (Go names: serverAuth, clientAuth, any
    ...) overrides the side's default."""
    if side not in SIDES:
        raise ValueError(f"side must be one of {SIDES}")
    t0 = time.monotonic()

    def could_not(why: str) -> GoVerification:
        return GoVerification(False, side, error=why, could_not_run=True, seconds=time.monotonic() - t0)

    try:
        program = binary(go, go_line)
    except VerifierUnavailable as exc:
        return could_not(str(exc))
    request = {"side": side, "chain_pem": chain_pem.decode("ascii", "replace"),
               "roots_pem": roots_pem.decode("ascii", "replace"), "name": name or "", "at": _at_text(at)}
    if key_usages is not None:
        request["key_usages"] = list(key_usages)
    try:
        with trusted_cache.verified(program) as kw:   # the checked descriptor is what runs
            proc = subprocess.run([str(program)], input=json.dumps(request), capture_output=True, text=True,
                                  timeout=timeout, env=gofront._clean_env(), cwd=trusted_cache.CHILD_CWD, **kw)
    except (CacheRefused, OSError) as exc:
        return could_not(f"the Go verifier was not run: {exc}")
    except subprocess.TimeoutExpired:
        return could_not(f"the Go verifier did not answer within {timeout:g}s")
    m = re.search(r"^RESULT (.*)$", proc.stdout, re.M)
    if not m:
        return could_not(f"the Go verifier exited {proc.returncode}: {(proc.stderr or proc.stdout)[-400:]}")
    r = json.loads(m.group(1))
    if r.get("class") == "request":
        raise ValueError(f"the Go verifier refused the request: {r.get('error')}")
    chains = tuple(tuple(ChainCert(c["subject"], c["sha256"]) for c in ch) for ch in r.get("chains") or ())
    return GoVerification(bool(r.get("ok")), side, r.get("go", ""), r.get("class", ""), r.get("error", ""),
                          r.get("hint_class", ""), chains, int(r.get("roots_loaded", 0)),
                          tuple(r.get("roots_skipped") or ()), seconds=time.monotonic() - t0)
