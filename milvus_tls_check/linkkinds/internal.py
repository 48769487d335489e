"""Milvus component -> Milvus component (internal gRPC, 2.5+): modelled from the source, not run (docs/links.md part
2, "Internal TLS"). Every component serves internaltls.serverPemPath/serverKeyPath and dials its peers trusting
internaltls.caPemPath and checking the one name internaltls.sni; config.internal_tls_files and
config.internal_sni_mismatch say what breaks it, once."""
from ..facts.modelledlinks import SOURCE_INTERNAL
from . import LinkSpec

SPEC = LinkSpec(
    name="milvus-internal",
    title="Milvus components -> each other (internal TLS)",
    from_="Milvus (every component)",
    to="Milvus (every component's internal gRPC)",
    settings=("common.security.internaltlsEnabled", "internaltls.serverPemPath", "internaltls.serverKeyPath",
              "internaltls.caPemPath", "internaltls.sni"),
    decided_by=f"the Milvus source, not run: {SOURCE_INTERNAL}; grpc-go over Go crypto/tls of the build",
    judge="milvus_tls_check.rules.links:judge_internal",
    order=30,
    source="docs/links.md part 2: Internal TLS (2.5+, internaltls.*)",
)
