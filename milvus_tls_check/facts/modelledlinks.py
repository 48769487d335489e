"""The links the doctor models from the Milvus source and does not run (docs/links.md part 2): clients -> proxy REST,
internal TLS between components (2.5+), Milvus -> Kafka (2.3.11+), the 2.6 proxy's forward to 2.5 proxies, Milvus ->
TiKV (metastore.type tikv), Milvus -> Pulsar, Milvus 2.6 -> another cluster (replication). Pure values and functions; the judges are in rules/links.py
(judge_rest, judge_internal, judge_kafka, judge_proxy_forward, judge_tikv, judge_pulsar, judge_replication), the
registry entries in linkkinds/{rest,internal,kafka,proxy_forward,tikv,pulsar,replication}.py.

A link is in play only when the deployment writes one of its keys: a deployment that says nothing of it keeps its
report as it was.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping, Optional

from .deployment import (DeploymentFacts, Effective, MilvusConfig, Setting, as_text, effective, norm_key,
                         per_cluster_key)

REST_KEYS = ("proxy.http.enabled", "proxy.http.port", "proxy.port")
INTERNAL_KEYS = ("common.security.internaltlsEnabled", "internaltls.serverPemPath", "internaltls.serverKeyPath",
                 "internaltls.caPemPath", "internaltls.sni")
KAFKA_KEYS = ("kafka.brokerList", "kafka.securityProtocol", "kafka.ssl.enabled", "kafka.ssl.tlsCert",
              "kafka.ssl.tlsKey", "kafka.ssl.tlsCaCert", "kafka.ssl.tlsKeyPassword")
# librdkafka's security.protocol values (case-insensitive); Milvus passes kafka.securityProtocol through when set
KAFKA_PROTOCOLS = ("plaintext", "ssl", "sasl_plaintext", "sasl_ssl")
KAFKA_TLS_PROTOCOLS = ("ssl", "sasl_ssl")
KAFKA_SSL_SINCE = "2.3.11"
# TiKV (service_param.go TiKVConfig, every key Version 2.3.0; metastore.type Version 2.2.0, default etcd)
TIKV_KEYS = ("metastore.type", "tikv.endpoints", "tikv.ssl.enabled", "tikv.ssl.tlsCert", "tikv.ssl.tlsKey",
             "tikv.ssl.tlsCACert")
TIKV_PATH_KEYS = ("tikv.ssl.tlsCert", "tikv.ssl.tlsKey", "tikv.ssl.tlsCACert")
TIKV_DEFAULTS = {"metastore.type": "etcd", "tikv.endpoints": "localhost:2379", "tikv.ssl.enabled": "false"}
# Pulsar (service_param.go PulsarConfig): no TLS key at all; the TLS is the address's scheme, a client certificate
# only through the "tls" auth plugin. pulsar.authParams may hold a token: never in a report.
PULSAR_KEYS = ("mq.type", "pulsar.address", "pulsar.port", "pulsar.authPlugin", "pulsar.authParams")
PULSAR_DEFAULTS = {"mq.type": "default", "pulsar.port": "6650"}
PULSAR_TLS_SCHEMES = ("pulsar+ssl", "https")          # pulsar-client-go's serviceURI.UseTLS()
PULSAR_TLS_PLUGINS = ("tls", "org.apache.pulsar.client.impl.auth.AuthenticationTls")
PULSAR_PLUGINS = ("", "tls", "token", "athenz", "oauth2", "basic", *(
    f"org.apache.pulsar.client.impl.auth.{n}" for n in ("AuthenticationTls", "AuthenticationToken",
                                                          "AuthenticationAthenz", "oauth2.AuthenticationOAuth2",
                                                          "AuthenticationBasic")))
OTHER_MQ = ("kafka", "rocksmq", "natsmq", "woodpecker")   # mq.type values that never dial Pulsar
# the 2.6 proxy's forward to 2.5 proxies (internal/distributed/streaming/forward.go): first on the 2.6 branch between
# the v2.6.6 and v2.6.7 version bumps, verification dropped between the v2.6.12 and v2.6.13 bumps
FORWARD_SINCE_PATCH = 7
FORWARD_SKIPS_VERIFY_PATCH = 13
FORWARD_NAME = "proxy"   # the gRPC authority of the target "session:///proxy": grpc-go's ServerName
# Milvus 2.6 -> another cluster's proxy (replication / CDC built in): per-cluster keys read by grpc_param.go
# GetClusterTLSConfig (from fd2d8efa33, #48023: between the v2.6.11 and v2.6.12 bumps) and GetClusterAuthority (from
# 0ca7711011, #49486: between the v2.6.15 and v2.6.16 bumps)
CLUSTER_TLS_SINCE = "2.6.12"
CLUSTER_AUTHORITY_SINCE = "2.6.16"
CLUSTER_PATH_LEAVES = ("caPemPath", "clientPemPath", "clientKeyPath")
SECRET_KEYS = ("kafka.ssl.tlsKeyPassword", "pulsar.authParams")   # never in a report

SOURCE_REST = ("internal/distributed/proxy/service.go (2.3.5 @9aceff5a6e34 lines 481-538, 2.4 @b6fefee0cf1b); "
               "listener_manager.go (2.5 @c8e90858d5e3 lines 91-144, 2.6 @5b99e9806de9 lines 95-148)")
SOURCE_INTERNAL = ("internal/distributed/utils/util.go lines 53-66 (server) and internal/util/grpcclient/client.go "
                   "lines 272-281 (client), 2.5 @c8e90858d5e3; grpc_param.go InternalTLSConfig (2.6 @5b99e9806de9)")
SOURCE_KAFKA = ("pkg/mq/msgstream/mqwrapper/kafka/kafka_client.go lines 85-104 (2.5 @c8e90858d5e3); "
                "service_param.go kafka.ssl.* Version 2.3.11")
SOURCE_FORWARD = ("internal/distributed/streaming/forward.go getDialOptions lines 217-225 (2.6 @5b99e9806de9; "
                  "tls.Config{} from e9d920a785 (#45922) until 0030e5ceb8e5 (#48226, milvus#48224): InsecureSkipVerify)")
SOURCE_TIKV = ("pkg/util/tikv/tikv_util.go lines 26-35 (2.3.5 @9aceff5a6e34, 2.5 @c8e90858d5e3, 2.6 @5b99e9806de9); "
               "tikv/client-go v2.0.4 config/security.go lines 64-106, internal/client/client.go lines 141-149; "
               "tikv/pd client @80f0d8ca4d07 client/tlsutil/tlsconfig.go lines 186-226")
SOURCE_REPLICATION = ("internal/cdc/cluster/milvus_client.go NewMilvusClient/buildCDCTLSConfig lines 45-92, "
                      "client/milvusclient/tls.go BuildTLSConfig lines 29-58, client_config.go lines 98-102 and "
                      "153-166, pkg/util/paramtable/grpc_param.go lines 142-158 (2.6 @5b99e9806de9); grpc-go v1.79.3 "
                      "clientconn.go lines 1085-1093 and 1917-1951 (initAuthority), credentials/tls.go lines 114-123")
SOURCE_PULSAR = ("pkg/mq/msgstream/mq_factory.go lines 92-142 (2.3.5 @9aceff5a6e34), pkg/streaming/walimpls/impls/"
                 "pulsar/builder.go lines 50-70 (2.6 @5b99e9806de9): URL and Authentication only; pulsar-client-go "
                 "v0.19.0 pulsar/internal/connection.go lines 268-280, 1111-1163")


def _written(deployment: Optional[DeploymentFacts], keys) -> bool:
    return deployment is not None and any(deployment.config.get(k) is not None for k in keys)


def rest_in_play(deployment: Optional[DeploymentFacts]) -> bool:
    return _written(deployment, REST_KEYS[:2])


def internal_in_play(deployment: Optional[DeploymentFacts]) -> bool:
    return _written(deployment, INTERNAL_KEYS)


def kafka_in_play(deployment: Optional[DeploymentFacts]) -> bool:
    """Kafka's TLS is named (kafka.securityProtocol or a kafka.ssl.* key); kafka.brokerList alone says nothing."""
    return _written(deployment, KAFKA_KEYS[1:])


