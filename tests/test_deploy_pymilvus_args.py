"""--pymilvus-args: JSON text / @file / path, the client.* codes against the configured tlsMode, the printed
MilvusClient call, and that credentials in the arguments are never repeated."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from milvus_tls_check import cli
from milvus_tls_check.deploy import DeploymentError
from milvus_tls_check.deploy.pymilvus_args import parse_args
from milvus_tls_check.model import Role, Severity

from tests.helpers import deployment, DEPLOY_FIXTURES as FIX
ARGS = FIX / "pymilvus"


@pytest.fixture
def docs(docs, monkeypatch) -> Path:
    """The docs' layout; the application runs next to it, so its relative tls/... paths resolve."""
    monkeypatch.chdir(docs)
    return docs


def with_mode(d: Path, mode: str) -> str:
    p = d / f"mode{mode}.yaml"
    p.write_text((d / "milvus.yaml").read_text().replace("    tlsMode: 1", f"    tlsMode: {mode}", 1))
    return str(p)


def view(d: Path, mode: str, args: str):
    return deployment(milvus_yaml=[with_mode(d, mode)], compose=str(d / "docker-compose.yml"),
                           pymilvus_args=args, environ={})


def found(v, code):
    return [f for f in v.findings if f.code == code]


def codes(v) -> set[str]:
    return {f.code for f in v.findings}


# --- parsing ----------------------------------------------------------------------------------------------------

def test_json_text_at_file_and_path():
    text = (ARGS / "one-way.json").read_text()
    a, b, c = parse_args(text), parse_args(f"@{ARGS / 'one-way.json'}"), parse_args(str(ARGS / "one-way.json"))
    assert a.server_pem_path == b.server_pem_path == c.server_pem_path == "tls/server.pem"
    assert a.source == "--pymilvus-args" and b.source == c.source == "one-way.json"
    assert a.secure and a.trust == "server_pem" and a.effective_uri() == "https://localhost:19530"
    h = parse_args('{"host": "10.0.0.5", "port": 19530, "secure": true}')
    assert h.effective_uri() == "https://10.0.0.5:19530"
    assert parse_args('{"uri": "https://milvus.example.com"}').effective_uri() == "https://milvus.example.com:443"


def test_bad_args_are_usage_errors(capsys, tmp_path):
    with pytest.raises(DeploymentError, match="not JSON"):
        parse_args("{uri: nope}")
    with pytest.raises(DeploymentError, match="JSON object"):
        parse_args("[1, 2]")
    with pytest.raises(DeploymentError, match="no such file"):
        parse_args(str(tmp_path / "missing.json"))
    status = cli.main(["doctor", "--pymilvus-args", "{oops", "--no-handshake"])
    assert status == 2 and "not JSON" in capsys.readouterr().err


def test_view_carries_the_client_side(docs):
    v = view(docs, "2", str(ARGS / "mutual.json"))
    assert v.client_explicit == frozenset({Role.CLIENT_CERT, Role.CLIENT_KEY, Role.CLIENT_CA})
    assert v.paths[Role.CLIENT_CERT] == "tls/client.pem"
    assert v.server_name == "localhost" and v.facts.client.effective_uri() == "https://localhost:19530"
    assert v.findings == ()


# --- client.params_conflict -------------------------------------------------------------------------------------

def test_params_conflict_triggered_against_mode_2(docs):
    [f] = found(view(docs, "2", str(ARGS / "conflict.json")), "client.params_conflict")
    assert f.severity is Severity.ERROR and f.modes == (2,)
    assert "never sends the client certificate" in f.message and "conflict.json" in f.message


def test_params_conflict_is_a_warning_against_mode_1(docs):
    [f] = found(view(docs, "1", str(ARGS / "conflict.json")), "client.params_conflict")
    assert f.severity is Severity.WARNING and "harmless with tlsMode 1" in f.message


def test_params_conflict_silent_on_correct_arguments(docs):
    assert "client.params_conflict" not in codes(view(docs, "2", str(ARGS / "mutual.json")))
    assert "client.params_conflict" not in codes(view(docs, "1", str(ARGS / "one-way.json")))


# --- client.params_incomplete -----------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["1", "2"])
def test_params_incomplete_triggered_by_ca_alone(docs, mode):
    [f] = found(view(docs, mode, str(ARGS / "ca-only.json")), "client.params_incomplete")
    assert f.severity is Severity.ERROR and "system roots" in f.message
    assert "only ca_pem_path" in f.message and "client_pem_path and client_key_path" in f.message


