"""The renderer registry: one Renderer per format (a report and a fleet), one sanitizer for control characters."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from milvus_tls_check import render
from milvus_tls_check.fleet_result import FleetResult
from milvus_tls_check.model import CheckResult, Finding, Report, Severity, Status
from milvus_tls_check.render import RENDERERS, Renderer, RenderOptions, formats
from milvus_tls_check.render.sanitize import for_terminal, for_xml

HOSTILE = "evil\x1b]0;owned\x07\x1b[2J\x02\x7fCA\ufffe"


def test_the_registry_lists_every_format_once():
    """Every module in render/ with a RENDERER is a format, named after its module, in the order it declares."""
    modules = [p.stem for p in Path(render.__file__).parent.glob("*.py")
               if "\nRENDERER = " in p.read_text(encoding="utf-8")]
    assert sorted(formats()) == sorted(modules) and len(set(formats())) == len(formats())
    assert list(formats()) == list(render.FORMATS) == list(RENDERERS)
    orders = [RENDERERS[name].order for name in formats()]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    for name, renderer in RENDERERS.items():
        assert isinstance(renderer, Renderer) and renderer.name == name and renderer.extension.isalnum()
    assert len(set(render.extensions().values())) == len(formats())
    with pytest.raises(ValueError, match="unknown format"):
        render.get("yaml")
    for helper in ("base", "sanitize", "chain", "locate"):   # modules without a RENDERER are no format
        assert helper not in render.FORMATS


def test_each_format_declares_one_renderer_of_its_own_functions():
    """A format module declares `RENDERER = Renderer(...)` with its own render functions; no adapter class."""
    import importlib
    for name in formats():
        module = importlib.import_module(f"milvus_tls_check.render.{name}")
        renderer = module.RENDERER
        assert type(renderer) is Renderer and renderer.report is module.render and renderer.fleet is module.render_fleet
        assert renderer.stream_fleet is getattr(module, "stream_fleet", None)
        assert not [n for n, v in vars(module).items() if isinstance(v, type) and n.endswith("Renderer") and v is not Renderer], name
    with pytest.raises(AttributeError):
        RENDERERS["text"].order = 1  # type: ignore[misc]
    assert {n for n in formats() if RENDERERS[n].stream_fleet is not None} == {"json", "text"}


def test_a_run_imports_only_the_format_it_prints():
    code = ("import sys; from milvus_tls_check.cli import main; main(['doctor', '--dir', 'fixtures/docs-san', "
            "'--no-handshake', '--format', 'junit', '--output', '/dev/null']); "
            "print(sorted(m.rsplit('.', 1)[1] for m in sys.modules if m.startswith('milvus_tls_check.render.')))")
    root = Path(render.__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True).stdout
    loaded = set(eval(out))   # a list of names printed by the child
    assert "junit" in loaded and not loaded & (set(formats()) - {"junit"}), loaded


def test_a_format_module_dropped_into_render_is_a_format(tmp_path):
    """A scratch copy of the package with render/scratchfmt.py: --format scratchfmt works and is listed, no list
    edited (a name no real format will take, so adding one edits no shared test)."""
    import milvus_tls_check
    package = Path(milvus_tls_check.__file__).parent
    shutil.copytree(package, tmp_path / "milvus_tls_check", ignore=shutil.ignore_patterns("__pycache__", "*.go"))
    (tmp_path / "milvus_tls_check" / "render" / "scratchfmt.py").write_text(
        "from .base import Renderer\n\n\n"
        "def render(report, options=None):\n"
        '    return "".join(f"{c.check},{c.status.value}\\n" for c in report.checks)\n\n\n'
        "def render_fleet(results, options=None):\n"
        '    return ""\n\n\n'
        'RENDERER = Renderer(name="scratchfmt", order=35, extension="scratch", report=render, fleet=render_fleet)\n',
        encoding="utf-8")
    root = package.parent
    env = {"PYTHONPATH": str(tmp_path), "PATH": ""}
    run = subprocess.run([sys.executable, "-m", "milvus_tls_check", "doctor", "--dir", str(root / "fixtures" / "docs-san"),
                          "--no-handshake", "--format", "scratchfmt"], cwd=tmp_path, capture_output=True, text=True, env=env)
    as_json = subprocess.run([sys.executable, "-m", "milvus_tls_check", "doctor", "--dir",
                              str(root / "fixtures" / "docs-san"), "--no-handshake", "--format", "json"],
                             cwd=tmp_path, capture_output=True, text=True, env=env)
    expected = "".join(f"{c['check']},{c['status']}\n" for c in json.loads(as_json.stdout)["checks"])
    assert run.returncode == as_json.returncode and run.stdout == expected and expected, run.stderr
    helptext = subprocess.run([sys.executable, "-m", "milvus_tls_check", "doctor", "--help"], cwd=tmp_path,
                              capture_output=True, text=True, env=env).stdout
    listed = sorted([(RENDERERS[name].order, name) for name in formats()] + [(35, "scratchfmt")])
    assert "--format {" + ",".join(name for _, name in listed) + "}" in helptext


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


def _structured(out: str) -> bool:
    """Is the output a JSON or XML document (which must not carry a raw U+FFFE), rather than text? Told by its first
    character, not by parsing: a raw U+FFFE would make an XML document fail to parse."""
    return out.lstrip().startswith(("{", "[", "<"))


def test_fleet_of_unusable_targets_in_every_format():
    """Names and errors come from the operator's fleet file: every format keeps them, with no raw control byte."""
    results = [FleetResult(HOSTILE, None, f"not a directory: {HOSTILE}"), FleetResult("b", None, "bad option")]
    for fmt, renderer in RENDERERS.items():
        out = renderer.render_fleet(results, render.PLAIN)
        assert not any(ch in out for ch in "\x1b\x07\x02"), fmt
        assert "\ufffe" not in out or not _structured(out), fmt   # XML cannot carry U+FFFE; JSON escapes it
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
        assert "\ufffe" not in out or not _structured(out), fmt
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
