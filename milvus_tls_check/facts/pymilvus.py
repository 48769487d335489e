"""The pymilvus client model, written once: which keyword arguments select which channel, and how a URI is read.

pymilvus (grpc_handler._setup_grpc_channel, ConnectionConfig.from_uri):
- TLS only when `secure=True` or the URI is https:// (the port then defaults to 443);
- server_pem_path set: one-way, that file is the root of trust, no client certificate is ever sent;
- else all three of client_pem_path, client_key_path, ca_pem_path: mutual TLS;
- anything else: grpc's default (system) roots and no client certificate.
"""
from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Optional
from urllib.parse import unquote, urlsplit

TLS_KEYWORDS = ("server_pem_path", "client_pem_path", "client_key_path", "ca_pem_path")
MUTUAL_KEYWORDS = ("client_pem_path", "client_key_path", "ca_pem_path")
DEFAULT_PORT = 19530
HTTPS_PORT = 443

# The channel pymilvus builds: see trust_of.
TRUST_SERVER_PEM = "server_pem"
TRUST_MUTUAL = "mutual"
TRUST_SYSTEM_ROOTS = "system_roots"


def trust_of(server_pem_path: Optional[str], client_pem_path: Optional[str], client_key_path: Optional[str],
             ca_pem_path: Optional[str]) -> str:
    """What pymilvus actually does with these arguments.

    "server_pem": one-way, the server_pem_path file is the root of trust, no client cert is sent.
    "mutual": all three of client cert, key and ca are set; the client cert is sent.
    "system_roots": anything else; grpc's default roots, no client cert.
    """
    if server_pem_path:
        return TRUST_SERVER_PEM
    if client_pem_path and client_key_path and ca_pem_path:
        return TRUST_MUTUAL
    return TRUST_SYSTEM_ROOTS


@dataclass(frozen=True)
class ClientParams:
    """The TLS keyword arguments pymilvus receives, as paths (None = not passed)."""

    server_pem_path: Optional[str] = None
    client_pem_path: Optional[str] = None
    client_key_path: Optional[str] = None
    ca_pem_path: Optional[str] = None
    server_name: Optional[str] = None

    @property
    def trust(self) -> str:
        return trust_of(self.server_pem_path, self.client_pem_path, self.client_key_path, self.ca_pem_path)

    @property
    def root_path(self) -> Optional[str]:
        return {TRUST_SERVER_PEM: self.server_pem_path, TRUST_MUTUAL: self.ca_pem_path}.get(self.trust)

    @property
    def sends_client_cert(self) -> bool:
        return self.trust == TRUST_MUTUAL

    def as_kwargs(self) -> dict[str, str]:
        return {k: v for k, v in (
            ("server_pem_path", self.server_pem_path), ("client_pem_path", self.client_pem_path),
            ("client_key_path", self.client_key_path), ("ca_pem_path", self.ca_pem_path),
            ("server_name", self.server_name)) if v}


@dataclass(frozen=True)
class Target:
    uri: str
    host: str
    port: int
    secure: bool

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"   # as pymilvus joins them (ConnectionConfig.from_uri)


class BadUri(ValueError):
    pass


# `user:password@` (with or without a scheme: everything before the last @ of the authority) and query parameters
# that carry a secret. Written without urlsplit so a URI that does not parse is cleaned too.
_USERINFO = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)?(?P<userinfo>[^/?#]*)@")
_SECRET_QUERY = re.compile(r"(?P<key>[?&;](?:token|password|passwd|pwd|secret|api[_-]?key|access[_-]?token|"
                           r"auth|authorization)=)[^&;#]*", re.I)
REDACTED = "***"


def split_credentials(uri: str) -> tuple[str, Optional[str], Optional[str]]:
    """`https://root:Milvus@host:19530` -> ("https://host:19530", "root", "Milvus") (percent-decoded; None when not
    there). The URI part is what the doctor may show or pass on; secret query values (token=...) become ***."""
    user = password = None
    found = _USERINFO.match(uri)
    if found:
        name, _, secret = found.group("userinfo").partition(":")
        user, password = unquote(name) or None, unquote(secret) or None
        uri = (found.group("scheme") or "") + uri[found.end():]
    return _SECRET_QUERY.sub(lambda m: m.group("key") + REDACTED, uri), user, password


def redact_uri(uri: Optional[str]) -> Optional[str]:
    """The URI without `user:password@` or secret query values: the only form a URI is printed in, put in a
    report, an error or a child process's command line."""
    return split_credentials(uri)[0] if uri else uri


def authorization(user: Optional[str], password: Optional[str], token: Optional[str]) -> str:
    """The `authorization` metadata pymilvus sends (grpc_handler: base64 of "user:password", else of the token)."""
    if user and password:
        raw = f"{user}:{password}"
    elif token:
        raw = token
    else:
        return ""
    return base64.b64encode(raw.encode("utf-8")).decode("ascii")


def parse_uri(uri: str) -> Target:
    """pymilvus 3.x ConnectionConfig.from_uri: http/https/tcp; host defaults to localhost; port 443 for https
    without one, else 19530; https:// alone turns TLS on. Messages name the URI without its credentials."""
    shown = redact_uri(uri)
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError as exc:
        raise BadUri(f"pymilvus rejects the URI {shown!r}: {str(exc).replace(uri, shown)}")
    if parts.scheme.lower() not in ("http", "https", "tcp"):
        raise BadUri(f"pymilvus rejects the URI {shown!r}: it must start with http://, https:// or tcp:// "
                     "(unix: sockets and .db files are not TLS)")
    host = parts.hostname or "localhost"
    secure = parts.scheme == "https"
    return Target(uri, host, port or (HTTPS_PORT if secure else DEFAULT_PORT), secure)


def uri_host(uri: Optional[str]) -> Optional[str]:
    """The host an application's URI dials (the name grpc checks when no server_name is given); lenient."""
    if not uri:
        return None
    try:
        return urlsplit(uri if "://" in uri else f"tcp://{uri}").hostname
    except ValueError:
        return None
