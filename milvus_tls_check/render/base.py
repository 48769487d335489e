"""What every format shares: the Renderer protocol, its options, and the one-line summaries."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence, runtime_checkable

from ..fleet_result import FleetResult
from ..model import Report, Severity

MODE_NAMES = {0: "plaintext", 1: "one-way TLS", 2: "mutual TLS"}


@dataclass(frozen=True)
class RenderOptions:
    colour: bool = False     # SGR colours (text only; the CLI sets it only on a terminal)
    verbose: bool = False    # passing checks in full (text only)


PLAIN = RenderOptions()


@runtime_checkable
class Renderer(Protocol):
    """One output format. Each module in render/ declares one, as RENDERER; render/__init__.py registers it."""
    name: str

    def render_report(self, report: Report, options: RenderOptions = PLAIN) -> str: ...

    def render_fleet(self, results: Sequence[FleetResult], options: RenderOptions = PLAIN) -> str: ...


def summary_line(report: Report) -> str:
    errors, warnings = report.count(Severity.ERROR), report.count(Severity.WARNING)
    failed_handshakes = sum(1 for h in report.handshakes if not h.ok and h.counts)
    per_mode = ", ".join(f"mode {m} ({MODE_NAMES.get(m, m)}): {report.mode_verdict(m)}" for m in report.modes)
    handshakes = f", {failed_handshakes} failed handshake{'s' * (failed_handshakes != 1)}" if failed_handshakes else ""
    return (f"{report.verdict.upper()}: {errors} error{'s' * (errors != 1)}, {warnings} "
            f"warning{'s' * (warnings != 1)}{handshakes}" + (f"; {per_mode}" if per_mode else ""))


def fleet_failed(results: Sequence[FleetResult]) -> int:
    return sum(1 for r in results if not r.passed)


def fleet_summary(results: Sequence[FleetResult]) -> str:
    return fleet_summary_of(len(results), fleet_failed(results))


def fleet_summary_of(total: int, failed: int) -> str:
    return f"Fleet: {total - failed} of {total} targets pass"


def fleet_header(result: FleetResult) -> str:
    return f"=== {result.name}: {'PASS' if result.passed else 'FAIL'}"


def could_not_run(result: FleetResult) -> str:
    """A target whose options were unusable, as text and Markdown show it."""
    return f"{fleet_header(result)}\n  could not run: {result.error}\n"
