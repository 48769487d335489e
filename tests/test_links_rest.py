"""clients -> proxy REST (linkkinds/rest.py, rules/links.judge_rest): modelled from the source of each line
(docs/links.md part 2). It reuses config.http_port_shared (one cause, one finding) and follows the front door's
certificates on its own port."""
from __future__ import annotations

import pytest

from modelled_links import codes, doctor, front_door, link, milvus_yaml, tls_set

REST = "client-proxy-rest"


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return tls_set(tmp_path_factory.mktemp("rest-tls"))


def test_own_port_under_tls_passes_modelled_and_names_its_source(tmp_path, tls, capsys):
    doc = front_door(tls, 1) | {"proxy": {"http": {"enabled": True, "port": 19121}}}
    code, report = doctor(milvus_yaml(tmp_path, doc), capsys, "--milvus-version", "2.5.4")
    rest = link(report, REST)
    assert (code, rest["verdict"], rest["modelled"], rest["address"], rest["codes"]) == (
        0, "pass", True, "proxy.http.port 19121", [])
    assert "listener_manager.go" in rest["decided_by"] and "@c8e90858d5e3" in rest["decided_by"]
    assert [l["kind"] for l in report["links"]][:2] == ["client-proxy", REST]


def test_mode_2_own_port_says_tls_1_3_and_follows_the_front_door(tmp_path, tls, capsys):
    """Mode 2 without client material: the front door is incomplete, and so is REST on the same certificates."""
    doc = front_door(tls, 2) | {"proxy": {"http": {"port": 19121}}}
    code, report = doctor(milvus_yaml(tmp_path, doc), capsys, "--milvus-version", "2.5.4")
    rest = link(report, REST)
    assert rest["verdict"] == link(report, "client-proxy")["verdict"] == "incomplete" and code == 4
    assert "TLS 1.3 is the minimum" in rest["detail"]


@pytest.mark.parametrize("version, severity", [("2.5.4", "error"), ("2.3.5", "warning")])
def test_shared_port_under_tls_fails_the_link_with_the_config_finding_once(tmp_path, tls, capsys, version, severity):
    doc = front_door(tls, 1) | {"proxy": {"http": {"enabled": True}}}
    code, report = doctor(milvus_yaml(tmp_path, doc), capsys, "--milvus-version", version)
    rest = link(report, REST)
    assert (code, rest["verdict"], rest["codes"]) == (1, "fail", ["config.http_port_shared"])
    found = [f for f in report["findings"] if f["code"] == "config.http_port_shared"]
    assert len(found) == 1 and found[0]["severity"] == severity and "link" not in found[0]


def test_text_shows_the_rest_line_of_the_tls_map(tmp_path, tls, capsys):
    doc = front_door(tls, 1) | {"proxy": {"http": {"port": 19121}}}
    code, text = doctor(milvus_yaml(tmp_path, doc), capsys, fmt="text")
    line = next(l for l in text.splitlines() if "[client-proxy-rest]" in l)
    assert "PASS" in line and "proxy.http.port 19121: pass (modelled; the Milvus source, not run:" in line


def test_own_port_follows_a_failing_front_door(tmp_path, tls, capsys):
    doc = front_door(tls, 1) | {"proxy": {"http": {"port": 19121}}}
    doc["tls"]["serverKeyPath"] = str(tls / "internal.key")    # not the key of server.pem
    code, report = doctor(milvus_yaml(tmp_path, doc), capsys)
    rest = link(report, REST)
    assert code == 1 and rest["verdict"] == "fail" and rest["codes"] == link(report, "client-proxy")["codes"]


def test_plaintext_and_rest_off(tmp_path, tls, capsys):
    code, report = doctor(milvus_yaml(tmp_path, {"proxy": {"http": {"enabled": True}}, "etcd": {"ssl": {
        "enabled": False}}}), capsys)
    assert link(report, REST)["verdict"] == "plaintext" and code == 0
    doc = front_door(tls, 1) | {"proxy": {"http": {"enabled": False}}}
    code, report = doctor(milvus_yaml(tmp_path, doc), capsys)
    assert (code, link(report, REST)["verdict"]) == (0, "not-applicable")
    assert "config.http_port_shared" not in codes(report)


def test_no_proxy_http_key_no_rest_link(tmp_path, tls, capsys):
    """A deployment that says nothing of REST keeps its report: no TLS map, the config finding as before."""
    code, report = doctor(milvus_yaml(tmp_path, front_door(tls, 1)), capsys, "--milvus-version", "2.5.4")
    assert "links" not in report and "config.http_port_shared" in codes(report)
