"""--pymilvus-args: the keyword arguments the application passes to MilvusClient / connections.connect, read into
facts.deployment.ClientArgs. What pymilvus does with them is facts.pymilvus (trust_of, the one URI parser).

Secrets (token, password, user) are read past and never repeated.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping, Optional

from ..facts.deployment import ClientArgs
from ..facts.pymilvus import MUTUAL_KEYWORDS, TLS_KEYWORDS
from .common import DeploymentError, read_text

TLS_KEYS = TLS_KEYWORDS      # old names, kept for the readers
MUTUAL_KEYS = MUTUAL_KEYWORDS


def _text(v: Any) -> Optional[str]:
    if v is None or v == "":
        return None
    return str(v)


def parse_args(value: str) -> ClientArgs:
    """JSON text, `@file.json`, or a path to a .json file."""
    source = "--pymilvus-args"
    text = value
    stripped = value.strip()
    if stripped.startswith("@"):
        source = stripped[1:]
        text = read_text(source, "--pymilvus-args")
    elif not stripped.startswith("{") and (stripped.endswith(".json") or os.path.isfile(stripped)):
        source = stripped
        text = read_text(stripped, "--pymilvus-args")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DeploymentError(f"--pymilvus-args: not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
                              "give the keyword arguments as a JSON object, e.g. "
                              "'{\"uri\": \"https://localhost:19530\", \"server_pem_path\": \"tls/server.pem\"}'") from None
    if not isinstance(data, Mapping):
        raise DeploymentError("--pymilvus-args: a JSON object of keyword arguments is needed")
    secure = data.get("secure")
    if isinstance(secure, str):
        secure = secure.strip().lower() in ("1", "true", "yes")
    return ClientArgs(
        raw_keys=tuple(sorted(str(k) for k in data)),
        uri=_text(data.get("uri") or data.get("address")),
        host=_text(data.get("host")), port=_text(data.get("port")),
        secure_arg=None if secure is None else bool(secure),
        server_pem_path=_text(data.get("server_pem_path")), client_pem_path=_text(data.get("client_pem_path")),
        client_key_path=_text(data.get("client_key_path")), ca_pem_path=_text(data.get("ca_pem_path")),
        server_name=_text(data.get("server_name")),
        source=source if source == "--pymilvus-args" else Path(source).name)
