"""Static checks + handshakes -> which attempts count, what disagrees, and the verdict. Pure: no I/O.

The rule that decides whether a failed handshake may be overruled (issue 11) is stated once, in `may_be_advisory`:
only a refusal raised by the grpcio (BoringSSL) rehearsal *server* while judging the client certificate, in mode
2, where Go's static model (the one Milvus applies) finds nothing wrong. A failure on the client side (the client
verifying the server, or loading its own roots) is the client stack's own verdict and is never overruled; nor is
anything a live server or the Go rehearsal (Milvus's own TLS stack) decided.

The other way round (issue 19), stated once in `rehearsal_decides`: a static Go-model error (a Go-only code) that
the Go rehearsal of the exact build contradicts, its handshake having succeeded in every mode the finding breaks, is
kept as a warning and reported as a disagreement resolved in favour of the rehearsal.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from typing import Any, Iterable, Mapping, Optional

from .codes import go_only_codes
from .model import (CheckResult, ClientKind, Finding, Handshake, Material, Request, Role, ServerKind, Side, Status,
                    Unjudged, Verdict, blocking_findings)

# Codes a grpcio rehearsal server cannot reproduce because only Go (the real Milvus) enforces them, or because
# they are risks rather than failures. A rehearsal that passes despite them is expected, not a disagreement.
GO_ONLY = go_only_codes()
# The codes a rehearsal server's refusal of the client certificate surfaces as on the client (with Side.SERVER).
# BoringSSL refuses client certificates Go accepts (observed against Milvus 2.3.5: an Ed25519 client key, a
# keyUsage without digitalSignature), so Go's model decides those. (An issuer whose keyUsage lacks keyCertSign is
# refused by real Go 1.21/1.24 too: goverify, tests/test_go_path_rules.py, docs/observations.md issue 22.)
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


def _speaks_for(f: Finding, hs: Handshake) -> bool:
    """A finding tagged for selected clients (--client, Finding.clients) speaks only for their attempts."""
    if not f.clients:
        return True
    if hs.client_impl.kind is ClientKind.PYMILVUS_GRPCIO:
        return False   # the doctor's own grpcio is no selected line's
    from .clientkinds import by_attempt_kind
    spec = by_attempt_kind(hs.client_impl.kind.value)
    kind = spec.name if spec is not None else hs.client_impl.kind.value
    return any(c.split("==")[0] == kind for c in f.clients)


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
        errors = tuple(f for f in errors if _speaks_for(f, hs))   # --client: another client's finding does not
        hs = point_to_cause(hs, errors)
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


# --- the authoritative side decides: the Go rehearsal of the exact build over the static Go model -------------------

RESOLVED_WORDS = "resolved in favour of the rehearsal"


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def exact_go_rehearsals(handshakes: Iterable[Handshake], milvus_version: Optional[str]) -> dict[int, Handshake]:
    """mode -> a Go rehearsal that succeeded with the Go of the judged Milvus build (the toolchain minor its release
    is built with; the go.mod go line is the build's own) and the client pymilvus builds. Only these speak for
    Milvus's own TLS stack: a rehearsal with another Go, or with the grpcio server, never overrules the static model."""
    from .facts import milvus_lines
    wanted = _minor(milvus_lines.lookup(milvus_version).rehearsal_toolchain)
    out: dict[int, Handshake] = {}
    for h in handshakes:
        if (h.ok and not h.could_not_run and h.server_impl.kind is ServerKind.GO_REHEARSAL and h.server_impl.version
                and _minor(h.server_impl.version) == wanted
                and h.client_impl.kind in (ClientKind.PYMILVUS_GRPCIO, ClientKind.PYMILVUS)):
            out.setdefault(h.mode, h)
    return out


def rehearsal_decides(checks: Iterable[CheckResult], handshakes: Iterable[Handshake], modes: tuple[int, ...],
                      milvus_version: Optional[str]) -> tuple[tuple[CheckResult, ...], tuple[str, ...]]:
    """A static Go-model error (a Go-only code: what the doctor models of Go, per Milvus line) that the Go rehearsal
    of that exact build contradicts, in every mode it breaks (the rehearsal handshake succeeded there), does not fail
    the verdict: it is kept as a warning that says the rehearsal accepted it. Returns the checks and one line per
    finding so resolved (the disagreement, resolved in favour of the rehearsal)."""
    checks = tuple(checks)
    exact = exact_go_rehearsals(handshakes, milvus_version)
    if not exact:
        return checks, ()
    from .facts import milvus_lines
    from .model import Severity
    entry = milvus_lines.lookup(milvus_version)
    out: list[CheckResult] = []
    resolved: list[str] = []
    for c in checks:
        changed = []
        for f in c.findings:
            broken = tuple(m for m in (f.modes or modes) if m in modes)
            if (f.severity is Severity.ERROR and f.code in GO_ONLY and not f.code.startswith("config.") and broken
                    and all(m in exact and _speaks_for(f, exact[m]) for m in broken)):
                h = exact[broken[0]]
                said = (f"the Go rehearsal of Milvus {entry.line} (Go {h.server_impl.version}, go.mod go "
                        f"{entry.go_line}) accepted it: the mode {'/'.join(map(str, broken))} handshake succeeded")
                f = replace(f, severity=Severity.WARNING,
                            message=f"{f.message} [The static Go model says this fails, but {said}; the rehearsal, "
                                    "Milvus's own TLS stack, decides: a warning, not a failure.]")
                resolved.append(f"mode {'/'.join(map(str, broken))}: the static Go model says {f.code} fails "
                                f"({f.subject}) but {said}; {RESOLVED_WORDS} ({f.code} is kept as a warning)")
            changed.append(f)
        if changed != list(c.findings):
            status = (Status.FAIL if any(f.severity is Severity.ERROR for f in changed) else
                      Status.WARN if any(f.severity is Severity.WARNING for f in changed) else c.status)
            c = replace(c, findings=tuple(changed), status=status)
        out.append(c)
    return tuple(out), tuple(resolved)


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


# --- one cause, one finding -------------------------------------------------------------------------------------
# A failed handshake whose cause a static finding already names points to that finding ("see key.mismatch above")
# instead of printing the same fix again. The static codes that may be the cause of each handshake code:
_SERVER_CHAIN = ("chain.untrusted", "chain.intermediate_missing", "chain.name_constraints", "ca.not_ca",
                 "ca.key_cert_sign_missing", "eku.server_auth_missing", "cert.unknown_critical_extension",
                 "sig.unsupported", "sig.weak", "cert.expired", "cert.not_yet_valid", "file.bom")
_CLIENT_CHAIN = ("chain.untrusted", "chain.intermediate_missing", "chain.name_constraints", "ca.not_ca",
                 "ca.anchor_not_ca", "ca.path_length_exceeded", "eku.client_auth_missing", "sig.unsupported",
                 "sig.weak", "cert.expired", "cert.not_yet_valid", "cert.serial_invalid", "key.weak",
                 "key.unsupported", "key.mismatch", "cert.unknown_critical_extension")
CAUSES: Mapping[str, tuple[str, ...]] = {
    "tls.server_cert_untrusted": _SERVER_CHAIN,
    "name.mismatch": ("name.mismatch", "name.trailing_dot"),
    "cert.expired": ("cert.expired",),
    "cert.not_yet_valid": ("cert.not_yet_valid",),
    "tls.client_cert_rejected": _CLIENT_CHAIN,
    "tls.client_cert_required": ("client.cert_missing", "client.params_conflict", "client.params_incomplete",
                                 "client.mode_mismatch"),
    # the client failing on its own material ("Failed to create security handshaker": a client key that does not
    # match its certificate, a file grpc cannot read) or on the server's key or usage
    "handshake.failed": ("key.mismatch", "key.encrypted", "key.unsupported", "key.weak", "ku.digital_signature_missing",
                         "file.bom", "file.not_pem", "file.der", "file.wrong_kind", "file.empty", "sig.unsupported"),
}
# Which files a handshake code is about: the server's chain (the client verifies it) or the client's.
_CLIENT_SIDE_CODES = ("tls.client_cert_rejected", "tls.client_cert_required")
_SERVER_SIDE_CODES = ("tls.server_cert_untrusted", "name.mismatch")


def _about_client(f: Finding) -> bool:
    """Is the finding about the client certificate, its key or tls.caPemPath (subjects read "role (path)")?"""
    return f.subject.startswith(("client_pem ", "client_key ", "ca_pem "))


def point_to_cause(hs: Handshake, errors: tuple[Finding, ...]) -> Handshake:
    """The same handshake, pointing to the static finding that names its cause (Handshake.see), if one does."""
    if hs.ok or hs.could_not_run or hs.see:
        return hs
    wanted = CAUSES.get(hs.code, ()) + (hs.code,)
    # Which end's files: the server refused the client certificate (its chain, key, tls.caPemPath), or the client
    # refused the server's certificate (trust, name); otherwise any file.
    client_side = hs.code in _CLIENT_SIDE_CODES or hs.side is Side.SERVER
    # (a client-side failure of another kind may be about the client's own files: no filter then)
    server_side = not client_side and hs.code in _SERVER_SIDE_CODES
    for f in errors:
        if f.code not in wanted:
            continue
        if not f.code.startswith("client.") and (client_side and not _about_client(f)
                                                   or server_side and _about_client(f)):
            continue
        return replace(hs, see=f.code, detail=f"{hs.detail}; the cause is {f.code} above (its fix is there)")
    return hs


def unjudged_modes(checks: Iterable[CheckResult]) -> dict[int, str]:
    """mode -> reason, for a mode whose client side the static checks could not judge for missing input (mode 2
    without client material, rules.pymilvus_params.NO_CLIENT_REASON): a rehearsal of it would fail for what was not given."""
    from .rules.pymilvus_params import NO_CLIENT_REASON
    return {c.mode: c.reason for c in checks
            if c.status is Status.NOT_RUN and c.mode is not None and c.reason == NO_CLIENT_REASON}


def not_rehearsed(unjudged: Mapping[int, str]) -> tuple[Handshake, ...]:
    """The not-run handshakes of the modes unjudged_modes found, with the static side's reason."""
    return tuple(Handshake(mode, "rehearsal", False, "handshake.not_run", reason, could_not_run=True)
                 for mode, reason in sorted(unjudged.items()))


# --- exit 0 means proven: the sides a mode needs ------------------------------------------------------------------

_SERVER_ROLES = {1: (Role.SERVER_CERT, Role.SERVER_KEY), 2: (Role.SERVER_CERT, Role.SERVER_KEY, Role.SERVER_CA)}
_ROLE_WORDS = {Role.SERVER_CERT: ("tls.serverPemPath", "--server-pem", "server.pem"),
               Role.SERVER_KEY: ("tls.serverKeyPath", "--server-key", "server.key"),
               Role.SERVER_CA: ("tls.caPemPath", "--ca-pem", "ca.pem")}
_SECRET_NOT_GIVEN = re.compile(r"Secret (\S+) is not in the --k8s files")


def unjudged_sides(request: Request, modes: tuple[int, ...], checks: Iterable[CheckResult],
                   handshakes: Iterable[Handshake]) -> tuple[Unjudged, ...]:
    """The sides of the evaluated modes that were not judged because their input was not given. A mode is proven
    only when the server's files (or a live server that answered) and, for mutual TLS, the client's certificate
    were both judged; `--side` narrows what is asked for."""
    checks, handshakes = tuple(checks), tuple(handshakes)
    no_client = unjudged_modes(checks)
    out: list[Unjudged] = []
    for mode in modes:
        if mode not in (1, 2):
            continue
        if request.side != "client":
            live = request.uri is not None and any(h.mode == mode and h.target != "rehearsal" and not h.could_not_run
                                                   for h in handshakes)
            missing = [r for r in _SERVER_ROLES[mode] if not request.path(r)]
            if missing and not live:
                secrets = _secrets_not_given(request, missing)
                out.append(Unjudged(mode, "server", _server_what(missing, secrets),
                                    _server_add(request, missing, secrets)))
        if request.side != "server":
            side = _client_side_unjudged(request, mode) if mode in no_client else []
            named = {u.client for u in side}
            out += side + [u for u in _clients_not_run(request, mode, handshakes)
                           if "" not in named and u.client not in named]
    return tuple(out)


def _client_side_unjudged(request: Request, mode: int) -> list[Unjudged]:
    """Mode 2 without the general client material: the client side is not judged, except for a selected Go or Node
    client whose own arguments (--go-args / --node-args) are there, which are judged as they are (its files by the
    same rules, a missing certificate as client.cert_missing): only the other selected clients are incomplete."""
    what = ("the client certificate and key of mutual TLS (what the application passes as pymilvus client_pem_path "
            "and client_key_path)")
    judged = {sel.key for sel in request.clients if request.own_tls(sel.kind)}
    if not judged:
        return [Unjudged(mode, "client", what, _client_add(request))]
    return [Unjudged(mode, "client", what, _client_add(request), client=sel.key) for sel in request.clients
            if sel.key not in judged]


def _clients_not_run(request: Request, mode: int, handshakes: tuple[Handshake, ...]) -> list[Unjudged]:
    """--client: a selected client whose every attempt in this mode could not run (its SDK not installed, no Go
    toolchain) was not checked: its verdict is incomplete, never a pass."""
    from .clientkinds import attempt_is_for
    out = []
    for sel in request.clients:
        attempts = [h for h in handshakes if h.mode == mode and attempt_is_for(h.client_impl, sel)]
        if attempts and all(h.could_not_run for h in attempts):
            out.append(Unjudged(mode, "client", f"{sel.label} was not run: {attempts[0].detail}",
                                "what the reason names (the install command above), or drop "
                                f"--client {sel.key}", client=sel.key))
    return out


def _server_what(missing: list[Role], secrets: list[str]) -> str:
    where = (f"in Secret {', '.join(secrets)}, which is not among the --k8s files" if secrets else "not given")
    return "the server's " + ", ".join(_ROLE_WORDS[r][0] for r in missing) + f" ({where})"


def _server_add(request: Request, missing: list[Role], secrets: list[str]) -> str:
    if secrets:
        return "; ".join(f"the Secret the deployment mounts: `kubectl get secret {name} -o yaml > {name}.yaml`, then "
                         f"add `--k8s {name}.yaml`" for name in secrets)
    flags = " ".join(f"{_ROLE_WORDS[r][1]} PATH" for r in missing)
    if request.uri is not None:
        return f"{flags}, or let the handshake with {request.uri} run (drop --no-handshake)"
    return flags + (" (or name the files in --dir " + ", ".join(_ROLE_WORDS[r][2] for r in missing) + ")")


def _secrets_not_given(request: Request, missing: list[Role]) -> list[str]:
    deployment = request.deployment
    if deployment is None:
        return []
    keys = {Role.SERVER_CERT: "tls.serverPemPath", Role.SERVER_KEY: "tls.serverKeyPath", Role.SERVER_CA: "tls.caPemPath"}
    names: list[str] = []
    for role in missing:
        info = deployment.path(keys[role])
        mount = info.resolved.mount if info is not None and info.resolved is not None else None
        m = _SECRET_NOT_GIVEN.search(getattr(mount, "unreadable", "") or "")
        if m and m.group(1) not in names:
            names.append(m.group(1))
    return names


def _client_add(request: Request) -> str:
    from .rules.pymilvus_params import CLIENT_FLAGS
    return (f"{CLIENT_FLAGS} (the files the application passes), or --pymilvus-args with the application's own "
            "parameters; to judge the server alone, say so with --side server")


def instant_matters(material: Material, at: Optional[dt.datetime], now: Optional[dt.datetime] = None) -> bool:
    """Is some certificate in another validity state (not yet valid, valid, expired) at `at` than now? Then a
    handshake, which happens now, cannot speak for the instant --at judges."""
    if at is None:
        return False
    now = now or dt.datetime.now(dt.timezone.utc)

    def state(cert, t):
        return -1 if t < cert.not_valid_before_utc else 1 if t > cert.not_valid_after_utc else 0
    return any(state(c, at) != state(c, now) for f in material.files.values() for c in f.certs)


_PATH_IN_SUBJECT = re.compile(r"\((.*)\)$")


def said_once(checks: Iterable[CheckResult], deployment: Any = None) -> tuple[CheckResult, ...]:
    """One cause, one finding: a file a deployment says no volume provides (config.path_not_mounted) is not also
    reported missing (file.missing) by the files check, which then could not run and points to that finding."""
    checks = in_user_terms(checks, deployment)
    if deployment is None:
        return checks
    unmounted = {f.subject for c in checks for f in c.findings if f.code == "config.path_not_mounted"}
    hosts = set()
    for info in getattr(deployment, "paths", {}).values():
        if info.container in unmounted:
            for host in (info.container, info.host, info.resolved.host if info.resolved is not None else None):
                if host:
                    hosts.add(host)
    if not hosts:
        return checks
    out = []
    for c in checks:
        missing = [f for f in c.findings if f.code == "file.missing" and _subject_path(f) in hosts]
        if missing and len(missing) == len(c.findings):
            c = replace(c, status=Status.NOT_RUN, findings=(),
                        reason=f"{_subject_path(missing[0])} is not there: config.path_not_mounted above says why")
        out.append(c)
    return tuple(out)


def in_user_terms(checks: Iterable[CheckResult], deployment: Any = None) -> tuple[CheckResult, ...]:
    """Kubernetes material is read from a private copy the doctor deletes after the run: a message names the
    Secret and key instead (`key tls.crt of Secret milvus-certs`). Fixes are built that way already
    (findings.fix_for); subjects keep the path (the report's inputs name it)."""
    checks = tuple(checks)
    folder = getattr(deployment, "secret_dir", None) if deployment is not None else None
    if not folder:
        return checks
    from .findings import shown
    copy = re.compile(re.escape(folder.rstrip("/")) + r"/[^\s,;:()'\"`]+")

    def words(text: str) -> str:
        return copy.sub(lambda m: shown(m.group(0).rstrip("."), deployment) + ("." if m.group(0).endswith(".") else ""),
                        text)
    return tuple(replace(c, findings=tuple(replace(f, message=words(f.message)) for f in c.findings))
                 for c in checks)


def _subject_path(f: Finding) -> str:
    m = _PATH_IN_SUBJECT.search(f.subject)
    return m.group(1) if m else ""


# --- Go decides Go (issue 22): real crypto/x509 over the model of it, when a toolchain is there -----------------------

REAL_GO_WORDS = "resolved in favour of real Go"


def _side_words(c) -> str:
    return (f"the server chain {c.chain_path} against {c.roots_path} for {c.who}" if c.side == "server" else
            f"the client chain {c.chain_path} against tls.caPemPath {c.roots_path} for Milvus (mode 2)")


def _about_side(f: Finding, c) -> bool:
    """Is the finding about this Go side's chain (its files), and counted for it?"""
    if c.side == "server":
        return c.who in f.clients and (c.chain_path in f.subject or c.roots_path in f.subject)
    return f.subject.startswith(("client_pem (", "ca_pem (")) and (not f.modes or 2 in f.modes)


def go_decides(checks: Iterable[CheckResult], path_checks: Iterable[Any]) -> tuple[tuple[CheckResult, ...],
                                                                                  tuple[str, ...], tuple[str, ...]]:
    """Real Go's verdict on each Go side (model.GoPathCheck) decides it; where the static model (facts/gopath.py)
    said otherwise the finding is added, or kept as a warning (or no longer counted for that Go client), and the
    disagreement is returned (notes, resolved): never silent. Returns (checks, notes, resolved)."""
    from .clientkinds.go import model_path, path_code
    from .findings import finding
    from .model import Severity
    checks = list(checks)
    notes: list[str] = []
    resolved: list[str] = []
    for c in path_checks:
        real = c.real
        if real.could_not_run:
            notes.append(f"real Go {c.go} could not verify {_side_words(c)} ({real.error}); the static model of "
                         "Go's path validation decided")
            continue
        model = model_path(c.chain, c.roots, name=c.name, at=c.at, go=c.go, go_line=c.go_line, side=c.side,
                           chain_pem=c.chain_pem or None, roots_pem=c.roots_pem or None)
        real_code = "" if real.ok else path_code(real.error_class, real.error, real.hint_class, chain=c.chain,
                                                 roots=c.roots, name=c.name, side=c.side)
        go = real.go_version.removeprefix("go") or c.go
        if model.ok == real.ok and (real.ok or model.code == real_code):
            continue
        said = (f"real Go {go} {'accepted' if real.ok else 'refused'} {_side_words(c)}"
                + ("" if real.ok else f" ({real_code}: \"{real.error}\")")
                + f"; the model said {'it accepts' if model.ok else model.code + ' (' + model.error + ')'}")
        notes.append(said)
        resolved.append(f"{said}: {REAL_GO_WORDS}")
        if not real.ok and not model.ok:
            continue   # both refuse: the verdict stands, the cause real Go names is in the note
        if not real.ok:   # the model accepted: real Go's refusal is the finding
            modes = (2,) if c.side == "client" else ()
            subject = (f"{c.who} client: server certificate {c.chain_path}" if c.side == "server" else
                       f"client_pem ({c.chain_path})")
            new = finding(real_code, subject, f"real Go {go} refuses {_side_words(c)}: \"{real.error}\" (the static "
                          "model accepted it).", modes=modes)
            if c.side == "server":
                new = replace(new, clients=(c.who,))
            want = "clients" if c.side == "server" else "chain.client"
            idx = next((i for i, r in enumerate(checks) if r.check == want and (c.side == "client" or
                                                                               r.subject == c.who)), None)
            if idx is None:
                from .rules import result
                checks.append(result(want, f"{c.who}: real Go's path validation", c.who, [new],
                                     mode=2 if c.side == "client" else None))
            else:
                r = checks[idx]
                checks[idx] = _with_findings(r, r.findings + (new,))
            continue
        # real Go accepted what the model refused: that refusal no longer counts for this Go side
        for i, r in enumerate(checks):
            changed = []
            for f in r.findings:
                if f.code == model.code and f.severity is Severity.ERROR and _about_side(f, c):
                    if c.side == "server" and len(f.clients) > 1:
                        f = replace(f, clients=tuple(k for k in f.clients if k != c.who))
                    else:
                        f = replace(f, severity=Severity.WARNING,
                                    message=f"{f.message} (real Go {go} accepted this chain: kept as a warning)")
                changed.append(f)
            if changed != list(r.findings):
                checks[i] = _with_findings(r, tuple(changed))
    return tuple(checks), tuple(notes), tuple(resolved)


def _with_findings(r: CheckResult, findings: tuple) -> CheckResult:
    from .model import Severity
    status = (Status.FAIL if any(f.severity is Severity.ERROR for f in findings) else
              Status.WARN if any(f.severity is Severity.WARNING for f in findings) else Status.PASS)
    return replace(r, findings=findings, status=status)


def front_door_link(report, spec):
    """The front door on the TLS map (linkkinds/front_door.py): its verdict is the report's own (every evaluated
    tlsMode and selected client); tlsMode 0 is a plaintext link."""
    from .model import Link, LinkSetting, LinkVerdict
    detail = ""
    if report.modes and all(m == 0 for m in report.modes):
        verdict = LinkVerdict.PLAINTEXT
    elif not report.modes:   # only another link was given (a tool's own connection): the front door was not asked
        verdict = LinkVerdict.NOT_APPLICABLE
        detail = "not judged: no Milvus configuration or server files were given, only the links on this map"
    else:
        verdict = LinkVerdict(Verdict(report.verdict).value)
    address = report.inputs.get("uri", "") or (f"proxy gRPC, server_name {report.server_name}"
                                               if report.server_name else "proxy gRPC")
    return Link(spec.name, spec.from_, spec.to, address, verdict,
                settings=(LinkSetting("tlsMode", ", ".join(map(str, report.modes)) or "none", "the evaluated modes"),),
                codes=tuple(dict.fromkeys(f.code for f in report.blocking())), decided_by=spec.decided_by,
                modelled=not any(h.counts for h in report.handshakes),
                add="; ".join(f"mode {u.mode} {u.side}: {u.add}" for u in report.unjudged), detail=detail)
