"""`milvus-tls exporter --fleet FILE --listen HOST:PORT --interval S`: a Prometheus exporter for a fleet.

A checker thread runs the whole fleet (fleet.run_fleet, live targets bounded by --timeout) every --interval seconds
and swaps in the new results; /metrics only reads the last results, so a scrape never waits for a check. The metric
families are render.prometheus's (the same as `--format prometheus`), plus the exporter's own: how long each check
of the fleet and each scrape took, when the last check finished, how many checks ran, how many connections were
refused or timed out.

The HTTP side is BoundedServer, not prometheus_client's start_http_server (one thread per connection, no timeout:
3,000 idle clients held 3,000 threads, and ~1,000 held every file descriptor under `ulimit -n 1024` so the checks
failed with EMFILE). One selector thread reads every request head; a connection that has not sent one within
--request-timeout seconds is closed; at --max-connections open connections the oldest one still waiting for its
request is closed at once to make room (a scraper sends its request at once, so idle clients cannot lock it out); a full
request goes to a fixed pool of --http-workers threads that answer it with prometheus_client's own WSGI app
(make_wsgi_app: the exposition, content negotiation, gzip and name[] filters of the same registry) and close it.
So the exporter holds at most max-connections sockets and 2 + http-workers threads however many clients come.
"""
from __future__ import annotations

import argparse
import errno
import io
import selectors
import signal
import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Optional
from urllib.parse import unquote

from .fleet import FleetError, load_fleet, run_fleet
from .render.prometheus import Family, families
from .request import Options


@dataclass
class ServerStats:
    """What BoundedServer counts (read by the collector)."""

    dropped: int = 0        # closed at once because --max-connections were open (the oldest idle one, else the new)
    timed_out: int = 0      # closed without a full request (or not reading the answer) within --request-timeout
    served: int = 0
    open: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str, n: int = 1) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + n)


class _Conn:
    __slots__ = ("sock", "buffer", "deadline")

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock, self.buffer, self.deadline = sock, b"", deadline


