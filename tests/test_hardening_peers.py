"""Hardening, peers: `milvus-tls doctor --uri` against hostile servers on 127.0.0.1.

Each test starts its peer, runs the whole CLI against it (a good certificate set from certfactory.good_set() is the
client's material, so modes 1 and 2 are both attempted, in parallel with the raw ssl probe), and stops the peer
in `finally` (listening socket, connections and threads closed and joined).

What each must give: exit status 1 within the bound, every handshake code documented, a specific code where the
peer's behaviour has one, else handshake.failed with the raw reason in the detail.

The bound: the ssl probe and one grpc attempt per mode run side by side, each limited by --timeout, so a run
takes about one --timeout; BOUND allows one --timeout more for thread start-up, grpc's channel shutdown and a
loaded CI machine (measured: at most about timeout + 0.2 s on loopback).
"""
from __future__ import annotations

import contextlib
import io
import json
import socket
import ssl
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Optional

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from milvus_tls_check import cli
from tests.certfactory import good_set, make_ca, make_leaf
from milvus_tls_check.codes import CATALOGUE

TIMEOUT = 2.0
BOUND = TIMEOUT * 2          # asserted for every peer (a failure message shows the time taken)


@pytest.fixture(scope="module")
def material(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("peers")
    s = good_set()
    paths = s.write(d / "client-side")
    return {"set": s, "dir": d / "client-side", "server_pem": paths["server.pem"], "server_key": paths["server.key"]}


def doctor(uri: str, folder: Optional[Path], fmt: str = "json", extra: tuple = ()) -> tuple[int, str, str, float]:
    """The whole CLI in a worker thread; a run that outlives 3x the bound fails the test instead of hanging it."""
    box: dict = {}

    def run() -> None:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            where = ["--dir", str(folder)] if folder else []
            box["status"] = cli.main(["doctor", *where, "--uri", uri, "--timeout", str(TIMEOUT),
                                      "--format", fmt, *extra])
        box["out"], box["err"] = out.getvalue(), err.getvalue()

    t0 = time.monotonic()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(BOUND * 3)
    seconds = time.monotonic() - t0
    assert not worker.is_alive(), f"the doctor hung against {uri} ({seconds:.1f}s)"
    return box["status"], box["out"], box["err"], seconds


def judged(name: str, uri: str, folder: Path) -> tuple[dict, list[dict]]:
    status, out, err, seconds = doctor(uri, folder)
    assert status == 1, (status, err)
    assert "Traceback" not in out + err and err == ""
    assert seconds < BOUND, f"{name}: {seconds:.2f}s (bound {BOUND}s)"
    report = json.loads(out)
    hs = report["handshakes"]
    assert hs and all(h["code"] in CATALOGUE for h in hs), [h["code"] for h in hs]
    assert all(h["detail"] for h in hs if not h["ok"])
    return report, hs


# --- a small threaded TCP peer ---------------------------------------------------------------------------------

class Peer:
    """Accepts on 127.0.0.1:0 and runs handler(conn, stop) per connection, each in its own thread."""

    def __init__(self, handler: Callable[[socket.socket, threading.Event], None]):
        self.handler = handler
        self.stop = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(32)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        self.threads: list[threading.Thread] = []
        self.errors: list[BaseException] = []
        self.acceptor = threading.Thread(target=self._accept, name="hostile-peer", daemon=True)
        self.acceptor.start()

    @property
    def uri(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            self.conns.append(conn)
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self.threads.append(t)
            t.start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            self.handler(conn, self.stop)
        except (OSError, ssl.SSLError):
            pass                      # the client hung up: expected with hostile peers
        except BaseException as exc:  # noqa: BLE001 - reported by close()
            self.errors.append(exc)
        finally:
            with contextlib.suppress(OSError):
                conn.close()

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        self.acceptor.join(5)
        for c in self.conns:
            with contextlib.suppress(OSError):
                c.close()
        for t in self.threads:
            t.join(5)
        assert not self.acceptor.is_alive() and not any(t.is_alive() for t in self.threads), "peer threads left"
        assert not self.errors, self.errors


@contextlib.contextmanager
def peer(handler) -> Peer:
    p = Peer(handler)
    try:
        yield p
    finally:
        p.close()


def read_until_stopped(conn: socket.socket, stop: threading.Event) -> None:
    conn.settimeout(0.1)
    while not stop.is_set():
        try:
            if not conn.recv(65536):
                return
        except socket.timeout:
            continue


def read_client_hello(conn: socket.socket, stop: threading.Event) -> bytes:
    """One whole TLS record from the client (the ClientHello)."""
    conn.settimeout(0.1)
    data = b""
    while not stop.is_set():
        try:
            chunk = conn.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        data += chunk
        if len(data) >= 5 and len(data) >= 5 + struct.unpack(">H", data[3:5])[0]:
            break
    return data


# --- the hostile peers -----------------------------------------------------------------------------------------

def test_tcp_server_that_never_answers(material):
    with peer(read_until_stopped) as p:
        report, hs = judged("never answers", p.uri, material["dir"])
    assert {h["code"] for h in hs} == {"net.timeout"}, hs
    probe = [h for h in hs if h["client"] == "ssl-probe"][0]
    assert "no TLS answer to the ClientHello" in probe["detail"]
    assert any("Deadline" in h["detail"] or "no answer within" in h["detail"] for h in hs if h["client"] == "grpcio")


def test_tcp_server_that_closes_at_once(material):
    with peer(lambda conn, stop: None) as p:
        report, hs = judged("closes at once", p.uri, material["dir"])
    assert all(h["code"] == "handshake.failed" for h in hs), hs
    probe = [h for h in hs if h["client"] == "ssl-probe"][0]
    # closed before reading the ClientHello: the kernel answers the unread data with a reset
    assert any(w in probe["detail"] for w in ("Connection reset", "without sending anything")), probe
    for h in hs:
        if h["client"] == "grpcio":
            assert "without sending any TLS bytes" in h["detail"] and "Ed25519" not in h["detail"], h
            assert any(w in h["detail"] for w in ("Socket closed", "Connection reset", "EOF")), h   # raw reason


def test_tcp_server_that_sends_garbage(material):
    def garbage(conn, stop):
        read_client_hello(conn, stop)
        conn.sendall(bytes(range(0x20, 0x7F)) * 4)
        read_until_stopped(conn, stop)

    with peer(garbage) as p:
        report, hs = judged("sends garbage", p.uri, material["dir"])
    assert all(h["code"] == "tls.server_plaintext" for h in hs), hs
    probe = [h for h in hs if h["client"] == "ssl-probe"][0]
    assert "20 21 22 23" in probe["detail"]                  # the raw first bytes


def test_http11_server(material):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        report, hs = judged("HTTP/1.1 server", f"https://127.0.0.1:{server.server_address[1]}", material["dir"])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    assert not thread.is_alive()
    assert all(h["code"] == "tls.server_plaintext" for h in hs), hs
    probe = [h for h in hs if h["client"] == "ssl-probe"][0]
    assert "plaintext HTTP/1" in probe["detail"]


def _server_context(cert: Path, key: Path, alpn: Optional[list[str]] = None) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert), str(key))
    if alpn:
        ctx.set_alpn_protocols(alpn)
    return ctx


