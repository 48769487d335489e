"""Deployment readers: milvus.yaml layers, Docker Compose, Kubernetes and the application's pymilvus arguments
become the same thing the command-line flags make: host paths per role, the configured tlsMode, and the findings
about the configuration itself (config.*, client.*).

    view = read_deployment(milvus_yaml=[...], compose=..., service=..., k8s=[...], pymilvus_args=...)
    view.paths            {Role: host path the doctor can read}
    view.client_explicit  roles the pymilvus arguments set
    view.tls_mode         the configured common.security.tlsMode (raw integer; may be invalid), None if unknown
    view.server_name, view.uri, view.findings, view.notes

Nothing here prints, exits or touches the network.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

from ..model import Finding, Role
from .common import DeploymentError

__all__ = ["DeploymentError", "DeploymentView", "read_deployment"]


@dataclass(frozen=True)
class DeploymentView:
    paths: Mapping[Role, str] = field(default_factory=dict)
    client_explicit: frozenset = frozenset()
    tls_mode: Optional[int] = None
    server_name: Optional[str] = None
    uri: Optional[str] = None
    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()
    container_paths: Mapping[Role, str] = field(default_factory=dict)   # what Milvus is configured with
    tempdir: Optional[str] = None       # private folder holding materialised Secret contents (removed at exit)
    client_exact: bool = False          # the client roles are exactly the application's arguments (no defaults)


def read_deployment(*, milvus_yaml: Sequence[str] = (), compose: Optional[str] = None, service: Optional[str] = None,
                    k8s: Sequence[str] = (), pymilvus_args: Optional[str] = None,
                    environ: Optional[Mapping[str, str]] = None) -> DeploymentView:
    """Read every deployment file given; raise DeploymentError only for files that cannot be used at all."""
    from .analyse import analyse
    return analyse(milvus_yaml=list(milvus_yaml or ()), compose=compose, service=service, k8s=list(k8s or ()),
                   pymilvus_args=pymilvus_args, environ=environ)
