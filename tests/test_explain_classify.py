"""The handshake error classifier (handshake/explain.py) on recorded error strings: each string -> its code.

BoringSSL/grpcio strings were recorded with grpcio 1.85.3 on loopback against the grpcio rehearsal server
(tests/test_handshake_rehearsal.py builds the same material); the Go strings are what Go's crypto/tls and x509
say (Milvus 2.3.5's log at grpc.log.level INFO, Go's tls.LoadX509KeyPair), as docs/KNOWLEDGE.md records them.
"""
from __future__ import annotations

import pytest

from milvus_tls_check.handshake.explain import classify, classify_load_error, classify_server, side_of
from milvus_tls_check.model import Side

PREFIX = "failed to connect to all addresses; last error: "

# grpcio (BoringSSL) client, as grpc's status details say it. (recorded string, code)
CLIENT_STRINGS = {
    "unknown issuer": (
        PREFIX + "UNKNOWN: ipv4:127.0.0.1:32997: Tls handshake failed (TSI_PROTOCOL_FAILURE): SSL_ERROR_SSL: "
        "error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED: unable to get local issuer "
        "certificate: OK", "tls.server_cert_untrusted"),
    "self signed": (
        PREFIX + "UNKNOWN: ipv4:127.0.0.1:40001: Tls handshake failed (TSI_PROTOCOL_FAILURE): SSL_ERROR_SSL: "
        "error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED: self signed certificate: OK",
        "tls.server_cert_untrusted"),
    "expired (issue 13)": (
        PREFIX + "UNKNOWN: ipv4:127.0.0.1:45341: Tls handshake failed (TSI_PROTOCOL_FAILURE): SSL_ERROR_SSL: "
        "error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED: certificate has expired: OK",
        "cert.expired"),
    "not yet valid": (
        PREFIX + "UNKNOWN: ipv4:127.0.0.1:32799: Tls handshake failed (TSI_PROTOCOL_FAILURE): SSL_ERROR_SSL: "
        "error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED: certificate is not yet valid: OK",
        "cert.not_yet_valid"),
    "hostname (grpcio 1.8x)": (
        PREFIX + "UNKNOWN: ipv4:127.0.0.1:37843: Custom verification check failed with error: UNAUTHENTICATED: "
        "Hostname Verification Check failed.", "name.mismatch"),
    "peer name (older grpc)": ("Peer name localhost is not in peer certificate", "name.mismatch"),
    "plaintext server": (
        PREFIX + "UNKNOWN: ipv4:127.0.0.1:43433: Tls handshake failed (TSI_PROTOCOL_FAILURE): SSL_ERROR_SSL: "
        "error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER: Invalid certificate verification "
        "context: OK", "tls.server_plaintext"),
    "server key usage": (
        PREFIX + "UNKNOWN: ipv4:127.0.0.1:40793: Tls handshake failed (TSI_PROTOCOL_FAILURE): SSL_ERROR_SSL: "
        "error:1000012e:SSL routines:OPENSSL_internal:KEY_USAGE_BIT_INCORRECT: OK", "handshake.failed"),
    "ed25519 server key": (PREFIX + "UNAVAILABLE: ipv4:127.0.0.1:39855: Handshake read failed (Socket closed)",
                           "handshake.failed"),
    "roots do not load (BOM)": (PREFIX + "UNKNOWN: ipv4:127.0.0.1:46877: Failed to create security handshaker.",
                                "handshake.failed"),
    "refused": (PREFIX + "UNAVAILABLE: ipv4:127.0.0.1:1: Failed to connect to remote host: Connection refused",
                "net.refused"),
    "unresolved": (PREFIX + "UNAVAILABLE: dns:nonexistent.invalid:19530: DNS resolution failed for "
                   "nonexistent.invalid:19530: C-ares status is not ARES_SUCCESS qtype=A name=nonexistent.invalid "
                   "is_balancer=0: Domain name not found", "net.unresolved"),
    "deadline": ("Deadline Exceeded: no answer within 2s", "net.timeout"),
}


