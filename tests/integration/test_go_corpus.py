"""The doctor against the truth corpus (issue 11), per Milvus line: for every line 2.3-2.6 and every certificate set
of `milvus_tls_lab.corpus`, what happened is OBSERVED (the line's Go front, Milvus's own crypto/tls, before a
plaintext grpcio backend, reached by a REAL pymilvus client in a subprocess; a Go load error = Milvus would not start
= fail), then `milvus-tls doctor --milvus-version <line>` runs on the same files twice, with `--rehearsal go` and
with `--rehearsal grpcio` (BoringSSL + the static Go model), and each verdict must equal the observation; on a
failure the report must name a cause code.

One pymilvus subprocess per (line, case) (~0.4 s), cached for the session; the doctor runs in-process.
The Go toolchains must be installed (`python -m milvus_tls_check.handshake.gofront install --all-lines`);
a missing toolchain fails the tests, it does not skip them.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("pymilvus")

from milvus_tls_check import cli  # noqa: E402
from milvus_tls_check.facts import milvus_lines  # noqa: E402
from milvus_tls_check.facts.x509 import quiet_parsing  # noqa: E402
from milvus_tls_check.handshake import gofront  # noqa: E402
from milvus_tls_check.handshake.rehearsal import serving  # noqa: E402
from milvus_tls_lab.corpus import Case, Observation, corpus, observe_go  # noqa: E402

pytestmark = pytest.mark.integration

with quiet_parsing():
    CASES = corpus()
LINES = milvus_lines.LINES
NOT_A_CAUSE = {"handshake.ok", "handshake.not_run"}


@pytest.fixture(scope="module")
def backend():
    with serving(None, 0) as port:   # the doctor's plaintext grpcio stand-in; the Go front terminates TLS before it
        yield port


@pytest.fixture(scope="session")
def builds():
    made: dict[str, gofront.GoBuild] = {}

    def get(line: str) -> gofront.GoBuild:
        if line not in made:
            b = gofront.find_build(line)
            assert b is not None, (f"no Go toolchain for Milvus {line}: python -m milvus_tls_check.handshake.gofront "
                                   f"install milvus-{line}")
            made[line] = b
        return made[line]
    return get


_OBSERVED: dict[tuple[str, str], Observation] = {}


@pytest.fixture(scope="module")
def observed(builds, backend, tmp_path_factory):
    def get(line: str, case: Case) -> Observation:
        key = (line, case.name)
        if key not in _OBSERVED:
            work = tmp_path_factory.mktemp(f"obs-{line}-{case.name}")
            _OBSERVED[key] = observe_go(builds(line), case, backend, work)
        return _OBSERVED[key]
    return get


def doctor(case: Case, paths: dict[str, Path], line: str, rehearsal: str, capsys) -> tuple[int, dict]:
    status = cli.main(["doctor", *case.doctor_args(paths), "--milvus-version", line, "--rehearsal", rehearsal,
                       "--format", "json", "--timeout", "5"])
    out, err = capsys.readouterr()
    assert status in (cli.EXIT_PASS, cli.EXIT_FAIL), f"doctor exited {status}: {err[-500:]}"
    return status, json.loads(out)


def cause_codes(report: dict) -> list[str]:
    found = [f["code"] for f in report["findings"] if f["severity"] in ("error", "warning")]
    found += [h["code"] for h in report["handshakes"] if h["code"] not in NOT_A_CAUSE and not h.get("advisory")]
    return sorted(set(found))


def all_codes(report: dict) -> list[str]:
    return sorted({f["code"] for f in report["findings"]}
                  | {h["code"] + ("(advisory)" if h.get("advisory") else "") for h in report["handshakes"]})


@pytest.mark.parametrize("rehearsal", ["go", "grpcio"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize("line", LINES)
def test_doctor_verdict_equals_observation(line, case, rehearsal, observed, tmp_path, capsys):
    obs = observed(line, case)
    # the environment: the client ran and returned; the Go front either started or refused the files (Milvus exits)
    assert not obs.could_not_run, obs.could_not_run
    assert not obs.timed_out, f"pymilvus timed out: {obs.pymilvus}"
    assert obs.started or obs.go, "the Go front neither started nor said why"

    with quiet_parsing():
        status, report = doctor(case, case.write(tmp_path / "tls"), line, rehearsal, capsys)
    judged = report["server_build"]
    assert judged["milvus_line"] == line
    if rehearsal == "go":
        assert judged["rehearsal"].startswith("go "), judged
    else:
        assert judged["rehearsal"].startswith("grpcio"), judged

    doctor_ok = status == cli.EXIT_PASS
    assert doctor_ok == obs.ok, (
        f"Milvus {line} / {case.name} ({case.desc}): observed {'PASS' if obs.ok else 'FAIL'}, "
        f"doctor --rehearsal {rehearsal} says {'PASS' if doctor_ok else 'FAIL'} {all_codes(report)}; "
        f"{obs.words()}; doctor: {[h['detail'][:300] for h in report['handshakes']]}")
    if not obs.ok:
        assert cause_codes(report), f"{case.name}: the doctor fails without naming a cause: {all_codes(report)}"


def test_corpus_covers_issue_11():
    from milvus_tls_lab.corpus import CLASSES, counts

    n = counts()
    assert len(CASES) >= 60 and all(n[k] >= 3 for k in CLASSES), n
