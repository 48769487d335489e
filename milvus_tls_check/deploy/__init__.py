"""Deployment readers: milvus.yaml layers, Docker Compose, Kubernetes and the application's pymilvus arguments
become facts (milvus_tls_check.facts.deployment.DeploymentFacts). They return no findings and parse no
certificates: the config.* and client.* rules judge the facts in the one rule pass.

A reader is one module here that declares `FLAGS` (its flags, Options fields and fleet keys) and
`read_into(draft, given, run)` (deploy/common.py); read.py calls each reader whose options were given, in order.

    with SecretFolder() as secrets:                       # Secret contents live there for the run
        facts = read_deployment_facts(milvus_yaml=[...], compose=..., service=..., k8s=[...],
                                      pymilvus_args=..., secrets=secrets, environ=os.environ)
        paths, client_explicit, client_exact, tls_mode, server_name = deployment_paths(facts)
        ... run the doctor with Context(deployment=facts) ...
        notes = deployment_notes(facts, server_cert=<loaded server leaf or None>)

Nothing here prints, exits or touches the network.
"""
from __future__ import annotations

from .common import DeploymentError
from .derive import DeploymentPaths, client_call, client_call_notes, container_paths, deployment_notes, deployment_paths
from .k8s import SecretFolder
from .read import read_deployment_facts

__all__ = ["DeploymentError", "DeploymentPaths", "SecretFolder", "client_call",
           "client_call_notes", "container_paths", "deployment_notes", "deployment_paths",
           "read_deployment_facts"]
