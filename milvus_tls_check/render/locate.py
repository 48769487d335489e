"""Where a finding is: the file its subject names and, from the inventory, the line of the PEM block concerned.
Shared by the formats that point at a line (SARIF, GitHub annotations)."""
from __future__ import annotations

import re
from typing import Optional

from ..model import Finding, Report

# material.subject_of: "server_pem (path/to/server.pem)"
_SUBJECT = re.compile(r"^([a-z_]+) \((.+)\)$", re.S)


def finding_file(report: Report, finding: Finding) -> tuple[Optional[str], Optional[str]]:
    """(role, path) the finding is about, or (None, None) when its subject names no file (configuration, network)."""
    match = _SUBJECT.match(finding.subject)
    if match and match.group(2) not in ("-", ""):
        return match.group(1), match.group(2)
    if finding.subject in report.inputs:       # a subject that is a role name
        return finding.subject, report.inputs[finding.subject]
    return None, None


def finding_location(report: Report, finding: Finding) -> tuple[Optional[str], Optional[int]]:
    """(path, line): the line of the first certificate block of that file the inventory knows, else None."""
    role, path = finding_file(report, finding)
    if path is None:
        return None, None
    lines = [c.line for c in report.certificates if c.file == path and c.source == "file" and c.line]
    certs = [c for c in report.certificates if c.file == path and c.source == "file" and c.line]
    # a finding that names one certificate of the file points at that block
    for cert in certs:
        if cert.position > 0 and cert.subject and cert.subject in finding.message:
            return path, cert.line
    return path, (min(lines) if lines else None)


def handshake_location(report: Report, handshake) -> tuple[Optional[str], Optional[int]]:
    """A failed attempt whose cause a static finding names (Handshake.see) is located where that finding is."""
    code = getattr(handshake, "see", "")
    cause = next((f for f in report.findings if code and f.code == code and (not f.modes or handshake.mode in f.modes)),
                 None)
    return finding_location(report, cause) if cause is not None else (None, None)
