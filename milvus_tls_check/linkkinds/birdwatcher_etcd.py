"""Birdwatcher -> etcd: Birdwatcher (milvus-io/birdwatcher, the Milvus debugging tool) reads Milvus's metadata
straight from etcd with go.etcd.io/etcd/client/v3 over grpc-go, its TLS from its connect flags (--enableTLS,
--rootCAPem, --etcdCert, --etcdKey, --min_version, default 1.2: facts/birdwatcher.py). Judged with the etcd link's
rules and codes (rules/links.py judge_etcd_client), its connect line by cobra/pflag's rules; with --probe-links
real Go crypto/tls configured as Birdwatcher configures it makes a real etcd request (handshake/etcdprobe.py)."""
from . import LinkSpec

SPEC = LinkSpec(
    name="birdwatcher-etcd",
    title="Birdwatcher -> etcd",
    from_="Birdwatcher (connect)",
    to="etcd",
    settings=("--etcd", "--enableTLS", "--rootCAPem", "--etcdCert", "--etcdKey", "--min_version", "--use_ssl",
              "etcd --listen-client-urls", "etcd --cert-file", "etcd --key-file", "etcd --client-cert-auth",
              "etcd --trusted-ca-file"),
    decided_by="Go crypto/tls as Birdwatcher configures it (milvus-io/birdwatcher@9e8cebedfb21 "
               "states/etcd_connect.go getTLSConfig; etcd client v3.5.23, Go 1.25)",
    judge="milvus_tls_check.rules.links:judge_birdwatcher_etcd",
    prober="milvus_tls_check.handshake.etcdprobe:probe_birdwatcher",
    order=12,
    source="docs/links.md part 5: Birdwatcher's source read at 9e8cebedfb21; real Go with its tls.Config against "
           "real etcd 3.4.23",
)
