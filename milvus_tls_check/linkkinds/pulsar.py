"""Milvus -> Pulsar: modelled from the source, not run (docs/links.md part 2, "pulsar.*"). Milvus gives
pulsar-client-go only the URL (pulsar.address) and an Authentication (pulsar.authPlugin/authParams): no TLS option
at all. A pulsar+ssl:// address is TLS verified against Go's system roots and the dialled host; the "tls" auth plugin
is the only way to send a client certificate. The brokers are never seen by the doctor."""
from ..facts.modelledlinks import SOURCE_PULSAR
from . import LinkSpec

SPEC = LinkSpec(
    name="milvus-pulsar",
    title="Milvus -> Pulsar",
    from_="Milvus (every component)",
    to="Pulsar brokers (pulsar.address)",
    settings=("mq.type", "pulsar.address", "pulsar.port", "pulsar.authPlugin", "pulsar.authParams"),
    decided_by=f"the Milvus source, not run: {SOURCE_PULSAR}; pulsar-client-go over Go crypto/tls of the build",
    judge="milvus_tls_check.rules.links:judge_pulsar",
    order=42,
    source="docs/links.md part 2: pulsar.* (Milvus -> Pulsar)",
)
