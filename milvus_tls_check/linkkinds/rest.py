"""Clients -> the proxy's REST listener (`proxy.http.port`): modelled from the source of each line, not run
(docs/links.md part 2, "The REST listener"). It shares the gRPC port only in tlsMode 0; under TLS it needs its own
port, where it serves the same tls.* certificates (mode 2: client certificate required, TLS 1.3 minimum); 2.4.13+,
2.5 and 2.6 refuse to start with a shared port under TLS (config.http_port_shared says so, once)."""
from ..facts.modelledlinks import SOURCE_REST
from . import LinkSpec

SPEC = LinkSpec(
    name="client-proxy-rest",
    title="clients -> Milvus proxy (REST)",
    from_="REST clients (curl, HTTP SDK calls)",
    to="Milvus proxy (REST, proxy.http.port)",
    settings=("common.security.tlsMode", "proxy.http.enabled", "proxy.http.port", "proxy.port", "tls.serverPemPath",
              "tls.serverKeyPath", "tls.caPemPath"),
    decided_by=f"the Milvus source, not run: {SOURCE_REST}; the certificates are the front door's",
    judge="milvus_tls_check.rules.links:judge_rest",
    order=5,
    serves=True,
    source="docs/links.md part 2: The REST listener (proxy.http.port) and TLS",
)
