"""MILVUS_TLS_REQUIRE_REAL=1 (tests/conftest.py): a skipped real-Milvus test fails the run; other skips do not."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "tests" / "integration").mkdir(parents=True)
    shutil.copy(HERE / "conftest.py", tmp_path / "tests" / "conftest.py")
    for module in ("helpers.py", "certfactory.py"):   # conftest imports them
        shutil.copy(HERE / module, tmp_path / "tests" / module)
    (tmp_path / "tests" / "__init__.py").touch()
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n  integration: real Milvus\n")
    for name, text in files.items():
        (tmp_path / "tests" / name).write_text(textwrap.dedent(text))
    return tmp_path


def _run(project: Path, require: bool, *extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "MILVUS_TLS_REQUIRE_REAL"}
    if require:
        env["MILVUS_TLS_REQUIRE_REAL"] = "1"
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra, "tests"],
                          cwd=project,
                          env=env, capture_output=True, text=True, timeout=120)


UNIT = {"test_unit.py": """
    import pytest
    def test_ok(): pass
    def test_optional(): pytest.skip("an optional unit dependency")
"""}
CASES = {
    "module skipped at import under integration/": {"integration/test_real.py": """
        import pytest
        pytest.importorskip("no_such_module_for_the_guard")
        def test_real(): pass
    """},
    "marked test skipped outside integration/": {"test_marked.py": """
        import pytest
        @pytest.mark.integration
        def test_real(): pytest.skip("Milvus is not installed")
    """},
    "marked module skipped at import": {"test_marked_module.py": """
        import pytest
        pytest.importorskip("no_such_module_for_the_guard")
        pytestmark = pytest.mark.integration
        def test_real(): pass
    """},
    "test under integration/ skipped at setup": {"integration/test_setup.py": """
        import pytest
        @pytest.fixture
        def server(): pytest.skip("could not start")
        def test_real(server): pass
    """},
}


# .ci/run runs the suite with two pytest-xdist workers: the guard must hold there too (collection happens in the
# workers; the run is reported by the controller)
WORKERS = {"one process": (), "xdist": ("-n", "2", "--dist", "loadfile")}


@pytest.mark.parametrize("how", sorted(WORKERS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_skipped_real_test_fails_only_when_required(tmp_path, case, how):
    project = _project(tmp_path, {**UNIT, **CASES[case]})
    relaxed = _run(project, False, *WORKERS[how])
    assert relaxed.returncode == 0, relaxed.stdout + relaxed.stderr
    required = _run(project, True, *WORKERS[how])
    assert required.returncode == 1, required.stdout + required.stderr
    assert "MILVUS_TLS_REQUIRE_REAL=1" in required.stdout


def test_other_skips_pass_when_required(tmp_path):
    project = _project(tmp_path, {**UNIT, "integration/test_real.py": "def test_real(): pass\n"})
    required = _run(project, require=True)
    assert required.returncode == 0, required.stdout + required.stderr
    assert "1 skipped" in required.stdout
