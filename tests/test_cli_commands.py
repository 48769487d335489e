"""The small commands and flags a user meets first: `codes`, `--version`, `--help`, usage errors."""
from __future__ import annotations

import json

import pytest

from milvus_tls_check import __version__
from milvus_tls_check.cli import main
from milvus_tls_check.codes import CATALOGUE


def test_codes_lists_the_whole_catalogue_as_text_and_json(capsys):
    assert main(["codes"]) == 0
    text = capsys.readouterr().out
    assert "key.mismatch" in text and "name.mismatch" in text
    assert main(["codes", "--format", "json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert {c["code"] for c in listing["codes"]} == set(CATALOGUE)
    mismatch = next(c for c in listing["codes"] if c["code"] == "key.mismatch")
    assert mismatch["severity"] == "error" and mismatch["fix"]


def test_version_and_help(capsys):
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out
    assert main(["doctor", "--help"]) == 0
    text = capsys.readouterr().out
    assert "exit status: 0 pass, 1 fail, 2 usage error, 3 internal error" in text
    assert "examples:" in text and "--fleet FILE" in text


@pytest.mark.parametrize("argv, said", [
    (["--warn-days", "-3"], "must be 0 or more"),
    (["--timeout", "0"], "must be more than 0"),
    (["--output", "/"], "is a directory"),
    (["--output", "/no/such/folder/report.json"], "does not exist"),
])
def test_bad_flag_values_are_usage_errors(capsys, good_dir, argv, said):
    status = main(["doctor", "--dir", str(good_dir), "--no-handshake", *argv])
    out, err = capsys.readouterr()
    assert status == 2 and not out and said in err


def test_at_with_an_offset_is_shown_in_utc(capsys, good_dir):
    status = main(["doctor", "--dir", str(good_dir), "--no-handshake", "--format", "json",
                   "--at", "2026-12-01T14:00:00+05:00"])
    report = json.loads(capsys.readouterr().out)
    assert status in (0, 1) and report["judged_at"] == "2026-12-01T09:00:00Z"


def test_codes_code_shows_one_code_in_full(capsys):
    """Issue 19 item 4: `milvus-tls codes CODE` shows the title, family, severity, who enforces it, why and fix."""
    assert main(["codes", "key.mismatch"]) == 0
    out = capsys.readouterr().out
    entry = CATALOGUE["key.mismatch"]
    assert out.splitlines()[0] == f"key.mismatch: {entry.title}"
    assert "  severity:    error" in out and "  family:      Keys" in out
    assert "  enforced by: Milvus (Go crypto/tls)" in out
    flat = " ".join(out.split())
    assert f"why: {entry.why}" in flat and f"fix: {entry.fix}" in flat
    assert "name.mismatch" not in out   # only that code
    assert main(["codes", "key.weak", "--format", "json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert [c["code"] for c in listing["codes"]] == ["key.weak"] and listing["codes"][0]["go_only"] is True


@pytest.mark.parametrize("typed, nearest", [("key.mismach", "key.mismatch"), ("mismatch", "name.mismatch"),
                                            ("client.default-port", "client.default_port")])
def test_an_unknown_code_exits_2_with_the_nearest_codes(capsys, typed, nearest):
    assert main(["codes", typed]) == 2
    out, err = capsys.readouterr()
    assert not out
    assert f"codes {typed}: no such code; nearest: " in err and nearest in err.split("nearest: ", 1)[1]


def test_the_text_catalogue_shows_why_and_fix_under_each_code(capsys):
    assert main(["codes"]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("key.mismatch "))
    assert lines[at + 1].startswith("      why: Go's tls.X509KeyPair")
    assert any(line.startswith("      fix: Use the key the certificate was issued for") for line in lines[at:at + 20])
    whys = sum(1 for line in lines if line.startswith("      why: "))
    fixes = sum(1 for line in lines if line.startswith("      fix: "))
    assert whys == sum(1 for c in CATALOGUE.values() if c.why) and fixes == sum(1 for c in CATALOGUE.values() if c.fix)
