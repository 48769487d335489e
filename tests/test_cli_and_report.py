"""What a user sees from the command line: exit statuses, every renderer, and no traceback on bad input."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from milvus_tls_check.codes import CATALOGUE
from milvus_tls_check.docs import render_findings_doc
from tests.helpers import answer, run_cli

ROOT = Path(__file__).resolve().parent.parent


def test_usage_errors_exit_2(capsys, tmp_path):
    assert run_cli(["doctor"], capsys)[0] == 2
    assert run_cli(["doctor", "--dir", str(tmp_path / "nope")], capsys)[0] == 2
    status, _, err = run_cli(["doctor", "--dir", str(tmp_path), "--tls-mode", "3"], capsys)
    assert status == 2 and "invalid choice" in err
    status, _, err = run_cli(["doctor", "--dir", str(tmp_path), "--at", "yesterday"], capsys)
    assert status == 2 and "ISO-8601" in err
    assert run_cli(["frobnicate"], capsys)[0] == 2


def test_empty_dir_is_findings_not_a_crash(capsys, tmp_path):
    status, out, err = run_cli(["doctor", "--dir", str(tmp_path), "--no-handshake"], capsys)
    assert status == 1 and "file.missing" in out and "Traceback" not in out + err


@pytest.mark.parametrize("content", [b"\x00\xff" * 100, b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                                     b"-----BEGIN PRIVATE KEY-----\n!!\n-----END PRIVATE KEY-----\n", b"\xef\xbb\xbf"])
def test_garbage_files_never_traceback(capsys, tmp_path, content):
    for name in ("server.pem", "server.key", "ca.pem", "client.pem", "client.key"):
        (tmp_path / name).write_bytes(content)
    for fmt in ("text", "json", "junit", "markdown"):
        status, out, err = run_cli(["doctor", "--dir", str(tmp_path), "--no-handshake", "--format", fmt], capsys)
        assert status == 1 and "Traceback" not in out + err and out


def test_text_report_shows_fix_and_verdict(capsys, tmp_path, shared_good):
    shared_good.write(tmp_path)
    status, out, _ = run_cli(["doctor", "--dir", str(tmp_path), "--no-handshake", "--server-name", "wrong.example"],
                             capsys)
    assert status == 1
    assert "FAIL" in out and "name.mismatch" in out and "fix: " in out
    assert out.strip().splitlines()[-1].startswith("FAIL: 1 error")
    assert "\x1b[" not in out  # no colour when stdout is not a terminal


def test_every_renderer_reads_the_same_report(capsys, tmp_path, shared_good):
    shared_good.write(tmp_path)
    args = ["doctor", "--dir", str(tmp_path), "--no-handshake", "--server-name", "wrong.example"]
    _, js, _ = run_cli(args + ["--format", "json"], capsys)
    report = json.loads(js)
    assert report["schema"] == "milvus-tls-check/report/v1"
    assert set(report) >= {"verdict", "modes", "server_name", "findings", "handshakes"}
    assert report["findings"][0].keys() >= {"code", "severity", "subject", "message", "fix"}
    _, xml, _ = run_cli(args + ["--format", "junit"], capsys)
    suite = ET.fromstring(xml)
    assert int(suite.get("failures")) == 1 and int(suite.get("tests")) == len(report["checks"])
    assert suite.find(".//failure").get("type") == "name.mismatch"
    _, md, _ = run_cli(args + ["--format", "markdown"], capsys)
    assert md.startswith("## milvus-tls doctor: FAIL") and "`name.mismatch`" in md


def test_output_file(capsys, tmp_path, shared_good):
    shared_good.write(tmp_path / "set")
    out_file = tmp_path / "report.json"
    status, out, _ = run_cli(["doctor", "--dir", str(tmp_path / "set"), "--no-handshake", "--format", "json",
                              "--output", str(out_file)], capsys)
    assert status == 0 and out == "" and json.loads(out_file.read_text())["verdict"] == "pass"


def test_no_private_key_bytes_in_any_format(capsys, tmp_path, shared_good):
    shared_good.write(tmp_path)
    key_body = shared_good.server.key_pem().decode().splitlines()[1]
    for fmt in ("text", "json", "junit", "markdown"):
        _, out, err = run_cli(["doctor", "--dir", str(tmp_path), "--no-handshake", "--format", fmt, "--verbose"], capsys)
        assert key_body not in out + err and "PRIVATE KEY" not in out + err


def test_static_path_imports_neither_grpc_nor_pymilvus(tmp_path, shared_good):
    shared_good.write(tmp_path)
    code = ("import sys; from milvus_tls_check.cli import main; status = main(['doctor', '--dir', sys.argv[1], "
            "'--no-handshake', '--output', sys.argv[2]]); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('grpc', 'pymilvus')))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path), str(tmp_path / "r.txt")],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_findings_doc_is_current():
    assert (ROOT / "docs" / "findings.md").read_text() == render_findings_doc(), \
        "docs/findings.md is stale: python -m milvus_tls_check.docs > docs/findings.md"


def test_every_code_has_why_and_fix():
    for code in CATALOGUE.values():
        assert code.title
        if code.code != "handshake.ok":
            assert code.why and code.fix, code.code


def test_example_reports_are_current():
    """reports/ shows users the output before they run anything; `python tools/make_reports.py` regenerates it."""
    sys.path.insert(0, str(ROOT / "tools"))
    from make_reports import mask_timing, render_examples

    for filename, text in render_examples().items():
        committed = (ROOT / "reports" / filename).read_text(encoding="utf-8")
        assert mask_timing(committed) == mask_timing(text), f"reports/{filename} is stale: python tools/make_reports.py"


def test_pymilvus_args_decide_the_client_side(capsys, tmp_path, shared_good):
    """--dir fills the server side; the application's own arguments are the client side, with no defaults added."""
    shared_good.write(tmp_path)
    args = json.dumps({"uri": "https://localhost:19530", "server_pem_path": str(tmp_path / "server.pem")})
    status, out, _ = run_cli(["doctor", "--dir", str(tmp_path), "--pymilvus-args", args, "--no-handshake",
                              "--format", "json"], capsys)
    report = json.loads(out)
    assert status == 0 and report["modes"] == [1] and answer(report["findings"]) == []
    status, out, _ = run_cli(["doctor", "--dir", str(tmp_path), "--pymilvus-args", args, "--tls-mode", "2",
                              "--no-handshake", "--format", "json"], capsys)
    report = json.loads(out)
    assert status == 1 and "client.cert_missing" in {f["code"] for f in report["findings"]}


def test_json_reports_follow_the_published_schema(tmp_path, shared_good, capsys):
    """docs/report-v1.schema.json is the contract: the example reports and a live-format report validate."""
    import jsonschema

    schema = json.loads((ROOT / "docs" / "report-v1.schema.json").read_text())
    for name in ("good.json", "broken.json"):
        jsonschema.validate(json.loads((ROOT / "reports" / name).read_text()), schema)
    shared_good.write(tmp_path)
    _, out, _ = run_cli(["doctor", "--dir", str(tmp_path), "--format", "json", "--server-name", "x.example"], capsys)
    jsonschema.validate(json.loads(out), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**json.loads(out), "verdict": "maybe"}, schema)
