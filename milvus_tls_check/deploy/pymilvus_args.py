"""--pymilvus-args: the keyword arguments the application passes to MilvusClient / connections.connect, read into
facts.deployment.ClientArgs. What pymilvus does with them is facts.pymilvus (trust_of, the one URI parser).

Secrets (token, password, user, and a user:password written into the URI) are never repeated: ClientArgs keeps
only whether they are there and the `authorization` metadata pymilvus would send (for the live probe), and the URI
without its user information.
"""
from __future__ import annotations

import difflib
import json
import os
from pathlib import Path
from typing import Any, Mapping, Optional

from ..facts.deployment import ClientArgs
from ..facts.pymilvus import MUTUAL_KEYWORDS, TLS_KEYWORDS, authorization, split_credentials
from .common import DeploymentError, Draft, ReadRun, read_text

# This reader's command-line flags, declared once (facts/deploy_readers.py reads them for the CLI, fleet files
# and request.py without importing this module: a literal only).
FLAGS = (
    {"order": 40, "option": "pymilvus_args", "flag": "--pymilvus-args", "trigger": True,
     "help": "JSON of the keyword arguments the application passes to MilvusClient"},
)

TLS_KEYS = TLS_KEYWORDS      # old names, kept for the readers

# The keyword arguments pymilvus's MilvusClient(...) and connections.connect(...) read (pymilvus 2.5/2.6:
# milvus_client.py, orm/connections.py, client/grpc_handler.py); anything else is silently ignored by pymilvus.
KNOWN_KEYWORDS = frozenset({
    "uri", "user", "password", "db_name", "token", "timeout",             # MilvusClient(...)
    "alias", "address", "host", "port", "secure", "keep_alive", "db", "_async", "_unbind_with_db",  # connect(...)
    "server_pem_path", "server_name", "client_pem_path", "client_key_path", "ca_pem_path",  # the grpc handler
    "grpc_options", "client_request_id", "dedicated",
})
MUTUAL_KEYS = MUTUAL_KEYWORDS


def _text(v: Any) -> Optional[str]:
    if v is None or v == "":
        return None
    return str(v)


def _unknown(key: str) -> str:
    close = difflib.get_close_matches(key, sorted(KNOWN_KEYWORDS), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"{key!r} is not a pymilvus keyword{hint}"


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
    unknown = sorted(str(k) for k in data if str(k) not in KNOWN_KEYWORDS)
    if unknown:
        raise DeploymentError("--pymilvus-args: " + "; ".join(_unknown(k) for k in unknown) +
                              ". pymilvus takes: " + ", ".join(sorted(k for k in KNOWN_KEYWORDS
                                                                     if not k.startswith("_"))))
    uri, uri_user, uri_password = _split_userinfo(_text(data.get("uri") or data.get("address")))
    user, password, token = _text(data.get("user")) or uri_user, _text(data.get("password")) or uri_password, \
        _text(data.get("token"))
    secure = data.get("secure")
    if isinstance(secure, str):
        secure = secure.strip().lower() in ("1", "true", "yes")
    return ClientArgs(
        raw_keys=tuple(sorted(str(k) for k in data)),
        uri=uri,
        host=_text(data.get("host")), port=_text(data.get("port")),
        secure_arg=None if secure is None else bool(secure),
        server_pem_path=_text(data.get("server_pem_path")), client_pem_path=_text(data.get("client_pem_path")),
        client_key_path=_text(data.get("client_key_path")), ca_pem_path=_text(data.get("ca_pem_path")),
        server_name=_text(data.get("server_name")),
        source=source if source == "--pymilvus-args" else Path(source).name,
        has_token=bool(token), has_user=bool(user), has_password=bool(password),
        authorization=authorization(user, password, token))


def _split_userinfo(uri: Optional[str]) -> tuple[Optional[str], Optional[str], Optional[str]]:
    """`https://root:Milvus@host:19530` -> ("https://host:19530", "root", "Milvus"): pymilvus takes credentials
    from the URI too; the doctor keeps the URI without them (it appears in messages)."""
    return split_credentials(uri) if uri else (uri, None, None)


def read_into(draft: Draft, given: Mapping[str, Any], run: ReadRun) -> None:
    draft.client = parse_args(given["pymilvus_args"])
