"""Issue 15: the `milvus-tls-doctor` pre-commit hook, run by the real `pre-commit try-repo` in a temporary git
repository: pre-commit builds its own virtualenv from this repository (so the package must install) and passes the
staged files; the hook groups them by folder and runs the static doctor per folder. A good set passes, a broken set
fails with its finding code; the grouping itself is checked directly."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from milvus_tls_check.cli.precommit import plan

ROOT = Path(__file__).resolve().parent.parent
PRE_COMMIT = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which("pre-commit")


def test_hook_definition():
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "milvus-tls-doctor" and hook["language"] == "python"
    assert hook["entry"] == "milvus-tls precommit" and hook["pass_filenames"] is True
    import re
    pattern = re.compile(hook["files"])
    for name in ("tls/server.pem", "a/ca.crt", "k/tls.key", "milvus.yaml", "deploy/docker-compose.yml"):
        assert pattern.search(name), name
    assert not pattern.search("README.md")


def test_staged_files_group_by_folder(tmp_path):
    shutil.copytree(ROOT / "fixtures" / "docs-san", tmp_path / "tls")
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "secret.yaml").write_text("apiVersion: v1\nkind: Secret\nmetadata: {name: x}\n")
    (tmp_path / "k8s" / "notes.yaml").write_text("a: 1\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "other.pem").write_text("x")
    got = plan([str(tmp_path / "tls" / "server.pem"), str(tmp_path / "k8s" / "secret.yaml"),
                str(tmp_path / "k8s" / "notes.yaml"), str(tmp_path / "docs" / "other.pem")])
    tls = got[str(tmp_path / "tls")]
    assert tls["server_pem"].endswith("tls/server.pem") and tls["client_key"].endswith("tls/client.key")
    assert tls["ca_pem"].endswith("tls/ca.pem")
    assert got[str(tmp_path / "k8s")]["k8s"] == [str(tmp_path / "k8s" / "secret.yaml")]
    assert str(tmp_path / "docs") not in got


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _snapshot(dest: Path) -> Path:
    """This working tree as one commit of a new repository: every file git would see (tracked or not, ignored files
    left out), so pre-commit installs exactly what is here; try-repo on a dirty tree would take only tracked files."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    _git(dest, "init", "-q")
    _git(dest, "add", "-A")
    _git(dest, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "snapshot")
    return dest


@pytest.mark.skipif(PRE_COMMIT is None, reason="pip install pre-commit (the test extra)")
def test_pre_commit_try_repo_on_a_good_and_a_broken_set(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    for name, folder in (("tls", "docs-san"), ("broken", "broken-wrong-ca")):
        shutil.copytree(ROOT / "fixtures" / folder, repo / name)
        for key in (repo / name).glob("*.key"):
            key.chmod(0o600)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("VIRTUAL_ENV", None)

    hooks = _snapshot(tmp_path / "hooks")

    def try_repo() -> subprocess.CompletedProcess:
        return subprocess.run([PRE_COMMIT, "try-repo", str(hooks), "milvus-tls-doctor", "--verbose"], cwd=repo,
                              env=env, capture_output=True, text=True, timeout=900)

    _git(repo, "add", "tls")
    good = try_repo()
    assert good.returncode == 0, good.stdout + good.stderr
    assert "milvus-tls doctor (static TLS checks)" in good.stdout and "Passed" in good.stdout
    assert "=== tls: PASS" in good.stdout

    _git(repo, "add", "broken")
    bad = try_repo()
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout and "=== broken: FAIL" in bad.stdout and "chain.untrusted" in bad.stdout
    assert "=== tls: PASS" in bad.stdout
