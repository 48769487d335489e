"""A raw look at a live host:port with the standard `ssl` module: what does the server really speak and present?

The socket is driven by hand through an `ssl.MemoryBIO` pair, so every read is bounded by one deadline and the
first bytes the server sends are kept: a plaintext gRPC server (Milvus tlsMode 0) answers a ClientHello with an
HTTP/2 SETTINGS frame, which shows up here as bytes that are not a TLS record.

Reported (Handshake.peer): speaks_tls, tls_version, alpn (h2 offered), cipher, the presented chain (subject,
issuer, SANs, validity; the whole chain from the Certificate message via OpenSSL's message callback, or
SSLSocket.get_unverified_chain() on Python 3.13+, else the leaf), whether the server sent a CertificateRequest
(Milvus tlsMode 2) and what it did after the handshake when no client certificate was offered (TLS 1.3 servers
judge the client certificate only after the client's Finished: an alert or a hang-up then means "required").
No verification is done here: that is the grpc attempts' job.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Optional

from ..model import Peer
from . import explain

HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
HTTP2_EMPTY_SETTINGS = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
AFTER_HANDSHAKE_WAIT = 2.0   # at most this long (within the deadline) for the server's verdict on our empty cert
_HANDSHAKE, _CERTIFICATE, _CERTIFICATE_REQUEST = 22, 11, 13


@dataclass
class ProbeResult:
    host: str
    port: int
    code: str = "handshake.ok"          # net.* / tls.server_plaintext / handshake.failed when it did not get far
    detail: str = ""
    speaks_tls: Optional[bool] = None
    tls_version: Optional[str] = None
    alpn: Optional[str] = None
    cipher: Optional[str] = None
    chain: list = field(default_factory=list)
    cert_requested: Optional[bool] = None
    after_handshake: Optional[str] = None
    first_bytes: Optional[str] = None
    seconds: float = 0.0

    @property
    def reached(self) -> bool:
        return not self.code.startswith("net.")

    @property
    def demands_client_cert(self) -> Optional[bool]:
        if self.cert_requested is None:
            return None
        if not self.cert_requested:
            return False
        return not (self.after_handshake or "").startswith("answered HTTP/2")

    def peer(self) -> Peer:
        return Peer(f"{self.host}:{self.port}", self.speaks_tls, self.tls_version, self.alpn, self.cipher,
                    tuple(c for c in self.chain if isinstance(c, dict)), self.cert_requested,
                    self.demands_client_cert, self.after_handshake, self.first_bytes)


def _resolve(host: str, port: int, timeout: float) -> list:
    """getaddrinfo has no timeout of its own: run it in a daemon thread and stop waiting at the deadline."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["addrs"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller
            box["error"] = exc

    t = threading.Thread(target=work, name="milvus-tls-resolve", daemon=True)
    t.start()
    t.join(max(timeout, 0.01))
    if t.is_alive():
        raise socket.timeout(f"resolving {host} took longer than {timeout:g}s")
    if "error" in box:
        raise box["error"]
    return box["addrs"]


def _connect(host: str, port: int, deadline: float) -> socket.socket:
    addrs = _resolve(host, port, deadline - time.monotonic())
    last: Optional[BaseException] = None
    for family, kind, proto, _, addr in addrs:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        sock = socket.socket(family, kind, proto)
        sock.settimeout(remaining)
        try:
            sock.connect(addr)
            return sock
        except OSError as exc:
            sock.close()
            last = exc
    if last is None:
        raise socket.timeout(f"connecting to {host}:{port} took longer than the timeout")
    raise last


def _describe_first_bytes(data: bytes) -> str:
    text = data[:24].hex(" ")
    if len(data) >= 9 and data[0] not in (0x15, 0x16) and data[3] == 0x04:
        return f"{text} (an HTTP/2 SETTINGS frame: a plaintext gRPC server)"
    if data[:5] in (b"HTTP/", b"<html", b"<!DOC"):
        return f"{text} (plaintext HTTP/1)"
    return text


