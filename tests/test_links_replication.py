"""Milvus 2.6 -> another cluster's proxy (linkkinds/replication.py, rules/links.judge_replication): modelled from
internal/cdc/cluster/milvus_client.go and client/milvusclient/tls.go at 2.6 @5b99e9806de9 (docs/links.md part 2,
tls.clusters.<id>.*). The files Milvus loads are checked as BuildTLSConfig loads them; the target cluster is never
seen, so a good link is incomplete (exit 4) and says how to check it."""
from __future__ import annotations

import json

import pytest

from certfactory import make_ca, make_leaf
from modelled_links import doctor, link, milvus_yaml

REPLICATION = "milvus-replication"


def replication_files(tmp):
    ca = make_ca("target cluster CA")
    (tmp / "target-ca.pem").write_bytes(ca.cert_pem())
    make_leaf(ca, "source", dns=("source",), eku=("client",)).write(tmp / "client.pem", tmp / "client.key")
    make_leaf(ca, "other", dns=("other",), eku=("client",)).write(tmp / "other.pem", tmp / "other.key")
    (tmp / "a-key.pem").write_bytes((tmp / "other.key").read_bytes())   # a file with no certificate
    return tmp


def clusters(tmp, authority=None, **leaves):
    tls = {"caPemPath": str(tmp / "target-ca.pem"), "clientPemPath": str(tmp / "client.pem"),
           "clientKeyPath": str(tmp / "client.key")}
    tls.update(leaves)
    doc = {"tls": {"clusters": {"by-dev2": {k: v for k, v in tls.items() if v is not None}}}}
    if authority:
        doc["grpc"] = {"clusters": {"by-dev2": {"authority": authority}}}
    return doc


def test_good_files_are_incomplete_and_say_how_to_check_the_target(tmp_path, capsys):
    doc = clusters(replication_files(tmp_path), authority="milvus-b.example.com:443")
    code, report = doctor(milvus_yaml(tmp_path, doc), capsys, "--milvus-version", "2.6.16")
    r = link(report, REPLICATION)
    assert (code, r["verdict"], r["codes"], r["modelled"]) == (4, "incomplete", [], True)
    assert "-servername milvus-b.example.com" in r["add"] and "-CAfile " + str(tmp_path / "target-ca.pem") in r["add"]
    assert "-tls1_3" in r["add"] and "milvus_client.go" in r["decided_by"] and "@5b99e9806de9" in r["decided_by"]
    assert r["address"] == "cluster by-dev2 (authority milvus-b.example.com:443)"
    assert {f["role"] for f in r["files"]} == {"tls.clusters.by-dev2.caPemPath", "tls.clusters.by-dev2.clientPemPath",
                                               "tls.clusters.by-dev2.clientKeyPath"}
    # the per-cluster leaves look like tls.* leaves: they are not the front door's, nor misnested, nor unread keys
    assert not {"config.misnested", "config.key_not_read", "config.key_not_in_line"} & {f["code"] for f in
                                                                                       report["findings"]}


@pytest.mark.parametrize("leaves, code", [
    ({"clientKeyPath": "OTHER"}, "replication.client_pair_unusable"),    # a key that is not the certificate's
    ({"clientPemPath": "MISSING"}, "replication.client_pair_unusable"),  # a file that does not exist
    ({"caPemPath": None}, "replication.ca_unusable"),                    # the pair without a CA: ReadFile("") fails
    ({"caPemPath": "MISSING"}, "replication.ca_unusable"),
    ({"caPemPath": "KEY"}, "replication.ca_unusable"),                   # a file with no certificate
])
def test_each_error_fails_the_link(tmp_path, capsys, leaves, code):
    tmp = replication_files(tmp_path)
    swap = {"OTHER": str(tmp / "other.key"), "MISSING": str(tmp / "missing.pem"), "KEY": str(tmp / "a-key.pem")}
    doc = clusters(tmp, **{k: swap.get(v, v) if v else v for k, v in leaves.items()})
    exit_code, report = doctor(milvus_yaml(tmp_path, doc), capsys, "--milvus-version", "2.6.14")
    r = link(report, REPLICATION)
    assert (exit_code, r["verdict"], r["codes"]) == (1, "fail", [code])
    found = next(f for f in report["findings"] if f["code"] == code)
    assert found["link"] == REPLICATION and "tls.clusters.by-dev2" in found["fix"]
    assert "PRIVATE KEY" not in json.dumps(report)


