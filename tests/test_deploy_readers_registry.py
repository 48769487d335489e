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
    flags = reader_flags()
    assert [f.flag for f in flags] == ["--milvus-yaml", "--compose", "--compose-env", "--service", "--k8s",
                                       "--pymilvus-args"]
    assert {f.option for f in flags} <= set(Options.field_names())
    assert {f.option for f in flags if f.path} == {"milvus_yaml", "compose", "k8s"} <= PATH_KEYS


def test_a_fleet_entry_resolves_each_reader_path_from_the_fleet_file(tmp_path):
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text("- name: a\n  dir: tls\n  milvus_yaml: [conf/user.yaml]\n  compose: dc.yml\n  k8s: k.yaml\n"
                     "  compose_env: [TOKEN]\n")
    [(name, options)] = load_fleet(str(fleet))
    assert options.milvus_yaml == (str(tmp_path / "conf" / "user.yaml"),)
    assert (options.compose, options.k8s) == (str(tmp_path / "dc.yml"), (str(tmp_path / "k.yaml"),))
    assert options.compose_env == ("TOKEN",)    # a name, not a path


def test_a_reader_module_dropped_into_deploy_is_in_help_and_fleet_path_keys(tmp_path):
    copy = tmp_path / "milvus_tls_check"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.go"))
    (copy / "deploy" / "envfile.py").write_text(
        '"""A scratch reader: a .env file."""\n'
        "FLAGS = (\n"
        '    {"order": 50, "option": "env_file", "flag": "--env-file", "path": True, "trigger": True,\n'
        '     "metavar": "FILE", "help": "the .env file the application reads"},\n'
        ")\n", encoding="utf-8")
    env = {"PYTHONPATH": str(tmp_path), "PATH": ""}
    helptext = subprocess.run([sys.executable, "-m", "milvus_tls_check", "doctor", "--help"], cwd=tmp_path,
                              capture_output=True, text=True, env=env, check=True).stdout
    assert "--env-file FILE" in helptext and "the .env file the application reads" in helptext
    keys = subprocess.run([sys.executable, "-c", "from milvus_tls_check.fleet import PATH_KEYS; print(sorted(PATH_KEYS))"],
                          cwd=tmp_path, capture_output=True, text=True, env=env, check=True).stdout
    assert "'env_file'" in keys
