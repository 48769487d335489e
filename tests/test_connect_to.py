"""--connect-to HOST:PORT:ADDR:PORT2 (curl's syntax and meaning): the probes dial ADDR:PORT2 when the deployment
names HOST:PORT, and still verify and send SNI for HOST. Parsing, the usage error, and the real probers (Go's etcd
and S3 probers, OpenSSL's querynode side) against a loopback TLS server whose certificate names only the deployment's
host: redirected they pass, the same server dialled by its address fails on the name (so the name really is HOST)."""
from __future__ import annotations

import socket
import ssl
import threading
from pathlib import Path

import pytest

from milvus_tls_check.cli import main
from milvus_tls_check.model import ConnectTo, connect_target, parse_connect_to

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "deploy" / "links" / "helm" / "tls"


@pytest.mark.parametrize("text, want", [
    ("etcd.milvus-deps.svc:2379:127.0.0.1:40001", ConnectTo("etcd.milvus-deps.svc", "2379", "127.0.0.1", "40001")),
    ("::127.0.0.1:", ConnectTo("", "", "127.0.0.1", "")),                  # any host and port -> that address
    ("s3.x:443:[::1]:8443", ConnectTo("s3.x", "443", "::1", "8443")),
    ("[fd00::1]:443::9443", ConnectTo("fd00::1", "443", "", "9443")),        # same host, another port
])
def test_curl_syntax(text, want):
    assert parse_connect_to(text) == want
    assert parse_connect_to(want.given) == want


@pytest.mark.parametrize("text", ["host:443:addr", "host:https:addr:443", "[::1:443:a:1", "a:1:b:1:extra"])
def test_not_curl_syntax_is_refused(text):
    with pytest.raises(ValueError):
        parse_connect_to(text)


def test_a_bad_connect_to_is_a_usage_error(capsys):
    code = main(["doctor", "--k8s", str(FIXTURES.parent / "values.yaml"), "--probe-links", "--connect-to",
                 "etcd:2379:127.0.0.1"])
    assert code == 2 and "--connect-to" in capsys.readouterr().err


def test_the_first_matching_rule_wins_and_empty_parts_keep_what_was_named():
    rules = (parse_connect_to("a:1:x:9"), parse_connect_to("::y:"))
    assert connect_target(rules, "a", "1")[:2] == ("x", "9")
    assert connect_target(rules, "a", "2")[:2] == ("y", "2")        # the catch-all keeps the port named
    assert connect_target(rules[:1], "b", "1") is None               # near miss: another host is not redirected


@pytest.fixture()
def s3_like_server():
    """A loopback TLS server presenting s3-server.pem (SAN s3.milvus-deps.svc only), answering any HTTP request
    with an empty 200."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(FIXTURES / "s3-server.pem", FIXTURES / "s3-server.key")
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            try:
                with ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.settimeout(2)
                    tls.recv(4096)
                    tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            except (ssl.SSLError, OSError):
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    listener.close()
    thread.join(timeout=5)


def test_openssl_side_connects_to_the_address_and_checks_the_named_host(s3_like_server):
    from milvus_tls_check.handshake.s3probe import dial_openssl
    ca = str(FIXTURES / "ca.pem")
    ok = dial_openssl("s3.milvus-deps.svc", 443, ca, connect=("127.0.0.1", s3_like_server))
    assert ok.ok, ok
    by_address = dial_openssl("127.0.0.1", s3_like_server, ca)
    assert (by_address.ok, by_address.cls) == (False, "hostname"), by_address


def test_go_s3_prober_connects_to_the_address_and_checks_the_named_host(s3_like_server):
    from milvus_tls_check.handshake import gofront
    from milvus_tls_check.handshake.s3probe import dial_go
    if not gofront.toolchains():
        pytest.skip("no Go toolchain (gofront install)")
    ca = str(FIXTURES / "ca.pem")
    ok = dial_go("s3.milvus-deps.svc:443", ssl=True, roots=ca, bucket="b", connect=f"127.0.0.1:{s3_like_server}")
    assert ok.ok and not ok.could_not_run, ok
    by_address = dial_go(f"127.0.0.1:{s3_like_server}", ssl=True, roots=ca, bucket="b")
    assert (by_address.ok, by_address.cls) == (False, "hostname"), by_address
