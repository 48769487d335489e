"""What the deployment readers found, as frozen facts: the layered Milvus settings (and where each came from), the
mounts, the container path per TLS setting and the host file it resolves to (or why not), the configured tlsMode,
the application's own pymilvus arguments, the Compose/Kubernetes origin and the Milvus image tag.

Readers (milvus_tls_check.deploy) build a DeploymentFacts; rules (rules/config.py, rules/pymilvus_params.py) judge it. Nothing
here reads files, parses certificates, prints or produces findings: these are pure values and pure functions.

Milvus reads configs/milvus.yaml, then default.yaml, then user.yaml (later wins), then environment variables. Keys
are matched the way Milvus matches them (config.formatKey: case-insensitive, '.', '_', '/' ignored), so nested keys
and dotted flat keys (`common.security.tlsMode: 1`) both count.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional
from urllib.parse import urlsplit

from .pymilvus import MUTUAL_KEYWORDS, TLS_KEYWORDS, trust_of

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
    "internaltls.sni": "localhost",   # 2.5+ configs/milvus.yaml ships `sni: localhost`
    "proxy.port": "19530",
    "proxy.http.enabled": "true",     # 2.4+: the REST server is on by default
    "proxy.http.port": "",            # empty: REST shares the gRPC port
}

TLS_PATH_KEYS = ("tls.serverPemPath", "tls.serverKeyPath", "tls.caPemPath")
INTERNAL_PATH_KEYS = ("internaltls.serverPemPath", "internaltls.serverKeyPath", "internaltls.caPemPath")
KNOWN_TLS_KEYS = TLS_PATH_KEYS + INTERNAL_PATH_KEYS + (
    "internaltls.sni", "common.security.tlsMode", "common.security.internaltlsEnabled")
LEGACY_KEY = "common.security.tlsEnabled"
IMAGE_CERT_DIR = "/milvus/configs/cert/"    # the Milvus image's sample certificates (CA key public)
# SHA-256 fingerprints of those samples (configs/cert/{ca,server,client}.pem, the same blobs on branches 2.3 to 2.6
# of milvus-io/milvus: "O=ronething, CN=localhost", CA key configs/cert/ca.key in the repository).
SAMPLE_CERT_SHA256 = {
    "51b98b478612f0c186cca37a3c1a5bc744843e4f6c41a1dbea262980a00063e7": "ca.pem",
    "8f73f815d79b75c9685ae138dcf1e064925b9eea3f3b3d9822a4979dc2ead762": "server.pem",
    "6c5c008218046a50cb0db2645dc0ea73db46c9fa4b8b808fa4f2e2324ac17d8c": "client.pem",
}
MILVUS_WORKDIR = "/milvus"

# the last segment of a TLS key -> where Milvus reads it
_LEAVES = {"serverpempath": "serverPemPath", "serverkeypath": "serverKeyPath", "capempath": "caPemPath",
           "tlsmode": "tlsMode", "sni": "sni", "internaltlsenabled": "internaltlsEnabled"}
# the per-cluster keys of Milvus 2.6's replication client (grpc_param.go GetClusterTLSConfig/GetClusterAuthority):
# section.clusters.<cluster id>.leaf; their leaves look like tls.* leaves but are not misnested
CLUSTER_LEAVES = {"tls": ("caPemPath", "clientPemPath", "clientKeyPath"), "grpc": ("authority",)}
_INT = re.compile(r"^[+-]?\d+$")
_TRUE = {"1", "t", "true"}
_FALSE = {"0", "f", "false"}


# --- Milvus settings -----------------------------------------------------------------------------------------

def norm_key(key: str) -> str:
    """Milvus's config.formatKey: lower case, '.', '_' and '/' removed. yaml keys and env names meet here."""
    return key.lower().replace("/", "").replace("_", "").replace(".", "")


_KNOWN_NORM = {norm_key(k): k for k in KNOWN_TLS_KEYS}


def per_cluster_key(key: str) -> Optional[tuple[str, str, str]]:
    """(section, cluster id, leaf as Milvus spells it) of a written `tls.clusters.<id>.caPemPath`-style key, else
    None. Milvus builds the key from the cluster id and looks it up through formatKey, so case and "_" do not matter;
    the id is what lies between `clusters.` and the leaf."""
    parts = key.split(".")
    if len(parts) < 4 or norm_key(parts[1]) != "clusters":
        return None
    section = norm_key(parts[0])
    leaf = next((l for l in CLUSTER_LEAVES.get(section, ()) if norm_key(l) == norm_key(parts[-1])), None)
    cluster = ".".join(parts[2:-1])
    return (section, cluster, leaf) if leaf and cluster else None


