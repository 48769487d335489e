"""Shared pieces of the deployment readers: what a reader fills (`Draft`) and is given (`ReadRun`), bounded text
reads and YAML loading (the config/mount model they fill is milvus_tls_check.facts.deployment; re-exported here).

A reader is a module in deploy/ that declares its flags (`FLAGS`, read by facts/deploy_readers.py) and one function,

    def read_into(draft: Draft, given: Mapping[str, Any], run: ReadRun) -> None

called by deploy/read.py, in the readers' declared order, when any of its own options (`given`: its FLAGS' Options
fields -> values) has a value. It adds what its files say to the draft; read.py then makes the frozen
DeploymentFacts of it.

Nothing here prints or exits. A file the user named that cannot be read or parsed raises DeploymentError (the CLI
turns it into a usage error, exit 2); everything about what the files *say* becomes a finding later.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

import yaml

from ..errors import UsageError
from ..facts.fileio import Problem, ReadResult, read_bounded
from ..facts.yamlload import safe_load, safe_load_all
from ..facts.deployment import (ClientArgs, ComposeOrigin, HelmFacts, IngressFacts, K8sOrigin, Layer,  # noqa: F401
                                MilvusConfig, MilvusImage, Mount, Resolved, Setting, UnsafeEntry, as_text,
                                container_abspath, flatten, norm_key, resolve)

MAX_CONFIG_BYTES = 4 << 20  # a full milvus.yaml is ~60 KiB; a rendered Helm chart a few hundred KiB


class DeploymentError(UsageError):
    """A deployment file the user named cannot be used at all (missing, unreadable, not YAML/JSON)."""


@dataclass
class Draft:
    """What the readers have found so far; each adds to it in turn. deploy/read.py makes DeploymentFacts of it: the
    fields named as DeploymentFacts's are taken as they are (lists as tuples); the config and its paths follow."""

    layers: list[Layer] = field(default_factory=list)      # Milvus config layers, later wins
    mounts: list[Mount] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Milvus config files given on the host (--milvus-yaml): their folder is where relative paths are taken from
    # without mounts; Compose reads the config files it mounts only when there are none
    config_files: list[str] = field(default_factory=list)
    has_config: bool = False          # a Milvus configuration was read (tls.* paths and tlsMode are judged)
    mounted: bool = False             # container paths are mapped through `mounts`
    client: Optional[ClientArgs] = None
    compose: Optional[ComposeOrigin] = None
    k8s: Optional[K8sOrigin] = None
    image: Optional[MilvusImage] = None          # the first reader that names the Milvus image wins
    secret_files: dict[str, str] = field(default_factory=dict)
    helm: Optional[HelmFacts] = None
    ingresses: list[IngressFacts] = field(default_factory=list)
    unsafe_entries: list[UnsafeEntry] = field(default_factory=list)   # Kubernetes keys/paths refused
    etcd_servers: list = field(default_factory=list)   # facts.deployment.EtcdServer of the etcd services (links)
    s3_servers: list = field(default_factory=list)     # facts.deployment.S3Server (deploy/objectstore_service.py)
    # client kind -> clientkinds.TlsConfig: a tool's own TLS settings for the client kind it is built on (Attu's
    # environment -> "node", milvus-backup's backup.yaml -> "go"); request.py merges them like --node-args/--go-args
    # and a kind named here is selected. add_client_tls() adds one (a kind given twice is a DeploymentError).
    client_tls: dict = field(default_factory=dict)
    birdwatcher: Any = None    # facts.birdwatcher.BirdwatcherConnect (deploy/birdwatcher_args.py): its etcd link

    def add_client_tls(self, kind: str, cfg, flag: str) -> None:
        """A reader's client TLS inputs for `kind` (clientkinds.TlsConfig, its `source` the reader's flag)."""
        if kind in self.client_tls:
            raise DeploymentError(f"{flag}: the {kind} client's TLS settings were already given by "
                                  f"{self.client_tls[kind].source}; give one of them")
        self.client_tls[kind] = cfg


@dataclass(frozen=True)
class ReadRun:
    """What every reader of one run is given besides its own options."""

    # the doctor's environment: a reader takes from it only the variables the user named (--compose-env)
    environ: Mapping[str, str] = field(default_factory=dict)
    environment_names: frozenset = frozenset()   # every name set there (to say which variable was held back)
    # a deploy.SecretFolder the caller holds open for the whole run (files a reader writes must outlive the read)
    secrets: Any = None
    given: Mapping[str, Any] = field(default_factory=dict)   # every reader option's value, by Options field


def read_text(path: str, what: str, max_bytes: int = MAX_CONFIG_BYTES) -> str:
    """A deployment file's text: a regular file of at most `max_bytes`, read without ever blocking (a FIFO, a
    device such as /dev/zero, or a file swapped for one while it is opened is refused, never read)."""
    got = read_bounded(path, max_bytes, regular_only=True)
    if got.problem is not None:
        raise DeploymentError(f"{what} {path}: {_why_unusable(got)}")
    try:
        return got.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DeploymentError(f"{what} {path}: not UTF-8 text") from None


def read_optional_text(path: str, what: str, max_bytes: int = MAX_CONFIG_BYTES) -> Optional[str]:
    """As read_text, but None when the file does not exist (Compose's project .env, say)."""
    got = read_bounded(path, max_bytes, regular_only=True)
    if got.problem is not None and got.problem.absent:
        return None
    return read_text(path, what, max_bytes)


def _why_unusable(got: ReadResult) -> str:
    p = got.problem
    if p is not None and p.absent:
        return "no such file"
    if p in (Problem.TOO_LARGE, Problem.ENDLESS):
        return f"larger than {got.limit} bytes; not a deployment file"
    if p in (Problem.DIRECTORY, Problem.FIFO, Problem.SOCKET, Problem.SPECIAL):
        return f"not a regular file ({p.value}); not read"
    return f"cannot be read: {got.reason or (p.value if p else '')}"


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"{problem}{where}"


def load_yaml(text: str, label: str) -> Any:
    try:
        return safe_load(text)
    except yaml.YAMLError as exc:
        raise DeploymentError(f"{label}: not valid YAML: {_yaml_problem(exc)}") from None


def load_yaml_all(text: str, label: str) -> list[Any]:
    try:
        return [d for d in safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise DeploymentError(f"{label}: not valid YAML: {_yaml_problem(exc)}") from None
