"""Observe the truth corpus (milvus_tls_lab.corpus) through each Milvus line's Go front with a real pymilvus
client, and print a markdown table: per case, PASS/FAIL per line and Go's words where they differ between lines or
the case fails.

    .venv/bin/python tools/observe_corpus.py [LINE ...] > /tmp/corpus-observed.md
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # milvus_tls_lab is not installed: the checkout's
from milvus_tls_check.facts import milvus_lines  # noqa: E402
from milvus_tls_check.facts.x509 import quiet_parsing  # noqa: E402
from milvus_tls_check.handshake import gofront  # noqa: E402
from milvus_tls_check.handshake.rehearsal import serving  # noqa: E402
from milvus_tls_lab.corpus import corpus, observe_go  # noqa: E402


def main(argv: list[str]) -> int:
    lines = argv or list(milvus_lines.LINES)
    builds = {line: gofront.find_build(line) for line in lines}
    missing = [line for line, b in builds.items() if b is None]
    if missing:
        print(f"no Go toolchain for Milvus {', '.join(missing)}", file=sys.stderr)
        return 1
    with quiet_parsing(), serving(None, 0) as port, tempfile.TemporaryDirectory() as tmp:
        print("| class | case | mode | " + " | ".join(lines) + " | Go / pymilvus (newest line that fails) |")
        print("|---|---|---|" + "---|" * len(lines) + "---|")
        for case in corpus():
            obs = {line: observe_go(builds[line], case, port, Path(tmp) / line / case.name) for line in lines}
            cells = ["PASS" if o.ok else ("FAIL (no start)" if not o.started else "FAIL") for o in obs.values()]
            failing = [o for o in obs.values() if not o.ok]
            words = failing[-1].words().replace("|", "/")[:260] if failing else ""
            print(f"| {case.klass} | `{case.name}` | {case.mode} | " + " | ".join(cells) + f" | {words} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
