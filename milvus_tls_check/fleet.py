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
Relative paths are resolved against the fleet file's folder. Static targets run in `workers` threads (1 by default:
their work holds the GIL) a bounded window ahead of the output; live targets are probed side by side, each bounded
by its --timeout, at most MAX_LIVE at once (iter_fleet).
"""
from __future__ import annotations

import difflib
import sys
import threading
import time
from dataclasses import dataclass, replace
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence

from .facts.deploy_readers import path_keys, repeatable
from .fleet_result import FleetResult
from .request import Options, build_request, parse_instant, secret_folder

MAX_LIVE = 512   # live targets probed at once (each holds a thread and a few sockets for about one --timeout)
# Options whose values are paths (relative ones are taken from the fleet file's folder): the material's and those
# each deployment reader declares (facts/deploy_readers.py).
PATH_KEYS = {"dir", "server_pem", "server_key", "ca_pem", "client_pem", "client_key", "client_ca_pem",
             "client_server_pem", "ca_key"} | path_keys()
REPEATABLE_KEYS = repeatable()


class FleetError(ValueError):
    pass


def load_fleet(path: str, base_options: Optional[Options] = None) -> list[tuple[str, Any]]:
    """(name, Options) per target. `base_options` (the command-line flags) are every target's defaults; the
    file's `defaults:` override them, and each target overrides both."""
    import yaml

    from .deploy.common import DeploymentError, read_text
    from .facts.yamlload import safe_load
    try:
        data = safe_load(read_text(path, "fleet file"))
    except DeploymentError as exc:
        raise FleetError(f"cannot read {exc}")
    except yaml.YAMLError as exc:
        raise FleetError(f"cannot read fleet file {path}: {exc}")
    if isinstance(data, list):
        data = {"targets": data}
    if not isinstance(data, dict) or not isinstance(data.get("targets"), list):
        raise FleetError(f"{path}: expected a list of targets (or a mapping with 'targets:')")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise FleetError(f"{path}: 'defaults:' must be a mapping of options")
    base = Path(path).resolve().parent
    out = []
    for index, target in enumerate(data["targets"]):
        if not isinstance(target, dict):
            raise FleetError(f"{path}: target #{index + 1} is not a mapping")
        values = {str(k).replace("-", "_"): v for k, v in {**defaults, **target}.items()}
        name = str(values.pop("name", f"target-{index + 1}"))
        out.append((name, _options(values, base, base_options or Options())))
    return out