def tikv_in_play(deployment: Optional[DeploymentFacts]) -> bool:
    """metastore.type written as tikv, or a tikv.ssl.* key written."""
    if deployment is None:
        return False
    store = deployment.config.get("metastore.type")
    return (store is not None and str(store.value).strip() == "tikv") or _written(deployment, TIKV_KEYS[2:])


def pulsar_in_play(deployment: Optional[DeploymentFacts]) -> bool:
    """A pulsar.address with a TLS scheme, a pulsar.authPlugin, or a TLS-looking pulsar.* key Milvus does not read;
    a plain `pulsar.address: pulsar` (every template has one) says nothing of TLS."""
    if deployment is None:
        return False
    address = deployment.config.get("pulsar.address")
    plugin = deployment.config.get("pulsar.authPlugin")
    return ((address is not None and pulsar_scheme(str(address.value)) in PULSAR_TLS_SCHEMES)
            or (plugin is not None and str(plugin.value or "").strip() != "")
            or bool(pulsar_unread(deployment)))


def pulsar_scheme(address: str) -> str:
    """The scheme pulsar-client-go sees: Milvus's Formatter keeps an address with a ":" and makes any other
    `pulsar://<address>:<pulsar.port>`."""
    address = address.strip()
    if not address:
        return ""
    if ":" not in address:
        return "pulsar"
    return address.split("://", 1)[0].lower() if "://" in address else ""


