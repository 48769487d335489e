"""A REAL Milvus (Go; PyPI's embedded standalone) accepts a REAL pymilvus client with a `milvus-tls gen` set.

This is the Go half of the key-type proof (test_gen_handshake.py is the grpcio half): for every key type gen
offers, Milvus starts in tlsMode 2 with the generated server.pem/server.key/ca.pem and a real
pymilvus.MilvusClient with client.pem/client.key/ca.pem makes calls. Negative control: the same server
refuses a client that sends no certificate. Rotation: a server re-issued with --from-ca accepts the OLD client.
"""
from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("milvus")
pytest.importorskip("pymilvus")

from milvus_tls_check import cli  # noqa: E402
from milvus_tls_check.gen import GEN_KEY_TYPES  # noqa: E402
from milvus_tls_lab.realmilvus import (  # noqa: E402
    grpc_reason_lines,
    milvus_tls_log_lines,
    pymilvus_connect,
    running_milvus,
)

pytestmark = pytest.mark.integration

NAME = "localhost"


def gen(out: Path, *extra: str) -> Path:
    assert cli.main(["gen", "--out", str(out), "--name", NAME, "--ip", "127.0.0.1", *extra]) == 0
    return out


def mutual_kwargs(client_dir: Path, ca_dir: Path) -> dict:
    return {"client_pem_path": str(client_dir / "client.pem"), "client_key_path": str(client_dir / "client.key"),
            "ca_pem_path": str(ca_dir / "ca.pem"), "server_name": NAME}


def explain(m, out) -> str:
    return (f"client: {out.error}\n grpc: {grpc_reason_lines(out.stderr)}\n"
            f" milvus: {milvus_tls_log_lines(m.log_text())}")


@pytest.mark.parametrize("key_type", GEN_KEY_TYPES)
def test_mode2_real_milvus_accepts_generated_set(tmp_path: Path, capsys, key_type: str) -> None:
    d = gen(tmp_path / "tls", "--key-type", key_type)
    capsys.readouterr()
    with running_milvus(tmp_path / "run", tls_mode=2, server_pem=d / "server.pem", server_key=d / "server.key",
                        ca_pem=d / "ca.pem", name=f"gen-{key_type}") as m:
        assert m.started, f"Milvus exited at start ({m.exit_code}): {milvus_tls_log_lines(m.log_text())}"
        out = pymilvus_connect(m.uri_tls, timeout=15, **mutual_kwargs(d, d))
        assert out.ok, explain(m, out)
        # negative control: one-way trust only, so pymilvus sends no client certificate; mode 2 refuses it
        refused = pymilvus_connect(m.uri_tls, timeout=10, server_pem_path=str(d / "ca.pem"), server_name=NAME)
        assert not refused.ok, refused.result


def test_mode1_real_milvus_with_the_printed_one_way_call(tmp_path: Path, capsys) -> None:
    d = gen(tmp_path / "tls", "--key-type", "ec-p256")
    capsys.readouterr()
    with running_milvus(tmp_path / "run", tls_mode=1, server_pem=d / "server.pem", server_key=d / "server.key",
                        name="gen-mode1") as m:
        assert m.started, f"Milvus exited at start ({m.exit_code}): {milvus_tls_log_lines(m.log_text())}"
        out = pymilvus_connect(m.uri_tls, timeout=15, server_pem_path=str(d / "ca.pem"), server_name=NAME)
        assert out.ok, explain(m, out)


def test_rotated_server_accepts_the_old_client(tmp_path: Path, capsys) -> None:
    old = gen(tmp_path / "old")
    new = tmp_path / "new"
    assert cli.main(["gen", "--out", str(new), "--name", NAME, "--from-ca", str(old / "ca.pem"),
                     "--ca-key", str(old / "ca.key")]) == 0
    capsys.readouterr()
    assert (new / "ca.pem").read_bytes() == (old / "ca.pem").read_bytes()
    with running_milvus(tmp_path / "run", tls_mode=2, server_pem=new / "server.pem", server_key=new / "server.key",
                        ca_pem=new / "ca.pem", name="gen-rotated") as m:
        assert m.started, f"Milvus exited at start ({m.exit_code}): {milvus_tls_log_lines(m.log_text())}"
        out = pymilvus_connect(m.uri_tls, timeout=15, **mutual_kwargs(old, old))
        assert out.ok, explain(m, out)
