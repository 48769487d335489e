"""JSON: the published, versioned contract (schema milvus-tls-check/report/v1). Add keys, never rename them.
A fleet is milvus-tls-check/fleet/v1: the verdict, and each target's report (or why it could not run).
json.dumps escapes every control character itself, so no sanitizer is needed here."""
from __future__ import annotations

import json
import shutil
import tempfile
from typing import Iterable, Sequence, TextIO

from ..codes import CATALOGUE
from ..fleet_result import FleetResult
from ..model import Report
from .base import PLAIN, Renderer, RenderOptions, combined_verdict


def to_dict(report: Report) -> dict:
    out = _v1(report)
    if report.server_build is not None:   # additive v1 key: which Milvus build was judged, what rehearsed it
        out["server_build"] = report.server_build.to_dict()
    # additive v1 keys: the inventory (every certificate loaded or seen) and the chain picture's trust paths
    out["certificates"] = [c.to_dict() for c in report.certificates]
    out["trust_paths"] = [p.to_dict() for p in report.trust_paths]
    if report.clients:   # additive v1 keys (--client): a verdict per client, and which clients each item concerns
        _clients(report, out)
    if report.links:     # additive v1 key: the TLS map (linkkinds/), only when a link beyond the front door is named
        out["links"] = [link.to_dict() for link in report.links]
    return out


def _clients(report: Report, out: dict) -> None:
    from ..clientkinds import attempt_is_for
    out["clients"] = [{"client": sel.key, "kind": sel.kind, "line": sel.line, "release": sel.release,
                       "label": sel.label,
                       "verdict": combined_verdict(report.selected_verdict(m, sel) for m in report.modes),
                       "mode_verdicts": {str(m): report.selected_verdict(m, sel).value for m in report.modes},
                       "causes": {str(m): list(report.selected_causes(m, sel)) for m in report.modes}}
                      for sel in report.clients]
    for item, f in zip(out["findings"], report.findings):
        item["clients"] = [sel.key for sel in report.clients if report.concerns(f, sel)]
    for item, h in zip(out["handshakes"], report.handshakes):
        item["clients"] = [sel.key for sel in report.clients if attempt_is_for(h.client_impl, sel)]


def _v1(report: Report) -> dict:
    return {
        "schema": report.schema,
        "verdict": report.verdict,
        "modes": list(report.modes),
        "mode_verdicts": {str(m): report.mode_verdict(m) for m in report.modes},
        "server_name": report.server_name,
        "judged_at": report.judged_at,
        "strict": report.strict,
        "findings": [f.to_dict() for f in report.findings],
        "checks": [{"check": c.check, "title": c.title, "subject": c.subject, "status": c.status.value,
                    "mode": c.mode, "codes": [f.code for f in c.findings], "reason": c.reason}
                   for c in report.checks],
        "handshakes": [h.to_dict() for h in report.handshakes],
        "disagreements": list(report.disagreements),
        "resolved_disagreements": list(report.resolved),   # additive v1 key: settled by the Go rehearsal
        "inputs": dict(report.inputs),
        "fingerprints": dict(report.fingerprints),
        "notes": list(report.notes),
        # additive v1 keys: what was not judged (then the verdict is "incomplete") and --side
        "unjudged": [u.to_dict() for u in report.unjudged],
        "side": report.side,
        "codes": {code: CATALOGUE[code].title for code in sorted({f.code for f in report.findings}
                                                                 | {h.code for h in report.handshakes})
                  if code in CATALOGUE},
    }


def fleet_to_dict(results: Sequence[FleetResult]) -> dict:
    return {"schema": "milvus-tls-check/fleet/v1", "verdict": combined_verdict(r.verdict for r in results),
            "targets": [_target(r) for r in results]}


def _target(r: FleetResult) -> dict:
    return {"name": r.name, "verdict": r.verdict, "error": r.error or None,
            "report": to_dict(r.report) if r.report else None}


def stream_fleet(results: Iterable[FleetResult], out: TextIO, options: RenderOptions = PLAIN) -> None:
    """render_fleet's bytes, written one target at a time: each result is rendered and dropped as it comes, the
    targets spooled to a temporary file until the verdict (which comes first) is known. Memory stays flat."""
    verdicts, count = set(), 0
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        for r in results:
            text = json.dumps(_target(r), indent=2).replace("\n", "\n    ")
            spool.write(("    " if count == 0 else ",\n    ") + text)
            verdicts.add(r.verdict)
            count += 1
        out.write('{\n  "schema": "milvus-tls-check/fleet/v1",\n  "verdict": "' + combined_verdict(verdicts) + '",\n')
        if not count:
            out.write('  "targets": []\n}\n')
            return
        out.write('  "targets": [\n')
        spool.seek(0)
        shutil.copyfileobj(spool, out)
        out.write("\n  ]\n}\n")


def render(report: Report, options: RenderOptions = PLAIN) -> str:
    return json.dumps(to_dict(report), indent=2, sort_keys=False) + "\n"


def render_fleet(results: Sequence[FleetResult], options: RenderOptions = PLAIN) -> str:
    return json.dumps(fleet_to_dict(results), indent=2) + "\n"


RENDERER = Renderer(name="json", order=20, extension="json", report=render, fleet=render_fleet, stream_fleet=stream_fleet)
