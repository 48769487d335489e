"""The readers together: milvus.yaml layers, Compose, Kubernetes and --pymilvus-args -> DeploymentFacts.

Facts only: no findings, no parsed certificates. A file that cannot be used at all raises DeploymentError.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Optional, Sequence

from ..facts.deployment import (DEFAULTS, INTERNAL_PATH_KEYS, TLS_PATH_KEYS, ComposeOrigin, DeploymentFacts,
                                K8sOrigin, Layer, MilvusConfig, MilvusImage, Mount, PathFact, container_abspath,
                                effective, image_tag, resolve, tls_mode)
from .common import DeploymentError, read_text
from .k8s import SecretFolder
from .milvus_yaml import parse_config_text, read_layers
from .pymilvus_args import parse_args


def _workdir_guess(files: Sequence[str]) -> Optional[Path]:
    if not files:
        return None
    folder = Path(files[0]).resolve().parent
    return folder.parent if folder.name == "configs" else folder


def _path_fact(config: MilvusConfig, key: str, mounted: bool, mounts: Sequence[Mount],
               workdir: Optional[Path]) -> PathFact:
    eff = effective(config, key)
    text = eff.text or DEFAULTS.get(key, "")
    container = container_abspath(text)
    if not mounted:
        p = Path(text)
        host = str(p if p.is_absolute() else (workdir or Path.cwd()) / p)
        return PathFact(key, eff, container, None, host)
    r = resolve(mounts, container)
    return PathFact(key, eff, container, r, r.host)


def read_deployment_facts(*, milvus_yaml: Sequence[str] = (), compose: Optional[str] = None,
                          service: Optional[str] = None, k8s: Sequence[str] = (),
                          pymilvus_args: Optional[str] = None, environ: Optional[Mapping[str, str]] = None,
                          environment_names: frozenset = frozenset(),
                          secrets: Optional[SecretFolder] = None) -> DeploymentFacts:
    """Read every deployment file given. With `k8s`, Secret contents are materialised into `secrets`, which the
    caller closes when the run is over (required then: the files must outlive this call). `environ`: the variables
    Compose interpolation may use (only those the user named); `environment_names`: the names set in the
    environment (for the note on a variable held back)."""
    milvus_yaml, k8s = list(milvus_yaml or ()), list(k8s or ())
    notes: list[str] = []
    args = parse_args(pymilvus_args) if pymilvus_args else None
    layers: list[Layer] = read_layers(milvus_yaml)
    mounts: list[Mount] = []
    compose_origin = k8s_origin = image = None
    if service and not compose:
        raise DeploymentError("--service needs --compose")
    if compose:
        from .compose import read_compose
        cv = read_compose(compose, service, environ or {}, environment_names)
        mounts += cv.mounts
        notes += cv.notes
        compose_origin = ComposeOrigin(cv.file, cv.service, cv.grpc_port, cv.serves_443)
        if cv.image:
            image = MilvusImage(cv.image, image_tag(cv.image), f"image of service {cv.service} ({Path(compose).name})")
        if not milvus_yaml:
            for container, host in cv.config_files:
                layers.append(Layer(f"{Path(host).name} mounted at {container}",
                                    parse_config_text(read_text(host, "Compose config file"), host)))
            if cv.config_files:
                notes.append("Compose: read the config service " f"{cv.service} mounts: " +
                             ", ".join(f"{h} at {c}" for c, h in cv.config_files))
            else:
                notes.append(f"Compose: service {cv.service} mounts no milvus.yaml/user.yaml, so Milvus runs with the "
                             "image's built-in configs/milvus.yaml (tlsMode 0) plus its environment")
        if cv.env is not None:
            layers.append(cv.env)
    if k8s:
        if secrets is None:
            raise ValueError("read_deployment_facts(k8s=...) needs a SecretFolder the caller closes after the run")
        from .k8s import read_k8s
        kv = read_k8s(k8s, secrets)
        mounts += kv.mounts
        layers += kv.layers
        notes += kv.notes
        k8s_origin = K8sOrigin(tuple(k8s), kv.pod, kv.tempdir, cluster=kv.cluster, layout=kv.layout)
        if kv.image and image is None:
            image = MilvusImage(kv.image, image_tag(kv.image), kv.image_source)
        if kv.tempdir:
            notes.append("Kubernetes: Secret and ConfigMap contents were copied into a private temporary folder (0700, "
                         "keys 0600) for this run only and are removed at exit; key material is never printed")
        if kv.workload:
            notes.append(f"Kubernetes: checked {kv.pod}")
    secret_files = dict(kv.secret_files) if k8s else {}
    k8s_workload = bool(k8s) and kv.workload
    has_config = bool(milvus_yaml or compose or k8s_workload)
    mounted = bool(compose or k8s_workload)
    config = MilvusConfig(tuple(layers))
    workdir = _workdir_guess(milvus_yaml)
    paths = {key: _path_fact(config, key, mounted, mounts, workdir) for key in TLS_PATH_KEYS + INTERNAL_PATH_KEYS} \
        if has_config else {}
    return DeploymentFacts(config=config, has_config=has_config, mounted=mounted, mounts=tuple(mounts), paths=paths,
                           tls_mode=tls_mode(config) if has_config else None, client=args, compose=compose_origin,
                           k8s=k8s_origin, image=image, workdir_host=str(workdir) if workdir else None,
                           notes=tuple(notes), secret_files=secret_files,
                           helm=kv.helm if k8s else None, ingresses=tuple(kv.ingresses) if k8s else (),
                           unsafe_entries=tuple(kv.unsafe) if k8s else ())
