"""grpc status details, grpc C-core log lines and `ssl` errors -> one stable code and the raw reason.

The strings below were provoked on loopback with grpcio 1.85 (BoringSSL) against an in-process grpcio server and
against a real Milvus 2.3.5 (Go) from PyPI; comments say which side produced what. Nothing here imports grpc.

What the client sees is often not enough by itself: when a mode-2 server refuses the client certificate (or gets
none) grpc only says "Socket closed" (grpcio server) or "Unwrap failed (TSI_DATA_CORRUPTED)" (Go server; the
alert "SSLV3_ALERT_BAD_CERTIFICATE" appears only in grpc's log lines). So `classify` also takes what is known
about the attempt: whether the client spoke TLS, whether it sent a certificate, whether the server asked for one
(the rehearsal knows its own mode; a live target's CertificateRequest is seen by the ssl probe) and whether the
server speaks TLS at all.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional

from ..clientkinds.go import NOT_TLS as GO_NOT_TLS
from ..clientkinds.go import X509
from ..model import Side

MAX_DETAIL = 400


@dataclass(frozen=True)
class Explanation:
    code: str
    detail: str


def _any(text: str, needles: Iterable[str]) -> bool:
    low = text.lower()
    return any(n.lower() in low for n in needles)


# --- the strings, by what they mean ------------------------------------------------------------------------------
UNRESOLVED = (
    "Domain name not found",            # grpc c-ares/native resolver: "errors resolving H:P: [... Domain name not found]"
    "hostname lookup error", "DNS resolution failed", "errors resolving",
    "Name or service not known", "nodename nor servname", "Temporary failure in name resolution",
    "No address associated with hostname",
)
REFUSED = (
    "Connection refused",               # grpc: "Failed to connect to remote host: Connection refused"; ssl: ECONNREFUSED
    "ECONNREFUSED",
)
TIMEOUT = (
    "Deadline Exceeded",                # grpc DEADLINE_EXCEEDED on a silent peer
    "timed out", "Timeout occurred", "DEADLINE_EXCEEDED",
)
# A TLS client read something that is not a TLS record: the server speaks plaintext (Milvus tlsMode 0).
NOT_TLS = (
    "WRONG_VERSION_NUMBER",             # grpc/BoringSSL: "...OPENSSL_internal:WRONG_VERSION_NUMBER"; ssl: "wrong version number"
    "wrong version number",
    GO_NOT_TLS,                         # Go crypto/tls (either side reading non-TLS bytes)
    "NotSslRecordException",            # Java/Netty clients
    "PACKET_LENGTH_TOO_LONG", "packet length too long", "HTTP_REQUEST", "http request",
    "RECORD_LAYER_FAILURE", "record layer failure",
)
NAME = (
    "Hostname Verification Check failed",  # grpcio 1.8x: "Custom verification check failed with error: UNAUTHENTICATED: ..."
    "is not in peer certificate",       # older grpc: "Peer name X is not in peer certificate"
    "No match found for server name",   # grpc 1.8x C-core log line
    "Hostname mismatch", "IP address mismatch", "certificate is not valid for",
)
# The client's verifier refused the server certificate for its validity period: the cert.* cause, not the trust root.
EXPIRED = (
    "certificate has expired",          # BoringSSL: "CERTIFICATE_VERIFY_FAILED: certificate has expired"; Go: "x509:
)                                       # certificate has expired or is not yet valid: current time T is after N"
NOT_YET_VALID = (
    "certificate is not yet valid",     # BoringSSL: "CERTIFICATE_VERIFY_FAILED: certificate is not yet valid"
    "is before",                        # Go: "... has expired or is not yet valid: current time T is before N"
)
UNTRUSTED = (
    "CERTIFICATE_VERIFY_FAILED",        # grpc: "...CERTIFICATE_VERIFY_FAILED: unable to get local issuer certificate"
    "certificate verify failed",        #       (or ": certificate has expired", ": self signed certificate ...")
    "unable to get local issuer certificate", "self signed certificate", "self-signed certificate",
    "unknown authority", "unsupported certificate purpose",
)
# The client failed on its own, before or while verifying the server: its trust roots do not load, or its
# verifier refuses the server's certificate or key (these are never about the client certificate).
CLIENT_LOCAL = (
    "Failed to create security handshaker",   # grpc 1.85: the roots did not load (log: "Could not load any root
    "Could not load any root certificate",    # certificate"), e.g. a UTF-8 BOM before the PEM
    "BAD_ENCODING", "certificate signature failure", "KEY_USAGE_BIT_INCORRECT", "WRONG_SIGNATURE_TYPE",
    "UNSUPPORTED_ALGORITHM", "CERTIFICATE_VERIFY_FAILED", "Invalid certificate verification context",
)
# Alerts a server sends about the client certificate (seen by the ssl probe, or in grpc's log lines).
NO_CERT_ALERT = (
    "CERTIFICATE_REQUIRED",             # TLS 1.3 alert 116: "TLSV13_ALERT_CERTIFICATE_REQUIRED" / "alert certificate required"
    "alert certificate required",
    "PEER_DID_NOT_RETURN_A_CERTIFICATE",  # grpcio server's own log line
    "client didn't provide a certificate",  # Go server log (grpc.log.level INFO)
)
CERT_ALERT = (
    "SSLV3_ALERT_BAD_CERTIFICATE",      # Go (Milvus 2.3.5) refuses the client cert, or got none; grpc logs this line
    "alert bad certificate",
    "ALERT_UNKNOWN_CA", "alert unknown ca",
    "ALERT_UNSUPPORTED_CERTIFICATE", "alert unsupported certificate",
    "ALERT_CERTIFICATE_EXPIRED", "alert certificate expired",
    "ALERT_CERTIFICATE_UNKNOWN", "alert certificate unknown",
    "ALERT_DECRYPT_ERROR", "ALERT_ACCESS_DENIED",
    "incompatible key usage", "x509: certificate signed by unknown authority",
)
HANDSHAKE_ALERT = ("ALERT_HANDSHAKE_FAILURE", "alert handshake failure")
# The peer hung up on an established (or nearly established) TLS session, without a reason the client can read.
CLOSED = (
    "Socket closed",                    # grpc, grpcio mode-2 server refusing the client, or a TLS server given plaintext
    "Unwrap failed (TSI_DATA_CORRUPTED)",  # grpc client, Go mode-2 server's alert arriving after the client's Finished
    "TSI_DATA_CORRUPTED", "Connection reset by peer", "Broken pipe", "EOF occurred", "end of stream",
    "closed the connection", "Connection reset", "UNEXPECTED_EOF", "unexpected eof",
)
# The server hung up while the handshake was still going (grpcio 1.85: "Handshake read failed (Socket closed)"),
# before a TLS 1.3 client sends its certificate: seen with an Ed25519 server key (no signature algorithm in common).
MID_HANDSHAKE = ("Handshake read failed", "Handshake write failed")
# Plain-language hints for raw reasons that map to handshake.failed.
HINTS = (
    ("KEY_USAGE_BIT_INCORRECT", "the server certificate's keyUsage forbids the signature the TLS handshake needs "
                                "(digitalSignature): see ku.digital_signature_missing"),
    ("Handshake read failed", "the server hung up during the handshake, before any certificate was judged: no "
                              "signature algorithm, cipher or TLS version in common (e.g. an Ed25519 server key)"),
    ("NO_COMMON_SIGNATURE_ALGORITHMS", "no signature algorithm in common (key type)"),
    ("UNSUPPORTED_PROTOCOL", "no TLS version in common"),
    ("ALERT_PROTOCOL_VERSION", "no TLS version in common"),
    ("NO_SHARED_CIPHER", "no cipher suite in common"),
    # grpc's client demands HTTP/2 by ALPN; a plain TLS server (a web server, a TLS proxy not passing h2) has none
    ("missing selected ALPN", "the server finished the TLS handshake but did not agree to HTTP/2 (ALPN h2), which "
                              "grpc requires: this is not a gRPC endpoint (a web server, or a TLS proxy or load "
                              "balancer in front of Milvus that does not pass HTTP/2 through?)"),
)
# A plaintext client got TLS bytes back (rare: most TLS servers just hang up).
TLS_BYTES_TO_PLAIN = ("Trying to connect an http1.x server", "Bad Request")
# An HTTP server, not a gRPC server, answered the call: a reverse proxy or ingress in front of Milvus that could not
# reach its backend (nginx `grpc_pass grpc://` to a TLS Milvus: 502). A gRPC server never answers with an HTTP
# status other than 200. grpc core: "Received http2 header with status: 502" (UNAVAILABLE for 502/503/504 and
# 429, UNIMPLEMENTED for 404, UNKNOWN otherwise); grpc-go: "unexpected HTTP status code received from server".
HTTP_STATUS = re.compile(r"(?:Received http2 header with status|unexpected HTTP status code received from "
                         r"server):?\s*(\d{3})", re.IGNORECASE)
# HTTP/2 errors a proxy answers with (its upstream failed mid-stream).
HTTP2_ERROR = ("Received RST_STREAM with error code", "Stream removed", "http2 stream reset")
# The RPC after a good handshake was refused for want of credentials (Milvus authorizationEnabled).
UNAUTHENTICATED = ("UNAUTHENTICATED", "missing authorization in header", "auth check failure")


def trim(text: str, limit: int = MAX_DETAIL) -> str:
    """Collapse whitespace, drop grpc's generic prefix and repeated ': OK' tail; keep the raw reason."""
    text = " ".join(str(text).split())
    text = text.replace("failed to connect to all addresses; last error: ", "")
    text = re.sub(r"(: OK)+$", "", text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def classify(raw: str, *, tls: bool, sent_cert: bool = False, cert_requested: Optional[bool] = None,
             server_speaks_tls: Optional[bool] = None, extra: str = "") -> Explanation:
    """The stable code for one failed attempt.

    raw: grpc's status details (or the ssl/socket error text); extra: more evidence (grpc log lines, the probe's
    post-handshake alert), used only when raw alone is ambiguous.
    """
    reason = trim(raw)
    both = f"{raw} | {extra}" if extra else raw

    if _any(raw, UNRESOLVED):
        return Explanation("net.unresolved", reason)
    if _any(raw, REFUSED):
        return Explanation("net.refused", reason)
    proxied = proxy_error(raw)
    if proxied is not None:
        return proxied
    if tls and _any(raw, NOT_TLS):
        return Explanation("tls.server_plaintext", reason)
    if not tls and _any(raw, NOT_TLS + TLS_BYTES_TO_PLAIN):
        return Explanation("tls.client_plaintext", reason)
    if tls and _any(raw, NAME):
        return Explanation("name.mismatch", reason)
    if tls and _any(raw, EXPIRED + NOT_YET_VALID):
        # The verifier says why: the validity period, not the trust root (a Go verifier says "expired or not
        # yet valid" for both, and then "is before" or "is after").
        code = "cert.not_yet_valid" if _any(raw, NOT_YET_VALID) else "cert.expired"
        return Explanation(code, f"the client's verifier refused the server certificate chain: "
                                 f"{'not valid yet' if code == 'cert.not_yet_valid' else 'expired'} ({reason})")
    if tls and _any(raw, UNTRUSTED):
        return Explanation("tls.server_cert_untrusted", reason)
    if _any(raw, UNAUTHENTICATED) and not _any(raw, ("Custom verification check failed",)):
        # after the TLS checks: grpcio words its own hostname check "Custom verification ... UNAUTHENTICATED"
        return Explanation("auth.unauthenticated", unauthenticated(reason))

    if tls:
        code = _client_cert_code(both, sent_cert=sent_cert, cert_requested=cert_requested)
        if code:
            why = ("the server asked for a client certificate and ended the connection; none was sent"
                   if code == "tls.client_cert_required" else
                   "the server asked for a client certificate and ended the connection after receiving it")
            return Explanation(code, f"{why} (grpc: {reason})" + _evidence(extra))
        if _any(raw, TIMEOUT):
            return Explanation("net.timeout", reason)
        if server_speaks_tls is None and _any(raw, MID_HANDSHAKE + CLOSED):
            # The raw probe got no TLS byte either: the peer hung up on the ClientHello itself, so the
            # "no algorithm in common" reading of "Handshake read failed" does not apply.
            return Explanation("handshake.failed", "the server ended the connection right after the ClientHello "
                               "without sending any TLS bytes: not a TLS server, or a proxy or firewall refusing "
                               f"the connection (grpc: {reason})" + _evidence(extra))
        return Explanation("handshake.failed", _hinted(raw, reason) + _evidence(extra))

    # A plaintext client.
    if server_speaks_tls and _any(raw, CLOSED + TIMEOUT):
        return Explanation("tls.client_plaintext",
                           f"the server speaks TLS and hung up on plaintext HTTP/2 (grpc: {reason})")
    if _any(raw, TIMEOUT):
        return Explanation("net.timeout", reason)
    return Explanation("handshake.failed", reason + _evidence(extra))


def proxy_error(raw: str) -> Optional[Explanation]:
    """An HTTP status or HTTP/2 error where a gRPC answer was due: a proxy in front of Milvus (net.proxy_error)."""
    m = HTTP_STATUS.search(raw or "")
    if m:
        status = int(m.group(1))
        what = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout", 404: "Not Found"}.get(status, "")
        why = ("it could not talk to its backend: a proxy that speaks plaintext gRPC to a TLS Milvus (nginx "
               "`grpc_pass grpc://`, nginx-ingress `backend-protocol: GRPC`) or TLS to a plaintext one, or the "
               "backend is down" if status in (502, 503, 504) else
               "it has no route to a gRPC backend for this call")
        return Explanation("net.proxy_error", f"an HTTP proxy answered instead of Milvus, with HTTP status {status}"
                                              f"{' ' + what if what else ''}: {why}; the TLS handshake was with the "
                                              f"proxy (grpc: {trim(raw)})")
    if _any(raw or "", HTTP2_ERROR):
        return Explanation("net.proxy_error", "the stream was reset with an HTTP/2 error before Milvus answered: "
                                              "typically a proxy in front of Milvus whose backend connection failed "
                                              f"(grpc: {trim(raw)})")
    return None


def unauthenticated(reason: str) -> str:
    return ("the TLS handshake passed; Milvus answered the call with UNAUTHENTICATED: authorization "
            "(common.security.authorizationEnabled) is on and the client sent no or wrong credentials "
            f"(token, or user and password) (grpc: {reason})")


NOT_MILVUS = ("the TLS handshake passed and a gRPC server answered, but it does not implement "
              "milvus.proto.milvus.MilvusService/GetVersion: a gRPC server that is not a Milvus proxy (a wrong port, "
              "e.g. another service or Milvus's internal port 19529, or a gRPC proxy routing elsewhere)")


def _client_cert_code(text: str, *, sent_cert: bool, cert_requested: Optional[bool]) -> Optional[str]:
    if _any(text, MID_HANDSHAKE):
        return None   # hung up before the client had sent a certificate: not about the client certificate
    if _any(text, NO_CERT_ALERT):
        return "tls.client_cert_required"
    if _any(text, CERT_ALERT):
        return "tls.client_cert_rejected" if sent_cert else "tls.client_cert_required"
    if cert_requested and _any(text, HANDSHAKE_ALERT + CLOSED):
        return "tls.client_cert_rejected" if sent_cert else "tls.client_cert_required"
    return None


def _hinted(raw: str, reason: str) -> str:
    for needle, hint in HINTS:
        if needle.lower() in raw.lower():
            return f"{hint} (grpc: {reason})"
    return reason


def _evidence(extra: str) -> str:
    extra = trim(extra, 200) if extra else ""
    return f"; also seen: {extra}" if extra else ""


def classify_probe_error(exc: BaseException) -> Explanation:
    """For the raw ssl probe: socket and ssl exceptions -> code (the probe is always the TLS side)."""
    import socket
    import ssl

    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, socket.gaierror):
        return Explanation("net.unresolved", trim(text))
    if isinstance(exc, ConnectionRefusedError):
        return Explanation("net.refused", trim(text))
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return Explanation("net.timeout", trim(text))
    if isinstance(exc, ssl.SSLError):
        return classify(text, tls=True)
    return Explanation("handshake.failed", trim(text))