def as_text(value: Any) -> str:
    """How Milvus sees a yaml scalar: everything is a string in its paramtable."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_bool(text: str) -> Optional[bool]:
    """Go's strconv.ParseBool (what paramtable's GetAsBool uses); None when it would fail."""
    t = text.strip().lower()
    return True if t in _TRUE else False if t in _FALSE else None


def flatten(data: Any, prefix: str = "") -> Iterable[tuple[str, Any]]:
    """Nested mapping -> dotted keys. Dotted flat keys (`common.security.tlsMode: 1`) come out the same way."""
    if not isinstance(data, Mapping):
        return
    for k, v in data.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, Mapping) and v:
            yield from flatten(v, key)
        else:
            yield key, v


@dataclass(frozen=True)
class Layer:
    """One source of Milvus settings: a yaml file, an Operator CR's spec.config, Helm's user.yaml, a container's env."""

    label: str                       # where it came from, for messages ("milvus.yaml", "env of service standalone")
    data: Mapping[str, Any]          # nested mapping as written (env: flat NAME -> value)
    env: bool = False                # True: flat environment variables (highest precedence in Milvus)


@dataclass(frozen=True)
class Setting:
    key: str        # as written, dotted (e.g. "common.tls.serverPemPath" or "COMMON_SECURITY_TLSMODE")
    value: Any
    source: str     # the layer's label
    env: bool = False


@dataclass(frozen=True)
class MilvusConfig:
    """The layered configuration: later layers override earlier ones, environment variables override files."""

    layers: tuple[Layer, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))

    def settings(self) -> list[Setting]:
        """Every key from every layer, in precedence order (lowest first)."""
        out: list[Setting] = []
        for layer in self.ordered_layers():
            if layer.env:
                out.extend(Setting(k, v, layer.label, True) for k, v in layer.data.items())
            else:
                out.extend(Setting(k, v, layer.label) for k, v in flatten(layer.data))
        return out

    def ordered_layers(self) -> tuple[Layer, ...]:
        return tuple(l for l in self.layers if not l.env) + tuple(l for l in self.layers if l.env)

    def get(self, key: str) -> Optional[Setting]:
        wanted = norm_key(key)
        found = None
        for s in self.settings():
            if norm_key(s.key) == wanted:
                found = s
        return found

    def text(self, key: str, default: str = "") -> str:
        s = self.get(key)
        return as_text(s.value) if s is not None else default

    @property
    def empty(self) -> bool:
        return not self.layers


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
    """common.security.tlsMode as configured: the raw setting and the integer Milvus parses (None: not one)."""

    raw: Effective
    value: Optional[int]

    @property
    def valid(self) -> bool:
        return self.value in (0, 1, 2)


def tls_mode(config: MilvusConfig) -> TlsMode:
    eff = effective(config, "common.security.tlsMode")
    return TlsMode(eff, int(eff.text) if _INT.match(eff.text) else None)


def misnested(config: MilvusConfig) -> list[tuple[Setting, str]]:
    """Settings that look like TLS keys but sit where Milvus never reads them, with the key it does read."""
    out = []
    for s in config.settings():
        if s.env:
            continue
        norm = norm_key(s.key)
        if norm in _KNOWN_NORM or norm == norm_key(LEGACY_KEY) or per_cluster_key(s.key):
            continue
        parts = s.key.split(".")
        leaf = norm_key(parts[-1])
        if leaf == "mode" and len(parts) > 1 and norm_key(parts[-2]) in ("tls", "security"):
            leaf = "tlsmode"      # `tls: {mode: 1}`: meant as common.security.tlsMode
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


def role_used(key: str, mode: Optional[int]) -> bool:
    """Does Milvus load this tls.* file in this tlsMode (caPemPath only in mode 2)?"""
    if mode in (1, 2):
        return key != "tls.caPemPath" or mode == 2
    return False


