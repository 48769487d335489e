"""Milvus -> TiKV (metastore.type: tikv): modelled from the source, not run (docs/links.md part 2, "tikv.ssl.*").
Milvus hands tikv.ssl.tlsCACert/tlsCert/tlsKey to tikv/client-go v2.0.4 (config.NewSecurity) when tikv.ssl.enabled is
true; client-go dials TiKV with TLS only when the CA is set, its PD client only when the client pair is set. The
PD/TiKV side is never seen by the doctor."""
from ..facts.modelledlinks import SOURCE_TIKV
from . import LinkSpec

SPEC = LinkSpec(
    name="milvus-tikv",
    title="Milvus -> TiKV (PD and TiKV stores)",
    from_="Milvus (coordinators: rootcoord, datacoord, querycoord; 2.6 mixcoord, streamingnode)",
    to="TiKV cluster (PD at tikv.endpoints, then the TiKV stores PD names)",
    settings=("metastore.type", "tikv.endpoints", "tikv.ssl.enabled", "tikv.ssl.tlsCert", "tikv.ssl.tlsKey",
              "tikv.ssl.tlsCACert"),
    decided_by=f"the Milvus source, not run: {SOURCE_TIKV}; grpc-go over Go crypto/tls of the build",
    judge="milvus_tls_check.rules.links:judge_tikv",
    order=45,
    source="docs/links.md part 2: tikv.ssl.* (Milvus -> TiKV)",
)
