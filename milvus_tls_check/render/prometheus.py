"""Prometheus text exposition format (version 0.0.4), for node_exporter's textfile collector; `milvus-tls exporter`
serves the same families with prometheus_client.

Per certificate (target, role, subject, serial): milvus_tls_cert_not_after_timestamp_seconds and
milvus_tls_cert_expiry_seconds (not_after minus the judged instant; negative once expired). Per target, mode and
client: milvus_tls_check_success (1 pass, 0 fail; client "static" when no client made an attempt). Per target and
finding code: milvus_tls_findings. A single report's target is its --uri, else the folder of its first file."""
from __future__ import annotations

import datetime as _dt
import math
import os
import re
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

from ..fleet_result import FleetResult
from ..model import Report
from .base import PLAIN, Renderer, RenderOptions


@dataclass(frozen=True)
class Family:
    name: str
    kind: str                                   # "gauge"
    help: str
    samples: tuple[tuple[tuple[tuple[str, str], ...], float], ...]   # (labels, value)


HELP = {
    "milvus_tls_cert_not_after_timestamp_seconds": "The certificate's notAfter, as a Unix timestamp.",
    "milvus_tls_cert_expiry_seconds": "Seconds from the check to the certificate's notAfter (negative: expired).",
    "milvus_tls_check_success": "1 when the doctor's verdict for this target, mode and client is pass, else 0.",
    "milvus_tls_findings": "Findings of this code (and severity) in the target's last check.",
    "milvus_tls_target_up": "1 when the target could be checked (its options were usable), else 0.",
    "milvus_tls_link_success": "1 when this TLS link (linkkinds: from, to) passes or is plaintext by design, 0 when "
                               "it fails or was not judged; only for deployments that name a link beyond the front door.",
    "milvus_tls_check_incomplete": "1 when an end this mode needs was not judged (its files not given): success is 0 "
                                   "for that reason, not for a failure.",
}


def _instant(text: str) -> Optional[float]:
    try:
        return _dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=_dt.timezone.utc).timestamp()
    except (TypeError, ValueError):
        return None


def report_target(report: Report) -> str:
    if report.inputs.get("uri"):
        return report.inputs["uri"]
    first = next((p for k, p in report.inputs.items() if k != "uri"), "")
    return os.path.dirname(first) or first or "doctor"


def families(results: Iterable[tuple[str, Optional[Report]]]) -> list[Family]:
    """The metric families of (target name, report or None when its options were unusable) pairs."""
    not_after: dict = {}
    expiry: dict = {}
    success: dict = {}
    findings: dict = {}
    up: dict = {}
    incomplete: dict = {}
    links: dict = {}
    for target, report in results:
        up[(("target", target),)] = 0.0 if report is None else 1.0
        if report is None:
            continue
        judged = _instant(report.judged_at)
        for cert in report.certificates:
            end = _instant(cert.not_after)
            if end is None:
                continue
            labels = (("target", target), ("role", cert.role), ("subject", cert.subject), ("serial", cert.serial))
            not_after.setdefault(labels, end)
            if judged is not None:
                expiry.setdefault(labels, end - judged)
        selected = getattr(report, "selected_verdicts", None)
        if getattr(report, "clients", ()) and selected is not None:   # --client: one verdict per selected client
            for (mode, key), verdict in selected().items():
                success[(("target", target), ("mode", str(mode)), ("client", key))] = \
                    1.0 if verdict.value == "pass" else 0.0
            verdicts = {}
            chosen = True
        else:
            verdicts = report.client_verdicts
            chosen = False
        if verdicts:
            for (mode, client), verdict in verdicts.items():
                success[(("target", target), ("mode", str(mode)), ("client", client.value))] = \
                    1.0 if verdict.value == "pass" else 0.0
        for mode in report.modes:
            key = (("target", target), ("mode", str(mode)), ("client", "static"))
            if not chosen and (not verdicts or not any(m == mode for m, _ in verdicts)):
                success[key] = 1.0 if report.mode_verdict(mode).value == "pass" else 0.0
        for mode in report.modes:
            incomplete[(("target", target), ("mode", str(mode)))] = \
                1.0 if mode in report.incomplete_modes() else 0.0
        for link in getattr(report, "links", ()):
            links[(("target", target), ("link", link.kind), ("from", link.from_), ("to", link.to),
                   ("verdict", link.verdict.value))] = 1.0 if link.verdict.value in ("pass", "plaintext") else 0.0
        for f in report.findings:
            key = (("target", target), ("code", f.code), ("severity", f.severity.value))
            findings[key] = findings.get(key, 0.0) + 1.0
        for h in report.handshakes:
            if not h.ok and h.counts:
                key = (("target", target), ("code", h.code), ("severity", "error"))
                findings[key] = findings.get(key, 0.0) + 1.0
    out = []
    for name, samples in (("milvus_tls_cert_not_after_timestamp_seconds", not_after),
                          ("milvus_tls_cert_expiry_seconds", expiry), ("milvus_tls_check_success", success),
                          ("milvus_tls_findings", findings), ("milvus_tls_target_up", up),
                          ("milvus_tls_check_incomplete", incomplete)):
        out.append(Family(name, "gauge", HELP[name], tuple(samples.items())))
    if links:   # only when a link was named: the output of every other report stays as it was
        out.append(Family("milvus_tls_link_success", "gauge", HELP["milvus_tls_link_success"], tuple(links.items())))
    return out


_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f]")


def _escape(value: str) -> str:
    """A label value: backslash, quote and newline escaped as the format says; other control characters (names come
    from untrusted certificates) written as the four characters \\xNN."""
    value = value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
    return _CONTROL.sub(lambda m: f"\\\\x{ord(m.group()):02x}", value)


def _value(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return repr(float(v)) if v != int(v) or abs(v) >= 1e15 else str(int(v))


def exposition(fams: Sequence[Family]) -> str:
    lines = []
    for fam in fams:
        lines += [f"# HELP {fam.name} {fam.help}", f"# TYPE {fam.name} {fam.kind}"]
        for labels, value in fam.samples:
            body = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
            lines.append(f"{fam.name}{{{body}}} {_value(value)}")
    return "\n".join(lines) + "\n"


def render(report: Report, options: RenderOptions = PLAIN) -> str:
    return exposition(families([(report_target(report), report)]))


def render_fleet(results: Sequence[FleetResult], options: RenderOptions = PLAIN) -> str:
    return exposition(families([(r.name, r.report) for r in results]))


RENDERER = Renderer(name="prometheus", order=70, extension="prom", report=render, fleet=render_fleet)
