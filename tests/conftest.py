"""Shared test helpers: write certificate sets with the factory and run the doctor the way a user does."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.certfactory import CertSet, good_set
from tests.helpers import DEPLOY_FIXTURES


@pytest.fixture(scope="session")
def shared_good() -> CertSet:
    """One good set for the session: RSA key generation is the slow part of these tests."""
    return good_set()


@pytest.fixture
def good_dir(tmp_path: Path, shared_good: CertSet) -> Path:
    shared_good.write(tmp_path / "good")
    return tmp_path / "good"




@pytest.fixture
def docs(tmp_path, shared_good, monkeypatch) -> Path:
    """A copy of the docs' Compose layout: docker-compose.yml, milvus.yaml, tls/{server.pem,server.key,ca.pem,...}."""
    d = tmp_path / "milvus"
    shutil.copytree(DEPLOY_FIXTURES / "compose", d)
    shared_good.write(d / "tls")
    monkeypatch.delenv("DOCKER_VOLUME_DIRECTORY", raising=False)
    return d


# ---- MILVUS_TLS_REQUIRE_REAL=1 (CI sets it): a real-Milvus test that skips fails the run ---------------------------
# A real-Milvus test is one under tests/integration/ or marked `integration`. A skipped one becomes a failure with
# the skip's reason; a whole module skipped while it was imported (pytest.importorskip("milvus") at its top, before
# its pytestmark is seen) is listed at the end and fails the run too. So a CI image without the embedded Milvus or
# pymilvus can never go green on the unit tests alone.
REQUIRE_REAL = "MILVUS_TLS_REQUIRE_REAL"
_INTEGRATION_DIR = Path(__file__).resolve().parent / "integration"
_ROOT = Path(__file__).resolve().parent.parent   # the rootdir: collection node ids are relative to it
_SKIPPED_REAL_MODULES: list[str] = []


def _require_real() -> bool:
    import os

    return os.environ.get(REQUIRE_REAL) == "1"


def _under_integration(path: Path) -> bool:
    return _INTEGRATION_DIR in Path(path).resolve().parents


def _skip_reason(report) -> str:
    return report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if (_require_real() and report.skipped and not hasattr(report, "wasxfail")
            and (item.get_closest_marker("integration") is not None or _under_integration(item.path))):
        reason = _skip_reason(report)
        report.outcome = "failed"
        report.longrepr = f"{REQUIRE_REAL}=1: a real-Milvus test must run, and this one skipped: {reason}"
    return report


def pytest_collectreport(report):
    """A module skipped at import. Runs where the run is reported: in a plain run, and in pytest-xdist's controller,
    to which each worker sends its skipped collection reports (the workers' own lists are never shown)."""
    if not (_require_real() and report.skipped and report.nodeid.endswith(".py")):
        return
    path = _ROOT / report.nodeid
    try:
        marked = "pytest.mark.integration" in path.read_text(encoding="utf-8")
    except OSError:
        marked = False
    line = f"{report.nodeid}: {_skip_reason(report)}"
    if (marked or _under_integration(path)) and line not in _SKIPPED_REAL_MODULES:
        _SKIPPED_REAL_MODULES.append(line)


def pytest_sessionfinish(session, exitstatus):
    if _SKIPPED_REAL_MODULES and exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if _SKIPPED_REAL_MODULES:
        terminalreporter.section(f"{REQUIRE_REAL}=1: real-Milvus test modules skipped", red=True)
        for line in _SKIPPED_REAL_MODULES:
            terminalreporter.line(f"FAILED (skipped at import) {line}", red=True)


@pytest.fixture(scope="session")
def repair_sets(tmp_path_factory) -> Path:
    """The broken sets of tests/make-repair-sets.sh (openssl, the docs' way, ca.key kept), made once per session."""
    import subprocess
    out = tmp_path_factory.mktemp("repair-sets")
    subprocess.run(["bash", str(Path(__file__).resolve().parent / "make-repair-sets.sh"), str(out)], check=True,
                   capture_output=True, timeout=300)
    return out
