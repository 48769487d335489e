"""The tools around Milvus as clients (issue #21): Attu's environment (--attu-env) judged as the Node SDK client Attu
makes, and milvus-backup's backup.yaml (--backup-config) judged as the Go client milvus-backup makes. A deployment
reader hands the client kind its TLS inputs (Draft.client_tls); the kind is selected by it. Static verdicts per
client, codes, fixes and exit status; then the real Node SDK and the real Go client against the Go rehearsal."""
from __future__ import annotations

import json

import pytest

from milvus_tls_check.cli import main
from milvus_tls_check.deploy.attu_env import read_attu_env
from milvus_tls_check.deploy.backup_config import read_backup_config


def _doctor(capsys, d, *extra, mode=None):
    args = ["doctor", "--dir", str(d), "--format", "json", *extra]
    if mode:
        args += ["--tls-mode", mode]
    code = main(args)
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip().startswith("{") else out


def _client(report, kind):
    return next(c for c in report["clients"] if c["client"].split("==")[0] == kind)


def _codes(report):
    return {f["code"]: f for f in report["findings"]}


def _env(tmp_path, text, name="attu.env"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


# ---- Attu: its environment as the Node SDK's tls object ----------------------------------------------------------

def test_attu_v3_names_as_the_node_sdk_gets_them(tmp_path, good_dir):
    cfg, notes = read_attu_env(_env(tmp_path, f"""# Attu v3, README "TLS / SSL"
MILVUS_ADDRESS=https://milvus.local
MILVUS_SSL="true"
export MILVUS_TLS_ROOT_CERT_PATH={good_dir}/ca.pem
MILVUS_TLS_PRIVATE_KEY_PATH=certs/client.key
MILVUS_TLS_CERT_CHAIN_PATH={good_dir}/client.pem   # the pair
MILVUS_TLS_SERVER_NAME=localhost
"""))
    assert (cfg.ca, cfg.cert, cfg.server_name, cfg.address, cfg.secure, cfg.said) == (
        f"{good_dir}/ca.pem", f"{good_dir}/client.pem", "localhost", "milvus.local:19530", True, ())
    assert cfg.key == str(tmp_path / "certs" / "client.key")    # relative: from the file's folder
    # Attu 2.x names: MILVUS_URL pre-fills the form; ssl comes from the form (judged on, said in a note)
    cfg, notes = read_attu_env(_env(tmp_path, f"MILVUS_URL=milvus:19531\nROOT_CERT_PATH={good_dir}/ca.pem\n"))
    assert (cfg.ca, cfg.address, cfg.secure) == (f"{good_dir}/ca.pem", "milvus:19531", True)
    assert "connect form" in notes[0]


def test_attu_key_without_root_is_ignored_trigger_and_near_miss(tmp_path, good_dir, capsys):
    """Attu reads PRIVATE_KEY_PATH, CERT_CHAIN_PATH and SERVER_NAME only when ROOT_CERT_PATH is set."""
    pair = f"MILVUS_TLS_PRIVATE_KEY_PATH={good_dir}/client.key\nMILVUS_TLS_CERT_CHAIN_PATH={good_dir}/client.pem\n"
    env = _env(tmp_path, "MILVUS_ADDRESS=localhost:19530\nMILVUS_SSL=true\n" + pair)
    code, report = _doctor(capsys, good_dir, "--attu-env", env, "--no-handshake", mode="2")
    node = _client(report, "node")    # the reader names the kind: no --client needed
    assert (code, node["mode_verdicts"], node["causes"]["2"]) == (1, {"2": "fail"},
                                                                   ["chain.untrusted", "client.cert_missing"])
    ignored = _codes(report)["client.setting_ignored"]
    assert ignored["severity"] == "warning" and ignored["subject"] == "node==3 client (--attu-env)"
    assert "MILVUS_TLS_PRIVATE_KEY_PATH, MILVUS_TLS_CERT_CHAIN_PATH" in ignored["message"]
    assert ignored["fix"].startswith("In attu.env add MILVUS_TLS_ROOT_CERT_PATH=/path/ca.pem")
    assert _codes(report)["client.cert_missing"]["fix"].startswith("In attu.env set MILVUS_TLS_CERT_CHAIN_PATH=")
    # near miss: the root path beside them
    env = _env(tmp_path, f"MILVUS_ADDRESS=localhost:19530\nMILVUS_SSL=true\nMILVUS_TLS_ROOT_CERT_PATH={good_dir}/ca.pem\n"
               + pair)
    code, report = _doctor(capsys, good_dir, "--attu-env", env, "--no-handshake", mode="2")
    assert (code, _client(report, "node")["mode_verdicts"]) == (0, {"2": "pass"})
    assert "client.setting_ignored" not in _codes(report)


def test_attu_names_it_does_not_read(tmp_path, good_dir, capsys):
    env = _env(tmp_path, f"MILVUS_TLS_ROOT_CERT={good_dir}/ca.pem\nMILVUS_SSL=true\n")
    code, report = _doctor(capsys, good_dir, "--attu-env", env, "--no-handshake", mode="1")
    ignored = _codes(report)["client.setting_ignored"]
    assert "did you mean MILVUS_TLS_ROOT_CERT_PATH?" in ignored["message"]
    assert ignored["fix"] == "In attu.env rename MILVUS_TLS_ROOT_CERT to MILVUS_TLS_ROOT_CERT_PATH."
    assert (code, _client(report, "node")["causes"]["1"]) == (1, ["chain.untrusted"])   # the system roots


def test_attu_without_ssl_dials_plaintext(tmp_path, good_dir, capsys):
    code, report = _doctor(capsys, good_dir, "--attu-env", _env(tmp_path, "MILVUS_ADDRESS=localhost:19530\n"
                                                                            "MILVUS_SSL=false\n"), "--no-handshake",
                           mode="1")
    assert (code, _client(report, "node")["causes"]["1"]) == (1, ["client.mode_mismatch"])
    assert _codes(report)["client.mode_mismatch"]["fix"] == ("In attu.env set MILVUS_SSL=true and "
                                                             "MILVUS_TLS_ROOT_CERT_PATH=/path/ca.pem.")


def test_a_reader_and_the_kinds_own_args_together_are_a_usage_error(tmp_path, good_dir, capsys):
    env = _env(tmp_path, f"MILVUS_TLS_ROOT_CERT_PATH={good_dir}/ca.pem\n")
    code = main(["doctor", "--dir", str(good_dir), "--attu-env", env, "--node-args", '{"ssl": true}'])
    assert code == 2 and "--attu-env and --node-args both give the node client's TLS settings" in \
        capsys.readouterr().err
    code = main(["doctor", "--dir", str(good_dir), "--attu-env", str(tmp_path / "absent.env")])
    assert code == 2 and "no such file" in capsys.readouterr().err


# ---- milvus-backup: backup.yaml as the Go client's tls.Config ----------------------------------------------------

V1 = """milvus:
  address: localhost
  port: 19530
  tlsMode: {mode}
  caCertPath: {d}/ca.pem
  serverName: localhost
{pair}"""
V2 = """configVersion: v2
milvus:
  grpc:
    address: localhost
    port: 19530
    tlsMode: {mode}
    caCertPath: {d}/ca.pem
{pair}{rest}"""
REST = "  rest:\n    endpoint: https://localhost:19121\n"


def _backup(tmp_path, d, template=V1, mode="1", pair=True, rest=REST, indent="  "):
    text = template.format(mode=mode, d=d, rest=rest, pair=(
        f"{indent}mtlsCertPath: {d}/client.pem\n{indent}mtlsKeyPath: {d}/client.key\n" if pair else ""))
    p = tmp_path / "backup.yaml"
    p.write_text(text)
    return str(p)


def test_backup_v1_and_v2_as_milvus_backup_reads_them(tmp_path, good_dir):
    cfg = read_backup_config(_backup(tmp_path, good_dir, mode="2"))
    assert (cfg.ca, cfg.cert, cfg.key, cfg.server_name, cfg.address, cfg.secure, cfg.rest) == (
        f"{good_dir}/ca.pem", f"{good_dir}/client.pem", f"{good_dir}/client.key", "localhost", "localhost:19530",
        True, "https://localhost:19530")
    cfg = read_backup_config(_backup(tmp_path, good_dir, V2, "server", indent="    "))
    assert (cfg.cert, cfg.key, cfg.rest, cfg.said[0][0]) == (None, None, "https://localhost:19121",
                                                             "client.setting_ignored")   # the pair, unread


def test_backup_v1_mutual_without_pair_downgrades_trigger_and_near_miss(tmp_path, good_dir, capsys):
    code, report = _doctor(capsys, good_dir, "--backup-config", _backup(tmp_path, good_dir, mode="2", pair=False),
                           "--no-handshake", mode="2")
    go = _client(report, "go")
    assert (code, go["mode_verdicts"]) == (1, {"2": "fail"})
    assert go["causes"]["2"][:1] == ["client.mutual_downgraded"]
    f = _codes(report)["client.mutual_downgraded"]
    assert "milvus.mtlsCertPath and milvus.mtlsKeyPath are not set" in f["message"] and f["modes"] == [2]
    assert f["fix"].startswith("In backup.yaml set milvus.mtlsCertPath: /path/client.pem and milvus.mtlsKeyPath:")
    # near miss: the pair is there (mode 2 is sent the certificate; REST is the only other finding of a v1 file)
    code, report = _doctor(capsys, good_dir, "--backup-config", _backup(tmp_path, good_dir, mode="2"),
                           "--no-handshake", mode="2")
    assert "client.mutual_downgraded" not in _codes(report) and "client.cert_missing" not in _codes(report)
    assert _client(report, "go")["causes"]["2"] == ["client.rest_on_grpc_port"]


def test_backup_rest_on_the_grpc_port_trigger_and_near_miss(tmp_path, good_dir, capsys):
    code, report = _doctor(capsys, good_dir, "--backup-config", _backup(tmp_path, good_dir, V2, "server",
                                                                        pair=False, rest=""), "--no-handshake",
                           mode="1")
    f = _codes(report)["client.rest_on_grpc_port"]
    assert (code, _client(report, "go")["causes"]["1"]) == (1, ["client.rest_on_grpc_port"])
    assert "https://localhost:19530" in f["message"] and "refuses to start" in f["message"]
    assert f["fix"] == ("In backup.yaml set `milvus.rest.endpoint: https://localhost:19121` (the port you give "
                        "Milvus's proxy.http.port, e.g. 19121).")
    # the judged line decides the words: 2.3 serves gRPC only on the port; the deployment's proxy.http.port the fix
    yaml = tmp_path / "milvus.yaml"
    yaml.write_text(f"common:\n  security:\n    tlsMode: 1\ntls:\n  serverPemPath: {good_dir}/server.pem\n"
                    f"  serverKeyPath: {good_dir}/server.key\n  caPemPath: {good_dir}/ca.pem\n"
                    "proxy:\n  http:\n    port: 8443\n")
    code, report = _doctor(capsys, good_dir, "--backup-config", str(tmp_path / "backup.yaml"), "--milvus-yaml",
                           str(yaml), "--milvus-version", "2.3.5", "--no-handshake")
    f = _codes(report)["client.rest_on_grpc_port"]
    assert "serves gRPC only on that port" in f["message"] and "https://localhost:8443" in f["fix"]
    # near miss: REST has its own endpoint
    code, report = _doctor(capsys, good_dir, "--backup-config", _backup(tmp_path, good_dir, V2, "server",
                                                                        pair=False), "--no-handshake", mode="1")
    assert (code, _client(report, "go")["mode_verdicts"]) == (0, {"1": "pass"})
    # a v1 file has no REST key: the fix says to translate it
    code, report = _doctor(capsys, good_dir, "--backup-config", _backup(tmp_path, good_dir), "--no-handshake",
                           mode="1")
    assert _codes(report)["client.rest_on_grpc_port"]["fix"].startswith("Translate backup.yaml to the v2 format")


def test_backup_plaintext_and_what_it_then_ignores(tmp_path, good_dir, capsys):
    code, report = _doctor(capsys, good_dir, "--backup-config", _backup(tmp_path, good_dir, mode="0"),
                           "--no-handshake", mode="1")
    assert (code, _client(report, "go")["causes"]["1"]) == (1, ["client.mode_mismatch"])
    ignored = _codes(report)["client.setting_ignored"]
    assert "milvus.caCertPath, milvus.serverName, milvus.mtlsCertPath, milvus.mtlsKeyPath are never read" in \
        ignored["message"]


def test_backup_v2_refusals(tmp_path, good_dir, capsys):
    code, report = _doctor(capsys, good_dir, "--backup-config", _backup(tmp_path, good_dir, V2, "1", pair=False),
                           "--no-handshake", mode="1")
    f = _codes(report)["client.mode_unsupported"]
    assert code == 1 and "a v1 value: write 'server'" in f["message"]
    assert f["fix"] == "In backup.yaml set milvus.grpc.tlsMode: server."
    code, report = _doctor(capsys, good_dir, "--backup-config", _backup(tmp_path, good_dir, V2, "mutual", pair=False),
                           "--no-handshake", mode="2")
    assert code == 1 and "milvus-backup refuses to start" in _codes(report)["client.params_incomplete"]["message"]
    # v1 names in a v2 file are never read
    text = (tmp_path / "backup.yaml").read_text() + "  tlsMode: 2\n"
    (tmp_path / "backup.yaml").write_text(text)
    code, report = _doctor(capsys, good_dir, "--backup-config", str(tmp_path / "backup.yaml"), "--no-handshake",
                           mode="2")
    assert "In backup.yaml move milvus.tlsMode to milvus.grpc.tlsMode" in _codes(report)["client.setting_ignored"]["fix"]


# ---- the real clients against the Go rehearsal -------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_clients():
    from milvus_tls_check.handshake import gofront, sdk_process
    assert gofront.toolchains(), "no Go toolchain: python -m milvus_tls_check.handshake.gofront install 1.25"
    sdk_process.install_node("3")
    sdk_process.go_binary()
    return True


def _real(report, kind, mode):
    return next(h for h in report["handshakes"] if h["client"] == kind and h["mode"] == mode)


def test_real_node_sdk_with_attus_environment(real_clients, tmp_path, good_dir, capsys):
    pair = f"MILVUS_TLS_PRIVATE_KEY_PATH={good_dir}/client.key\nMILVUS_TLS_CERT_CHAIN_PATH={good_dir}/client.pem\n"
    env = _env(tmp_path, f"MILVUS_ADDRESS=localhost:19530\nMILVUS_SSL=true\nMILVUS_TLS_ROOT_CERT_PATH={good_dir}/ca.pem\n"
               + pair)
    code, report = _doctor(capsys, good_dir, "--attu-env", env, "--rehearsal", "go")
    assert (code, _client(report, "node")["mode_verdicts"]) == (0, {"1": "pass", "2": "pass"})
    assert _real(report, "node", 2)["ok"] and "Node SDK 3.0.6" in _real(report, "node", 2)["detail"]
    # the pair without the root: Attu hands the SDK no tls object, OpenSSL trusts the system roots only
    env = _env(tmp_path, "MILVUS_ADDRESS=localhost:19530\nMILVUS_SSL=true\n" + pair)
    code, report = _doctor(capsys, good_dir, "--attu-env", env, "--rehearsal", "go", mode="2")
    real = _real(report, "node", 2)
    assert (code, real["ok"], real["code"]) == (1, False, "tls.server_cert_untrusted")


def test_real_go_client_with_backups_config(real_clients, tmp_path, good_dir, capsys):
    code, report = _doctor(capsys, good_dir, "--backup-config", _backup(tmp_path, good_dir, V2, "mutual",
                                                                        indent="    "), "--rehearsal", "go")
    assert (code, _client(report, "go")["mode_verdicts"]) == (0, {"1": "pass", "2": "pass"})
    assert _real(report, "go", 2)["ok"]
    # v1 tlsMode 2 without the key: one-way TLS, the mode-2 server asks for the certificate it never gets
    code, report = _doctor(capsys, good_dir, "--backup-config", _backup(tmp_path, good_dir, mode="2", pair=False),
                           "--rehearsal", "go", mode="2")
    real = _real(report, "go", 2)
    assert (code, real["ok"], real["code"]) == (1, False, "tls.client_cert_required")
    assert "client.mutual_downgraded" in _client(report, "go")["causes"]["2"]
    # v2 validation refuses before any connection (modelled from its source; no attempt runs)
    code, report = _doctor(capsys, good_dir, "--backup-config", _backup(tmp_path, good_dir, V2, "1", pair=False),
                           "--rehearsal", "go", mode="1")
    real = _real(report, "go", 1)
    assert (code, real["ok"], real["code"]) == (1, False, "client.mode_unsupported") and "[config]" in real["detail"]


def test_one_kind_from_two_readers_is_refused_and_fleet_paths_resolve(tmp_path):
    from milvus_tls_check.clientkinds import TlsConfig
    from milvus_tls_check.deploy.common import DeploymentError, Draft
    from milvus_tls_check.fleet import load_fleet
    draft = Draft()
    draft.add_client_tls("go", TlsConfig(source="--backup-config"), "--backup-config")
    with pytest.raises(DeploymentError, match="--other: the go client's TLS settings were already given by "
                                              "--backup-config"):
        draft.add_client_tls("go", TlsConfig(source="--other"), "--other")
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text("- name: tools\n  dir: tls\n  attu_env: attu/attu.env\n  backup_config: backup.yaml\n")
    [(_name, options)] = load_fleet(str(fleet))
    assert (options.attu_env, options.backup_config) == (str(tmp_path / "attu" / "attu.env"),
                                                         str(tmp_path / "backup.yaml"))
