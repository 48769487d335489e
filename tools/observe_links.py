#!/usr/bin/env python3
"""Observe what REAL Milvus 2.3.5 (PyPI's embedded standalone, ``etcd.use.embed: false``) does against a REAL etcd
(Debian's etcd-server) with TLS on its client URL, one case at a time (one etcd and one Milvus at once, both stopped
after each case). Prints a Markdown table: case, settings, what Milvus did, Milvus's log line that says why, etcd's
side. ``--json FILE`` also writes the raw outcomes.

    python tools/observe_links.py [--work /tmp/observe_links] [--only SUBSTRING] [--timeout 60] [--json FILE]

Needs: etcd (``apt-get install etcd-server``; installed on demand), nginx with the stream module
(``apt-get install nginx-light libnginx-mod-stream``) for the TLS 1.2-only case, milvus==2.3.5, pymilvus, grpcio.
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

from milvus_tls_lab.links import CASES, etcd_version, make_material, run_case  # noqa: E402


def _cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def markdown_table(rows: list[dict]) -> str:
    out = ["| case | etcd | Milvus etcd.ssl.* | Milvus 2.3.5 did | Milvus's log says | etcd / proxy side |",
           "| --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        e = r["etcd"]
        etcd = ("TLS" if e["tls"] else "plaintext") + (" + client-cert-auth" if e["client_cert_auth"] else "")
        if e["wrong_san"]:
            etcd += ", cert SAN etcd.example"
        if e["tls12_proxy"]:
            etcd = "behind nginx stream: TLSv1.2 only" + (", client certs verified by nginx" if e["client_cert_auth"]
                                                           else "") + ", plaintext to etcd"
        if e["max_tls_offered"]:
            etcd += f" (offers {e['max_tls_offered']})"
        s = r["milvus_settings"]
        ssl = ", ".join(f"{k.removeprefix('etcd.ssl.')}={v}" for k, v in s.items() if k != "etcd.endpoints")
        ssl = f"endpoints={s.get('etcd.endpoints', '')}; {ssl}"
        did = ("**up** (GetVersion " + r["version"] + f", {r['seconds']} s)") if r["up"] else \
            f"**down**: {r['reason']} after {r['seconds']} s"
        if r["up"] != r["expect_up"]:
            did += " (not what the case expected)"
        log = "<br>".join(f"`{_cell(x[:260])}`" for x in r["milvus_log"][:2]) or "-"
        side = "<br>".join(f"`{_cell(x[:200])}`" for x in r["etcd_log"]) or "-"
        out.append(f"| {r['case']}: {_cell(r['title'])} | {etcd} | {_cell(ssl)} | {did} | {log} | {side} |")
    return "\n".join(out)


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--only", default=None, help="run the cases whose name contains this")
    ap.add_argument("--timeout", type=float, default=60, help="seconds Milvus gets to answer GetVersion")
    ap.add_argument("--settle", type=float, default=25,
                    help="after an etcd error in Milvus's log, seconds more it gets before it is called down")
    ap.add_argument("--json", type=Path, default=None)
    a = ap.parse_args(argv)
    work = a.work or Path(tempfile.mkdtemp(prefix="observe_links-"))
    work.mkdir(parents=True, exist_ok=True)
    m = make_material(work / "tls")
    rows = []
    for case in CASES:
        if a.only and a.only not in case.name:
            continue
        print(f"-- {case.name}", file=sys.stderr, flush=True)
        r = run_case(case, m, work / case.name, a.timeout, a.settle)
        print(f"   {'up' if r['up'] else 'down'}: {r['reason']} ({r['total_seconds']} s)", file=sys.stderr, flush=True)
        rows.append(r)
    print(f"etcd {etcd_version()} (Debian etcd-server), Milvus 2.3.5 (PyPI milvus, GitCommit "
          f"{next((r['git_commit'] for r in rows if r['git_commit']), '?')})\n")
    print(markdown_table(rows))
    if a.json:
        a.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
