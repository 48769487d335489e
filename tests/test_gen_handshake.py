"""Every key type `milvus-tls gen` offers survives a REAL mutual-TLS handshake in grpcio (pymilvus' transport).

A grpcio server on 127.0.0.1 presents the generated server certificate and requires a client certificate signed
by ca.pem (as Milvus does in tlsMode 2); a grpcio client built the way pymilvus builds its mutual channel
(root = ca.pem, client.pem + client.key, grpc.ssl_target_name_override = server_name) makes one unary call
through a generic handler. The negative controls prove the server really demands the client certificate.
Go's side (the real Milvus) is exercised by test_gen_real_milvus.py.
"""
from __future__ import annotations

from concurrent import futures
from pathlib import Path

import pytest

grpc = pytest.importorskip("grpc")

from milvus_tls_check import cli  # noqa: E402
from milvus_tls_check.gen import GEN_KEY_TYPES  # noqa: E402
from tests.helpers import HANDSHAKE_NAME, SERVICE, assert_passes, doctor  # noqa: E402
from tests.helpers import grpc_call as call, mtls_server  # noqa: E402

NAME = HANDSHAKE_NAME


def make(tmp_path: Path, sub: str, *extra: str) -> Path:
    out = tmp_path / sub
    assert cli.main(["gen", "--out", str(out), "--name", NAME, "--ip", "127.0.0.1", *extra]) == 0
    return out


@pytest.mark.parametrize("key_type", GEN_KEY_TYPES)
def test_mutual_handshake_and_one_call_per_key_type(tmp_path: Path, capsys, key_type: str) -> None:
    d = make(tmp_path, key_type, "--key-type", key_type)
    capsys.readouterr()
    assert_passes(doctor(1, d, server_name=NAME))
    assert_passes(doctor(2, d, server_name=NAME))
    with mtls_server(d) as port:
        assert call(port, d / "ca.pem", d) == b"pong:hello"                       # by DNS SAN (server_name)
        assert call(port, d / "ca.pem", d, server_name=None) == b"pong:hello"     # by IP SAN (dialled 127.0.0.1)
        # negative controls: the server demands a client cert; the client checks the server name
        with pytest.raises(grpc.RpcError) as no_cert:
            call(port, d / "ca.pem", None, timeout=5)
        assert no_cert.value.code() == grpc.StatusCode.UNAVAILABLE
        with pytest.raises(grpc.RpcError) as wrong_name:
            call(port, d / "ca.pem", d, server_name="other.example.com", timeout=5)
        assert wrong_name.value.code() == grpc.StatusCode.UNAVAILABLE


def test_one_way_with_ca_pem_as_server_pem_path(tmp_path: Path, capsys) -> None:
    """tlsMode 1 as gen prints it: pymilvus' server_pem_path=ca.pem is the root, no client cert is sent."""
    d = make(tmp_path, "s", "--key-type", "ec-p256")
    capsys.readouterr()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    try:
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
            SERVICE, {"Ping": grpc.unary_unary_rpc_method_handler(lambda r, c: b"pong:" + r)}),))
        port = server.add_secure_port("127.0.0.1:0", grpc.ssl_server_credentials(
            [((d / "server.key").read_bytes(), (d / "server.pem").read_bytes())]))
        server.start()
        assert call(port, d / "ca.pem", None) == b"pong:hello"
        assert call(port, d / "server.pem", None) == b"pong:hello"   # the docs' way works too
    finally:
        server.stop(grace=None).wait(5)


def test_rotated_server_accepts_an_old_client(tmp_path: Path, capsys) -> None:
    old = make(tmp_path, "old")
    new = tmp_path / "new"
    assert cli.main(["gen", "--out", str(new), "--name", NAME, "--from-ca", str(old / "ca.pem"),
                     "--ca-key", str(old / "ca.key"), "--key-type", "ec-p256"]) == 0
    capsys.readouterr()
    assert (new / "ca.pem").read_bytes() == (old / "ca.pem").read_bytes()
    assert_passes(doctor(2, new, client_dir=old, server_name=NAME))
    with mtls_server(new) as port:
        assert call(port, new / "ca.pem", old) == b"pong:hello"     # old client cert, new server cert
        assert call(port, old / "ca.pem", new) == b"pong:hello"     # new client cert, client's old ca.pem
    # and a set from an unrelated CA is rejected by the same server: the proof is not vacuous
    stranger = make(tmp_path, "stranger")
    capsys.readouterr()
    with mtls_server(new) as port:
        with pytest.raises(grpc.RpcError):
            call(port, new / "ca.pem", stranger, timeout=5)
