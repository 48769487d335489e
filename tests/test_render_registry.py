"""The renderer registry: one Renderer per format (a report and a fleet), one sanitizer for control characters."""
from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest

from milvus_tls_check import render
from milvus_tls_check.fleet_result import FleetResult
from milvus_tls_check.model import CheckResult, Finding, Report, Severity, Status
from milvus_tls_check.render import RENDERERS, Renderer, RenderOptions, formats
from milvus_tls_check.render.sanitize import for_terminal, for_xml

HOSTILE = "evil\x1b]0;owned\x07\x1b[2J\x02\x7fCA\ufffe"


def test_the_registry_lists_every_format_once():
    assert formats() == ("text", "json", "junit", "markdown", "sarif", "github", "prometheus") == render.FORMATS
    for name, renderer in RENDERERS.items():
        assert isinstance(renderer, Renderer) and renderer.name == name
    with pytest.raises(ValueError, match="unknown format"):
        render.get("yaml")


def test_options_are_a_frozen_value():
    assert RenderOptions() == render.PLAIN == RenderOptions(colour=False, verbose=False)
    with pytest.raises(AttributeError):
        RenderOptions().colour = True  # type: ignore[misc]


def test_terminal_sanitizer_escapes_controls_and_keeps_only_our_colours():
    assert for_terminal("a\tb\nc\x1b[2Jd\x07\x7f") == "a\tb\nc\\x1b[2Jd\\x07\\x7f"
    assert for_terminal("\x1b[31mFAIL\x1b[0m \x1b[2J", keep_colour=True) == "\x1b[31mFAIL\x1b[0m \\x1b[2J"
    assert for_terminal("\x1b[31mFAIL\x1b[0m") == "\\x1b[31mFAIL\\x1b[0m"


def test_xml_sanitizer_escapes_what_xml_cannot_carry():
    assert for_xml("a\tb\nc\rd\x00\x1b\x7f\ufffe") == "a\tb\nc\rd\\x00\\x1b\x7f\\xfffe"


def test_fleet_of_unusable_targets_in_every_format():
    """Names and errors come from the operator's fleet file: every format keeps them, with no raw control byte."""
    results = [FleetResult(HOSTILE, None, f"not a directory: {HOSTILE}"), FleetResult("b", None, "bad option")]
    for fmt, renderer in RENDERERS.items():
        out = renderer.render_fleet(results, render.PLAIN)
        assert not any(ch in out for ch in "\x1b\x07\x02"), fmt
        assert "\ufffe" not in out or fmt in ("text", "markdown", "github", "prometheus"), fmt   # only XML cannot carry U+FFFE
        assert "evil" in out and ("bad option" in out or fmt == "prometheus"), fmt   # metrics: target_up 0
    data = json.loads(RENDERERS["json"].render_fleet(results))
    assert data["verdict"] == "fail" and [t["name"] for t in data["targets"]] == [HOSTILE, "b"]
    suites = ET.fromstring(RENDERERS["junit"].render_fleet(results)).findall("testsuite")
    assert [s.get("errors") for s in suites] == ["1", "1"]
    assert RENDERERS["text"].render_fleet(results).rstrip().endswith("Fleet: 0 of 2 targets pass")
    assert RENDERERS["markdown"].render_fleet(results).rstrip().endswith("**Fleet: 0 of 2 targets pass**")


def _report() -> Report:
    finding = Finding("name.mismatch", Severity.ERROR, "server.pem", f"'localhost' is not CN={HOSTILE}", "fix it")
    checks = (CheckResult("files", "tls.serverPemPath is readable", "server.pem", Status.PASS),
              CheckResult("names", "server certificate names 'localhost'", "server.pem", Status.FAIL, (finding,)))
    return Report("fail", (1,), "localhost", checks, (finding,), judged_at="2027-01-01T00:00:00Z")


def test_every_format_escapes_control_characters_in_a_report():
    for fmt, renderer in RENDERERS.items():
        out = renderer.render_report(_report(), RenderOptions(colour=True, verbose=True))
        assert not any(ch in out for ch in "\x07\x02"), fmt
        assert "\ufffe" not in out or fmt in ("text", "markdown", "github", "prometheus"), fmt
        assert "\x1b]0" not in out and "\x1b[2J" not in out, fmt
        assert "evil" in out or fmt == "prometheus", fmt   # metrics carry codes and counts, not messages


def test_colour_is_an_option_of_the_text_renderer():
    report = _report()
    assert "\x1b[32mPASS\x1b[0m" in RENDERERS["text"].render_report(report, RenderOptions(colour=True))
    assert "\x1b[" not in RENDERERS["text"].render_report(report, render.PLAIN)


def test_json_and_text_fleets_stream_the_same_bytes():
    """The CLI streams a JSON (and a text) fleet one target at a time (memory stays flat): byte for byte render_fleet's output."""
    import io

    from milvus_tls_check.render.json import stream_fleet
    for results in ([], [FleetResult(HOSTILE, None, "x")], [FleetResult("a", _report()), FleetResult("b", None, "y")]):
        out = io.StringIO()
        stream_fleet(iter(results), out)
        assert out.getvalue() == RENDERERS["json"].render_fleet(results)
        for colour in (False, True):
            out = io.StringIO()
            RENDERERS["text"].stream_fleet(iter(results), out, RenderOptions(colour=colour))
            assert out.getvalue() == RENDERERS["text"].render_fleet(results, RenderOptions(colour=colour))