def with_context(why: Explanation, *, server_name: Optional[str], names: Optional[str] = None,
                 issuer: Optional[str] = None, trust: Optional[str] = None) -> Explanation:
    """Say what grpc compared: grpc 1.8x's name error no longer carries the name, and its trust error no names."""
    if why.code == "name.mismatch" and names:
        return Explanation(why.code, f"server_name {server_name!r} is not among the certificate's names "
                                     f"({names}); grpc: {why.detail}")
    if why.code == "tls.server_cert_untrusted" and issuer:
        root = trust or "grpc's default roots (no server_pem_path, no complete mutual parameters)"
        return Explanation(why.code, f"grpc did not accept the server certificate (issued by {issuer}) with "
                                     f"the trust root {root}; grpc: {why.detail}")
    return why


def leaf_names(sans: list[str], subject: str) -> str:
    return ", ".join(sans) if sans else f"no SAN; subject {subject}"


# --- the server's own words (a Go rehearsal's per-connection lines, Milvus's log at grpc.log.level INFO) ---------
# What Go's crypto/tls says when it refuses the client certificate, -> the code that names the cause. Checked in
# order; each about the client certificate (the server judged it). Go 1.20+ wraps them in "tls: failed to verify
# certificate: x509: ...".
# crypto/x509's words are the Go client's too: one table of them, clientkinds/go.py X509.
GO_SERVER = (
    ("client didn't provide a certificate", "tls.client_cert_required"),
    (X509["expired"], None),                                         # cert.expired / cert.not_yet_valid, below
    (X509["key_usage"], "eku.client_auth_missing"),
    (X509["unknown_authority"], "tls.client_cert_rejected"),
    (X509["critical_extension"], "tls.client_cert_rejected"),        # issue 11: cert.unknown_critical_extension
    (X509["not_authorized"] + " for this name", "tls.client_cert_rejected"),   # issue 11: chain.name_constraints
    (X509["unimplemented"], "tls.client_cert_rejected"),             # issue 11: sig.unsupported
    (X509["insecure"], "sig.weak"),                                  # SHA-1 (Go 1.18+)
    (X509["path_length"], "ca.path_length_exceeded"),
    (X509["negative_serial"], "cert.serial_invalid"),
    ("x509:", "tls.client_cert_rejected"),                           # any other verification error
)
# Go's tls.LoadX509KeyPair / x509.CertPool refusing the server files: Milvus exits at start.
GO_LOAD = (
    ("failed to find any PEM data in certificate input", "file.not_pem"),   # issue 11: file.bom for a BOM
    ("failed to find any PEM data in key input", "file.not_pem"),
    ("found a certificate rather than a key", "file.wrong_kind"),
    ("private key does not match public key", "key.mismatch"),
    ("failed to parse private key", "key.unsupported"),
    ("no such file or directory", "file.missing"),
    ("fail to append ca", "file.not_pem"),
)


