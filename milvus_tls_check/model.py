"""The one typed model every stage shares: Request -> Material -> Finding/CheckResult/Handshake -> Report.

Everything here is a frozen dataclass so a stage can hand its value on without anyone changing it later.
"""
from __future__ import annotations

import datetime as _dt
import enum
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from .facts.pymilvus import ClientParams

SCHEMA_ID = "milvus-tls-check/report/v1"
FRONT_DOOR = "client-proxy"   # the link kind of the front door (linkkinds/front_door.py): its verdict is the modes'


class Severity(str, enum.Enum):
    ERROR = "error"      # breaks the connection in the evaluated mode
    WARNING = "warning"  # works today, but is a risk (expiry, legacy CN, weak key Go still takes...)
    INFO = "info"


class Role(str, enum.Enum):
    """Which file a path plays, named after the setting that points at it."""

    SERVER_CERT = "server_pem"         # Milvus tls.serverPemPath
    SERVER_KEY = "server_key"          # Milvus tls.serverKeyPath
    SERVER_CA = "ca_pem"               # Milvus tls.caPemPath (trust for client certs, mode 2)
    CLIENT_CERT = "client_pem"         # pymilvus client_pem_path
    CLIENT_KEY = "client_key"          # pymilvus client_key_path
    CLIENT_CA = "client_ca_pem"        # pymilvus ca_pem_path (trust root in mutual mode)
    CLIENT_SERVER_PEM = "client_server_pem"  # pymilvus server_pem_path (trust root in one-way mode)

    @property
    def setting(self) -> str:
        return ROLE_SETTINGS[self]

    @property
    def expects_key(self) -> bool:
        return self in (Role.SERVER_KEY, Role.CLIENT_KEY)


ROLE_SETTINGS = {
    Role.SERVER_CERT: "tls.serverPemPath",
    Role.SERVER_KEY: "tls.serverKeyPath",
    Role.SERVER_CA: "tls.caPemPath",
    Role.CLIENT_CERT: "pymilvus client_pem_path",
    Role.CLIENT_KEY: "pymilvus client_key_path",
    Role.CLIENT_CA: "pymilvus ca_pem_path",
    Role.CLIENT_SERVER_PEM: "pymilvus server_pem_path",
}

CLIENT_ROLES = (Role.CLIENT_SERVER_PEM, Role.CLIENT_CERT, Role.CLIENT_KEY, Role.CLIENT_CA)


@dataclass(frozen=True)
class ConnectTo:
    """--connect-to HOST:PORT:ADDR:PORT2, curl's option with curl's meaning: a connection the deployment names as
    HOST:PORT goes to ADDR:PORT2 instead, while the name verified and sent as SNI stays HOST (what `kubectl
    port-forward` needs). An empty HOST or PORT matches any; an empty ADDR or PORT2 keeps the one named. Only the
    TCP destination of a probe changes."""

    host: str
    port: str
    addr: str
    addr_port: str

    @property
    def given(self) -> str:
        def part(h: str) -> str:
            return f"[{h}]" if ":" in h else h
        return f"{part(self.host)}:{self.port}:{part(self.addr)}:{self.addr_port}"

    def matches(self, host: str, port: str) -> bool:
        return (not self.host or self.host.lower() == host.lower()) and (not self.port or self.port == str(port))

    def target(self, host: str, port: str) -> tuple[str, str]:
        return self.addr or host, self.addr_port or str(port)


def parse_connect_to(text: str) -> ConnectTo:
    """HOST:PORT:ADDR:PORT2 (an IPv6 host or address in brackets); ValueError when it is not that."""
    parts: list[str] = []
    rest = text.strip()
    for i in range(4):
        if rest.startswith("["):
            end = rest.find("]")
            if end < 0:
                raise ValueError(f"{text!r}: an unclosed [ in an IPv6 address")
            parts.append(rest[1:end])
            rest = rest[end + 1:]
            if i < 3:
                if not rest.startswith(":"):
                    raise ValueError(f"{text!r}: expected HOST:PORT:ADDR:PORT2")
                rest = rest[1:]
        elif i < 3:
            head, sep, rest = rest.partition(":")
            if not sep:
                raise ValueError(f"{text!r}: expected HOST:PORT:ADDR:PORT2 (four parts, three colons)")
            parts.append(head)
        else:
            parts.append(rest)
            rest = ""
    if rest:
        raise ValueError(f"{text!r}: expected HOST:PORT:ADDR:PORT2")
    host, port, addr, addr_port = parts
    for name, value in (("PORT", port), ("PORT2", addr_port)):
        if value and not (value.isdigit() and 0 < int(value) < 65536):
            raise ValueError(f"{text!r}: {name} {value!r} is not a port number")
    return ConnectTo(host, port, addr, addr_port)


