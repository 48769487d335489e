#!/usr/bin/env python3
"""Turn the benchmark's raw results into reports/benchmarks.md (medians, ratios against the targets)."""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path


def _medians(path: Path) -> dict[str, float]:
    return {r["command"]: r["median"] for r in json.loads(path.read_text())["results"]}


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(folder: str) -> str:
    d = Path(folder)
    quick, real = _medians(d / "quick.json"), _medians(d / "real.json")
    mem = {k: int((d / f"mem-{k}").read_text().split()[-1]) / 1024 for k in ("static", "full", "openssl")}
    r1 = quick["static-doctor"] / quick["openssl-checklist"]
    r2 = quick["full-doctor"] / quick["openssl-checklist"]
    r3 = real["full-doctor"] / real["try-for-real"]
    r4 = quick["full-doctor-go"] / quick["openssl-checklist"]
    go_first = float((d / "go-first-build").read_text().strip() or 0)
    base_ref = (d / "baseline-ref").read_text().strip()
    ok = lambda good: "met" if good else "**not met**"  # noqa: E731
    hyperfine = subprocess.run(["hyperfine", "--version"], capture_output=True, text=True).stdout.strip()
    lines = [
        "# Benchmarks", "",
        "Made by `bash tools/bench.sh` (hyperfine, commands run side by side in one go, medians).", "",
        f"Machine: {os.cpu_count()} cores, {_cpu()}, Python {platform.python_version()}, {hyperfine}, "
        f"material: fixtures/docs-san (RSA 2048, openssl-made).", "",
        "| comparison | doctor | baseline | ratio | target | |",
        "|---|---|---|---|---|---|",
        f"| static doctor vs openssl checklist | {quick['static-doctor']*1000:.0f} ms | "
        f"{quick['openssl-checklist']*1000:.0f} ms | {r1:.2f}x | <= 0.4x | {ok(r1 <= 0.4)} |",
        f"| full doctor (static + 2 grpcio rehearsal handshakes) vs openssl checklist | {quick['full-doctor']*1000:.0f} ms | "
        f"{quick['openssl-checklist']*1000:.0f} ms | {r2:.2f}x | <= 1.0x | {ok(r2 <= 1.0)} |",
        f"| full doctor with the Go rehearsal (toolchain and build cached) vs openssl checklist | "
        f"{quick['full-doctor-go']*1000:.0f} ms | {quick['openssl-checklist']*1000:.0f} ms | {r4:.2f}x | <= 0.8x | "
        f"{ok(r4 <= 0.8)} |",
        f"| static doctor vs the doctor before the restructure ({base_ref}), static | "
        f"{quick['static-doctor']*1000:.0f} ms | {quick['baseline-static-doctor']*1000:.0f} ms | "
        f"{quick['static-doctor'] / quick['baseline-static-doctor']:.2f}x | <= 1.1x (no slower, within noise) | "
        f"{ok(quick['static-doctor'] / quick['baseline-static-doctor'] <= 1.1)} |",
        f"| full doctor (grpcio rehearsal) vs the doctor before the restructure ({base_ref}), full | "
        f"{quick['full-doctor']*1000:.0f} ms | {quick['baseline-full-doctor']*1000:.0f} ms | "
        f"{quick['full-doctor'] / quick['baseline-full-doctor']:.2f}x | <= 1.1x (no slower, within noise) | "
        f"{ok(quick['full-doctor'] / quick['baseline-full-doctor'] <= 1.1)} |",
        f"| full doctor vs trying for real (embedded Milvus + pymilvus) | {real['full-doctor']*1000:.0f} ms | "
        f"{real['try-for-real']*1000:.0f} ms | 1/{1/r3:.0f} | <= 1/20 | {ok(r3 <= 1/20)} |",
        "", "Where the time goes (same run): starting Python "
        f"{quick['python-start']*1000:.0f} ms; Python plus `import cryptography.x509` "
        f"{quick['import-cryptography-x509']*1000:.0f} ms "
        f"({quick['import-cryptography-x509'] / quick['openssl-checklist']:.2f}x the checklist, the floor for any "
        "Python tool that parses certificates with cryptography); Python plus `import grpc` "
        f"{quick['import-grpc']*1000:.0f} ms. The static doctor adds its own modules (the frozen-dataclass model, "
        "the catalogue, the rules, argparse) and the work itself (a few ms) on top of that floor; profiled with "
        "`python -X importtime`, the largest of these are the frozen-dataclass model (~20 ms with the dataclasses "
        "module it pulls in: generating each class's methods is paid at every start) and argparse (~10 ms); the full doctor "
        "adds grpc (imported in a thread while the static checks run) and two rehearsal servers (~10 ms each). "
        "Where a target is not met, the cause is that floor plus the model and argparse imports above: the openssl "
        "checklist is 14 small C processes that each start in a few ms. "
        f"The Go rehearsal adds {(quick['full-doctor-go'] - quick['full-doctor'])*1000:.0f} ms to the grpcio one (one Go "
        "process per mode: start, load the files, one handshake); any doctor that proves the verdict with "
        "pymilvus's own client stack pays Python plus `import grpc`, alone "
        f"{quick['import-grpc'] / quick['openssl-checklist']:.2f}x the checklist, before a certificate is read.",
        "", f"The Go rehearsal's first use (build of the Go front with a cached toolchain, then one doctor run): "
        f"{go_first:.1f} s; later runs reuse the build (a file check).",
        "", "Peak memory (max RSS): "
        f"static doctor {mem['static']:.0f} MiB, full doctor {mem['full']:.0f} MiB, openssl checklist "
        f"(largest single openssl process) {mem['openssl']:.0f} MiB.",
    ]
    return "\n".join(lines + fleet_lines(json.loads((d / "fleet.json").read_text()))) + "\n"


