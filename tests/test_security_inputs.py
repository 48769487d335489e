"""Issue 18: hostile deployment files are harmless. Each test reproduces an attack that worked on main before the fix
and asserts what a user (and an attacker) would see: no file written outside the doctor's own folder, no code run,
bounded time and memory, no environment value echoed, the temporary Secret folder gone after SIGTERM.

The attacks come in through the inputs a pull request controls: Kubernetes manifests (also through the pre-commit
hook), Compose files with their .env/env_file, milvus.yaml, fleet files.
"""
from __future__ import annotations

import base64
import os
import resource
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest
import yaml

from milvus_tls_check.render import formats
from tests.helpers import codes, doctor_json, run_cli

ROOT = Path(__file__).resolve().parent.parent
DOCS_SAN = ROOT / "fixtures" / "docs-san"
CLI = [sys.executable, "-m", "milvus_tls_check"]
FORMATS = formats()   # every registered format

# The "billion laughs" of YAML: 9 levels of 9 aliases, ~340 bytes, 9^9 nodes when walked.
ALIAS_BOMB = "".join(
    f"{n}: &{n} [{', '.join(['lol'] * 9) if i == 0 else ', '.join(['*' + prev] * 9)}]\n"
    for i, (prev, n) in enumerate(zip(" abcdefgh", "abcdefghi")))


def _workload(volume: str) -> str:
    """A standalone Deployment that mounts the Secret at /milvus/tls and a user.yaml (tlsMode 1) from a ConfigMap."""
    return f"""apiVersion: v1
kind: ConfigMap
metadata: {{name: milvus-config}}
data:
  user.yaml: |
    tls: {{serverPemPath: /milvus/tls/server.pem, serverKeyPath: /milvus/tls/server.key}}
    common: {{security: {{tlsMode: 1}}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: milvus}}
spec:
  template:
    spec:
      containers:
      - name: standalone
        image: milvusdb/milvus:v2.5.6
        args: ["milvus", "run", "standalone"]
        volumeMounts:
        - {{name: config, mountPath: /milvus/configs/user.yaml, subPath: user.yaml}}
        - {{name: certs, mountPath: /milvus/tls}}
      volumes:
      - name: config
        configMap: {{name: milvus-config}}
      - name: certs
{volume}
"""


def _secret(entries: dict[str, str], *, string_data: bool = True) -> str:
    doc = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "milvus-tls"}}
    if string_data:
        doc["stringData"] = entries
    else:
        doc["data"] = {k: base64.b64encode(v.encode()).decode() for k, v in entries.items()}
    return yaml.safe_dump(doc)


def _files_named(top: Path, name: str) -> list[Path]:
    return [p for p in top.rglob(name)]


# --- 1. Kubernetes keys and item paths never become a path outside the Secret folder ---------------------------------

def test_secret_key_with_absolute_path_into_site_packages_writes_nothing_and_runs_nothing(tmp_path, capsys):
    """The reported attack: a Secret whose key is <venv>/site-packages/zz.pth; the next Python start ran it."""
    marker = tmp_path / "pwned"
    pth = Path(sysconfig.get_paths()["purelib"]) / "zz_milvus_tls_security_test.pth"
    payload = f"import os; open({str(marker)!r}, 'w').write('ran')\n"
    secret = tmp_path / "secret.yaml"
    secret.write_text(_secret({str(pth): payload, "tls.crt": (DOCS_SAN / "server.pem").read_text()}))
    try:
        status, out, err = run_cli(["precommit", str(secret)], capsys)
        status2, report = doctor_json(["--k8s", str(secret)], capsys)
        assert not pth.exists()
        subprocess.run([sys.executable, "-c", "pass"], check=True, timeout=60)
        assert not marker.exists(), "code planted through a Secret key ran at the next Python start"
    finally:
        if pth.exists():
            pth.unlink()
    assert status == 1 and "config.k8s_unsafe_path" in out
    assert status2 == 1 and "config.k8s_unsafe_path" in codes(report, "error")
    [finding] = [f for f in report["findings"] if f["code"] == "config.k8s_unsafe_path"]
    assert "Secret milvus-tls" in finding["subject"] and "zz_milvus_tls_security_test.pth" in finding["message"]


