"""Issue 15: the composite action.yml. Its steps are read from the file and run by bash as the Actions runner runs
them, with the environment variables GitHub sets (GITHUB_ACTIONS, GITHUB_WORKSPACE, GITHUB_ACTION_PATH, RUNNER_TEMP,
GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, GITHUB_PATH): annotations on stdout, the Markdown report in the step summary,
the exit code as the step's output and status. The install step is exercised against a stand-in interpreter
(installing the package for real is covered by tests/test_precommit.py).

Security issue 2/12: inputs reach the scripts only through `env:`, the doctor step splits `args` with Python's
shlex (no shell, no eval), the install is hash-pinned and the venv never goes on GITHUB_PATH."""
from __future__ import annotations

import json
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
    (tmp_path / "runner").mkdir(exist_ok=True)
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


def _stub_venv(tmp_path: Path) -> None:
    """The venv the install step would have made: its python is the interpreter running the tests."""
    bin_dir = tmp_path / "runner" / "milvus-tls-venv" / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    python = bin_dir / "python"
    python.write_text(f'#!/bin/bash\nexport PYTHONPATH="{ROOT}"\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)


def test_doctor_step_annotates_and_writes_the_step_summary(tmp_path):
    _stub_venv(tmp_path)
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


def test_install_step_creates_a_venv_installs_pinned_and_leaves_path_alone(tmp_path):
    """A stand-in python records what the step asks of it: `-m venv DIR`, then DIR's pip installing the hash-pinned
    requirements, then the action path without resolving dependencies; GITHUB_PATH is not touched."""
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
    quiet = "--quiet --disable-pip-version-check"
    assert log.read_text().splitlines() == [
        f"python -m venv {venv}",
        f"python -m pip install {quiet} --require-hashes --only-binary=:all: -r {ROOT}/requirements/action.txt",
        f"python -m pip install {quiet} --no-deps --no-build-isolation {ROOT}"]
    assert (tmp_path / "path").read_text() == ""


def test_every_pinned_requirement_is_exact_and_hashed():
    """requirements/action.txt (tools/pin_action.py): `name==version`, each with sha256 hashes, covering every
    runtime dependency of pyproject.toml and the build backend."""
    import tomllib

    text = (ROOT / "requirements" / "action.txt").read_text()
    entries = [e.strip() for e in re.split(r"\n(?=[A-Za-z])", text.split("\n\n", 1)[1]) if e.strip()]
    pinned = {}
    for entry in entries:
        head = entry.split("\\")[0].strip()
        name, version = re.match(r"([A-Za-z0-9_.-]+)==([0-9][0-9A-Za-z.]*)(\s*;.*)?$", head).group(1, 2)
        assert re.findall(r"--hash=sha256:[0-9a-f]{64}", entry), name
        pinned[name.lower().replace("_", "-")] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wanted = {re.match(r"[A-Za-z0-9_.-]+", d).group().lower().replace("_", "-") for d in
              project["project"]["dependencies"] + project["build-system"]["requires"]}
    assert wanted <= set(pinned), wanted - set(pinned)


def test_inputs_reach_the_scripts_only_through_env():
    """No `${{ ... }}` in any step's script text (the runner would paste the value into bash source), no eval."""
    for step in ACTION["runs"]["steps"]:
        assert "${{" not in step["run"], step["name"]
        assert not re.search(r"\beval\b", step["run"]), step["name"]
        assert "GITHUB_PATH" not in step["run"] and "GITHUB_ENV" not in step["run"], step["name"]


def test_args_with_shell_syntax_run_nothing_and_arrive_as_literal_arguments(tmp_path):
    """The doctor step's own script, run by bash with the runner's environment: `$(touch MARKER)`, backticks and `;`
    in `args` create no file and reach the doctor as the literal arguments shlex.split makes of them."""
    _stub_venv(tmp_path)
    env = _github_env(tmp_path)
    seen = tmp_path / "argv.json"
    # The stub venv's python records the argv the doctor is given instead of running it.
    recorder = tmp_path / "record.py"
    recorder.write_text("import json, sys\nfrom milvus_tls_check import cli\nfrom milvus_tls_check.cli import action\n"
                        f"cli.main = lambda argv: (open({str(seen)!r}, 'w').write(json.dumps(argv)), 0)[1]\n"
                        "sys.exit(action.main())\n")
    (tmp_path / "runner" / "milvus-tls-venv" / "bin" / "python").write_text(
        f'#!/bin/bash\n[ "$1 $2" = "-m milvus_tls_check.cli.action" ] || exit 99\n'
        f'export PYTHONPATH="{ROOT}"\nexec "{sys.executable}" "{recorder}"\n')
    hostile = ("--dir $(touch MARKER1) --server-name `touch MARKER2` ; touch MARKER3 "
               "--uri 'https://h:1/$(touch MARKER4)' \"a b\" && touch MARKER5 | touch MARKER6 ${IFS}x")
    step = ACTION["runs"]["steps"][1]
    done = _run_step(step, {"args": hostile}, env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not list(tmp_path.rglob("MARKER*")) and not list(Path.cwd().glob("MARKER*"))
    assert json.loads(seen.read_text()) == [
        "doctor", "--dir", "$(touch", "MARKER1)", "--server-name", "`touch", "MARKER2`", ";", "touch", "MARKER3",
        "--uri", "https://h:1/$(touch MARKER4)", "a b", "&&", "touch", "MARKER5", "|", "touch", "MARKER6",
        "${IFS}x", "--format", "github"]
    assert (tmp_path / "output").read_text() == "exit-code=0\n"


def test_an_unclosed_quote_in_args_is_a_usage_error(tmp_path):
    _stub_venv(tmp_path)
    done = _run_step(ACTION["runs"]["steps"][1], {"args": "--dir 'tls"}, _github_env(tmp_path), tmp_path)
    assert done.returncode == 2 and "the action's args input: No closing quotation" in done.stderr
    assert (tmp_path / "output").read_text() == "exit-code=2\n"
