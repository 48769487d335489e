"""Handshakes: prove the static verdict by doing what Milvus and pymilvus do.

- No URI: a rehearsal per evaluated mode (rehearsal.py): an in-process grpcio server configured like Milvus's proxy
  with the server files, and a client built as pymilvus builds it (client.py); with request.run_pymilvus also a
  real pymilvus.MilvusClient (subprocess) against the same stand-in server.
- A URI (https:// TLS, http:// plaintext, parsed as pymilvus parses it): the same client per evaluated mode against
  it, a raw ssl probe (probe.py), and with request.run_pymilvus a real pymilvus.MilvusClient per mode in a
  subprocess (real_client.py). They run side by side, so the whole step takes about one --timeout.

Nothing here imports grpc at module import: `import milvus_tls_check.handshake` is cheap; grpc loads on first use.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable

from ..facts.pymilvus import DEFAULT_PORT, HTTPS_PORT, BadUri, Target, parse_uri  # noqa: F401 (re-exported)
from ..model import Finding, Handshake, Material, Request
from . import explain

def run_handshakes(request: Request, modes: tuple[int, ...], material: Material,
                   findings: tuple[Finding, ...]) -> tuple[Handshake, ...]:
    """The handshake step of the pipeline (doctor.diagnose calls it when request.handshake is true)."""
    modes = tuple(modes) or (1,)
    if request.uri is None:
        from .rehearsal import rehearse

        return tuple(hs for mode in modes for hs in rehearse(request, mode))
    return live(request, modes)


def _in_thread(fn: Callable[[], Any]) -> Callable[[], Any]:
    """Start fn now; the returned callable joins and returns its value (or re-raises)."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    t = threading.Thread(target=work, name="milvus-tls-handshake", daemon=True)
    t.start()

    def result():
        t.join()
        if "error" in box:
            raise box["error"]
        return box["value"]
    return result


def live(request: Request, modes: tuple[int, ...]) -> tuple[Handshake, ...]:
    uri = request.uri or ""
    try:
        target = parse_uri(uri)
    except BadUri as exc:
        return tuple(Handshake(m, uri, False, "handshake.failed", str(exc)) for m in modes)

    from . import client, probe, real_client

    timeout = request.timeout
    probe_job = _in_thread(lambda: probe.probe(target.host, target.port, timeout=timeout,
                                               server_name=request.server_name if target.secure else None))
    # An http:// URI makes pymilvus ignore every TLS argument: one plaintext attempt serves all modes.
    attempt_modes = modes if target.secure else modes[:1]
    jobs = {m: _in_thread(lambda m=m: client.attempt(target.address, request.client_params(m),
                                                     secure=target.secure, timeout=timeout))
            for m in attempt_modes}
    real_jobs = {}
    if request.run_pymilvus:
        real_jobs = {m: _in_thread(lambda m=m: real_client.run(uri, request.client_params(m), timeout))
                     for m in attempt_modes}

    seen = probe_job()
    out: list[Handshake] = []
    for m in modes:
        att = jobs[m if m in jobs else attempt_modes[0]]()
        out.append(_from_attempt(m, uri, att, seen, request.client_params(m)))
    out.append(_from_probe(modes[0], uri, target, seen))
    for m in modes:
        if real_jobs:
            outcome = real_jobs[m if m in real_jobs else attempt_modes[0]]()
            out.append(_from_pymilvus(m, uri, target, request, outcome, seen))
    return tuple(out)


def _explain(raw: str, *, tls: bool, sent_cert: bool, seen, extra: str = "") -> explain.Explanation:
    hint = seen.after_handshake or ""
    if not hint and tls and not seen.speaks_tls and seen.code != "handshake.ok" and seen.detail:
        hint = f"{seen.code}: {seen.detail}"      # what the raw probe ran into, when it got no TLS answer
    if extra and hint:
        extra = f"{extra} | probe: {hint}"
    elif hint and seen.cert_requested:
        extra = f"probe without a client certificate: {hint}"
    elif hint and not seen.speaks_tls:
        extra = f"probe: {hint}"
    return explain.classify(raw, tls=tls, sent_cert=sent_cert, cert_requested=seen.demands_client_cert,
                            server_speaks_tls=seen.speaks_tls, extra=extra)


