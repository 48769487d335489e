"""Milvus as an object-storage (S3/MinIO) client: the settings it reads (`common.storageType`, `minio.*`), the roots
each of its two TLS clients trusts, and the S3 service of the deployment it dials. Pure values and functions; the
link's judge is rules/links.py (judge_objectstore), its registry entry linkkinds/object_storage.py.

What Milvus does (docs/links.md part 2 and 3; observed with real Milvus 2.3.5 against moto behind nginx TLS):

- the endpoint: `minio.address` when it carries a port (then `minio.port` is ignored: service_param.go
  @9aceff5a6e34 lines 973-985, observed `port-in-address`), else `minio.address:minio.port`; `https` iff
  `minio.useSSL`. Both clients dial that same host:port.
- two TLS clients: Go's minio-go (datacoord/datanode writes) with Go's system pool (`SSL_CERT_FILE` when set, else
  /etc/ssl/certs/ca-certificates.crt and the other well-known files), and the querynode's AWS SDK C++ over
  libcurl/OpenSSL, whose CAfile is /etc/ssl/certs/ca-certificates.crt only (SSL_CERT_FILE is not read: observed).
- `minio.ssl.tlsCACert` exists from 2.3.12 (absent in 2.3.0-2.3.11: written there it does nothing, observed on
  2.3.5); where it exists and useSSL is true it is `os.Setenv("SSL_CERT_FILE", ...)` for the Go side, and on 2.5/2.6
  the C++ side sets `verifySSL = false` with it (read, not run).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .deployment import DeploymentFacts, Effective, PathFact, effective, parse_bool, resolve

KEYS = ("common.storageType", "minio.address", "minio.port", "minio.useSSL", "minio.bucketName",
        "minio.ssl.tlsCACert", "minio.cloudProvider")
DEFAULTS = {"common.storageType": "remote", "minio.address": "localhost", "minio.port": "9000",
            "minio.useSSL": "false", "minio.bucketName": "a-bucket", "minio.cloudProvider": "aws"}
SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"   # libcurl's compiled-in CAfile; Go's first well-known file
CA_KEY, ENV_KEY, BUNDLE_KEY = "minio.ssl.tlsCACert", "SSL_CERT_FILE", SYSTEM_BUNDLE   # deployment.paths keys
TRUST_KEYS = (CA_KEY, ENV_KEY, BUNDLE_KEY)
TLS_CA_CERT_SINCE = ("2.3", 12)        # minio.ssl.tlsCACert: Version "2.3.12" in service_param.go
CPP_VERIFY_OFF_WITH_CA = "2.5"         # 2.5/2.6 MinioChunkManager.cpp: caPath + verifySSL = false


def _eff(deployment: DeploymentFacts, key: str) -> Effective:
    e = effective(deployment.config, key)
    return e if e.setting is not None else Effective(key, DEFAULTS.get(key, ""), None)


def env_value(deployment: DeploymentFacts, name: str) -> Optional[Effective]:
    """A variable of Milvus's own environment (a Compose `environment:`, a pod's env), not a Milvus setting."""
    found = None
    for s in deployment.config.settings():
        if s.env and s.key == name:
            found = Effective(name, str(s.value or "").strip(), s)
    return found


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: str
    port_ignored: bool       # minio.address carries a port: minio.port is not used

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def endpoint(address: str, port: str) -> Endpoint:
    a = address.split("://", 1)[-1].split("/", 1)[0]
    if a.startswith("["):
        host, _, rest = a[1:].partition("]")
        return Endpoint(host, rest[1:] if rest.startswith(":") else port, rest.startswith(":"))
    if a.count(":") == 1:
        host, p = a.split(":")
        return Endpoint(host, p, True)
    return Endpoint(a, port, False)


@dataclass(frozen=True)
class ObjectStoreClient:
    settings: tuple[Effective, ...]
    storage_type: str
    use_ssl: Optional[bool]
    endpoint: Endpoint
    cloud_provider: str
    files: dict                        # minio.ssl.tlsCACert / SSL_CERT_FILE / the system bundle -> PathFact
    ssl_cert_file: Optional[Effective]

    def get(self, key: str) -> Effective:
        return next(e for e in self.settings if e.key == key)


def client(deployment: Optional[DeploymentFacts]) -> Optional[ObjectStoreClient]:
    if deployment is None or not deployment.has_config:
        return None
    settings = tuple(_eff(deployment, k) for k in KEYS)
    by = {e.key: e for e in settings}
    return ObjectStoreClient(settings, by["common.storageType"].text.lower(), parse_bool(by["minio.useSSL"].text),
                             endpoint(by["minio.address"].text, by["minio.port"].text),
                             by["minio.cloudProvider"].text.lower() or "aws",
                             {k: deployment.paths[k] for k in TRUST_KEYS if k in deployment.paths},
                             env_value(deployment, ENV_KEY))


def in_play(deployment: Optional[DeploymentFacts]) -> bool:
    """Does the deployment say anything about TLS on the object-storage link (minio.useSSL true, or an S3 service
    that serves TLS)? One that does not is left as before."""
    if deployment is None or not deployment.has_config:
        return False
    return says_tls(deployment.config, getattr(deployment, "s3_servers", ()))


def says_tls(config, s3_servers) -> bool:
    """minio.useSSL true, or the S3 service Milvus dials serves TLS there. With useSSL false, minio.ssl.tlsCACert
    (the stock 2.4+ milvus.yaml carries `/path/to/public.crt`) and SSL_CERT_FILE do nothing to this link."""
    if parse_bool(config.text("minio.useSSL")) is True:
        return True
    ep = endpoint(config.text("minio.address", DEFAULTS["minio.address"]),
                  config.text("minio.port", DEFAULTS["minio.port"]))
    server, _ = _pick(s3_servers, ep.host)
    listener = server.listener(ep.port) if server is not None else None
    return bool(listener is not None and listener.tls)


def _pick(servers, host: str):
    for s in servers:
        if s.answers_to(host):
            return s, ""
    minios = [s for s in servers if s.kind == "minio"]   # an nginx is the S3 endpoint only when named
    if len(minios) == 1:
        return minios[0], (f"minio.address names {host}, not the one S3 service {minios[0].name}: judged against "
                           f"{minios[0].source}")
    return None, ""


def tls_ca_cert_honoured(line: str, patch: Optional[int]) -> Optional[bool]:
    """Does this Milvus read minio.ssl.tlsCACert? None: the 2.3 line without a patch (2.3.0-2.3.11 do not)."""
    key = tuple(int(p) for p in line.split("."))
    since = tuple(int(p) for p in TLS_CA_CERT_SINCE[0].split("."))
    if key != since:
        return key > since
    return None if patch is None else patch >= TLS_CA_CERT_SINCE[1]


def cpp_verify_off(line: str) -> bool:
    return tuple(int(p) for p in line.split(".")) >= tuple(int(p) for p in CPP_VERIFY_OFF_WITH_CA.split("."))


def server_of(deployment: DeploymentFacts, host: str):
    """The S3 service the endpoint's host names, and how it was picked ("" when by name)."""
    return _pick(getattr(deployment, "s3_servers", ()), host)


def trust_path(info: Optional[PathFact]) -> str:
    return info.container if info is not None else ""


def bundle_fact(mounted: bool, mounts) -> PathFact:
    """The system bundle as Milvus's process sees it: a mount over it (Compose, Kubernetes), else the image's own
    (modelled by this host's bundle: the public roots, no private CA), else (no container) this host's file."""
    eff = Effective(BUNDLE_KEY, BUNDLE_KEY, None)
    if not mounted:
        return PathFact(BUNDLE_KEY, eff, BUNDLE_KEY, None, BUNDLE_KEY)
    r = resolve(mounts, BUNDLE_KEY)
    return PathFact(BUNDLE_KEY, eff, BUNDLE_KEY, r, r.host if r.mount is not None else BUNDLE_KEY)


def image_bundle(info: Optional[PathFact]) -> bool:
    """The bundle is the image's own (no mount provides it): judged with this host's public roots."""
    return info is not None and info.resolved is not None and info.resolved.mount is None
