"""milvus.yaml / user.yaml: read the files into config layers.

What the layers mean (defaults, key matching, the effective value of a setting, tlsMode, misnested keys) is
milvus_tls_check.facts.deployment; the names are re-exported here for the readers.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from ..facts.deployment import (DEFAULTS, INTERNAL_PATH_KEYS, KNOWN_TLS_KEYS, LEGACY_KEY, TLS_PATH_KEYS,  # noqa: F401
                                Effective, TlsMode, effective, misnested, parse_bool, tls_mode)
from .common import DeploymentError, Draft, Layer, ReadRun, load_yaml, read_text

# This reader's command-line flags, declared once (facts/deploy_readers.py reads them for the CLI, fleet files
# and request.py without importing this module: a literal only).
FLAGS = (
    {"order": 10, "option": "milvus_yaml", "flag": "--milvus-yaml", "repeatable": True, "path": True, "trigger": True,
     "help": "milvus.yaml / user.yaml (repeatable; later wins)"},
)


def parse_config_text(text: str, label: str) -> Mapping[str, Any]:
    data = load_yaml(text, label)
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise DeploymentError(f"{label}: a Milvus config file is a YAML mapping, not {type(data).__name__}")
    return data


def read_layers(paths: Iterable[str]) -> list[Layer]:
    return [Layer(p, parse_config_text(read_text(p, "--milvus-yaml"), p)) for p in paths]


def read_into(draft: Draft, given: Mapping[str, Any], run: ReadRun) -> None:
    """--milvus-yaml: each file a config layer, in the order given (later wins)."""
    files = list(given["milvus_yaml"])
    draft.layers += read_layers(files)
    draft.config_files += files
    draft.has_config = True
