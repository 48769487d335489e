#!/usr/bin/env python3
"""Regenerate the example reports in reports/: `python tools/make_reports.py` (from the repository root).

A good set and a broken set, each in every format, judged at a fixed instant with relative paths so the output
is stable; only handshake durations vary between runs (the currency test masks them).
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AT = "2027-01-01T00:00:00Z"
# The Milvus line the examples were made for: pinned, so a newer line in facts/milvus_lines.py moves no report.
MILVUS_LINE = "2.6"
EXAMPLES = {
    "good": ["--dir", "fixtures/docs-san", "--rehearsal", "go", "--milvus-version", MILVUS_LINE],
    "broken": ["--dir", "fixtures/broken-wrong-ca", "--rehearsal", "go", "--milvus-version", MILVUS_LINE],
}
_TIMING = [re.compile(p) for p in (r'"seconds": [0-9.]+', r'time="[0-9.]+"', r"\([0-9.]+s\)",
                                   r"\| [0-9]+\.[0-9]{2} \|", r"127\.0\.0\.1:[0-9]+")]


def mask_timing(text: str) -> str:
    for pattern in _TIMING:
        text = pattern.sub("<t>", text)
    return text


def render_examples() -> dict[str, str]:
    sys.path.insert(0, str(ROOT))
    from milvus_tls_check.cli import main
    from milvus_tls_check.render import extensions

    # git keeps no 0600: a fresh clone has world-readable fixture keys, which the doctor rightly warns about.
    # The examples show the keys as an operator should keep them.
    for name, args in EXAMPLES.items():
        for key in (ROOT / args[1]).glob("*.key"):
            key.chmod(0o600)
    out: dict[str, str] = {}
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        for name, args in EXAMPLES.items():
            for fmt, ext in extensions().items():   # every registered format
                buffer = io.StringIO()
                with contextlib.redirect_stdout(buffer):
                    main(["doctor", *args, "--at", AT, "--format", fmt, "--no-colour"])
                out[f"{name}.{ext}"] = buffer.getvalue()
    finally:
        os.chdir(cwd)
    return out


if __name__ == "__main__":
    for filename, text in render_examples().items():
        (ROOT / "reports" / filename).write_text(text, encoding="utf-8")
        print(f"wrote reports/{filename}")
