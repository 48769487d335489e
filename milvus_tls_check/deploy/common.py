"""Shared pieces of the deployment readers: bounded text reads and YAML loading (the config/mount model they fill
is milvus_tls_check.facts.deployment; re-exported here).

Nothing here prints or exits. A file the user named that cannot be read or parsed raises DeploymentError (the CLI
turns it into a usage error, exit 2); everything about what the files *say* becomes a finding later.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import UsageError
from ..facts.deployment import (Layer, MilvusConfig, Mount, Resolved, Setting, as_text, container_abspath,  # noqa: F401
                                flatten, norm_key, resolve)

MAX_CONFIG_BYTES = 4 << 20  # a full milvus.yaml is ~60 KiB; a rendered Helm chart a few hundred KiB


class DeploymentError(UsageError):
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
