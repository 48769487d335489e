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

Relative paths are resolved against the fleet file's folder. Targets run concurrently in a bounded thread pool:
static work is cheap and mostly in cryptography's native code; live probes are bounded by each target's
--timeout, so at most `workers` connections are open at once.
"""
from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence
from xml.etree import ElementTree as ET

from .model import Report

PATH_KEYS = {"dir", "server_pem", "server_key", "ca_pem", "client_pem", "client_key", "client_ca_pem",
             "client_server_pem", "milvus_yaml", "compose", "k8s"}


class FleetError(ValueError):
    pass


@dataclass(frozen=True)
class FleetResult:
    name: str
    report: Optional[Report]
    error: str = ""          # the target's options were unusable: reported, never raised

    @property
    def passed(self) -> bool:
        return self.report is not None and self.report.passed


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
        try:
            return FleetResult(name, diagnose(build_request(argv)))
        except ValueError as exc:  # UsageError and friends: this target's options are wrong, the fleet goes on
            return FleetResult(name, None, str(exc))

    results: list[Optional[FleetResult]] = [None] * len(targets)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(one, t): i for i, t in enumerate(targets)}
        done = 0
        for future in _as_completed(futures):
            results[futures[future]] = future.result()
            done += 1
            if progress:
                progress(done, len(targets))
    return [r for r in results if r is not None]


def _as_completed(futures):
    from concurrent.futures import as_completed
    return as_completed(futures)


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
    from .render import renderer

    failed = sum(1 for r in results if not r.passed)
    if fmt == "json":
        from .render.json import to_dict
        return json.dumps({"schema": "milvus-tls-check/fleet/v1", "verdict": "fail" if failed else "pass",
                           "targets": [{"name": r.name, "verdict": "pass" if r.passed else "fail",
                                        "error": r.error or None,
                                        "report": to_dict(r.report) if r.report else None} for r in results]},
                          indent=2) + "\n"
    if fmt == "junit":
        root = ET.Element("testsuites", name="milvus-tls doctor fleet")
        for r in results:
            if r.report is None:
                suite = ET.SubElement(root, "testsuite", name=r.name, tests="1", failures="0", errors="1")
                case = ET.SubElement(suite, "testcase", classname="milvus-tls.fleet", name="options")
                ET.SubElement(case, "error", message=r.error)
                continue
            suite = ET.fromstring(renderer("junit")(r.report).split("\n", 1)[1])
            suite.set("name", r.name)
            root.append(suite)
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    parts = []
    for r in results:
        header = f"=== {r.name}: {'PASS' if r.passed else 'FAIL'}"
        if r.report is None:
            parts.append(f"{header}\n  could not run: {r.error}\n")
        elif fmt == "markdown":
            parts.append(renderer("markdown")(r.report).replace("## milvus-tls doctor", f"## {r.name}", 1))
        else:
            parts.append(f"{header}\n{renderer('text')(r.report)}")
    summary = f"Fleet: {len(results) - failed} of {len(results)} targets pass"
    return "\n".join(parts) + ("\n**" + summary + "**\n" if fmt == "markdown" else "\n" + summary + "\n")
