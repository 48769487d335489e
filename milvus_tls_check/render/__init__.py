"""Renderers: each is a function Report -> str, all reading the same Report."""
from __future__ import annotations

from typing import Callable

from ..model import Report


def renderer(fmt: str) -> Callable[..., str]:
    if fmt == "text":
        from .text import render
    elif fmt == "json":
        from .json import render
    elif fmt == "junit":
        from .junit import render
    elif fmt == "markdown":
        from .markdown import render
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return render


FORMATS = ("text", "json", "junit", "markdown")
MODE_NAMES = {0: "plaintext", 1: "one-way TLS", 2: "mutual TLS"}


def summary_line(report: Report) -> str:
    from ..model import Severity
    errors, warnings = report.count(Severity.ERROR), report.count(Severity.WARNING)
    failed_handshakes = sum(1 for h in report.handshakes if not h.ok and h.counts)
    per_mode = ", ".join(f"mode {m} ({MODE_NAMES.get(m, m)}): {report.mode_verdict(m)}" for m in report.modes)
    handshakes = f", {failed_handshakes} failed handshake{'s' * (failed_handshakes != 1)}" if failed_handshakes else ""
    return (f"{report.verdict.upper()}: {errors} error{'s' * (errors != 1)}, {warnings} "
            f"warning{'s' * (warnings != 1)}{handshakes}" + (f"; {per_mode}" if per_mode else ""))
