"""Building findings from the catalogue, so a rule states only what it saw."""
from __future__ import annotations

from typing import Optional

from .codes import CATALOGUE
from .model import Finding, Severity


def finding(code: str, subject: str, message: str, *, severity: Optional[Severity] = None,
            fix: Optional[str] = None, modes: tuple[int, ...] = ()) -> Finding:
    entry = CATALOGUE[code]  # KeyError here is a doctor bug: every code must be catalogued
    if severity is None:
        severity = entry.severity or Severity.ERROR
    return Finding(code, severity, subject, message, fix or entry.fix, tuple(modes))
