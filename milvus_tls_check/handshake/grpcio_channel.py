"""A grpc channel built exactly as pymilvus builds it, one wait for READY, then one unary RPC.

pymilvus 3.0.2 (client/grpc_handler.py, GrpcHandler._create_grpc_channel):

    if not secure: grpc.insecure_channel(address, options=opts)
    if server_name != "": opts.append(("grpc.ssl_target_name_override", server_name))
    if server_pem_path != "":                       root = read(server_pem_path)
    elif client_pem_path and client_key_path and ca_pem_path:
        root = read(ca_pem_path); key = read(client_key_path); chain = read(client_pem_path)
    creds = grpc.ssl_channel_credentials(root_certificates=root, private_key=key, certificate_chain=chain)
    grpc.secure_channel(address, creds, options=opts)

with opts = max_send/receive_message_length -1, enable_retries 1, keepalive_time_ms 10000,
keepalive_timeout_ms 5000, keepalive_permit_without_calls True. We add one option pymilvus does not set,
grpc.use_local_subchannel_pool, so two attempts in this process never share a subchannel (and its backoff).

grpc is imported only from here and rehearsal.py, and only when a handshake runs.
"""
from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass
from typing import Optional

from ..model import ClientParams

METHOD_PREFIX = "/milvus.proto.milvus.MilvusService/"
GET_VERSION = METHOD_PREFIX + "GetVersion"
MAX_FILE = 1 << 20   # as material.MAX_BYTES: nothing bigger is TLS material
# Status codes that mean the transport failed; any other status is an answer from the server (TLS worked).
TRANSPORT_FAILURES = ("UNAVAILABLE", "DEADLINE_EXCEEDED", "CANCELLED", "INTERNAL")


def grpc_module(quiet: bool = True):
    """Import grpc quietly: the doctor explains failures itself, grpc's C-core log lines are noise on stderr.

    GRPC_VERBOSITY is read when grpc initialises (the first import decides); a value the user set wins
    (GRPC_VERBOSITY=debug shows them), and --verbose (quiet=False) leaves grpc's own default (errors) on.
    """
    if quiet:
        os.environ.setdefault("GRPC_VERBOSITY", "NONE")
    import grpc  # noqa: PLC0415

    return grpc


class ParamsError(Exception):
    """pymilvus would fail while building the channel (e.g. FileNotFoundError)."""


