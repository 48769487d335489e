"""A real pymilvus client (subprocess) against the rehearsal server, and `doctor --pymilvus`.

pymilvus is not a dependency of the doctor: the interpreter is $MILVUS_TLS_CHECK_PYMILVUS_PYTHON or this one;
without pymilvus in either, these tests skip.
"""
from __future__ import annotations

import contextlib
import json
import subprocess

import pytest

from tests.certfactory import good_set
from milvus_tls_check.cli import EXIT_FAIL, EXIT_PASS, main
from milvus_tls_check.handshake import pymilvus_process
from milvus_tls_check.handshake.rehearsal import ServerFiles, Seen, serving
from milvus_tls_check.model import ClientParams


def _has_pymilvus() -> bool:
    try:
        cp = subprocess.run([pymilvus_process.python(), "-c", "import pymilvus"], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return cp.returncode == 0


pytestmark = pytest.mark.skipif(not _has_pymilvus(), reason="pymilvus not importable (set "
                                f"{pymilvus_process.PYTHON_ENV} to a python that has it)")


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return good_set().write(tmp_path_factory.mktemp("pymilvus-tls"))


@pytest.fixture
def peer(tls):
    stack = contextlib.ExitStack()
    files = ServerFiles(tls["server.pem"].read_bytes(), tls["server.key"].read_bytes(), tls["ca.pem"].read_bytes())
    try:
        yield lambda mode, seen=None: stack.enter_context(serving(files, mode, seen))
    finally:
        stack.close()


def test_real_pymilvus_connects_to_rehearsal_server_mode1(tls, peer):
    seen = Seen()
    port = peer(1, seen)
    out = pymilvus_process.run(f"https://127.0.0.1:{port}",
                          ClientParams(server_pem_path=str(tls["ca.pem"]), server_name="localhost"), 5)
    assert out.ok, (out.error, out.cause, out.log_lines)
    assert seen.tls_version == "TLSv1.3" and "Connect" in seen.methods


def test_real_pymilvus_mode2_both_ways(tls, peer):
    seen = Seen()
    port = peer(2, seen)
    uri = f"https://127.0.0.1:{port}"
    good = pymilvus_process.run(uri, ClientParams(None, str(tls["client.pem"]), str(tls["client.key"]),
                                             str(tls["ca.pem"]), "localhost"), 5)
    assert good.ok, (good.error, good.cause)
    assert seen.client_subject and "milvus-client" in seen.client_subject
    bad = pymilvus_process.run(uri, ClientParams(server_pem_path=str(tls["ca.pem"]), server_name="localhost"), 5)
    assert not bad.ok and "illegal connection params or server unavailable" in bad.error


def test_doctor_pymilvus_flag(capsys, tls, peer):
    port = peer(2)
    capsys.readouterr()
    rc = main(["doctor", "--format", "json", "--timeout", "5", "--pymilvus", "--uri", f"https://127.0.0.1:{port}",
               "--server-name", "localhost", "--client-server-pem", str(tls["ca.pem"])])
    report = json.loads(capsys.readouterr().out)
    assert rc == EXIT_FAIL
    by_client = {h["client"]: h for h in report["handshakes"]}
    assert by_client["grpcio"]["code"] == "tls.client_cert_required"
    assert by_client["pymilvus"]["code"] == "tls.client_cert_required"   # the real client fails the same way
    assert "illegal connection params" in by_client["pymilvus"]["detail"]

    rc = main(["doctor", "--format", "json", "--timeout", "5", "--pymilvus", "--uri", f"https://127.0.0.1:{port}",
               "--server-name", "localhost", "--tls-mode", "2", "--client-pem", str(tls["client.pem"]),
               "--client-key", str(tls["client.key"]), "--client-ca-pem", str(tls["ca.pem"])])
    report = json.loads(capsys.readouterr().out)
    assert rc == EXIT_PASS, report["handshakes"]
    assert [h["client"] for h in report["handshakes"] if h["ok"]] == ["grpcio", "ssl-probe", "pymilvus"]


def test_rehearsal_with_pymilvus_flag(capsys, tls):
    capsys.readouterr()
    folder = str(tls["ca.pem"].parent)
    rc = main(["doctor", "--format", "json", "--pymilvus", "--dir", folder])
    report = json.loads(capsys.readouterr().out)
    assert rc == EXIT_PASS, report["handshakes"]
    real = [(h["mode"], h["code"]) for h in report["handshakes"] if h["client"] == "pymilvus"]
    assert real == [(1, "handshake.ok"), (2, "handshake.ok")]

    rc = main(["doctor", "--format", "json", "--pymilvus", "--dir", folder, "--tls-mode", "2",
               "--client-server-pem", str(tls["ca.pem"])])
    report = json.loads(capsys.readouterr().out)
    assert rc == EXIT_FAIL
    assert {h["client"]: h["code"] for h in report["handshakes"]} == {
        "grpcio": "tls.client_cert_required", "pymilvus": "tls.client_cert_required"}
    assert report["disagreements"] == []


def test_the_lab_worker_runs_the_same_attempt(tls, peer):
    """The lab's warm worker is pymilvus_process's one runner: the same attempt, the same verdicts as run()."""
    port = peer(2)
    uri = f"https://127.0.0.1:{port}"
    worker = pymilvus_process.Worker(pymilvus_process.python())
    try:
        ok, words = worker.run(uri, ClientParams(None, str(tls["client.pem"]), str(tls["client.key"]),
                                                 str(tls["ca.pem"]), "localhost"), 5)
        assert ok and words == ""
        ok, words = worker.run(uri, ClientParams(server_pem_path=str(tls["ca.pem"]), server_name="localhost"), 5)
        one_shot = pymilvus_process.run(uri, ClientParams(server_pem_path=str(tls["ca.pem"]), server_name="localhost"),
                                        5)
        assert not ok and not one_shot.ok
        assert words == (one_shot.cause or one_shot.error)
    finally:
        worker.close()