def connect_target(rules, host: str, port: str) -> Optional[tuple[str, str, ConnectTo]]:
    """Where a connection the deployment names as host:port goes (the first rule that matches, as curl), or None."""
    for rule in rules:
        if rule.matches(host, str(port)):
            addr, addr_port = rule.target(host, str(port))
            return addr, addr_port, rule
    return None


@dataclass(frozen=True)
class Request:
    """What to check. The CLI flags and the deployment readers both produce one of these."""

    paths: Mapping[Role, str]
    explicit: frozenset = frozenset()          # roles the user named on purpose (not filled by a default)
    modes: tuple[int, ...] = ()                # empty: every mode the material allows
    server_name: Optional[str] = "localhost"
    server_name_given: bool = False            # --server-name (or the fleet's server_name) named it on purpose
    at: Optional[_dt.datetime] = None          # judge validity at this instant (None: now)
    warn_days: int = 30
    strict: bool = False
    uri: Optional[str] = None                  # live target, without credentials (facts.pymilvus.redact_uri)
    timeout: float = 5.0
    handshake: bool = True
    run_pymilvus: bool = False
    key_password: Optional[bytes] = None
    # What the deployment files say (facts.deployment.DeploymentFacts); the config rules judge it in the rule pass.
    deployment: Optional[Any] = None
    milvus_version: Optional[str] = None     # "2.5.4" as given or read from the deployment's image; None: newest line
    milvus_version_source: str = ""          # where it came from ("--milvus-version", "image of service ...")
    rehearsal: str = "auto"                  # "auto" (Go when a toolchain is there, else grpcio) | "go" | "grpcio"
    notes: tuple[str, ...] = ()               # what building the request decided for the user (defaults taken)
    client_exact: bool = False                # client roles are exactly the application's pymilvus arguments
    verbose: bool = False
    # --client: the clients to judge (clientkinds.ClientSel); empty = pymilvus as before (no per-client report).
    clients: tuple = ()
    # kind -> clientkinds.TlsConfig of each selected client with its own TLS stack: its --*-args, or the general
    # flags fixed for it (request._fixed_client_tls); absent: the general flags.
    client_args: Mapping[str, Any] = field(default_factory=dict)
    side: Optional[str] = None                # --side server|client: only that end is to be judged
    probe_links: bool = False                 # --probe-links: each link's prober dials it with its real settings
    connect_to: tuple[ConnectTo, ...] = ()    # --connect-to: the probes' TCP destinations, redirected
    links_only: bool = False                  # the front door is plaintext and only other links are judged
    ca_key: Optional[str] = None              # --ca-key: the CA's private key, for fix commands that re-sign
    # The `authorization` metadata of credentials written into --uri (user:password@), taken out of the URI so the
    # URI can be shown; "" for none. Never printed; handed to a client only through its environment.
    authorization: str = field(default="", repr=False, compare=False)

    def judged_at(self) -> _dt.datetime:
        return self.at or _dt.datetime.now(_dt.timezone.utc)

    def path(self, role: Role) -> Optional[str]:
        return self.paths.get(role)

    def client_params(self, mode: int) -> ClientParams:
        """The pymilvus arguments for one mode: explicit client flags as given, defaults only for that mode."""
        if self.client_exact:  # the application's own arguments (--pymilvus-args): no defaults fill them
            return ClientParams(*(self.paths.get(r) for r in (Role.CLIENT_SERVER_PEM, Role.CLIENT_CERT,
                                                              Role.CLIENT_KEY, Role.CLIENT_CA)), self.server_name)
        given = {r: self.paths.get(r) for r in CLIENT_ROLES if r in self.explicit}
        server_pem = given.get(Role.CLIENT_SERVER_PEM)
        ca = given.get(Role.CLIENT_CA)
        cert = self.paths.get(Role.CLIENT_CERT)
        key = self.paths.get(Role.CLIENT_KEY)
        if mode == 1:
            server_pem = server_pem or self.paths.get(Role.CLIENT_SERVER_PEM) or self.paths.get(Role.SERVER_CERT)
            cert = given.get(Role.CLIENT_CERT)
            key = given.get(Role.CLIENT_KEY)
        else:
            ca = ca or self.paths.get(Role.CLIENT_CA) or self.paths.get(Role.SERVER_CA)
        return ClientParams(server_pem, cert, key, ca, self.server_name)

    def own_tls(self, kind: str):
        """A client's own TLS inputs (its --*-args, clientkinds.TlsConfig), or None when it takes the general
        flags."""
        own = self.client_args.get(kind)
        return own if own is not None and own.source != "flags" else None

    def own_client_files(self) -> dict:
        """ClientSel.key -> {Role: path}: the files a selected Go or Node client's own arguments name, bound to the
        client roles (its certificate, its key, its trust root), for the same static checks as the general flags."""
        out: dict = {}
        for sel in self.clients:
            cfg = self.own_tls(sel.kind)
            if cfg is None or not cfg.secure:
                continue
            files = {role: path for role, path in ((Role.CLIENT_CERT, cfg.cert), (Role.CLIENT_KEY, cfg.key),
                                                   (Role.CLIENT_CA, cfg.ca)) if path}
            if files:
                out[sel.key] = files
        return out

    def client_tls(self, kind: str):
        """A client's TLS inputs (clientkinds.TlsConfig): its own --*-args, else the
        general flags: the trust root from --client-ca-pem, else --client-server-pem (each with its default), and
        a client certificate when both --client-pem and --client-key are given (no pymilvus precedence rules)."""
        from .clientkinds import TlsConfig
        own = self.client_args.get(kind)
        if own is not None:
            return own
        ca = (self.paths.get(Role.CLIENT_CA) or self.paths.get(Role.SERVER_CA) or self.paths.get(Role.CLIENT_SERVER_PEM)
              or self.paths.get(Role.SERVER_CERT))
        if Role.CLIENT_CA not in self.explicit and Role.CLIENT_SERVER_PEM in self.explicit:
            ca = self.paths.get(Role.CLIENT_SERVER_PEM)
        cert, key = self.paths.get(Role.CLIENT_CERT), self.paths.get(Role.CLIENT_KEY)
        if not (cert and key):   # the general flags give a Go or Node client its pair only when both are there
            cert = key = None
        from .clientkinds import specs
        if kind in specs() and not specs()[kind].sends_pair:
            cert = key = None
        return TlsConfig(ca, cert, key, self.server_name)