def test_params_incomplete_triggered_by_a_client_pair_without_ca(docs):
    args = '{"uri": "https://localhost:19530", "client_pem_path": "tls/client.pem", "client_key_path": "tls/client.key"}'
    assert found(view(docs, "2", args), "client.params_incomplete")


def test_params_incomplete_silent_on_correct_arguments(docs):
    for mode, name in (("2", "mutual"), ("1", "one-way")):
        assert "client.params_incomplete" not in codes(view(docs, mode, str(ARGS / f"{name}.json")))


# --- client.mode_mismatch -----------------------------------------------------------------------------------------

def test_mode_mismatch_one_way_arguments_against_mode_2(docs):
    [f] = found(view(docs, "2", str(ARGS / "one-way.json")), "client.mode_mismatch")
    assert "tlsMode is 2" in f.message and "client didn't provide a certificate" in f.message


def test_mode_mismatch_tls_client_against_mode_0(docs):
    v = view(docs, "0", str(ARGS / "one-way.json"))
    [f] = found(v, "client.mode_mismatch")
    assert "https://" in f.message and "WRONG_VERSION_NUMBER" in f.message
    assert "config.tls_disabled" in codes(v)


def test_mode_mismatch_plaintext_client_against_tls(docs):
    [f] = found(view(docs, "1", str(ARGS / "plaintext.json")), "client.mode_mismatch")
    assert "http://localhost:19530" in f.message and "ignores server_pem_path" in f.message


def test_mode_mismatch_system_roots_against_a_private_ca(docs):
    [f] = found(view(docs, "1", '{"uri": "https://localhost:19530"}'), "client.mode_mismatch")
    assert f.severity is Severity.ERROR and "private CA" in f.message


def test_mode_mismatch_silent_when_arguments_fit(docs):
    assert view(docs, "1", str(ARGS / "one-way.json")).findings == ()
    assert view(docs, "2", str(ARGS / "mutual.json")).findings == ()
    assert "client.mode_mismatch" not in codes(view(docs, "0", str(ARGS / "plaintext.json")))


# --- the printed call and secrecy ---------------------------------------------------------------------------------

def test_call_note_per_mode(docs):
    one = view(docs, "1", str(ARGS / "one-way.json")).notes
    assert ('pymilvus call for tlsMode 1 (one-way), with the paths the application sees: MilvusClient('
            'uri="https://localhost:19530", server_pem_path="tls/server.pem", server_name="localhost")') in one
    two = deployment(milvus_yaml=[with_mode(docs, "2")], compose=str(docs / "docker-compose.yml"), environ={}).notes
    call = next(n for n in two if n.startswith("pymilvus call for tlsMode 2"))
    assert f'client_pem_path="{docs / "tls" / "client.pem"}"' in call
    assert f'client_key_path="{docs / "tls" / "client.key"}"' in call
    assert f'ca_pem_path="{docs / "tls" / "ca.pem"}"' in call and "server_pem_path" not in call
    zero = deployment(milvus_yaml=[with_mode(docs, "0")], compose=str(docs / "docker-compose.yml"), environ={}).notes
    assert any('MilvusClient(uri="http://localhost:19530")' in n for n in zero)


def test_published_port_goes_into_the_call(docs):
    compose = docs / "docker-compose.yml"
    compose.write_text(compose.read_text().replace('"19530:19530"', '"29530:19530"'))
    v = deployment(compose=str(compose), environ={})
    assert any('uri="https://localhost:29530"' in n for n in v.notes)


def test_credentials_are_never_printed(docs, capsys):
    for fmt in ("text", "json", "markdown", "junit"):
        cli.main(["doctor", "--compose", str(docs / "docker-compose.yml"), "--pymilvus-args",
                  str(ARGS / "conflict.json"), "--tls-mode", "2", "--no-handshake", "--format", fmt])
        out, err = capsys.readouterr()
        assert "root:Milvus" not in out + err and "token=" not in out + err and '"token"' not in out + err


def test_end_to_end_mutual_arguments_against_mode_2(docs, capsys):
    status = cli.main(["doctor", "--milvus-yaml", with_mode(docs, "2"), "--compose", str(docs / "docker-compose.yml"),
                       "--pymilvus-args", str(ARGS / "mutual.json"), "--no-handshake", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 0 and report["modes"] == [2], report["findings"]
    status = cli.main(["doctor", "--milvus-yaml", with_mode(docs, "2"), "--compose", str(docs / "docker-compose.yml"),
                       "--pymilvus-args", str(ARGS / "one-way.json"), "--no-handshake", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 1 and "client.mode_mismatch" in {f["code"] for f in report["findings"]}
