"""Markdown for CI summaries (GitHub step summary, merge-request notes)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..fleet_result import FleetResult
from ..model import Report, Status
from .base import MODE_NAMES, PLAIN, RenderOptions, could_not_run, fleet_summary, not_judged_lines, side_note, summary_line
from .chain import mermaid_lines
from .sanitize import for_terminal

_ICON = {Status.PASS: "✅ pass", Status.WARN: "⚠️ warn", Status.FAIL: "❌ fail", Status.NOT_RUN: "⏭️ not run"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(report: Report, options: RenderOptions = PLAIN, *, heading: str = "milvus-tls doctor") -> str:
    out = [f"## {heading}: {report.verdict.upper()}", "",
           f"Modes: {', '.join(f'{m} ({MODE_NAMES.get(m, m)})' for m in report.modes)} · "
           f"server_name: `{report.server_name or '(dialled host)'}` · judged at {report.judged_at}", "",
           *((f"Server build: {_cell(report.server_build.line())}", "") if report.server_build is not None else ()),
           "| status | check | subject |", "|---|---|---|"]
    for c in report.checks:
        out.append(f"| {_ICON[c.status]} | {_cell(c.title)} | `{_cell(c.subject)}` |")
    if report.findings:
        out += ["", "### Findings", "", "| severity | code | message | fix |", "|---|---|---|---|"]
        for f in report.findings:
            out.append(f"| {f.severity.value} | `{f.code}` | {_cell(f.message)} | {_cell(f.fix)} |")
    if report.handshakes:
        out += ["", "### Handshakes", "", "| mode | target | client | result | code | TLS | seconds |",
                "|---|---|---|---|---|---|---|"]
        for h in report.handshakes:
            result = "not run" if h.could_not_run else ("ok" if h.ok else "failed")
            out.append(f"| {h.mode} | `{_cell(h.target)}` | {h.client} | {result} | `{h.code}` | "
                       f"{h.tls_version or ''} | {h.seconds:.2f} |")
    for d in report.disagreements:
        out += ["", f"> **Doctor model disagrees with the real handshake:** {_cell(d)}"]
    unjudged = not_judged_lines(report)
    if unjudged:
        out += ["", "### Not judged (the verdict is incomplete until these are given)", ""]
        out += [f"- {_cell(line)}" for line in unjudged]
    if report.side is not None:
        out += ["", f"_{_cell(side_note(report))}_"]
    out += ["", f"**{summary_line(report)}**", ""]
    if report.trust_paths:   # the chain picture: one Mermaid flowchart, broken links red
        out += ["### Trust paths", "", *mermaid_lines(report.trust_paths), ""]
    # Names and paths come from untrusted files: control characters are shown as \xNN, never passed through.
    return for_terminal("\n".join(out))


def render_fleet(results: Sequence[FleetResult], options: RenderOptions = PLAIN) -> str:
    """One section per target, headed by its name; a target that could not run shows why."""
    parts = [could_not_run(r) if r.report is None else render(r.report, options, heading=r.name) for r in results]
    return for_terminal("\n".join(parts) + "\n**" + fleet_summary(results) + "**\n")


@dataclass(frozen=True)
class MarkdownRenderer:
    name: str = "markdown"

    def render_report(self, report: Report, options: RenderOptions = PLAIN) -> str:
        return render(report, options)

    def render_fleet(self, results: Sequence[FleetResult], options: RenderOptions = PLAIN) -> str:
        return render_fleet(results, options)


RENDERER = MarkdownRenderer()
