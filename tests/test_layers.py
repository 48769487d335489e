"""The layers of docs/ARCHITECTURE.md, as import-linter contracts in pyproject.toml, hold."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert exe, "import-linter is part of the test extra: pip install -e '.[test]'"
    run = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout


def test_no_two_modules_import_each_other():
    """No import circle between two modules (imports inside functions included), a package and its own
    submodules aside (rules/__init__ registers its rule modules)."""
    import grimp

    graph = grimp.build_graph("milvus_tls_check")
    circles = set()
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            if importer in graph.find_modules_directly_imported_by(imported):
                pair = tuple(sorted((importer, imported)))
                if not (pair[1].startswith(pair[0] + ".")):
                    circles.add(pair)
    assert not circles, sorted(circles)
