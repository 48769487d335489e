"""Issue 19 item 5: --uri with nothing listening. The header never says the server answered, and the suggested
pymilvus call uses the --uri and the --server-name the user gave."""
from __future__ import annotations

import socket

from milvus_tls_check.handshake.serverbuild import server_build
from milvus_tls_check.model import Handshake, Request, ServerImpl, ServerKind

from tests.helpers import run_cli

NAME = "milvus.example.com"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]   # closed when the with-block ends: nothing listens there


def _header(out: str) -> list[str]:
    return out.split("\n\n", 1)[0].splitlines()


def test_nothing_listening_is_not_said_to_have_answered(capsys):
    port = _closed_port()
    status, out, _ = run_cli(["doctor", "--uri", f"https://127.0.0.1:{port}", "--server-name", NAME, "--timeout", "2"],
                             capsys)
    assert status == 1
    header = "\n".join(_header(out))
    assert "at --uri answered" not in header
    assert "rehearsal: none: nothing answered at --uri (net.refused): no server was reached" in header
    assert f"server_name: {NAME}" in header


def test_the_header_says_answered_only_when_an_attempt_connected():
    request = Request(paths={}, uri="https://127.0.0.1:1")
    live = ServerImpl(ServerKind.LIVE)

    def attempt(code: str, ok: bool = False) -> Handshake:
        return Handshake(mode=1, target=request.uri, ok=ok, code=code, detail="", server_impl=live)
    assert server_build(request, [attempt("net.refused"), attempt("handshake.failed")]).rehearsal == \
        "none: nothing answered at --uri (net.refused): no server was reached"
    assert server_build(request, [attempt("handshake.ok", ok=True)]).rehearsal == \
        "none: the live server at --uri answered"
    assert server_build(request, [attempt("tls.server_cert_untrusted")]).rehearsal == \
        "none: the live server at --uri answered"
    assert server_build(request, []).rehearsal == "none: the live server at --uri was not dialled"


def test_the_suggested_pymilvus_call_uses_the_uri_and_server_name_given(docs, capsys):
    port = _closed_port()
    status, out, _ = run_cli(["doctor", "--compose", str(docs / "docker-compose.yml"), "--uri",
                              f"https://127.0.0.1:{port}", "--server-name", NAME, "--timeout", "2"], capsys)
    call = next(line for line in out.splitlines() if line.startswith("  note: pymilvus call for tlsMode 1"))
    assert f'uri="https://127.0.0.1:{port}"' in call and f'server_name="{NAME}"' in call
    assert "localhost" not in call
    assert "at --uri answered" not in "\n".join(_header(out))


def test_without_server_name_the_call_keeps_the_name_the_certificate_carries(docs, capsys):
    status, out, _ = run_cli(["doctor", "--compose", str(docs / "docker-compose.yml"), "--no-handshake"], capsys)
    call = next(line for line in out.splitlines() if line.startswith("  note: pymilvus call for tlsMode 1"))
    assert 'uri="https://localhost:19530"' in call and 'server_name="localhost"' in call


def test_client_call_keeps_the_given_server_name_over_the_application_arguments(docs, tmp_path, capsys):
    args = tmp_path / "app.json"
    args.write_text('{"uri": "https://localhost:19530", "server_pem_path": "%s"}' % (docs / "tls" / "server.pem"))
    status, out, _ = run_cli(["doctor", "--compose", str(docs / "docker-compose.yml"), "--pymilvus-args", str(args),
                              "--server-name", NAME, "--client", "pymilvus", "--no-handshake"], capsys)
    call = next(line for line in out.splitlines() if line.startswith("  note: pymilvus") and "MilvusClient(" in line
                and "tlsMode" not in line.split("MilvusClient(")[0])
    assert f"server_name='{NAME}'" in call
