"""--fleet: many targets in one run, one combined report, exit 1 when any target fails."""
from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import yaml

from tests.helpers import run_cli


def _fleet(tmp_path, shared_good):
    shared_good.write(tmp_path / "good")
    (tmp_path / "fleet.yaml").write_text(yaml.safe_dump({
        "defaults": {"no_handshake": True},
        "targets": [{"name": "prod", "dir": "good"},
                    {"name": "wrong-name", "dir": "good", "server_name": "db.example.com"},
                    {"name": "typo", "dir": "missing-folder"}]}))
    return str(tmp_path / "fleet.yaml")


def test_fleet_json_reports_each_target(tmp_path, shared_good, capsys):
    status, out, _ = run_cli(["doctor", "--fleet", _fleet(tmp_path, shared_good), "--format", "json"], capsys)
    data = json.loads(out)
    assert status == 1 and data["schema"] == "milvus-tls-check/fleet/v1" and data["verdict"] == "fail"
    by_name = {t["name"]: t for t in data["targets"]}
    assert by_name["prod"]["verdict"] == "pass"
    assert "name.mismatch" in {f["code"] for f in by_name["wrong-name"]["report"]["findings"]}
    assert by_name["typo"]["report"] is None and "not a directory" in by_name["typo"]["error"]


def test_fleet_junit_has_one_suite_per_target(tmp_path, shared_good, capsys):
    status, out, _ = run_cli(["doctor", "--fleet", _fleet(tmp_path, shared_good), "--format", "junit"], capsys)
    suites = ET.fromstring(out).findall("testsuite")
    assert status == 1 and [s.get("name") for s in suites] == ["prod", "wrong-name", "typo"]
    assert suites[0].get("failures") == "0" and suites[1].get("failures") == "1"


def test_fleet_all_good_exits_0(tmp_path, shared_good, capsys):
    shared_good.write(tmp_path / "good")
    (tmp_path / "f.yaml").write_text(yaml.safe_dump([{"name": "a", "dir": "good", "no_handshake": True}]))
    status, out, _ = run_cli(["doctor", "--fleet", str(tmp_path / "f.yaml")], capsys)
    assert status == 0 and out.rstrip().endswith("Fleet: 1 of 1 targets pass")


def test_fleet_bad_file_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "f.yaml").write_text("targets: 3\n")
    status, _, err = run_cli(["doctor", "--fleet", str(tmp_path / "f.yaml")], capsys)
    assert status == 2 and "expected a list of targets" in err


def test_command_line_flags_are_every_targets_defaults(tmp_path, shared_good, capsys):
    """--strict on the command line applies to each target unless the target says otherwise."""
    shared_good.write(tmp_path / "good")
    (tmp_path / "f.yaml").write_text(yaml.safe_dump({"targets": [
        {"name": "inherits", "dir": "good"},
        {"name": "overrides", "dir": "good", "strict": False},
        {"name": "typo", "dir": "good", "tls_mdoe": 2},
    ]}))
    status, out, _ = run_cli(["doctor", "--fleet", str(tmp_path / "f.yaml"), "--format", "json", "--no-handshake",
                              "--strict"], capsys)
    data = json.loads(out)
    by_name = {t["name"]: t for t in data["targets"]}
    assert by_name["inherits"]["report"]["strict"] is True
    assert by_name["overrides"]["report"]["strict"] is False
    assert "did you mean 'tls_mode'" in by_name["typo"]["error"]
    assert status == 1
