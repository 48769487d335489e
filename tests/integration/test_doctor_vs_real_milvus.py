"""The product claim, checked for real: against PyPI's embedded Milvus (Go server) and a real pymilvus client.

Three servers per module (tlsMode 0, 1, 2 with the openssl-made docs-san set), started on loopback and stopped
by the fixture. Each case runs `milvus-tls doctor --uri ...` and, independently of the doctor's own code, a real
pymilvus.MilvusClient in a subprocess; the test asserts the doctor's code and that its verdict matches what
pymilvus really did.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("milvus")
pytest.importorskip("pymilvus")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from milvus_tls_check import cli  # noqa: E402
from milvus_tls_lab.realmilvus import pymilvus_connect, running_milvus  # noqa: E402

pytestmark = pytest.mark.integration

GOOD = ROOT / "fixtures" / "docs-san"
OTHER_CA_CLIENT = ROOT / "fixtures" / "broken-wrong-ca"


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    base = tmp_path_factory.mktemp("milvus")
    with running_milvus(base / "m0", tls_mode=0) as m0, \
            running_milvus(base / "m1", 1, GOOD / "server.pem", GOOD / "server.key", GOOD / "ca.pem") as m1, \
            running_milvus(base / "m2", 2, GOOD / "server.pem", GOOD / "server.key", GOOD / "ca.pem") as m2:
        for m in (m0, m1, m2):
            assert m.started, f"Milvus did not start (exit {m.exit_code}); logs in {m.log_dir}"
        yield {0: m0, 1: m1, 2: m2}


def _doctor(args: list[str], capsys) -> tuple[int, dict]:
    status = cli.main(["doctor", *args, "--format", "json", "--timeout", "5"])
    out, err = capsys.readouterr()
    assert out, err
    return status, json.loads(out)


def _live(report: dict, mode: int) -> list[dict]:
    return [h for h in report["handshakes"] if h["mode"] == mode and h["client"] == "grpcio"]


ONE_WAY = {"server_pem_path": str(GOOD / "server.pem"), "server_name": "localhost"}
MUTUAL = {"client_pem_path": str(GOOD / "client.pem"), "client_key_path": str(GOOD / "client.key"),
          "ca_pem_path": str(GOOD / "ca.pem"), "server_name": "localhost"}

CASES = [
    # id, server mode, URI scheme, doctor args, pymilvus kwargs, expected doctor handshake code
    ("mode1-good", 1, "https", ["--dir", str(GOOD), "--tls-mode", "1", "--server-name", "localhost"],
     ONE_WAY, "handshake.ok"),
    ("mode2-good", 2, "https", ["--dir", str(GOOD), "--tls-mode", "2", "--server-name", "localhost"],
     MUTUAL, "handshake.ok"),
    ("plaintext-server", 0, "https", ["--dir", str(GOOD), "--tls-mode", "1", "--server-name", "localhost"],
     ONE_WAY, "tls.server_plaintext"),
    ("plain-client-tls-server", 1, "http", ["--tls-mode", "1"], {}, "tls.client_plaintext"),
    ("one-way-params-mode2-server", 2, "https", ["--dir", str(GOOD), "--tls-mode", "1", "--server-name", "localhost"],
     ONE_WAY, "tls.client_cert_required"),
    ("wrong-ca", 1, "https", ["--tls-mode", "1", "--client-server-pem", str(OTHER_CA_CLIENT / "ca.pem"),
                              "--server-name", "localhost"],
     {"server_pem_path": str(OTHER_CA_CLIENT / "ca.pem"), "server_name": "localhost"}, "tls.server_cert_untrusted"),
    ("wrong-server-name", 1, "https", ["--dir", str(GOOD), "--tls-mode", "1", "--server-name", "milvus.example.com"],
     {**ONE_WAY, "server_name": "milvus.example.com"}, "name.mismatch"),
    ("client-cert-other-ca", 2, "https",
     ["--tls-mode", "2", "--client-pem", str(OTHER_CA_CLIENT / "client.pem"), "--client-key",
      str(OTHER_CA_CLIENT / "client.key"), "--client-ca-pem", str(GOOD / "ca.pem"), "--server-name", "localhost"],
     {"client_pem_path": str(OTHER_CA_CLIENT / "client.pem"), "client_key_path": str(OTHER_CA_CLIENT / "client.key"),
      "ca_pem_path": str(GOOD / "ca.pem"), "server_name": "localhost"}, "tls.client_cert_rejected"),
]


@pytest.mark.parametrize("case_id,mode,scheme,args,kwargs,code", CASES, ids=[c[0] for c in CASES])
def test_doctor_agrees_with_real_pymilvus(servers, case_id, mode, scheme, args, kwargs, code, capsys):
    server = servers[mode]
    uri = server.uri_tls if scheme == "https" else server.uri_plain
    status, report = _doctor([*args, "--uri", uri], capsys)
    attempts = _live(report, int(report["modes"][0]))
    assert attempts and attempts[0]["code"] == code, attempts
    real = pymilvus_connect(uri, timeout=15, **kwargs)
    assert not real.timed_out, real.error
    doctor_says_ok = status == 0
    assert doctor_says_ok == real.ok, (f"{case_id}: doctor {'pass' if doctor_says_ok else 'fail'} "
                                       f"({[h['code'] for h in report['handshakes']]}), real pymilvus "
                                       f"{'connected' if real.ok else 'failed: ' + real.error[-300:]}")
    if not real.ok:
        assert "illegal connection params or server unavailable" in real.error or "Fail connecting" in real.error \
            or "UNAVAILABLE" in real.error or "timed out" in real.error.lower(), real.error[-300:]


def test_probe_says_what_the_server_demands(servers, capsys):
    status, report = _doctor(["--dir", str(GOOD), "--tls-mode", "2", "--uri", servers[2].uri_tls,
                              "--server-name", "localhost"], capsys)
    assert status == 0
    probe = next(h for h in report["handshakes"] if h["client"] == "ssl-probe")
    assert probe["peer"]["client_cert_required"] is True
    assert probe["peer"]["chain"][0]["sans"] == ["DNS:localhost"]
    assert probe["tls_version"] == "TLSv1.3"


@pytest.mark.parametrize("mode", [1, 2])
def test_without_tls_mode_the_live_server_decides(servers, mode, capsys):
    """--dir with client material and no --tls-mode: judge the mode the server runs, not both."""
    status, report = _doctor(["--dir", str(GOOD), "--uri", servers[mode].uri_tls, "--server-name", "localhost"],
                             capsys)
    assert status == 0 and report["modes"] == [mode], report["handshakes"]
    assert any(f"runs tlsMode {mode}" in n for n in report["notes"])
