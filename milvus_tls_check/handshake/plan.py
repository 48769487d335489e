"""Which handshakes to make: Request + modes + Material (+ the static findings) -> HandshakePlan. Pure: no I/O.

- No URI: per evaluated mode one rehearsal server (grpcio/BoringSSL today; GO_REHEARSAL, Go's crypto/tls as
  Milvus runs it, when the Go rehearsal is available) and, against it, the client built as pymilvus builds it
  (and the real pymilvus with request.run_pymilvus).
- A URI: the same clients per evaluated mode against it, plus the raw ssl probe. An http:// URI makes pymilvus
  ignore every TLS argument: one attempt then speaks for every mode.

The rehearsal server takes its files from the loaded Material. It does not re-prove them: when the static checks
already found that Milvus would refuse them (key.mismatch, file.*, key.encrypted on a server file), the plan marks
the rehearsal not runnable with that reason, because Milvus would not start.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Optional

from ..clientkinds.pymilvus import SPEC as _PYMILVUS
from ..facts.pymilvus import BadUri, ClientParams, Target, parse_uri
from ..model import (ClientImpl, ClientKind, Finding, LoadedFile, Material, Request, Role, ServerImpl, ServerKind,
                     Severity)

REHEARSAL_TARGET = "rehearsal"
WONT_START = "Milvus would refuse to start with this material"
# Static findings on a server file that mean Go's tls.LoadX509KeyPair / AppendCertsFromPEM refuses it, so Milvus
# exits at start (observed on Milvus 2.3.5: wrong key, encrypted key, DER, swapped paths, missing file).
GO_LOAD_REFUSALS = frozenset({"file.missing", "file.empty", "file.too_large", "file.not_pem", "file.der",
                              "file.wrong_kind", "file.unreadable", "file.bom", "key.encrypted", "key.mismatch"})


@dataclass(frozen=True)
class ServerPlan:
    """One rehearsal server (one per mode): which implementation, with which files, or why it cannot run."""

    mode: int
    impl: ServerImpl
    cert: Optional[LoadedFile] = None    # tls.serverPemPath as loaded
    key: Optional[LoadedFile] = None     # tls.serverKeyPath as loaded
    ca: Optional[LoadedFile] = None      # tls.caPemPath as loaded (mode 2)
    cert_path: str = ""
    key_path: str = ""
    ca_path: str = ""
    not_runnable: str = ""               # why Milvus (or the rehearsal) cannot serve; "" when it can
    milvus_version: Optional[str] = None  # the Milvus line the Go rehearsal stands for (None: the newest)

    @property
    def runnable(self) -> bool:
        return not self.not_runnable


@dataclass(frozen=True)
class PlannedAttempt:
    """One connection attempt. `modes` are the modes its outcome speaks for (one Handshake each)."""

    modes: tuple[int, ...]
    client: ClientImpl
    server: ServerImpl
    target: str                           # Handshake.target: "rehearsal" or the URI
    params: Optional[ClientParams] = None  # the client's pymilvus parameters (None for the ssl probe)
    secure: bool = True
    probe_name: Optional[str] = None      # SNI of the ssl probe
    tls: Optional[Any] = None             # a client's own TLS inputs (clientkinds.TlsConfig)
    python: Optional[str] = None          # real pymilvus of a selected line: its venv's interpreter (venvs.py)

    @property
    def mode(self) -> int:
        return self.modes[0]


@dataclass(frozen=True)
class HandshakePlan:
    attempts: tuple[PlannedAttempt, ...]
    servers: tuple[ServerPlan, ...] = ()   # rehearsal servers, by mode; empty for a live target
    timeout: float = 5.0
    uri: Optional[str] = None
    live: Optional[Target] = None
    bad_uri: str = ""                      # the URI could not be parsed: every mode fails with this reason
    modes: tuple[int, ...] = ()
    # Live only: the `authorization` metadata pymilvus would send with the application's credentials
    # (--pymilvus-args token or user/password, else user:password@ of --uri); "" for none. Never printed.
    authorization: str = field(default="", repr=False, compare=False)

    def server(self, mode: int) -> Optional[ServerPlan]:
        return next((s for s in self.servers if s.mode == mode), None)

    @property
    def probe(self) -> Optional[PlannedAttempt]:
        return next((a for a in self.attempts if a.client.kind is ClientKind.SSL_PROBE), None)


def plan_handshakes(request: Request, modes: tuple[int, ...], material: Material,
                    findings: Iterable[Finding] = (), *,
                    rehearsal: ServerImpl = ServerImpl(ServerKind.GRPCIO_REHEARSAL),
                    milvus_version: Optional[str] = None) -> HandshakePlan:
    """The attempts to make. `rehearsal` names the rehearsal server implementation: GRPCIO_REHEARSAL, or
    GO_REHEARSAL (Go's crypto/tls as Milvus runs it, handshake/gofront.py) for `milvus_version` (None: the
    newest line the doctor knows)."""
    modes = tuple(modes) or (1,)
    grpcio = ClientImpl(ClientKind.PYMILVUS_GRPCIO)
    pymilvus = ClientImpl(ClientKind.PYMILVUS)
    if request.uri is None:
        servers = tuple(replace(_server_plan(request, mode, material, tuple(findings), rehearsal),
                                milvus_version=milvus_version) for mode in modes)
        attempts: list[PlannedAttempt] = []
        for mode in modes:
            params = _rehearsal_params(request.client_params(mode))
            if _wants_pymilvus(request):
                attempts.append(PlannedAttempt((mode,), grpcio, rehearsal, REHEARSAL_TARGET, params))
            if request.run_pymilvus:
                attempts += _pymilvus_attempts(request, (mode,), rehearsal, REHEARSAL_TARGET, params, True)
            attempts += _other_clients(request, (mode,), rehearsal, REHEARSAL_TARGET)
        return HandshakePlan(tuple(attempts), servers, request.timeout, modes=modes)

    uri = request.uri
    live = ServerImpl(ServerKind.LIVE)
    try:
        target = parse_uri(uri)
    except BadUri as exc:
        return HandshakePlan((), (), request.timeout, uri, None, str(exc), modes)
    # An http:// URI makes pymilvus ignore every TLS argument: one plaintext attempt serves all modes.
    groups = tuple((m,) for m in modes) if target.secure else (modes,)
    attempts = [PlannedAttempt(g, grpcio, live, uri, request.client_params(g[0]), target.secure) for g in groups
                if _wants_pymilvus(request)]
    attempts.append(PlannedAttempt((modes[0],), ClientImpl(ClientKind.SSL_PROBE), live, uri, None, target.secure,
                                   request.server_name if target.secure else None))
    if request.run_pymilvus:
        for g in groups:
            attempts += _pymilvus_attempts(request, g, live, uri, request.client_params(g[0]), target.secure)
    for g in groups:
        attempts += _other_clients(request, g, live, uri)
    client = getattr(request.deployment, "client", None)
    return HandshakePlan(tuple(attempts), (), request.timeout, uri, target, "", modes,
                         authorization=getattr(client, "authorization", "") or request.authorization)


def _wants_pymilvus(request: Request) -> bool:
    """pymilvus is judged by default, and when --client selects a pymilvus line."""
    return not request.clients or any(c.kind == _PYMILVUS.name for c in request.clients)


def _pymilvus_attempts(request: Request, modes: tuple[int, ...], server: ServerImpl, target: str,
                       params: ClientParams, secure: bool) -> list[PlannedAttempt]:
    """The real pymilvus: the doctor's interpreter, or with --client one per selected line, each in its venv."""
    lines = [c for c in request.clients if c.kind == _PYMILVUS.name]
    if not lines:
        return [PlannedAttempt(modes, ClientImpl(ClientKind.PYMILVUS), server, target, params, secure)]
    from .venvs import python_for
    out = []
    for sel in lines:
        py = python_for(sel.release) if sel.release else None
        out.append(PlannedAttempt(modes, ClientImpl(ClientKind.PYMILVUS, sel.release, sel.key), server, target, params,
                                  secure, python=str(py) if py else f"missing:{sel.release}"))
    return out


