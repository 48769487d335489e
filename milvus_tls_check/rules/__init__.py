"""Static rules: small pure functions (Context) -> CheckResults. Nothing here touches the network.

Each module in this package is one family and is registered by being here (registered_rules finds it with pkgutil);
its module-level ORDER places it in the report. A new check is one @rule function in a module here and one catalogue
entry in codes.py.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Mapping, Optional

from ..model import CheckResult, ClientParams, Finding, LoadedFile, Material, Request, Role, Severity, Status


@dataclass(frozen=True)
class Context:
    request: Request
    material: Material
    modes: tuple[int, ...]
    at: dt.datetime
    deployment: Optional[Any] = None   # facts.deployment.DeploymentFacts when deployment files were given
    # facts.milvus_lines.MilvusBuild judged (Go toolchain and go.mod go line decide the version-dependent rules);
    # None: looked up from request.milvus_version (None there: the newest line).
    build: Optional[Any] = None
    # (path, 1-based block order leaf first) for certificate files whose key belongs to a later block
    # (material.leaf_first): `material` already holds them in that order; keys.pair reports the order once.
    misordered: tuple = ()

    def __post_init__(self):
        if self.build is None:
            from ..facts import milvus_lines
            try:
                build = milvus_lines.lookup(self.request.milvus_version)
            except milvus_lines.UnknownMilvusVersion:
                build = milvus_lines.lookup(None)
            object.__setattr__(self, "build", build)

    @property
    def judged(self) -> str:
        """The server build judged, for messages: "Milvus 2.5.0-2.5.10 (Go 1.22.7, go.mod go 1.22)"."""
        b = self.build
        return f"Milvus {b.versions} (Go {b.go_toolchain}, go.mod go {b.go_line})"

    def go_rule(self, since: str) -> bool:
        """Does the judged build enforce a Go rule introduced in Go `since` behind a GODEBUG setting whose old
        default the go.mod `go` line keeps (x509negativeserial 1.23, rsa1024min 1.24)? Both the toolchain and the
        go line must be at least `since` (a go line below 1.20 counts as 1.20)."""
        from ..facts.milvus_lines import max_line
        want = _vkey(since)
        return _vkey(self.build.go_toolchain)[:2] >= want and _vkey(max_line(self.build.go_line))[:2] >= want

    def go_at_least(self, version: str) -> bool:
        """Is the judged build's Go toolchain at least `version` (rules without a GODEBUG switch)?"""
        return _vkey(self.build.go_toolchain)[:2] >= _vkey(version)

    def order_of(self, path: Optional[str]) -> Optional[tuple[int, ...]]:
        """The block order (leaf first) of a certificate file written in the wrong order, else None."""
        return dict(self.misordered).get(path)

    def file(self, role: Role) -> Optional[LoadedFile]:
        return self.material.get(role)

    def client(self, mode: int) -> ClientParams:
        return self.request.client_params(mode)

    def trust_file(self, path: Optional[str]) -> Optional[LoadedFile]:
        return self.material.by_path(path) if path else None

    def modes_for(self, loaded: LoadedFile) -> tuple[int, ...]:
        """The evaluated modes that use this file; () when every evaluated mode does."""
        using = []
        for mode in self.modes:
            params = self.client(mode)
            server_side = [self.request.path(Role.SERVER_CERT), self.request.path(Role.SERVER_KEY)]
            if mode == 2:
                server_side.append(self.request.path(Role.SERVER_CA))
            if loaded.path in server_side or loaded.path in params.as_kwargs().values():
                using.append(mode)
        return () if len(using) == len(self.modes) else tuple(using)

    def scoped(self, findings: Iterable[Finding], loaded: LoadedFile) -> list[Finding]:
        """Tag findings about a file with the modes that use it, so a mode-2-only file cannot fail mode 1."""
        modes = self.modes_for(loaded)
        return [f if f.modes or not modes else replace(f, modes=modes) for f in findings]


