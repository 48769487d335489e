"""Raw attempts -> Handshake results. Pure: error text -> code (explain.classify), context, side. No network.

`interpret(plan, attempts, findings)` can be unit-tested with recorded error strings: it needs only the plan (what
was attempted, with which parameters, against which server files) and the raw outcomes. Whether a failure may be
advisory is not decided here but in verdict.py, from the `side` set here.
"""
from __future__ import annotations

from typing import Iterable, Optional

from ..clientkinds import by_attempt_kind
from ..facts.x509 import san_strings
from ..model import ClientImpl, ClientKind, Finding, Handshake, ServerImpl, ServerKind, Side
from . import explain
from .plan import HandshakePlan, PlannedAttempt
from .run import RawAttempt


def interpret(plan: HandshakePlan, attempts: Iterable[RawAttempt],
              findings: Iterable[Finding] = ()) -> tuple[Handshake, ...]:
    """One Handshake per planned attempt and mode it speaks for, in plan order."""
    del findings  # the static findings decide in verdict.py; kept so a rule may use them here later
    attempts = tuple(attempts)
    if plan.bad_uri:
        return tuple(Handshake(m, plan.uri or "", False, "handshake.failed", plan.bad_uri,
                               server_impl=_live_impl(plan)) for m in plan.modes)
    if plan.live is not None:
        return _live(plan, attempts)
    out: list[Handshake] = []
    for raw in attempts:
        out += [_rehearsal(plan, raw, mode) for mode in raw.planned.modes]
    return tuple(out)


def _impls(raw: RawAttempt) -> dict:
    p = raw.planned
    return {"client_impl": ClientImpl(p.client.kind, raw.client_version or p.client.version, p.client.selection),
            "server_impl": ServerImpl(p.server.kind, raw.server_impl_version or p.server.version)}


def _live_impl(plan: HandshakePlan) -> ServerImpl:
    return ServerImpl(ServerKind.LIVE)


# --- rehearsal -----------------------------------------------------------------------------------------------
def _rehearsal(plan: HandshakePlan, raw: RawAttempt, mode: int) -> Handshake:
    p = raw.planned
    params = p.params
    impls = _impls(raw)
    if not raw.ran:
        return Handshake(mode, p.target, False, "handshake.not_run", raw.error, seconds=raw.seconds,
                         could_not_run=True, **impls)
    if _own_stack(p.client.kind):
        return _other_client(mode, p.target, raw, impls)
    pymilvus = p.client.kind is ClientKind.PYMILVUS
    if raw.ok:
        if pymilvus:
            detail = "pymilvus.MilvusClient connected to the rehearsal server"
            return Handshake(mode, p.target, True, "handshake.ok", _with_go_words(detail, raw), seconds=raw.seconds,
                             **impls)
        who = f"; the server saw client certificate {raw.seen_client_subject}" if raw.seen_client_subject else ""
        return Handshake(mode, p.target, True, "handshake.ok",
                         _with_go_words(f"TLS handshake and GetVersion succeeded as pymilvus would connect "
                                        f"(trust: {params.trust}, server_name {params.server_name!r}){who}", raw),
                         tls_version=raw.tls_version, seconds=raw.seconds, **impls)
    if raw.params_error:
        return Handshake(mode, p.target, False, "handshake.failed", _with_go_words(raw.error, raw),
                         seconds=raw.seconds, side=Side.CLIENT, **impls)
    text = (raw.cause or raw.error) if pymilvus else raw.error
    extra = " | ".join(raw.log_lines) if pymilvus else ""
    why, side = _classify(text, raw, cert_requested=mode == 2, server_speaks_tls=True, extra=extra)
    if pymilvus:
        return Handshake(mode, p.target, False, why.code,
                         _with_go_words(f"pymilvus raised {explain.trim(raw.error, 200)}; the reason: {why.detail}",
                                        raw), seconds=raw.seconds, side=side, **impls)
    server = plan.server(mode)
    leaf = server.cert.leaf if server is not None and server.cert is not None else None
    if leaf is not None:
        why = explain.with_context(why, server_name=params.server_name,
                                   names=explain.leaf_names(san_strings(leaf), leaf.subject.rfc4514_string()),
                                   issuer=leaf.issuer.rfc4514_string(), trust=params.root_path)
    return Handshake(mode, p.target, False, why.code, _with_go_words(why.detail, raw), tls_version=raw.tls_version,
                     seconds=raw.seconds, side=side, **impls)