def _other_clients(request: Request, modes: tuple[int, ...], server: ServerImpl, target: str) -> list[PlannedAttempt]:
    """Each selected client with its own TLS stack and a runner (its spec): one attempt, with its own TLS inputs.
    A kind without a runner is judged by its static rules only."""
    out = []
    for sel in request.clients:
        spec = sel.spec
        if spec.own_tls and spec.runner:
            out.append(PlannedAttempt(modes, ClientImpl(ClientKind(spec.attempt_kind), sel.release, sel.key), server,
                                      target, tls=request.client_tls(sel.kind)))
    return out


def _rehearsal_params(params: ClientParams) -> ClientParams:
    # The rehearsal dials 127.0.0.1; the name grpc checks is server_name (the CLI defaults it to localhost).
    return ClientParams(params.server_pem_path, params.client_pem_path, params.client_key_path,
                        params.ca_pem_path, params.server_name or "localhost")


def _loaded(material: Material, role: Role, path: Optional[str]) -> Optional[LoadedFile]:
    """The file a role points at, as loaded (a path used twice is loaded once, under the first role)."""
    return material.get(role) if material.get(role) is not None and material.get(role).path == path \
        else material.by_path(path)


def _refusal(findings: tuple[Finding, ...], loaded: Optional[LoadedFile], path: str, role: Role) -> str:
    """The first static finding that says Go refuses this file (from the rules, or from loading it)."""
    candidates = tuple(findings) + (loaded.findings if loaded is not None else ())
    for f in candidates:
        if f.severity is Severity.ERROR and f.code in GO_LOAD_REFUSALS and _about(f, path):
            return f"{role.setting} {path}: {f.code}: {f.message}"
    return ""


