"""What the rest of the doctor takes from DeploymentFacts: the host path per Role for the Request, and the report
notes (where each path came from, the pymilvus call that fits the deployment). Pure functions of the facts.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping, NamedTuple, Optional

from ..facts.deployment import IMAGE_CERT_DIR, TLS_PATH_KEYS, DeploymentFacts, PathFact, role_used
from ..facts.x509 import dns_entry_matches, dns_sans
from ..facts.pymilvus import BadUri, parse_uri, uri_host
from ..model import Role

SERVER_ROLES = {"tls.serverPemPath": Role.SERVER_CERT, "tls.serverKeyPath": Role.SERVER_KEY,
                "tls.caPemPath": Role.SERVER_CA}
ARG_ROLES = {"server_pem_path": Role.CLIENT_SERVER_PEM, "client_pem_path": Role.CLIENT_CERT,
             "client_key_path": Role.CLIENT_KEY, "ca_pem_path": Role.CLIENT_CA}


class DeploymentPaths(NamedTuple):
    paths: Mapping[Role, str]          # host path per role the doctor can read (or the container path: missing)
    client_explicit: frozenset         # roles the application's pymilvus arguments set
    client_exact: bool                 # the client roles are exactly the application's arguments (no defaults)
    tls_mode: Optional[int]            # configured common.security.tlsMode (raw integer; may be invalid)
    server_name: Optional[str]         # the application's server_name, else the host its URI dials


def _server_used(facts: DeploymentFacts, key: str) -> bool:
    if facts.tls_on:
        return role_used(key, facts.mode_value)
    args = facts.client
    return key != "tls.caPemPath" and not (args is not None and not args.secure)


def deployment_paths(facts: DeploymentFacts) -> DeploymentPaths:
    paths: dict[Role, str] = {}
    if facts.has_config:
        for key, role in SERVER_ROLES.items():
            info = facts.paths[key]
            unreadable = info.resolved is not None and info.resolved.mount and info.resolved.mount.unreadable \
                and not info.resolved.missing
            in_image = info.resolved is not None and info.resolved.mount is None \
                and info.container.startswith(IMAGE_CERT_DIR)
            if info.host and info.provided:
                paths[role] = info.host
            elif not unreadable and not in_image and _server_used(facts, key):
                paths[role] = info.container    # nothing provides it: the doctor reports it missing, as Milvus would
            # in_image: the image's own sample certificates are there (config.default_certs says what they are)
    for role_value, host in facts.secret_files.items():   # a Kubernetes Secret alone: its keys by name
        paths.setdefault(Role(role_value), host)
    explicit: set[Role] = set()
    args = facts.client
    if args is not None:
        for attr, role in ARG_ROLES.items():
            value = getattr(args, attr)
            if value:
                paths[role] = value
                explicit.add(role)
    server_name = (args.server_name or uri_host(args.effective_uri())) if args is not None else None
    return DeploymentPaths(paths, frozenset(explicit), args is not None,
                           facts.mode_value if facts.has_config else None, server_name)


def container_paths(facts: DeploymentFacts) -> dict[Role, str]:
    """What Milvus is configured with, per server role (container paths)."""
    return {role: facts.paths[key].container for key, role in SERVER_ROLES.items() if key in facts.paths}


# --- notes ---------------------------------------------------------------------------------------------------------

def deployment_notes(facts: DeploymentFacts, server_cert: Any = None, *, uri: Optional[str] = None,
                     server_name: Optional[str] = None) -> tuple[str, ...]:
    """Every report note about the deployment: what the readers saw, where each tls.* file comes from, the pymilvus
    call for this deployment. `server_cert`: the loaded server leaf certificate (cryptography), if any; it picks the
    server_name in the suggested call. `uri` (--uri) and `server_name` (--server-name, given on purpose) are what
    the user said to dial and to match: the suggested call uses them."""
    notes = list(facts.notes)
    if facts.has_config:
        layers = facts.config.ordered_layers()
        if layers:
            notes.append("Milvus configuration layers (later wins): " + " < ".join(l.label for l in layers))
        if not facts.mounted:
            notes.append("No --compose/--k8s: the tls.* paths in milvus.yaml are read as host paths "
                         f"(relative ones from {facts.workdir_host}); give --compose or --k8s to map container paths")
        for key in SERVER_ROLES:
            info = facts.paths[key]
            r = info.resolved
            if info.host and info.provided:
                if r is not None:
                    m = r.mount
                    if m and m.host and not m.is_file and not Path(m.host).exists():
                        notes.append(f"the host side of {m.origin} does not exist ({m.host}): Docker binds an empty "
                                     f"folder, so {info.container} is missing in the container")
                    notes.append(f"{key} {info.container} -> {info.describe_source()}"
                                 + ("" if facts.in_secret_dir(info.host) else f" = {info.host}"))
            elif r is not None and r.mount and r.mount.unreadable and not r.missing:
                notes.append(f"{key} {info.container} is provided by {r.mount.origin}, which the doctor "
                             f"cannot read ({r.mount.unreadable})")
    notes.extend(client_call_notes(facts, server_cert, uri=uri, server_name=server_name))
    a = facts.client
    if a is not None and facts.tls_mode is not None and not facts.tls_on and not a.secure and a.tls_paths:
        notes.append(f"pymilvus: {', '.join(a.tls_paths)} are ignored because the connection is plaintext (http:// "
                     "and secure not set), which matches tlsMode 0")
    return tuple(dict.fromkeys(notes))


def client_call(uri: str, kwargs: Mapping[str, Optional[str]]) -> str:
    """`MilvusClient(uri=..., ...)` as Python source; only TLS arguments, never credentials."""
    parts = [f"uri={json.dumps(uri)}"] + [f"{k}={json.dumps(v)}" for k, v in kwargs.items() if v]
    return f"MilvusClient({', '.join(parts)})"


def _app_path(facts: DeploymentFacts, info: Optional[PathFact], fallback: str) -> str:
    if info is None or not info.host:
        return f"/path/to/{fallback}"
    if facts.in_secret_dir(info.host):
        return f"/path/to/{Path(info.container).name}"
    return str(Path(info.host).resolve())


def _host_port(uri: str) -> Optional[tuple[str, str]]:
    """(host, port) of the --uri, for the suggested call; None when it names no host."""
    try:
        parsed = parse_uri(uri)
    except BadUri:
        return None
    return (parsed.host, str(parsed.port)) if parsed.host else None


def _server_name_for(server_cert: Any, host: str) -> str:
    dns = dns_sans(server_cert) if server_cert is not None else []
    if not dns or any(dns_entry_matches(d, host) for d in dns):
        return host
    return next((d for d in dns if not d.startswith("*")), host)


def client_call_notes(facts: DeploymentFacts, server_cert: Any = None, *, uri: Optional[str] = None,
                      server_name: Optional[str] = None) -> tuple[str, ...]:
    """The MilvusClient call that fits this deployment, one per tlsMode in question, with the paths the application
    sees. `server_cert`: the loaded server leaf (cryptography), to pick a server_name the certificate carries.
    `uri`: the --uri the user dials (used when the application's own arguments give no address); `server_name`:
    the --server-name the user gave, which wins over the one picked here."""
    a = facts.client
    if not facts.has_config and a is None:
        return ()
    addr = a.address if a else None
    given = None if addr or not uri else _host_port(uri)
    host, port = addr if addr else (given or ("localhost", facts.grpc_port or "19530"))
    h = f"[{host}]" if ":" in host else host
    if facts.tls_mode is not None and not facts.tls_on:
        return (f"pymilvus call for this deployment (tlsMode {facts.tls_mode.raw.text!r}: plaintext): "
                f"{client_call(f'http://{h}:{port}', {})}",)
    modes = (facts.mode_value,) if facts.tls_on else (1, 2)
    name = server_name or (a.server_name if a and a.server_name else _server_name_for(server_cert, host))
    uri = f"https://{h}:{port}"
    out = []
    cert_info = facts.paths.get(TLS_PATH_KEYS[0])
    ca_info = facts.paths.get("tls.caPemPath")
    for mode in modes:
        if mode == 1:
            server_pem = a.server_pem_path if a and a.server_pem_path else _app_path(facts, cert_info, "server.pem")
            kwargs = {"server_pem_path": server_pem, "server_name": name}
        else:
            sibling = (Path(cert_info.host).parent if cert_info and cert_info.host
                       and not facts.in_secret_dir(cert_info.host) else None)

            def pick(arg: str, fname: str) -> str:
                if a and getattr(a, arg):
                    return getattr(a, arg)
                if sibling is not None and (sibling / fname).is_file():
                    return str((sibling / fname).resolve())
                return f"/path/to/{fname}"
            ca = a.ca_pem_path if a and a.ca_pem_path else _app_path(facts, ca_info, "ca.pem")
            kwargs = {"client_pem_path": pick("client_pem_path", "client.pem"),
                      "client_key_path": pick("client_key_path", "client.key"), "ca_pem_path": ca,
                      "server_name": name}
        label = {1: "one-way", 2: "mutual"}[mode]
        out.append(f"pymilvus call for tlsMode {mode} ({label}), with the paths the application sees: "
                   f"{client_call(uri, kwargs)}")
    return tuple(out)