def classify_server(text: str, *, sent_cert: bool = True) -> Optional[Explanation]:
    """What a Go server said about one connection (its verdict on the client certificate), or None when the text
    carries no refusal. The server's words decide over what the client saw ("Socket closed", TSI_DATA_CORRUPTED)."""
    reason = trim(text)
    low = text.lower()
    if "remote error:" in low:
        return None   # the client's alert (it refused the server): the client's side, not the server's verdict
    for needle, code in GO_SERVER:
        if needle.lower() in low:
            if code is None:
                code = "cert.not_yet_valid" if "is before" in low else "cert.expired"
            if not sent_cert:
                code = "tls.client_cert_required"
            return Explanation(code, f"the server refused the client certificate: {reason}")
    return None


def classify_load_error(text: str) -> Explanation:
    """Go refusing the server files at start (Milvus exits): the static code that names the cause."""
    low = text.lower()
    for needle, code in GO_LOAD:
        if needle.lower() in low:
            return Explanation(code, trim(text))
    return Explanation("handshake.not_run", trim(text))


def side_of(code: str, raw: str, *, sent_cert: bool = False, cert_requested: Optional[bool] = None
            ) -> Optional[Side]:
    """Which end refused, from the code and the client's raw text; None when the evidence does not say.

    SERVER means the server refused (or could not accept) the client certificate; only that may ever be
    overruled by Go's model (verdict.py). CLIENT means the client's own stack refused: never overruled.
    """
    if code in ("tls.client_cert_required", "tls.client_cert_rejected"):
        return Side.SERVER
    if code in ("name.mismatch", "tls.server_cert_untrusted", "tls.server_plaintext") or code.startswith("cert."):
        return Side.CLIENT
    if code != "handshake.failed":
        return None
    if _any(raw, MID_HANDSHAKE):
        return None   # the server hung up before the client certificate was sent: not about it
    if _any(raw, ("NO_COMMON_SIGNATURE_ALGORITHMS",)) and sent_cert and cert_requested:
        # The client could not sign with its key under any algorithm the server's CertificateRequest lists: the
        # server's rules for client certificates (BoringSSL's list is not Go's: an Ed25519 client key).
        return Side.SERVER
    if sent_cert and cert_requested and _any(raw, CERT_ALERT + HANDSHAKE_ALERT):
        return Side.SERVER
    if _any(raw, CLIENT_LOCAL):
        return Side.CLIENT
    return None
