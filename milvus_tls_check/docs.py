"""The catalogue as documents: docs/findings.md (`python -m milvus_tls_check.docs > docs/findings.md`) and the
`milvus-tls codes` listing (codes_listing, text or JSON). Everything comes from codes.CATALOGUE."""
from __future__ import annotations

import json

from .codes import CATALOGUE, Code, families

CODES_SCHEMA = "milvus-tls-check/codes/v1"


def family(code: str) -> str:
    entry = CATALOGUE.get(code)
    return entry.family if entry else "Other"


def _severity(c: Code) -> str:
    return c.severity.value if c.severity is not None else "result"


def _enforced(c: Code) -> str:
    return ", ".join(e.label for e in c.enforced_by)


def render_findings_doc() -> str:
    out = ["# Finding codes", "",
           "Generated from `milvus_tls_check/codes.py` by `python -m milvus_tls_check.docs > docs/findings.md`;",
           "a test fails when this file is out of date. Codes are stable: they are added, never renamed.", "",
           "Severity: **error** breaks the connection in the evaluated mode; **warning** is a risk (fails with",
           "`--strict`). The default is shown; a rule may raise or lower it for the case at hand (e.g. `key.weak`",
           "is an error below 1024 bits, `sig.weak` is an error where Go verifies the certificate).", ""]
    for name in families():
        out += [f"## {name}", ""]
        for c in CATALOGUE.values():
            if c.family != name:
                continue
            out += [f"### `{c.code}` — {c.title}", "", f"Default severity: {_severity(c)}.", ""]
            enforced = f"Enforced by: {_enforced(c)}."
            if c.go_only:
                enforced += " Go only in some cases: a grpcio rehearsal does not reproduce it."
            out += [enforced, ""]
            if c.why:
                out += [f"**Why it fails:** {c.why}", ""]
            if c.fix:
                out += [f"**Fix:** {c.fix}", ""]
    return "\n".join(out).rstrip() + "\n"


def code_record(c: Code) -> dict:
    """One catalogue entry as JSON-ready data (the `milvus-tls codes --format json` element)."""
    return {"code": c.code, "title": c.title, "family": c.family, "severity": _severity(c),
            "enforced_by": [e.value for e in c.enforced_by], "go_only": c.go_only, "why": c.why, "fix": c.fix}


def codes_listing(fmt: str = "text") -> str:
    """The whole catalogue for `milvus-tls codes [--format json]`: "text" (one line a code, by family) or "json"."""
    if fmt == "json":
        return json.dumps({"schema": CODES_SCHEMA, "codes": [code_record(c) for c in CATALOGUE.values()]},
                          indent=2, ensure_ascii=False) + "\n"
    if fmt != "text":
        raise ValueError(f"unknown format {fmt!r}; choose text or json")
    width = max(len(c) for c in CATALOGUE)
    out: list[str] = []
    for name in families():
        out += [name]
        for c in CATALOGUE.values():
            if c.family == name:
                by = ",".join(e.value for e in c.enforced_by) + ("; Go-only cases" if c.go_only else "")
                out.append(f"  {c.code:<{width}}  {_severity(c):<7}  {c.title}  [{by}]")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    import sys
    sys.stdout.write(render_findings_doc())
