"""What every format shares: the Renderer declaration, its options, and the one-line summaries."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

from ..fleet_result import FleetResult
from ..model import Report, Severity

MODE_NAMES = {0: "plaintext", 1: "one-way TLS", 2: "mutual TLS"}


@dataclass(frozen=True)
class RenderOptions:
    colour: bool = False     # SGR colours (text only; the CLI sets it only on a terminal)
    verbose: bool = False    # passing checks in full (text only)


PLAIN = RenderOptions()


@dataclass(frozen=True)
class Renderer:
    """One output format. Each format module in render/ declares one, as `RENDERER = Renderer(...)` with its own
    render functions, and is found by being there (render/__init__.py)."""
    name: str                                  # the --format value; the module's own name
    order: int                                 # position in the --format list
    extension: str                             # of a saved report (tools/make_reports.py, reports/)
    report: Callable[..., str]                 # (report, options=PLAIN) -> str
    fleet: Callable[..., str]                  # (results, options=PLAIN) -> str
    # (results, out, options=PLAIN) -> None: writes a fleet target by target (memory stays flat); None: the CLI
    # renders the whole fleet with `fleet`
    stream_fleet: Optional[Callable[..., None]] = None

    def render_report(self, report: Report, options: RenderOptions = PLAIN) -> str:
        return self.report(report, options)

    def render_fleet(self, results: Sequence[FleetResult], options: RenderOptions = PLAIN) -> str:
        return self.fleet(results, options)


def summary_line(report: Report) -> str:
    errors, warnings = report.count(Severity.ERROR), report.count(Severity.WARNING)
    failed_handshakes = sum(1 for h in report.handshakes if not h.ok and h.counts)
    per_mode = ", ".join(f"mode {m} ({MODE_NAMES.get(m, m)}): {report.mode_verdict(m)}" for m in report.modes)
    handshakes = f", {failed_handshakes} failed handshake{'s' * (failed_handshakes != 1)}" if failed_handshakes else ""
    # a mode's verdict judges the front door's material; a link that stops Milvus leaves every mode without a server
    blocking = sorted({kind for link in report.links for kind in link.blocked_by})
    stopped = (f"; Milvus never serves while {' and '.join(blocking)} fails: clients get no answer in any mode"
               if blocking else "")
    return (f"{report.verdict.upper()}: {errors} error{'s' * (errors != 1)}, {warnings} "
            f"warning{'s' * (warnings != 1)}{handshakes}" + (f"; {per_mode}" if per_mode else "") + stopped)


def combined_verdict(verdicts) -> str:
    """Many verdicts as one: any fail fails; else any incomplete is incomplete; else pass."""
    verdicts = {str(v) for v in verdicts}
    return "fail" if "fail" in verdicts else "incomplete" if "incomplete" in verdicts else "pass"


def not_judged_lines(report: Report) -> list[str]:
    """Each side that was not judged, and what to add, in one line each (every format shows these)."""
    return [f"mode {u.mode} ({MODE_NAMES.get(u.mode, u.mode)}): the {u.side} side was not judged: {u.what}; add "
            f"{u.add}" for u in report.unjudged if u.mode in report.modes]


def side_note(report: Report) -> str:
    """--side: what the user chose not to have judged, for the header."""
    if report.side is None:
        return ""
    other = "client" if report.side == "server" else "server"
    return f"only the {report.side} side was judged (--side {report.side}); the {other} side was not"


def fleet_failed(results: Sequence[FleetResult]) -> int:
    return sum(1 for r in results if not r.passed)


def fleet_summary(results: Sequence[FleetResult]) -> str:
    return fleet_summary_of(len(results), fleet_failed(results))


def fleet_summary_of(total: int, failed: int) -> str:
    return f"Fleet: {total - failed} of {total} targets pass"


def fleet_header(result: FleetResult) -> str:
    return f"=== {result.name}: {result.verdict.upper()}"


def could_not_run(result: FleetResult) -> str:
    """A target whose options were unusable, as text and Markdown show it."""
    return f"{fleet_header(result)}\n  could not run: {result.error}\n"
