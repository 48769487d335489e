"""--client milvus-cli: its connect line (--milvus-cli-args) read as milvus-cli 1.2.1 reads it, judged with grpc's rules
(pymilvus 2.6 underneath), and run as the real pymilvus 2.6 with exactly milvus-cli's arguments against the Go
rehearsal. Certificates made in the test; the verdict, the codes and the exit status are asserted."""
from __future__ import annotations

import json

import pytest

from tests.certfactory import good_set
from milvus_tls_check.cli import main
from milvus_tls_check.clientkinds.milvus_cli import read_args


def _write(d, g):
    d.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, data in (("server.pem", g.server.cert_pem()), ("server.key", g.server.key_pem()),
                       ("ca.pem", g.ca.cert_pem())):
        (d / name).write_bytes(data)
        out[name] = str(d / name)
    (d / "server.key").chmod(0o600)
    return out


def _doctor(capsys, f, mode, line, *extra):
    code = main(["doctor", "--tls-mode", mode, "--server-pem", f["server.pem"], "--server-key", f["server.key"],
                 "--ca-pem", f["ca.pem"], "--format", "json", "--milvus-cli-args", line, *extra])
    report = json.loads(capsys.readouterr().out)
    cli = next(c for c in report["clients"] if c["client"] == "milvus-cli")
    return code, cli["mode_verdicts"][mode], cli["causes"][mode], report


def test_the_connect_line_as_milvus_cli_reads_it():
    one = read_args("connect -uri https://milvus.local:19530 -tls 1 -cert /ca.pem")
    assert (one.secure, one.ca, one.server_name, one.address, one.said) == (True, "/ca.pem", None,
                                                                            "milvus.local:19530", ())
    # https:// alone means -tls 1 (no root: the system roots); http:// means 0
    assert read_args("connect -uri https://h:19530").secure and not read_args("connect -uri http://h:19530").secure
    assert read_args("connect -uri https://h -tls 1").address == "h"   # no port: pymilvus dials 443
    with pytest.raises(Exception):
        read_args("connect -uri https://h -tls x")


def test_tls_2_is_not_implemented(tmp_path, capsys):
    f = _write(tmp_path, good_set())
    code, verdict, causes, _ = _doctor(capsys, f, "1", f"connect -uri https://localhost:19530 -tls 2 -cert {f['ca.pem']}",
                                       "--no-handshake")
    assert (code, verdict, causes) == (1, "fail", ["client.mode_unsupported"])
    # near miss: -tls 1 with the same files
    code, verdict, causes, _ = _doctor(capsys, f, "1", f"connect -uri https://localhost:19530 -tls 1 -cert {f['ca.pem']}",
                                       "--no-handshake")
    assert (code, verdict, causes) == (0, "pass", [])


def test_cert_without_tls_1_is_ignored(tmp_path, capsys):
    f = _write(tmp_path, good_set())
    code, verdict, causes, report = _doctor(capsys, f, "1", f"connect -uri https://localhost:19530 -tls 0 -cert "
                                            f"{f['ca.pem']}", "--no-handshake")
    assert verdict == "fail" and causes == ["chain.untrusted"] and code == 1   # the system roots; and a warning:
    ignored = next(x for x in report["findings"] if x["code"] == "client.setting_ignored")
    assert ignored["severity"] == "warning" and "only with -tls 1" in ignored["message"]


def test_no_server_name_so_the_uri_host_is_checked(tmp_path, capsys):
    f = _write(tmp_path, good_set(ips=()))
    code, verdict, causes, _ = _doctor(capsys, f, "1", f"connect -uri https://127.0.0.1:19530 -tls 1 -cert {f['ca.pem']}",
                                       "--no-handshake")
    assert (code, verdict, causes) == (1, "fail", ["name.mismatch"])


def test_real_pymilvus_with_milvus_cli_arguments(tmp_path, capsys):
    from milvus_tls_check.handshake import gofront, venvs
    assert gofront.toolchains(), "no Go toolchain: python -m milvus_tls_check.handshake.gofront install 1.25"
    venvs.install("2.6")
    f = _write(tmp_path, good_set(ips=()))
    code, verdict, _, report = _doctor(capsys, f, "1", f"connect -uri https://localhost:19530 -tls 1 -cert "
                                       f"{f['ca.pem']}", "--rehearsal", "go")
    real = next(h for h in report["handshakes"] if h["client"] == "milvus-cli")
    assert (code, verdict, real["ok"]) == (0, "pass", True) and "pymilvus 2.6.17" in real["detail"]
    code, verdict, causes, report = _doctor(capsys, f, "1", f"connect -uri https://127.0.0.1:19530 -tls 1 -cert "
                                            f"{f['ca.pem']}", "--rehearsal", "go")
    real = next(h for h in report["handshakes"] if h["client"] == "milvus-cli")
    assert (code, verdict) == (1, "fail") and not real["ok"] and real["code"] == "name.mismatch"
    assert "Hostname Verification Check failed" in real["detail"]