def test_a_client_certificate_as_ca_warns_and_a_real_ca_does_not(tmp_path, capsys):
    tmp = replication_files(tmp_path)
    code, report = doctor(milvus_yaml(tmp_path, clusters(tmp, caPemPath=str(tmp / "other.pem"))), capsys)
    r = link(report, REPLICATION)
    assert (code, r["verdict"], r["codes"]) == (4, "incomplete", ["replication.ca_not_ca"])
    code, report = doctor(milvus_yaml(tmp_path, clusters(tmp)), capsys)
    assert link(report, REPLICATION)["codes"] == []


@pytest.mark.parametrize("leaves", [
    {"clientPemPath": None, "clientKeyPath": None},   # caPemPath alone: one-way TLS with a private CA is not offered
    {"clientKeyPath": None},                          # half of the pair: buildCDCTLSConfig returns nil
])
def test_settings_without_both_client_paths_are_ignored(tmp_path, capsys, leaves):
    code, report = doctor(milvus_yaml(tmp_path, clusters(replication_files(tmp_path), **leaves)), capsys)
    r = link(report, REPLICATION)
    assert (code, r["verdict"], r["codes"]) == (4, "incomplete", ["replication.tls_settings_ignored"])
    assert "system roots" in r["detail"]


def test_an_authority_alone_is_no_tls_setting(tmp_path, capsys):
    doc = {"grpc": {"clusters": {"by-dev2": {"authority": "milvus-b"}}}}
    code, report = doctor(milvus_yaml(tmp_path, doc), capsys, "--milvus-version", "2.6.16")
    r = link(report, REPLICATION)
    assert (code, r["verdict"], r["codes"]) == (4, "incomplete", [])


def test_before_2_6_12_the_keys_are_not_in_the_line(tmp_path, capsys):
    doc = clusters(replication_files(tmp_path), authority="milvus-b")
    code, report = doctor(milvus_yaml(tmp_path, doc), capsys, "--milvus-version", "2.5.4")
    r = link(report, REPLICATION)
    assert r["verdict"] == "not-applicable" and r["codes"] == ["config.key_not_in_line"]
    said = [f for f in report["findings"] if f["code"] == "config.key_not_in_line"]
    assert {f["subject"] for f in said} == {"tls.clusters.by-dev2.caPemPath", "tls.clusters.by-dev2.clientPemPath",
                                            "tls.clusters.by-dev2.clientKeyPath", "grpc.clusters.by-dev2.authority"}
    ca = next(f for f in said if f["subject"] == "tls.clusters.by-dev2.caPemPath")
    assert "2.6.12" in ca["message"] and "Version:" not in ca["message"]
    # 2.6.12-2.6.15 read the TLS files but not the authority
    _, report = doctor(milvus_yaml(tmp_path, doc), capsys, "--milvus-version", "2.6.14")
    said = [f["subject"] for f in report["findings"] if f["code"] == "config.key_not_in_line"]
    assert said == ["grpc.clusters.by-dev2.authority"]
    assert "URI's host" in link(report, REPLICATION)["detail"]


def test_a_deployment_silent_on_clusters_names_no_link(tmp_path, capsys):
    doc = {"tls": {"caPemPath": "/milvus/tls/ca.pem"}, "grpc": {"client": {"maxMaxAttempts": 10}},
           "etcd": {"ssl": {"enabled": False}}}
    code, report = doctor(milvus_yaml(tmp_path, doc), capsys)
    assert all(l["kind"] != REPLICATION for l in report.get("links", ()))
    assert not any(f["code"].startswith("replication.") for f in report["findings"])