# --- mounts ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Mount:
    """A container path and what provides it on the host (a bind-mounted folder, a materialised Secret...)."""

    target: str                          # container path (absolute, posix)
    host: Optional[str]                  # host file or folder; None when the doctor cannot read the source
    origin: str                          # human description, e.g. "volume ./tls:/milvus/tls of service standalone"
    is_file: bool = False                # the mount provides exactly one file (subPath, file bind, compose secret)
    entries: Optional[Mapping[str, str]] = None   # Secret/ConfigMap volumes: relative path -> "key K of Secret S"
    unreadable: str = ""                 # why the doctor cannot read it (named volume, Secret not in the files)
    # Kubernetes volumes: relative path -> the file mode the kubelet gives it (items[].mode, else the volume's
    # defaultMode, else 0644); None when not a Kubernetes volume or no workload mounts it (a Secret alone)
    file_modes: Optional[Mapping[str, int]] = None
    volume: str = ""                     # the Kubernetes volume's name
    default_mode_set: bool = False       # the volume sets defaultMode (else Kubernetes' 0644)
    # Kubernetes: which Milvus pods have this mount. "" = every Milvus pod the files describe (a global Helm
    # `volumeMounts`, an Operator `spec.components.volumeMounts`, Compose's one service); "proxy"/"standalone" =
    # only that component's pod (Helm `proxy.volumeMounts`, Operator `spec.components.proxy.volumeMounts`).
    scope: str = ""


@dataclass(frozen=True)
class Resolved:
    container: str
    mount: Optional[Mount]
    host: Optional[str]         # host path the doctor can read (may not exist: then material reports it)
    missing: str = ""           # non-empty: the mount exists but does not provide this file (why)

    @property
    def provided(self) -> bool:
        return self.mount is not None and not self.missing


def container_abspath(path: str, workdir: str = MILVUS_WORKDIR) -> str:
    """Milvus resolves relative tls paths against its working directory (/milvus in the official image)."""
    p = path if path.startswith("/") else posixpath.join(workdir, path)
    return posixpath.normpath(p)


def resolve(mounts: Iterable[Mount], container_path: str) -> Resolved:
    """The mount that provides a container path: the longest target that is the path or one of its parents."""
    path = posixpath.normpath(container_path)
    best: Optional[Mount] = None
    for m in mounts:
        t = posixpath.normpath(m.target)
        hit = path == t if m.is_file else (path == t or path.startswith(t.rstrip("/") + "/"))
        if hit and (best is None or len(t) > len(posixpath.normpath(best.target))):
            best = m
    if best is None:
        return Resolved(path, None, None)
    rel = posixpath.relpath(path, posixpath.normpath(best.target))
    if best.entries is not None:   # a Secret/ConfigMap volume: only its keys (or items) exist there
        if best.is_file and best.host is None:
            return Resolved(path, best, None, missing=best.unreadable or f"{best.origin} provides nothing there")
        if not best.is_file and rel not in best.entries:
            keys = ", ".join(sorted(best.entries)) or "nothing"
            return Resolved(path, best, None, missing=f"{best.origin} provides {keys}, not {rel}")
    if best.unreadable or best.host is None:
        return Resolved(path, best, None)
    host = best.host if (best.is_file or rel == ".") else str(Path(best.host) / rel)
    return Resolved(path, best, host)


@dataclass(frozen=True)
class PathFact:
    """One path setting (tls.* / internaltls.*): the value Milvus uses, its container path, the host file."""

    key: str
    eff: Effective
    container: str
    resolved: Optional[Resolved]      # None: no mounts known (the configured paths are host paths)
    host: Optional[str]

    @property
    def provided(self) -> bool:
        """Something provides the file (a mount, or a host path when no mounts are known)."""
        return self.resolved is None or self.resolved.provided

    @property
    def satisfied(self) -> bool:
        """Not a config.path_not_mounted case: provided, or under a mount the doctor cannot look into."""
        r = self.resolved
        return r is None or r.provided or bool(r.mount and not r.missing)

    def describe_source(self) -> str:
        r = self.resolved
        if r is None or r.mount is None:
            return ""
        m = r.mount
        if m.entries is not None:
            rel = "." if m.is_file else str(Path(r.container).relative_to(m.target)) if r.container != m.target else "."
            desc = m.entries.get(rel) or m.origin
            return f"{desc}, mounted by {m.origin}"
        return m.origin


# --- the application's pymilvus arguments -------------------------------------------------------------------

