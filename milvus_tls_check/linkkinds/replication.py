"""Milvus 2.6 -> another Milvus cluster's proxy (replication, the CDC built into 2.6): modelled from the source, not
run (docs/links.md part 2, "tls.clusters.<id>.*"). For each target cluster id, Milvus 2.6.12+ builds a tls.Config
from tls.clusters.<id>.{caPemPath,clientPemPath,clientKeyPath} only when both client paths are set (RootCAs: the CA
file only, the client pair, TLS 1.3 minimum), and 2.6.16+ dials with grpc.clusters.<id>.authority as the gRPC
authority, which grpc-go also makes the name Go checks. The target's URI comes from the replicate configuration
(an API call, not milvus.yaml): the target's side is never seen by the doctor."""
from ..facts.modelledlinks import SOURCE_REPLICATION
from . import LinkSpec

SPEC = LinkSpec(
    name="milvus-replication",
    title="Milvus 2.6 -> another cluster's proxy (replication)",
    from_="Milvus 2.6 (the CDC component's channel replicators)",
    to="the target Milvus cluster's proxy (the replicate configuration's connection_param.uri)",
    settings=("tls.clusters.<id>.caPemPath", "tls.clusters.<id>.clientPemPath", "tls.clusters.<id>.clientKeyPath",
              "grpc.clusters.<id>.authority"),
    decided_by=f"the Milvus source, not run: {SOURCE_REPLICATION}; grpc-go over Go crypto/tls of the 2.6 build",
    judge="milvus_tls_check.rules.links:judge_replication",
    order=48,
    source="docs/links.md part 2: tls.clusters.<id>.* (Milvus 2.6 replication)",
)
