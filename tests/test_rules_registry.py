"""The rules registry finds its members: a module in rules/ runs because it is there, and no @rule is left out."""
from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import milvus_tls_check
from milvus_tls_check.codes import CATALOGUE
from milvus_tls_check.rules import registered_rules, rule_modules

PACKAGE = Path(milvus_tls_check.__file__).parent
ROOT = PACKAGE.parent


def _rule_calls(tree: ast.AST):
    """(rule id, declared codes) of each @rule(...) decorator in a module's source."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for dec in node.decorator_list:
                if isinstance(dec, ast.Call) and getattr(dec.func, "id", None) == "rule":
                    codes = next(kw.value for kw in dec.keywords if kw.arg == "codes")
                    try:
                        declared = frozenset(ast.literal_eval(codes))
                    except ValueError:   # codes named by a constant: compared at run time only
                        declared = None
                    yield ast.literal_eval(dec.args[0]), declared


def _sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def test_every_rule_written_in_the_package_is_registered_and_runs():
    registered = {spec.id: spec for spec in registered_rules()}
    written = {}
    for path, tree in _sources():
        for rule_id, codes in _rule_calls(tree):
            written[rule_id] = (path, codes)
    assert written, "no @rule found: the scan is broken"
    unreachable = {rid: str(path.relative_to(ROOT)) for rid, (path, _) in written.items() if rid not in registered}
    assert not unreachable, f"@rule functions the registry never runs: {unreachable}"
    for rid, (path, codes) in written.items():
        assert codes is None or registered[rid].codes == codes, rid
        assert path.parent == PACKAGE / "rules", f"{rid} is defined outside rules/ ({path})"
    assert {spec.module for spec in registered.values()} <= set(rule_modules())


def test_report_order_is_declared_by_each_module():
    order = [spec.module for spec in registered_rules()]
    families = list(dict.fromkeys(order))
    assert families == ["config", "files", "keys", "validity", "chain", "names", "usage", "algorithms",
                        *[m for m in families if m not in ("config", "files", "keys", "validity", "chain", "names",
                                                           "usage", "algorithms")]]
    assert len(families) == len(rule_modules())
    # each family is one contiguous block
    assert sum(1 for a, b in zip(order, order[1:]) if a != b) == len(families) - 1


def test_codes_in_rules_and_catalogue_agree():
    """Every code a rules module emits (a literal finding("code", ...)) is declared by a rule of that module, and
    every catalogued code is declared by a rule or emitted outside rules/ (handshakes, inputs)."""
    declared_by_module: dict[str, set] = {}
    for spec in registered_rules():
        declared_by_module.setdefault(spec.module, set()).update(spec.codes)
    for path in sorted((PACKAGE / "rules").glob("*.py")):
        if path.name == "__init__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        emitted = {node.args[0].value for node in ast.walk(tree)
                   if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "finding" and node.args
                   and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)}
        assert emitted <= set(CATALOGUE), (path.name, emitted - set(CATALOGUE))
        stray = emitted - declared_by_module.get(path.stem, set())
        assert not stray, f"{path.name} emits codes none of its rules declares: {sorted(stray)}"
    declared = set().union(*declared_by_module.values())
    elsewhere = "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py")
                          if p.parent != PACKAGE / "rules" and p.name != "codes.py")
    orphans = sorted(c for c in CATALOGUE if c not in declared and f'"{c}"' not in elsewhere)
    assert not orphans, f"catalogued codes nothing emits: {orphans}"


def test_a_rules_module_dropped_into_rules_runs(tmp_path):
    """A scratch copy of the package with one more module in rules/: the doctor runs its rule, with no list edited."""
    copy = tmp_path / "milvus_tls_check"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.go", "node_modules"))
    (copy / "rules" / "scratch.py").write_text(
        '"""A scratch family."""\n'
        "from ..findings import finding\n"
        "from . import Context, result, rule\n\n\n"
        '@rule("scratch.demo", codes=("name.mismatch",))\n'
        "def check_demo(ctx: Context):\n"
        '    yield result("scratch.demo", "a scratch rule", "server_cert",\n'
        '                 [finding("name.mismatch", "server_cert", "scratch rule ran")])\n', encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "milvus_tls_check", "doctor", "--dir",
                           str(ROOT / "fixtures" / "docs-san"), "--no-handshake", "--format", "json"],
                          cwd=tmp_path, capture_output=True, text=True, env={"PYTHONPATH": str(tmp_path), "PATH": ""})
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    demo = [c for c in report["checks"] if c["check"] == "scratch.demo"]
    assert demo and demo[0]["codes"] == ["name.mismatch"] and demo[0]["status"] == "fail"
    assert report["checks"][-1]["check"] == "scratch.demo"   # no ORDER: after the families that declare one


def test_the_config_rules_read_no_file():
    """rules/config.py judges what material.with_deployment_files loaded once: no open, stat or load of its own."""
    source = (PACKAGE / "rules" / "config.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    calls = {node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
             for node in ast.walk(tree) if isinstance(node, ast.Call)}
    reads = calls & {"open", "load_file", "load_material", "read_bounded", "read_text", "read_bytes", "is_file",
                     "exists", "stat", "lstat", "listdir", "iterdir", "glob"}
    assert not reads, f"rules/config.py reads files itself: {sorted(reads)}"
