"""Shared pieces of the deployment readers: YAML loading, config layers, container mounts.

Nothing here prints or exits. A file the user named that cannot be read or parsed raises DeploymentError (the CLI
turns it into a usage error, exit 2); everything about what the files *say* becomes a finding later.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

import yaml

try:  # the CLI maps its UsageError to exit 2; be one when the CLI is there
    from ..cli import UsageError as _UsageBase
except Exception:  # pragma: no cover - cli always importable in this package
    _UsageBase = ValueError

MAX_CONFIG_BYTES = 4 << 20  # a full milvus.yaml is ~60 KiB; a rendered Helm chart a few hundred KiB


class DeploymentError(_UsageBase):
    """A deployment file the user named cannot be used at all (missing, unreadable, not YAML/JSON)."""


def read_text(path: str, what: str) -> str:
    p = Path(path)
    try:
        if not p.is_file():
            raise DeploymentError(f"{what} {path}: no such file")
        if p.stat().st_size > MAX_CONFIG_BYTES:
            raise DeploymentError(f"{what} {path}: larger than {MAX_CONFIG_BYTES} bytes; not a deployment file")
        return p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise DeploymentError(f"{what} {path}: cannot be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise DeploymentError(f"{what} {path}: not UTF-8 text") from None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"{problem}{where}"


def load_yaml(text: str, label: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DeploymentError(f"{label}: not valid YAML: {_yaml_problem(exc)}") from None


def load_yaml_all(text: str, label: str) -> list[Any]:
    try:
        return [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise DeploymentError(f"{label}: not valid YAML: {_yaml_problem(exc)}") from None


# --- milvus configuration ---------------------------------------------------------------------------------

def norm_key(key: str) -> str:
    """Milvus's config.formatKey: lower case, '.', '_' and '/' removed. yaml keys and env names meet here."""
    return key.lower().replace("/", "").replace("_", "").replace(".", "")


@dataclass(frozen=True)
class Layer:
    """One source of Milvus settings: a yaml file, an Operator CR's spec.config, Helm's user.yaml, a container's env."""

    label: str                       # where it came from, for messages ("milvus.yaml", "env of service standalone")
    data: Mapping[str, Any]          # nested mapping as written (env: flat NAME -> value)
    env: bool = False                # True: flat environment variables (highest precedence in Milvus)


@dataclass(frozen=True)
class Setting:
    key: str        # as written, dotted (e.g. "common.tls.serverPemPath" or "COMMON_SECURITY_TLSMODE")
    value: Any
    source: str     # the layer's label
    env: bool = False


def flatten(data: Any, prefix: str = "") -> Iterable[tuple[str, Any]]:
    """Nested mapping -> dotted keys. Dotted flat keys (`common.security.tlsMode: 1`) come out the same way."""
    if not isinstance(data, Mapping):
        return
    for k, v in data.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, Mapping) and v:
            yield from flatten(v, key)
        else:
            yield key, v


def as_text(value: Any) -> str:
    """How Milvus sees a yaml scalar: everything is a string in its paramtable."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass
class MilvusConfig:
    """The layered configuration: later layers override earlier ones, environment variables override files."""

    layers: list[Layer] = field(default_factory=list)

    def settings(self) -> list[Setting]:
        """Every key from every layer, in precedence order (lowest first)."""
        out: list[Setting] = []
        ordered = [l for l in self.layers if not l.env] + [l for l in self.layers if l.env]
        for layer in ordered:
            if layer.env:
                out.extend(Setting(k, v, layer.label, True) for k, v in layer.data.items())
            else:
                out.extend(Setting(k, v, layer.label) for k, v in flatten(layer.data))
        return out

    def get(self, key: str) -> Optional[Setting]:
        wanted = norm_key(key)
        found = None
        for s in self.settings():
            if norm_key(s.key) == wanted:
                found = s
        return found

    def text(self, key: str, default: str = "") -> str:
        s = self.get(key)
        return as_text(s.value) if s is not None else default

    @property
    def empty(self) -> bool:
        return not self.layers


# --- mounts ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Mount:
    """A container path and what provides it on the host (a bind-mounted folder, a materialised Secret...)."""

    target: str                          # container path (absolute, posix)
    host: Optional[str]                  # host file or folder; None when the doctor cannot read the source
    origin: str                          # human description, e.g. "volume ./tls:/milvus/tls of service standalone"
    is_file: bool = False                # the mount provides exactly one file (subPath, file bind, compose secret)
    entries: Optional[Mapping[str, str]] = None   # Secret/ConfigMap volumes: relative path -> "key K of Secret S"
    unreadable: str = ""                 # why the doctor cannot read it (named volume, Secret not in the files)


@dataclass(frozen=True)
class Resolved:
    container: str
    mount: Optional[Mount]
    host: Optional[str]         # host path the doctor can read (may not exist: then material reports it)
    missing: str = ""           # non-empty: the mount exists but does not provide this file (why)

    @property
    def provided(self) -> bool:
        return self.mount is not None and not self.missing


def container_abspath(path: str, workdir: str = "/milvus") -> str:
    """Milvus resolves relative tls paths against its working directory (/milvus in the official image)."""
    p = path if path.startswith("/") else posixpath.join(workdir, path)
    return posixpath.normpath(p)


def resolve(mounts: Iterable[Mount], container_path: str) -> Resolved:
    """The mount that provides a container path: the longest target that is the path or one of its parents."""
    path = posixpath.normpath(container_path)
    best: Optional[Mount] = None
    for m in mounts:
        t = posixpath.normpath(m.target)
        hit = path == t if m.is_file else (path == t or path.startswith(t.rstrip("/") + "/"))
        if hit and (best is None or len(t) > len(posixpath.normpath(best.target))):
            best = m
    if best is None:
        return Resolved(path, None, None)
    rel = posixpath.relpath(path, posixpath.normpath(best.target))
    if best.entries is not None:   # a Secret/ConfigMap volume: only its keys (or items) exist there
        if best.is_file and best.host is None:
            return Resolved(path, best, None, missing=best.unreadable or f"{best.origin} provides nothing there")
        if not best.is_file and rel not in best.entries:
            keys = ", ".join(sorted(best.entries)) or "nothing"
            return Resolved(path, best, None, missing=f"{best.origin} provides {keys}, not {rel}")
    if best.unreadable or best.host is None:
        return Resolved(path, best, None)
    host = best.host if (best.is_file or rel == ".") else str(Path(best.host) / rel)
    return Resolved(path, best, host)
