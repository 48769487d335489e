"""A stand-in for Milvus's proxy: an in-process grpcio server on 127.0.0.1 with the request's server files.

Configured as Milvus (internal/distributed/proxy/service.go) configures its gRPC server:
  tlsMode 1: credentials.NewServerTLSFromFile(serverPemPath, serverKeyPath): present the cert (and any chain in
             the file), request no client certificate, caPemPath ignored;
  tlsMode 2: ClientAuth = RequireAndVerifyClientCert, ClientCAs = caPemPath.
What grpcio cannot do: set a minimum TLS version (Milvus mode 2 demands TLS 1.3; grpc's BoringSSL client offers
1.3 anyway, so a pymilvus client never notices) and apply Go-only verification rules (doctor.GO_ONLY).

Before grpc sees the files they are loaded the way Go loads them (tls.LoadX509KeyPair: PEM certificates, one
unencrypted PEM key that matches the leaf; x509.CertPool.AppendCertsFromPEM for the CA in mode 2). Material
that Go would refuse means Milvus would refuse to start: the rehearsal is then recorded as could_not_run.

Every `milvus.proto.milvus.MilvusService/*` method is answered with an empty message (status code 0), so a real
pymilvus client (Connect, GetVersion, ListCollections, ...) can talk to it.
"""
from __future__ import annotations

import contextlib
import time
from concurrent import futures
from dataclasses import dataclass, field
from typing import Iterator, Optional

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ..material import quiet_parsing
from ..model import ClientParams, Handshake, Request, Role
from ..rules.names import san_strings
from . import explain
from .client import METHOD_PREFIX, ParamsError, attempt, grpc_module, read_like_pymilvus

HOST = "127.0.0.1"
TARGET = "rehearsal"
WONT_START = "Milvus would refuse to start with this material"


# The files passed the Go-like load above, so Milvus would start; grpc's BoringSSL refuses them (seen: an EC
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


def _pem_certs(data: bytes) -> list:
    try:
        with quiet_parsing():
            return x509.load_pem_x509_certificates(data)
    except ValueError:
        return []


def load_server_files(request: Request, mode: int) -> ServerFiles:
    """Read tls.serverPemPath, tls.serverKeyPath (and tls.caPemPath in mode 2) as Go would; CouldNotRun if not."""
    cert_path, key_path = request.path(Role.SERVER_CERT), request.path(Role.SERVER_KEY)
    ca_path = request.path(Role.SERVER_CA) if mode == 2 else None
    if not cert_path or not key_path:
        raise CouldNotRun("no server certificate and key given (tls.serverPemPath, tls.serverKeyPath)")
    if mode == 2 and not ca_path:
        raise CouldNotRun(f"{WONT_START}: tlsMode 2 needs tls.caPemPath and none was given")

    def read(path: str, setting: str) -> bytes:
        try:
            return read_like_pymilvus(path)
        except ParamsError as exc:
            raise CouldNotRun(f"{WONT_START}: {setting} {path}: " + str(exc).replace("pymilvus", "Milvus"))

    cert = read(cert_path, "tls.serverPemPath")
    key = read(key_path, "tls.serverKeyPath")
    certs = _pem_certs(cert)
    if not certs:
        raise CouldNotRun(f"{WONT_START}: tls.serverPemPath {cert_path} holds no PEM certificate "
                          "(Go: \"tls: failed to find any PEM data in certificate input\")")
    if b"ENCRYPTED" in key:
        raise CouldNotRun(f"{WONT_START}: tls.serverKeyPath {key_path} is encrypted; Go has no passphrase setting")
    try:
        # Skip cryptography's RSA consistency check (~35 ms a key): the pair is proven by the public keys below.
        private = serialization.load_pem_private_key(key, password=None, unsafe_skip_rsa_key_validation=True)
    except (ValueError, TypeError) as exc:
        raise CouldNotRun(f"{WONT_START}: tls.serverKeyPath {key_path} holds no usable PEM private key ({exc})")
    except Exception as exc:  # unsupported algorithm and the like
        raise CouldNotRun(f"{WONT_START}: tls.serverKeyPath {key_path}: {type(exc).__name__}: {exc}")
    fmt = serialization.PublicFormat.SubjectPublicKeyInfo
    if private.public_key().public_bytes(serialization.Encoding.DER, fmt) != \
            certs[0].public_key().public_bytes(serialization.Encoding.DER, fmt):
        raise CouldNotRun(f"{WONT_START}: tls.serverKeyPath {key_path} does not belong to the certificate in "
                          f"{cert_path} (Go: \"tls: private key does not match public key\")")
    ca = None
    if mode == 2:
        ca = read(ca_path, "tls.caPemPath")
        if not _pem_certs(ca):
            raise CouldNotRun(f"{WONT_START}: tls.caPemPath {ca_path} holds no PEM certificate "
                              "(Go: AppendCertsFromPEM finds nothing)")
    return ServerFiles(cert, key, ca)


