"""Auth is not TLS, checked against a real server: PyPI's embedded Milvus 2.3.5 in tlsMode 1 with
`common.security.authorizationEnabled: true`.

Without credentials the live probe's handshake is perfect and GetVersion is answered UNAUTHENTICATED: the doctor
says `auth.unauthenticated` and that the TLS part passed (not a TLS code). With the application's arguments
(`--pymilvus-args` carrying the default root credentials) it passes, and the credentials appear in no output.
"""
from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("milvus")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from milvus_tls_check import cli  # noqa: E402
from milvus_tls_lab.realmilvus import running_milvus  # noqa: E402

pytestmark = pytest.mark.integration

GOOD = ROOT / "fixtures" / "docs-san"
TOKEN = "root:Milvus"          # Milvus's default root account


@pytest.fixture(scope="module")
def milvus_auth(tmp_path_factory):
    base = tmp_path_factory.mktemp("milvus-auth")
    with running_milvus(base / "m1", 1, GOOD / "server.pem", GOOD / "server.key", GOOD / "ca.pem",
                        extra={"authorization_enabled": True}) as m:
        assert m.started, f"Milvus did not start (exit {m.exit_code}); logs in {m.log_dir}"
        yield m


def _doctor(args: list[str], capsys, fmt: str = "json") -> tuple[int, str]:
    status = cli.main(["doctor", *args, "--format", fmt, "--timeout", "5"])
    out, err = capsys.readouterr()
    assert out, err
    return status, out + err


def _grpcio(report: dict) -> dict:
    [hs] = [h for h in report["handshakes"] if h["client"] == "grpcio"]
    return hs


def test_no_credentials_is_auth_not_tls(milvus_auth, capsys):
    status, out = _doctor(["--uri", milvus_auth.uri_tls, "--dir", str(GOOD), "--tls-mode", "1",
                           "--server-name", "localhost"], capsys)
    report = json.loads(out)
    hs = _grpcio(report)
    assert hs["code"] == "auth.unauthenticated", hs
    assert "TLS handshake passed" in hs["detail"] and "UNAUTHENTICATED" in hs["detail"]
    assert hs["tls_version"] == "TLSv1.3"
    assert status == 1 and report["verdict"] == "fail"
    probe = next(h for h in report["handshakes"] if h["client"] == "ssl-probe")
    assert probe["code"] == "handshake.ok"


def test_the_applications_credentials_pass_and_are_never_printed(milvus_auth, capsys):
    args = json.dumps({"uri": milvus_auth.uri_tls, "server_pem_path": str(GOOD / "server.pem"),
                       "server_name": "localhost", "token": TOKEN})
    secret = base64.b64encode(TOKEN.encode()).decode()
    for fmt in ("json", "text"):
        status, out = _doctor(["--uri", milvus_auth.uri_tls, "--pymilvus-args", args, "--tls-mode", "1"], capsys,
                              fmt)
        assert TOKEN not in out and secret not in out
        if fmt == "json":
            report = json.loads(out)
            assert _grpcio(report)["code"] == "handshake.ok", _grpcio(report)
            assert status == 0 and report["verdict"] == "pass"


def test_user_and_password_in_the_uri_count_too(milvus_auth, capsys):
    uri = milvus_auth.uri_tls.replace("https://", "https://root:Milvus@")
    args = json.dumps({"uri": uri, "server_pem_path": str(GOOD / "server.pem"), "server_name": "localhost"})
    status, out = _doctor(["--uri", milvus_auth.uri_tls, "--pymilvus-args", args, "--tls-mode", "1"], capsys)
    assert "root:Milvus" not in out
    assert _grpcio(json.loads(out))["code"] == "handshake.ok"
    assert status == 0


def test_real_pymilvus_sees_the_same(milvus_auth, capsys):
    """--pymilvus: the real MilvusClient without credentials fails on auth, not TLS; with the application's token
    (handed to its subprocess through the environment, never argv) it connects."""
    base = ["--uri", milvus_auth.uri_tls, "--tls-mode", "1", "--pymilvus"]
    one_way = {"uri": milvus_auth.uri_tls, "server_pem_path": str(GOOD / "server.pem"), "server_name": "localhost"}
    status, out = _doctor(base + ["--pymilvus-args", json.dumps(one_way)], capsys)
    [real] = [h for h in json.loads(out)["handshakes"] if h["client"] == "pymilvus"]
    assert real["code"] == "auth.unauthenticated", real
    status, out = _doctor(base + ["--pymilvus-args", json.dumps({**one_way, "token": TOKEN})], capsys)
    report = json.loads(out)
    [real] = [h for h in report["handshakes"] if h["client"] == "pymilvus"]
    assert real["code"] == "handshake.ok", real
    assert status == 0 and TOKEN not in out