FLEET_HEADING = "## Fleet at scale"


def fleet_lines(fleet: dict) -> list[str]:
    """The fleet rows (tools/bench_fleet.py): static sets at scale with peak memory, 200 live targets, progress."""
    ok = lambda good: "met" if good else "**not met**"  # noqa: E731
    static = {int(k): v for k, v in fleet["static"].items()}
    out = ["", FLEET_HEADING, "",
           "Made by `BENCH_ONLY=fleet bash tools/bench.sh` (tools/bench_fleet.py): one `milvus-tls doctor --fleet` "
           "process per row, `--format json --output FILE`; wall time and peak memory (max RSS) of that process.", "",
           "| fleet | seconds | per target | peak memory | target | |", "|---|---|---|---|---|---|"]
    for n, row in sorted(static.items()):
        target, met = "", ""
        if n == 1000:
            target, met = "<= 10 s", ok(row["seconds"] <= 10)
        if n == 10000:
            target, met = "<= 30 s, <= 300 MiB", ok(row["seconds"] <= 30 and row["rss_mib"] <= 300)
        out.append(f"| {n:,} static sets (RSA 2048, `no_handshake`) | {row['seconds']:.1f} | "
                   f"{row['seconds'] / n * 1000:.1f} ms | {row['rss_mib']:.0f} MiB | {target} | {met} |")
    live = fleet.get("live")
    if live:
        budget = 2 * live["timeout"]
        out.append(f"| {live['targets']} live loopback TLS servers ({live['good']} good, {live['broken']} broken, "
                   f"{live['silent']} silent), `--timeout {live['timeout']:g}` | {live['seconds']:.1f} | - | "
                   f"{live['rss_mib']:.0f} MiB | <= {budget:g} s (2 x timeout) | {ok(live['seconds'] <= budget)} |")
        v = live["verdicts"]
        out += ["", f"Live verdicts: good {v.get('good', {})}, broken {v.get('broken', {})}, silent "
                    f"{v.get('silent', {})}; the longest single attempt took {live['longest_attempt']:.2f} s. Live "
                    "targets each get a thread (fleet.MAX_LIVE at once), static ones share `--workers`."]
    biggest = static[max(static)]
    if "progress_updates" in biggest:
        out += ["", f"Progress on a terminal: the {max(static):,}-set run, stderr on a pseudo-terminal, drew "
                    f"{biggest['progress_updates']} progress line update(s), the last `{biggest['progress_last']}` "
                    "(runs shorter than a second draw none)."]
    return out


def update_fleet(folder: str, path: str = "reports/benchmarks.md") -> str:
    """Only the fleet section of an existing reports/benchmarks.md, the rest kept as the last full run wrote it."""
    text = Path(path).read_text(encoding="utf-8")
    head = text.split("\n" + FLEET_HEADING + "\n", 1)[0]
    if head == text:   # a report from before the fleet section: its old fleet table goes
        head = text.split("\nFleet, static checks in one process", 1)[0]
    return head.rstrip("\n") + "\n" + "\n".join(fleet_lines(json.loads((Path(folder) / "fleet.json").read_text()))) + "\n"


if __name__ == "__main__":
    if sys.argv[1] == "--fleet-only":
        sys.stdout.write(update_fleet(sys.argv[2]))
    else:
        sys.stdout.write(main(sys.argv[1]))
