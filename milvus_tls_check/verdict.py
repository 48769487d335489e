"""Static checks + handshakes -> which attempts count, what disagrees, and the verdict. Pure: no I/O.

The rule that decides whether a failed handshake may be overruled (issue 11) is stated once, in `may_be_advisory`:
only a refusal raised by the grpcio (BoringSSL) rehearsal *server* while judging the client certificate, in mode
2, where Go's static model (the one Milvus applies) finds nothing wrong. A failure on the client side (the client
verifying the server, or loading its own roots) is the client stack's own verdict and is never overruled; nor is
anything a live server or the Go rehearsal (Milvus's own TLS stack) decided.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from .codes import go_only_codes
from .model import ClientKind, Finding, Handshake, ServerKind, Side, Verdict, blocking_findings

# Codes a grpcio rehearsal server cannot reproduce because only Go (the real Milvus) enforces them, or because
# they are risks rather than failures. A rehearsal that passes despite them is expected, not a disagreement.
GO_ONLY = go_only_codes()
# The codes a rehearsal server's refusal of the client certificate surfaces as on the client (with Side.SERVER).
# BoringSSL refuses client certificates Go accepts (observed against Milvus 2.3.5: an Ed25519 client key, a
# keyUsage without digitalSignature, an issuer without keyCertSign), so Go's model decides those.
SERVER_SIDE_REJECTIONS = frozenset({"tls.client_cert_rejected", "handshake.failed"})

ADVISORY_NOTE = (" (the rehearsal server is grpcio/BoringSSL, which refuses this client certificate; Milvus verifies "
                 "client certificates with Go, whose rules the static checks follow and which accepts it)")


def _is_reconciled(hs: Handshake) -> bool:
    """Attempts compared with the static verdict: the client built as pymilvus builds it, against a rehearsal."""
    return hs.server_impl.kind.rehearsal and not hs.could_not_run and hs.client_impl.kind is ClientKind.PYMILVUS_GRPCIO


def may_be_advisory(hs: Handshake, mode_errors: tuple[Finding, ...]) -> bool:
    """May this failed attempt be kept but not counted? Only the BoringSSL rehearsal server refusing the client
    certificate, in mode 2, where Go's static model (no blocking finding in that mode) accepts it."""
    return (not hs.ok and not hs.could_not_run and hs.mode == 2 and not mode_errors
            and hs.server_impl.kind is ServerKind.GRPCIO_REHEARSAL
            and hs.side is Side.SERVER and hs.code in SERVER_SIDE_REJECTIONS)


def reconcile(findings: Iterable[Finding], handshakes: tuple[Handshake, ...]
              ) -> tuple[tuple[Handshake, ...], tuple[str, ...]]:
    """Compare each rehearsal with the static verdict of its mode; say plainly where they disagree.

    The one documented gap (may_be_advisory) is reconciled rather than reported: the attempt is kept, marked
    advisory, and says why. Any other difference is a disagreement, reported in every format.
    """
    findings = tuple(findings)
    out: list[Handshake] = []
    disagreements: list[str] = []
    for hs in handshakes:
        errors = blocking_findings(findings, (hs.mode,), False)
        if may_be_advisory(hs, errors):
            hs = replace(hs, advisory=True, detail=hs.detail + ADVISORY_NOTE)
        elif _is_reconciled(hs):
            visible = [f for f in errors if f.code not in GO_ONLY and not f.code.startswith("config.")]
            if hs.ok and visible:
                disagreements.append(f"mode {hs.mode}: the static checks say it fails "
                                     f"({', '.join(sorted({f.code for f in visible}))}) but the rehearsal "
                                     "handshake succeeded")
            elif not hs.ok and not errors:
                disagreements.append(f"mode {hs.mode}: the static checks pass but the rehearsal handshake failed "
                                     f"({hs.code}: {hs.detail})")
        out.append(hs)
    return tuple(out), tuple(disagreements)


def overall(findings: Iterable[Finding], handshakes: Iterable[Handshake], modes: tuple[int, ...],
            strict: bool) -> Verdict:
    """Fail when a blocking finding breaks an evaluated mode, or an attempt that counts failed."""
    return Verdict.of(bool(blocking_findings(tuple(findings), modes, strict))
                      or any(not h.ok and h.counts for h in handshakes))


def mode_verdicts(findings: Iterable[Finding], handshakes: Iterable[Handshake], modes: tuple[int, ...],
                  strict: bool) -> dict[int, Verdict]:
    findings, handshakes = tuple(findings), tuple(handshakes)
    return {m: overall(findings, (h for h in handshakes if h.mode == m), (m,), strict) for m in modes}


def client_verdicts(findings: Iterable[Finding], handshakes: Iterable[Handshake], modes: tuple[int, ...],
                    strict: bool) -> dict[tuple[int, ClientKind], Verdict]:
    """(mode, client kind) -> verdict, for every client that made an attempt in an evaluated mode (the same
    rule as Report.client_verdicts, for a caller that has no Report yet)."""
    findings, handshakes = tuple(findings), tuple(handshakes)
    kinds = list(ClientKind)
    pairs = sorted({(h.mode, h.client_impl.kind) for h in handshakes if h.mode in modes},
                   key=lambda p: (p[0], kinds.index(p[1])))
    return {(m, k): overall(findings, (h for h in handshakes if h.mode == m and h.client_impl.kind is k), (m,),
                            strict) for m, k in pairs}
