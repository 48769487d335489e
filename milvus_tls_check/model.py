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
class Request:
    """What to check. The CLI flags and the deployment readers both produce one of these."""

    paths: Mapping[Role, str]
    explicit: frozenset = frozenset()          # roles the user named on purpose (not filled by a default)
    modes: tuple[int, ...] = ()                # empty: every mode the material allows
    server_name: Optional[str] = "localhost"
    at: Optional[_dt.datetime] = None          # judge validity at this instant (None: now)
    warn_days: int = 30
    strict: bool = False
    uri: Optional[str] = None                  # live target; None: rehearsal only
    timeout: float = 5.0
    handshake: bool = True
    run_pymilvus: bool = False
    key_password: Optional[bytes] = None
    # Findings produced while reading deployment files (milvus.yaml, compose, k8s); they join the report.
    preflight: tuple["Finding", ...] = ()
    notes: tuple[str, ...] = ()               # e.g. the pymilvus call that fits the deployment
    client_exact: bool = False                # client roles are exactly the application's pymilvus arguments
    verbose: bool = False

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
    key: Any = None                        # cryptography private key
    key_encrypted: bool = False
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

    def to_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity.value, "subject": self.subject,
                "message": self.message, "fix": self.fix, "modes": list(self.modes)}


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


@dataclass(frozen=True)
class Handshake:
    mode: int
    target: str          # "rehearsal" or the URI
    ok: bool
    code: str            # "handshake.ok" or a failure code
    detail: str
    tls_version: Optional[str] = None
    seconds: float = 0.0
    client: str = "grpcio"   # "grpcio" (built as pymilvus builds it) | "pymilvus" (the real client) | "ssl-probe"
    could_not_run: bool = False
    peer: Optional[Mapping[str, Any]] = None   # what a raw probe saw: subjects, SANs, ALPN, client-cert demand
    # True when this attempt cannot speak for Milvus: the rehearsal server is BoringSSL, which refuses some client
    # certificates Go accepts (e.g. an intermediate whose keyUsage lacks keyCertSign). It never fails the verdict.
    advisory: bool = False

    @property
    def counts(self) -> bool:
        """Does this attempt decide the verdict?"""
        return not self.could_not_run and not self.advisory

    def to_dict(self) -> dict:
        d = {"mode": self.mode, "target": self.target, "ok": self.ok, "code": self.code, "detail": self.detail,
             "tls_version": self.tls_version, "seconds": round(self.seconds, 3), "client": self.client,
             "could_not_run": self.could_not_run, "advisory": self.advisory}
        if self.peer is not None:
            d["peer"] = dict(self.peer)
        return d


def blocking_findings(findings, modes, strict: bool) -> tuple[Finding, ...]:
    """Errors (and with --strict warnings) that break one of `modes`; a finding without modes breaks every mode."""
    levels = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    wanted = set(modes)
    return tuple(f for f in findings if f.severity in levels and (not f.modes or set(f.modes) & wanted))


@dataclass(frozen=True)
class Report:
    verdict: str                      # "pass" | "fail"
    modes: tuple[int, ...]
    server_name: Optional[str]
    checks: tuple[CheckResult, ...]
    findings: tuple[Finding, ...]
    handshakes: tuple[Handshake, ...] = ()
    disagreements: tuple[str, ...] = ()
    inputs: Mapping[str, str] = field(default_factory=dict)
    fingerprints: Mapping[str, str] = field(default_factory=dict)
    judged_at: str = ""
    strict: bool = False
    notes: tuple[str, ...] = ()
    schema: str = SCHEMA_ID

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"

    def blocking(self, mode: Optional[int] = None) -> tuple[Finding, ...]:
        """Findings that fail the verdict (for one mode, or for any evaluated mode)."""
        return blocking_findings(self.findings, (mode,) if mode is not None else self.modes, self.strict)

    def mode_verdict(self, mode: int) -> str:
        bad_handshake = any(h.mode == mode and not h.ok and h.counts for h in self.handshakes)
        return "fail" if self.blocking(mode) or bad_handshake else "pass"

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)
