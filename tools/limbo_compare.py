#!/usr/bin/env python3
"""Hold the Python model of Go's path validation (facts/gopath.py) to real Go on x509-limbo's cases.

    python tools/limbo_compare.py PATH/TO/limbo.json [--go 1.21,1.24,1.25] [--no-real-go] [--diff]
    python tools/limbo_compare.py PATH/TO/limbo.json --doctor [--go ...] [--diff]
    python tools/limbo_compare.py PATH/TO/limbo.json --vendor fixtures/limbo/limbo-expressible.json --commit SHA

limbo.json is C2SP/x509-limbo's compiled test suite (build it with limbo's own `python -m limbo compile`); the
cases the doctor can express are bundled in fixtures/limbo/ (--vendor writes them) and tests/test_limbo.py holds
the model and the doctor to real Go on them in every CI run. Cases the doctor can express are taken: server
validation with a peer name, client validation (the Milvus server in tlsMode 2), no CRL, no depth limit, no signature-algorithm or key-usage
restriction. Each runs through real Go (handshake/goverify.py, per toolchain; a toolchain that is not installed is
reported as such) and the model with the same Go line, with the chain as the peer presents it (leaf, then the
untrusted intermediates), the trusted certificates as the CA file and the side's own key usages (ServerAuth,
or ClientAuth for the Milvus server), as the doctor asks. Printed: agreement per family and Go line;
with --diff, every disagreement. A case over 5 s counts as a failure of both.

With --doctor, what is compared with real Go is what a user sees: the doctor's own verdict for a selected Go client
(`milvus-tls doctor --server-pem CHAIN --client-ca-pem ROOTS --server-name NAME --at TIME --client go==VERSION
--tls-mode 1`), once static (`--no-handshake`: the model decides) and once with handshakes (real Go decides), on
the server-validation cases (a Go client verifying the server chain).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from milvus_tls_check.facts import gopath  # noqa: E402
from milvus_tls_check.handshake import goverify  # noqa: E402

CASE_SECONDS = 5.0


def expressible(case: dict) -> bool:
    features = set(case.get("features") or ())
    if features & {"has-crl", "max-chain-depth"} or case.get("max_chain_depth") is not None:
        return False
    if case.get("signature_algorithms") or case.get("crls"):
        return False
    if case.get("key_usage") and "digitalSignature" not in case["key_usage"]:
        return False
    if case["validation_kind"] == "SERVER":
        return case.get("expected_peer_name") is not None
    return case["validation_kind"] == "CLIENT"


def family(case_id: str) -> str:
    parts = case_id.split("::")
    return "::".join(parts[:2]) if parts[0] == "rfc5280" and len(parts) > 2 else parts[0]


def inputs(case: dict) -> dict:
    side = "server" if case["validation_kind"] == "SERVER" else "client"
    at = datetime.fromisoformat(case["validation_time"].replace("Z", "+00:00")) if case["validation_time"] else None
    return dict(chain_pem=(case["peer_certificate"] + "".join(case["untrusted_intermediates"])).encode(),
                roots_pem="".join(case["trusted_certs"]).encode(), side=side,
                name=case["expected_peer_name"]["value"] if side == "server" else None, at=at)


def _go_release(line: str) -> str:
    from milvus_tls_check.facts.milvus_lines import gobin_for
    return gobin_for(line)


def doctor_run(case: dict, go: str, folder: Path, *, static: bool) -> tuple[int, Optional[dict], float, str]:
    """Run the doctor as a user does on one server case, with a selected Go client: (exit status, the JSON
    report or None when it wrote none, seconds, what it printed on stderr)."""
    import contextlib
    import io

    from milvus_tls_check import cli

    kw = inputs(case)
    (folder / "chain.pem").write_bytes(kw["chain_pem"])
    (folder / "roots.pem").write_bytes(kw["roots_pem"])
    out = folder / "report.json"
    out.unlink(missing_ok=True)
    args = ["doctor", "--server-pem", str(folder / "chain.pem"), "--client-ca-pem", str(folder / "roots.pem"),
            "--server-name", kw["name"], "--client", f"go=={_go_release(go)}", "--tls-mode", "1",
            "--side", "client", "--format", "json", "--output", str(out), "--timeout", "5"]
    if kw["at"] is not None:
        args += ["--at", kw["at"].strftime("%Y-%m-%dT%H:%M:%S.%fZ")]
    if static:
        args.append("--no-handshake")
    err = io.StringIO()
    t0 = time.monotonic()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = cli.main(args)
    seconds = time.monotonic() - t0
    report = json.loads(out.read_text()) if out.exists() else None
    return status, report, seconds, err.getvalue()


def go_client(report: dict) -> dict:
    """The selected Go client's entry in a doctor report."""
    [client] = [c for c in report["clients"] if c["kind"] == "go"]
    return client