class BoundedServer:
    """An HTTP/1.x server for one WSGI app with fixed resources: one selector thread reads request heads (any
    number of idle clients cost a socket each, up to max_connections, and no thread), a pool of `workers` threads
    answers complete requests, `request_timeout` bounds how long a client may take to send its request and how long
    an answer may take to write. One request per connection (Connection: close)."""

    MAX_HEAD = 16 * 1024

    def __init__(self, app: Callable, host: str, port: int, *, max_connections: int = 64,
                 request_timeout: float = 5.0, workers: int = 2, stats: Optional[ServerStats] = None) -> None:
        self.app = app
        self.max_connections = max_connections
        self.request_timeout = request_timeout
        self.stats = stats or ServerStats()
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, _, _, _, address = infos[0]
        self._listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._listener.bind(address)
            self._listener.listen(128)
        except OSError:
            self._listener.close()
            raise
        self._listener.setblocking(False)
        self.server_address = self._listener.getsockname()
        self.server_port = self.server_address[1]
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ, None)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="milvus-tls-exporter-http")
        self._stop = threading.Event()
        self._conns: dict[int, _Conn] = {}
        self._thread: Optional[threading.Thread] = None

    # --- lifecycle --------------------------------------------------------------------------------------------
    def start(self) -> "BoundedServer":
        self._thread = threading.Thread(target=self._loop, name="milvus-tls-exporter-accept", daemon=True)
        self._thread.start()
        return self

    def shutdown(self) -> None:
        """Stop accepting, close every connection, wait for the workers."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._pool.shutdown(wait=True)

    def __enter__(self) -> "BoundedServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.shutdown()

    # --- the selector thread ----------------------------------------------------------------------------------
    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                for key, _ in self._selector.select(timeout=0.25):
                    if key.data is None:
                        self._accept()
                    else:
                        self._read(key.data)
                self._expire()
        finally:
            for conn in list(self._conns.values()):
                self._drop(conn)
            self._selector.close()
            self._listener.close()

    def _accept(self) -> None:
        for _ in range(64):   # drain the backlog a bounded number at a time
            try:
                sock, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:   # EMFILE/ENFILE/ENOBUFS: leave it in the backlog, try again shortly
                if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    time.sleep(0.05)
                return
            if self.stats.open >= self.max_connections:
                # Full: the oldest connection still waiting for its request makes room (a scraper sends its request
                # at once, an idle client is the one to go); when every open one is being answered, the new one goes.
                self.stats.add("dropped")
                if not self._conns:
                    _close(sock)
                    continue
                self._drop(next(iter(self._conns.values())))
            sock.setblocking(False)
            conn = _Conn(sock, time.monotonic() + self.request_timeout)
            self._conns[sock.fileno()] = conn
            self.stats.add("open")
            self._selector.register(sock, selectors.EVENT_READ, conn)

    def _read(self, conn: _Conn) -> None:
        try:
            data = conn.sock.recv(4096)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._drop(conn)
            return
        conn.buffer += data
        if b"\r\n\r\n" in conn.buffer or b"\n\n" in conn.buffer:
            self._selector.unregister(conn.sock)
            del self._conns[conn.sock.fileno()]
            self._pool.submit(self._answer, conn)
        elif len(conn.buffer) > self.MAX_HEAD:
            self._selector.unregister(conn.sock)
            del self._conns[conn.sock.fileno()]
            self._pool.submit(self._reply_error, conn, "431 Request Header Fields Too Large")

    def _expire(self) -> None:
        now = time.monotonic()
        for conn in [c for c in self._conns.values() if c.deadline <= now]:
            self.stats.add("timed_out")
            self._drop(conn)

    def _drop(self, conn: _Conn) -> None:
        fd = conn.sock.fileno()
        if fd in self._conns:
            del self._conns[fd]
            try:
                self._selector.unregister(conn.sock)
            except (KeyError, ValueError):
                pass
        _close(conn.sock)
        self.stats.add("open", -1)

    # --- the workers ------------------------------------------------------------------------------------------
    def _answer(self, conn: _Conn) -> None:
        try:
            head = conn.buffer.split(b"\r\n\r\n" if b"\r\n\r\n" in conn.buffer else b"\n\n", 1)[0]
            lines = head.decode("latin-1").splitlines()
            parts = lines[0].split() if lines else []
            if len(parts) != 3 or not parts[2].startswith("HTTP/"):
                self._send(conn, "400 Bad Request", [("Content-Type", "text/plain")], [b"bad request\n"])
                return
            method, target, _ = parts
            headers = {}
            for line in lines[1:]:
                name, sep, value = line.partition(":")
                if sep:
                    headers[name.strip().lower()] = value.strip()
            path, _, query = target.partition("?")
            environ = {"REQUEST_METHOD": method, "PATH_INFO": unquote(path), "QUERY_STRING": query,
                       "SERVER_NAME": str(self.server_address[0]), "SERVER_PORT": str(self.server_port),
                       "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
                       "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr, "wsgi.multithread": True,
                       "wsgi.multiprocess": False, "wsgi.run_once": False}
            for name, value in headers.items():
                environ["HTTP_" + name.upper().replace("-", "_")] = value
            answer: dict = {}

            def start_response(status, response_headers, exc_info=None):
                answer["status"], answer["headers"] = status, response_headers
            body = self.app(environ, start_response)
            try:
                chunks = list(body)
            finally:
                getattr(body, "close", lambda: None)()
            if method == "HEAD":
                chunks = []
            self._send(conn, answer.get("status", "500 Internal Server Error"), answer.get("headers", []), chunks)
        except Exception:  # noqa: BLE001 - one bad request never stops the server
            self._send(conn, "500 Internal Server Error", [("Content-Type", "text/plain")], [b"error\n"])
        finally:
            self.stats.add("served")

    def _reply_error(self, conn: _Conn, status: str) -> None:
        self._send(conn, status, [("Content-Type", "text/plain")], [status.encode() + b"\n"])

    def _send(self, conn: _Conn, status: str, headers: list, chunks: list) -> None:
        """Write the answer within request_timeout in all (a client that reads slowly or not at all is cut off: it
        cannot hold a worker), then close."""
        try:
            body = b"".join(chunks)
            head = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers
                                                         if k.lower() not in ("content-length", "connection"))
            head += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            data = memoryview(head.encode("latin-1") + body)
            deadline = time.monotonic() + self.request_timeout
            while data:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.stats.add("timed_out")
                    break
                conn.sock.settimeout(remaining)
                data = data[conn.sock.send(data):]
        except TimeoutError:   # socket.timeout
            self.stats.add("timed_out")
        except OSError:
            pass
        finally:
            _close(conn.sock)
            self.stats.add("open", -1)


def _close(sock: socket.socket) -> None:
    try:
        sock.close()
    except OSError:
        pass


class FleetCollector:
    """A prometheus_client collector over the last check's results (set by the checker thread)."""

    def __init__(self, server_stats: Optional[ServerStats] = None) -> None:
        self.server_stats = server_stats
        self._lock = threading.Lock()
        self._families: list[Family] = []
        self.check_seconds: Optional[float] = None
        self.checks = 0
        self.last_check = 0.0
        self.last_scrape_seconds = 0.0
        self.errors = 0

    def update(self, fams: list[Family], seconds: float) -> None:
        with self._lock:
            self._families = fams
            self.check_seconds = seconds
            self.checks += 1
            self.last_check = time.time()

    def collect(self):
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        start = time.perf_counter()
        with self._lock:
            fams, checks, check_seconds, last_check = self._families, self.checks, self.check_seconds, self.last_check
            errors = self.errors
        for fam in fams:
            names = [k for k, _ in fam.samples[0][0]] if fam.samples else []
            metric = GaugeMetricFamily(fam.name, fam.help, labels=names)
            for labels, value in fam.samples:
                metric.add_metric([v for _, v in labels], value)
            yield metric
        yield CounterMetricFamily("milvus_tls_exporter_checks", "Checks of the whole fleet completed.", value=checks)
        yield CounterMetricFamily("milvus_tls_exporter_check_errors", "Checks of the fleet that raised an error.",
                                  value=errors)
        if check_seconds is not None:
            yield GaugeMetricFamily("milvus_tls_exporter_check_duration_seconds",
                                    "Wall time of the last check of the whole fleet.", value=check_seconds)
            yield GaugeMetricFamily("milvus_tls_exporter_last_check_timestamp_seconds",
                                    "When the last check of the fleet finished (Unix time).", value=last_check)
        stats = self.server_stats
        if stats is not None:
            yield CounterMetricFamily("milvus_tls_exporter_connections_dropped",
                                      "Connections closed at once because --max-connections were open (the oldest "
                                      "one still waiting for its request, else the new one).", value=stats.dropped)
            yield CounterMetricFamily("milvus_tls_exporter_connections_timed_out",
                                      "Connections closed because no request came within --request-timeout.",
                                      value=stats.timed_out)
            yield GaugeMetricFamily("milvus_tls_exporter_connections_open", "HTTP connections open now.",
                                    value=stats.open)
        yield GaugeMetricFamily("milvus_tls_exporter_scrape_duration_seconds",
                                "Time the previous scrape of /metrics took to collect.",
                                value=self.last_scrape_seconds)
        self.last_scrape_seconds = time.perf_counter() - start


