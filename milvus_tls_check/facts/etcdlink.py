"""Milvus as an etcd client: the settings it reads (`etcd.endpoints`, `etcd.ssl.*`) as the layered configuration
gives them, and the etcd service of the deployment it dials. Pure values and functions; the link's judge is
rules/links.py, its registry entry linkkinds/etcd.py.

What Milvus does with them (pkg/util/etcd/etcd_util.go, 2.3.5 @9aceff5a6e34 lines 38-108; the same switch in 2.5
and 2.6; docs/links.md): with `etcd.ssl.enabled` true it loads the pair (tlsCert, tlsKey) unconditionally
(`tls.LoadX509KeyPair`, "load etcd cert key pair error" -> panic at start), reads tlsCACert into RootCAs (the system
pool is not used), sets MinVersion from tlsMinVersion ("1.0".."1.3", anything else "unknown TLS version"), and
dials every endpoint with Go's crypto/tls of the build (the host of the endpoint is the name checked).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .deployment import DeploymentFacts, Effective, EtcdServer, PathFact, effective, parse_bool

KEYS = ("etcd.endpoints", "etcd.use.embed", "etcd.ssl.enabled", "etcd.ssl.tlsCert", "etcd.ssl.tlsKey",
        "etcd.ssl.tlsCACert", "etcd.ssl.tlsMinVersion")
PATH_KEYS = ("etcd.ssl.tlsCert", "etcd.ssl.tlsKey", "etcd.ssl.tlsCACert")
DEFAULTS = {"etcd.endpoints": "localhost:2379", "etcd.use.embed": "false", "etcd.ssl.enabled": "false",
            "etcd.ssl.tlsMinVersion": "1.3"}   # paramtable defaults (service_param.go), every line 2.3-2.6
TLS_VERSIONS = ("1.0", "1.1", "1.2", "1.3")
# what etcd 3.4/3.5 offers with no --tls-min-version/--tls-max-version: Go's server defaults (TLS 1.2 and 1.3 are
# both offered; observed: etcd 3.4.23 negotiates TLSv1.3, docs/links.md)
ETCD_OFFERS = ("1.2", "1.3")


def _eff(deployment: DeploymentFacts, key: str) -> Effective:
    e = effective(deployment.config, key)
    if e.setting is not None and isinstance(e.setting.value, (list, tuple)):   # `endpoints: [a:2379, b:2379]`
        return Effective(key, ",".join(str(v).strip() for v in e.setting.value), e.setting)
    return e if e.setting is not None else Effective(key, DEFAULTS.get(key, ""), None)


@dataclass(frozen=True)
class EtcdClient:
    """Milvus's etcd client settings, effective (later layers and the environment win)."""

    settings: tuple[Effective, ...]
    endpoints: tuple[str, ...]
    enabled: Optional[bool]            # None: not a value Go's ParseBool takes
    min_version: str
    embed: bool
    files: dict                        # key -> PathFact (only the path keys that are set)

    def get(self, key: str) -> Effective:
        return next(e for e in self.settings if e.key == key)

    @property
    def host(self) -> str:
        return endpoint_host(self.endpoints[0]) if self.endpoints else "localhost"

    @property
    def address(self) -> str:
        return self.endpoints[0] if self.endpoints else ""


def endpoint_host(endpoint: str) -> str:
    """The host of one etcd.endpoints entry ("etcd:2379", "https://etcd:2379", "[::1]:2379")."""
    e = endpoint.split("://", 1)[-1].split("/", 1)[0]
    if e.startswith("["):
        return e[1:e.find("]")]
    return e.rsplit(":", 1)[0] if e.count(":") == 1 else e


def endpoint_port(endpoint: str) -> int:
    e = endpoint.split("://", 1)[-1].split("/", 1)[0]
    tail = e.rsplit("]", 1)[-1] if e.startswith("[") else e
    try:
        return int(tail.rsplit(":", 1)[1]) if ":" in tail else 2379
    except ValueError:
        return 2379


def etcd_client(deployment: Optional[DeploymentFacts]) -> Optional[EtcdClient]:
    if deployment is None or not deployment.has_config:
        return None
    settings = tuple(_eff(deployment, k) for k in KEYS)
    by = {e.key: e for e in settings}
    endpoints = tuple(e.strip() for e in by["etcd.endpoints"].text.split(",") if e.strip())
    return EtcdClient(settings, endpoints, parse_bool(by["etcd.ssl.enabled"].text), by["etcd.ssl.tlsMinVersion"].text,
                      parse_bool(by["etcd.use.embed"].text) is True,
                      {k: deployment.paths[k] for k in PATH_KEYS if k in deployment.paths})


def in_play(deployment: Optional[DeploymentFacts]) -> bool:
    """Does the deployment say anything about TLS on the etcd link (an etcd.ssl.* key, or an etcd service with TLS
    flags)? A deployment that does not is left as before (the link is plaintext, Milvus's default)."""
    if deployment is None:
        return False
    if any(deployment.config.get(k) is not None for k in KEYS if k.startswith("etcd.ssl.")):
        return True
    return any(s.tls or s.files for s in deployment.etcd_servers)


def server_of(deployment: DeploymentFacts, host: str, named_by: str = "etcd.endpoints"
              ) -> tuple[Optional[EtcdServer], str]:
    """The etcd service the endpoint's host names (`named_by`: the client's setting), and how it was picked ("" when
    by name)."""
    servers = deployment.etcd_servers
    for s in servers:
        if s.answers_to(host):
            return s, ""
    if len(servers) == 1:
        return servers[0], (f"{named_by} names {host}, not the one etcd service {servers[0].name}: "
                            f"judged against {servers[0].source}")
    return None, ""


