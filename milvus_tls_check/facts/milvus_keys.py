"""The TLS key paths each Milvus line reads (paramtable), and where a TLS-looking key the deployment writes is not
one of them. Pure values and functions; the rule is rules/config.check_unread_keys, next to config.misnested (the
tls.* / internaltls.* leaves written under a wrong section, facts/deployment.misnested), which it leaves alone.

How Milvus matches a key (pkg/config/config.go `formatKey`, 2.3.5 @9aceff5a6e34 line 54; file_source.go line 153
stores every yaml key also as formatKey(key)): lower case, "/", "_" and "." removed. So `kafka.ssl.tlsCACert` IS
`kafka.ssl.tlsCaCert` to Milvus, and `common.tls.serverPemPath` is not `tls.serverPemPath`.

Where each key was read (docs/links.md part 2): `pkg/util/paramtable/{component_param,grpc_param,http_param,
service_param}.go` of 2.3.5 @9aceff5a6e34, master @b6fefee0cf1b (2.4), 2.5 @c8e90858d5e3, 2.6 @5b99e9806de9; each
item's `Version:` field says the first release that has it.
"""
from __future__ import annotations

from typing import Optional

from .deployment import MilvusConfig, Setting, misnested, norm_key, per_cluster_key

# key -> the first release that reads it ("Version:" of the paramtable item; 2.3.11/2.3.12 keys are on every 2.4+)
READ_SINCE: dict[str, str] = {
    "common.security.tlsMode": "2.0.0",
    "tls.serverPemPath": "2.0.0", "tls.serverKeyPath": "2.0.0", "tls.caPemPath": "2.0.0",
    "common.security.internaltlsEnabled": "2.5.0",
    "internaltls.serverPemPath": "2.5.0", "internaltls.serverKeyPath": "2.5.0", "internaltls.caPemPath": "2.5.0",
    "internaltls.sni": "2.5.0",
    "etcd.ssl.enabled": "2.0.0", "etcd.ssl.tlsCert": "2.0.0", "etcd.ssl.tlsKey": "2.0.0",
    "etcd.ssl.tlsCACert": "2.0.0", "etcd.ssl.tlsMinVersion": "2.0.0",
    "minio.useSSL": "2.0.0", "minio.ssl.tlsCACert": "2.3.12",
    "kafka.securityProtocol": "2.1.0",
    "kafka.ssl.enabled": "2.3.11", "kafka.ssl.tlsCert": "2.3.11", "kafka.ssl.tlsKey": "2.3.11",
    "kafka.ssl.tlsCaCert": "2.3.11", "kafka.ssl.tlsKeyPassword": "2.3.11",
    "proxy.http.enabled": "2.1.0", "proxy.http.port": "2.3.0",
    # Milvus -> TiKV (service_param.go TiKVConfig/MetaStoreConfig; tikv.* from 337edc321bfc, "tikv integration
    # (#26246)", 2023-09-07)
    "metastore.type": "2.2.0", "tikv.endpoints": "2.3.0",
    "tikv.ssl.enabled": "2.3.0", "tikv.ssl.tlsCert": "2.3.0", "tikv.ssl.tlsKey": "2.3.0", "tikv.ssl.tlsCACert": "2.3.0",
    # Milvus -> Pulsar (service_param.go PulsarConfig): no TLS key; the scheme of the address and the auth plugin
    "mq.type": "2.3.0", "pulsar.address": "2.0.0", "pulsar.port": "2.0.0", "pulsar.authPlugin": "2.2.0",
    "pulsar.authParams": "2.2.0",
    # Milvus 2.6 -> another cluster (replication): per-cluster keys, <id> the target's cluster id (grpc_param.go
    # GetClusterTLSConfig/GetClusterAuthority, no Version field: the release is that of the commit, docs/links.md)
    "tls.clusters.<id>.caPemPath": "2.6.12", "tls.clusters.<id>.clientPemPath": "2.6.12",
    "tls.clusters.<id>.clientKeyPath": "2.6.12", "grpc.clusters.<id>.authority": "2.6.16",
}
# where the paramtable item is, for messages
READ_WHERE = {"etcd": "service_param.go", "minio": "service_param.go", "kafka": "service_param.go",
              "tikv": "service_param.go", "pulsar": "service_param.go", "metastore": "service_param.go",
              "mq": "service_param.go",
              "internaltls": "grpc_param.go", "common": "component_param.go / grpc_param.go", "tls": "grpc_param.go",
              "proxy": "http_param.go", "grpc": "grpc_param.go"}
