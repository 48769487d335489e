"""JSON: the published, versioned contract (schema milvus-tls-check/report/v1). Add keys, never rename them."""
from __future__ import annotations

import json

from ..codes import CATALOGUE
from ..model import Report


def to_dict(report: Report) -> dict:
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
        "inputs": dict(report.inputs),
        "fingerprints": dict(report.fingerprints),
        "notes": list(report.notes),
        "codes": {code: CATALOGUE[code].title for code in sorted({f.code for f in report.findings}
                                                                 | {h.code for h in report.handshakes})
                  if code in CATALOGUE},
    }


def render(report: Report, **_) -> str:
    return json.dumps(to_dict(report), indent=2, sort_keys=False) + "\n"
