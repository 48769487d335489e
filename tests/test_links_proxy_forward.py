"""The 2.6 proxy -> 2.5 proxies forward (linkkinds/proxy_forward.py, rules/links.judge_proxy_forward): modelled from
internal/distributed/streaming/forward.go (docs/links.md part 2, milvus#48224). 2.6.7-2.6.12 verify the name "proxy"
on the front door's certificate (and Go's system roots, never seen here: incomplete at best); 2.6.13+ verify
nothing; tlsMode 2 fails on every 2.6.7+ (no client certificate)."""
from __future__ import annotations

from certfactory import make_ca, make_leaf
from modelled_links import doctor, front_door, link, milvus_yaml, tls_set

FORWARD = "milvus-proxy-forward"


def deployment(tls, mode: int = 1) -> dict:
    """The front door of a 2.6 proxy that starts (REST off: a TLS 2.6 refuses a shared REST port)."""
    return {**front_door(tls, mode), "proxy": {"http": {"enabled": False}}}


def _with_proxy_name(tls):
    ca_pem = (tls / "ca.pem").read_bytes()
    ca = make_ca("forward CA")
    (tls / "ca.pem").write_bytes(ca.cert_pem())
    make_leaf(ca, "localhost", dns=("localhost", "proxy"), eku=("server", "client")).write(tls / "server.pem",
                                                                                           tls / "server.key")
    return ca_pem


def test_2_6_12_without_dns_proxy_fails_with_the_reissue(tmp_path, capsys):
    tls = tls_set(tmp_path)
    code, report = doctor(milvus_yaml(tmp_path, deployment(tls)), capsys, "--milvus-version", "2.6.12")
    f = link(report, FORWARD)
    assert (code, f["verdict"], f["codes"], f["modelled"]) == (1, "fail", ["proxy_forward.name_missing"], True)
    assert "forward.go" in f["decided_by"] and "0030e5ceb8e5" in f["decided_by"]
    found = next(x for x in report["findings"] if x["code"] == "proxy_forward.name_missing")
    assert found["link"] == FORWARD and "DNS:proxy" in found["fix"] and str(tls / "server.pem") in found["fix"]
    assert "'proxy'" in found["message"] and "localhost" in found["message"]


def test_near_miss_dns_proxy_present_is_incomplete_on_the_system_roots(tmp_path, capsys):
    tls = tls_set(tmp_path)
    _with_proxy_name(tls)
    code, report = doctor(milvus_yaml(tmp_path, deployment(tls)), capsys, "--milvus-version", "2.6.12")
    f = link(report, FORWARD)
    assert (f["verdict"], f["codes"]) == ("incomplete", [])
    assert "system roots" in f["add"] and "openssl verify -CAfile /etc/ssl/certs/ca-certificates.crt" in f["add"]


def test_2_6_13_skips_verification_and_passes_mode_1(tmp_path, capsys):
    tls = tls_set(tmp_path)
    code, report = doctor(milvus_yaml(tmp_path, deployment(tls)), capsys, "--milvus-version", "2.6.13")
    f = link(report, FORWARD)
    assert (code, f["verdict"], f["codes"]) == (0, "pass", [])
    assert "InsecureSkipVerify" in f["detail"]


def test_mode_2_fails_every_forwarding_patch(tmp_path, capsys):
    tls = tls_set(tmp_path)
    _with_proxy_name(tls)
    code, report = doctor(milvus_yaml(tmp_path, deployment(tls, mode=2)), capsys, "--milvus-version", "2.6.14")
    f = link(report, FORWARD)
    assert (code, f["verdict"], f["codes"]) == (1, "fail", ["proxy_forward.no_client_cert"])
    found = next(x for x in report["findings"] if x["code"] == "proxy_forward.no_client_cert")
    assert "tlsMode: 1" in found["fix"] and "milvus.yaml" in found["fix"]


def test_no_forward_before_2_6_7_nor_without_a_named_version_nor_in_mode_0(tmp_path, capsys):
    tls = tls_set(tmp_path)
    path = milvus_yaml(tmp_path, deployment(tls))
    for extra in (("--milvus-version", "2.6.6"), ("--milvus-version", "2.5.4"), ()):
        _, report = doctor(path, capsys, *extra)
        assert all(l["kind"] != FORWARD for l in report.get("links", ())), extra
    plain = milvus_yaml(tmp_path, {"common": {"security": {"tlsMode": 0}}})
    _, report = doctor(plain, capsys, "--milvus-version", "2.6.10")
    assert all(l["kind"] != FORWARD for l in report.get("links", ()))


def test_the_repair_reissues_with_the_name_proxy(tmp_path, capsys):
    tls = tls_set(tmp_path)
    code, report = doctor(milvus_yaml(tmp_path, deployment(tls)), capsys, "--milvus-version", "2.6.8")
    found = next(x for x in report["findings"] if x["code"] == "proxy_forward.name_missing")
    command = found["fix_commands"][0]
    assert command.startswith(f"milvus-tls reissue --cert {tls / 'server.pem'} ") and "--add-name proxy" in command
