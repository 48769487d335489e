"""The keyword arguments the application passes to MilvusClient / connections.connect, and what pymilvus does
with them (grpc_handler._setup_grpc_channel):

- TLS only when `secure=True` or the URI is https:// (the port then defaults to 443);
- server_pem_path set: one-way, that file is the root of trust, no client certificate is ever sent;
- else all three of client_pem_path, client_key_path, ca_pem_path: mutual TLS;
- anything else: grpc's default (system) roots and no client certificate.

Secrets (token, password, user) are read past and never repeated.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional
from urllib.parse import urlsplit

from .common import DeploymentError, read_text

TLS_KEYS = ("server_pem_path", "client_pem_path", "client_key_path", "ca_pem_path")
MUTUAL_KEYS = ("client_pem_path", "client_key_path", "ca_pem_path")


@dataclass(frozen=True)
class ClientArgs:
    raw_keys: tuple[str, ...]
    uri: Optional[str] = None
    host: Optional[str] = None
    port: Optional[str] = None
    secure_arg: Optional[bool] = None
    server_pem_path: Optional[str] = None
    client_pem_path: Optional[str] = None
    client_key_path: Optional[str] = None
    ca_pem_path: Optional[str] = None
    server_name: Optional[str] = None
    source: str = "--pymilvus-args"

    @property
    def scheme(self) -> str:
        if self.uri and "://" in self.uri:
            return urlsplit(self.uri).scheme.lower()
        return ""

    @property
    def secure(self) -> bool:
        return bool(self.secure_arg) or self.scheme == "https"

    @property
    def tls_paths(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in TLS_KEYS if getattr(self, k)}

    @property
    def trust(self) -> str:
        if self.server_pem_path:
            return "server_pem"
        if all(getattr(self, k) for k in MUTUAL_KEYS):
            return "mutual"
        return "system_roots"

    @property
    def address(self) -> Optional[tuple[str, str]]:
        if self.host:
            return self.host, str(self.port or "19530")
        if self.uri:
            parts = urlsplit(self.uri if "://" in self.uri else f"tcp://{self.uri}")
            try:
                port = parts.port
            except ValueError:
                port = None
            if parts.hostname:
                default = "443" if self.scheme == "https" else "19530"
                return parts.hostname, str(port or default)
        return None

    def effective_uri(self) -> Optional[str]:
        """The target as the doctor should dial it: https:// when pymilvus would use TLS."""
        addr = self.address
        if addr is None:
            return None
        host = f"[{addr[0]}]" if ":" in addr[0] else addr[0]
        return f"{'https' if self.secure else 'http'}://{host}:{addr[1]}"


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


def client_call(uri: str, kwargs: Mapping[str, Optional[str]]) -> str:
    """`MilvusClient(uri=..., ...)` as Python source; only TLS arguments, never credentials."""
    parts = [f"uri={json.dumps(uri)}"] + [f"{k}={json.dumps(v)}" for k, v in kwargs.items() if v]
    return f"MilvusClient({', '.join(parts)})"
