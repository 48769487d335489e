"""`milvus-tls exporter --fleet FILE --listen HOST:PORT --interval S`: a Prometheus exporter for a fleet.

A checker thread runs the whole fleet (fleet.run_fleet, live targets bounded by --timeout) every --interval seconds
and swaps in the new results; /metrics, served by the official prometheus_client, only reads the last results, so a
scrape never waits for a check. The metric families are render.prometheus's (the same as `--format prometheus`),
plus the exporter's own: how long each check of the fleet and each scrape took, when the last check finished, how
many checks ran.
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from typing import Optional

from .fleet import FleetError, load_fleet, run_fleet
from .render.prometheus import Family, families
from .request import Options


class FleetCollector:
    """A prometheus_client collector over the last check's results (set by the checker thread)."""

    def __init__(self) -> None:
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
    from prometheus_client import CollectorRegistry, start_http_server

    collector = FleetCollector()
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    host, port = args.listen
    try:
        server, server_thread = start_http_server(port, addr=host, registry=registry)
    except OSError as exc:
        raise UsageError(f"--listen {host}:{port}: {exc.strerror or exc}")
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