def _with_go_words(detail: str, raw: RawAttempt) -> str:
    """The rehearsal server's own per-connection lines (Go's HANDSHAKE lines), after the detail."""
    if not raw.server_words or raw.planned.server.kind is not ServerKind.GO_REHEARSAL:
        return detail
    version = f" {raw.server_impl_version}" if raw.server_impl_version else ""
    words = []
    for w in raw.server_words:
        error = w[len("HANDSHAKE error "):] if w.startswith("HANDSHAKE error ") else ""
        words.append("HANDSHAKE error (quoted above)" if error and explain.trim(error) in detail
                     else explain.trim(w, 300))
    return f"{detail} [Go{version} said: {' | '.join(dict.fromkeys(words))}]"


def _classify(text: str, raw: RawAttempt, *, cert_requested: Optional[bool], server_speaks_tls: Optional[bool],
              extra: str = "", tls: bool = True) -> tuple[explain.Explanation, Optional[Side]]:
    """The client's view, overruled by the server's own words when a rehearsal server logged a refusal."""
    said = next((w for w in (explain.classify_server(line, sent_cert=raw.sent_cert) for line in raw.server_log)
                 if w is not None), None) if tls else None
    if said is not None:
        return explain.Explanation(said.code, f"{said.detail} (client: {explain.trim(text, 200)})"), \
            (Side.SERVER if said.code != "handshake.failed" else None)
    why = explain.classify(text, tls=tls, sent_cert=raw.sent_cert, cert_requested=cert_requested,
                           server_speaks_tls=server_speaks_tls, extra=extra)
    side = explain.side_of(why.code, text, sent_cert=raw.sent_cert, cert_requested=cert_requested) if tls else None
    return why, side


# --- live ----------------------------------------------------------------------------------------------------
def _live(plan: HandshakePlan, attempts: tuple[RawAttempt, ...]) -> tuple[Handshake, ...]:
    probe_raw = next((r for r in attempts if r.planned.client.kind is ClientKind.SSL_PROBE), None)
    seen = probe_raw.probe if probe_raw is not None else None
    grpcio = [r for r in attempts if r.planned.client.kind is ClientKind.PYMILVUS_GRPCIO]
    pymilvus = [r for r in attempts if r.planned.client.kind is ClientKind.PYMILVUS]
    out: list[Handshake] = []
    for mode in plan.modes:
        raw = _for_mode(grpcio, mode)
        if raw is not None:
            out.append(_from_attempt(mode, plan, raw, seen))
    if probe_raw is not None:
        out.append(_from_probe(probe_raw.planned.mode, plan, probe_raw))
    for mode in plan.modes:
        raw = _for_mode(pymilvus, mode)
        if raw is not None:
            out.append(_from_pymilvus(mode, plan, raw, seen))
    for raw in attempts:   # --client go / node, one Handshake per mode the attempt speaks for
        if _own_stack(raw.planned.client.kind):
            out += [_other_client(mode, plan.uri or "", raw, _impls(raw)) if raw.ran else
                    Handshake(mode, plan.uri or "", False, "handshake.not_run", raw.error, seconds=raw.seconds,
                              could_not_run=True, **_impls(raw)) for mode in raw.planned.modes]
    return tuple(_with_address(h, plan.live) for h in out)


def _with_address(hs: Handshake, target) -> Handshake:
    """A network failure says the command that checks the address dialled (the catalogue's fix is in words)."""
    if hs.ok or target is None or hs.code not in ("net.timeout", "net.refused"):
        return hs
    from dataclasses import replace
    return replace(hs, detail=f"{hs.detail}; check it: `nc -vz {target.host} {target.port}`")


def _own_stack(kind: ClientKind) -> bool:
    """Are this kind's attempts a client with its own TLS stack (classified by its own words)?"""
    spec = by_attempt_kind(kind.value)
    return spec is not None and spec.own_tls