class FileKind(str, enum.Enum):
    CERTS = "certificates"
    KEY = "private key"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class LoadedFile:
    """One role's file as read: parsed objects, or None with the findings that say why."""

    role: Role
    path: str
    kind: FileKind = FileKind.UNKNOWN
    encoding: str = ""                     # "pem" | "der" | ""
    certs: tuple[Any, ...] = ()            # cryptography x509.Certificate, file order
    # the DER of every certificate block in file order, also those cryptography refuses: Go's parser reads some of
    # them (an empty extendedKeyUsage, an AKI with only authorityCertIssuer), so Go's path validation gets them all
    cert_ders: tuple[bytes, ...] = ()
    key: Any = None                        # cryptography private key
    key_encrypted: bool = False
    pem_label: str = ""                    # a PEM key's block label ("PRIVATE KEY", "RSA PRIVATE KEY", ...)
    mode_bits: Optional[int] = None
    findings: tuple["Finding", ...] = ()

    @property
    def usable(self) -> bool:
        return (self.kind is FileKind.CERTS and bool(self.certs)) or (self.kind is FileKind.KEY and self.key is not None)

    @property
    def leaf(self):
        return self.certs[0] if self.certs else None


@dataclass(frozen=True)
class Material:
    files: Mapping[Role, LoadedFile]
    # --client with its own arguments (--go-args, --node-args): each such client's own files by ClientSel.key, bound
    # to the client roles (CLIENT_CERT, CLIENT_KEY, CLIENT_CA), so the same rules judge them for that client.
    clients: Mapping[str, Mapping[Role, LoadedFile]] = field(default_factory=dict)
    # path -> the trust root a selected client's TLS inputs name (its own or the general flags') when no role above
    # loaded it: rules read no files, so material loading reads it here, once.
    client_roots: Mapping[str, LoadedFile] = field(default_factory=dict)
    # Regular files the deployment names on this host (milvus.yaml TLS and internal-TLS paths, Ingress Secret
    # certificates) by path, each read once by material.with_deployment_files: the config rules read no files.
    deployment_files: Mapping[str, LoadedFile] = field(default_factory=dict)

    def get(self, role: Role) -> Optional[LoadedFile]:
        return self.files.get(role)

    def certs(self, role: Role) -> tuple:
        f = self.files.get(role)
        return f.certs if f and f.kind is FileKind.CERTS else ()

    def key(self, role: Role):
        f = self.files.get(role)
        return f.key if f and f.kind is FileKind.KEY else None

    def by_path(self, path: Optional[str]) -> Optional[LoadedFile]:
        for f in self.files.values():
            if f.path == path:
                return f
        return None


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    subject: str
    message: str
    fix: str
    modes: tuple[int, ...] = ()   # the modes it breaks; empty = every mode
    # The selected clients (clientkinds.ClientSel.key or kind: "go", "node==3", "pymilvus==2.3") it concerns;
    # empty = every client (clientkinds.concerns decides for the findings of the pymilvus rules);
    # (clientkinds.NO_SELECTED_CLIENT,) = none of them (it still counts without --client).
    clients: tuple[str, ...] = ()
    # Shell lines that repair this cause, pasted as printed from the folder the doctor ran in (repairs.py); empty
    # when there is no mechanical repair, and then fix_note says why (a setting to choose, a CA key not given).
    fix_commands: tuple[str, ...] = ()
    fix_note: str = ""
    # The link (linkkinds: "milvus-etcd") this finding is about, "" for the front door: a link's findings decide that
    # link's verdict (Report.links), never a tlsMode's.
    link: str = ""

    def to_dict(self) -> dict:
        out = {"code": self.code, "severity": self.severity.value, "subject": self.subject,
               "message": self.message, "fix": self.fix, "modes": list(self.modes)}
        if self.severity in (Severity.ERROR, Severity.WARNING):   # additive v1 keys
            out["fix_commands"] = list(self.fix_commands)
            out["fix_note"] = self.fix_note
        if self.link:   # additive v1 key
            out["link"] = self.link
        return out


