"""A stand-in for Milvus's proxy: an in-process grpcio server on 127.0.0.1 with the request's server files.

Configured as Milvus (internal/distributed/proxy/service.go) configures its gRPC server:
  tlsMode 1: credentials.NewServerTLSFromFile(serverPemPath, serverKeyPath): present the cert (and any chain in
             the file), request no client certificate, caPemPath ignored;
  tlsMode 2: ClientAuth = RequireAndVerifyClientCert, ClientCAs = caPemPath.
What grpcio cannot do: set a minimum TLS version (Milvus mode 2 demands TLS 1.3; grpc's BoringSSL client offers
1.3 anyway, so a pymilvus client never notices) and apply Go-only verification rules (verdict.GO_ONLY).

The server files come from the loaded Material (plan.py decides whether Milvus would start with them, from the
static findings); their bytes reach grpc as they are, as they reach Go. When grpc's BoringSSL refuses what Go
loads, the rehearsal is recorded as could_not_run (GRPC_REFUSES).

Every `milvus.proto.milvus.MilvusService/*` method is answered with an empty message (status code 0), so a real
pymilvus client (Connect, GetVersion, ListCollections, ...) can talk to it.
"""
from __future__ import annotations

import contextlib
from concurrent import futures
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator, Optional

from .grpcio_channel import METHOD_PREFIX, ParamsError, grpc_module, read_like_pymilvus
from .plan import REHEARSAL_TARGET as TARGET, WONT_START  # noqa: F401 (re-exported)

if TYPE_CHECKING:
    from .plan import ServerPlan

HOST = "127.0.0.1"


# The static checks found nothing Go refuses in the files, so Milvus would start; grpc's BoringSSL refuses them (seen: an EC
# certificate whose keyUsage lacks digitalSignature). A BoringSSL client (pymilvus) will refuse them too.
GRPC_REFUSES = ("the rehearsal server (grpcio/BoringSSL) refuses to load this certificate and key, although Go's "
                "tls.LoadX509KeyPair accepts them: Milvus would start, but BoringSSL rejects the certificate "
                "(check its keyUsage and key type)")


class CouldNotRun(Exception):
    pass


@dataclass
class Seen:
    """What the server side saw of the last call (from grpc's auth context)."""

    tls_version: Optional[str] = None
    client_subject: Optional[str] = None
    methods: list = field(default_factory=list)


@dataclass(frozen=True)
class ServerFiles:
    cert_chain: bytes
    key: bytes
    ca: Optional[bytes]


def server_files(server: "ServerPlan") -> ServerFiles:
    """The bytes of tls.serverPemPath, tls.serverKeyPath (and tls.caPemPath in mode 2), exactly as they are on
    disk: from the loaded Material when it kept them, else read once (bounded, never blocking). CouldNotRun if
    a file cannot be read now."""
    def read(loaded, path: str, setting: str) -> bytes:
        data = getattr(loaded, "data", None) if loaded is not None else None
        if isinstance(data, bytes) and data:
            return data
        try:
            return read_like_pymilvus(path)
        except ParamsError as exc:
            raise CouldNotRun(f"{WONT_START}: {setting} {path}: " + str(exc).replace("pymilvus", "Milvus"))

    cert = read(server.cert, server.cert_path, "tls.serverPemPath")
    key = read(server.key, server.key_path, "tls.serverKeyPath")
    ca = read(server.ca, server.ca_path, "tls.caPemPath") if server.mode == 2 else None
    return ServerFiles(cert, key, ca)


def _handler(grpc, seen: Seen):
    class MilvusService(grpc.GenericRpcHandler):
        def service(self, details):
            if not details.method.startswith(METHOD_PREFIX):
                return None  # UNIMPLEMENTED, as any other service on a real Milvus port

            def answer(_request: bytes, context) -> bytes:
                auth = context.auth_context()
                version = auth.get("ssl_tls_version")
                subject = auth.get("x509_subject")
                seen.tls_version = version[0].decode() if version else seen.tls_version
                seen.client_subject = subject[0].decode() if subject else seen.client_subject
                seen.methods.append(details.method[len(METHOD_PREFIX):])
                return b""   # an empty response message: status code 0 (Success) in every Milvus response

            return grpc.unary_unary_rpc_method_handler(answer)   # no (de)serializers: raw bytes
    return MilvusService()


@contextlib.contextmanager
def serving(files: Optional[ServerFiles], mode: int, seen: Optional[Seen] = None) -> Iterator[int]:
    """Run the stand-in server on 127.0.0.1 (mode 0: plaintext, as Milvus with tlsMode 0; files unused);
    yield its port; always stop it and its threads."""
    grpc = grpc_module()
    seen = seen if seen is not None else Seen()
    pool = futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="milvus-tls-rehearsal")
    server = grpc.server(pool, handlers=(_handler(grpc, seen),), options=(("grpc.so_reuseport", 0),))
    try:
        if mode == 0:
            port = server.add_insecure_port(f"{HOST}:0")
        else:
            if files is None:
                raise CouldNotRun("no server material")
            creds = grpc.ssl_server_credentials([(files.key, files.cert_chain)],
                                                root_certificates=files.ca if mode == 2 else None,
                                                require_client_auth=mode == 2)
            try:
                port = server.add_secure_port(f"{HOST}:0", creds)
            except RuntimeError as exc:
                raise CouldNotRun(GRPC_REFUSES + f" ({exc})")
        if not port:
            raise CouldNotRun(GRPC_REFUSES)
        server.start()
        yield port
    finally:
        server.stop(None).wait(2)
        pool.shutdown(wait=True, cancel_futures=True)   # our handlers never block
