"""Static rules: small pure functions (Context) -> CheckResults. Nothing here touches the network.

Each module is one family; RULES lists them in report order. A new check is one function here and one
catalogue entry in codes.py.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Optional

from ..model import CheckResult, ClientParams, Finding, LoadedFile, Material, Request, Role, Severity, Status


@dataclass(frozen=True)
class Context:
    request: Request
    material: Material
    modes: tuple[int, ...]
    at: dt.datetime

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


def all_rules() -> tuple[Rule, ...]:
    from . import algorithms, chain, client, files, keys, names, usage, validity
    return (files.check_files, keys.check_key_pairs, keys.check_key_strength, keys.check_key_permissions,
            validity.check_validity, chain.check_chains, names.check_server_name, usage.check_usage,
            algorithms.check_signatures, client.check_client_params)


def run_rules(ctx: Context) -> tuple[CheckResult, ...]:
    out: list[CheckResult] = []
    for rule in all_rules():
        out.extend(rule(ctx))
    return tuple(out)
