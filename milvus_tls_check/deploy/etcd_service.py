"""The etcd services of a Compose file, for the Milvus -> etcd link (linkkinds/etcd.py): which services run etcd,
their client URLs and TLS flags (command-line `--flag value` / `--flag=value` / `-flag`, or the ETCD_* variable
etcd reads for each flag), and the host file behind each TLS file through the service's own mounts.

Not a reader of its own (no FLAGS): the Compose reader (deploy/compose.py) calls it on the file it read. Facts
only; the rules judge them.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from ..facts.deployment import EtcdServer, container_abspath, resolve

# etcd's flags that matter to a client's TLS; the boolean ones take no value on the command line
FLAGS = ("listen-client-urls", "advertise-client-urls", "cert-file", "key-file", "trusted-ca-file",
         "client-cert-auth", "auto-tls", "tls-min-version", "tls-max-version")
BOOLEAN = frozenset({"client-cert-auth", "auto-tls"})
FILE_FLAGS = ("cert-file", "key-file", "trusted-ca-file")


def _words(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def runs_etcd(svc: Mapping[str, Any]) -> bool:
    image = str(svc.get("image") or "").lower()
    words = _words(svc.get("entrypoint")) + _words(svc.get("command"))
    first = next((w for w in words if not w.startswith("-")), "")
    return "etcd" in image.rsplit("/", 1)[-1].split(":")[0] or Path(first).name == "etcd"


def parse_flags(words: list[str]) -> dict[str, str]:
    """etcd's command line (Go's flag package: one or two dashes, `=value` or the next word; booleans bare)."""
    out: dict[str, str] = {}
    i = 0
    while i < len(words):
        w = words[i]
        i += 1
        if not w.startswith("-") or w in ("-", "--"):
            continue
        name, eq, value = w.lstrip("-").partition("=")
        if not eq and name not in BOOLEAN and i < len(words) and not words[i].startswith("-"):
            value = words[i]
            i += 1
        out[name] = value
    return out


def etcd_servers(services: Mapping[str, Any], label: str, mounts_of) -> list[EtcdServer]:
    """Every service that runs etcd. `mounts_of(name, svc)`: the service's mounts (deploy/compose.py's model)."""
    out = []
    for name, svc in services.items():
        if not isinstance(svc, Mapping) or not runs_etcd(svc):
            continue
        flags: dict[str, str] = {}
        sources: dict[str, str] = {}
        env = svc.get("environment") or {}
        items = env.items() if isinstance(env, Mapping) else (
            (e.partition("=")[0], e.partition("=")[2]) for e in env if isinstance(e, str))
        for key, value in items:   # ETCD_CERT_FILE -> cert-file (the command line wins over the environment)
            flag = str(key).lower().removeprefix("etcd_").replace("_", "-")
            if str(key).upper().startswith("ETCD_") and flag in FLAGS:
                flags[flag] = "" if value is None else str(value)
                sources[flag] = f"environment {key} of service {name} ({label})"
        for flag, value in parse_flags(_words(svc.get("entrypoint")) + _words(svc.get("command"))).items():
            if flag in FLAGS:
                flags[flag] = value
                sources[flag] = f"--{flag} in the command of service {name} ({label})"
        mounts = mounts_of(name, svc)
        files = {}
        for flag in FILE_FLAGS:
            if flags.get(flag):
                container = container_abspath(flags[flag], "/")
                r = resolve(mounts, container)
                files[flag] = (container, r.host)
        urls = tuple(u.strip() for u in flags.get("listen-client-urls", "").split(",") if u.strip())
        aliases = tuple(str(a) for a in (svc.get("container_name"), svc.get("hostname")) if a)
        nets = svc.get("networks")
        if isinstance(nets, Mapping):
            for net in nets.values():
                if isinstance(net, Mapping):
                    aliases += tuple(str(a) for a in net.get("aliases") or ())
        out.append(EtcdServer(str(name), f"service {name} ({label})", urls or ("http://localhost:2379",),
                              flags, sources, files, aliases))
    return out
