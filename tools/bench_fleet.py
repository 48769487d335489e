#!/usr/bin/env python3
"""Fleet scaling: static checks of N copies of generated sets (100, 1,000, 5,000) in one `--fleet` run."""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from milvus_tls_check.certs import good_set  # noqa: E402

DISTINCT = 50  # distinct sets (RSA 2048), copied: parsing and verifying cost the same for a copy


def main(out: str, python: str) -> None:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        sets = [good_set() for _ in range(DISTINCT)]
        for n in (100, 1000, 5000):
            targets = []
            for i in range(n):
                d = base / f"s{i}"
                if not d.exists():
                    sets[i % DISTINCT].write(d)
                targets.append({"name": f"s{i}", "dir": str(d)})
            fleet = base / f"fleet-{n}.yaml"
            fleet.write_text(yaml.safe_dump({"defaults": {"no_handshake": True}, "targets": targets}))
            start = time.perf_counter()
            subprocess.run([python, "-m", "milvus_tls_check", "doctor", "--fleet", str(fleet),
                            "--format", "json", "--output", str(base / "out.json")], check=True)
            results[n] = time.perf_counter() - start
    Path(out).write_text(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else sys.executable)