def _other_client(mode: int, target: str, raw: RawAttempt, impls: dict) -> Handshake:
    """A real client with its own TLS stack: its outcome, its own words classified (its spec's error_words); the
    rehearsal server's refusal (Go's HANDSHAKE lines) wins where it names the client certificate."""
    spec = by_attempt_kind(raw.planned.client.kind.value)
    who = spec.attempt_who(raw.client_version or raw.planned.client.version or "")
    if raw.ok:
        version = f"; server version {raw.server_version}" if raw.server_version else ""
        return Handshake(mode, target, True, "handshake.ok", _with_go_words(f"{who}: handshake and GetVersion "
                         f"succeeded{version}", raw), tls_version=raw.tls_version, seconds=raw.seconds, **impls)
    code, side = spec.classify_words(raw.error)
    tls = getattr(raw.planned, "tls", None)
    if raw.params_error and getattr(tls, "refused", ""):   # the tool's own validation: the code its reader gave it
        code, side = next((s[0] for s in tls.said if s[1] == tls.refused), code), "client"
    said = next((w for w in (explain.classify_server(line, sent_cert=raw.sent_cert) for line in raw.server_log)
                 if w is not None), None)
    if said is not None and side != "client":
        # the server refused the client certificate (an expired one, a foreign CA, no clientAuth...): whatever the
        # client saw of it (the alert, or a broken pipe when the server hung up first), that is the refusal
        code = said.code if said.code == "tls.client_cert_required" else "tls.client_cert_rejected"
        side = "server"
    return Handshake(mode, target, False, code, _with_go_words(f"{who}: {explain.trim(raw.error, 400)}", raw),
                     tls_version=raw.tls_version, seconds=raw.seconds,
                     side={"client": Side.CLIENT, "server": Side.SERVER}.get(side or ""), **impls)


def _for_mode(raws: list[RawAttempt], mode: int) -> Optional[RawAttempt]:
    return next((r for r in raws if mode in r.planned.modes), None)


def _explain(raw: RawAttempt, text: str, *, tls: bool, seen, extra: str = "") -> tuple[explain.Explanation,
                                                                                        Optional[Side]]:
    hint = seen.after_handshake or ""
    if not hint and tls and not seen.speaks_tls and seen.code != "handshake.ok" and seen.detail:
        hint = f"{seen.code}: {seen.detail}"      # what the raw probe ran into, when it got no TLS answer
    if extra and hint:
        extra = f"{extra} | probe: {hint}"
    elif hint and seen.cert_requested:
        extra = f"probe without a client certificate: {hint}"
    elif hint and not seen.speaks_tls:
        extra = f"probe: {hint}"
    return _classify(text, raw, cert_requested=seen.demands_client_cert, server_speaks_tls=seen.speaks_tls,
                     extra=extra, tls=tls)


def _context(why: explain.Explanation, params, seen) -> explain.Explanation:
    leaf = seen.chain[0] if seen.chain and "subject" in seen.chain[0] else None
    if leaf is None:
        return why
    return explain.with_context(why, server_name=params.server_name,
                                names=explain.leaf_names(leaf["sans"], leaf["subject"]),
                                issuer=leaf["issuer"], trust=params.root_path)


def _from_attempt(mode: int, plan: HandshakePlan, raw: RawAttempt, seen) -> Handshake:
    p: PlannedAttempt = raw.planned
    uri, impls = plan.uri or "", _impls(raw)
    tls_version = seen.tls_version if (p.secure and seen is not None) else None
    if raw.ok and raw.status in ("UNAUTHENTICATED", "UNIMPLEMENTED"):
        return _answered_but(mode, uri, p, raw, tls_version, impls)
    if raw.ok:
        version = f"; server version {raw.server_version}" if raw.server_version else ""
        status = "" if raw.status == "OK" else f"; the server answered GetVersion with {raw.status}: " \
                                               f"{explain.trim(raw.error, 160)} (TLS worked)"
        how = "TLS handshake and" if p.secure else "plaintext"
        return Handshake(mode, uri, True, "handshake.ok", f"{how} GetVersion succeeded{version}{status}",
                         tls_version=tls_version, seconds=raw.seconds, **impls)
    if raw.params_error:
        return Handshake(mode, uri, False, "handshake.failed", raw.error, seconds=raw.seconds, side=Side.CLIENT,
                         **impls)
    why, side = _explain(raw, raw.error, tls=p.secure, seen=seen)
    why = _context(why, p.params, seen)
    return Handshake(mode, uri, False, why.code, why.detail, tls_version=tls_version, seconds=raw.seconds,
                     side=side, **impls)