@pytest.mark.parametrize("name", list(CLIENT_STRINGS))
def test_client_strings(name):
    raw, code = CLIENT_STRINGS[name]
    assert classify(raw, tls=True, sent_cert=False, cert_requested=False, server_speaks_tls=True).code == code


def test_expired_is_not_a_trust_root_problem():
    """Issue 13: BoringSSL says CERTIFICATE_VERIFY_FAILED for both; the reason after it decides."""
    raw = CLIENT_STRINGS["expired (issue 13)"][0]
    why = classify(raw, tls=True)
    assert why.code == "cert.expired" and "certificate has expired" in why.detail
    # Go's verifier (Go clients, next): one message for both, "is after" / "is before" decides.
    go = ("tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time "
          "2027-01-01T00:00:00Z is after 2026-06-01T00:00:00Z")
    assert classify(go, tls=True).code == "cert.expired"
    assert classify(go.replace("is after", "is before"), tls=True).code == "cert.not_yet_valid"


# The client-certificate cases: what the client reads is ambiguous; what it knows about the attempt decides.
SOCKET_CLOSED = PREFIX + "UNAVAILABLE: ipv4:127.0.0.1:37733: Socket closed"          # grpcio mode-2 server
TSI_DATA_CORRUPTED = PREFIX + "UNAVAILABLE: ipv4:127.0.0.1:19530: Unwrap failed (TSI_DATA_CORRUPTED)"   # Go server
NO_COMMON = (PREFIX + "UNKNOWN: ipv4:127.0.0.1:34061: Tls handshake failed (TSI_PROTOCOL_FAILURE): SSL_ERROR_SSL: "
             "error:100000fd:SSL routines:OPENSSL_internal:NO_COMMON_SIGNATURE_ALGORITHMS")


@pytest.mark.parametrize("raw", [SOCKET_CLOSED, TSI_DATA_CORRUPTED])
@pytest.mark.parametrize("sent_cert,code", [(False, "tls.client_cert_required"), (True, "tls.client_cert_rejected")])
def test_mode2_hang_up_after_the_handshake(raw, sent_cert, code):
    assert classify(raw, tls=True, sent_cert=sent_cert, cert_requested=True, server_speaks_tls=True).code == code


def test_hang_up_without_a_certificate_request_is_not_about_the_client_cert():
    assert classify(SOCKET_CLOSED, tls=True, sent_cert=True, cert_requested=False,
                    server_speaks_tls=True).code == "handshake.failed"


def test_alert_in_grpc_log_lines_names_the_cause():
    extra = "ssl_transport_security.cc:1468] Handshake failed with fatal error SSL_ERROR_SSL: error:10000412:SSL " \
            "routines:OPENSSL_internal:SSLV3_ALERT_BAD_CERTIFICATE"
    assert classify(TSI_DATA_CORRUPTED, tls=True, sent_cert=True, extra=extra).code == "tls.client_cert_rejected"
    assert classify(TSI_DATA_CORRUPTED, tls=True, sent_cert=False, extra=extra).code == "tls.client_cert_required"


def test_tls13_certificate_required_alert():
    raw = "SSLError: [SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert certificate required (_ssl.c:2580)"
    assert classify(raw, tls=True).code == "tls.client_cert_required"


def test_plaintext_client():
    assert classify("Trying to connect an http1.x server", tls=False).code == "tls.client_plaintext"
    assert classify(SOCKET_CLOSED, tls=False, server_speaks_tls=True).code == "tls.client_plaintext"


def test_handshake_hints():
    why = classify(NO_COMMON, tls=True, sent_cert=True, cert_requested=True, server_speaks_tls=True)
    assert why.code == "handshake.failed" and "no signature algorithm in common" in why.detail


