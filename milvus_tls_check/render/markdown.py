"""Markdown for CI summaries (GitHub step summary, merge-request notes)."""
from __future__ import annotations

import re

from ..model import Report, Status
from . import MODE_NAMES, summary_line

_ICON = {Status.PASS: "✅ pass", Status.WARN: "⚠️ warn", Status.FAIL: "❌ fail", Status.NOT_RUN: "⏭️ not run"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(report: Report, **_) -> str:
    out = [f"## milvus-tls doctor: {report.verdict.upper()}", "",
           f"Modes: {', '.join(f'{m} ({MODE_NAMES.get(m, m)})' for m in report.modes)} · "
           f"server_name: `{report.server_name or '(dialled host)'}` · judged at {report.judged_at}", "",
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
    out += ["", f"**{summary_line(report)}**", ""]
    # Names and paths come from untrusted files: control characters are shown as \xNN, never passed through.
    return re.sub("[\x00-\x08\x0b-\x1f\x7f]", lambda m: f"\\x{ord(m.group()):02x}", "\n".join(out))