def versions_offered(server: EtcdServer) -> tuple[str, ...]:
    """The TLS versions an etcd service offers by its flags (--tls-min-version / --tls-max-version, etcd 3.5+;
    etcd 3.4 has neither and offers Go's defaults, 1.2 and 1.3)."""
    def norm(v: str) -> str:
        return v.upper().replace("TLS", "").replace("V", "").strip()
    lo, hi = norm(server.flags.get("tls-min-version", "")), norm(server.flags.get("tls-max-version", ""))
    return tuple(v for v in ETCD_OFFERS if (lo not in TLS_VERSIONS or v >= lo) and (hi not in TLS_VERSIONS or v <= hi))


def path_fact(client: EtcdClient, key: str) -> Optional[PathFact]:
    return client.files.get(key)


# --- one etcd client, whoever it is (Milvus's etcd.*, Birdwatcher's connect): what the etcd link's judge needs ------

HOST_SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"   # Go's first well-known roots file (x509.SystemCertPool)


@dataclass(frozen=True)
class EtcdClientWords:
    """How one etcd client names its settings, for the findings' messages and fix commands. The templates take
    {where} (the place the setting is written) and {v} (a value)."""

    who: str                   # "Milvus"
    settings: str              # "etcd.ssl.*": its TLS settings together
    enabled: str               # "etcd.ssl.enabled"
    cert: str
    key: str
    ca: str
    min_version: str
    endpoint: str
    turn_on: str               # "set `etcd.ssl.enabled: true` with tlsCert, tlsKey and tlsCACert in {where}"
    turn_off: str
    set_min: str               # "write `etcd.ssl.tlsMinVersion: \"{v}\"` in {where}"
    pair_fails: str            # what a pair that does not load does to the client
    ca_fails: str              # what a CA file that does not load does
    min_fails: str             # what an unknown minimum version does
    trusts: str                # whose roots it verifies etcd with ("that file only")


MILVUS_WORDS = EtcdClientWords(
    who="Milvus", settings="etcd.ssl.*", enabled="etcd.ssl.enabled", cert="etcd.ssl.tlsCert", key="etcd.ssl.tlsKey", ca="etcd.ssl.tlsCACert",
    min_version="etcd.ssl.tlsMinVersion", endpoint="etcd.endpoints",
    turn_on="set `etcd.ssl.enabled: true` with tlsCert, tlsKey and tlsCACert in {where}",
    turn_off="set `etcd.ssl.enabled: false` in {where}",
    set_min="write `etcd.ssl.tlsMinVersion: \"{v}\"` in {where}",
    pair_fails="Milvus loads the pair at start whether etcd asks for it or not, and panics (\"load etcd cert key "
               "pair error\")",
    ca_fails="Milvus's etcd client trusts only that file",
    min_fails="Milvus knows only 1.0, 1.1, 1.2 and 1.3",
    trusts="etcd.ssl.tlsCACert")


@dataclass(frozen=True)
class DialerFile:
    """One file an etcd client opens: as it names it, where the doctor reads it."""

    setting: str               # "etcd.ssl.tlsCert", "--etcdCert"
    path: str                  # as the client opens it (a container path; Birdwatcher's as written)
    host: Optional[str]        # the file read here (None: not readable here)
    source: str                # where the setting is written
    unseen: str = ""           # behind a mount the doctor cannot look into: that mount ("" : not so)
    unreadable: str = "does not exist or is not a regular readable file"   # why, when the host file did not load


@dataclass(frozen=True)
class EtcdDialer:
    """One etcd client as the etcd link's judge (rules/links.py judge_etcd_client) sees it."""

    words: EtcdClientWords
    address: str               # the endpoint dialled, host:port
    host: str                  # the name Go checks (the endpoint's host)
    enabled: bool
    enabled_said: str          # "etcd.ssl.enabled is false (milvus.yaml)"
    enabled_where: str         # where to change it
    min_version: str
    min_said: str              # "etcd.ssl.tlsMinVersion is 1.3 (Milvus's default)"
    min_where: str
    cert: Optional[DialerFile]
    key: Optional[DialerFile]
    ca: Optional[DialerFile]
    go: str                    # the Go toolchain of the client's build
    go_line: str               # its go.mod line
    ca_required: bool = True   # RootCAs is the CA file only (Milvus); False: the system pool plus the CA file
    system_roots: Optional[DialerFile] = None   # the system pool, as this host's bundle models it
    notes: tuple[str, ...] = ()


def milvus_dialer(client: EtcdClient, go: str, go_line: str) -> EtcdDialer:
    """Milvus's etcd client (etcd.endpoints, etcd.ssl.*) as a dialer."""
    def dfile(key: str) -> Optional[DialerFile]:
        info = client.files.get(key)
        if info is None:
            return None
        unseen = (info.describe_source() or "a mount") if not info.host and info.satisfied else ""
        return DialerFile(key, info.container, info.host or None, info.eff.source, unseen,
                          "is provided by no volume of the Milvus container" if not info.satisfied else
                          "does not exist or is not a regular readable file")
    enabled, minv = client.get("etcd.ssl.enabled"), client.get("etcd.ssl.tlsMinVersion")
    return EtcdDialer(MILVUS_WORDS, client.address, client.host, client.enabled is True,
                      f"etcd.ssl.enabled is {enabled.text or 'false'} ({enabled.source})", enabled.source,
                      client.min_version, f"etcd.ssl.tlsMinVersion is {client.min_version} ({minv.source})",
                      minv.source, dfile("etcd.ssl.tlsCert"), dfile("etcd.ssl.tlsKey"), dfile("etcd.ssl.tlsCACert"),
                      go, go_line)
