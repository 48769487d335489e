"""Milvus components -> each other, internal TLS 2.5+ (linkkinds/internal.py, rules/links.judge_internal): modelled
from the source (docs/links.md part 2). It reuses config.internal_tls_files / config.internal_sni_mismatch."""
from __future__ import annotations

import pytest

from modelled_links import codes, doctor, front_door, link, milvus_yaml, tls_set

INTERNAL = "milvus-internal"


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return tls_set(tmp_path_factory.mktemp("internal-tls"))


def internal(tls, sni="milvus.internal", **over):
    it = {"serverPemPath": str(tls / "internal.pem"), "serverKeyPath": str(tls / "internal.key"),
          "caPemPath": str(tls / "ca.pem"), "sni": sni}
    it.update(over)
    return {"common": {"security": {"tlsMode": 1, "internaltlsEnabled": True}}, "internaltls": it,
            "tls": front_door(tls)["tls"], "proxy": {"http": {"port": 19121}}}


def test_good_internal_tls_passes_modelled(tmp_path, tls, capsys):
    code, report = doctor(milvus_yaml(tmp_path, internal(tls)), capsys, "--milvus-version", "2.5.4")
    it = link(report, INTERNAL)
    assert (code, it["verdict"], it["modelled"], it["codes"]) == (0, "pass", True, [])
    assert "SNI milvus.internal" in it["address"] and "grpcclient/client.go" in it["decided_by"]
    assert {f["role"] for f in it["files"]} == {"internaltls.serverPemPath", "internaltls.serverKeyPath",
                                                 "internaltls.caPemPath"}


def test_sni_not_on_the_certificate_fails_the_link_with_the_config_finding_once(tmp_path, tls, capsys):
    code, report = doctor(milvus_yaml(tmp_path, internal(tls, sni="querynode")), capsys, "--milvus-version", "2.6")
    it = link(report, INTERNAL)
    assert (code, it["verdict"], it["codes"]) == (1, "fail", ["config.internal_sni_mismatch"])
    assert [f["code"] for f in report["findings"]].count("config.internal_sni_mismatch") == 1


def test_a_missing_internal_key_fails_the_link(tmp_path, tls, capsys):
    doc = internal(tls, serverKeyPath=str(tmp_path / "nope.key"))
    code, report = doctor(milvus_yaml(tmp_path, doc), capsys, "--milvus-version", "2.5.4")
    it = link(report, INTERNAL)
    assert code == 1 and it["verdict"] == "fail" and "config.internal_tls_files" in it["codes"]


def test_before_2_5_the_link_is_plaintext_with_the_config_warning(tmp_path, tls, capsys):
    code, report = doctor(milvus_yaml(tmp_path, internal(tls)), capsys, "--milvus-version", "2.4.5")
    it = link(report, INTERNAL)
    assert (it["verdict"], it["codes"]) == ("plaintext", ["config.internal_tls_files"])
    assert "has no internal TLS" in it["detail"] and code == 0


def test_internal_tls_with_a_plaintext_front_door_is_judged_alone(tmp_path, tls, capsys):
    """tlsMode 0 and internal TLS on: only the links are judged, and the config finding is still said."""
    doc = internal(tls, sni="querynode")
    doc["common"]["security"]["tlsMode"] = 0
    del doc["tls"], doc["proxy"]
    code, report = doctor(milvus_yaml(tmp_path, doc), capsys, "--milvus-version", "2.5.4")
    assert (code, link(report, INTERNAL)["verdict"]) == (1, "fail")
    assert "config.internal_sni_mismatch" in codes(report)


def test_internal_tls_off_is_plaintext(tmp_path, tls, capsys):
    doc = internal(tls)
    doc["common"]["security"]["internaltlsEnabled"] = False
    code, report = doctor(milvus_yaml(tmp_path, doc), capsys, "--milvus-version", "2.5.4")
    assert (code, link(report, INTERNAL)["verdict"], link(report, INTERNAL)["codes"]) == (0, "plaintext", [])
