"""Fleet checks: many named targets, each with the options of one `doctor` run, in one process.

fleet.yaml:
    defaults: {warn_days: 45, no_handshake: true}      # optional, merged under every target
    targets:
      - name: prod-eu
        dir: certs/prod-eu
        tls_mode: 2
      - name: staging
        uri: https://staging.internal:19530
        server_pem: certs/staging/server.pem

Each target's outcome is a fleet_result.FleetResult; every format renders a fleet (render.RENDERERS).
Relative paths are resolved against the fleet file's folder. Targets run concurrently in a bounded thread pool:
static work is cheap and mostly in cryptography's native code; live probes are bounded by each target's
--timeout, so at most `workers` connections are open at once.
"""
from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Callable, Optional, Sequence

from .fleet_result import FleetResult

PATH_KEYS = {"dir", "server_pem", "server_key", "ca_pem", "client_pem", "client_key", "client_ca_pem",
             "client_server_pem", "milvus_yaml", "compose", "k8s"}


class FleetError(ValueError):
    pass


def load_fleet(path: str) -> list[tuple[str, list[str]]]:
    """(name, doctor argv) per target."""
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FleetError(f"cannot read fleet file {path}: {exc}")
    if isinstance(data, list):
        data = {"targets": data}
    if not isinstance(data, dict) or not isinstance(data.get("targets"), list):
        raise FleetError(f"{path}: expected a list of targets (or a mapping with 'targets:')")
    defaults = data.get("defaults") or {}
    base = Path(path).resolve().parent
    out = []
    for index, target in enumerate(data["targets"]):
        if not isinstance(target, dict):
            raise FleetError(f"{path}: target #{index + 1} is not a mapping")
        options = {**defaults, **target}
        name = str(options.pop("name", f"target-{index + 1}"))
        out.append((name, _argv(options, base)))
    return out


def _argv(options: dict, base: Path) -> list[str]:
    argv: list[str] = []
    for key, value in options.items():
        key = str(key).replace("-", "_")
        flag = "--" + key.replace("_", "-")
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, bool):
                if v:
                    argv.append(flag)
                continue
            if key in PATH_KEYS and v is not None and not Path(str(v)).is_absolute():
                v = base / str(v)
            argv += [flag, str(v)]
    return argv


def run_fleet(targets: Sequence[tuple[str, list[str]]], build_request: Callable[[list[str]], object],
              workers: int = 8, progress: Optional[Callable[[int, int], None]] = None) -> list[FleetResult]:
    from .doctor import diagnose

    def one(item):
        name, argv = item
        start = time.perf_counter()
        try:
            report = diagnose(build_request(argv))
        except ValueError as exc:  # UsageError and friends: this target's options are wrong, the fleet goes on
            return FleetResult(name, None, str(exc), seconds=time.perf_counter() - start)
        return FleetResult(name, report, seconds=time.perf_counter() - start)

    results: list[Optional[FleetResult]] = [None] * len(targets)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(one, t): i for i, t in enumerate(targets)}
        done = 0
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            done += 1
            if progress:
                progress(done, len(targets))
    return [r for r in results if r is not None]


def progress_bar(stream=sys.stderr) -> Callable[[int, int], None]:
    def show(done: int, total: int) -> None:
        width = 30
        filled = int(width * done / total) if total else width
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done == total:
            stream.write("\n")
        stream.flush()
    return show


def render_fleet(results: Sequence[FleetResult], fmt: str) -> str:
    """Deprecated, until cli.py calls the registry: render.get(fmt).render_fleet(results, RenderOptions())."""
    from .render import PLAIN, get
    return get(fmt).render_fleet(results, PLAIN)
