"""Milvus -> object storage (S3 / MinIO): two TLS clients on one link, Go's minio-go (datacoord/datanode writes;
Go's system pool or SSL_CERT_FILE) and the querynode's AWS SDK C++ over libcurl/OpenSSL (the system bundle
/etc/ssl/certs/ca-certificates.crt only). Observed with real Milvus 2.3.5 against moto behind real nginx TLS
(docs/links.md part 3)."""
from . import LinkSpec

SPEC = LinkSpec(
    name="milvus-objectstore",
    title="Milvus -> object storage",
    from_="Milvus (datacoord/datanode: Go minio-go; querynode: C++ AWS SDK)",
    to="S3 / MinIO",
    settings=("common.storageType", "minio.address", "minio.port", "minio.useSSL", "minio.bucketName",
              "minio.ssl.tlsCACert (2.3.12+)", "minio.cloudProvider", "SSL_CERT_FILE (Milvus's environment)",
              "/etc/ssl/certs/ca-certificates.crt", "MinIO certs dir (public.crt)"),
    decided_by="Go crypto/tls of the Milvus build (minio-go) and the querynode's libcurl/OpenSSL (system bundle)",
    judge="milvus_tls_check.rules.links:judge_objectstore",
    prober="milvus_tls_check.handshake.s3probe:probe",
    order=20,
    # observed on 2.3.5: these stop Milvus before it serves (the bucket check at start); the querynode's untrusted
    # CA does not (Milvus serves and writes, then a load fails)
    blocks_serving=("objectstore.ssl_on_plain_server", "objectstore.ssl_off_tls_server",
                    "objectstore.server_untrusted", "objectstore.name_mismatch",
                    "objectstore.operator_ssl_not_rendered"),   # Milvus dials plain HTTP to a TLS port: as ssl_off
    source="docs/links.md: real Milvus 2.3.5 against moto S3 behind real nginx TLS, 9 cases",
)
