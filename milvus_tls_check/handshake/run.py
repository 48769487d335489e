"""The network part: HandshakePlan -> raw attempts. No classification here (interpretation.py does that).

Rehearsal: per mode, one server (grpcio today, Go's crypto/tls in front of grpcio when the plan says GO_REHEARSAL)
and the planned clients against it, one after the other. Live: every attempt and the ssl probe side by side, so
the whole step takes about one timeout. Every server and thread started here is stopped here.
"""
from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional

from ..clientkinds import by_attempt_kind, resolve
from ..model import ClientKind, Material, ServerKind
from .plan import WONT_START, HandshakePlan, PlannedAttempt, ServerPlan


@dataclass(frozen=True)
class RawAttempt:
    """What one planned attempt ran into, before any interpretation."""

    planned: PlannedAttempt
    ran: bool = True                  # False: it could not be made; `error` says why
    ok: bool = False                  # the handshake and one RPC worked
    error: str = ""                   # raw error text: grpc status details, the exception pymilvus raised, ...
    cause: str = ""                   # pymilvus: the grpc error under its exception
    log_lines: tuple[str, ...] = ()   # pymilvus: grpc C-core lines that carry the reason
    params_error: bool = False        # failed before connecting (pymilvus would raise while building the channel)
    sent_cert: bool = False           # the client offered a certificate
    sent_auth: bool = False           # the client sent credentials (authorization metadata)
    status: Optional[str] = None      # grpc status code name of the RPC (None: no RPC made)
    server_version: str = ""          # what GetVersion answered
    tls_version: Optional[str] = None  # negotiated version, as the rehearsal server saw it
    seen_client_subject: Optional[str] = None   # the client certificate the rehearsal server saw
    server_log: tuple[str, ...] = ()  # the rehearsal server's refusals, in its own words (Go's HANDSHAKE errors)
    server_words: tuple[str, ...] = ()  # every per-connection line the rehearsal server printed (Go: HANDSHAKE ...)
    probe: Any = None                 # the ssl probe's facts (probe.ProbeResult)
    client_version: str = ""          # grpcio / pymilvus version actually used
    server_impl_version: str = ""     # grpcio version of the grpcio rehearsal, Go version of the Go rehearsal
    seconds: float = 0.0


def run_plan(plan: HandshakePlan, material: Material) -> tuple[RawAttempt, ...]:
    """Make every planned attempt; raw outcomes in plan order. `material` supplies the server files' bytes."""
    del material  # the server plans carry the loaded files; kept in the signature for the bytes on LoadedFile
    if plan.bad_uri:
        return ()
    if plan.live is not None:
        return _live(plan)
    out: list[RawAttempt] = []
    for server in plan.servers:
        attempts = [a for a in plan.attempts if a.mode == server.mode]
        out += _rehearse(server, attempts, plan.timeout)
    return tuple(out)


# --- rehearsal -----------------------------------------------------------------------------------------------
def _rehearse(server: ServerPlan, attempts: list[PlannedAttempt], timeout: float) -> list[RawAttempt]:
    from .rehearsal import HOST, CouldNotRun

    t0 = time.monotonic()
    if not server.runnable:
        return [RawAttempt(a, ran=False, error=server.not_runnable, seconds=time.monotonic() - t0) for a in attempts]
    out: list[RawAttempt] = []
    try:
        with _serve(server, timeout) as (port, collect):
            for planned in attempts:
                t1 = time.monotonic()
                raw = _client(planned, f"{HOST}:{port}", f"https://{HOST}:{port}", timeout)
                # the first attempt's time includes starting the server, as it always has
                out.append(_with(raw, seconds=time.monotonic() - (t0 if not out else t1), **collect()))
    except CouldNotRun as exc:
        done = {id(r.planned) for r in out}
        version = getattr(exc, "server_version", "")   # the Go that refused the files, when it got that far
        out += [RawAttempt(a, ran=False, error=str(exc), seconds=time.monotonic() - t0, server_impl_version=version)
                for a in attempts if id(a) not in done]
    return out