def _about(f: Finding, path: str) -> bool:
    """Is this finding about the file at `path`? (subjects read "role (path)", pairs "cert_role + key_role")."""
    return f.subject.endswith(f"({path})")


def _server_plan(request: Request, mode: int, material: Material, findings: tuple[Finding, ...],
                 impl: ServerImpl) -> ServerPlan:
    cert_path, key_path = request.path(Role.SERVER_CERT), request.path(Role.SERVER_KEY)
    ca_path = request.path(Role.SERVER_CA) if mode == 2 else None
    if not cert_path or not key_path:
        return ServerPlan(mode, impl, not_runnable="no server certificate and key given "
                                                    "(tls.serverPemPath, tls.serverKeyPath)")
    if mode == 2 and not ca_path:
        return ServerPlan(mode, impl, cert_path=cert_path, key_path=key_path,
                          not_runnable=f"{WONT_START}: tlsMode 2 needs tls.caPemPath and none was given")
    cert = _loaded(material, Role.SERVER_CERT, cert_path)
    key = _loaded(material, Role.SERVER_KEY, key_path)
    ca = _loaded(material, Role.SERVER_CA, ca_path) if ca_path else None
    roles = ((Role.SERVER_CERT, cert_path, cert), (Role.SERVER_KEY, key_path, key))
    if ca_path:
        roles += ((Role.SERVER_CA, ca_path, ca),)
    reasons = [r for r in (_refusal(findings, loaded, path, role) for role, path, loaded in roles) if r]
    not_runnable = f"{WONT_START}: " + "; ".join(dict.fromkeys(reasons)) if reasons else ""
    return ServerPlan(mode, impl, cert, key, ca, cert_path, key_path, ca_path or "", not_runnable)
