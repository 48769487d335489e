#!/usr/bin/env python3
"""Observe what REAL Milvus 2.3.5 (PyPI's embedded standalone, ``common.storageType: remote``) does against a REAL
S3-compatible server (PyPI moto[server]) behind a REAL nginx (Debian) terminating TLS with a private CA, one case at
a time (one moto + nginx and one Milvus at once, all stopped after each case). Prints a Markdown table: case,
settings, what Milvus did (GetVersion, flush, load), Milvus's log lines that say why, nginx's and moto's side.
``--json FILE`` also writes the raw outcomes.

    python tools/observe_objectstore.py [--work /tmp/observe_s3] [--only SUBSTRING] [--timeout 60] [--json FILE]

Needs: nginx (``apt-get install nginx-light``), moto[server] (the test extra), milvus==2.3.5, pymilvus, grpcio.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from milvus_tls_lab.objectstore import S3_CASES, make_s3_material, moto_version, nginx_version, run_s3_case  # noqa: E402


def _cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def _stage(r: dict, name: str) -> str:
    st = r["stages"].get(name)
    if st is None:
        return "-"
    return f"ok {st['seconds']} s" if st["ok"] else f"failed after {st['seconds']} s"


def markdown_table(rows: list[dict]) -> str:
    out = ["| case | S3 side | Milvus minio.*; trust | Milvus 2.3.5 did | Milvus's log says | nginx / moto side |",
           "| --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        s3 = r["s3"]
        side = "nginx " + ("TLS listener" if s3["listener"] == "tls" else "plaintext listener")
        if s3["wrong_san"]:
            side += ", cert SAN s3.example"
        s = r["milvus_settings"]
        cfg = ", ".join(f"{k.split('.')[-1]}={v}" for k, v in s.items())
        if r["tls_ca_cert_line"]:
            cfg += ", ssl.tlsCACert=s3-ca.pem"
        cfg += "; trust: " + (", ".join(f"{k}={v}" for k, v in r["env"].items()) or "none (system roots)")
        if r["result"] == "up":
            did = f"**up**: GetVersion {r['version']}, flush {_stage(r, 'flush')} ({r['objects_written']} objects)"
            did += f", load+query {_stage(r, 'load')}"
        elif r["result"] == "writes only":
            did = (f"**writes only**: flush {_stage(r, 'flush')} ({r['objects_written']} objects), load+query "
                   f"{_stage(r, 'load')}")
        else:
            did = f"**down**: {r['reason']} after {r['seconds']} s"
            if r["stages"].get("getversion"):
                did += f" (GetVersion answered; flush {_stage(r, 'flush')})"
        if r["exit_code"] is not None:
            did += f"; Milvus exited {r['exit_code']}"
        if r["result"] != r["expect"]:
            did += f" (the case expected {r['expect']})"
        log = "<br>".join(f"`{_cell(x[:260])}`" for x in r["milvus_log"][:3]) or "-"
        other = [f"nginx: {x}" for x in r["nginx_log"]] + [f"moto: {x}" for x in r["moto_log"][:2]]
        other_s = "<br>".join(f"`{_cell(x[:200])}`" for x in other) or "-"
        out.append(f"| {r['case']}: {_cell(r['title'])} | {side} | {_cell(cfg)} | {did} | {log} | {other_s} |")
    return "\n".join(out)


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--only", default=None, help="run the cases whose name contains this")
    ap.add_argument("--timeout", type=float, default=60, help="seconds Milvus gets to answer GetVersion")
    ap.add_argument("--settle", type=float, default=20,
                    help="after an object-storage error in Milvus's log, seconds more it gets for GetVersion")
    ap.add_argument("--flush-timeout", type=float, default=45)
    ap.add_argument("--no-load", action="store_true", help="skip the index/load/query stage")
    ap.add_argument("--json", type=Path, default=None)
    a = ap.parse_args(argv)
    work = a.work or Path(tempfile.mkdtemp(prefix="observe_s3-"))
    work.mkdir(parents=True, exist_ok=True)
    m = make_s3_material(work / "tls")
    rows = []
    for case in S3_CASES:
        if a.only and a.only not in case.name:
            continue
        print(f"-- {case.name}", file=sys.stderr, flush=True)
        r = run_s3_case(case, m, work / case.name, timeout=a.timeout, settle=a.settle,
                        flush_timeout=a.flush_timeout, load=not a.no_load)
        print(f"   {'up' if r['up'] else 'down'}: {r['reason']} ({r['total_seconds']} s)", file=sys.stderr, flush=True)
        rows.append(r)
    print(f"moto {moto_version()} (PyPI moto[server]) behind nginx {nginx_version()} (Debian), Milvus 2.3.5 (PyPI "
          f"milvus, GitCommit {next((r['git_commit'] for r in rows if r['git_commit']), '?')})\n")
    print(markdown_table(rows))
    if a.json:
        a.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
