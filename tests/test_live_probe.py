"""`milvus-tls doctor --uri ...` against real loopback peers: each failure code, from real grpc/ssl errors.

Every peer is started by a fixture and stopped in its finally, inside the test that uses it.
"""
from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from tests.certfactory import good_set, make_ca, make_leaf
from milvus_tls_check.cli import EXIT_FAIL, EXIT_PASS, main
from milvus_tls_check.handshake import BadUri, parse_uri
from milvus_tls_check.handshake.rehearsal import ServerFiles, serving
from tests.helpers import answer

TIMEOUT = 2.0


@pytest.fixture(scope="module")
def tls(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("live-tls")
    paths = good_set().write(out / "good")
    other = make_ca("another CA")
    (out / "other-ca.pem").write_bytes(other.cert_pem())
    make_leaf(other, "milvus-client", dns=("milvus-client",), eku=("client",)).write(
        out / "stranger.pem", out / "stranger.key")
    return {**{k.replace(".", "_"): v for k, v in paths.items()}, "other_ca": out / "other-ca.pem",
            "stranger_pem": out / "stranger.pem", "stranger_key": out / "stranger.key"}


@pytest.fixture
def peer(tls):
    """peer(mode) -> port of a running server like Milvus with tlsMode `mode` (0 plaintext, 1, 2)."""
    stack = contextlib.ExitStack()
    files = ServerFiles(tls["server_pem"].read_bytes(), tls["server_key"].read_bytes(), tls["ca_pem"].read_bytes())
    try:
        yield lambda mode: stack.enter_context(serving(files if mode else None, mode))
    finally:
        stack.close()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A TCP server that accepts and never says a word."""
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    lsock.settimeout(0.05)

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = lsock.accept()
                accepted.append(conn)
            except socket.timeout:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield lsock.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        lsock.close()
        for conn in accepted:
            conn.close()
        assert not thread.is_alive()


@pytest.fixture
def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def doctor(capsys, *args: str) -> tuple[int, dict]:
    capsys.readouterr()
    rc = main(["doctor", "--format", "json", "--timeout", str(TIMEOUT), *args])
    out = capsys.readouterr().out
    return rc, json.loads(out)


def codes(report: dict, client: str = "grpcio") -> list[str]:
    return [h["code"] for h in report["handshakes"] if h["client"] == client]


def one_way(tls, name: str = "localhost", root: str = "ca_pem") -> list[str]:
    return ["--server-name", name, "--client-server-pem", str(tls[root])]


def mutual(tls, cert: str = "client_pem", key: str = "client_key") -> list[str]:
    return ["--server-name", "localhost", "--tls-mode", "2", "--client-pem", str(tls[cert]),
            "--client-key", str(tls[key]), "--client-ca-pem", str(tls["ca_pem"])]


def test_good_one_way(capsys, tls, peer):
    port = peer(1)
    rc, report = doctor(capsys, "--uri", f"https://127.0.0.1:{port}", *one_way(tls))
    assert rc == EXIT_PASS, report["handshakes"]
    assert codes(report) == ["handshake.ok"]
    probe = next(h for h in report["handshakes"] if h["client"] == "ssl-probe")
    assert probe["ok"] and probe["tls_version"] == "TLSv1.3"
    seen = probe["peer"]
    assert seen["speaks_tls"] and seen["alpn"] == "h2" and seen["client_cert_requested"] is False
    assert seen["chain"][0]["subject"].startswith("CN=localhost")
    assert "DNS:localhost" in seen["chain"][0]["sans"] and seen["chain"][0]["not_after"]


def test_good_mutual(capsys, tls, peer):
    port = peer(2)
    rc, report = doctor(capsys, "--uri", f"https://127.0.0.1:{port}", *mutual(tls))
    assert rc == EXIT_PASS, report["handshakes"]
    assert codes(report) == ["handshake.ok"]
    probe = next(h for h in report["handshakes"] if h["client"] == "ssl-probe")
    assert probe["peer"]["client_cert_requested"] is True and probe["peer"]["client_cert_required"] is True


def test_plaintext_server(capsys, tls, peer):
    port = peer(0)
    rc, report = doctor(capsys, "--uri", f"https://127.0.0.1:{port}", *one_way(tls))
    assert rc == EXIT_FAIL
    assert codes(report) == ["tls.server_plaintext"]
    assert "WRONG_VERSION_NUMBER" in report["handshakes"][0]["detail"]
    assert codes(report, "ssl-probe") == ["tls.server_plaintext"]


def test_plaintext_uri_against_plaintext_server_passes(capsys, peer):
    port = peer(0)
    rc, report = doctor(capsys, "--uri", f"http://127.0.0.1:{port}")
    # pymilvus uses no TLS at all for an http:// URI against a plaintext server: nothing to fail.
    assert rc == EXIT_PASS, (report["findings"], report["handshakes"])
    assert report["verdict"] == "pass" and answer(report["findings"]) == []
    assert codes(report) == ["handshake.ok"]
    assert all(h["ok"] for h in report["handshakes"]), report["handshakes"]


def test_plaintext_client_tls_server(capsys, peer):
    port = peer(1)
    rc, report = doctor(capsys, "--uri", f"http://127.0.0.1:{port}")
    assert rc == EXIT_FAIL
    assert codes(report) == ["tls.client_plaintext"]
    assert codes(report, "ssl-probe") == ["tls.client_plaintext"]


def test_mode2_server_one_way_params(capsys, tls, peer):
    port = peer(2)
    rc, report = doctor(capsys, "--uri", f"https://127.0.0.1:{port}", *one_way(tls))
    assert rc == EXIT_FAIL
    assert codes(report) == ["tls.client_cert_required"]


def test_wrong_ca(capsys, tls, peer):
    port = peer(1)
    rc, report = doctor(capsys, "--uri", f"https://127.0.0.1:{port}", *one_way(tls, root="other_ca"))
    assert rc == EXIT_FAIL
    assert codes(report) == ["tls.server_cert_untrusted"]
    assert "CERTIFICATE_VERIFY_FAILED" in report["handshakes"][0]["detail"]


def test_wrong_server_name(capsys, tls, peer):
    port = peer(1)
    rc, report = doctor(capsys, "--uri", f"https://127.0.0.1:{port}", *one_way(tls, name="milvus.example.com"))
    assert rc == EXIT_FAIL
    assert codes(report) == ["name.mismatch"]
    assert "'milvus.example.com'" in report["handshakes"][0]["detail"]


def test_client_cert_from_another_ca(capsys, tls, peer):
    port = peer(2)
    rc, report = doctor(capsys, "--uri", f"https://127.0.0.1:{port}", *mutual(tls, "stranger_pem", "stranger_key"))
    assert rc == EXIT_FAIL
    assert codes(report) == ["tls.client_cert_rejected"]


def test_closed_port(capsys, tls, closed_port):
    rc, report = doctor(capsys, "--uri", f"https://127.0.0.1:{closed_port}", *one_way(tls))
    assert rc == EXIT_FAIL
    assert codes(report) == ["net.refused"]
    assert codes(report, "ssl-probe") == ["net.refused"]


def test_silent_peer_times_out_within_the_timeout(capsys, tls, silent_port):
    t0 = time.monotonic()
    rc, report = doctor(capsys, "--uri", f"https://127.0.0.1:{silent_port}", *one_way(tls))
    elapsed = time.monotonic() - t0
    assert rc == EXIT_FAIL
    assert codes(report) == ["net.timeout"]
    assert codes(report, "ssl-probe") == ["net.timeout"]
    assert elapsed < TIMEOUT + 1.5, elapsed


def test_unresolvable_host(capsys, tls):
    t0 = time.monotonic()
    rc, report = doctor(capsys, "--uri", "https://nonexistent.invalid:19530", *one_way(tls))
    assert rc == EXIT_FAIL
    assert codes(report) == ["net.unresolved"]
    assert codes(report, "ssl-probe") in (["net.unresolved"], ["net.timeout"])
    assert time.monotonic() - t0 < TIMEOUT + 1.5


@pytest.mark.parametrize("uri,host,port,secure", [
    ("https://milvus.example.com", "milvus.example.com", 443, True),
    ("https://milvus.example.com:19530", "milvus.example.com", 19530, True),
    ("http://10.0.0.5", "10.0.0.5", 19530, False),
    ("tcp://db:1234/mydb", "db", 1234, False),
    ("http://", "localhost", 19530, False),
])
def test_uri_parsed_as_pymilvus(uri, host, port, secure):
    t = parse_uri(uri)
    assert (t.host, t.port, t.secure) == (host, port, secure)


@pytest.mark.parametrize("uri", ["grpc://127.0.0.1:1", "127.0.0.1:19530"])
def test_bad_uri_is_a_usage_error(capsys, tls, uri):
    with pytest.raises(BadUri):
        parse_uri("grpc://x:1")
    status = main(["doctor", "--uri", uri, *one_way(tls), "--format", "json"])
    out, err = capsys.readouterr()
    assert status == 2 and not out
    assert "use https://" in err and "traceback" not in err.lower()