@pytest.mark.parametrize("field", ["key", "items-path", "subPath"])
def test_dot_dot_and_absolute_paths_in_a_mounted_volume_stay_inside(tmp_path, capsys, field):
    escape = tmp_path / "escaped.txt"
    rel_escape = "../" * 12 + str(escape).lstrip("/")
    pem = (DOCS_SAN / "server.pem").read_text()
    if field == "key":
        secret = _secret({rel_escape: "owned", "tls.crt": pem}, string_data=False)
        volume = "        secret: {secretName: milvus-tls}"
    elif field == "items-path":
        secret = _secret({"tls.crt": pem})
        volume = (f"        secret:\n          secretName: milvus-tls\n          items:\n"
                  f"          - {{key: tls.crt, path: {rel_escape!r}}}\n"
                  f"          - {{key: tls.crt, path: {str(escape)!r}}}\n")
    else:
        secret = _secret({"tls.crt": pem})
        volume = "        secret: {secretName: milvus-tls}"
    manifests = tmp_path / "m.yaml"
    text = secret + "---\n" + _workload(volume)
    if field == "subPath":
        text = text.replace("mountPath: /milvus/tls}", f"mountPath: /milvus/tls/server.pem, subPath: {rel_escape!r}}}")
    manifests.write_text(text)
    status, report = doctor_json(["--k8s", str(manifests)], capsys)
    assert not escape.exists()
    assert not _files_named(tmp_path.parent, "escaped.txt")
    assert status == 1
    assert "config.k8s_unsafe_path" in codes(report, "error")
    message = " ".join(f["message"] for f in report["findings"] if f["code"] == "config.k8s_unsafe_path")
    assert "escaped.txt" in message and ("'..'" in message or "absolute" in message)


def test_a_clean_manifest_has_no_unsafe_path_finding(tmp_path, capsys):
    """Near miss: nested item paths (certs/server.pem) are plain relative paths and stay silent."""
    pem = (DOCS_SAN / "server.pem").read_text()
    volume = ("        secret:\n          secretName: milvus-tls\n          items:\n"
              "          - {key: tls.crt, path: certs/server.pem}\n")
    manifests = tmp_path / "m.yaml"
    manifests.write_text(_secret({"tls.crt": pem}) + "---\n" + _workload(volume))
    _, report = doctor_json(["--k8s", str(manifests)], capsys)
    assert "config.k8s_unsafe_path" not in codes(report)


# --- 5. Compose env files: bounded, regular files only ---------------------------------------------------------------

def _compose(tmp_path: Path, env_file: str) -> Path:
    (tmp_path / "milvus.yaml").write_text("common: {security: {tlsMode: 1}}\n")
    compose = tmp_path / "docker-compose.yml"
    compose.write_text(f"""services:
  standalone:
    image: milvusdb/milvus:v2.5.6
    command: ["milvus", "run", "standalone"]
    env_file: {env_file}
    volumes:
      - ./milvus.yaml:/milvus/configs/milvus.yaml
""")
    return compose


def _run(args: list[str], timeout: float = 60, env: dict | None = None, cwd: Path | None = None):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.monotonic()
    proc = subprocess.run(CLI + args, capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)
    return proc, time.monotonic() - start, max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "dotenv-dev-zero"])
def test_env_file_that_never_ends_is_refused_quickly(tmp_path, kind):
    if kind == "fifo":
        os.mkfifo(tmp_path / "app.env")
        compose = _compose(tmp_path, "app.env")
    elif kind == "dev-zero":
        compose = _compose(tmp_path, "/dev/zero")
    else:
        (tmp_path / ".env").symlink_to("/dev/zero")
        compose = _compose(tmp_path, "[]")
    proc, seconds, _ = _run(["doctor", "--compose", str(compose), "--no-handshake"], timeout=30)
    assert proc.returncode == 2, proc.stderr
    assert "not a regular file" in proc.stderr and "Traceback" not in proc.stderr
    assert seconds < 20


# --- 6. YAML alias bombs, through every reader ----------------------------------------------------------------------

@pytest.mark.parametrize("reader", ["milvus-yaml", "compose", "k8s", "fleet", "precommit"])
def test_alias_bomb_is_refused_in_bounded_time_and_memory(tmp_path, reader):
    bomb = tmp_path / "bomb.yaml"
    if reader == "milvus-yaml":
        (tmp_path / "milvus.yaml").write_text("common:\n  security:\n    tlsMode: 1\n" + ALIAS_BOMB)
        args = ["doctor", "--milvus-yaml", str(tmp_path / "milvus.yaml"), "--no-handshake"]
    elif reader == "compose":
        bomb.write_text("services:\n  standalone:\n    image: milvusdb/milvus:v2.5.6\n" +
                        "".join("    " + line + "\n" for line in ("x-bomb:",)) +
                        "".join("      " + line + "\n" for line in ALIAS_BOMB.splitlines()))
        args = ["doctor", "--compose", str(bomb), "--no-handshake"]
    elif reader == "k8s":
        bomb.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n" +
                        "".join("  " + line + "\n" for line in ALIAS_BOMB.splitlines()))
        args = ["doctor", "--k8s", str(bomb), "--no-handshake"]
    elif reader == "fleet":
        bomb.write_text(ALIAS_BOMB + "targets: [{name: a, dir: x, bomb: *i}]\n")
        args = ["doctor", "--fleet", str(bomb), "--no-handshake"]
    else:
        bomb.write_text("apiVersion: v1\nkind: Secret\n" + ALIAS_BOMB)
        args = ["precommit", str(bomb)]
    proc, seconds, max_rss_kib = _run(args, timeout=60)
    assert proc.returncode in (1, 2), (proc.returncode, proc.stderr[-2000:])
    assert "alias" in (proc.stderr + proc.stdout)
    assert "Traceback" not in proc.stderr
    assert seconds < 20
    assert max_rss_kib < 600 * 1024, f"peak memory {max_rss_kib // 1024} MiB"