def _names(cert) -> str:
    return explain.leaf_names(san_strings(cert), cert.subject.rfc4514_string())


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


def rehearse(request: Request, mode: int) -> tuple[Handshake, ...]:
    """One handshake and one RPC from a client built as pymilvus builds it, against the stand-in server; with
    request.run_pymilvus also a real pymilvus.MilvusClient (subprocess) against the same server."""
    real: list[Handshake] = []
    hs = _rehearse(request, mode, real)
    return (hs, *real)


def _rehearse(request: Request, mode: int, real: list) -> Handshake:
    t0 = time.monotonic()
    params = request.client_params(mode)
    # The rehearsal dials 127.0.0.1; the name grpc checks is server_name (the CLI defaults it to localhost).
    params = ClientParams(params.server_pem_path, params.client_pem_path, params.client_key_path,
                          params.ca_pem_path, params.server_name or "localhost")
    try:
        files = load_server_files(request, mode)
        seen = Seen()
        with serving(files, mode, seen) as port:
            result = attempt(f"{HOST}:{port}", params, secure=True, timeout=request.timeout)
            if request.run_pymilvus:
                real.append(_real_pymilvus(f"https://{HOST}:{port}", params, mode, request.timeout))
    except CouldNotRun as exc:
        return Handshake(mode, TARGET, False, "handshake.not_run", str(exc), seconds=time.monotonic() - t0,
                         could_not_run=True)
    if result.ok:
        who = f"; the server saw client certificate {seen.client_subject}" if seen.client_subject else ""
        return Handshake(mode, TARGET, True, "handshake.ok",
                         f"TLS handshake and GetVersion succeeded as pymilvus would connect "
                         f"(trust: {params.trust}, server_name {params.server_name!r}){who}",
                         tls_version=seen.tls_version, seconds=time.monotonic() - t0)
    if result.params_error:
        return Handshake(mode, TARGET, False, "handshake.failed", result.details, seconds=time.monotonic() - t0)
    why = explain.classify(result.details, tls=True, sent_cert=result.sent_cert, cert_requested=mode == 2,
                           server_speaks_tls=True)
    leaf = _pem_certs(files.cert_chain)[0]
    why = explain.with_context(why, server_name=params.server_name, names=_names(leaf),
                               issuer=leaf.issuer.rfc4514_string(), trust=params.root_path)
    return Handshake(mode, TARGET, False, why.code, why.detail, tls_version=seen.tls_version,
                     seconds=time.monotonic() - t0)


def _real_pymilvus(uri: str, params: ClientParams, mode: int, timeout: float) -> Handshake:
    from . import real_client

    out = real_client.run(uri, params, timeout)
    if out.could_not_run:
        return Handshake(mode, TARGET, False, "handshake.not_run", out.error, seconds=out.seconds,
                         client="pymilvus", could_not_run=True)
    if out.ok:
        return Handshake(mode, TARGET, True, "handshake.ok", "pymilvus.MilvusClient connected to the rehearsal server",
                         seconds=out.seconds, client="pymilvus")
    why = explain.classify(out.cause or out.error, tls=True, sent_cert=params.sends_client_cert,
                           cert_requested=mode == 2, server_speaks_tls=True, extra=" | ".join(out.log_lines))
    return Handshake(mode, TARGET, False, why.code, f"pymilvus raised {explain.trim(out.error, 200)}; "
                     f"the reason: {why.detail}", seconds=out.seconds, client="pymilvus")
