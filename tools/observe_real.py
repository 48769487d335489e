#!/usr/bin/env python3
"""Observe what REAL Milvus 2.3.5 (Go server, PyPI's embedded standalone) and REAL pymilvus
(grpcio/BoringSSL client) do with many TLS certificate variants.

For every case it records: whether Milvus started, whether a real ``pymilvus.MilvusClient``
could connect and call ``list_collections()``/``get_server_version()``, the pymilvus exception
text (with the grpc cause), grpc's C-core stderr lines and Milvus' own log lines (with
``grpc.log.level: INFO`` so Go's handshake reason is logged).  As a comparison it also runs
the same client credentials against an in-process grpcio server (BoringSSL) configured the way
Milvus' proxy is ("rehearsal"), to show where a grpcio-only handshake would predict wrongly.

Writes ``reports/real-observations.json`` and ``docs/observations.md``.

Usage (needs ``milvus==2.3.5``, ``pymilvus``, ``grpcio``, ``cryptography`` and the openssl CLI)::

    python tools/observe_real.py [--work /tmp/observe_real] [--only SUBSTRING]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from milvus_tls_lab.cases import build  # noqa: E402
from milvus_tls_lab.evidence import (  # noqa: E402
    condense_error,
    milvus_reason,
    probe_rest,
    rel,
    short,
    start_failure_reason,
    versions,
)
from milvus_tls_lab.realmilvus import (  # noqa: E402
    grpc_reason_lines,
    milvus_processes,
    pymilvus_connect,
    running_milvus,
)
from milvus_tls_lab.rehearsal import rehearse  # noqa: E402

def run(work: Path, only: Optional[str], python: str, timeout: float) -> dict:
    servers = build(work)
    if only:
        servers = [s for s in servers if only in s.id]
    records = []
    starts = []
    base = work / "servers"
    base.mkdir(parents=True, exist_ok=True)
    for srv in servers:
        t0 = time.monotonic()
        print(f"== {srv.id} (tlsMode {srv.mode}) {srv.desc}", flush=True)
        with running_milvus(base, srv.mode, srv.server_pem, srv.server_key, srv.ca_pem, name=srv.id,
                            start_timeout=120) as mh:
            rest = probe_rest(mh.port, srv.clients[0].kwargs if srv.clients else {}) if mh.started else {}
            starts.append({"server": srv.id, "tls_mode": srv.mode, "started": mh.started,
                           "seconds": round(mh.start_seconds, 2), "exit_code": mh.exit_code, "rest_probe": rest})
            start_reason = "" if mh.started else start_failure_reason(mh.log_text())
            print(f"   started={mh.started} exit={mh.exit_code} in {mh.start_seconds:.1f}s {short(start_reason, 200)}",
                  flush=True)
            clients = srv.clients if mh.started else srv.clients[:1]
            for cl in clients:
                uri = f"{cl.scheme}://{cl.host}:{mh.port}"
                kwargs = {k: (str(v) if isinstance(v, Path) else v) for k, v in cl.kwargs.items()}
                mark = mh.log_size() if mh.started else {}
                out = pymilvus_connect(uri, timeout=timeout, python=python, **kwargs)
                time.sleep(0.4)
                mlog = milvus_reason(mh.log_since(mark)) if mh.started else ""
                reh = rehearse(srv, cl, python)
                rec = {
                    "id": f"{srv.id}/{cl.id}",
                    "server": srv.id,
                    "tls_mode": srv.mode,
                    "server_material": srv.desc,
                    "server_files": {"serverPemPath": rel(srv.server_pem, work), "serverKeyPath": rel(srv.server_key, work),
                                     "caPemPath": rel(srv.ca_pem, work)},
                    "client": cl.desc,
                    "uri": f"{cl.scheme}://{cl.host}:PORT",
                    "pymilvus_kwargs": {k: rel(v, work) for k, v in cl.kwargs.items()},
                    "milvus_started": mh.started,
                    "milvus_exit_code": mh.exit_code,
                    "milvus_start_failure": start_reason,
                    "pymilvus_ok": out.ok,
                    "pymilvus_error": short(out.error, 900),
                    "reason": condense_error(out.error) if not out.ok else "",
                    "grpc_stderr": grpc_reason_lines(out.stderr),
                    "milvus_log_reason": mlog,
                    "client_seconds": round(out.seconds, 2),
                    "grpcio_rehearsal_ok": reh.get("ok"),
                    "grpcio_rehearsal_reason": short(reh.get("server_error") or reh.get("error") or "", 300),
                    "knowledge_predicts_ok": cl.knowledge,
                    "knowledge_note": cl.knowledge_note,
                }
                rec["differs_from_knowledge"] = (cl.knowledge is not None and rec["pymilvus_ok"] != cl.knowledge)
                rec["differs_from_rehearsal"] = (reh.get("ok") is not None and reh.get("ok") != out.ok)
                flag = ("  !K" if rec["differs_from_knowledge"] else "") + ("  !R" if rec["differs_from_rehearsal"] else "")
                print(f"   {cl.id:28s} ok={out.ok!s:5s} {short(rec['reason'], 120)} | milvus: {short(mlog, 100)}"
                      f" | rehearsal={reh.get('ok')}{flag}", flush=True)
                records.append(rec)
        print(f"   ({time.monotonic() - t0:.1f}s incl. stop)", flush=True)
    return {"records": records, "starts": starts}


# ============================================================================ markdown


def md_escape(s: str) -> str:
    return (s or "").replace("|", "\\|").replace("\n", " ")


def write_md(path: Path, data: dict) -> None:
    v = data["versions"]
    recs = data["records"]
    L = ["# Observed: real Milvus 2.3.5 + real pymilvus, per certificate variant", "",
         f"Generated by `tools/observe_real.py` on {data['generated_at']} (data: `reports/real-observations.json`).",
         "", "Versions: " + ", ".join(f"{k} `{v[k]}`" for k in
                                      ("milvus_build", "milvus_go", "milvus_grpc_go", "pymilvus", "grpcio", "python")
                                      if k in v), "",
         "Columns: **ok** = a real `pymilvus.MilvusClient` connected and ran `list_collections()` + "
         "`get_server_version()`. **reason** = the grpc cause inside pymilvus' exception (its outer text is always "
         "*Fail connecting to server on HOST:PORT, illegal connection params or server unavailable*). "
         "**Milvus log** = Go's reason (grpc.log.level INFO). **K** = what KNOWLEDGE.md / plain TLS rules predict "
         "(`?` = no prediction). **R** = the same client against a grpcio (BoringSSL) server set up like Milvus' "
         "proxy. ⚠ marks a disagreement with K or R.", "",
         f"Server start (proxy port accepting + /healthz OK): median "
         f"{sorted(s['seconds'] for s in data['starts'])[len(data['starts']) // 2]:.1f} s; "
         f"{sum(1 for s in data['starts'] if s['started'])}/{len(data['starts'])} servers started.", ""]
    L += ["## Server starts and what else the proxy port answers", "",
          "REST probe = `GET /v1/vector/collections` over HTTP/1.1 to the gRPC proxy port, plain and over TLS "
          "(no verification; mode 2 with the first client cert).", "",
          "| server | tlsMode | started | start s | exit | plain HTTP/1.1 | HTTPS/1.1 |", "|---|---|---|---|---|---|---|"]
    for st in data["starts"]:
        rp = st.get("rest_probe") or {}
        L.append(f"| `{st['server']}` | {st['tls_mode']} | {'yes' if st['started'] else '**no**'} | {st['seconds']} "
                 f"| {st['exit_code'] if st['exit_code'] is not None else ''} | {md_escape(short(rp.get('http', ''), 90))} "
                 f"| {md_escape(short(rp.get('https', ''), 90))} |")
    cur = None
    for r in recs:
        if r["server"] != cur:
            cur = r["server"]
            L += ["", f"## `{cur}` — tlsMode {r['tls_mode']}: {md_escape(r['server_material'])}", ""]
            if not r["milvus_started"]:
                L += [f"**Milvus did not start** (exit code {r['milvus_exit_code']}): "
                      f"`{md_escape(short(r['milvus_start_failure'], 500))}`", ""]
            L += ["| case | client | ok | reason (grpc / pymilvus) | Milvus log | K | R |",
                  "|---|---|---|---|---|---|---|"]
        k = {True: "ok", False: "fail", None: "?"}[r["knowledge_predicts_ok"]]
        rr = {True: "ok", False: "fail", None: "n/a"}[r["grpcio_rehearsal_ok"]]
        warn = " ⚠" if (r["differs_from_knowledge"] or r["differs_from_rehearsal"]) else ""
        reason = r["reason"] or ""
        L.append(f"| {r['id'].split('/', 1)[1]}{warn} | {md_escape(r['client'])} | {'**ok**' if r['pymilvus_ok'] else 'fail'} "
                 f"| {md_escape(short(reason, 220))} | {md_escape(short(r['milvus_log_reason'], 160))} "
                 f"| {k}{' ⚠' if r['differs_from_knowledge'] else ''} "
                 f"| {rr}{' ⚠' if r['differs_from_rehearsal'] else ''}"
                 f"{(': ' + md_escape(short(r['grpcio_rehearsal_reason'], 120))) if r['differs_from_rehearsal'] and r['grpcio_rehearsal_reason'] else ''} |")
    dk = [r for r in recs if r["differs_from_knowledge"]]
    dr = [r for r in recs if r["differs_from_rehearsal"]]
    L += ["", "## Disagreements", "", "### Real outcome vs KNOWLEDGE.md prediction", ""]
    L += [f"- `{r['id']}`: real {'ok' if r['pymilvus_ok'] else 'fail'}, predicted "
          f"{'ok' if r['knowledge_predicts_ok'] else 'fail'}. {md_escape(short(r['reason'] or r['milvus_log_reason'], 200))}"
          for r in dk] or ["- none"]
    L += ["", "### Real Milvus vs grpcio-only rehearsal", ""]
    L += [f"- `{r['id']}`: real {'ok' if r['pymilvus_ok'] else 'fail'}, rehearsal "
          f"{'ok' if r['grpcio_rehearsal_ok'] else 'fail'} ({md_escape(short(r['grpcio_rehearsal_reason'], 160))}). "
          f"Real reason: {md_escape(short(r['reason'] or '-', 160))}; Milvus: {md_escape(short(r['milvus_log_reason'] or '-', 160))}"
          for r in dr] or ["- none"]
    L += ["", "## Findings (from the committed run)", ""] + [f"- {f}" for f in data.get("findings", [])]
    if data.get("notes"):
        L += ["", "## Notes", ""] + [f"- {n}" for n in data["notes"]]
    path.write_text("\n".join(L) + "\n", encoding="utf-8")


FINDINGS = [
    "Server-side file problems (key mismatch, encrypted key, DER cert or key, swapped paths, missing key, caPemPath "
    "garbage/missing in mode 2) make Milvus 2.3.5 panic ~0.3 s after start (exit by SIGABRT, -6) with Go's message "
    "('tls: private key does not match public key', 'tls: failed to parse private key', 'tls: failed to find any PEM "
    "data in certificate input', '... PEM inputs may have been switched', 'fail to append ca to cert', 'open ...: no "
    "such file or directory'); the client then only sees 'Connection refused'. A PKCS#1 RSA key loads fine.",
    "tlsMode 1 ignores caPemPath completely (missing file or garbage: starts and serves).",
    "tlsMode 3 serves plaintext gRPC (http:// works; https gets WRONG_VERSION_NUMBER) but, unlike tlsMode 0, the "
    "RESTful API is not on the port (HTTP/1.1 is reset). In tlsMode 0 the RESTful v1 API shares the gRPC port; in "
    "tlsMode 1/2 the port speaks only TLS + HTTP/2 (no REST, plain HTTP/1.1 is dropped).",
    "Hostname failures show up as 'Custom verification check failed with error: UNAUTHENTICATED: Hostname "
    "Verification Check failed.' in the grpc cause (grpcio 1.85); nothing useful is on stderr and Go only logs a "
    "closeNotify broken pipe.",
    "Client-side verification failures (unknown CA, expired, purpose, KU) are logged by Milvus at most as a closed "
    "connection: Go's log names only server-side reasons (client cert problems, plaintext client, bad SNI, keys it "
    "cannot sign with).",
    "In tlsMode 2 a client cert that Go rejects surfaces in pymilvus as 'Unwrap failed (TSI_DATA_CORRUPTED)' "
    "(stderr: SSLV3_ALERT_BAD_CERTIFICATE) because under TLS 1.3 the client finishes its handshake before the "
    "server verifies it; against a grpcio server the same rejection shows as 'Socket closed'.",
    "server_name with a trailing dot breaks against Milvus: Go 1.20 rejects a ClientHello whose SNI ends in '.', "
    "('local error: tls: unexpected message'); grpc's own name check and a grpcio server accept it. Upper case is fine.",
    "Trusting the server cert itself (server_pem_path=server.pem) works even for a CA-issued leaf, and then BoringSSL "
    "skips the chain checks: a leaf with EKU clientAuth only, or one whose intermediate is CA:FALSE or missing, "
    "connects when trusted directly but fails when the root is trusted. Expiry and keyUsage are still enforced.",
    "BoringSSL (pymilvus side) accepts a trust root with CA:FALSE or without basicConstraints, but not one whose "
    "keyUsage lacks keyCertSign ('unable to get local issuer certificate'). It accepts SHA-1-signed and RSA-1024 "
    "server certs and CA:TRUE leaves.",
    "RSA server certs without digitalSignature in keyUsage fail in pymilvus (KEY_USAGE_BIT_INCORRECT); the same KU "
    "on a client cert is accepted by Go but rejected by a grpcio server.",
    "RSA-512 keys cannot sign TLS 1.3 (RSA-PSS needs >= 528 bits): as server key Go logs 'certificate RSA key size "
    "too small for supported signature algorithms'; as client key grpc fails locally with "
    "NO_COMMON_SIGNATURE_ALGORITHMS, even though Go 1.20 itself would accept the key size.",
    "Ed25519: as the server key it fails (grpc's client does not offer Ed25519; Go: 'peer doesn't support any of "
    "the certificate's signature algorithms'); as a client key it works with Milvus but not with a grpcio server.",
    "SHA-1 client certs are rejected by Go ('x509: cannot verify signature: insecure algorithm SHA1-RSA') but "
    "accepted by a grpcio server; SHA-1 server certs are accepted by pymilvus.",
]

NOTES = [
    "Every mode-1 server here runs with caPemPath pointing at a file that does not exist (or at garbage, "
    "`m1-ca-garbage`): tlsMode 1 never reads caPemPath.",
    "Not observed: Milvus 2.4+/2.5 behaviours (shared HTTP port refusal, internal TLS), Go >= 1.23/1.24 rules "
    "(negative serials, RSA < 1024 rejected) — this embedded Milvus is 2.3.5 built with Go 1.20.",
    "K predictions are KNOWLEDGE.md's rules where it has one, otherwise ordinary X.509/TLS rules; '?' = none made.",
]


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "observe_real")
    ap.add_argument("--only", help="run only servers whose id contains this")
    ap.add_argument("--python", default=os.environ.get("MILVUS_TLS_CHECK_PYMILVUS_PYTHON", sys.executable),
                    help="interpreter with pymilvus for the client subprocesses")
    ap.add_argument("--client-timeout", type=float, default=5.0)
    ap.add_argument("--json", type=Path, default=REPO / "reports" / "real-observations.json")
    ap.add_argument("--md", type=Path, default=REPO / "docs" / "observations.md")
    a = ap.parse_args(argv)
    import shutil  # noqa: PLC0415

    shutil.rmtree(a.work, ignore_errors=True)
    a.work.mkdir(parents=True)
    t0 = time.monotonic()
    res = run(a.work, a.only, a.python, a.client_timeout)
    data = {
        "generated_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "versions": versions(a.python),
        "runtime_seconds": round(time.monotonic() - t0, 1),
        "starts": res["starts"],
        "findings": FINDINGS,
        "notes": NOTES,
        "records": res["records"],
    }
    if not a.only:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        a.md.parent.mkdir(parents=True, exist_ok=True)
        write_md(a.md, data)
    else:
        out = a.work / "partial.json"
        out.write_text(json.dumps(data, indent=1) + "\n")
        write_md(a.work / "partial.md", data)
        print("partial run written to", out)
    left = milvus_processes()
    print(f"done in {data['runtime_seconds']}s; {len(res['records'])} records; milvus processes left: {left}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