def test_tls_server_without_h2_alpn(material):
    ctx = _server_context(material["server_pem"], material["server_key"])   # no ALPN: not a gRPC server

    def tls(conn, stop):
        conn.settimeout(TIMEOUT * 2)
        with ctx.wrap_socket(conn, server_side=True) as tls_conn:
            read_until_stopped(tls_conn, stop)

    with peer(tls) as p:
        report, hs = judged("TLS without h2 ALPN", p.uri, material["dir"])
    probe = [h for h in hs if h["client"] == "ssl-probe"][0]
    assert probe["ok"] and probe["peer"]["alpn"] is None and "ALPN none" in probe["detail"]
    attempts = [h for h in hs if h["client"] == "grpcio"]
    assert attempts and all(h["code"] == "handshake.failed" for h in attempts), attempts
    assert "not a gRPC endpoint" in probe["detail"]
    for h in attempts:
        assert "missing selected ALPN property" in h["detail"], h      # grpc's raw reason
        assert "not a gRPC endpoint" in h["detail"], h                 # and what it means


def test_tls_server_that_drips_one_byte_per_second(material):
    ctx = _server_context(material["server_pem"], material["server_key"], ["h2"])

    def drip(conn, stop):
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = ctx.wrap_bio(incoming, outgoing, server_side=True)
        conn.settimeout(0.05)
        pending = b""
        next_send = time.monotonic()
        while not stop.is_set():
            try:
                data = conn.recv(65536)
                if not data:
                    return
                incoming.write(data)
            except socket.timeout:
                pass
            with contextlib.suppress(ssl.SSLWantReadError):
                tls.do_handshake()
            pending += outgoing.read()
            if pending and time.monotonic() >= next_send:
                conn.sendall(pending[:1])
                pending = pending[1:]
                next_send = time.monotonic() + 1.0

    with peer(drip) as p:
        report, hs = judged("drips one byte a second", p.uri, material["dir"])
    assert {h["code"] for h in hs} == {"net.timeout"}, hs
    probe = [h for h in hs if h["client"] == "ssl-probe"][0]
    assert "did not finish before the deadline" in probe["detail"]


