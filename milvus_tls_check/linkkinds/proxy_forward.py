"""The 2.6 proxy -> the 2.5 proxies it forwards DML and DQL to during a rolling upgrade (until the streaming service
is on): modelled from the source, not run (docs/links.md part 2, "The 2.6 proxy forward service", milvus#48224).
With tlsMode 1 or 2 the forward dials each 2.5 proxy's public gRPC port with TLS and no client certificate; 2.6.7 to
2.6.12 verify the 2.5 proxy's certificate against the system roots and the name "proxy" (the gRPC authority of
`session:///proxy`), 2.6.13+ verify nothing. The 2.5 proxy serves the front door's tls.* certificate."""
from ..facts.modelledlinks import SOURCE_FORWARD
from . import LinkSpec

SPEC = LinkSpec(
    name="milvus-proxy-forward",
    title="Milvus 2.6 proxy -> 2.5 proxies (rolling-upgrade forward)",
    from_="Milvus 2.6 proxy (forward service)",
    to="Milvus 2.5 proxies (their public gRPC port, proxy.port)",
    settings=("common.security.tlsMode", "tls.serverPemPath", "proxy.port"),
    decided_by=f"the Milvus source, not run: {SOURCE_FORWARD}; grpc-go over Go crypto/tls of the 2.6 build",
    judge="milvus_tls_check.rules.links:judge_proxy_forward",
    order=6,
    source="docs/links.md part 2: The 2.6 proxy forward service (milvus#48224)",
)