def pulsar_url(address: str, port: str) -> str:
    address = address.strip()
    return address if not address or ":" in address else f"pulsar://{address}:{port}"


def pulsar_auth_params(text: str) -> dict[str, str]:
    """pulsar.authParams as Milvus's Formatter reads it: `key:value` pairs split on "," and ":", a pair kept only
    when it splits in exactly two (a JSON text or a value with a ":" is lost)."""
    out = {}
    for param in text.split(","):
        kv = param.split(":")
        if len(kv) == 2:
            out[kv[0]] = kv[1]
    return out


def pulsar_unread(deployment: DeploymentFacts) -> list:
    """TLS-looking pulsar.* keys the deployment writes: Milvus reads none (it sets no pulsar-client-go TLS option)."""
    from .deployment import norm_key
    read = {norm_key(k) for k in PULSAR_KEYS}
    return [s for s in deployment.config.settings() if not s.env and norm_key(s.key).startswith("pulsar")
            and norm_key(s.key) not in read and any(w in s.key.lower() for w in ("tls", "ssl", "cert", "trust"))]


@dataclass(frozen=True)
class ClusterTls:
    """What one milvus.yaml says of the replication client to one target cluster (tls.clusters.<id>.*,
    grpc.clusters.<id>.authority): the last layer's setting of each leaf, keyed as Milvus spells the leaf."""

    cluster: str
    settings: Mapping[str, Setting]

    def text(self, leaf: str) -> str:
        s = self.settings.get(leaf)
        return as_text(s.value) if s is not None else ""

    def key(self, leaf: str) -> str:
        """The key Milvus reads for this leaf (and the doctor's paths key)."""
        section = "grpc" if leaf == "authority" else "tls"
        return f"{section}.clusters.{self.cluster}.{leaf}"

    @property
    def pair_set(self) -> bool:
        """buildCDCTLSConfig builds a tls.Config only when both client paths are non-empty (lines 80-83)."""
        return bool(self.text("clientPemPath")) and bool(self.text("clientKeyPath"))


def replication_clusters(config: Optional[MilvusConfig]) -> tuple[ClusterTls, ...]:
    """Every target cluster the yaml layers write a tls.clusters.<id>.* or grpc.clusters.<id>.authority key for,
    in the order first written (environment variables are left out: the cluster id cannot be told from a name)."""
    if config is None:
        return ()
    found: dict[str, tuple[str, dict[str, Setting]]] = {}
    for s in config.settings():
        parsed = None if s.env else per_cluster_key(s.key)
        if parsed is not None:   # Milvus looks the key up through formatKey: ids that differ in case are one
            _section, cluster, leaf = parsed
            found.setdefault(norm_key(cluster), (cluster, {}))[1][leaf] = s
    return tuple(ClusterTls(cluster, MappingProxyType(leaves)) for cluster, leaves in found.values())


def replication_in_play(deployment: Optional[DeploymentFacts]) -> bool:
    return deployment is not None and bool(replication_clusters(deployment.config))


def forward_applies(line: str, patch: Optional[int]) -> bool:
    """Has this Milvus the proxy's forward to 2.5 proxies (2.6.7+; a bare 2.6 is its newest)?"""
    return line == "2.6" and (patch is None or patch >= FORWARD_SINCE_PATCH)


def forward_verifies(patch: Optional[int]) -> bool:
    """Does the forward verify the 2.5 proxy's certificate (system roots, name "proxy")? 2.6.7-2.6.12 only."""
    return patch is not None and patch < FORWARD_SKIPS_VERIFY_PATCH


def in_play(deployment: Optional[DeploymentFacts]) -> bool:
    return (rest_in_play(deployment) or internal_in_play(deployment) or kafka_in_play(deployment)
            or tikv_in_play(deployment) or pulsar_in_play(deployment) or replication_in_play(deployment))


def settings(deployment: DeploymentFacts, keys) -> tuple[Effective, ...]:
    """The effective settings of a link (only those written or with a Milvus default)."""
    out = []
    for key in keys:
        e = effective(deployment.config, key)
        if e.setting is None and key in {**TIKV_DEFAULTS, **PULSAR_DEFAULTS}:
            e = Effective(key, {**TIKV_DEFAULTS, **PULSAR_DEFAULTS}[key], None)
        if key in SECRET_KEYS and e.text:
            e = Effective(e.key, "(set, not shown)", e.setting)
        if e.setting is not None or e.text:
            out.append(e)
    return tuple(out)