def test_tls_server_with_a_100_certificate_chain(material, tmp_path):
    """A real gRPC server (grpcio, as the rehearsal runs it) presenting leaf + 99 intermediates: the doctor reads
    and shows the whole chain, and grpc accepts it (BoringSSL's depth limit is 100 intermediates)."""
    from cryptography.hazmat.primitives import serialization

    from milvus_tls_check.handshake.rehearsal import ServerFiles, serving

    key = ec.generate_private_key(ec.SECP256R1())   # one key for every level: signing is what costs
    issuer = make_ca("chain root", key=key)
    root_pem = issuer.cert_pem()
    for level in range(99):
        issuer = make_ca(f"intermediate {level + 1}", issuer=issuer, key=key)
    leaf = make_leaf(issuer, "localhost", dns=("localhost",), ips=("127.0.0.1",), key=key)
    chain = leaf.cert_pem(with_chain=True)
    assert chain.count(b"BEGIN CERTIFICATE") == 100
    (tmp_path / "root.pem").write_bytes(root_pem)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    trust = ("--client-server-pem", str(tmp_path / "root.pem"))       # pymilvus server_pem_path = the root
    with serving(ServerFiles(chain, key_pem, None), 1) as port:
        uri = f"https://127.0.0.1:{port}"
        status, out, err, seconds = doctor(uri, None, extra=trust)
        text_status, text, text_err, text_seconds = doctor(uri, None, fmt="text", extra=trust)
    assert status == 0 and err == "" and seconds < BOUND, (status, err, seconds)   # a long chain is no fault
    hs = json.loads(out)["handshakes"]
    assert hs and all(h["ok"] and h["code"] == "handshake.ok" for h in hs), hs
    probe = [h for h in hs if h["client"] == "ssl-probe"][0]
    assert probe["ok"] and len(probe["peer"]["chain"]) == 100, probe
    # the text report lists the presented chain one certificate a line
    assert text_status == 0 and text_err == "" and text_seconds < BOUND
    assert "chain presented (100):" in text and "#99 " in text


def test_server_that_resets_mid_handshake(material):
    def reset(conn, stop):
        read_client_hello(conn, stop)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()                      # RST instead of FIN

    with peer(reset) as p:
        report, hs = judged("resets mid-handshake", p.uri, material["dir"])
    assert all(h["code"] == "handshake.failed" for h in hs), hs
    probe = [h for h in hs if h["client"] == "ssl-probe"][0]
    assert "Connection reset by peer" in probe["detail"], probe
    for h in hs:
        if h["client"] == "grpcio":
            assert "Connection reset by peer" in h["detail"], h                   # raw reason
            assert "without sending any TLS bytes" in h["detail"] and "Ed25519" not in h["detail"], h
