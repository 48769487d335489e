"""Deployment readers declare their flags once (FLAGS in each deploy/ module): --help, fleet path keys and
request.py's trigger read those declarations."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import milvus_tls_check
from milvus_tls_check.facts.deploy_readers import reader_flags
from milvus_tls_check.fleet import PATH_KEYS, load_fleet
from milvus_tls_check.request import Options

PACKAGE = Path(milvus_tls_check.__file__).parent


def test_every_declared_flag_is_an_options_field_and_listed_once():
    """The readers this project ships, in --help order (another reader may sit among them: none is listed here)."""
    flags = reader_flags()
    shipped = ["--milvus-yaml", "--compose", "--compose-env", "--service", "--k8s", "--pymilvus-args"]
    assert [f.flag for f in flags if f.flag in shipped] == shipped
    assert len({f.flag for f in flags}) == len({f.option for f in flags}) == len(flags)
    assert [f.order for f in flags] == sorted(f.order for f in flags)
    assert {f.option for f in flags} <= set(Options.field_names())
    assert {"milvus_yaml", "compose", "k8s"} <= {f.option for f in flags if f.path} <= PATH_KEYS
    assert not {"compose_env", "service", "pymilvus_args"} & {f.option for f in flags if f.path}


def test_a_fleet_entry_resolves_each_reader_path_from_the_fleet_file(tmp_path):
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text("- name: a\n  dir: tls\n  milvus_yaml: [conf/user.yaml]\n  compose: dc.yml\n  k8s: k.yaml\n"
                     "  compose_env: [TOKEN]\n")
    [(name, options)] = load_fleet(str(fleet))
    assert options.milvus_yaml == (str(tmp_path / "conf" / "user.yaml"),)
    assert (options.compose, options.k8s) == (str(tmp_path / "dc.yml"), (str(tmp_path / "k.yaml"),))
    assert options.compose_env == ("TOKEN",)    # a name, not a path


# ---- a reader is one module: FLAGS and read_into; Options, --help, fleet keys and deploy/read.py follow ----------

SCRATCH_READER = '''"""A scratch reader: a dotenv file of Milvus environment overrides (COMMON_SECURITY_TLSMODE=2, ...)."""
from pathlib import Path

from .common import Layer, read_text

FLAGS = (
    {"order": 50, "option": "scratch_env", "flag": "--scratch-env", "path": True, "trigger": True,
     "metavar": "FILE", "help": "a dotenv file (a scratch reader of this test)"},
)


def read_into(draft, given, run):
    text = read_text(given["scratch_env"], "--scratch-env")
    data = dict(line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#"))
    draft.layers.append(Layer(f"environment from {Path(given['scratch_env']).name}", data, env=True))
    draft.notes.append(f"scratch-env: read {len(data)} variable(s)")
    draft.has_config = True
'''


def _copy_with_reader(tmp_path: Path) -> dict:
    copy = tmp_path / "milvus_tls_check"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.go"))
    (copy / "deploy" / "scratch_env.py").write_text(SCRATCH_READER, encoding="utf-8")
    return {"PYTHONPATH": str(tmp_path), "PATH": ""}


def _python(code: str, cwd: Path, env: dict) -> str:
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, env=env,
                          check=True).stdout


def test_options_has_one_field_per_reader_flag():
    """request.Options is made from the declarations: a repeatable flag is a tuple (default ()), any other None."""
    import dataclasses
    import pytest
    names = Options.field_names()
    assert len(names) == len(set(names))
    for flag in reader_flags():
        assert getattr(Options(), flag.option) == (() if flag.repeatable else None), flag.option
    assert dataclasses.is_dataclass(Options) and Options.__name__ == "Options"
    with pytest.raises(dataclasses.FrozenInstanceError):
        Options().compose = "x"  # type: ignore[misc]
    assert Options(milvus_yaml=("a.yaml",), compose="dc.yml") == Options(milvus_yaml=("a.yaml",), compose="dc.yml")


def test_every_reader_module_reads_into_the_draft():
    """Each module in deploy/ that declares FLAGS has read_into(draft, given, run), the one thing read.py calls."""
    import importlib
    import inspect
    from milvus_tls_check.deploy.read import readers
    names = [name for name, _ in readers()]
    shipped = ["milvus_yaml", "compose", "k8s", "pymilvus_args"]
    assert [n for n in names if n in shipped] == shipped                    # declared order
    for name in names:
        read_into = importlib.import_module(f"milvus_tls_check.deploy.{name}").read_into
        assert list(inspect.signature(read_into).parameters) == ["draft", "given", "run"]


def test_request_and_read_name_no_reader():
    """request.py and deploy/read.py hold no reader's option in their code (an attribute, a keyword, a string):
    adding a reader touches neither."""
    import ast
    options = {f.option for f in reader_flags()}
    for path in (PACKAGE / "request.py", PACKAGE / "deploy" / "read.py"):
        named = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute):
                named.add(node.attr)
            elif isinstance(node, ast.keyword):
                named.add(node.arg)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                named.add(node.value)
        assert not named & options, (path.name, named & options)


def test_an_unknown_reader_option_is_refused():
    import pytest
    from milvus_tls_check.deploy import read_deployment_facts
    with pytest.raises(TypeError, match="no reader declares scratch_env"):
        read_deployment_facts(scratch_env="x.env")


def test_service_without_compose_is_a_usage_error(tmp_path, capsys):
    from tests.helpers import run_cli
    (tmp_path / "milvus.yaml").write_text("common:\n  security:\n    tlsMode: 1\n")
    status, _, err = run_cli(["doctor", "--milvus-yaml", str(tmp_path / "milvus.yaml"), "--service", "milvus",
                              "--no-handshake"], capsys)
    assert status == 2 and "--service needs --compose" in err


def test_a_reader_module_dropped_into_deploy_is_read(tmp_path):
    """A scratch copy of the package with deploy/scratch_env.py (FLAGS and read_into, nothing else edited): the flag
    is in --help, an Options field, a fleet path key, and a doctor run reads the file in the readers' order."""
    env = _copy_with_reader(tmp_path)
    helptext = subprocess.run([sys.executable, "-m", "milvus_tls_check", "doctor", "--help"], cwd=tmp_path,
                              capture_output=True, text=True, env=env, check=True).stdout
    assert "--scratch-env FILE" in helptext and "a dotenv file (a scratch reader of this test)" in helptext
    assert _python("from milvus_tls_check.request import Options; print(Options().scratch_env, "
                   "'scratch_env' in Options.field_names())", tmp_path, env).split() == ["None", "True"]
    assert "'scratch_env'" in _python("from milvus_tls_check.fleet import PATH_KEYS; print(sorted(PATH_KEYS))",
                                   tmp_path, env)
    fixtures = Path(milvus_tls_check.__file__).resolve().parent.parent / "fixtures" / "docs-san"
    work = tmp_path / "work"
    work.mkdir()
    (work / "milvus.yaml").write_text("common:\n  security:\n    tlsMode: 1\ntls:\n"
                                      f"  serverPemPath: {fixtures / 'server.pem'}\n"
                                      f"  serverKeyPath: {fixtures / 'server.key'}\n"
                                      f"  caPemPath: {fixtures / 'ca.pem'}\n")
    (work / "milvus.env").write_text("# overrides\nCOMMON_SECURITY_TLSMODE=2\n")

    def doctor(*extra: str) -> dict:
        import json
        run = subprocess.run([sys.executable, "-m", "milvus_tls_check", "doctor", "--milvus-yaml", "milvus.yaml",
                              "--no-handshake", "--format", "json", *extra], cwd=work, capture_output=True,
                             text=True, env=env)
        assert run.returncode in (0, 1, 4), run.stderr
        return json.loads(run.stdout)

    assert doctor()["modes"] == [1]
    with_env = doctor("--scratch-env", "milvus.env")
    assert with_env["modes"] == [2]                       # the environment wins over milvus.yaml, as in Milvus
    assert "scratch-env: read 1 variable(s)" in with_env["notes"]
    assert any("milvus.yaml < environment from milvus.env" in n for n in with_env["notes"])
    fleet = work / "fleet.yaml"
    fleet.write_text("- {name: a, milvus_yaml: [milvus.yaml], scratch_env: milvus.env, no_handshake: true}\n")
    assert _python("from milvus_tls_check.fleet import load_fleet; "
                   f"print(load_fleet({str(fleet)!r})[0][1].scratch_env)", tmp_path, env).strip() == str(work / "milvus.env")