@dataclass(frozen=True)
class ClientArgs:
    """The keyword arguments the application passes to MilvusClient / connections.connect (secrets left out)."""

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
    # Credentials: only whether they are there, and the `authorization` metadata value pymilvus would send
    # (base64 of "user:password" or of the token), for the live probe. Never printed: repr=False, and no
    # renderer reads ClientArgs fields it does not know.
    has_token: bool = False
    has_user: bool = False
    has_password: bool = False
    authorization: str = field(default="", repr=False, compare=False)

    @property
    def has_credentials(self) -> bool:
        return self.has_token or (self.has_user and self.has_password)

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
        return {k: getattr(self, k) for k in TLS_KEYWORDS if getattr(self, k)}

    @property
    def mutual_given(self) -> tuple[str, ...]:
        return tuple(k for k in MUTUAL_KEYWORDS if getattr(self, k))

    @property
    def trust(self) -> str:
        return trust_of(self.server_pem_path, self.client_pem_path, self.client_key_path, self.ca_pem_path)

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


# --- origin ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MilvusImage:
    """The Milvus image as written in the deployment files (issue 11 derives the Milvus line from the tag)."""

    ref: str                  # e.g. "milvusdb/milvus:v2.5.4"
    tag: Optional[str]        # e.g. "v2.5.4"; None when only a digest or no tag is written
    source: str               # where it was written ("image of service standalone (docker-compose.yml)")


def image_tag(ref: str) -> Optional[str]:
    """The tag of an image reference (`registry:5000/milvusdb/milvus:v2.5.4@sha256:...` -> v2.5.4)."""
    name = ref.strip().split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] or None if ":" in last else None


@dataclass(frozen=True)
class ComposeOrigin:
    file: str
    service: str
    grpc_port: Optional[str] = None       # host port published for 19530
    serves_443: tuple[str, ...] = ()      # services of the file that publish host port 443 (Milvus, or a proxy)


@dataclass(frozen=True)
class K8sOrigin:
    files: tuple[str, ...]
    pod: str                              # the pod (or CR / Helm values part) whose Milvus container was read
    secret_dir: Optional[str] = None      # where Secret/ConfigMap contents were materialised for this run
    cluster: bool = False                 # a cluster layout (Helm cluster.enabled, Operator mode cluster): the
                                          # other components (mixcoord, querynode, datanode...) run in own pods
    layout: str = ""                      # "helm" | "operator" | "manifests" | "secret"


@dataclass(frozen=True)
class HelmFacts:
    """What a Helm values file says about TLS, as the chart (zilliztech/milvus-helm) renders it: proxy.tls.* makes
    a kubernetes.io/tls Secret and nothing else; only extraConfigFiles reaches Milvus's config."""

    file: str
    tls_enabled: bool = False                 # proxy.tls.enabled
    secret_name: str = ""                     # proxy.tls.secretName
    secret_inline: bool = False               # proxy.tls.crt and .key given: the chart creates the Secret
    secret_keys: Optional[tuple[str, ...]] = None   # the Secret's keys when it is known (inline or in --k8s)
    secret_mounted_at: tuple[str, ...] = ()   # mount paths of volumes that mount that Secret
    ignored: tuple[tuple[str, str], ...] = ()  # (values key, value) the chart never renders into milvus.yaml
    extra_config: bool = False                # extraConfigFiles.user.yaml has content


@dataclass(frozen=True)
class IngressFacts:
    """One Ingress (a manifest, or the one Helm's `ingress.enabled` renders)."""

    name: str
    source: str                               # "Ingress milvus (ingress.yaml)" / "Helm values ingress (values.yaml)"
    annotations: Mapping[str, str] = field(default_factory=dict)
    tls: tuple[tuple[tuple[str, ...], str], ...] = ()   # (hosts, secretName) per spec.tls entry
    rule_hosts: tuple[str, ...] = ()
    # secretName -> the materialised tls.crt of that Secret (when the Secret is in --k8s)
    secret_certs: Mapping[str, str] = field(default_factory=dict)

    @property
    def backend_protocol(self) -> Optional[str]:
        for k, v in self.annotations.items():
            if k.endswith("/backend-protocol"):
                return str(v).strip().upper()
        return None

    def annotation(self, suffix: str) -> Optional[str]:
        return next((str(v) for k, v in self.annotations.items() if k.endswith("/" + suffix)), None)