@contextlib.contextmanager
def _serve(server: ServerPlan, timeout: float) -> Iterator[tuple[int, Callable[[], dict]]]:
    """Run the planned rehearsal server; yield (port, collect): collect() returns what the server saw of the
    last attempt (RawAttempt fields) and forgets it. CouldNotRun when the server cannot serve the material."""
    from .grpcio_channel import grpc_module
    from .rehearsal import CouldNotRun, Seen, server_files, serving

    seen = Seen()
    if server.impl.kind is ServerKind.GRPCIO_REHEARSAL:
        files = server_files(server)   # the bytes as they are on disk reach grpc, as they reach Go
        version = getattr(grpc_module(), "__version__", "")

        def collect() -> dict:
            got = {"tls_version": seen.tls_version, "seen_client_subject": seen.client_subject,
                   "server_impl_version": version}
            seen.tls_version = seen.client_subject = None
            seen.methods.clear()
            return got

        with serving(files, server.mode, seen) as port:
            yield port, collect
        return
    if server.impl.kind is ServerKind.GO_REHEARSAL:
        # Go's crypto/tls terminates TLS exactly as Milvus does (it reads the files itself, from the configured
        # paths), in front of a plaintext grpcio backend answering as Milvus.
        try:
            from . import gofront  # noqa: PLC0415 (optional: needs a Go toolchain)
        except ImportError as exc:
            raise CouldNotRun(f"the Go rehearsal is not available ({exc})")
        try:
            build = gofront.find_build(server.milvus_version)
        except gofront.GoFrontError as exc:
            raise CouldNotRun(f"the Go rehearsal could not be built: {exc}")
        if build is None:
            raise CouldNotRun(gofront.install_hint(server.milvus_version))
        with contextlib.ExitStack() as stack:
            backend = stack.enter_context(serving(None, 0, seen))
            try:
                front = stack.enter_context(gofront.start_front(build, server.mode, server.cert_path,
                                                                server.key_path, server.ca_path or None, backend,
                                                                timeout))
            except gofront.GoLoadError as exc:
                raise _could_not_run(f"{WONT_START}: Go {build.go_version}: {exc}", build.go_version)
            except gofront.GoFrontError as exc:
                raise _could_not_run(f"the Go rehearsal could not start: {exc}", build.go_version)

            def collect() -> dict:
                lines = []
                line = front.next_handshake(timeout=min(1.0, timeout))
                while line is not None:
                    lines.append(line)
                    line = front.next_handshake(timeout=0)
                good = next((x for x in lines if x.ok), None)
                return {"tls_version": good.tls_version if good else None,
                        "seen_client_subject": (good.client_subject or None) if good else None,
                        "server_log": tuple(x.error for x in lines if not x.ok),   # Go's own words
                        "server_words": tuple(_go_words(x) for x in lines),
                        "server_impl_version": build.go_version}

            yield front.port, collect
        return
    raise CouldNotRun(f"no rehearsal server of kind {server.impl.kind.value}")


def _could_not_run(message: str, version: str) -> Exception:
    from .rehearsal import CouldNotRun

    exc = CouldNotRun(message)
    exc.server_version = version
    return exc


def _go_words(line) -> str:
    """A Go HANDSHAKE line as Go printed it."""
    if not line.ok:
        return f"HANDSHAKE error {line.error}"
    return f"HANDSHAKE ok {line.tls_version or '-'} {line.alpn or '-'} {line.client_subject or '-'}"


def _client(planned: PlannedAttempt, address: str, uri: str, timeout: float, authorization: str = "") -> RawAttempt:
    """One attempt by the planned client (grpcio built as pymilvus builds it, or the real pymilvus)."""
    if planned.client.kind is ClientKind.PYMILVUS_GRPCIO:
        return _grpcio(planned, address, timeout, authorization)
    spec = by_attempt_kind(planned.client.kind.value)
    if spec is None or not spec.runner:
        return RawAttempt(planned, ran=False, error=f"no {planned.client.kind.value} client yet")
    return resolve(spec.runner, under="milvus_tls_check.handshake")(planned, address, uri, timeout, authorization)


