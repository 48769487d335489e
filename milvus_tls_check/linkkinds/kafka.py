"""Milvus -> Kafka: modelled from the source, not run (docs/links.md part 2, "kafka.ssl.* and
kafka.securityProtocol"). Milvus hands kafka.securityProtocol to librdkafka as security.protocol and, with
kafka.ssl.enabled (2.3.11+), kafka.ssl.tlsCert/tlsKey/tlsCaCert as ssl.certificate/key/ca.location; the TLS client
is librdkafka over OpenSSL, not Go. The broker's side is never seen by the doctor."""
from ..facts.modelledlinks import SOURCE_KAFKA
from . import LinkSpec

SPEC = LinkSpec(
    name="milvus-kafka",
    title="Milvus -> Kafka",
    from_="Milvus (every component)",
    to="Kafka brokers (kafka.brokerList)",
    settings=("kafka.brokerList", "kafka.securityProtocol", "kafka.ssl.enabled", "kafka.ssl.tlsCert",
              "kafka.ssl.tlsKey", "kafka.ssl.tlsCaCert", "kafka.ssl.tlsKeyPassword"),
    decided_by=f"the Milvus source, not run: {SOURCE_KAFKA}; librdkafka over OpenSSL",
    judge="milvus_tls_check.rules.links:judge_kafka",
    order=40,
    source="docs/links.md part 2: kafka.ssl.* and kafka.securityProtocol",
)