# Go's server (Milvus, or the Go rehearsal) about the client certificate: the server's words name the cause.
GO_SERVER = {
    "tls: client didn't provide a certificate": "tls.client_cert_required",
    "tls: failed to verify certificate: x509: certificate signed by unknown authority": "tls.client_cert_rejected",
    "tls: failed to verify certificate: x509: certificate specifies an incompatible key usage":
        "eku.client_auth_missing",
    "tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time "
    "2027-01-01T00:00:00Z is after 2026-06-01T00:00:00Z": "cert.expired",
    "tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time "
    "2026-01-01T00:00:00Z is before 2026-06-01T00:00:00Z": "cert.not_yet_valid",
    "tls: failed to verify certificate: x509: unhandled critical extension": "tls.client_cert_rejected",
    "tls: failed to verify certificate: x509: a root or intermediate certificate is not authorized to sign for "
    "this name: DNS name \"x.other\" is excluded by constraint \"other\"": "tls.client_cert_rejected",
    "tls: failed to verify certificate: x509: cannot verify signature: insecure algorithm SHA1-RSA "
    "(temporarily override with GODEBUG=x509sha1=1)": "sig.weak",
}


@pytest.mark.parametrize("line", list(GO_SERVER))
def test_go_server_strings(line):
    why = classify_server(f"http: TLS handshake error from 127.0.0.1:50012: {line}", sent_cert=True)
    assert why is not None and why.code == GO_SERVER[line]
    assert line[:40] in why.detail


def test_go_server_without_a_refusal():
    assert classify_server("HANDSHAKE ok TLS 1.3 client CN=milvus-client") is None


def test_go_server_no_certificate_sent():
    assert classify_server("tls: client didn't provide a certificate", sent_cert=False).code == \
        "tls.client_cert_required"


# Go refusing the server files at start (Milvus exits): the static code that names the cause.
GO_LOAD = {
    "tls: failed to find any PEM data in certificate input": "file.not_pem",
    "tls: failed to find any PEM data in key input": "file.not_pem",
    "tls: private key does not match public key": "key.mismatch",
    "tls: failed to parse private key": "key.unsupported",
    "open /milvus/tls/server.pem: no such file or directory": "file.missing",
}


@pytest.mark.parametrize("text", list(GO_LOAD))
def test_go_load_errors(text):
    assert classify_load_error(text).code == GO_LOAD[text]


# Which end refused: only SERVER may ever be overruled by Go's model (verdict.py).
@pytest.mark.parametrize("code,raw,sent,requested,side", [
    ("tls.client_cert_rejected", SOCKET_CLOSED, True, True, Side.SERVER),
    ("tls.client_cert_required", SOCKET_CLOSED, False, True, Side.SERVER),
    ("tls.server_cert_untrusted", CLIENT_STRINGS["unknown issuer"][0], True, True, Side.CLIENT),
    ("name.mismatch", CLIENT_STRINGS["hostname (grpcio 1.8x)"][0], True, True, Side.CLIENT),
    ("cert.expired", CLIENT_STRINGS["expired (issue 13)"][0], False, False, Side.CLIENT),
    # the client could not sign under any algorithm the server's CertificateRequest lists (Ed25519 client key)
    ("handshake.failed", NO_COMMON, True, True, Side.SERVER),
    # the client's own roots did not load (issue 11: a CA file with a UTF-8 BOM)
    ("handshake.failed", CLIENT_STRINGS["roots do not load (BOM)"][0], True, True, Side.CLIENT),
    # the client refused the server's certificate (keyUsage)
    ("handshake.failed", CLIENT_STRINGS["server key usage"][0], True, True, Side.CLIENT),
    # hung up before the client certificate was sent (a server key no grpcio client can verify): not known
    ("handshake.failed", CLIENT_STRINGS["ed25519 server key"][0], True, True, None),
    ("net.refused", CLIENT_STRINGS["refused"][0], False, None, None),
])
def test_side(code, raw, sent, requested, side):
    assert side_of(code, raw, sent_cert=sent, cert_requested=requested) is side
