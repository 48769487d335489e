"""GitHub Actions workflow commands: one `::error file=F,line=L,title=CODE::message` (or ::warning / ::notice) per
finding and per failed handshake, then the one-line verdict. GitHub turns them into annotations on the line that
broke. The CLI also appends the Markdown report to $GITHUB_STEP_SUMMARY when that variable is set.

Escaping as the Actions runner unescapes (toolkit's command.ts): data `%` `\\r` `\\n`; properties also `:` `,`.
Messages and titles carry names from certificates and paths: `&`, `<` and `>` in them are written as HTML character
references, so no consumer that renders annotation text as HTML or Markdown ever meets a tag (the step summary is
the Markdown renderer's, escaped there)."""
from __future__ import annotations

from typing import Optional, Sequence

from ..fleet_result import FleetResult
from ..model import Report, Severity
from .base import PLAIN, Renderer, RenderOptions, fleet_summary, not_judged_lines, summary_line
from .locate import finding_location, handshake_location
from .sanitize import for_terminal

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **properties: Optional[object]) -> str:
    props = ",".join(f"{k}={escape_property(_html(str(v)) if k == 'title' else str(v))}"
                     for k, v in properties.items() if v not in (None, ""))
    return f"::{kind}{' ' + props if props else ''}::{escape_data(_html(message))}"


def _lines(report: Report, prefix: str = "") -> list[str]:
    out = []
    for f in report.findings:
        path, line = finding_location(report, f)
        out.append(command(_COMMAND[f.severity], f"{prefix}{f.message} Fix: {f.fix}", file=path, line=line,
                           title=f"{prefix}{f.code}"))
    for h in report.handshakes:
        if not h.ok and h.counts:
            path, line = handshake_location(report, h)
            out.append(command("error", f"{prefix}mode {h.mode} {h.target} via {h.client}: {h.detail or h.code}",
                               file=path, line=line, title=f"{prefix}{h.code}"))
    for line in not_judged_lines(report):
        out.append(command("error", f"{prefix}{line}", title=f"{prefix}input.not_judged"))
    verdict = "notice" if report.passed else "error"
    out.append(command(verdict, f"{prefix}{summary_line(report)}", title=f"{prefix}milvus-tls doctor"))
    return out


def render(report: Report, options: RenderOptions = PLAIN) -> str:
    # Names come from untrusted files: control characters are \xNN (a raw newline would end the command early).
    return for_terminal("\n".join(_lines(report))) + "\n"


def render_fleet(results: Sequence[FleetResult], options: RenderOptions = PLAIN) -> str:
    out = []
    for r in results:
        if r.report is None:
            out.append(command("error", f"[{r.name}] could not run: {r.error}", title=f"[{r.name}] fleet target"))
        else:
            out += _lines(r.report, prefix=f"[{r.name}] ")
    failed = any(not r.passed for r in results)
    out.append(command("error" if failed else "notice", fleet_summary(results), title="milvus-tls doctor fleet"))
    return for_terminal("\n".join(out)) + "\n"


RENDERER = Renderer(name="github", order=60, extension="github", report=render, fleet=render_fleet)
