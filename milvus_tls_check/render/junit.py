"""JUnit XML: one testcase per check and per handshake, so CI systems list them; a fleet is one testsuite per
target inside <testsuites>."""
from __future__ import annotations

from typing import Sequence
from xml.etree import ElementTree as ET

from ..fleet_result import FleetResult
from ..model import Report, Severity, Status
from .base import PLAIN, Renderer, RenderOptions
from .sanitize import for_xml

_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def testsuite(report: Report, name: str = "milvus-tls doctor") -> ET.Element:
    suite = ET.Element("testsuite", name=name)
    if report.server_build is not None:   # which Milvus build was judged, and what rehearsed it
        props = ET.SubElement(suite, "properties")
        for key, value in report.server_build.to_dict().items():
            ET.SubElement(props, "property", name=f"server_build.{key}", value=value)
    failures = skipped = 0
    for c in report.checks:
        case = ET.SubElement(suite, "testcase", classname=f"milvus-tls.{c.check}", name=f"{c.title} [{c.subject}]")
        failing = [f for f in c.findings if f.severity is Severity.ERROR or
                   (report.strict and f.severity is Severity.WARNING)]
        if c.status is Status.NOT_RUN:
            ET.SubElement(case, "skipped", message=f"could not run: {c.reason}")
            skipped += 1
        elif failing:
            failures += 1
            body = "\n".join(f"{f.code}: {f.message}\nfix: {f.fix}" for f in failing)
            ET.SubElement(case, "failure", message="; ".join(f"{f.code}: {f.message}" for f in failing),
                          type=failing[0].code).text = body
        others = [f for f in c.findings if f not in failing]
        if others:
            ET.SubElement(case, "system-out").text = "\n".join(
                f"{f.severity.value} {f.code}: {f.message}\nfix: {f.fix}" for f in others)
    for h in report.handshakes:
        case = ET.SubElement(suite, "testcase", classname="milvus-tls.handshake",
                             name=f"mode {h.mode} {h.target} via {h.client}", time=f"{h.seconds:.3f}")
        if h.could_not_run:
            ET.SubElement(case, "skipped", message=f"{h.code}: {h.detail}")
            skipped += 1
        elif not h.ok:
            failures += 1
            ET.SubElement(case, "failure", message=f"{h.code}: {h.detail}" if h.detail else h.code,
                          type=h.code).text = h.detail
    for u in report.unjudged:   # an end not judged fails the gate: exit 0 means proven
        case = ET.SubElement(suite, "testcase", classname="milvus-tls.input",
                             name=f"mode {u.mode}: the {u.side} side was judged")
        ET.SubElement(case, "failure", message=f"input.not_judged: {u.what}; add {u.add}",
                      type="input.not_judged").text = f"{u.what}\nadd: {u.add}"
        failures += 1
    for link in report.links:   # the TLS map: one testcase per link; incomplete fails the gate like an unjudged side
        case = ET.SubElement(suite, "testcase", classname=f"milvus-tls.link.{link.kind}",
                             name=f"{link.from_} -> {link.to} {link.address}")
        if link.verdict.value in ("fail", "incomplete"):
            failures += 1
            why = ", ".join(link.codes) or f"link.{link.verdict.value}"
            ET.SubElement(case, "failure", message=f"{why}: {link.detail or link.add}",
                          type=link.codes[0] if link.codes else f"link.{link.verdict.value}").text = \
                "\n".join(filter(None, (link.detail, link.add and f"add: {link.add}")))
        elif link.verdict.value == "not-applicable":
            ET.SubElement(case, "skipped", message=link.detail or "not in this deployment")
            skipped += 1
    for d in report.disagreements:
        case = ET.SubElement(suite, "testcase", classname="milvus-tls.model", name="static verdict agrees with handshake")
        ET.SubElement(case, "failure", message="handshake.disagreement").text = d
        failures += 1
    suite.set("tests", str(sum(1 for child in suite if child.tag == "testcase")))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", str(skipped))
    return suite


def _document(root: ET.Element) -> str:
    ET.indent(root)
    # XML 1.0 cannot carry control characters (a damaged certificate's name can hold them): written as \xNN
    return _DECLARATION + for_xml(ET.tostring(root, encoding="unicode")) + "\n"


def render(report: Report, options: RenderOptions = PLAIN) -> str:
    return _document(testsuite(report))


def render_fleet(results: Sequence[FleetResult], options: RenderOptions = PLAIN) -> str:
    root = ET.Element("testsuites", name="milvus-tls doctor fleet")
    for r in results:
        if r.report is None:
            suite = ET.SubElement(root, "testsuite", name=r.name, tests="1", failures="0", errors="1")
            case = ET.SubElement(suite, "testcase", classname="milvus-tls.fleet", name="options")
            ET.SubElement(case, "error", message=r.error)
        else:
            root.append(testsuite(r.report, name=r.name))
    return _document(root)


RENDERER = Renderer(name="junit", order=30, extension="xml", report=render, fleet=render_fleet)