def check_once(fleet_file: str, base: Options, workers: int) -> tuple[list[Family], float]:
    start = time.perf_counter()
    targets = load_fleet(fleet_file, base_options=base)   # re-read each time: an edited fleet file is picked up
    results = run_fleet(targets, workers=workers)
    per_target = Family("milvus_tls_exporter_target_check_duration_seconds", "gauge",
                        "Wall time of the last check of this target.",
                        tuple(((("target", r.name),), r.seconds) for r in results))
    return families([(r.name, r.report) for r in results]) + [per_target], time.perf_counter() - start


def run_exporter(args: argparse.Namespace) -> int:
    from .errors import UsageError
    from .render.prometheus import exposition

    base = Options(timeout=args.timeout)
    try:
        load_fleet(args.fleet, base_options=base)
    except FleetError as exc:
        raise UsageError(str(exc))
    if args.once:
        fams, _ = check_once(args.fleet, base, args.workers)
        sys.stdout.write(exposition(fams))
        return 0
    from prometheus_client import CollectorRegistry, make_wsgi_app

    stats = ServerStats()
    collector = FleetCollector(stats)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    host, port = args.listen
    try:
        server = BoundedServer(make_wsgi_app(registry), host, port, max_connections=args.max_connections,
                               request_timeout=args.request_timeout, workers=args.http_workers, stats=stats)
    except OSError as exc:
        raise UsageError(f"--listen {host}:{port}: {exc.strerror or exc}")
    server.start()
    stop = threading.Event()

    def checker() -> None:
        while not stop.is_set():
            try:
                fams, seconds = check_once(args.fleet, base, args.workers)
                collector.update(fams, seconds)
            except Exception as exc:  # noqa: BLE001 - a bad check is counted and said; the exporter stays up
                collector.errors += 1
                print(f"milvus-tls exporter: check failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            stop.wait(args.interval)

    thread = threading.Thread(target=checker, name="milvus-tls-exporter-check", daemon=True)
    thread.start()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print(f"milvus-tls exporter: serving http://{host}:{server.server_port}/metrics, checking {args.fleet} every "
          f"{args.interval:g}s", file=sys.stderr, flush=True)
    while not stop.is_set():
        stop.wait(1.0)
    server.shutdown()
    return 0
