"""SARIF 2.1.0 for code scanners (GitHub code scanning, Azure DevOps, IDE viewers): one result per finding and per
failed handshake, located at the file and the line of its PEM block where known; one rule (title, why, fix, docs
link, default severity) per catalogue code the results name, in catalogue order (SARIF asks driver.rules for the
rules the results reference, not the whole catalogue: a new code elsewhere changes no report). A fleet is one run
whose results carry the target's name.

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


def _docs_base() -> str:
    return os.environ.get('MILVUS_TLS_DOCS_URL') or DOCS_URL


def _docs_url(code: Code) -> str:
    return f"{_docs_base()}#{docs_anchor(code)}"


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


def _result(report: Report, finding: Finding, prefix: str) -> dict:
    path, line = finding_location(report, finding)
    out: dict = {"ruleId": finding.code, "level": _LEVEL[finding.severity],
                 "message": {"text": f"{prefix}{finding.message} Fix: {finding.fix}"},
                 "properties": {"subject": finding.subject, "modes": list(finding.modes),
                                "fix_commands": list(finding.fix_commands)}}
    if path:
        physical: dict = {"artifactLocation": _artifact(path)}
        if line:
            physical["region"] = {"startLine": line}
        out["locations"] = [{"physicalLocation": physical}]
    return out


def _handshake_results(report: Report, prefix: str) -> list[dict]:
    out = []
    for h in report.handshakes:
        if h.ok or not h.counts:
            continue
        result = {"ruleId": h.code, "level": "error",
                  "message": {"text": f"{prefix}mode {h.mode} {h.target} via {h.client}: {h.detail or h.code}"},
                  "properties": {"mode": h.mode, "client": h.client, "target": h.target}}
        path, line = handshake_location(report, h)
        if path:
            physical: dict = {"artifactLocation": _artifact(path)}
            if line:
                physical["region"] = {"startLine": line}
            result["locations"] = [{"physicalLocation": physical}]
        out.append(result)
    return out


def _run(items: Sequence[tuple[str, Optional[Report], str]]) -> dict:
    results: list[dict] = []
    verdicts = {}
    for name, report, error in items:
        prefix = f"[{name}] " if name else ""
        if report is None:
            results.append({"ruleId": "fleet.target_unusable", "level": "error",
                            "message": {"text": f"{prefix}could not run: {error}"}})
            verdicts[name] = "fail"
            continue
        results += [_result(report, f, prefix) for f in report.findings]
        results += _handshake_results(report, prefix)
        results += [{"ruleId": "input.not_judged", "level": "error", "message": {"text": f"{prefix}{line}"}}
                    for line in not_judged_lines(report)]
        verdicts[name or "report"] = summary_line(report)
    return {"tool": {"driver": {"name": "milvus-tls doctor", "version": __version__, "semanticVersion": __version__,
                                "informationUri": _docs_base(),
                                "rules": _rules_of(results)}},
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the folder the doctor ran in"}}},
            "invocations": [{"executionSuccessful": True}],
            "results": results,
            "properties": {"verdicts": verdicts}}


def _rules_of(results: list[dict]) -> list[dict]:
    """driver.rules: the catalogue codes the results name, in catalogue order; each such result gets its ruleIndex
    (a result whose id is no catalogue code, such as fleet.target_unusable, has neither)."""
    named = {r["ruleId"] for r in results}
    codes = [c for c in CATALOGUE.values() if c.code in named]
    index = {c.code: i for i, c in enumerate(codes)}
    for at, result in enumerate(results):
        if result["ruleId"] in index:   # placed after properties (else after ruleId), as the reports have it
            after = "properties" if "properties" in result else "ruleId"
            items = list(result.items())
            cut = [k for k, _ in items].index(after) + 1
            results[at] = dict(items[:cut] + [("ruleIndex", index[result["ruleId"]])] + items[cut:])
    return [_rule(c) for c in codes]


def _document(run: dict) -> str:
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"


def render(report: Report, options: RenderOptions = PLAIN) -> str:
    return _document(_run([("", report, "")]))


def render_fleet(results: Sequence[FleetResult], options: RenderOptions = PLAIN) -> str:
    return _document(_run([(r.name, r.report, r.error) for r in results]))


RENDERER = Renderer(name="sarif", order=50, extension="sarif", report=render, fleet=render_fleet)