def doctor_verdict(case: dict, go: str, folder: Path, *, static: bool) -> tuple[str, float, str]:
    """(the doctor's verdict for the selected Go client, seconds, the causes or the error) on one server case."""
    status, report, seconds, err = doctor_run(case, go, folder, static=static)
    if report is None:
        return f"exit {status}", seconds, err.strip()[-300:]
    client = go_client(report)
    causes = ",".join(sorted({code for codes in client.get("causes", {}).values() for code in codes}))
    return client["verdict"], seconds, causes


def doctor_main(args, cases: list[dict]) -> int:
    import tempfile

    server_cases = [c for c in cases if c["validation_kind"] == "SERVER"]
    status = 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for go in [g.strip() for g in args.go.split(",") if g.strip()]:
            tallies = {"static": [0, 0], "handshakes": [0, 0]}
            diffs, slow = [], []
            for case in server_cases:
                real = goverify.verify(go=go, **inputs(case))
                if real.could_not_run:
                    print(f"Go {go}: real Go not available ({real.error})")
                    return 2
                for how in ("static", "handshakes"):
                    verdict, seconds, causes = doctor_verdict(case, go, folder, static=how == "static")
                    same = (verdict == "pass") == real.ok and verdict in ("pass", "fail") and seconds <= CASE_SECONDS
                    tallies[how][0] += same
                    tallies[how][1] += 1
                    if seconds > CASE_SECONDS:
                        slow.append(f"{case['id']} ({how}): {seconds:.1f}s")
                    if not same:
                        diffs.append(f"  {case['id']} ({how}): Go {'accepts' if real.ok else 'rejects (' + real.error_class + ')'}"
                                     f", doctor's Go verdict {verdict} ({causes or '-'})")
            for how, (a, n) in tallies.items():
                print(f"Go {go} ({_go_release(go)}), doctor {how}: the Go client's verdict equals real Go on {a}/{n} "
                      f"({100.0 * a / max(n, 1):.1f}%)")
                if a != n:
                    status = status or 1
            for line in slow:
                print(f"  over {CASE_SECONDS:g}s: {line}")
            if args.diff and diffs:
                print("\n".join(diffs))
    return status


# What a bundled case keeps: what the comparison reads, and limbo's own words about the case. Not the peer's
# private key (limbo ships one for harnesses that need it; nothing here does).
VENDORED_FIELDS = ("id", "features", "importance", "description", "validation_kind", "trusted_certs",
                   "untrusted_intermediates", "peer_certificate", "validation_time", "signature_algorithms",
                   "key_usage", "extended_key_usage", "expected_result", "expected_peer_name", "max_chain_depth",
                   "crls")