def _options(values: dict[str, Any], base: Path, defaults: Options) -> Any:
    import json

    from .clientkinds import specs
    known = set(Options.field_names())
    # each client kind's own arguments (`go_args:`, `node_args:`): JSON text or a mapping, as --go-args takes
    own_args = {f"{name.replace('-', '_')}_args": name for name, s in specs().items() if s.read_args is not None}
    changes: dict[str, Any] = {}
    client_args = list(defaults.client_args)
    for key, value in values.items():
        if key in own_args:
            client_args = [(k, v) for k, v in client_args if k != own_args[key]]
            if value is not None:
                client_args.append((own_args[key], value if isinstance(value, str) else json.dumps(value)))
            changes["client_args"] = tuple(client_args)
            continue
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            return _unusable(f"unknown option {key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        try:
            changes[key] = _coerce(key, value, base)
        except (TypeError, ValueError) as exc:
            return _unusable(f"option {key}: {exc}")
    return replace(defaults, **changes)


@dataclass(frozen=True)
class _UnusableOptions:
    """A target whose options cannot be used: the reason is reported for that target only."""

    reason: str


def _unusable(reason: str) -> _UnusableOptions:
    return _UnusableOptions(reason)


def _coerce(key: str, value: Any, base: Path) -> Any:
    if key in REPEATABLE_KEYS or key == "connect_to":
        items = value if isinstance(value, list) else [value]
        return tuple(_path(str(v), base) if key in PATH_KEYS else str(v) for v in items if v is not None)
    if value is None:
        return None
    if key in PATH_KEYS:
        return _path(str(value), base)
    if key in ("strict", "no_handshake", "pymilvus", "verbose", "probe_links"):
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, not {value!r}")
        return value
    if key == "tls_mode":
        mode = int(value)
        if mode not in (1, 2):
            raise ValueError(f"expected 1 or 2, not {value!r}")
        return mode
    if key == "warn_days":
        days = int(value)
        if days < 0:
            raise ValueError(f"must be 0 or more, not {days}")
        return days
    if key == "timeout":
        seconds = float(value)
        if not seconds > 0:
            raise ValueError(f"must be more than 0, not {value!r}")
        return seconds
    if key == "at":
        return parse_instant(value)
    return str(value)


def _path(text: str, base: Path) -> str:
    return text if Path(text).is_absolute() else str(base / text)


def run_fleet(targets: Sequence[tuple[str, Any]], workers: int = 1,
              progress: Optional[Callable[[int, int], None]] = None) -> list[FleetResult]:
    return list(iter_fleet(targets, workers=workers, progress=progress))


def iter_fleet(targets: Sequence[tuple[str, Any]], workers: int = 1,
               progress: Optional[Callable[[int, int], None]] = None) -> Iterator[FleetResult]:
    """Each target's result in target order, as soon as it and those before it are done. Static targets are started
    at most 4 x `workers` ahead of the one being handed on, so a consumer that renders and drops each result keeps
    memory flat however large the fleet (10,000 sets: reports/benchmarks.md). Live targets wait on the network, not
    the CPU: each gets its own thread (up to MAX_LIVE at once) from the start, so a fleet of live targets takes about
    one --timeout however many are silent. `progress(done, total)` is called as targets finish, in any order.
    One static worker is the default: static checks hold the GIL (cryptography releases and retakes it on every
    call), so threads only contend: 2,000 sets took 3.8 s in one thread, 5.0 s in two and 5.2 s in eight."""
    from .doctor import diagnose

    def one(item):
        name, options = item
        start = time.perf_counter()
        if isinstance(options, _UnusableOptions):
            return FleetResult(name, None, options.reason, seconds=time.perf_counter() - start)
        try:
            with secret_folder(options) as secrets:
                report = diagnose(build_request(options, secrets=secrets))
        except ValueError as exc:  # UsageError and friends: this target's options are wrong, the fleet goes on
            return FleetResult(name, None, str(exc), seconds=time.perf_counter() - start)
        return FleetResult(name, report, seconds=time.perf_counter() - start)

    total = len(targets)
    live = {i for i, (_, o) in enumerate(targets) if getattr(o, "uri", None) and not getattr(o, "no_handshake", True)}
    lock = threading.Lock()
    done = 0

    def finished(_future) -> None:
        nonlocal done
        with lock:
            done += 1
            if progress:
                progress(done, total)

    window = max(1, workers) * 4
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool, \
            ThreadPoolExecutor(max_workers=max(1, min(len(live), MAX_LIVE))) as live_pool:
        futures: dict[int, Any] = {}
        for i in sorted(live):
            futures[i] = live_pool.submit(one, targets[i])
            futures[i].add_done_callback(finished)
        static = (i for i in range(total) if i not in live)
        in_flight = 0
        for i in range(total):
            while in_flight < window:
                j = next(static, None)
                if j is None:
                    break
                futures[j] = pool.submit(one, targets[j])
                futures[j].add_done_callback(finished)
                in_flight += 1
            if i not in live:
                in_flight -= 1
            yield futures.pop(i).result()


def progress_bar(stream=sys.stderr, every: float = 0.1) -> Callable[[int, int], None]:
    """A one-line bar redrawn in place, at most every `every` seconds (and always at the end)."""
    last = [0.0]

    def show(done: int, total: int) -> None:
        now = time.monotonic()
        if done != total and now - last[0] < every:
            return
        last[0] = now
        width = 30
        filled = int(width * done / total) if total else width
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done == total:
            stream.write("\n")
        stream.flush()
    return show
