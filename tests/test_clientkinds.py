"""The client-kind registry (milvus_tls_check/clientkinds/): it finds its members, every spec is complete, an unknown
kind is a usage error, and the published JSON schema's client enums come from it."""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from milvus_tls_check import clientkinds
from milvus_tls_check.cli import main
from milvus_tls_check.clientkinds import ClientSpec, resolve, specs
from milvus_tls_check.codes import CATALOGUE
from milvus_tls_check.docs import render_report_schema, report_schema

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "milvus_tls_check" / "clientkinds"


def test_the_registry_finds_every_module_of_the_package():
    modules = sorted(p.stem for p in PACKAGE.glob("*.py") if not p.stem.startswith("_"))
    assert sorted(name.replace("-", "_") for name in specs()) == modules   # milvus-cli: milvus_cli.py
    assert {"pymilvus", "go", "node"} <= set(specs())
    assert next(iter(specs())) == "pymilvus"   # the default client first (`all`, the JSON enum)


@pytest.mark.parametrize("name", list(specs()))
def test_every_spec_is_complete(name):
    spec = specs()[name]
    assert isinstance(spec, ClientSpec) and spec.name == name
    assert callable(resolve(spec.judge, under="milvus_tls_check.rules"))
    if spec.runner:
        assert callable(resolve(spec.runner, under="milvus_tls_check.handshake"))
        assert spec.attempt_kind and spec.attempt_who is not None
    if spec.lines:
        assert spec.newest in spec.lines, "the newest line is one of its lines"
    if spec.own_tls:   # a stack of its own: its own words, its own argument flag, its own name rules
        assert spec.error_words and spec.args_option.startswith("--") and spec.own_stack is not None
        assert spec.own_stack.name_checks is not None
        assert {code for _, code, _ in spec.error_words} <= set(CATALOGUE)
    sel = clientkinds.ClientSel(name)
    assert sel.label and sel.key.startswith(name)
    for alias in spec.aliases:
        assert clientkinds.parse_client(alias).kind == name


def test_no_alias_names_two_kinds():
    words = [w for s in specs().values() for w in (s.name, *s.aliases)]
    assert len(words) == len(set(words))


def test_a_spec_module_dropped_into_the_package_is_found(tmp_path, monkeypatch):
    """A copy of the package with one more module: the registry finds the new kind with no list edited."""
    copy = tmp_path / "kinds_copy"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "scratchkind.py").write_text(   # a name no real kind takes: adding a kind edits no shared test
        "from milvus_tls_check.clientkinds import ClientSpec, concerns_other_client\n"
        "SPEC = ClientSpec(name='scratchkind', aliases=('scratchkind-sdk',), lines={}, newest='', label=lambda sel: 'Scratch SDK',\n"
        "                  judge='milvus_tls_check.rules.per_client:judge_own_stack',\n"
        "                  call=lambda sel, request, modes, address: (), concerns=concerns_other_client)\n")
    kinds = sorted(p.stem for p in copy.glob("*.py") if p.stem not in ("__init__", "scratchkind"))
    for module in kinds:   # the copy's modules import the real package relatively
        text = (copy / f"{module}.py").read_text().replace("from ..facts", "from milvus_tls_check.facts")
        (copy / f"{module}.py").write_text(text.replace("from . import", "from milvus_tls_check.clientkinds import"))
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        found = clientkinds._discover("kinds_copy", [str(copy)])
    finally:
        for name in [m for m in sys.modules if m == "kinds_copy" or m.startswith("kinds_copy.")]:
            del sys.modules[name]
    assert set(found) == set(specs()) | {"scratchkind"}
    assert found["scratchkind"].aliases == ("scratchkind-sdk",)


def test_a_module_without_a_spec_is_refused(tmp_path, monkeypatch):
    pkg = tmp_path / "kinds_broken"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "stray.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        with pytest.raises(TypeError, match="declares no SPEC"):
            clientkinds._discover("kinds_broken", [str(pkg)])
    finally:
        for name in [m for m in sys.modules if m.startswith("kinds_broken")]:
            del sys.modules[name]


