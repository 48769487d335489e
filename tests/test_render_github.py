"""Issue 15: --format github writes GitHub Actions workflow commands (::error file=...,line=...,title=CODE::message),
parsed here as the Actions runner parses them (actions/runner ActionCommand.TryParseV2 and its unescaping), and
appends the Markdown report to $GITHUB_STEP_SUMMARY when that variable is set."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from milvus_tls_check.render.github import command
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent
_UNESCAPE_DATA = (("%0D", "\r"), ("%0A", "\n"), ("%25", "%"))
_UNESCAPE_PROPERTY = (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%"))


def parse(line: str) -> tuple[str, dict[str, str], str]:
    """The runner's v2 parser: `::name k=v,k=v::data`; property values and data unescaped."""
    assert line.startswith("::"), line
    end = line.index("::", 2)
    head, data = line[2:end], line[end + 2:]
    name, _, props = head.partition(" ")
    properties = {}
    for pair in filter(None, props.split(",")):
        key, _, value = pair.partition("=")
        for a, b in _UNESCAPE_PROPERTY:
            value = value.replace(a, b)
        properties[key] = value
    for a, b in _UNESCAPE_DATA:
        data = data.replace(a, b)
    return name, properties, data


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "fixtures" / "broken-wrong-ca", tmp_path / "broken")
    for key in (tmp_path / "broken").glob("*.key"):
        key.chmod(0o600)
    return tmp_path


def test_one_annotation_per_finding_at_the_file_and_line(broken, capsys, monkeypatch):
    monkeypatch.chdir(broken)
    summary = broken / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    status, out, _ = run_cli(["doctor", "--dir", "broken", "--no-handshake", "--format", "github",
                              "--at", "2027-01-01T00:00:00Z"], capsys)
    assert status == 1
    commands = [parse(line) for line in out.splitlines()]
    assert all(name in ("error", "warning", "notice") for name, _, _ in commands)
    errors = [c for c in commands if c[1].get("title") == "chain.untrusted"]
    assert len(errors) == 1
    name, props, data = errors[0]
    assert name == "error" and props["file"] == "broken/client.pem" and props["line"] == "1"
    assert "Milvus (Go) trusts broken/ca.pem" in data and "Fix: " in data
    assert commands[-1][0] == "error" and commands[-1][2].startswith("FAIL: 1 error")
    text = summary.read_text()
    assert text.startswith("earlier step\n## milvus-tls doctor: FAIL") and "```mermaid" in text


def test_no_summary_without_the_variable_and_escaping_round_trips(capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    status, out, _ = run_cli(["doctor", "--dir", str(ROOT / "fixtures" / "docs-san"), "--no-handshake",
                              "--format", "github", "--at", "2027-01-01T00:00:00Z"], capsys)
    assert status == 0 and parse(out.splitlines()[-1])[0] == "notice"
    line = command("error", "50% done\nnext: a,b", file="dir,x/a:b.pem", line=3, title="x.y")
    assert "\n" not in line
    assert parse(line) == ("error", {"file": "dir,x/a:b.pem", "line": "3", "title": "x.y"}, "50% done\nnext: a,b")
    assert not re.search(r"file=,|line=,", command("notice", "m", file=None, line=None, title="t"))


def test_a_failed_handshake_is_annotated_where_its_static_cause_is(broken, capsys, monkeypatch):
    monkeypatch.chdir(broken)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    status, out, _ = run_cli(["doctor", "--dir", "broken", "--rehearsal", "grpcio", "--tls-mode", "2",
                              "--format", "github"], capsys)
    assert status == 1
    shakes = [c for c in map(parse, out.splitlines()) if c[1].get("title", "").startswith("tls.")]
    assert shakes and all(p["file"] == "broken/client.pem" and p["line"] == "1" for _, p, _ in shakes), shakes
