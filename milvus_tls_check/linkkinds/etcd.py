"""Milvus -> etcd: every Milvus component is an etcd client (go.etcd.io/etcd/client/v3 over grpc-go) with
`etcd.endpoints` and `etcd.ssl.*`; the etcd service is the server (its --cert-file, --client-cert-auth,
--trusted-ca-file). Observed with real Milvus 2.3.5 against real etcd 3.4 (docs/links.md)."""
from . import LinkSpec

SPEC = LinkSpec(
    name="milvus-etcd",
    title="Milvus -> etcd",
    from_="Milvus (every component)",
    to="etcd",
    settings=("etcd.endpoints", "etcd.ssl.enabled", "etcd.ssl.tlsCert", "etcd.ssl.tlsKey", "etcd.ssl.tlsCACert",
              "etcd.ssl.tlsMinVersion", "etcd --listen-client-urls", "etcd --cert-file", "etcd --key-file",
              "etcd --client-cert-auth", "etcd --trusted-ca-file"),
    decided_by="Go crypto/tls of the Milvus build (etcd client v3)",
    judge="milvus_tls_check.rules.links:judge_etcd",
    prober="milvus_tls_check.handshake.etcdprobe:probe",
    order=10,
    # observed on 2.3.5: every failure of this link leaves Milvus retrying etcd (or panicking) before its proxy listens
    blocks_serving=("etcd.client_pair_unusable", "etcd.ca_unusable", "etcd.server_untrusted", "etcd.name_mismatch",
                    "etcd.client_cert_untrusted", "etcd.ssl_off_tls_server", "etcd.ssl_on_plain_server",
                    "etcd.min_version_invalid", "etcd.min_version_too_high"),
    source="docs/links.md: real Milvus 2.3.5 against real etcd 3.4.23, 11 cases",
)