def test_an_unknown_kind_is_a_usage_error(capsys):
    assert main(["doctor", "--dir", "fixtures/docs-san", "--client", "scratchkind", "--no-handshake"]) == 2
    err = capsys.readouterr().err
    assert f"unknown client 'scratchkind'; choose {', '.join(specs())}" in err
    with pytest.raises(clientkinds.BadClient, match="unknown client kind 'scratchkind'"):
        clientkinds.spec("scratchkind")


def test_each_own_args_flag_comes_from_its_spec(capsys):
    """Every kind with its own arguments has its flag, and its JSON is read by its spec (a wrong key: exit 2)."""
    for spec in specs().values():
        if not spec.own_tls:
            continue
        assert main(["doctor", "--dir", "fixtures/docs-san", spec.args_option, '{"no_such_key": 1}',
                     "--no-handshake"]) == 2
        assert spec.args_option in capsys.readouterr().err


def test_the_published_schema_enums_come_from_the_registry():
    text = (ROOT / "docs" / "report-v1.schema.json").read_text()
    published = json.loads(text)
    assert render_report_schema(text) == text and report_schema(published) == published, \
        "regenerate its enums: python -m milvus_tls_check.docs --schema"
    kinds = published["properties"]["clients"]["items"]["properties"]["kind"]["enum"]
    assert kinds == list(specs())


def test_a_new_kind_lands_in_the_schema(monkeypatch):
    text = (ROOT / "docs" / "report-v1.schema.json").read_text()
    shipped = list(specs())
    more = dict(specs(), scratchkind=specs()["go"])
    monkeypatch.setattr(clientkinds, "_SPECS", more)
    kinds = json.loads(render_report_schema(text))["properties"]["clients"]["items"]["properties"]["kind"]["enum"]
    assert kinds == [*shipped, "scratchkind"]


def test_a_static_only_kind_is_judged_with_nothing_else_edited(monkeypatch, capsys):
    """A kind whose spec reuses the own-stack judge and has no runner: --client takes it, its rules run, it gets
    its own verdict, its call is printed, and no other kind's behaviour (no pymilvus attempt, no --go-args)."""
    from milvus_tls_check.clientkinds import OwnStack, concerns_other_client
    from milvus_tls_check.clientkinds.go import SPEC as GO

    java = ClientSpec(name="java", aliases=("java-sdk",), lines={}, newest="", label=lambda sel: "Java SDK (JSSE)",
                      judge="milvus_tls_check.rules.per_client:judge_own_stack",
                      call=lambda sel, request, modes, address: (f"Java SDK: ConnectConfig ({address})",),
                      concerns=concerns_other_client,
                      own_stack=OwnStack(partial_chain=True, name_checks=GO.own_stack.name_checks))
    monkeypatch.setattr(clientkinds, "_SPECS", dict(specs(), java=java))
    code = main(["doctor", "--dir", "fixtures/docs-cn-only", "--client", "java-sdk", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [(c["client"], c["verdict"], c["causes"]) for c in report["clients"]] == \
        [("java", "fail", {"1": ["name.cn_only"], "2": ["name.cn_only"]})]
    assert "Java SDK: ConnectConfig (localhost:19530)" in report["notes"]
    assert not report["handshakes"]   # no runner: static only, and no other kind's attempt


def test_a_fleet_target_takes_each_kinds_own_arguments(tmp_path):
    """A fleet target's `go_args:` / `node_args:` (JSON text or a mapping) reach the kind's reader."""
    from milvus_tls_check.fleet import _options
    from milvus_tls_check.request import Options

    opts = _options({"go_args": {"ca": "ca.pem"}, "node_args": '{"ssl": true}'}, tmp_path, Options())
    assert dict(opts.client_args) == {"go": '{"ca": "ca.pem"}', "node": '{"ssl": true}'}
    assert "unknown option 'scratchkind_args'" in _options({"scratchkind_args": "{}"}, tmp_path, Options()).reason