def _context(why: explain.Explanation, params, seen) -> explain.Explanation:
    leaf = seen.chain[0] if seen.chain and "subject" in seen.chain[0] else None
    if leaf is None:
        return why
    return explain.with_context(why, server_name=params.server_name,
                                names=explain.leaf_names(leaf["sans"], leaf["subject"]),
                                issuer=leaf["issuer"], trust=params.root_path)


def _from_attempt(mode: int, uri: str, att, seen, params) -> Handshake:
    if att.ok:
        version = f"; server version {att.version}" if att.version else ""
        status = "" if att.status == "OK" else f"; the server answered GetVersion with {att.status}: " \
                                               f"{explain.trim(att.details, 160)} (TLS worked)"
        how = "TLS handshake and" if att.secure else "plaintext"
        return Handshake(mode, uri, True, "handshake.ok", f"{how} GetVersion succeeded{version}{status}",
                         tls_version=seen.tls_version if att.secure else None, seconds=att.seconds)
    if att.params_error:
        return Handshake(mode, uri, False, "handshake.failed", att.details, seconds=att.seconds)
    why = _explain(att.details, tls=att.secure, sent_cert=att.sent_cert, seen=seen)
    why = _context(why, params, seen)
    return Handshake(mode, uri, False, why.code, why.detail,
                     tls_version=seen.tls_version if att.secure else None, seconds=att.seconds)


def _from_probe(mode: int, uri: str, target: Target, seen) -> Handshake:
    peer = seen.peer()
    if not seen.reached or (target.secure and not seen.speaks_tls):
        code = seen.code if seen.code != "handshake.ok" else "handshake.failed"
        return Handshake(mode, uri, False, code, seen.detail, seconds=seen.seconds, client="ssl-probe", peer=peer)
    if target.secure:
        detail = f"the server speaks {seen.tls_version} (ALPN {seen.alpn or 'none'})"
        if seen.alpn != "h2":
            detail += "; it did not agree to HTTP/2 (ALPN h2), which grpc requires: not a gRPC endpoint"
        if seen.demands_client_cert:
            detail += "; it requires a client certificate (Milvus tlsMode 2)"
        elif seen.cert_requested is False:
            detail += "; it asks for no client certificate (Milvus tlsMode 1)"
        return Handshake(mode, uri, True, "handshake.ok", detail, tls_version=seen.tls_version,
                         seconds=seen.seconds, client="ssl-probe", peer=peer)
    # http:// URI: what matters is that the server does not speak TLS.
    if seen.speaks_tls:
        return Handshake(mode, uri, False, "tls.client_plaintext",
                         f"the URI is http:// (plaintext) but the server speaks {seen.tls_version}: use https://",
                         tls_version=seen.tls_version, seconds=seen.seconds, client="ssl-probe", peer=peer)
    detail = "the server does not speak TLS, as an http:// URI expects"
    if seen.code != "tls.server_plaintext":
        detail = f"no TLS answer ({seen.code}: {seen.detail})"
    return Handshake(mode, uri, True, "handshake.ok", detail, seconds=seen.seconds, client="ssl-probe", peer=peer)


def _from_pymilvus(mode: int, uri: str, target: Target, request: Request, outcome, seen) -> Handshake:
    if outcome.could_not_run:
        return Handshake(mode, uri, False, "handshake.not_run", outcome.error, seconds=outcome.seconds,
                         client="pymilvus", could_not_run=True)
    if outcome.ok:
        version = f"; server version {outcome.version}" if outcome.version else ""
        return Handshake(mode, uri, True, "handshake.ok", f"pymilvus.MilvusClient connected{version}",
                         tls_version=seen.tls_version if target.secure else None, seconds=outcome.seconds,
                         client="pymilvus")
    params = request.client_params(mode)
    raw = outcome.cause or outcome.error
    why = _explain(raw, tls=target.secure, sent_cert=target.secure and params.sends_client_cert, seen=seen,
                   extra=" | ".join(outcome.log_lines))
    why = _context(why, params, seen)
    if raw.startswith("FileNotFoundError") or outcome.error.startswith("FileNotFoundError"):
        why = explain.Explanation("handshake.failed", explain.trim(outcome.error))
    return Handshake(mode, uri, False, why.code, f"pymilvus raised {explain.trim(outcome.error, 200)}; "
                     f"the reason: {why.detail}", seconds=outcome.seconds, client="pymilvus")
