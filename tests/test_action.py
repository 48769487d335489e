"""Issue 15: the composite action.yml. Its steps are read from the file and run by bash as the Actions runner runs
them, with the environment variables GitHub sets (GITHUB_ACTIONS, GITHUB_WORKSPACE, GITHUB_ACTION_PATH, RUNNER_TEMP,
GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, GITHUB_PATH): annotations on stdout, the Markdown report in the step summary,
the exit code as the step's output and status. The install step is exercised against a stand-in interpreter
(installing the package for real is covered by tests/test_precommit.py)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())


def _expand(script: str, inputs: dict[str, str]) -> str:
    """${{ inputs.X }} and ${{ github.action_path }} as the runner expands them before bash sees the script."""
    def value(match: re.Match) -> str:
        expr = match.group(1).strip()
        if expr.startswith("inputs."):
            return inputs[expr[len("inputs."):]]
        if expr == "github.action_path":
            return str(ROOT)
        raise AssertionError(f"unexpected expression {expr}")
    return re.sub(r"\$\{\{(.*?)\}\}", value, script)


def _run_step(step: dict, inputs: dict[str, str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    assert step["shell"] == "bash"
    step_env = {k: _expand(str(v), inputs) for k, v in (step.get("env") or {}).items()}
    script = _expand(step["run"], inputs)
    # the runner runs `bash --noprofile --norc -eo pipefail {0}`
    path = cwd / "step.sh"
    path.write_text(script)
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(path)], cwd=cwd,
                          env={**env, **step_env}, capture_output=True, text=True, timeout=300)


def _github_env(tmp_path: Path) -> dict[str, str]:
    files = {name: tmp_path / name for name in ("summary.md", "output", "path")}
    for f in files.values():
        f.write_text("")
    (tmp_path / "runner").mkdir()
    return {**os.environ, "GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_WORKSPACE": str(tmp_path),
            "GITHUB_ACTION_PATH": str(ROOT), "RUNNER_TEMP": str(tmp_path / "runner"),
            "GITHUB_STEP_SUMMARY": str(files["summary.md"]), "GITHUB_OUTPUT": str(files["output"]),
            "GITHUB_PATH": str(files["path"]), "GITHUB_REPOSITORY": "example/app", "GITHUB_SHA": "0" * 40,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def test_action_is_composite_with_an_install_and_a_doctor_step():
    assert ACTION["runs"]["using"] == "composite"
    names = [s["name"] for s in ACTION["runs"]["steps"]]
    assert names == ["Install milvus-tls-check", "Run milvus-tls doctor"]
    assert set(ACTION["inputs"]) == {"args", "python"}


def test_doctor_step_annotates_and_writes_the_step_summary(tmp_path):
    for name, folder in (("tls", "docs-san"), ("broken", "broken-wrong-ca")):
        shutil.copytree(ROOT / "fixtures" / folder, tmp_path / name)
        for key in (tmp_path / name).glob("*.key"):
            key.chmod(0o600)
    env = _github_env(tmp_path)
    step = ACTION["runs"]["steps"][1]
    good = _run_step(step, {"args": "--dir tls --no-handshake --at 2027-01-01T00:00:00Z"}, env, tmp_path)
    assert good.returncode == 0, good.stdout + good.stderr
    assert good.stdout.splitlines()[-1].startswith("::notice title=milvus-tls doctor::PASS")
    assert (tmp_path / "output").read_text() == "exit-code=0\n"
    assert "## milvus-tls doctor: PASS" in (tmp_path / "summary.md").read_text()

    bad = _run_step(step, {"args": "--dir 'broken' --no-handshake --at 2027-01-01T00:00:00Z"}, env, tmp_path)
    assert bad.returncode == 1
    assert "::error file=broken/client.pem,line=1,title=chain.untrusted::" in bad.stdout
    assert (tmp_path / "output").read_text().endswith("exit-code=1\n")
    summary = (tmp_path / "summary.md").read_text()
    assert "## milvus-tls doctor: FAIL" in summary and "```mermaid" in summary


def test_install_step_creates_a_venv_installs_from_the_action_path_and_extends_path(tmp_path):
    """A stand-in python records what the step asks of it: `-m venv DIR`, then DIR's pip installing the action path."""
    env = _github_env(tmp_path)
    log = tmp_path / "calls.log"
    fake = tmp_path / "fakepython"
    fake.write_text(f"""#!/bin/bash
echo "python $*" >> {log}
if [ "$1 $2" = "-m venv" ]; then mkdir -p "$3/bin"; cp "$0" "$3/bin/python"; fi
""")
    fake.chmod(0o755)
    step = ACTION["runs"]["steps"][0]
    done = _run_step(step, {"python": str(fake)}, env, tmp_path)
    assert done.returncode == 0, done.stderr
    venv = tmp_path / "runner" / "milvus-tls-venv"
    assert log.read_text().splitlines() == [f"python -m venv {venv}",
                                            f"python -m pip install --quiet {ROOT}"]
    assert (tmp_path / "path").read_text() == f"{venv}/bin\n"
