"""Shared pieces of the deployment readers: bounded text reads and YAML loading (the config/mount model they fill
is milvus_tls_check.facts.deployment; re-exported here).

Nothing here prints or exits. A file the user named that cannot be read or parsed raises DeploymentError (the CLI
turns it into a usage error, exit 2); everything about what the files *say* becomes a finding later.
"""
from __future__ import annotations

from typing import Any, Optional

import yaml

from ..errors import UsageError
from ..facts.fileio import Problem, ReadResult, read_bounded
from ..facts.yamlload import safe_load, safe_load_all
from ..facts.deployment import (Layer, MilvusConfig, Mount, Resolved, Setting, as_text, container_abspath,  # noqa: F401
                                flatten, norm_key, resolve)

MAX_CONFIG_BYTES = 4 << 20  # a full milvus.yaml is ~60 KiB; a rendered Helm chart a few hundred KiB


class DeploymentError(UsageError):
    """A deployment file the user named cannot be used at all (missing, unreadable, not YAML/JSON)."""


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