def _answered_but(mode: int, uri: str, p: PlannedAttempt, raw: RawAttempt, tls_version, impls) -> Handshake:
    """The transport worked and the server answered GetVersion with a refusal: not a TLS failure, say so."""
    how = f"TLS handshake passed ({tls_version})" if p.secure and tls_version else \
        ("TLS handshake passed" if p.secure else "plaintext connection made")
    reason = explain.trim(raw.error, 200)
    if raw.status == "UNIMPLEMENTED":
        proxied = explain.proxy_error(raw.error)
        if proxied is not None:
            return Handshake(mode, uri, False, proxied.code, proxied.detail, tls_version=tls_version,
                             seconds=raw.seconds, **impls)
        detail = explain.NOT_MILVUS.replace("the TLS handshake passed", how, 1)
        return Handshake(mode, uri, False, "handshake.failed", f"{detail} (grpc: UNIMPLEMENTED: {reason})",
                         tls_version=tls_version, seconds=raw.seconds, **impls)
    return Handshake(mode, uri, False, "auth.unauthenticated",
                     f"{how}: the TLS part works. Milvus answered GetVersion with UNAUTHENTICATED: authorization "
                     "(common.security.authorizationEnabled) is on and "
                     + ("the credentials given were refused" if raw.sent_auth else
                        "no credentials were sent (give the application's token or user/password with "
                        "--pymilvus-args)") + f" (grpc: {reason})",
                     tls_version=tls_version, seconds=raw.seconds, side=Side.CLIENT, **impls)


def _from_probe(mode: int, plan: HandshakePlan, raw: RawAttempt) -> Handshake:
    seen, target, uri, impls = raw.probe, plan.live, plan.uri or "", _impls(raw)
    peer = seen.peer()
    if not seen.reached or (target.secure and not seen.speaks_tls):
        code = seen.code if seen.code != "handshake.ok" else "handshake.failed"
        return Handshake(mode, uri, False, code, seen.detail, seconds=seen.seconds, peer=peer, **impls)
    if target.secure:
        detail = f"the server speaks {seen.tls_version} (ALPN {seen.alpn or 'none'})"
        if seen.alpn != "h2":
            detail += "; it did not agree to HTTP/2 (ALPN h2), which grpc requires: not a gRPC endpoint"
        if seen.demands_client_cert:
            detail += "; it requires a client certificate (Milvus tlsMode 2)"
        elif seen.cert_requested is False:
            detail += "; it asks for no client certificate (Milvus tlsMode 1)"
        return Handshake(mode, uri, True, "handshake.ok", detail, tls_version=seen.tls_version,
                         seconds=seen.seconds, peer=peer, **impls)
    # http:// URI: what matters is that the server does not speak TLS.
    if seen.speaks_tls:
        return Handshake(mode, uri, False, "tls.client_plaintext",
                         f"the URI is http:// (plaintext) but the server speaks {seen.tls_version}: use https://",
                         tls_version=seen.tls_version, seconds=seen.seconds, peer=peer, **impls)
    detail = "the server does not speak TLS, as an http:// URI expects"
    if seen.code != "tls.server_plaintext":
        detail = f"no TLS answer ({seen.code}: {seen.detail})"
    return Handshake(mode, uri, True, "handshake.ok", detail, seconds=seen.seconds, peer=peer, **impls)


def _from_pymilvus(mode: int, plan: HandshakePlan, raw: RawAttempt, seen) -> Handshake:
    p: PlannedAttempt = raw.planned
    uri, target, impls = plan.uri or "", plan.live, _impls(raw)
    if not raw.ran:
        return Handshake(mode, uri, False, "handshake.not_run", raw.error, seconds=raw.seconds, could_not_run=True,
                         **impls)
    if raw.ok:
        version = f"; server version {raw.server_version}" if raw.server_version else ""
        return Handshake(mode, uri, True, "handshake.ok", f"pymilvus.MilvusClient connected{version}",
                         tls_version=seen.tls_version if target.secure else None, seconds=raw.seconds, **impls)
    text = raw.cause or raw.error
    why, side = _explain(raw, text, tls=target.secure, seen=seen, extra=" | ".join(raw.log_lines))
    why = _context(why, p.params, seen)
    if text.startswith("FileNotFoundError") or raw.error.startswith("FileNotFoundError"):
        why, side = explain.Explanation("handshake.failed", explain.trim(raw.error)), Side.CLIENT
    return Handshake(mode, uri, False, why.code, f"pymilvus raised {explain.trim(raw.error, 200)}; "
                     f"the reason: {why.detail}", seconds=raw.seconds, side=side, **impls)