@dataclass(frozen=True)
class UnsafeEntry:
    """A Secret/ConfigMap key, an `items[].path` or a `subPath` that is not a plain relative file name inside the
    volume: Kubernetes rejects it, and the doctor never turns it into a path (a hostile manifest's `../../x` or
    `/usr/lib/...` would otherwise be a write outside the doctor's folder)."""

    where: str         # "Secret milvus-tls (secret.yaml)", "volume tls at /milvus/tls of ..."
    field: str         # "key", "items[].path", "subPath"
    written: str       # as written (shown escaped, truncated: `shown`)
    reason: str

    @property
    def shown(self) -> str:
        return shown_name(self.written)


def shown_name(text: str, limit: int = 80) -> str:
    """A hostile name as it may be shown: escaped (repr), its middle cut when long (the end names the file)."""
    r = repr(text)
    return r if len(r) <= limit else r[:limit // 3] + "..." + r[-(limit - limit // 3 - 3):]


# --- the services Milvus dials (links) ----------------------------------------------------------------------------

@dataclass(frozen=True)
class EtcdServer:
    """An etcd the deployment runs (a Compose service, a Helm values `etcd:` part): its client URLs and its TLS
    flags as written (`--listen-client-urls` / ETCD_LISTEN_CLIENT_URLS, `--cert-file`, `--key-file`,
    `--client-cert-auth`, `--trusted-ca-file`, `--tls-max-version`), each file's container path resolved through
    the service's own mounts (host None: the doctor cannot read it)."""

    name: str                                   # the service (or Helm part) name: the host Milvus dials
    source: str                                 # "service etcd (docker-compose.yml)"
    listen_urls: tuple[str, ...] = ()
    flags: Mapping[str, str] = field(default_factory=dict)   # flag name without dashes -> value as written
    flag_sources: Mapping[str, str] = field(default_factory=dict)   # flag name -> "command" | "environment"
    files: Mapping[str, tuple[str, Optional[str]]] = field(default_factory=dict)  # flag -> (container path, host)
    aliases: tuple[str, ...] = ()               # other names it answers to (container_name, hostname, aliases)
    unknown_tls: str = ""                       # why its TLS is not known (an embedded etcd, values the doctor
                                                # cannot render)

    @property
    def tls(self) -> Optional[bool]:
        """https client URLs (True), http (False), unknown (None)."""
        schemes = {u.split("://", 1)[0].lower() for u in self.listen_urls if "://" in u}
        if not schemes:
            return None
        return "https" in schemes and "http" not in schemes if len(schemes) == 1 else None

    @property
    def client_cert_auth(self) -> bool:
        return parse_bool(self.flags.get("client-cert-auth", "false") or "true") is True

    def answers_to(self, host: str) -> bool:
        return host.lower() in {self.name.lower(), *(a.lower() for a in self.aliases)}


@dataclass(frozen=True)
class S3Listener:
    """One port of an S3 service: TLS or not, and the certificate it presents (container path, host file)."""

    port: str
    tls: Optional[bool]                         # None: unknown (a certs dir the doctor cannot read)
    cert: tuple[str, Optional[str]] = ("", None)
    how: str = ""                               # why tls is what it is, for messages


@dataclass(frozen=True)
class S3Server:
    """An S3-compatible service the deployment runs (a Compose MinIO: public.crt/private.key in its certs dir, or an
    nginx in front whose mounted conf the doctor reads): its listeners."""

    name: str
    source: str                                 # "service minio (docker-compose.yml)"
    listeners: tuple[S3Listener, ...] = ()
    aliases: tuple[str, ...] = ()
    kind: str = "minio"                         # "minio" | "nginx" (an S3 endpoint only when Milvus dials it)
                                                # | "operator" (a Milvus CR's dependencies.storage.ssl)
    owner: str = ""                             # the object that describes it, as kubectl names it
                                                # ("milvus my-release -n milvus")

    @property
    def tls(self) -> Optional[bool]:
        """Any listener serves TLS (True), none (False), unknown (None)."""
        seen = {l.tls for l in self.listeners}
        return True if True in seen else None if None in seen or not seen else False

    def listener(self, port: str) -> Optional[S3Listener]:
        hit = [l for l in self.listeners if l.port == str(port)]
        return hit[0] if hit else self.listeners[0] if len(self.listeners) == 1 else None

    def answers_to(self, host: str) -> bool:
        return host.lower() in {self.name.lower(), *(a.lower() for a in self.aliases)}


# --- everything together ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DeploymentFacts:
    config: MilvusConfig = field(default_factory=MilvusConfig)
    has_config: bool = False               # milvus.yaml, Compose or Kubernetes files were given
    mounted: bool = False                  # container paths are mapped through mounts (Compose / Kubernetes)
    mounts: tuple[Mount, ...] = ()
    paths: Mapping[str, PathFact] = field(default_factory=dict)   # tls.* and internaltls.* keys (with config)
    tls_mode: Optional[TlsMode] = None     # None: no Milvus configuration was given
    client: Optional[ClientArgs] = None    # the application's own arguments (--pymilvus-args)
    compose: Optional[ComposeOrigin] = None
    k8s: Optional[K8sOrigin] = None
    image: Optional[MilvusImage] = None
    workdir_host: Optional[str] = None     # without mounts: where relative paths are taken from
    notes: tuple[str, ...] = ()            # what the readers observed on the way (service choice, valueFrom...)
    # A Kubernetes Secret given without a workload: role value ("server_pem", ...) -> the materialised file, keys
    # mapped by name (server.pem/tls.crt, server.key/tls.key, ca.pem/ca.crt, client.pem, client.key)
    secret_files: Mapping[str, str] = field(default_factory=dict)
    helm: Optional[HelmFacts] = None                   # a Helm values file was read
    ingresses: tuple[IngressFacts, ...] = ()           # Ingress objects (manifests or Helm's ingress.*)
    unsafe_entries: tuple[UnsafeEntry, ...] = ()       # Kubernetes keys/paths refused (never written)
    etcd_servers: tuple[EtcdServer, ...] = ()          # the etcd services the files run (Compose)
    s3_servers: tuple[S3Server, ...] = ()              # the S3/MinIO services the files run (Compose)
    # client kind -> clientkinds.TlsConfig a tool's own settings give that client (deploy/attu_env.py: "node",
    # deploy/backup_config.py: "go"); request.py merges them into the request's client arguments
    client_tls: Mapping[str, Any] = field(default_factory=dict)
    # Birdwatcher's connect line (deploy/birdwatcher_args.py, facts/birdwatcher.py): the Birdwatcher -> etcd link
    birdwatcher: Any = None

    @property
    def mode_value(self) -> Optional[int]:
        return self.tls_mode.value if self.tls_mode is not None else None

    @property
    def tls_on(self) -> bool:
        return self.mode_value in (1, 2)

    @property
    def secret_dir(self) -> Optional[str]:
        return self.k8s.secret_dir if self.k8s else None

    @property
    def grpc_port(self) -> Optional[str]:
        return self.compose.grpc_port if self.compose else None

    def path(self, key: str) -> Optional[PathFact]:
        return self.paths.get(key)

    def in_secret_dir(self, path: Optional[str]) -> bool:
        d = self.secret_dir
        return bool(path and d and str(path).startswith(d))

    def secret_entry(self, path: Optional[str]) -> Optional[tuple[Mount, str]]:
        """The Kubernetes mount a materialised file comes from, and its path inside the volume."""
        if not self.in_secret_dir(path):
            return None
        import os.path
        for m in self.mounts:
            if not m.host or m.entries is None:
                continue
            if m.is_file and os.path.normpath(m.host) == os.path.normpath(str(path)):
                return m, "."
            rel = os.path.relpath(str(path), m.host)
            if not rel.startswith("..") and rel in m.entries:
                return m, rel
        return None

    def secret_key(self, path: Optional[str]) -> Optional[tuple[str, str]]:
        """(Secret name, key) of a materialised file; None when it is not one (a ConfigMap, a host file)."""
        found = self.secret_entry(path)
        if found is None:
            return None
        m = re.match(r"key (.+?) of Secret (\S+)", (found[0].entries or {}).get(found[1], ""))
        return (m.group(2), m.group(1)) if m else None

    def kubectl_show(self, path: Optional[str], what: str = "x509 -noout -text") -> Optional[str]:
        """The command that shows a Secret's key as the doctor read it, for fix texts (never the temporary path):
        kubectl get secret NAME -o jsonpath='{.data.tls\\.crt}' | base64 -d | openssl x509 -noout -text"""
        sk = self.secret_key(path)
        if sk is None:
            return None
        name, key = sk
        return (f"kubectl get secret {name} -o jsonpath='{{.data.{key.replace('.', chr(92) + '.')}}}' | base64 -d | "
                f"openssl {what}")