def _cert_summary(der: bytes) -> dict[str, Any]:
    from cryptography import x509

    from ..facts.x509 import quiet_parsing, san_strings

    try:
        with quiet_parsing():
            cert = x509.load_der_x509_certificate(der)
    except ValueError as exc:
        return {"error": f"unparseable certificate: {exc}"}
    sans = san_strings(cert)
    not_after = cert.not_valid_after_utc
    out = {"subject": cert.subject.rfc4514_string(), "issuer": cert.issuer.rfc4514_string(), "sans": sans,
           "not_before": cert.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
           "not_after": not_after.strftime("%Y-%m-%dT%H:%M:%SZ"),
           "expired": not_after < dt.datetime.now(dt.timezone.utc)}
    try:   # the inventory's fields (as inventory.record_of), for the certificates a live server presented
        from ..facts.x509 import basic_ca, describe_key, fingerprint, key_type, serial_number, spki_fingerprint
        public = cert.public_key()
        serial = serial_number(cert)
        out.update({"serial": format(serial, "X") if serial >= 0 else "-" + format(-serial, "X"),
                    "key": describe_key(public), "key_type": key_type(public),
                    "key_size": getattr(public, "key_size", None), "sha256": fingerprint(cert).hex(),
                    "spki_sha256": spki_fingerprint(public).hex(),
                    "signature_algorithm": getattr(cert.signature_algorithm_oid, "_name", ""),
                    "is_ca": basic_ca(cert)})
    except Exception:  # noqa: BLE001 - a part cryptography cannot parse: the summary above stands
        pass
    return out


def _certs_from_message(data: bytes, tls13: bool) -> list[bytes]:
    """The DER certificates of a TLS Certificate handshake message (header included)."""
    i = 4                                        # msg_type(1) + length(3)
    if tls13:
        i += 1 + data[4]                         # certificate_request_context
    end = i + 3 + int.from_bytes(data[i:i + 3], "big")
    i += 3
    out = []
    while i + 3 <= min(end, len(data)):
        n = int.from_bytes(data[i:i + 3], "big")
        out.append(bytes(data[i + 3:i + 3 + n]))
        i += 3 + n
        if tls13:
            i += 2 + int.from_bytes(data[i:i + 2], "big")   # per-certificate extensions
    return out


def probe(host: str, port: int, *, timeout: float, server_name: Optional[str] = None) -> ProbeResult:
    """Never raises for network trouble; bounded by `timeout` overall."""
    t0 = time.monotonic()
    deadline = t0 + max(timeout, 0.05)
    res = ProbeResult(host, port)
    try:
        sock = _connect(host, port, deadline)
    except BaseException as exc:  # noqa: BLE001 - every failure becomes a code
        why = explain.classify_probe_error(exc)
        res.code, res.detail = why.code, why.detail
        res.seconds = time.monotonic() - t0
        return res
    try:
        _tls(sock, res, deadline, server_name or host)
    finally:
        sock.close()
        res.seconds = time.monotonic() - t0
    return res