def read_like_pymilvus(path: str) -> bytes:
    """`Path(path).open("rb").read()`, but bounded and never blocking on a FIFO or device."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ParamsError(f"pymilvus raises FileNotFoundError: [Errno 2] No such file or directory: {path!r}")
    except OSError as exc:
        raise ParamsError(f"pymilvus cannot open {path!r}: {exc}")
    if not stat.S_ISREG(st.st_mode):
        raise ParamsError(f"{path!r} is not a regular file; pymilvus would not read TLS material from it")
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE + 1)
    except OSError as exc:
        raise ParamsError(f"pymilvus cannot read {path!r}: {type(exc).__name__}: {exc}")
    if len(data) > MAX_FILE:
        raise ParamsError(f"{path!r} is larger than {MAX_FILE} bytes: not a certificate or key")
    return data


def credential_bytes(params: ClientParams) -> tuple[Optional[bytes], Optional[bytes], Optional[bytes]]:
    """(root_certificates, private_key, certificate_chain) as pymilvus passes them (None = grpc default)."""
    if params.server_pem_path:
        return read_like_pymilvus(params.server_pem_path), None, None
    if params.client_pem_path and params.client_key_path and params.ca_pem_path:
        root = read_like_pymilvus(params.ca_pem_path)
        key = read_like_pymilvus(params.client_key_path)
        chain = read_like_pymilvus(params.client_pem_path)
        for path, data in ((params.client_key_path, key), (params.client_pem_path, chain)):
            if data == b"":
                # grpc's C-core aborts the whole process here (SIGABRT, "Check failed: private_key != nullptr"),
                # it does not raise: never hand it an empty key or chain.
                raise ParamsError(f"{path!r} is empty: grpc aborts the process (\"Check failed: private_key != "
                                  "nullptr\") on an empty client key or certificate chain, so pymilvus, which "
                                  "passes the file's bytes to grpc as they are, would crash rather than raise")
        return root, key, chain
    return None, None, None


def channel_options(server_name: Optional[str], secure: bool) -> list[tuple[str, object]]:
    opts: list[tuple[str, object]] = [
        ("grpc.max_send_message_length", -1),
        ("grpc.max_receive_message_length", -1),
        ("grpc.enable_retries", 1),
        ("grpc.keepalive_time_ms", 10000),
        ("grpc.keepalive_timeout_ms", 5000),
        ("grpc.keepalive_permit_without_calls", True),
        ("grpc.use_local_subchannel_pool", 1),
    ]
    if secure and server_name:
        opts.append(("grpc.ssl_target_name_override", server_name))
    return opts


@dataclass(frozen=True)
class Attempt:
    """What happened, before any interpretation."""

    address: str
    secure: bool
    sent_cert: bool
    ok: bool
    state: str                     # READY (the server answered), TRANSIENT_FAILURE, CONNECTING (timed out)
    status: Optional[str] = None   # grpc status code name of the RPC (None: no RPC made)
    details: str = ""              # grpc status details, or why the channel could not be built
    version: str = ""              # GetVersionResponse.version when the server answered
    seconds: float = 0.0
    params_error: bool = False     # pymilvus would fail before connecting (missing file...)


def attempt(address: str, params: ClientParams, *, secure: bool, timeout: float,
            authorization: str = "") -> Attempt:
    """Connect to `address` ("host:port") as pymilvus would and make one GetVersion call.

    The call is fail-fast (wait_for_ready=False) on a fresh, idle channel: grpc first waits for the channel's
    connection attempt (TCP, TLS handshake, HTTP/2 settings) and then either sends the call on the READY channel
    or fails it with the attempt's own error, which is the reason we want. So this one call is both the wait for
    ready (bounded by `timeout`) and the RPC after the handshake that a mutual-TLS refusal needs. (grpc-python's
    connectivity watch polls every 200 ms; this is as exact and takes milliseconds on loopback.)

    `authorization`: the metadata value pymilvus sends with credentials (base64 of "user:password" or the token);
    with authorizationEnabled Milvus answers UNAUTHENTICATED without it.
    """
    grpc = grpc_module()
    t0 = time.monotonic()
    sent_cert = False
    try:
        if secure:
            root, key, chain = credential_bytes(params)
            sent_cert = chain is not None
            creds = grpc.ssl_channel_credentials(root_certificates=root, private_key=key, certificate_chain=chain)
            channel = grpc.secure_channel(address, creds, options=channel_options(params.server_name, True))
        else:
            channel = grpc.insecure_channel(address, options=channel_options(None, False))
    except ParamsError as exc:
        return Attempt(address, secure, sent_cert, False, "NOT_BUILT", None, str(exc),
                       seconds=time.monotonic() - t0, params_error=True)
    except Exception as exc:  # grpc refusing the credentials themselves
        return Attempt(address, secure, sent_cert, False, "NOT_BUILT", None, f"{type(exc).__name__}: {exc}",
                       seconds=time.monotonic() - t0, params_error=True)
    try:
        rpc = channel.unary_unary(GET_VERSION)   # raw bytes both ways; b"" is an empty GetVersionRequest
        try:
            response = rpc(b"", timeout=max(timeout, 0.05), wait_for_ready=False,
                           metadata=(("authorization", authorization),) if authorization else None)
        except grpc.RpcError as exc:
            code = exc.code().name if exc.code() else "UNKNOWN"
            details = exc.details() or ""
            ok = code not in TRANSPORT_FAILURES
            if code == "DEADLINE_EXCEEDED":
                details = f"{details}: no answer within {timeout:g}s"
            state = "READY" if ok else ("CONNECTING" if code == "DEADLINE_EXCEEDED" else "TRANSIENT_FAILURE")
            return Attempt(address, secure, sent_cert, ok, state, code, details, seconds=time.monotonic() - t0)
        return Attempt(address, secure, sent_cert, True, "READY", "OK", "", version=version_of(response),
                       seconds=time.monotonic() - t0)
    finally:
        channel.close()


def version_of(response: bytes) -> str:
    """GetVersionResponse.version (field 2, a string) from the raw message; "" if absent or unreadable."""
    i, n = 0, len(response or b"")
    try:
        while i < n:
            tag, i = _varint(response, i)
            field, wire = tag >> 3, tag & 7
            if wire == 0:
                _, i = _varint(response, i)
            elif wire == 2:
                length, i = _varint(response, i)
                if field == 2:
                    return response[i:i + length].decode("utf-8", "replace")
                i += length
            elif wire == 1:
                i += 8
            elif wire == 5:
                i += 4
            else:
                return ""
    except IndexError:
        return ""
    return ""


def _varint(data: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, i
        shift += 7