def _name_checked(planned: PlannedAttempt) -> Optional[str]:
    """Against the rehearsal the name checked is the client's server name, else the host its own address names."""
    cfg = planned.tls
    name = cfg.server_name
    if not name and planned.server.kind.rehearsal:
        own = cfg.address or ""
        name = (own.rsplit(":", 1)[0] if own.count(":") == 1 else own).strip("[]") or None
    return name


def go_attempt(planned: PlannedAttempt, address: str, uri: str, timeout: float, authorization: str = "") -> RawAttempt:
    """The real Go client (crypto/tls as the Go SDK configures it, sdk_process.run_go): the go spec's runner."""
    from .sdk_process import run_go

    cfg = planned.tls
    if cfg.refused:
        return _tool_refused(planned)
    out = run_go(address, server_name=_name_checked(planned), ca=cfg.ca, cert=cfg.cert if cfg.sends_cert else None,
                 key=cfg.key if cfg.sends_cert else None, timeout=timeout, go_version=planned.client.version)
    return _sdk_raw(planned, out)


def java_attempt(planned: PlannedAttempt, address: str, uri: str, timeout: float,
                 authorization: str = "") -> RawAttempt:
    """The Java client (JSSE configured as milvus-sdk-java configures grpc-netty, sdk_process.run_java): the java
    spec's runner. The authority is serverName when given, else the host dialled (grpc-java splits a port off)."""
    from .sdk_process import ClientRun, run_java

    cfg = planned.tls
    if cfg.source == "--java-args" and cfg.ca and not cfg.sends_cert and not cfg.server_name:
        return _sdk_raw(planned, ClientRun(False, "config", "java.lang.NullPointerException: authority (modelled, "
                                           "not run: milvus-sdk-java's one-way branch calls overrideAuthority(null) "
                                           "and grpc-java's checkAuthority refuses it; no channel is built)"))
    out = run_java(address, authority=_name_checked(planned), ca=cfg.ca, cert=cfg.cert if cfg.sends_cert else None,
                   key=cfg.key if cfg.sends_cert else None, timeout=timeout)
    return _sdk_raw(planned, out)


def milvus_cli_attempt(planned: PlannedAttempt, address: str, uri: str, timeout: float,
                       authorization: str = "") -> RawAttempt:
    """milvus-cli's connect, run as the real pymilvus of its line (2.6, its venv) with exactly the arguments milvus-cli
    passes (secure=True, server_pem_path=-cert): the milvus-cli spec's runner. Against the rehearsal (127.0.0.1) the
    URI's host is given as server_name, the name grpc would check when dialling that host (the same matcher)."""
    from ..clientkinds.milvus_cli import PYMILVUS_LINE
    from ..facts.pymilvus import ClientParams
    from . import pymilvus_process
    from .venvs import python_for, release_of

    cfg = planned.tls
    if any(s[0] == "client.mode_unsupported" and s[2] == "error" for s in cfg.said):
        return RawAttempt(planned, ok=False, params_error=True, error="[config] ConnectException: Connect to Milvus "
                          "error!two-way encryption (tlsmode == 2) is not implemented yet (milvus-cli's own code, "
                          "modelled)")
    release = release_of(PYMILVUS_LINE)
    py = python_for(release)
    if py is None:
        return RawAttempt(planned, ran=False, error=f"no venv for pymilvus {release}: python -m "
                          f"milvus_tls_check.handshake.venvs install {release}")
    params = ClientParams(server_pem_path=cfg.ca, server_name=_name_checked(planned))
    out = pymilvus_process.run(f"https://{address}" if cfg.secure else f"http://{address}", params, timeout,
                               python_path=str(py), authorization=authorization)
    error = " | ".join(x for x in (out.error, out.cause, *out.log_lines) if x)   # grpc's reason for the words
    return RawAttempt(planned, ran=not out.could_not_run, ok=out.ok, error=error, cause=out.cause,
                      log_lines=out.log_lines, sent_cert=False, server_version=out.version, seconds=out.seconds,
                      client_version=out.pymilvus_version)


