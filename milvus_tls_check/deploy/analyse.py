"""From deployment files to a DeploymentView: map configured container paths to host files, and the config.* and
client.* findings. Each check is a small function of the gathered facts (`Facts`) returning findings."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional

from ..findings import finding
from ..model import Finding, Role, Severity
from . import DeploymentView
from .common import DeploymentError, Layer, MilvusConfig, Mount, Resolved, as_text, container_abspath, resolve
from .milvus_yaml import (DEFAULTS, INTERNAL_PATH_KEYS, LEGACY_KEY, TLS_PATH_KEYS, Effective, TlsMode, effective,
                          misnested, parse_bool, parse_config_text, read_layers, tls_mode)
from .pymilvus_args import MUTUAL_KEYS, ClientArgs, client_call, parse_args

SERVER_ROLES = {"tls.serverPemPath": Role.SERVER_CERT, "tls.serverKeyPath": Role.SERVER_KEY,
                "tls.caPemPath": Role.SERVER_CA}
ARG_ROLES = {"server_pem_path": Role.CLIENT_SERVER_PEM, "client_pem_path": Role.CLIENT_CERT,
             "client_key_path": Role.CLIENT_KEY, "ca_pem_path": Role.CLIENT_CA}
IMAGE_CERT_DIR = "/milvus/configs/cert/"
SUBJECT_CONFIG = "milvus configuration"
SUBJECT_CLIENT = "pymilvus arguments"


@dataclass
class PathInfo:
    key: str
    eff: Effective
    container: str
    resolved: Optional[Resolved]      # None: no mounts known (paths are host paths)
    host: Optional[str]


@dataclass
class Facts:
    config: MilvusConfig
    has_config: bool
    mounted: bool                          # container paths are mapped through mounts (compose / k8s)
    mode: Optional[TlsMode]
    args: Optional[ClientArgs]
    mounts: list[Mount] = field(default_factory=list)
    workdir_host: Optional[Path] = None    # without mounts: where relative paths are taken from
    paths: dict[str, PathInfo] = field(default_factory=dict)
    grpc_port: Optional[str] = None
    tempdir: Optional[str] = None
    notes: list[str] = field(default_factory=list)

    @property
    def mode_value(self) -> Optional[int]:
        return self.mode.value if self.mode is not None else None

    @property
    def tls_on(self) -> bool:
        return self.mode_value in (1, 2)


# --- gathering ---------------------------------------------------------------------------------------------------

def _workdir_guess(files: list[str]) -> Optional[Path]:
    if not files:
        return None
    folder = Path(files[0]).resolve().parent
    return folder.parent if folder.name == "configs" else folder


def _map_path(f: Facts, key: str) -> PathInfo:
    eff = effective(f.config, key)
    text = eff.text or DEFAULTS.get(key, "")
    container = container_abspath(text)
    if not f.mounted:
        p = Path(text)
        host = str(p if p.is_absolute() else (f.workdir_host or Path.cwd()) / p)
        return PathInfo(key, eff, container, None, host)
    r = resolve(f.mounts, container)
    return PathInfo(key, eff, container, r, r.host)


def _describe_source(info: PathInfo) -> str:
    r = info.resolved
    if r is None or r.mount is None:
        return ""
    m = r.mount
    if m.entries is not None:
        rel = "." if m.is_file else str(Path(r.container).relative_to(m.target)) if r.container != m.target else "."
        desc = m.entries.get(rel) or m.origin
        return f"{desc}, mounted by {m.origin}"
    return m.origin


# --- config.* -------------------------------------------------------------------------------------------------

def check_tls_mode(f: Facts) -> list[Finding]:
    if f.mode is None or f.mode.valid:
        return []
    raw = f.mode.raw
    return [finding("config.tls_mode_invalid", SUBJECT_CONFIG,
                    f"{raw.written_as} is {raw.text!r} (in {raw.source}). Milvus runs the TLS branch only for 1 and 2: "
                    "with any other value the proxy serves plaintext, and Milvus 2.4+ with the REST server enabled "
                    "refuses to start (\"tls mode must be 0: no authentication, 1: one way authentication or 2: two "
                    "way authentication\").")]


def _tls_intended(f: Facts) -> list[str]:
    why = []
    for key in TLS_PATH_KEYS:
        info = f.paths.get(key)
        if info is None:
            continue
        s = info.eff.setting
        if s is not None and not s.env and as_text(s.value) and as_text(s.value) != DEFAULTS[key]:
            why.append(f"{key} points at {as_text(s.value)}")
        elif info.resolved is not None and info.resolved.provided and info.host:
            why.append(f"{key} is provided by {info.resolved.mount.origin}")
    if misnested(f.config):
        why.append("TLS keys are set (under a section Milvus does not read)")
    return why


def check_tls_disabled(f: Facts) -> list[Finding]:
    if f.mode is None or f.mode_value != 0:
        return []
    if f.args is not None and not f.args.secure:
        return []   # a plaintext server and a plaintext client agree; client.* says the rest
    why = _tls_intended(f)
    if not why:
        cert = f.paths.get("tls.serverPemPath")
        why = [f"tls.serverPemPath is {cert.eff.text!r} ({cert.eff.source})" if cert else "TLS is being checked"]
    raw = f.mode.raw
    where = f"set in {raw.source}" if raw.setting else "Milvus's default: no layer sets it"
    return [finding("config.tls_disabled", SUBJECT_CONFIG,
                    f"common.security.tlsMode is 0 ({where}) while {'; '.join(why)}. With tlsMode 0 Milvus never "
                    "reads tls.* and serves plaintext; TLS clients fail with WRONG_VERSION_NUMBER.")]


def check_misnested(f: Facts) -> list[Finding]:
    out = []
    for s, proper in misnested(f.config):
        eff = effective(f.config, proper)
        value = as_text(s.value)
        same = eff.text == value
        effect = (f"Milvus reads {proper}, which is {eff.text!r} ({eff.source}) as well" if same else
                  f"Milvus reads {proper} instead, which is {eff.text!r} ({eff.source})")
        out.append(finding("config.misnested", SUBJECT_CONFIG,
                           f"{s.key}: {value!r} (in {s.source}) is never read by Milvus; {effect}.",
                           severity=Severity.WARNING if same else None))
    return out


def check_legacy(f: Facts) -> list[Finding]:
    out = []
    for s in f.config.settings():
        if s.env or s.key.lower().replace("_", "") != LEGACY_KEY.lower():
            continue
        on = parse_bool(as_text(s.value))
        if on and not f.tls_on:
            msg = (f"{s.key}: {as_text(s.value)} (in {s.source}) is the Milvus 2.0/2.1 switch; current Milvus ignores "
                   f"it, and common.security.tlsMode is {f.mode.raw.text if f.mode else '0'}, so TLS stays off.")
            out.append(finding("config.legacy_key", SUBJECT_CONFIG, msg))
        else:
            msg = (f"{s.key}: {as_text(s.value)} (in {s.source}) is the Milvus 2.0/2.1 switch; current Milvus ignores "
                   "it (common.security.tlsMode decides). Remove it so nobody relies on it.")
            out.append(finding("config.legacy_key", SUBJECT_CONFIG, msg, severity=Severity.WARNING))
    return out


def check_http_port(f: Facts) -> list[Finding]:
    if not f.tls_on:
        return []
    enabled = effective(f.config, "proxy.http.enabled")
    if parse_bool(enabled.text) is not True:
        return []
    port = effective(f.config, "proxy.http.port")
    grpc = effective(f.config, "proxy.port")
    if port.text and port.text != grpc.text:
        return []
    how = ("proxy.http.port is not set" if not port.text else
           f"proxy.http.port {port.text} equals proxy.port {grpc.text}")
    on = "the default, true since 2.4" if enabled.setting is None else f"set in {enabled.source}"
    return [finding("config.http_port_shared", SUBJECT_CONFIG,
                    f"Milvus 2.4+: proxy.http.enabled is true ({on}) and {how}, so the RESTful server would share the "
                    f"gRPC port; with tlsMode {f.mode_value} Milvus 2.4+ refuses to start (\"proxy server(http) and "
                    "external grpc server share the same port, tls mode must be 0\"). Milvus 2.3 and older are not "
                    "affected.")]


def _role_used(key: str, mode: Optional[int]) -> bool:
    if mode in (1, 2):
        return key != "tls.caPemPath" or mode == 2
    return False


def check_paths(f: Facts) -> list[Finding]:
    if not f.mounted:
        return []
    out = []
    for key in TLS_PATH_KEYS:
        info = f.paths[key]
        r = info.resolved
        if r is None or not _role_used(key, f.mode_value) or r.provided or (r.mount and not r.missing):
            continue
        out.append(_not_mounted(info, [m.target for m in f.mounts], modes=(2,) if key == "tls.caPemPath" else ()))
    return out


def _not_mounted(info: PathInfo, targets: list[str], *, severity: Optional[Severity] = None, modes: tuple[int, ...] = (),
                 consequence: str = "Milvus cannot load it and exits at start") -> Finding:
    r = info.resolved
    set_by = f"{info.eff.written_as} = {info.eff.text!r} ({info.eff.source})"
    if r is not None and r.missing:
        msg = f"{set_by} is {info.container} in the container, but {r.missing}: {consequence}."
    else:
        if info.container.startswith(IMAGE_CERT_DIR):
            consequence = ("Milvus gets whatever the image holds there: at best the Milvus repository's sample "
                           "certificates, whose private key is public and which the doctor cannot check; otherwise "
                           "it exits at start")
        msg = f"{set_by} is {info.container} in the container, and no volume provides it: {consequence}."
        if targets:
            msg += f" Mounted: {', '.join(sorted(set(targets)))}."
    return finding("config.path_not_mounted", info.container, msg, severity=severity, modes=modes)


def _dns_match(pattern: str, name: str) -> bool:
    p, n = pattern.lower().rstrip("."), name.lower().rstrip(".")
    if p == n:
        return True
    if p.startswith("*.") and "." in n:
        return n.split(".", 1)[1] == p[2:] and n.split(".", 1)[0] != ""
    return False


def check_internal(f: Facts) -> list[Finding]:
    enabled = effective(f.config, "common.security.internaltlsEnabled")
    if parse_bool(enabled.text) is not True:
        return []
    out = []
    for key in INTERNAL_PATH_KEYS:
        info = f.paths.get(key)
        if info is None or info.resolved is None or info.resolved.provided or (info.resolved.mount and not info.resolved.missing):
            continue
        out.append(_not_mounted(info, [m.target for m in f.mounts], severity=Severity.WARNING,
                                consequence="the node logs the load failure and serves internal traffic in plaintext, "
                                            "while nodes that did load theirs expect TLS"))
    cert = f.paths.get("internaltls.serverPemPath")
    if cert is None or not cert.host or not Path(cert.host).is_file():
        return out
    from cryptography import x509
    from ..material import load_file
    loaded = load_file(Role.SERVER_CERT, cert.host)
    if not loaded.certs:
        f.notes.append(f"internaltls.serverPemPath ({cert.container}) could not be read as a certificate; the SNI check "
                       "did not run")
        return out
    leaf = loaded.certs[0]
    sni = effective(f.config, "internaltls.sni")
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns = san.get_values_for_type(x509.DNSName)
        ips = [str(i) for i in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        dns, ips = [], []
    listed = ", ".join([f"DNS:{d}" for d in dns] + [f"IP:{i}" for i in ips]) or "no subjectAltName at all"
    if not sni.text:
        msg = (f"common.security.internaltlsEnabled is true but internaltls.sni is empty; the nodes verify each other "
               f"against that name and the internal certificate {cert.container} carries {listed}.")
        return out + [finding("config.internal_sni_mismatch", cert.container, msg)]
    try:
        ip = ipaddress.ip_address(sni.text)
        ok = any(ipaddress.ip_address(i) == ip for i in ips)
    except ValueError:
        ok = any(_dns_match(d, sni.text) for d in dns)
    if not ok:
        why = " (Go ignores the Common Name)" if not dns else ""
        out.append(finding("config.internal_sni_mismatch", cert.container,
                           f"internaltls.sni is {sni.text!r} ({sni.source}) but the internal certificate "
                           f"{cert.container} carries {listed}{why}: every node's TLS check against that name fails, "
                           "breaking traffic between Milvus nodes."))
    return out


# --- client.* -------------------------------------------------------------------------------------------------

def _private_issuer(f: Facts) -> Optional[bool]:
    """Is the server certificate self-signed or issued by the configured CA (not something system roots hold)?"""
    info = f.paths.get("tls.serverPemPath")
    if info is None or not info.host or not Path(info.host).is_file():
        return None
    from ..material import load_file
    loaded = load_file(Role.SERVER_CERT, info.host)
    if not loaded.certs:
        return None
    chain = loaded.certs
    top = chain[-1]
    if top.issuer == top.subject:
        return True
    ca = f.paths.get("tls.caPemPath")
    if ca and ca.host and Path(ca.host).is_file():
        cas = load_file(Role.SERVER_CA, ca.host).certs
        if any(c.subject == top.issuer for c in cas):
            return True
    return None


def check_client(f: Facts) -> list[Finding]:
    a = f.args
    if a is None:
        return []
    out: list[Finding] = []
    m = f.mode_value if f.mode is not None else None
    known = f.mode is not None
    plain_server = known and m not in (1, 2)
    given_mutual = [k for k in MUTUAL_KEYS if getattr(a, k)]
    client_pair = [k for k in ("client_pem_path", "client_key_path") if getattr(a, k)]
    src = a.source

    if a.server_pem_path and client_pair:
        tail = {1: "; harmless with tlsMode 1 (the server asks for no client certificate), but the client files do "
                   "nothing", 2: "; the tlsMode 2 server then refuses the handshake"}.get(m, "; a tlsMode 2 server "
                                                                                          "refuses that handshake")
        out.append(finding("client.params_conflict", SUBJECT_CLIENT,
                           f"{src} sets server_pem_path together with {' and '.join(client_pair)}: pymilvus builds a "
                           f"one-way channel trusting {a.server_pem_path} and never sends the client certificate{tail}.",
                           severity=Severity.WARNING if m == 1 else None, modes=(1,) if m == 1 else (2,)))
    elif not a.server_pem_path and 0 < len(given_mutual) < 3 and (a.secure or f.tls_on):
        missing = [k for k in MUTUAL_KEYS if k not in given_mutual]
        out.append(finding("client.params_incomplete", SUBJECT_CLIENT,
                           f"{src} sets only {' and '.join(given_mutual)}; without {' and '.join(missing)} pymilvus "
                           f"ignores {'it' if len(given_mutual) == 1 else 'them'}, verifies the server against the system roots (which hold no private CA) and sends no "
                           "client certificate."))

    if not known:
        return out
    raw = f.mode.raw.text
    if plain_server and a.secure:
        how = "the URI is https://" if a.scheme == "https" else "secure=True"
        out.append(finding("client.mode_mismatch", SUBJECT_CLIENT,
                           f"pymilvus uses TLS ({how}) but common.security.tlsMode is {raw!r}: the server answers in "
                           "plaintext and the handshake fails (WRONG_VERSION_NUMBER)."))
    elif f.tls_on and not a.secure:
        ignored = f" and ignores {', '.join(a.tls_paths)}" if a.tls_paths else ""
        target = f"the URI is {a.uri}" if a.uri else "no https:// URI"
        out.append(finding("client.mode_mismatch", SUBJECT_CLIENT,
                           f"tlsMode is {m} but {target} and secure is not set: pymilvus opens a plaintext channel"
                           f"{ignored}; the TLS server drops it."))
    elif m == 2 and a.secure and not client_pair and a.trust != "mutual" and not given_mutual:
        what = (f"only server_pem_path ({a.server_pem_path}), the one-way arguments" if a.server_pem_path
                else "no certificates at all")
        out.append(finding("client.mode_mismatch", SUBJECT_CLIENT,
                           f"tlsMode is 2 (mutual) but {src} passes {what}: pymilvus sends no client certificate and "
                           "the server ends the handshake (\"client didn't provide a certificate\")."))
    elif m == 1 and a.secure and a.trust == "system_roots" and not given_mutual:
        private = _private_issuer(f)
        out.append(finding("client.mode_mismatch", SUBJECT_CLIENT,
                           f"tlsMode is 1 and {src} passes no server_pem_path: pymilvus verifies the server against the "
                           "system roots" + (", which do not hold this deployment's private CA (the server certificate "
                                             "is self-signed or issued by tls.caPemPath)" if private else
                                             "; that works only for a certificate from a public CA"),
                           severity=None if private else Severity.WARNING, modes=(1,)))
    elif plain_server and not a.secure and a.tls_paths:
        f.notes.append(f"pymilvus: {', '.join(a.tls_paths)} are ignored because the connection is plaintext (http:// "
                       "and secure not set), which matches tlsMode 0")
    return out


# --- the pymilvus call ---------------------------------------------------------------------------------------

def _in_temp(f: Facts, path: Optional[str]) -> bool:
    return bool(path and f.tempdir and str(path).startswith(f.tempdir))


def _app_path(f: Facts, info: Optional[PathInfo], fallback: str) -> str:
    if info is None or not info.host:
        return f"/path/to/{fallback}"
    if _in_temp(f, info.host):
        return f"/path/to/{Path(info.container).name}"
    return str(Path(info.host).resolve())


def _server_name_for(f: Facts, host: str) -> str:
    info = f.paths.get("tls.serverPemPath")
    if info is None or not info.host or not Path(info.host).is_file():
        return host
    from cryptography import x509
    from ..material import load_file
    certs = load_file(Role.SERVER_CERT, info.host).certs
    if not certs:
        return host
    try:
        dns = certs[0].extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        dns = []
    if any(_dns_match(d, host) for d in dns):
        return host
    return next((d for d in dns if not d.startswith("*")), host)


def call_notes(f: Facts) -> list[str]:
    if not f.has_config and f.args is None:
        return []
    a = f.args
    addr = a.address if a else None
    host, port = addr if addr else ("localhost", f.grpc_port or "19530")
    h = f"[{host}]" if ":" in host else host
    if f.mode is not None and f.mode_value not in (1, 2):
        return [f"pymilvus call for this deployment (tlsMode {f.mode.raw.text!r}: plaintext): "
                f"{client_call(f'http://{h}:{port}', {})}"]
    modes = (f.mode_value,) if f.tls_on else (1, 2)
    name = (a.server_name if a and a.server_name else _server_name_for(f, host))
    uri = f"https://{h}:{port}"
    out = []
    cert_info = f.paths.get("tls.serverPemPath")
    ca_info = f.paths.get("tls.caPemPath")
    for mode in modes:
        if mode == 1:
            server_pem = (a.server_pem_path if a and a.server_pem_path else _app_path(f, cert_info, "server.pem"))
            kwargs = {"server_pem_path": server_pem, "server_name": name}
        else:
            sibling = Path(cert_info.host).parent if cert_info and cert_info.host and not _in_temp(f, cert_info.host) else None
            def pick(arg: str, fname: str) -> str:
                if a and getattr(a, arg):
                    return getattr(a, arg)
                if sibling is not None and (sibling / fname).is_file():
                    return str((sibling / fname).resolve())
                return f"/path/to/{fname}"
            ca = a.ca_pem_path if a and a.ca_pem_path else _app_path(f, ca_info, "ca.pem")
            kwargs = {"client_pem_path": pick("client_pem_path", "client.pem"),
                      "client_key_path": pick("client_key_path", "client.key"), "ca_pem_path": ca,
                      "server_name": name}
        label = {1: "one-way", 2: "mutual"}[mode]
        out.append(f"pymilvus call for tlsMode {mode} ({label}), with the paths the application sees: "
                   f"{client_call(uri, kwargs)}")
    return out


# --- entry -------------------------------------------------------------------------------------------------

CHECKS = (check_tls_mode, check_tls_disabled, check_misnested, check_legacy, check_http_port, check_paths,
          check_internal, check_client)


def analyse(*, milvus_yaml: list[str], compose: Optional[str], service: Optional[str], k8s: list[str],
            pymilvus_args: Optional[str], environ: Optional[Mapping[str, str]]) -> DeploymentView:
    notes: list[str] = []
    args = parse_args(pymilvus_args) if pymilvus_args else None
    layers: list[Layer] = read_layers(milvus_yaml)
    mounts: list[Mount] = []
    grpc_port = None
    tempdir = None
    if service and not compose:
        raise DeploymentError("--service needs --compose")
    if compose:
        from .compose import read_compose
        cv = read_compose(compose, service, environ)
        mounts += cv.mounts
        notes += cv.notes
        grpc_port = cv.grpc_port
        if not milvus_yaml:
            for container, host in cv.config_files:
                layers.append(Layer(f"{Path(host).name} mounted at {container}",
                                    parse_config_text(Path(host).read_text(encoding="utf-8"), host)))
            if cv.config_files:
                notes.append("Compose: read the config service " f"{cv.service} mounts: " +
                             ", ".join(f"{h} at {c}" for c, h in cv.config_files))
            else:
                notes.append(f"Compose: service {cv.service} mounts no milvus.yaml/user.yaml, so Milvus runs with the "
                             "image's built-in configs/milvus.yaml (tlsMode 0) plus its environment")
        if cv.env is not None:
            layers.append(cv.env)
    if k8s:
        from .k8s import read_k8s
        kv = read_k8s(k8s)
        mounts += kv.mounts
        layers += kv.layers
        notes += kv.notes
        tempdir = kv.tempdir
        if tempdir:
            notes.append("Kubernetes: Secret and ConfigMap contents were copied into a private temporary folder (0700, "
                         "keys 0600) for this run only and are removed at exit; key material is never printed")
        notes.append(f"Kubernetes: checked {kv.pod}")
    has_config = bool(milvus_yaml or compose or k8s)
    config = MilvusConfig(layers)
    f = Facts(config, has_config, bool(compose or k8s), tls_mode(config) if has_config else None, args,
              mounts=mounts, workdir_host=_workdir_guess(milvus_yaml), grpc_port=grpc_port, tempdir=tempdir)
    paths: dict[Role, str] = {}
    container_paths: dict[Role, str] = {}
    if has_config:
        for key in TLS_PATH_KEYS + INTERNAL_PATH_KEYS:
            f.paths[key] = _map_path(f, key)
        if layers:
            order = [l.label for l in layers if not l.env] + [l.label for l in layers if l.env]
            notes.append("Milvus configuration layers (later wins): " + " < ".join(order))
        if not f.mounted:
            notes.append("No --compose/--k8s: the tls.* paths in milvus.yaml are read as host paths "
                         f"(relative ones from {f.workdir_host}); give --compose or --k8s to map container paths")
        for key, role in SERVER_ROLES.items():
            info = f.paths[key]
            container_paths[role] = info.container
            used = _role_used(key, f.mode_value) if f.tls_on else (
                key != "tls.caPemPath" and not (args is not None and not args.secure))
            if info.host and (info.resolved is None or info.resolved.provided):
                paths[role] = info.host
                if info.resolved is not None:
                    m = info.resolved.mount
                    if m and m.host and not m.is_file and not Path(m.host).exists():
                        notes.append(f"the host side of {m.origin} does not exist ({m.host}): Docker binds an empty "
                                     f"folder, so {info.container} is missing in the container")
                    notes.append(f"{key} {info.container} -> {_describe_source(info)}"
                                 + ("" if _in_temp(f, info.host) else f" = {info.host}"))
            elif info.resolved is not None and info.resolved.mount and info.resolved.mount.unreadable \
                    and not info.resolved.missing:
                notes.append(f"{key} {info.container} is provided by {info.resolved.mount.origin}, which the doctor "
                             f"cannot read ({info.resolved.mount.unreadable})")
            elif used:
                paths[role] = info.container    # nothing provides it: the doctor reports it missing, as Milvus would
    findings: list[Finding] = []
    for check in CHECKS:
        findings.extend(check(f))
    explicit: set[Role] = set()
    if args is not None:
        for attr, role in ARG_ROLES.items():
            value = getattr(args, attr)
            if value:
                paths[role] = value
                explicit.add(role)
    notes.extend(call_notes(f))
    notes.extend(f.notes)
    return DeploymentView(
        paths=paths, client_explicit=frozenset(explicit),
        tls_mode=f.mode_value if has_config else None,
        server_name=args.server_name if args else None,
        uri=args.effective_uri() if args else None,
        findings=tuple(findings), notes=tuple(dict.fromkeys(notes)),
        container_paths=container_paths, tempdir=tempdir, client_exact=args is not None)
