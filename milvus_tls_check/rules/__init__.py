"""Static rules: small pure functions (Context) -> CheckResults. Nothing here touches the network.

Each module is one family; RULES lists them in report order. A new check is one function here and one
catalogue entry in codes.py.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Optional

from ..model import CheckResult, ClientParams, Finding, LoadedFile, Material, Request, Role, Severity, Status


@dataclass(frozen=True)
class Context:
    request: Request
    material: Material
    modes: tuple[int, ...]
    at: dt.datetime
    deployment: Optional[Any] = None   # facts.deployment.DeploymentFacts when deployment files were given

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


_REGISTRY: list[RuleSpec] = []


def rule(rule_id: str, *, codes: Iterable[str]) -> Callable[[Rule], Rule]:
    """Register a rule. Import order of the rule modules (registered_rules) is report order."""
    def register(fn: Rule) -> Rule:
        unknown = [c for c in codes if c not in _catalogue()]
        if unknown:
            raise KeyError(f"rule {rule_id} declares uncatalogued codes {unknown}")
        _REGISTRY.append(RuleSpec(rule_id, frozenset(codes), fn))
        return fn
    return register


def _catalogue():
    from ..codes import CATALOGUE
    return CATALOGUE


def registered_rules() -> tuple[RuleSpec, ...]:
    from . import algorithms, chain, client, files, keys, names, usage, validity  # noqa: F401 (they register)
    try:
        from . import config  # noqa: F401
    except ImportError:
        pass
    return tuple(_REGISTRY)


def all_rules() -> tuple[Rule, ...]:
    # Transitional: the legacy list until every rule module registers itself with @rule.
    from . import algorithms, chain, client, files, keys, names, usage, validity
    legacy = (files.check_files, keys.check_key_pairs, keys.check_key_strength, keys.check_key_permissions,
              validity.check_validity, chain.check_chains, names.check_server_name, usage.check_usage,
              algorithms.check_signatures, client.check_client_params)
    registered = tuple(spec.check for spec in registered_rules())
    return tuple(r for r in registered if r not in legacy) + legacy


def run_rules(ctx: Context) -> tuple[CheckResult, ...]:
    out: list[CheckResult] = []
    for check in all_rules():
        out.extend(check(ctx))
    return tuple(out)
