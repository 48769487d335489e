"""Issue 13, "nothing mis-judged for missing input": what the user sees when an input is absent rather than wrong."""
from __future__ import annotations

import json
import re
import os
import shutil
from pathlib import Path

from tests.helpers import codes, doctor_json, run_cli


def _mode2(docs: Path) -> Path:
    text = (docs / "milvus.yaml").read_text()
    (docs / "milvus.yaml").write_text(text.replace("    tlsMode: 1", "    tlsMode: 2"))
    return docs / "docker-compose.yml"


def test_compose_mode2_uses_the_client_pair_in_the_mounted_folder(docs, capsys):
    status, report = doctor_json(["--compose", str(_mode2(docs))], capsys)
    assert report["modes"] == [2]
    assert not codes(report, "error"), report["findings"]
    assert status == 0
    assert report["inputs"]["client_pem"] == str(docs / "tls" / "client.pem")
    note = next(n for n in report["notes"] if n.startswith("mutual TLS: no client certificate was given"))
    assert "client.pem and client.key" in note and "/milvus/tls" in note and "--client-pem PATH" in note


def test_compose_mode2_without_client_material_is_not_run_not_an_error(docs, capsys):
    (docs / "tls" / "client.pem").unlink()
    (docs / "tls" / "client.key").unlink()
    status, report = doctor_json(["--compose", str(_mode2(docs))], capsys)
    assert not {"client.params_incomplete", "client.cert_missing"} & codes(report), report["findings"]
    skipped = [c for c in report["checks"] if c["status"] == "not_run" and c["check"] == "client"]
    assert len(skipped) == 1 and skipped[0]["mode"] == 2
    assert "--client-pem PATH --client-key PATH" in skipped[0]["reason"]
    # not judged is not proven (issue 19): incomplete, exit 4, and the report says what to add
    assert status == 4 and report["verdict"] == "incomplete" and report["mode_verdicts"] == {"2": "incomplete"}
    [unjudged] = report["unjudged"]
    assert unjudged["side"] == "client" and "--client-pem PATH --client-key PATH" in unjudged["add"]


def test_server_flags_with_tls_mode_2_and_no_client_cert_show_skip_with_the_flags(good_dir, capsys):
    status, out, err = run_cli(["doctor", "--server-pem", str(good_dir / "server.pem"), "--server-key",
                                str(good_dir / "server.key"), "--ca-pem", str(good_dir / "ca.pem"),
                                "--tls-mode", "2", "--no-handshake"], capsys)
    assert "SKIP  mode 2: pymilvus parameters select the right channel" in out
    assert "could not run: no client certificate was given" in out and "--client-pem PATH --client-key PATH" in out
    assert "client.cert_missing" not in out and "client.params_incomplete" not in out
    assert status == 4, out
    assert re.search(r"INCOMPLETE: 0 errors, \d+ warnings?; mode 2 \(mutual TLS\): incomplete", out), out
    assert "TODO  mode 2 (mutual TLS): the client side was not judged" in out


def test_without_tls_mode_and_client_cert_a_note_says_mode_2_was_not_judged(good_dir, capsys):
    status, report = doctor_json(["--server-pem", str(good_dir / "server.pem"), "--server-key",
                                  str(good_dir / "server.key")], capsys)
    assert report["modes"] == [1] and status == 0
    assert any(n.startswith("mode 2 (mutual TLS) was not judged") and "--client-pem PATH --client-key PATH" in n
               for n in report["notes"])


def test_dir_with_cert_manager_names(good_dir, tmp_path, capsys):
    d = tmp_path / "cm"
    d.mkdir()
    for src, dst in (("server.pem", "tls.crt"), ("server.key", "tls.key"), ("ca.pem", "ca.crt")):
        shutil.copy(good_dir / src, d / dst)
    os.chmod(d / "tls.key", 0o600)
    status, report = doctor_json(["--dir", str(d), "--tls-mode", "1"], capsys)
    assert "file.missing" not in codes(report), report["findings"]
    assert report["inputs"]["server_pem"] == str(d / "tls.crt")
    assert any("read the cert-manager layout" in n for n in report["notes"])
    assert status == 0


def test_misnested_tls_mode_judges_the_effective_mode_0(good_dir, tmp_path, capsys):
    y = tmp_path / "milvus.yaml"
    y.write_text(f"tls:\n  serverPemPath: {good_dir / 'server.pem'}\n  serverKeyPath: {good_dir / 'server.key'}\n"
                 f"  caPemPath: {good_dir / 'ca.pem'}\n  mode: 1\n")
    status, out, err = run_cli(["doctor", "--milvus-yaml", str(y), "--no-handshake"], capsys)
    assert out.startswith("milvus-tls doctor  modes: 0 (plaintext)"), out
    assert "config.misnested: tls.mode" in out and "config.tls_disabled" in out
    assert status == 1
