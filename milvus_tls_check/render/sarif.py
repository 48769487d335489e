"""SARIF 2.1.0 for code scanners (GitHub code scanning, Azure DevOps, IDE viewers): one rule per finding code of the
catalogue (title, why, fix, docs link, default severity), one result per finding and per failed handshake, located
at the file and the line of its PEM block where known. A fleet is one run whose results carry the target's name.

Validated in tests against the official OASIS SARIF 2.1.0 JSON Schema. json.dumps escapes control characters."""
from __future__ import annotations

import json
import os
import re
from typing import Optional, Sequence

from .. import __version__
from ..codes import CATALOGUE, Code
from ..fleet_result import FleetResult
from ..model import Finding, Report, Severity
from .base import PLAIN, Renderer, RenderOptions, not_judged_lines, summary_line
from .locate import finding_location, handshake_location

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
# docs/findings.md in this project's repository; MILVUS_TLS_DOCS_URL points the links at another copy.
DOCS_URL = "docs/findings.md"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note", None: "note"}


def docs_anchor(code: Code) -> str:
    """GitHub's heading anchor for the code's section in docs/findings.md ("### `x.y` — Title")."""
    heading = f"{code.code} — {code.title}".lower()
    return re.sub(r"[^\w\- ]", "", heading).replace(" ", "-")


def _docs_url(code: Code) -> str:
    return f"{os.environ.get('MILVUS_TLS_DOCS_URL') or DOCS_URL}#{docs_anchor(code)}"


def _rule(code: Code) -> dict:
    return {"id": code.code, "name": code.code.replace(".", "_"),
            "shortDescription": {"text": code.title},
            "fullDescription": {"text": code.why or code.title},
            "help": {"text": f"Fix: {code.fix}" if code.fix else code.title,
                     "markdown": f"**{code.title}**\n\n{code.why}\n\n**Fix:** {code.fix}"},
            "helpUri": _docs_url(code),
            "defaultConfiguration": {"level": _LEVEL[code.severity]},
            "properties": {"family": code.family, "tags": ["tls", "milvus", code.family.lower()],
                           "enforced_by": [e.value for e in code.enforced_by]}}


def _artifact(path: str) -> dict:
    if os.path.isabs(path):
        return {"uri": "file://" + path.replace("\\", "/")}
    return {"uri": path.replace("\\", "/"), "uriBaseId": "%SRCROOT%"}


def _result(report: Report, finding: Finding, index: dict[str, int], prefix: str) -> dict:
    path, line = finding_location(report, finding)
    out: dict = {"ruleId": finding.code, "level": _LEVEL[finding.severity],
                 "message": {"text": f"{prefix}{finding.message} Fix: {finding.fix}"},
                 "properties": {"subject": finding.subject, "modes": list(finding.modes),
                                "fix_commands": list(finding.fix_commands)}}
    if finding.code in index:
        out["ruleIndex"] = index[finding.code]
    if path:
        physical: dict = {"artifactLocation": _artifact(path)}
        if line:
            physical["region"] = {"startLine": line}
        out["locations"] = [{"physicalLocation": physical}]
    return out


def _handshake_results(report: Report, index: dict[str, int], prefix: str) -> list[dict]:
    out = []
    for h in report.handshakes:
        if h.ok or not h.counts:
            continue
        result = {"ruleId": h.code, "level": "error",
                  "message": {"text": f"{prefix}mode {h.mode} {h.target} via {h.client}: {h.detail or h.code}"},
                  "properties": {"mode": h.mode, "client": h.client, "target": h.target}}
        if h.code in index:
            result["ruleIndex"] = index[h.code]
        path, line = handshake_location(report, h)
        if path:
            physical: dict = {"artifactLocation": _artifact(path)}
            if line:
                physical["region"] = {"startLine": line}
            result["locations"] = [{"physicalLocation": physical}]
        out.append(result)
    return out


def _run(items: Sequence[tuple[str, Optional[Report], str]]) -> dict:
    codes = list(CATALOGUE.values())
    index = {c.code: i for i, c in enumerate(codes)}
    results: list[dict] = []
    verdicts = {}
    for name, report, error in items:
        prefix = f"[{name}] " if name else ""
        if report is None:
            results.append({"ruleId": "fleet.target_unusable", "level": "error",
                            "message": {"text": f"{prefix}could not run: {error}"}})
            verdicts[name] = "fail"
            continue
        results += [_result(report, f, index, prefix) for f in report.findings]
        results += _handshake_results(report, index, prefix)
        results += [{"ruleId": "input.not_judged", "ruleIndex": index["input.not_judged"], "level": "error",
                     "message": {"text": f"{prefix}{line}"}} for line in not_judged_lines(report)]
        verdicts[name or "report"] = summary_line(report)
    return {"tool": {"driver": {"name": "milvus-tls doctor", "version": __version__, "semanticVersion": __version__,
                                "informationUri": _docs_url(codes[0]).split("#")[0],
                                "rules": [_rule(c) for c in codes]}},
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the folder the doctor ran in"}}},
            "invocations": [{"executionSuccessful": True}],
            "results": results,
            "properties": {"verdicts": verdicts}}


def _document(run: dict) -> str:
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"


def render(report: Report, options: RenderOptions = PLAIN) -> str:
    return _document(_run([("", report, "")]))


def render_fleet(results: Sequence[FleetResult], options: RenderOptions = PLAIN) -> str:
    return _document(_run([(r.name, r.report, r.error) for r in results]))


RENDERER = Renderer(name="sarif", order=50, extension="sarif", report=render, fleet=render_fleet)