def node_attempt(planned: PlannedAttempt, address: str, uri: str, timeout: float,
                 authorization: str = "") -> RawAttempt:
    """The real Node SDK (sdk_process.run_node): the node spec's runner."""
    from .sdk_process import run_node

    cfg = planned.tls
    if cfg.refused:
        return _tool_refused(planned)
    tls = {k: v for k, v in (("rootCertPath", cfg.ca), ("privateKeyPath", cfg.key), ("certChainPath", cfg.cert),
                             ("serverName", _name_checked(planned))) if v}   # as given: the SDK decides
    config = {"address": address, "ssl": bool(cfg.secure and planned.secure)}
    if tls and config["ssl"]:
        config["tls"] = tls
    return _sdk_raw(planned, run_node(config, timeout=timeout, line=planned.client.version or "3"))


def _tool_refused(planned: PlannedAttempt) -> RawAttempt:
    """The tool around the client (milvus-backup's config validation) refuses its settings before any connection:
    modelled from its source, not run."""
    return RawAttempt(planned, ok=False, params_error=True, error=f"[config] {planned.tls.refused} (the tool's own "
                      f"validation, modelled from its source: {planned.tls.source}; no connection is made)")


def _sdk_raw(planned: PlannedAttempt, out) -> RawAttempt:
    cfg = planned.tls
    error = out.error + (f" ({out.details})" if out.details and out.details not in out.error else "")
    return RawAttempt(planned, ran=not out.could_not_run, ok=out.ok, error=(f"[{out.stage}] " if out.stage else "")
                      + error, sent_cert=bool(cfg.sends_cert), server_version=out.server_version,
                      tls_version=out.tls_version, seconds=out.seconds, client_version=out.version,
                      params_error=out.stage == "config")


def _grpcio(planned: PlannedAttempt, address: str, timeout: float, authorization: str = "") -> RawAttempt:
    from .grpcio_channel import attempt, grpc_module

    att = attempt(address, planned.params, secure=planned.secure, timeout=timeout, authorization=authorization)
    return RawAttempt(planned, ok=att.ok, error=att.details, params_error=att.params_error, sent_cert=att.sent_cert,
                      sent_auth=bool(authorization), status=att.status, server_version=att.version, seconds=att.seconds,
                      client_version=getattr(grpc_module(), "__version__", ""))


def pymilvus_attempt(planned: PlannedAttempt, address: str, uri: str, timeout: float,
                     authorization: str = "") -> RawAttempt:
    """The real pymilvus.MilvusClient in a subprocess (pymilvus_process.run): the pymilvus spec's runner."""
    from . import pymilvus_process

    if planned.python and planned.python.startswith("missing:"):
        release = planned.python.split(":", 1)[1]
        return RawAttempt(planned, ran=False, error=f"no venv for pymilvus {release}: python -m "
                          f"milvus_tls_check.handshake.venvs install {release}")
    out = pymilvus_process.run(uri, planned.params, timeout, python_path=planned.python, authorization=authorization)
    return RawAttempt(planned, ran=not out.could_not_run, ok=out.ok, error=out.error, cause=out.cause,
                      sent_auth=bool(authorization),
                      log_lines=out.log_lines, sent_cert=planned.secure and planned.params.sends_client_cert,
                      server_version=out.version, seconds=out.seconds, client_version=out.pymilvus_version)


def _with(raw: RawAttempt, **changes) -> RawAttempt:
    from dataclasses import replace

    return replace(raw, **changes)


# --- live ----------------------------------------------------------------------------------------------------
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


def _live(plan: HandshakePlan) -> tuple[RawAttempt, ...]:
    from . import probe

    target, timeout = plan.live, plan.timeout
    jobs: list[Callable[[], RawAttempt]] = []
    for planned in plan.attempts:
        if planned.client.kind is ClientKind.SSL_PROBE:
            def run_probe(planned=planned) -> RawAttempt:
                seen = probe.probe(target.host, target.port, timeout=timeout, server_name=planned.probe_name)
                return RawAttempt(planned, ok=seen.code == "handshake.ok", error=seen.detail, probe=seen,
                                  tls_version=seen.tls_version, seconds=seen.seconds)
            jobs.append(_in_thread(run_probe))
        else:
            jobs.append(_in_thread(lambda planned=planned: _client(planned, target.address, plan.uri, timeout,
                                                                   plan.authorization)))
    return tuple(job() for job in jobs)