def test_ordinary_anchors_still_load(tmp_path, capsys):
    """Near miss: Helm values and Compose files use anchors and merge keys; those load as before."""
    (tmp_path / "milvus.yaml").write_text("defaults: &d {tlsMode: 1}\ncommon:\n  security:\n    <<: *d\n")
    status, report = doctor_json(["--milvus-yaml", str(tmp_path / "milvus.yaml"), "--dir", str(DOCS_SAN)], capsys)
    assert status in (0, 1) and report["modes"] == [1]      # tlsMode 1 came through the merge key


# --- 7. Compose interpolation never takes a value from the doctor's environment unless named -------------------------

def _compose_with_token(tmp_path: Path) -> Path:
    (tmp_path / "milvus.yaml").write_text("tls: {serverPemPath: /milvus/tls/server.pem}\n")
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("""services:
  standalone:
    image: milvusdb/milvus:v2.5.6
    command: ["milvus", "run", "standalone"]
    environment:
      COMMON_SECURITY_TLSMODE: ${CI_DEPLOY_TOKEN}
      PASSED_THROUGH:
    volumes:
      - ./milvus.yaml:/milvus/configs/milvus.yaml
""")
    return compose


CANARY = "ghp_CANARYc4n4ry0000000000000000000000"


@pytest.mark.parametrize("fmt", FORMATS)
def test_environment_secret_is_not_substituted_into_any_format(tmp_path, fmt):
    compose = _compose_with_token(tmp_path)
    env = {**os.environ, "CI_DEPLOY_TOKEN": CANARY, "PASSED_THROUGH": CANARY}
    proc, _, _ = _run(["doctor", "--compose", str(compose), "--no-handshake", "--format", fmt,
                       "--server-name", "localhost"], env=env)
    assert proc.returncode in (0, 1, 2), proc.stderr
    assert CANARY not in proc.stdout and CANARY not in proc.stderr
    if fmt in ("text", "json"):
        assert "CI_DEPLOY_TOKEN" in proc.stdout and "--compose-env CI_DEPLOY_TOKEN" in proc.stdout


def test_compose_env_takes_a_named_variable_and_dotenv_still_counts(tmp_path, capsys, monkeypatch):
    compose = _compose_with_token(tmp_path)
    monkeypatch.setenv("CI_DEPLOY_TOKEN", "7")
    _, report = doctor_json(["--compose", str(compose), "--compose-env", "CI_DEPLOY_TOKEN"], capsys)
    assert "config.tls_mode_invalid" in codes(report)      # the named variable was used: 7 is not a tlsMode
    (tmp_path / ".env").write_text("CI_DEPLOY_TOKEN=9\n")
    _, report = doctor_json(["--compose", str(compose)], capsys)
    assert "config.tls_mode_invalid" in codes(report)      # .env is the deployment's own: used
    assert "'9'" in " ".join(f["message"] for f in report["findings"])


# --- 10. SIGTERM removes the temporary Secret folder like Ctrl-C ----------------------------------------------------

def test_sigterm_mid_run_removes_the_secret_folder(tmp_path):
    temp = tmp_path / "tmp"
    temp.mkdir()
    pem = (DOCS_SAN / "server.pem").read_text()
    manifests = tmp_path / "m.yaml"
    manifests.write_text(_secret({"tls.crt": pem, "tls.key": (DOCS_SAN / "server.key").read_text()}) + "---\n" +
                         _workload("        secret: {secretName: milvus-tls}"))
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)   # accepts (the kernel does) and never answers: the handshake waits for --timeout
    port = silent.getsockname()[1]
    try:
        proc = subprocess.Popen(CLI + ["doctor", "--k8s", str(manifests), "--uri", f"https://127.0.0.1:{port}",
                                       "--tls-mode", "1", "--timeout", "60"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "TMPDIR": str(temp)})
        try:
            deadline = time.monotonic() + 30
            while not list(temp.glob("milvus-tls-k8s-*")) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert list(temp.glob("milvus-tls-k8s-*")), "the run never made its Secret folder"
            time.sleep(0.5)
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    finally:
        silent.close()
    assert proc.returncode == 3 and "terminated" in err, err
    assert not list(temp.glob("milvus-tls-k8s-*")), "the Secret folder (keys) was left behind"
