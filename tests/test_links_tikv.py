"""Milvus -> TiKV (linkkinds/tikv.py, rules/links.judge_tikv): modelled from pkg/util/tikv/tikv_util.go, tikv/client-go
v2.0.4 and the tikv/pd client (docs/links.md part 2). The files Milvus loads are checked as client-go loads them; the
PD/TiKV side is never seen, so a good link is incomplete (exit 4) and says how to check it."""
from __future__ import annotations

import pytest

from certfactory import make_ca, make_leaf
from modelled_links import doctor, link, milvus_yaml

TIKV = "milvus-tikv"


def tikv_files(tmp):
    ca = make_ca("tikv CA")
    (tmp / "tikv-ca.pem").write_bytes(ca.cert_pem())
    make_leaf(ca, "milvus", dns=("milvus",), eku=("client",)).write(tmp / "tikv-client.pem", tmp / "tikv-client.key")
    other = make_leaf(ca, "other", dns=("other",), eku=("client",))
    other.write(tmp / "other.pem", tmp / "other.key")
    return tmp


def tikv(tmp, **ssl):
    s = {"enabled": True, "tlsCACert": str(tmp / "tikv-ca.pem"), "tlsCert": str(tmp / "tikv-client.pem"),
         "tlsKey": str(tmp / "tikv-client.key")}
    s.update(ssl)
    return {"metastore": {"type": "tikv"}, "tikv": {"endpoints": "pd.tikv:2379",
                                                    "ssl": {k: v for k, v in s.items() if v is not None}}}


def test_good_files_are_incomplete_and_say_how_to_check_pd(tmp_path, capsys):
    code, report = doctor(milvus_yaml(tmp_path, tikv(tikv_files(tmp_path))), capsys, "--milvus-version", "2.5.4")
    t = link(report, TIKV)
    assert (code, t["verdict"], t["codes"], t["modelled"]) == (4, "incomplete", [], True)
    assert "openssl s_client -connect pd.tikv:2379" in t["add"] and "-CAfile " + str(tmp_path / "tikv-ca.pem") in t["add"]
    assert "tikv_util.go" in t["decided_by"] and "client-go v2.0.4" in t["decided_by"]
    assert {f["role"] for f in t["files"]} == {"tikv.ssl.tlsCert", "tikv.ssl.tlsKey", "tikv.ssl.tlsCACert"}


@pytest.mark.parametrize("ssl, code", [
    ({"tlsKey": "OTHER"}, "tikv.client_pair_unusable"),           # a key that is not the certificate's
    ({"tlsKey": None}, "tikv.client_pair_unusable"),              # tlsCert without tlsKey: the PD client refuses
    ({"tlsCert": "MISSING"}, "tikv.client_pair_unusable"),        # a file that does not exist
    ({"tlsCACert": "MISSING"}, "tikv.ca_unusable"),
    ({"tlsCACert": "KEY"}, "tikv.ca_unusable"),                   # a file with no certificate
    ({"tlsCACert": None}, "tikv.ssl_files_missing"),              # the TiKV stores in plaintext
    ({"tlsCert": None, "tlsKey": None}, "tikv.ssl_files_missing"),  # PD in plaintext
])
def test_each_code_fails_the_link(tmp_path, capsys, ssl, code):
    tmp = tikv_files(tmp_path)
    swap = {"OTHER": str(tmp / "other.key"), "MISSING": str(tmp / "missing.pem"), "KEY": str(tmp / "tikv-client.key")}
    doc = tikv(tmp, **{k: swap.get(v, v) if v else v for k, v in ssl.items()})
    exit_code, report = doctor(milvus_yaml(tmp_path, doc), capsys, "--milvus-version", "2.6.14")
    t = link(report, TIKV)
    assert (exit_code, t["verdict"], t["codes"]) == (1, "fail", [code])
    found = next(f for f in report["findings"] if f["code"] == code)
    assert found["link"] == TIKV and "tikv" in found["fix"]


def test_ssl_off_is_plaintext_and_etcd_metastore_not_applicable(tmp_path, capsys):
    tmp = tikv_files(tmp_path)
    code, report = doctor(milvus_yaml(tmp_path, tikv(tmp, enabled=False)), capsys)
    assert (code, link(report, TIKV)["verdict"]) == (0, "plaintext")
    doc = tikv(tmp)
    doc["metastore"]["type"] = "etcd"
    code, report = doctor(milvus_yaml(tmp_path, doc), capsys)
    assert (code, link(report, TIKV)["verdict"]) == (0, "not-applicable")
    assert "never dials TiKV" in link(report, TIKV)["detail"]


def test_a_deployment_silent_on_tikv_names_no_link(tmp_path, capsys):
    _, report = doctor(milvus_yaml(tmp_path, {"metastore": {"type": "etcd"}, "tikv": {"endpoints": "pd:2379"},
                                              "etcd": {"ssl": {"enabled": False}}}), capsys)
    assert all(l["kind"] != TIKV for l in report["links"])


def test_a_misnested_tikv_key_names_the_key_meant(tmp_path, capsys):
    doc = tikv(tikv_files(tmp_path))
    doc["tikv"]["tlsCACert"] = doc["tikv"]["ssl"].pop("tlsCACert")
    _, report = doctor(milvus_yaml(tmp_path, doc), capsys, "--milvus-version", "2.5.4")
    unread = next(f for f in report["findings"] if f["code"] == "config.key_not_read")
    assert "tikv.ssl.tlsCACert" in unread["fix"]
    assert link(report, TIKV)["codes"] == ["tikv.ssl_files_missing"]
