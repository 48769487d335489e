"""JUnit XML: one testcase per check and per handshake, so CI systems list them."""
from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from ..model import Report, Severity, Status


def render(report: Report, **_) -> str:
    suite = ET.Element("testsuite", name="milvus-tls doctor")
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
            ET.SubElement(case, "failure", message="; ".join(f.code for f in failing), type=failing[0].code).text = body
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
            ET.SubElement(case, "failure", message=h.code, type=h.code).text = h.detail
    for d in report.disagreements:
        case = ET.SubElement(suite, "testcase", classname="milvus-tls.model", name="static verdict agrees with handshake")
        ET.SubElement(case, "failure", message="handshake.disagreement").text = d
        failures += 1
    suite.set("tests", str(len(suite)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", str(skipped))
    ET.indent(suite)
    # XML 1.0 cannot carry control characters (a damaged certificate's name can hold them): write them as \xNN
    text = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", lambda m: f"\\x{ord(m.group()):02x}",
                  ET.tostring(suite, encoding="unicode"))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n"
