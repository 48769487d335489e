"""The lab: observation infrastructure for tests and tools/, outside the installed package (the wheel holds only
milvus_tls_check); the doctor never imports it (import-linter).

realmilvus  start PyPI's embedded Milvus on loopback and run a real pymilvus client against it (integration
            tests, tools/observe_real.py, tools/try_for_real.py)
material    certificate material for the observations (the docs' openssl procedure, every variant's builder)
cases       the observation cases: servers (tlsMode and files) and the pymilvus clients tried against each
rehearsal   the same client against a grpcio (BoringSSL) server set up like Milvus' proxy
evidence    raw output -> recorded evidence (pymilvus' cause, Go's logged reason, start failures, versions)
links       a real etcd (Debian etcd-server) over TLS and the embedded Milvus against it (etcd.use.embed false,
            etcd.ssl.*), a TLS 1.2-only nginx in front; the etcd cases (tools/observe_links.py, docs/links.md)
objectstore a real S3 (PyPI moto[server]) behind real nginx TLS and the embedded Milvus against it
            (common.storageType remote, minio.*; the CA in its system bundle or SSL_CERT_FILE); the object-storage
            cases (tools/observe_objectstore.py, docs/links.md)
"""
