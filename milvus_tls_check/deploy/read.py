"""The readers together: each module in deploy/ that declares `FLAGS` is a reader (milvus.yaml layers, Compose,
Kubernetes, --pymilvus-args, ...); its `read_into` adds what its files say to one Draft, in the readers' declared
order, and the draft becomes the frozen DeploymentFacts.

Facts only: no findings, no parsed certificates. A file that cannot be used at all raises DeploymentError.
"""
from __future__ import annotations

import importlib
from dataclasses import fields
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from ..facts.deploy_readers import ReaderFlag, reader_flags
from ..facts.deployment import (DEFAULTS, INTERNAL_PATH_KEYS, TLS_PATH_KEYS, DeploymentFacts, MilvusConfig, Mount,
                                PathFact, container_abspath, effective, resolve, tls_mode)
from ..facts.etcdlink import PATH_KEYS as ETCD_PATH_KEYS
from .common import Draft, ReadRun


def readers() -> tuple[tuple[str, tuple[ReaderFlag, ...]], ...]:
    """(module name, its flags) for each reader in deploy/, in declared order (a reader's first flag's order)."""
    by_reader: dict[str, list[ReaderFlag]] = {}
    for flag in reader_flags():          # already in declared order
        by_reader.setdefault(flag.reader, []).append(flag)
    return tuple((name, tuple(flags)) for name, flags in by_reader.items())


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


def read_deployment_facts(*, environ: Optional[Mapping[str, str]] = None,
                          environment_names: Optional[frozenset] = None, secrets=None,
                          **given: Any) -> DeploymentFacts:
    """Read every deployment file given. `given`: reader options by Options field (milvus_yaml=[...], compose=...,
    service=..., k8s=[...], pymilvus_args=..., and whatever another reader declares); an unknown one is a
    TypeError. `environ`: the doctor's environment (a reader takes only the variables the user named, e.g. with
    compose_env); `environment_names`: the names set there (default: environ's). `secrets`: a deploy.SecretFolder
    the caller closes when the run is over (required with Kubernetes files: the Secret contents written there must
    outlive this call)."""
    flags = reader_flags()
    unknown = sorted(set(given) - {f.option for f in flags})
    if unknown:
        raise TypeError(f"read_deployment_facts: no reader declares {', '.join(unknown)}")
    values = {f.option: tuple(given.get(f.option) or ()) if f.repeatable else given.get(f.option) for f in flags}
    environ = dict(environ or {})
    run = ReadRun(environ=environ, environment_names=frozenset(environ) if environment_names is None
                  else environment_names, secrets=secrets, given=values)
    draft = Draft()
    for name, own_flags in readers():
        own = {f.option: values[f.option] for f in own_flags}
        if any(own.values()):
            module = importlib.import_module(f"{__package__}.{name}")
            read_into = getattr(module, "read_into", None)
            if read_into is None:
                raise TypeError(f"deploy/{name}.py declares FLAGS but no read_into(draft, given, run)")
            read_into(draft, own, run)
    return facts_of(draft)


def facts_of(draft: Draft) -> DeploymentFacts:
    """The frozen facts: the draft's fields by name (lists as tuples), the config and what follows from it."""
    config = MilvusConfig(tuple(draft.layers))
    workdir = _workdir_guess(draft.config_files)
    paths = {key: _path_fact(config, key, draft.mounted, draft.mounts, workdir)
             for key in TLS_PATH_KEYS + INTERNAL_PATH_KEYS} if draft.has_config else {}
    if draft.has_config:   # the etcd link's files (facts/etcdlink.py), only where they are set
        paths.update({key: _path_fact(config, key, draft.mounted, draft.mounts, workdir)
                      for key in ETCD_PATH_KEYS if config.get(key) is not None})
    if draft.has_config:   # the TiKV link's files (facts/modelledlinks.py), only where they are set
        from ..facts.modelledlinks import TIKV_PATH_KEYS
        paths.update({key: _path_fact(config, key, draft.mounted, draft.mounts, workdir)
                      for key in TIKV_PATH_KEYS if config.get(key) is not None})
    if draft.has_config:   # the replication link's files (tls.clusters.<id>.*, facts/modelledlinks.py), where set
        from ..facts.modelledlinks import CLUSTER_PATH_LEAVES, replication_clusters
        for cluster in replication_clusters(config):
            paths.update({cluster.key(leaf): _path_fact(config, cluster.key(leaf), draft.mounted, draft.mounts,
                                                        workdir)
                          for leaf in CLUSTER_PATH_LEAVES if cluster.text(leaf)})
    if draft.has_config:   # the object-storage link's trust files (facts/objectstore.py), only when it is in play
        from ..facts import objectstore
        if objectstore.says_tls(config, draft.s3_servers):
            paths.update({key: _path_fact(config, key, draft.mounted, draft.mounts, workdir)
                          for key in (objectstore.CA_KEY, objectstore.ENV_KEY) if config.get(key) is not None})
            paths[objectstore.BUNDLE_KEY] = objectstore.bundle_fact(draft.mounted, draft.mounts)
    found = {f.name: getattr(draft, f.name) for f in fields(DeploymentFacts) if hasattr(draft, f.name)}
    found = {name: tuple(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v
             for name, v in found.items()}
    return DeploymentFacts(**found, config=config, paths=paths, tls_mode=tls_mode(config) if draft.has_config else None,
                           workdir_host=str(workdir) if workdir else None)