def vendor(limbo: dict, cases: list[dict], out: Path, commit: str) -> None:
    """Write the expressible cases as fixtures/limbo/ bundles them (limbo's Apache-2.0 test data, see NOTICE)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"source": "https://github.com/C2SP/x509-limbo", "commit": commit,
                               "compiled_with": "python -m limbo compile (bettertls left out: not in the snapshot)",
                               "version": limbo.get("version"),
                               "testcases": [{k: c.get(k) for k in VENDORED_FIELDS} for c in cases]},
                              indent=1) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("limbo_json", type=Path)
    ap.add_argument("--go", default="1.21,1.24,1.25", help="Go lines, comma-separated")
    ap.add_argument("--no-real-go", action="store_true", help="the model only (no agreement, its answers counted)")
    ap.add_argument("--diff", action="store_true", help="list every case where the model and real Go disagree")
    ap.add_argument("--json", type=Path, help="also write every case's answers here")
    ap.add_argument("--doctor", action="store_true", help="compare the doctor's Go client verdict (static and with "
                    "handshakes) with real Go, on the server cases")
    ap.add_argument("--vendor", type=Path, help="write the expressible cases to this file (fixtures/limbo/) and stop")
    ap.add_argument("--commit", default="", help="with --vendor: the x509-limbo commit the suite was compiled from")
    args = ap.parse_args(argv)
    limbo = json.loads(args.limbo_json.read_text())
    cases = [c for c in limbo["testcases"] if expressible(c)]
    if args.vendor:
        vendor(limbo, cases, args.vendor, args.commit)
        print(f"{len(cases)} cases written to {args.vendor}")
        return 0
    if args.doctor:
        return doctor_main(args, cases)
    status = 0
    dump: dict = {}
    for go in [g.strip() for g in args.go.split(",") if g.strip()]:
        agree: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        same_class = [0, 0]   # rejections both made: the same error class
        diffs, slow, unavailable = [], [], ""
        slowest = 0.0
        for case in cases:
            kw = inputs(case)
            t0 = time.monotonic()
            model = gopath.verify(go=go, **kw)
            model_s = time.monotonic() - t0
            slowest = max(slowest, model_s)
            real = None
            if not args.no_real_go and not unavailable:
                real = goverify.verify(go=go, **kw)
                if real.could_not_run:
                    if "did not answer" not in real.error:
                        unavailable = real.error
                    real = None if unavailable else real
            if model_s > CASE_SECONDS:
                slow.append(f"{case['id']}: model {model_s:.1f}s")
            if real is None:
                continue
            fam = family(case["id"])
            same = (real.ok == model.ok) and not real.could_not_run and model_s <= CASE_SECONDS
            agree[fam][0] += same
            agree[fam][1] += 1
            if not real.ok and not model.ok:
                same_class[0] += real.error_class == model.error_class
                same_class[1] += 1
            dump.setdefault(go, {})[case["id"]] = {"go": [real.ok, real.error_class, real.error],
                                                   "model": [model.ok, model.error_class, model.error]}
            if not same:
                diffs.append(f"  {case['id']}: Go {'accepts' if real.ok else 'rejects (' + real.error_class + ')'}, "
                             f"model {'accepts' if model.ok else 'rejects (' + model.error_class + ')'}"
                             f"\n      Go: {real.error or '-'}\n      model: {model.error or '-'}")
        if unavailable:
            print(f"Go {go}: real Go not available ({unavailable}); model ran on {len(cases)} cases")
            status = status or 2
            continue
        total = [sum(v[0] for v in agree.values()), sum(v[1] for v in agree.values())]
        print(f"Go {go}: model agrees with real Go on {total[0]}/{total[1]} "
              f"({100.0 * total[0] / max(total[1], 1):.1f}%); the same error class on {same_class[0]}/"
              f"{same_class[1]} rejections; slowest model case {slowest:.2f}s")
        for fam in sorted(agree):
            a, n = agree[fam]
            print(f"  {fam:<28} {a:>4}/{n:<4} {100.0 * a / n:5.1f}%")
        for line in slow:
            print(f"  over {CASE_SECONDS:g}s: {line}")
        if args.diff and diffs:
            print("\n".join(diffs))
        if total[0] != total[1]:
            status = status or 1
    if args.json:
        args.json.write_text(json.dumps(dump, indent=1))
    return status


if __name__ == "__main__":
    sys.exit(main())