def _tls(sock: socket.socket, res: ProbeResult, deadline: float, sni: str) -> None:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["h2"])
    messages: list[tuple[int, bytes]] = []

    def on_message(_conn, direction, _version, content_type, msg_type, data) -> None:
        if direction == "read" and int(content_type) == _HANDSHAKE:
            messages.append((int(msg_type), bytes(data)))

    try:
        ctx._msg_callback = on_message  # noqa: SLF001 - CPython's hook for OpenSSL's message callback
    except (AttributeError, TypeError):
        pass
    try:
        ipaddress.ip_address(sni)
        sni_arg: Optional[str] = None            # grpc sends no SNI for an IP name either
    except ValueError:
        sni_arg = sni
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    conn = ctx.wrap_bio(incoming, outgoing, server_hostname=sni_arg)
    received = bytearray()

    def flush() -> None:
        data = outgoing.read()
        if data:
            sock.settimeout(max(deadline - time.monotonic(), 0.01))
            sock.sendall(data)

    def pull(until: float) -> bytes:
        remaining = until - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("timed out")
        sock.settimeout(remaining)
        data = sock.recv(65536)
        if len(received) < 64:
            received.extend(data[: 64 - len(received)])
        return data

    try:
        while True:
            try:
                conn.do_handshake()
                break
            except ssl.SSLWantReadError:
                flush()
                data = pull(deadline)
                if not data:
                    raise ConnectionResetError("the server closed the connection during the TLS handshake"
                                               + ("" if received else " without sending anything"))
                incoming.write(data)
        flush()
    except BaseException as exc:  # noqa: BLE001
        _handshake_failed(res, exc, bytes(received), deadline)
        return

    res.speaks_tls = True
    res.tls_version = conn.version()
    res.alpn = conn.selected_alpn_protocol()
    cipher = conn.cipher()
    res.cipher = cipher[0] if cipher else None
    res.cert_requested = any(t == _CERTIFICATE_REQUEST for t, _ in messages) if messages else None
    ders: list[bytes] = []
    getter = getattr(conn, "get_unverified_chain", None)
    if getter is not None:
        try:
            ders = [c.public_bytes(ssl._ssl.ENCODING_DER) for c in getter() or ()]  # noqa: SLF001
        except Exception:
            ders = []
    if not ders:
        for t, data in messages:
            if t == _CERTIFICATE:
                try:
                    ders = _certs_from_message(data, res.tls_version == "TLSv1.3")
                except (IndexError, ValueError):
                    ders = []
    if not ders:
        leaf = conn.getpeercert(binary_form=True)
        ders = [leaf] if leaf else []
    res.chain = [_cert_summary(d) for d in ders]
    res.after_handshake = _after_handshake(conn, sock, incoming, outgoing, deadline)
    if res.cert_requested is None and res.after_handshake and "alert" in res.after_handshake \
            and "certificate" in res.after_handshake:
        res.cert_requested = True   # no message callback, but the alert says it


def _after_handshake(conn, sock, incoming, outgoing, deadline: float) -> str:
    """Say hello in HTTP/2 and see whether the server talks back, sends an alert, or hangs up."""
    until = min(deadline, time.monotonic() + AFTER_HANDSHAKE_WAIT)
    try:
        conn.write(HTTP2_PREFACE + HTTP2_EMPTY_SETTINGS)
        data = outgoing.read()
        sock.settimeout(max(until - time.monotonic(), 0.01))
        sock.sendall(data)
    except (OSError, ssl.SSLError) as exc:
        return f"closed before our first request: {explain.trim(str(exc), 160)}"
    while True:
        try:
            plain = conn.read(65536)
            if plain:
                if len(plain) >= 9 and plain[3] == 0x04:
                    return "answered HTTP/2 (SETTINGS)"
                return f"answered {len(plain)} bytes"
            return "closed the connection (no alert)"
        except ssl.SSLWantReadError:
            remaining = until - time.monotonic()
            if remaining <= 0:
                return "silent"
            sock.settimeout(remaining)
            try:
                data = sock.recv(65536)
            except socket.timeout:
                return "silent"
            except OSError as exc:
                return f"closed the connection: {exc}"
            if not data:
                return "closed the connection (no alert)"
            incoming.write(data)
        except ssl.SSLZeroReturnError:
            return "closed the connection (close_notify)"
        except ssl.SSLError as exc:
            return f"sent an alert: {explain.trim(exc.reason or str(exc), 160)} ({explain.trim(str(exc), 160)})"
        except OSError as exc:
            return f"closed the connection: {exc}"


def _handshake_failed(res: ProbeResult, exc: BaseException, received: bytes, deadline: float) -> None:
    if received:
        res.first_bytes = _describe_first_bytes(received)
        if received[0] not in (0x16, 0x15):   # not a TLS handshake or alert record
            res.speaks_tls = False
            res.code = "tls.server_plaintext"
            res.detail = (f"the server answered the TLS ClientHello with non-TLS bytes: {res.first_bytes}"
                          f" ({type(exc).__name__}: {explain.trim(str(exc), 120)})")
            return
        res.speaks_tls = True
    if isinstance(exc, (socket.timeout, TimeoutError)):
        res.code = "net.timeout"
        res.detail = ("connected, but the server sent no TLS answer to the ClientHello before the deadline"
                      if not received else f"the TLS handshake did not finish before the deadline ({exc})")
        return
    why = explain.classify_probe_error(exc)
    res.code, res.detail = why.code, why.detail
