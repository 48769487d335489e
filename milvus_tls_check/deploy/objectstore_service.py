"""The S3 services of a Compose file, for the Milvus -> object storage link (linkkinds/object_storage.py): which
services run MinIO, whether they serve TLS and with which certificate, through the service's own mounts.

MinIO serves TLS on its API port when its certs dir holds public.crt and private.key: the dir is `--certs-dir X` /
`-S X` on the command line, else `${HOME}/.minio/certs` (/root/.minio/certs in the official image, which runs as
root). A certs dir under a mount the doctor cannot read leaves TLS unknown; no mount there is plaintext.

Not a reader of its own (no FLAGS): the Compose reader (deploy/compose.py) calls it on the file it read. Facts only.
"""
from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any, Mapping, Optional

from ..facts.deployment import S3Listener, S3Server, container_abspath, resolve
from .common import read_text

DEFAULT_CERTS_DIR = "/root/.minio/certs"


def _words(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def runs_minio(svc: Mapping[str, Any]) -> bool:
    image = str(svc.get("image") or "").lower().rsplit("/", 1)[-1].split(":")[0]
    words = _words(svc.get("entrypoint")) + _words(svc.get("command"))
    return image == "minio" or (bool(words) and Path(words[0]).name == "minio")


def _flag(words: list[str], *names: str) -> str:
    for i, w in enumerate(words):
        name, eq, value = w.partition("=")
        if name in names:
            return value if eq else (words[i + 1] if i + 1 < len(words) else "")
    return ""


def _aliases(svc: Mapping[str, Any]) -> tuple[str, ...]:
    aliases = tuple(str(a) for a in (svc.get("container_name"), svc.get("hostname")) if a)
    nets = svc.get("networks")
    if isinstance(nets, Mapping):
        for net in nets.values():
            if isinstance(net, Mapping):
                aliases += tuple(str(a) for a in net.get("aliases") or ())
    if str(svc.get("network_mode") or "") == "host":   # Milvus on the host network dials it as localhost
        aliases += ("localhost", "127.0.0.1")
    return aliases


def _minio(name: str, svc: Mapping[str, Any], mounts) -> S3Listener:
    words = _words(svc.get("entrypoint")) + _words(svc.get("command"))
    certs_dir = container_abspath(_flag(words, "--certs-dir", "-S") or DEFAULT_CERTS_DIR, "/")
    address = _flag(words, "--address")
    port = address.rsplit(":", 1)[-1] if ":" in address else "9000"
    crt = resolve(mounts, posixpath.join(certs_dir, "public.crt"))
    key = resolve(mounts, posixpath.join(certs_dir, "private.key"))
    if crt.mount is None and key.mount is None:
        return S3Listener(port, False, how=f"nothing is mounted at {certs_dir}: MinIO serves plaintext")
    if crt.host is None or key.host is None:
        return S3Listener(port, None, (crt.container, None),
                          crt.missing or key.missing or f"{(crt.mount or key.mount).origin} is not readable here")
    if Path(crt.host).is_file() and Path(key.host).is_file():
        return S3Listener(port, True, (crt.container, crt.host),
                          f"{certs_dir}/public.crt and private.key ({crt.mount.origin}): MinIO serves TLS")
    return S3Listener(port, False, how=f"{certs_dir} ({crt.mount.origin}) holds no public.crt/private.key: MinIO "
                                       "serves plaintext")


_SERVER = re.compile(r"\bserver\s*\{")


def _nginx_servers(text: str) -> list[str]:
    """The bodies of the `server { ... }` blocks of an nginx conf (comments removed, braces balanced)."""
    text = re.sub(r"#[^\n]*", "", text)
    out = []
    for m in _SERVER.finditer(text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        out.append(text[m.end():i - 1])
    return out


def _nginx(name: str, svc: Mapping[str, Any], mounts) -> Optional[list[S3Listener]]:
    """An nginx whose conf is mounted from this host: one listener per `listen` of each server block, TLS when the
    directive says `ssl`, its `ssl_certificate` resolved through the service's mounts. None: no conf readable."""
    conf = resolve(mounts, NGINX_CONF)
    if conf.host is None or not Path(conf.host).is_file():
        return None
    text = read_text(conf.host, f"nginx conf of service {name}")
    out = []
    for body in _nginx_servers(text):
        cert_m = re.search(r"^\s*ssl_certificate\s+(\S+?);", body, re.M)
        cert = container_abspath(cert_m.group(1).strip("\"'"), "/etc/nginx") if cert_m else ""
        for lm in re.finditer(r"^\s*listen\s+([^;]+);", body, re.M):
            words = lm.group(1).split()
            port = words[0].rsplit(":", 1)[-1] if not words[0].endswith("]") else "80"
            tls = "ssl" in words[1:]
            if tls and cert:
                r = resolve(mounts, cert)
                host = r.host if r.mount is not None else cert if Path(cert).is_file() else None
                out.append(S3Listener(port, True if host else None, (cert, host),
                                      f"`listen {lm.group(1)}` with ssl_certificate {cert} ({conf.container})"))
            else:
                out.append(S3Listener(port, tls or False, how=f"`listen {lm.group(1)}` ({conf.container})"))
    return out


NGINX_CONF = "/etc/nginx/nginx.conf"


def s3_servers(services: Mapping[str, Any], label: str, mounts_of) -> list[S3Server]:
    """MinIO services, and nginx services with a readable mounted conf (an S3 endpoint only when minio.address names
    them: facts/objectstore.py)."""
    out = []
    for name, svc in services.items():
        if not isinstance(svc, Mapping):
            continue
        image = str(svc.get("image") or "").lower().rsplit("/", 1)[-1].split(":")[0]
        if runs_minio(svc):
            out.append(S3Server(str(name), f"service {name} ({label})", (_minio(name, svc, mounts_of(name, svc)),),
                                _aliases(svc), "minio"))
        elif image == "nginx":
            listeners = _nginx(str(name), svc, mounts_of(name, svc))
            if listeners:
                out.append(S3Server(str(name), f"service {name} ({label})", tuple(listeners), _aliases(svc), "nginx"))
    return out
