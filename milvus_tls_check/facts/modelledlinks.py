"""The links the doctor models from the Milvus source and does not run (docs/links.md part 2): clients -> proxy REST,
internal TLS between components (2.5+), Milvus -> Kafka (2.3.11+). Pure values and functions; the judges are in
rules/links.py (judge_rest, judge_internal, judge_kafka), the registry entries in linkkinds/{rest,internal,kafka}.py.

A link is in play only when the deployment writes one of its keys: a deployment that says nothing of it keeps its
report as it was.
"""
from __future__ import annotations

from typing import Optional

from .deployment import DeploymentFacts, Effective, effective

REST_KEYS = ("proxy.http.enabled", "proxy.http.port", "proxy.port")
INTERNAL_KEYS = ("common.security.internaltlsEnabled", "internaltls.serverPemPath", "internaltls.serverKeyPath",
                 "internaltls.caPemPath", "internaltls.sni")
KAFKA_KEYS = ("kafka.brokerList", "kafka.securityProtocol", "kafka.ssl.enabled", "kafka.ssl.tlsCert",
              "kafka.ssl.tlsKey", "kafka.ssl.tlsCaCert", "kafka.ssl.tlsKeyPassword")
# librdkafka's security.protocol values (case-insensitive); Milvus passes kafka.securityProtocol through when set
KAFKA_PROTOCOLS = ("plaintext", "ssl", "sasl_plaintext", "sasl_ssl")
KAFKA_TLS_PROTOCOLS = ("ssl", "sasl_ssl")
KAFKA_SSL_SINCE = "2.3.11"
SECRET_KEYS = ("kafka.ssl.tlsKeyPassword",)   # never in a report

SOURCE_REST = ("internal/distributed/proxy/service.go (2.3.5 @9aceff5a6e34 lines 481-538, 2.4 @b6fefee0cf1b); "
               "listener_manager.go (2.5 @c8e90858d5e3 lines 91-144, 2.6 @5b99e9806de9 lines 95-148)")
SOURCE_INTERNAL = ("internal/distributed/utils/util.go lines 53-66 (server) and internal/util/grpcclient/client.go "
                   "lines 272-281 (client), 2.5 @c8e90858d5e3; grpc_param.go InternalTLSConfig (2.6 @5b99e9806de9)")
SOURCE_KAFKA = ("pkg/mq/msgstream/mqwrapper/kafka/kafka_client.go lines 85-104 (2.5 @c8e90858d5e3); "
                "service_param.go kafka.ssl.* Version 2.3.11")


def _written(deployment: Optional[DeploymentFacts], keys) -> bool:
    return deployment is not None and any(deployment.config.get(k) is not None for k in keys)


def rest_in_play(deployment: Optional[DeploymentFacts]) -> bool:
    return _written(deployment, REST_KEYS[:2])


def internal_in_play(deployment: Optional[DeploymentFacts]) -> bool:
    return _written(deployment, INTERNAL_KEYS)


def kafka_in_play(deployment: Optional[DeploymentFacts]) -> bool:
    """Kafka's TLS is named (kafka.securityProtocol or a kafka.ssl.* key); kafka.brokerList alone says nothing."""
    return _written(deployment, KAFKA_KEYS[1:])


def in_play(deployment: Optional[DeploymentFacts]) -> bool:
    return rest_in_play(deployment) or internal_in_play(deployment) or kafka_in_play(deployment)


def settings(deployment: DeploymentFacts, keys) -> tuple[Effective, ...]:
    """The effective settings of a link (only those written or with a Milvus default)."""
    out = []
    for key in keys:
        e = effective(deployment.config, key)
        if key in SECRET_KEYS and e.text:
            e = Effective(e.key, "(set, not shown)", e.setting)
        if e.setting is not None or e.text:
            out.append(e)
    return tuple(out)
