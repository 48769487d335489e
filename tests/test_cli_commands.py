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