# written leaves that mean a key of another name (not a case difference: Milvus ignores case and "_")
ALIASES = {"minio": {"ssl": "minio.useSSL", "sslenabled": "minio.useSSL", "tls": "minio.useSSL",
                     "tlsenabled": "minio.useSSL", "usetls": "minio.useSSL", "cacert": "minio.ssl.tlsCACert",
                     "tlscacert": "minio.ssl.tlsCACert"},
           "etcd": {"usessl": "etcd.ssl.enabled", "ssl": "etcd.ssl.enabled", "tlsenabled": "etcd.ssl.enabled"},
           "kafka": {"usessl": "kafka.ssl.enabled", "ssl": "kafka.ssl.enabled", "tlsenabled": "kafka.ssl.enabled",
                     "securityprotocol": "kafka.securityProtocol", "protocol": "kafka.securityProtocol"},
           "tikv": {"usessl": "tikv.ssl.enabled", "ssl": "tikv.ssl.enabled", "tlsenabled": "tikv.ssl.enabled",
                    "cacert": "tikv.ssl.tlsCACert", "tlscacert": "tikv.ssl.tlsCACert"}}
_TLS_WORDS = ("tls", "ssl", "security", "cert", "pem")
_NORM = {norm_key(k): k for k in READ_SINCE}


def read_key(key: str) -> Optional[str]:
    """The READ_SINCE key a written key is (a per-cluster key as its `<id>` template), or None."""
    parsed = per_cluster_key(key)
    if parsed is not None:
        section, _cluster, leaf = parsed
        return f"{section}.clusters.<id>.{leaf}"
    return _NORM.get(norm_key(key))


def _vkey(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def reads(key: str, line: str, patch: Optional[int]) -> bool:
    """Does Milvus `line`.`patch` (patch None: the newest of the line) read `key`?"""
    since = _vkey(READ_SINCE[key])
    if _vkey(line)[:2] > since[:2]:
        return True
    if _vkey(line)[:2] < since[:2]:
        return False
    return patch is None or patch >= since[2]


def tls_looking(key: str) -> bool:
    return any(w in key.lower() for w in _TLS_WORDS)


def meant(key: str) -> Optional[str]:
    """The key Milvus reads that a TLS-looking key not read was meant as, or None (no guess: nothing said)."""
    parts = [norm_key(p) for p in key.split(".") if p]
    if not parts:
        return None
    leaf = parts[-1]
    for section in ("kafka", "minio", "etcd", "tikv"):
        if section not in parts:
            continue
        proper = [k for k in READ_SINCE if k.startswith(section + ".") and norm_key(k.rsplit(".", 1)[1]) == leaf]
        if len(proper) == 1:
            return proper[0]
        alias = ALIASES[section].get(leaf) or (ALIASES[section].get(parts[-2] + leaf) if len(parts) > 1 else None)
        if alias:
            return alias
    if parts[0] == "proxy" and "http" in parts and leaf in ("port", "enabled") and "tls" not in parts:
        return f"proxy.http.{leaf}"
    return None


def unread(config: MilvusConfig) -> list[tuple[Setting, str]]:
    """TLS-looking keys of the yaml layers that no Milvus line reads, with the key meant; the tls.*/internaltls.*
    leaves config.misnested already names are left to it (one cause, one finding)."""
    said = {(s.key, s.source) for s, _ in misnested(config)}
    out = []
    for s in config.settings():
        if s.env or (s.key, s.source) in said or not tls_looking(s.key) or read_key(s.key) is not None:
            continue
        proper = meant(s.key)
        if proper is not None and norm_key(proper) != norm_key(s.key):
            out.append((s, proper))
    return out


def not_in_line(config: MilvusConfig, line: str, patch: Optional[int]) -> list[tuple[Setting, str]]:
    """Keys written as Milvus reads them, but only from a later release than the one judged: (setting, since).
    internaltls.* / internaltlsEnabled are config.internal_tls_files' (it says the same for Milvus before 2.5)."""
    out = []
    for s in config.settings():
        if s.env:
            continue
        key = read_key(s.key)
        if key is None or key.startswith(("internaltls.", "common.security.internaltls")):
            continue
        if not reads(key, line, patch):
            out.append((s, READ_SINCE[key]))
    return out