class Status(str, enum.Enum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    NOT_RUN = "not_run"   # the check could not run (its input is missing or unreadable); not a failure by itself


@dataclass(frozen=True)
class CheckResult:
    """One line of the report: a check applied to one subject, with the findings it raised."""

    check: str           # e.g. "names", "keys.pair"
    title: str
    subject: str
    status: Status
    findings: tuple[Finding, ...] = ()
    reason: str = ""     # why it could not run, when NOT_RUN
    mode: Optional[int] = None


class ClientKind(str, enum.Enum):
    """Which client stack made an attempt. The value is the report's `client` string (JSON v1)."""

    PYMILVUS_GRPCIO = "grpcio"   # a grpc channel built exactly as pymilvus builds it, in the doctor's process
    PYMILVUS = "pymilvus"        # the real pymilvus.MilvusClient, in a subprocess
    SSL_PROBE = "ssl-probe"      # Python's ssl module looking at a live server (no verification)
    GO = "go"                    # a Go crypto/tls client as the Go SDK configures it (next)
    NODE = "node"                # the Node SDK / Attu (next)
    JAVA = "java"                # a JSSE client as milvus-sdk-java configures grpc-netty (Netty's PEM key loading)
    MILVUS_CLI = "milvus-cli"    # the real pymilvus (its line's venv) with the arguments milvus-cli's connect passes

    def __str__(self) -> str:
        return self.value


class ServerKind(str, enum.Enum):
    """Which server an attempt talked to."""

    GRPCIO_REHEARSAL = "grpcio-rehearsal"   # in-process grpcio (BoringSSL) server configured like Milvus's proxy
    GO_REHEARSAL = "go-rehearsal"           # Go crypto/tls terminating TLS as Milvus does, in front of grpcio
    LIVE = "live"                           # the running server at --uri

    def __str__(self) -> str:
        return self.value

    @property
    def rehearsal(self) -> bool:
        return self is not ServerKind.LIVE


class Side(str, enum.Enum):
    """Which end refused, when the evidence says so."""

    CLIENT = "client"   # the client refused: verifying the server (certificate, name), or loading its own files
    SERVER = "server"   # the server refused the client certificate (judging it, or finding none)

    def __str__(self) -> str:
        return self.value


class Verdict(str, enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    INCOMPLETE = "incomplete"   # nothing failed, but a side a mode needs was not judged: never a pass

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    @classmethod
    def of(cls, failed: bool, incomplete: bool = False) -> "Verdict":
        return cls.FAIL if failed else cls.INCOMPLETE if incomplete else cls.PASS


@dataclass(frozen=True)
class GoPathCheck:
    """Real Go's path validation of one Go side (handshake/go_paths.py), for verdict.go_decides: side "server" (a Go
    client, `who` its selection key, verifying the server chain) or "client" (Milvus, `who` "milvus", verifying the
    client chain in mode 2); the inputs as given to real Go and the model, and real Go's answer (goverify.GoVerification)."""

    side: str
    who: str
    chain: tuple[Any, ...]
    roots: tuple[Any, ...]
    chain_path: str
    roots_path: str
    name: Optional[str]
    at: Any
    go: str
    go_line: Optional[str]
    real: Any
    chain_pem: bytes = b""   # the files as Go reads them (every certificate block, also those cryptography refused)
    roots_pem: bytes = b""


@dataclass(frozen=True)
class Unjudged:
    """A side of a mode the doctor could not judge because its input was not given (the client certificate of mode
    2, a Secret the deployment mounts): the mode's verdict is `incomplete`, and `add` says exactly what to give."""

    mode: int
    side: str          # "server" | "client"
    what: str          # what was not judged, in words
    add: str           # what to add: the flags, the file, the command that fetches it
    client: str = ""   # --client: the one selected client (ClientSel.key) not judged; "" = the side as a whole

    def to_dict(self) -> dict:
        out = {"mode": self.mode, "side": self.side, "what": self.what, "add": self.add}
        if self.client:
            out["client"] = self.client
        return out


@dataclass(frozen=True)
class ClientImpl:
    kind: ClientKind
    version: str = ""   # e.g. the grpcio or pymilvus version actually used ("" when unknown)
    selection: str = ""  # --client: the selection (clientkinds.ClientSel.key) this attempt runs for; not in JSON

    def to_dict(self) -> dict:
        return {"kind": self.kind.value, "version": self.version}


@dataclass(frozen=True)
class ServerImpl:
    kind: ServerKind
    version: str = ""   # e.g. the grpcio version of the rehearsal, the Go version of the Go rehearsal

    def to_dict(self) -> dict:
        return {"kind": self.kind.value, "version": self.version}


GRPCIO_CLIENT = ClientImpl(ClientKind.PYMILVUS_GRPCIO)
GRPCIO_REHEARSAL = ServerImpl(ServerKind.GRPCIO_REHEARSAL)


@dataclass(frozen=True)
class Peer:
    """What the raw ssl probe saw of a live server. `chain` holds one summary per presented certificate
    (subject, sans, issuer, not_after, serial, key, signature, sha256, ...), in the order the server sent them."""

    address: str
    speaks_tls: Optional[bool]
    tls_version: Optional[str] = None
    alpn: Optional[str] = None
    cipher: Optional[str] = None
    chain: tuple[Mapping[str, Any], ...] = ()
    client_cert_requested: Optional[bool] = None
    client_cert_required: Optional[bool] = None
    after_handshake_without_client_cert: Optional[str] = None
    first_bytes: Optional[str] = None

    def to_dict(self) -> dict[str, Any]:
        """The report's v1 `peer` object: TLS facts only when the server speaks TLS."""
        out: dict[str, Any] = {"address": self.address, "speaks_tls": self.speaks_tls}
        if self.speaks_tls:
            out.update({"tls_version": self.tls_version, "alpn": self.alpn, "cipher": self.cipher,
                        "chain": [dict(c) for c in self.chain], "client_cert_requested": self.client_cert_requested,
                        "client_cert_required": self.client_cert_required,
                        "after_handshake_without_client_cert": self.after_handshake_without_client_cert})
        if self.first_bytes:
            out["first_bytes"] = self.first_bytes
        return out


@dataclass(frozen=True)
class Handshake:
    mode: int
    target: str          # "rehearsal" or the URI
    ok: bool
    code: str            # "handshake.ok" or a failure code
    detail: str
    tls_version: Optional[str] = None
    seconds: float = 0.0
    client_impl: ClientImpl = GRPCIO_CLIENT
    could_not_run: bool = False
    peer: Optional[Peer] = None   # what a raw probe saw: subjects, SANs, ALPN, client-cert demand
    # True when this attempt cannot speak for Milvus: the rehearsal server is BoringSSL, which refuses some client
    # certificates Go accepts (e.g. an intermediate whose keyUsage lacks keyCertSign). It never fails the verdict.
    advisory: bool = False
    server_impl: ServerImpl = GRPCIO_REHEARSAL
    side: Optional[Side] = None   # which end refused, when known (verdict.py: only SERVER may be advisory)
    # The static finding code that already names this failure's cause (verdict.reconcile): its fix is shown there,
    # so the report points to it instead of repeating a fix.
    see: str = ""

    @property
    def client(self) -> str:
        """The report's v1 `client` string: "grpcio" | "pymilvus" | "ssl-probe" (and "go", "node" next)."""
        return self.client_impl.kind.value

    @property
    def counts(self) -> bool:
        """Does this attempt decide the verdict?"""
        return not self.could_not_run and not self.advisory

    def to_dict(self, *, implementations: bool = False) -> dict:
        """The v1 handshake object; implementations=True adds `client_impl`, `server_impl` and `side` (additive
        v1 keys, in docs/report-v1.schema.json; off by default so the published example reports stay as they are)."""
        d = {"mode": self.mode, "target": self.target, "ok": self.ok, "code": self.code, "detail": self.detail,
             "tls_version": self.tls_version, "seconds": round(self.seconds, 3), "client": self.client,
             "could_not_run": self.could_not_run, "advisory": self.advisory}
        if self.peer is not None:
            d["peer"] = self.peer.to_dict()
        if implementations:
            d["client_impl"] = self.client_impl.to_dict()
            d["server_impl"] = self.server_impl.to_dict()
            d["side"] = self.side.value if self.side else None
        return d


def blocking_findings(findings, modes, strict: bool) -> tuple[Finding, ...]:
    """Errors (and with --strict warnings) that break one of `modes`; a finding without modes breaks every mode."""
    levels = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    wanted = set(modes)
    return tuple(f for f in findings if f.severity in levels and not f.link
                 and (not f.modes or set(f.modes) & wanted))


class LinkVerdict(str, enum.Enum):
    """One TLS link's verdict (model.Link)."""

    PASS = "pass"
    FAIL = "fail"
    INCOMPLETE = "incomplete"          # an end of the link was not seen: never a pass
    PLAINTEXT = "plaintext"            # the link does not use TLS, and both ends agree (or nothing says otherwise)
    NOT_APPLICABLE = "not-applicable"  # the link does not exist in this deployment (an embedded etcd, ...)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class LinkSetting:
    key: str          # "etcd.ssl.enabled", "--client-cert-auth of service etcd"
    value: str
    source: str       # where it came from: the layer, the Compose service, "Milvus's default"

    def to_dict(self) -> dict:
        return {"key": self.key, "value": self.value, "source": self.source}


@dataclass(frozen=True)
class LinkFile:
    role: str         # "tlsCert", "etcd --cert-file", ...
    path: str         # as the process sees it (container path)
    host: str = ""    # the file the doctor read for it ("" when none)

    def to_dict(self) -> dict:
        return {"role": self.role, "path": self.path, "host": self.host}


@dataclass(frozen=True)
class Link:
    """One TLS connection of the deployment (linkkinds/): who dials whom, with which settings and files, and what
    decided its verdict. `modelled`: nothing real judged it (the static model of the implementation that decides)."""

    kind: str                                  # linkkinds spec name: "client-proxy", "milvus-etcd"
    from_: str
    to: str
    address: str
    verdict: LinkVerdict
    settings: tuple[LinkSetting, ...] = ()
    files: tuple[LinkFile, ...] = ()
    codes: tuple[str, ...] = ()
    decided_by: str = ""
    modelled: bool = True
    add: str = ""                              # incomplete: what to add so the doctor can judge it
    detail: str = ""                           # the prober's answer, or why the verdict is what it is
    static_verdict: Optional[LinkVerdict] = None   # a prober decided: what the static model said (when different)
    static_codes: tuple[str, ...] = ()
    blocked_by: tuple[str, ...] = ()           # links whose failure keeps Milvus from serving this one (their kinds)

    def to_dict(self) -> dict:
        out = {"kind": self.kind, "from": self.from_, "to": self.to, "address": self.address,
               "verdict": self.verdict.value, "settings": [s.to_dict() for s in self.settings],
               "files": [f.to_dict() for f in self.files], "codes": list(self.codes), "decided_by": self.decided_by,
               "modelled": self.modelled, "add": self.add, "detail": self.detail}
        if self.static_verdict is not None:
            out["static"] = {"verdict": self.static_verdict.value, "codes": list(self.static_codes)}
        if self.blocked_by:
            out["blocked_by"] = list(self.blocked_by)
        return out


@dataclass(frozen=True)
class ServerBuild:
    """Which Milvus server build was judged: the release (as given, or the newest line), the Go its release is built
    with (the toolchain, and the go.mod `go` line that sets its GODEBUG defaults), and what rehearsed it."""

    milvus_line: str                # "2.5"
    milvus_version: str             # "2.5.4" / "2.5" as given, or "newest line"
    milvus_versions: str            # the releases the table entry stands for, "2.5.26-2.5.27"
    version_source: str             # "--milvus-version", "image of service milvus (...)", "default"
    go_toolchain: str               # Go the release is built with, "1.24.12"
    go_line: str                    # go.mod `go` line, "1.24"
    rehearsal: str                  # "go 1.24.11" | "grpcio (BoringSSL) + static Go model" | "none: ..."
    note: str = ""                  # how the rehearsal differs from the real build, or why Go did not rehearse

    def to_dict(self) -> dict:
        return {"milvus_line": self.milvus_line, "milvus_version": self.milvus_version,
                "milvus_versions": self.milvus_versions, "version_source": self.version_source,
                "go_toolchain": self.go_toolchain, "go_line": self.go_line, "rehearsal": self.rehearsal,
                "note": self.note}

    def line(self) -> str:
        """One line for people."""
        given = self.milvus_line if self.milvus_version == "newest line" else self.milvus_version
        text = (f"Milvus {given} ({self.milvus_version if given != self.milvus_version else 'releases'} "
                f"{self.milvus_versions}, from {self.version_source}): Go {self.go_toolchain}, go.mod go "
                f"{self.go_line}; rehearsal: {self.rehearsal}")
        return f"{text} ({self.note})" if self.note else text


@dataclass(frozen=True)
class Report:
    verdict: Verdict                  # Verdict.PASS | Verdict.FAIL (a str enum: == "pass" holds; "pass"/"fail" accepted)
    modes: tuple[int, ...]
    server_name: Optional[str]
    checks: tuple[CheckResult, ...]
    findings: tuple[Finding, ...]
    handshakes: tuple[Handshake, ...] = ()
    disagreements: tuple[str, ...] = ()
    # Disagreements the authoritative side settled (verdict.rehearsal_decides): the Go rehearsal of the exact build
    # accepted what the static Go model refuses; they do not fail the verdict.
    resolved: tuple[str, ...] = ()
    inputs: Mapping[str, str] = field(default_factory=dict)
    fingerprints: Mapping[str, str] = field(default_factory=dict)
    judged_at: str = ""
    strict: bool = False
    notes: tuple[str, ...] = ()
    # --client: the clients judged (clientkinds.ClientSel); with any, the verdict is theirs (any failing fails)
    clients: tuple = ()
    schema: str = SCHEMA_ID
    server_build: Optional[ServerBuild] = None   # which Milvus build was judged, and what rehearsed it
    # Every certificate loaded or seen (inventory.CertificateRecord: role, file, position, names, validity, key...)
    certificates: tuple[Any, ...] = ()
    # Each trust path, leaf -> intermediates -> anchor, its links verified or broken (inventory.TrustPath)
    trust_paths: tuple[Any, ...] = ()
    # Sides of the evaluated modes that were not judged (verdict.unjudged_sides); any makes a mode incomplete
    unjudged: tuple[Unjudged, ...] = ()
    side: Optional[str] = None         # --side: the one end the user asked to judge (None: both)
    # The TLS map (linkkinds/): one Link per TLS connection of the deployment, the front door first; empty when the
    # deployment says nothing of any link beyond the front door (then the report is as before)
    links: tuple[Link, ...] = ()

    def __post_init__(self) -> None:
        verdict = Verdict(self.verdict)
        if self.clients:
            verdicts = self.selected_verdicts().values()
            verdict = Verdict.of(any(v is Verdict.FAIL for v in verdicts),
                                 any(v is Verdict.INCOMPLETE for v in verdicts))
        elif verdict is Verdict.PASS and self.incomplete_modes():
            verdict = Verdict.INCOMPLETE
        # every other link counts too: a failing link fails the run, one not judged leaves it incomplete
        others = [link.verdict for link in self.links if link.kind != FRONT_DOOR]
        if LinkVerdict.FAIL in others:
            verdict = Verdict.FAIL
        elif LinkVerdict.INCOMPLETE in others and verdict is Verdict.PASS:
            verdict = Verdict.INCOMPLETE
        object.__setattr__(self, "verdict", verdict)

    def incomplete_modes(self, client: Optional[str] = None) -> tuple[int, ...]:
        """Modes with a side not judged; for one selected client (its key), the side as a whole or that client."""
        return tuple(sorted({u.mode for u in self.unjudged if u.mode in self.modes
                             and (client is None or u.client in ("", client))}))

    def concerns(self, finding: Finding, sel) -> bool:
        from .clientkinds import concerns
        return concerns(finding.code, finding.subject, finding.clients, sel)

    def selected_verdict(self, mode: int, sel) -> Verdict:
        """One selected client's verdict in one mode: the blocking findings that concern it, and its attempts."""
        from .clientkinds import attempt_is_for
        bad_finding = any(self.concerns(f, sel) for f in self.blocking(mode))
        bad_handshake = any(h.mode == mode and not h.ok and h.counts and attempt_is_for(h.client_impl, sel)
                            for h in self.handshakes)
        return Verdict.of(bad_finding or bad_handshake, mode in self.incomplete_modes(sel.key))

    def selected_verdicts(self) -> dict:
        """(mode, ClientSel.key) -> Verdict for every selected client and evaluated mode."""
        return {(mode, sel.key): self.selected_verdict(mode, sel) for mode in self.modes for sel in self.clients}

    def selected_causes(self, mode: int, sel) -> tuple[str, ...]:
        """Why a selected client fails in a mode: the codes of its blocking findings and failed attempts."""
        from .clientkinds import attempt_is_for
        codes = [f.code for f in self.blocking(mode) if self.concerns(f, sel)]
        codes += [h.code for h in self.handshakes if h.mode == mode and not h.ok and h.counts
                  and attempt_is_for(h.client_impl, sel)]
        return tuple(dict.fromkeys(codes))

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.PASS

    def blocking(self, mode: Optional[int] = None) -> tuple[Finding, ...]:
        """Findings that fail the verdict (for one mode, or for any evaluated mode)."""
        return blocking_findings(self.findings, (mode,) if mode is not None else self.modes, self.strict)

    def mode_verdict(self, mode: int) -> Verdict:
        bad_handshake = any(h.mode == mode and not h.ok and h.counts for h in self.handshakes)
        return Verdict.of(bool(self.blocking(mode)) or bad_handshake, mode in self.incomplete_modes())

    def client_verdict(self, mode: int, client: ClientKind) -> Verdict:
        """One client's verdict in one mode: the mode's blocking findings, and that client's counting attempts."""
        bad_handshake = any(h.mode == mode and h.client_impl.kind is client and not h.ok and h.counts
                            for h in self.handshakes)
        return Verdict.of(bool(self.blocking(mode)) or bad_handshake, mode in self.incomplete_modes())

    @property
    def client_verdicts(self) -> Mapping[tuple[int, ClientKind], Verdict]:
        """(mode, client kind) -> verdict, for every client that made an attempt in an evaluated mode."""
        pairs = sorted({(h.mode, h.client_impl.kind) for h in self.handshakes if h.mode in self.modes},
                       key=lambda p: (p[0], list(ClientKind).index(p[1])))
        return {(mode, kind): self.client_verdict(mode, kind) for mode, kind in pairs}

    def client_verdicts_dict(self) -> dict[str, dict[str, str]]:
        """client_verdicts as JSON v1 can carry it (an additive key): {"1": {"grpcio": "pass", ...}, ...}."""
        out: dict[str, dict[str, str]] = {}
        for (mode, kind), verdict in self.client_verdicts.items():
            out.setdefault(str(mode), {})[kind.value] = verdict.value
        return out

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)