def _vkey(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def context_for(files: Mapping[Role, Any], *, modes: tuple[int, ...] = (1, 2), server_name: Optional[str] = "localhost",
                at: Optional[dt.datetime] = None, warn_days: int = 30, uri: Optional[str] = None,
                milvus_version: Optional[str] = None) -> Context:
    """A Context from objects already in memory, no file read: for each role a sequence of certificates (file
    order) or a private key. Paths are the role names (server_pem.pem, ...). For tests and library callers that
    hold cryptography objects; the doctor itself builds its Context from loaded material."""
    from ..material import loaded_file, material_of

    loaded, paths = [], {}
    for role, value in files.items():
        path = f"{role.value}.pem"
        paths[role] = path
        if isinstance(value, (list, tuple)):
            loaded.append(loaded_file(role, path, certs=tuple(value)))
        else:
            loaded.append(loaded_file(role, path, key=value, mode_bits=0o600))
    request = Request(paths, modes=modes, server_name=server_name, at=at,
                      warn_days=warn_days, uri=uri, milvus_version=milvus_version)
    return Context(request, material_of(*loaded), modes, at or dt.datetime.now(dt.timezone.utc))


Rule = Callable[[Context], Iterable[CheckResult]]


def result(check: str, title: str, subject: str, findings: Iterable[Finding] = (), *,
           mode: Optional[int] = None) -> CheckResult:
    """A check that ran: fail on any error, warn on any warning, else pass."""
    findings = tuple(findings)
    if any(f.severity is Severity.ERROR for f in findings):
        status = Status.FAIL
    elif any(f.severity is Severity.WARNING for f in findings):
        status = Status.WARN
    else:
        status = Status.PASS
    return CheckResult(check, title, subject, status, findings, mode=mode)


def not_run(check: str, title: str, subject: str, reason: str, *, mode: Optional[int] = None) -> CheckResult:
    return CheckResult(check, title, subject, Status.NOT_RUN, (), reason=reason, mode=mode)


@dataclass(frozen=True)
class RuleSpec:
    """A registered rule: a stable id, the finding codes it may emit, and the function."""

    id: str
    codes: frozenset
    check: Rule

    @property
    def module(self) -> str:
        return self.check.__module__.rsplit(".", 1)[-1]


class UndeclaredCode(AssertionError):
    """A rule emitted a code it did not declare with @rule: a doctor bug."""


_REGISTRY: list[RuleSpec] = []

# Report order: each rules module declares `ORDER = <int>` (deployment rules first, then the material families);
# within a module, rules run in definition order. A module without ORDER runs after those with one, by name.
_LAST = 1 << 30


def rule(rule_id: str, *, codes: Iterable[str]) -> Callable[[Rule], Rule]:
    """Register a rule with the exact finding codes it may emit (run_rules refuses any other)."""
    codes = frozenset(codes)

    def register(fn: Rule) -> Rule:
        unknown = sorted(c for c in codes if c not in _catalogue())
        if unknown:
            raise KeyError(f"rule {rule_id} declares uncatalogued codes {unknown}")
        if any(spec.id == rule_id for spec in _REGISTRY):
            raise ValueError(f"rule id {rule_id} registered twice")
        _REGISTRY.append(RuleSpec(rule_id, codes, fn))
        return fn
    return register


def _catalogue():
    from ..codes import CATALOGUE
    return CATALOGUE


def rule_modules() -> tuple[str, ...]:
    """The names of the rules modules in this package (each is a family), found on disk, not listed."""
    import pkgutil
    return tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")))


def registered_rules() -> tuple[RuleSpec, ...]:
    """Every registered rule, in report order (each module's ORDER, then definition order within a module)."""
    import importlib
    order = {name: getattr(importlib.import_module(f"{__name__}.{name}"), "ORDER", _LAST) for name in rule_modules()}
    indexed = list(enumerate(_REGISTRY))
    indexed.sort(key=lambda item: (order.get(item[1].module, _LAST), item[1].module, item[0]))
    return tuple(spec for _, spec in indexed)


def all_rules() -> tuple[Rule, ...]:
    """Registered rules in report order."""
    return tuple(spec.check for spec in registered_rules())


def check_declared(spec: RuleSpec, results: Iterable[CheckResult]) -> None:
    """Raise UndeclaredCode when a result holds a finding whose code the rule did not declare."""
    for res in results:
        stray = sorted({f.code for f in res.findings} - spec.codes)
        if stray:
            raise UndeclaredCode(f"rule {spec.id} emitted undeclared code(s) {stray} in check {res.check}")


def run_rules(ctx: Context, only: Optional[Iterable[str]] = None) -> tuple[CheckResult, ...]:
    """Every registered rule (or those whose id is in `only`), in report order; then, for a selected Go or Node
    client with its own files (--go-args / --node-args), the same rules on those files (clients.own_file_checks)."""
    wanted = None if only is None else frozenset(only)
    out: list[CheckResult] = []
    for spec in registered_rules():
        if wanted is not None and spec.id not in wanted:
            continue
        results = tuple(spec.check(ctx))
        check_declared(spec, results)
        out.extend(results)
    if wanted is None and ctx.material.clients:
        from .per_client import own_file_checks
        out.extend(own_file_checks(ctx, tuple(out)))
    if wanted is None and 2 in ctx.modes:
        from .chain import milvus_verifies_client
        out = list(milvus_verifies_client(ctx, tuple(out)))   # Milvus's Go verifying the client chain (mode 2)
    if wanted is None and ctx.request.clients:
        from .per_client import attribute
        return attribute(ctx, tuple(out))   # each cause counted for every client that enforces it
    return tuple(out)
