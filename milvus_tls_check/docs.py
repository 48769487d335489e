"""docs/findings.md is generated from the catalogue: `python -m milvus_tls_check.docs > docs/findings.md`."""
from __future__ import annotations

from .codes import CATALOGUE, WARNING_BY_DEFAULT

FAMILIES = [
    ("file.", "Files"), ("key.", "Keys"), ("cert.", "Validity"), ("chain.", "Chain"), ("ca.", "Chain"),
    ("leaf.", "Chain"), ("name.", "Names"), ("eku.", "Usage"), ("ku.", "Usage"), ("sig.", "Algorithms"),
    ("client.", "Client parameters"), ("config.", "Deployment files"), ("handshake.", "Handshakes"),
    ("net.", "Handshakes"), ("tls.", "Handshakes"),
]


def family(code: str) -> str:
    return next((name for prefix, name in FAMILIES if code.startswith(prefix)), "Other")


def render_findings_doc() -> str:
    out = ["# Finding codes", "",
           "Generated from `milvus_tls_check/codes.py` by `python -m milvus_tls_check.docs > docs/findings.md`;",
           "a test fails when this file is out of date. Codes are stable: they are added, never renamed.", "",
           "Severity: **error** breaks the connection in the evaluated mode; **warning** is a risk (fails with",
           "`--strict`). The default is shown; a rule may raise or lower it for the case at hand (e.g. `key.weak`",
           "is an error below 1024 bits, `sig.weak` is an error where Go verifies the certificate).", ""]
    order = []
    for _, name in FAMILIES:
        if name not in order:
            order.append(name)
    for name in order + ["Other"]:
        codes = [c for c in CATALOGUE.values() if family(c.code) == name]
        if not codes:
            continue
        out += [f"## {name}", ""]
        for c in codes:
            default = "warning" if c.code in WARNING_BY_DEFAULT else ("result" if c.code == "handshake.ok" else "error")
            out += [f"### `{c.code}` — {c.title}", "", f"Default severity: {default}.", ""]
            if c.why:
                out += [f"**Why it fails:** {c.why}", ""]
            if c.fix:
                out += [f"**Fix:** {c.fix}", ""]
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    import sys
    sys.stdout.write(render_findings_doc())
