"""The S3 services of a Compose file, for the Milvus -> object storage link (linkkinds/object_storage.py): which
services run MinIO, whether they serve TLS and with which certificate, through the service's own mounts.

MinIO serves TLS on its API port when its certs dir holds public.crt and private.key: the dir is `--certs-dir X` /
`-S X` on the command line, else `${HOME}/.minio/certs` (/root/.minio/certs in the official image, which runs as
root). A certs dir under a mount the doctor cannot read leaves TLS unknown; no mount there is plaintext.

Not a reader of its own (no FLAGS): the Compose reader (deploy/compose.py) calls it on the file it read. Facts only.
"""
from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any, Mapping

from ..facts.deployment import S3Server, container_abspath, resolve

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


def s3_servers(services: Mapping[str, Any], label: str, mounts_of) -> list[S3Server]:
    out = []
    for name, svc in services.items():
        if not isinstance(svc, Mapping) or not runs_minio(svc):
            continue
        words = _words(svc.get("entrypoint")) + _words(svc.get("command"))
        certs_dir = container_abspath(_flag(words, "--certs-dir", "-S") or DEFAULT_CERTS_DIR, "/")
        address = _flag(words, "--address")
        port = address.rsplit(":", 1)[-1] if ":" in address else "9000"
        source = f"service {name} ({label})"
        mounts = mounts_of(name, svc)
        crt = resolve(mounts, posixpath.join(certs_dir, "public.crt"))
        key = resolve(mounts, posixpath.join(certs_dir, "private.key"))
        if crt.mount is None and key.mount is None:
            tls, how = False, f"nothing is mounted at {certs_dir}: MinIO serves plaintext"
        elif crt.host is None or key.host is None:
            tls, how = None, (crt.missing or key.missing or f"{(crt.mount or key.mount).origin} is not readable here")
        elif Path(crt.host).is_file() and Path(key.host).is_file():
            tls, how = True, f"{certs_dir}/public.crt and private.key ({crt.mount.origin}): MinIO serves TLS"
        else:
            tls, how = False, f"{certs_dir} ({crt.mount.origin}) holds no public.crt/private.key: MinIO serves plaintext"
        aliases = tuple(str(a) for a in (svc.get("container_name"), svc.get("hostname")) if a)
        nets = svc.get("networks")
        if isinstance(nets, Mapping):
            for net in nets.values():
                if isinstance(net, Mapping):
                    aliases += tuple(str(a) for a in net.get("aliases") or ())
        out.append(S3Server(str(name), source, tls, (crt.container, crt.host if tls else None), port, aliases, how))
    return out
