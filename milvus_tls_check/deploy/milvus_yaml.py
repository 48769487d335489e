"""milvus.yaml / user.yaml: read the files into layers, and the settings the doctor needs out of them.

Milvus reads configs/milvus.yaml, then default.yaml, then user.yaml (later wins), then environment variables.
Keys are matched the way Milvus matches them (config.formatKey: case-insensitive, '.', '_', '/' ignored), so
nested keys and dotted flat keys (`common.security.tlsMode: 1`) both count.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional

from .common import DeploymentError, Layer, MilvusConfig, Setting, as_text, load_yaml, norm_key, read_text

# What the official image's configs/milvus.yaml ships (and Milvus's paramtable defaults).
DEFAULTS = {
    "common.security.tlsMode": "0",
    "tls.serverPemPath": "configs/cert/server.pem",
    "tls.serverKeyPath": "configs/cert/server.key",
    "tls.caPemPath": "configs/cert/ca.pem",
    "common.security.internaltlsEnabled": "false",
    "internaltls.serverPemPath": "configs/cert/server.pem",
    "internaltls.serverKeyPath": "configs/cert/server.key",
    "internaltls.caPemPath": "configs/cert/ca.pem",
    "internaltls.sni": "",
    "proxy.port": "19530",
    "proxy.http.enabled": "true",     # 2.4+: the REST server is on by default
    "proxy.http.port": "",            # empty: REST shares the gRPC port
}

TLS_PATH_KEYS = ("tls.serverPemPath", "tls.serverKeyPath", "tls.caPemPath")
INTERNAL_PATH_KEYS = ("internaltls.serverPemPath", "internaltls.serverKeyPath", "internaltls.caPemPath")
KNOWN_TLS_KEYS = TLS_PATH_KEYS + INTERNAL_PATH_KEYS + (
    "internaltls.sni", "common.security.tlsMode", "common.security.internaltlsEnabled")
_KNOWN_NORM = {norm_key(k): k for k in KNOWN_TLS_KEYS}
# the last segment of a TLS key -> where Milvus reads it
_LEAVES = {"serverpempath": "serverPemPath", "serverkeypath": "serverKeyPath", "capempath": "caPemPath",
           "tlsmode": "tlsMode", "sni": "sni", "internaltlsenabled": "internaltlsEnabled"}
LEGACY_KEY = "common.security.tlsEnabled"

_INT = re.compile(r"^[+-]?\d+$")
_TRUE = {"1", "t", "true"}
_FALSE = {"0", "f", "false"}


def parse_config_text(text: str, label: str) -> Mapping[str, Any]:
    data = load_yaml(text, label)
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise DeploymentError(f"{label}: a Milvus config file is a YAML mapping, not {type(data).__name__}")
    return data


def read_layers(paths: Iterable[str]) -> list[Layer]:
    return [Layer(p, parse_config_text(read_text(p, "--milvus-yaml"), p)) for p in paths]


def parse_bool(text: str) -> Optional[bool]:
    """Go's strconv.ParseBool (what paramtable's GetAsBool uses); None when it would fail."""
    t = text.strip().lower()
    return True if t in _TRUE else False if t in _FALSE else None


@dataclass(frozen=True)
class Effective:
    """One setting as Milvus will see it: value (text), and where it came from (None: the default)."""

    key: str
    text: str
    setting: Optional[Setting]

    @property
    def source(self) -> str:
        return self.setting.source if self.setting else "Milvus's default"

    @property
    def written_as(self) -> str:
        return self.setting.key if self.setting else self.key


def effective(config: MilvusConfig, key: str) -> Effective:
    s = config.get(key)
    return Effective(key, as_text(s.value) if s is not None else DEFAULTS.get(key, ""), s)


@dataclass(frozen=True)
class TlsMode:
    raw: Effective
    value: Optional[int]     # the integer Milvus parses; None when it is not an integer

    @property
    def valid(self) -> bool:
        return self.value in (0, 1, 2)


def tls_mode(config: MilvusConfig) -> TlsMode:
    eff = effective(config, "common.security.tlsMode")
    text = eff.text
    value: Optional[int] = int(text) if _INT.match(text) else None
    return TlsMode(eff, value)


def misnested(config: MilvusConfig) -> list[tuple[Setting, str]]:
    """Settings that look like TLS keys but sit where Milvus never reads them, with the key it does read."""
    out = []
    for s in config.settings():
        if s.env:
            continue
        norm = norm_key(s.key)
        if norm in _KNOWN_NORM or norm == norm_key(LEGACY_KEY):
            continue
        leaf = norm_key(s.key.split(".")[-1])
        if leaf not in _LEAVES:
            continue
        name = _LEAVES[leaf]
        if name == "tlsMode":
            proper = "common.security.tlsMode"
        elif name == "internaltlsEnabled":
            proper = "common.security.internaltlsEnabled"
        elif name == "sni" or "internal" in norm:
            proper = f"internaltls.{name}"
        else:
            proper = f"tls.{name}"
        out.append((s, proper))
    return out
