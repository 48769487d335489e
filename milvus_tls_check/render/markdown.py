"""Markdown for CI summaries (GitHub step summary, merge-request notes)."""
from __future__ import annotations

from typing import Sequence

from ..fleet_result import FleetResult
from ..model import Report, Status
from .base import MODE_NAMES, PLAIN, Renderer, RenderOptions, fleet_header, fleet_summary, not_judged_lines, side_note, summary_line
from .chain import mermaid_lines
from .sanitize import for_terminal, md_code, md_inline, md_text

_ICON = {Status.PASS: "✅ pass", Status.WARN: "⚠️ warn", Status.FAIL: "❌ fail", Status.NOT_RUN: "⏭️ not run"}


# Every string that can carry text from a certificate, a path, a URI or a fleet file goes through md_text, md_code
# or md_inline (render/sanitize.py): no HTML, link or table cell can come out of it.
def render(report: Report, options: RenderOptions = PLAIN, *, heading: str = "milvus-tls doctor") -> str:
    out = [f"## {md_text(heading)}: {report.verdict.upper()}", "",
           f"Modes: {', '.join(f'{m} ({MODE_NAMES.get(m, m)})' for m in report.modes)} · "
           f"server_name: {md_code(report.server_name or '(dialled host)')} · judged at {md_text(report.judged_at)}",
           "", *((f"Server build: {md_inline(report.server_build.line())}", "") if report.server_build is not None
                 else ()),
           "| status | check | subject |", "|---|---|---|"]
    for c in report.checks:
        out.append(f"| {_ICON[c.status]} | {md_inline(c.title)} | {md_code(c.subject)} |")
    if report.findings:
        out += ["", "### Findings", "", "| severity | code | message | fix |", "|---|---|---|---|"]
        for f in report.findings:
            out.append(f"| {f.severity.value} | {md_code(f.code)} | {md_inline(f.message)} | {md_inline(f.fix)} |")
    if report.handshakes:
        out += ["", "### Handshakes", "", "| mode | target | client | result | code | TLS | seconds |",
                "|---|---|---|---|---|---|---|"]
        for h in report.handshakes:
            result = "not run" if h.could_not_run else ("ok" if h.ok else "failed")
            out.append(f"| {h.mode} | {md_code(h.target)} | {md_text(h.client)} | {result} | {md_code(h.code)} | "
                       f"{md_text(h.tls_version or '')} | {h.seconds:.2f} |")
    for d in report.disagreements:
        out += ["", f"> **Doctor model disagrees with the real handshake:** {md_inline(d)}"]
    for d in report.resolved:
        out += ["", f"> **Doctor model disagreed with the Go rehearsal, resolved in favour of the rehearsal:** "
                    f"{md_inline(d)}"]
    unjudged = not_judged_lines(report)
    if unjudged:
        out += ["", "### Not judged (the verdict is incomplete until these are given)", ""]
        out += [f"- {md_inline(line)}" for line in unjudged]
    if report.side is not None:
        out += ["", f"_{md_inline(side_note(report))}_"]
    out += ["", f"**{summary_line(report)}**", ""]
    if report.links:   # the TLS map: one Mermaid graph, one edge per link
        out += ["### TLS map", "", *_link_mermaid(report), ""]
        out += ["| link | from | to | address | verdict | decided by | codes |", "|---|---|---|---|---|---|---|"]
        out += [f"| {md_code(link.kind)} | {md_inline(link.from_)} | {md_inline(link.to)} | {md_code(link.address)} | "
                f"{link.verdict.value}{' (modelled)' if link.modelled else ''} | {md_inline(link.decided_by)} | "
                f"{md_inline(', '.join(link.codes))} |" for link in report.links]
        out.append("")
    if report.trust_paths:   # the chain picture: one Mermaid flowchart, broken links red
        out += ["### Trust paths", "", *mermaid_lines(report.trust_paths), ""]
    # Names and paths come from untrusted files: control characters are shown as \xNN, never passed through.
    return for_terminal("\n".join(out))


_EDGE_STYLE = {"pass": "stroke:#2a2", "fail": "stroke:#d22", "incomplete": "stroke:#a2a,stroke-dasharray:4",
               "plaintext": "stroke:#888", "not-applicable": "stroke:#ccc,stroke-dasharray:2"}


def _mermaid_label(text: str) -> str:
    """A node or edge label Mermaid cannot read as syntax: letters, digits and a few marks only."""
    import re
    return re.sub(r"[^A-Za-z0-9 .:_/()-]", " ", text)[:80].strip() or "?"


def _link_mermaid(report: Report) -> list[str]:
    nodes: dict[str, str] = {}
    out = ["```mermaid", "flowchart LR"]

    def node(name: str) -> str:
        if name not in nodes:
            nodes[name] = f"n{len(nodes)}"
            out.append(f'  {nodes[name]}["{_mermaid_label(name)}"]')
        return nodes[name]
    edges = []
    for link in report.links:
        a, b = node(link.from_), node(link.to)
        edges.append((a, b, link))
    for index, (a, b, link) in enumerate(edges):
        out.append(f'  {a} -->|"{_mermaid_label(link.kind + ": " + link.verdict.value)}"| {b}')
        out.append(f"  linkStyle {index} {_EDGE_STYLE[link.verdict.value]}")
    out.append("```")
    return out


def render_fleet(results: Sequence[FleetResult], options: RenderOptions = PLAIN) -> str:
    """One section per target, headed by its name; a target that could not run shows why."""
    parts = [_could_not_run(r) if r.report is None else render(r.report, options, heading=r.name) for r in results]
    return for_terminal("\n".join(parts) + "\n**" + fleet_summary(results) + "**\n")


def _could_not_run(result: FleetResult) -> str:
    """A target whose options were unusable (as base.could_not_run, escaped)."""
    return f"{md_text(fleet_header(result))}\n  could not run: {md_inline(result.error)}\n"


RENDERER = Renderer(name="markdown", order=40, extension="md", report=render, fleet=render_fleet)
