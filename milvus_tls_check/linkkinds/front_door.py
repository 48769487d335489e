"""The front door: clients (pymilvus, the Go SDK, the Node SDK, ...) -> the Milvus proxy's gRPC port. Its verdict
is the report's own (every evaluated tlsMode, every selected client): it is on the TLS map so the map is whole."""
from ..model import FRONT_DOOR
from . import LinkSpec

SPEC = LinkSpec(
    name=FRONT_DOOR,
    title="clients -> Milvus proxy (gRPC)",
    from_="clients",
    to="Milvus proxy (gRPC)",
    settings=("common.security.tlsMode", "tls.serverPemPath", "tls.serverKeyPath", "tls.caPemPath",
              "the client's TLS arguments"),
    decided_by="the per-mode verdict: each client's TLS stack against Milvus's Go crypto/tls (rehearsed or live)",
    judge="milvus_tls_check.verdict:front_door_link",
    order=0,
    serves=True,
    source="docs/ARCHITECTURE.md (the whole doctor)",
)
