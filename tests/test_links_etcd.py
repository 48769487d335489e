"""The Milvus -> etcd link, statically (rules/links.py, codes etcd.*): what a user sees for a Compose file that runs
Milvus and its etcd, each code's trigger and its near miss. The same cases run against real etcd and real Milvus
2.3.5 in tests/integration/test_links_etcd_doctor_real.py (docs/links.md)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from certfactory import make_ca, make_leaf
from milvus_tls_check.cli import main

ETCD_CMD = ("etcd --name e --data-dir /etcd --listen-client-urls {scheme}://0.0.0.0:2379 "
            "--advertise-client-urls {scheme}://etcd:2379{tls}")
TLS_FLAGS = " --cert-file /etcd/tls/etcd-server.pem --key-file /etcd/tls/etcd-server.key"
AUTH_FLAGS = " --client-cert-auth --trusted-ca-file /etcd/tls/ca.pem"


@pytest.fixture(scope="module")
def tls(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("etcd-tls")
    ca, other = make_ca("etcd CA"), make_ca("other CA")
    (out / "ca.pem").write_bytes(ca.cert_pem())
    (out / "other-ca.pem").write_bytes(other.cert_pem())
    make_leaf(ca, "etcd", dns=("etcd",), eku=("server", "client")).write(out / "etcd-server.pem", out / "etcd-server.key")
    make_leaf(ca, "elsewhere", dns=("etcd.example",), eku=("server", "client")).write(out / "wrong-san.pem",
                                                                                      out / "wrong-san.key")
    make_leaf(ca, "milvus", dns=("milvus",), eku=("client",)).write(out / "client.pem", out / "client.key")
    make_leaf(other, "milvus", dns=("milvus",), eku=("client",)).write(out / "other-client.pem",
                                                                       out / "other-client.key")
    return out


def deployment(tmp: Path, tls: Path, *, etcd: dict | None = None, server_tls: bool = True, auth: bool = True,
               etcd_extra: str = "", server_cert: str = "etcd-server", endpoint: str = "etcd:2379",
               with_etcd_service: bool = True) -> Path:
    ssl = {"enabled": True, "tlsCert": "/milvus/tls/client.pem", "tlsKey": "/milvus/tls/client.key",
           "tlsCACert": "/milvus/tls/ca.pem"}
    ssl.update(etcd or {})
    ssl = {k: v for k, v in ssl.items() if v is not None}
    (tmp / "milvus.yaml").write_text(json.dumps({"etcd": {"endpoints": [endpoint], "ssl": ssl}}))
    (tmp / "tls").symlink_to(tls, target_is_directory=True)
    cmd = ETCD_CMD.format(scheme="https" if server_tls else "http",
                          tls=(TLS_FLAGS.replace("etcd-server", server_cert) if server_tls else "")
                          + (AUTH_FLAGS if auth and server_tls else "") + etcd_extra)
    services = {"standalone": {"image": "milvusdb/milvus:v2.3.5", "command": ["milvus", "run", "standalone"],
                               "volumes": ["./milvus.yaml:/milvus/configs/milvus.yaml", "./tls:/milvus/tls"]}}
    if with_etcd_service:
        services["etcd"] = {"image": "quay.io/coreos/etcd:v3.5.5", "command": cmd, "volumes": ["./tls:/etcd/tls"]}
    (tmp / "docker-compose.yml").write_text(json.dumps({"services": services}))
    return tmp / "docker-compose.yml"


def doctor(compose: Path, capsys, *extra: str) -> tuple[int, dict]:
    code = main(["doctor", "--compose", str(compose), "--no-handshake", "--format", "json", *extra])
    return code, json.loads(capsys.readouterr().out)


def etcd_link(report: dict) -> dict:
    return next(link for link in report["links"] if link["kind"] == "milvus-etcd")


def test_good_link_passes_and_the_map_has_the_front_door(tmp_path, tls, capsys):
    code, report = doctor(deployment(tmp_path, tls), capsys)
    link = etcd_link(report)
    assert (code, report["verdict"], link["verdict"], link["codes"]) == (0, "pass", "pass", [])
    assert link["modelled"] is True and link["address"] == "etcd:2379"
    assert [l["kind"] for l in report["links"]] == ["client-proxy", "milvus-etcd"]
    assert report["links"][0]["verdict"] == "plaintext"
    assert {"key": "etcd --client-cert-auth", "value": "true",
            "source": "--client-cert-auth in the command of service etcd (docker-compose.yml)"} in link["settings"]
    files = {f["role"]: f for f in link["files"]}
    assert files["etcd.ssl.tlsCACert"]["path"] == "/milvus/tls/ca.pem"
    assert files["etcd --cert-file"]["host"].endswith("tls/etcd-server.pem")


@pytest.mark.parametrize("case, kw, code", [
    ("wrong CA in tlsCACert", {"etcd": {"tlsCACert": "/milvus/tls/other-ca.pem"}}, "etcd.server_untrusted"),
    ("name not in etcd's SAN", {"server_cert": "wrong-san"}, "etcd.name_mismatch"),
    ("client pair not set", {"etcd": {"tlsCert": None}}, "etcd.client_pair_unusable"),
    ("client key of another certificate", {"etcd": {"tlsKey": "/milvus/tls/other-client.key"}},
     "etcd.client_pair_unusable"),
    ("client pair at a path nothing mounts", {"etcd": {"tlsCert": "/path/to/etcd-client.pem"}},
     "etcd.client_pair_unusable"),
    ("tlsCACert not set", {"etcd": {"tlsCACert": None}}, "etcd.ca_unusable"),
    ("client cert from a CA etcd does not trust", {"etcd": {"tlsCert": "/milvus/tls/other-client.pem",
                                                            "tlsKey": "/milvus/tls/other-client.key"}},
     "etcd.client_cert_untrusted"),
    ("ssl off against an https etcd", {"etcd": {"enabled": False}}, "etcd.ssl_off_tls_server"),
    ("ssl on against an http etcd", {"server_tls": False}, "etcd.ssl_on_plain_server"),
    ("tlsMinVersion written as TLS1.2", {"etcd": {"tlsMinVersion": "TLS1.2"}}, "etcd.min_version_invalid"),
    ("tlsMinVersion 1.3 (default) against an etcd capped at TLS 1.2", {"etcd_extra": " --tls-max-version TLS1.2"},
     "etcd.min_version_too_high"),
])
def test_each_code_fails_the_link_and_the_run(tmp_path, tls, capsys, case, kw, code):
    exit_code, report = doctor(deployment(tmp_path, tls, **kw), capsys)
    link = etcd_link(report)
    assert (exit_code, report["verdict"], link["verdict"]) == (1, "fail", "fail"), case
    assert code in link["codes"], (case, link)
    found = next(f for f in report["findings"] if f["code"] == code)
    assert found["link"] == "milvus-etcd" and found["severity"] == "error"
    assert "PRIVATE KEY" not in json.dumps(report)
    # the front door (plaintext here) is not failed by the etcd link: only the run is
    assert report["mode_verdicts"] == {"0": "pass"}


@pytest.mark.parametrize("case, kw", [
    ("the right CA", {"etcd": {"tlsCACert": "/milvus/tls/ca.pem"}}),
    ("the name etcd carries", {"endpoint": "etcd:2379"}),
    ("an untrusted client cert, but etcd asks for none", {"auth": False, "etcd": {
        "tlsCert": "/milvus/tls/other-client.pem", "tlsKey": "/milvus/tls/other-client.key"}}),
    ("tlsMinVersion 1.2 against an etcd capped at TLS 1.2", {"etcd_extra": " --tls-max-version TLS1.2",
                                                             "etcd": {"tlsMinVersion": "1.2"}}),
])
def test_near_misses_pass(tmp_path, tls, capsys, case, kw):
    exit_code, report = doctor(deployment(tmp_path, tls, **kw), capsys)
    assert (exit_code, etcd_link(report)["verdict"], etcd_link(report)["codes"]) == (0, "pass", []), case


def test_ssl_off_against_a_plaintext_etcd_is_a_plaintext_link(tmp_path, tls, capsys):
    exit_code, report = doctor(deployment(tmp_path, tls, server_tls=False, etcd={"enabled": False}), capsys)
    assert (exit_code, etcd_link(report)["verdict"]) == (0, "plaintext")


def test_without_etcd_s_side_the_link_is_incomplete_and_says_what_to_add(tmp_path, tls, capsys):
    exit_code, report = doctor(deployment(tmp_path, tls, with_etcd_service=False), capsys)
    link = etcd_link(report)
    assert (exit_code, report["verdict"], link["verdict"]) == (4, "incomplete", "incomplete")
    assert "--probe-links" in link["add"] and "--compose" in link["add"]


def test_a_deployment_that_says_nothing_of_etcd_tls_has_no_links(tmp_path, tls, capsys):
    """Milvus's default (a plaintext etcd, no etcd.ssl.* key): the report is as it was before links existed."""
    (tmp_path / "milvus.yaml").write_text("common:\n  security:\n    tlsMode: 1\ntls:\n  serverPemPath: "
                                          f"{tls}/etcd-server.pem\n  serverKeyPath: {tls}/etcd-server.key\n")
    code = main(["doctor", "--milvus-yaml", str(tmp_path / "milvus.yaml"), "--no-handshake", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert "links" not in report and code in (0, 1, 4)
    assert all("link" not in f for f in report["findings"])


def test_text_and_markdown_show_the_tls_map(tmp_path, tls, capsys):
    compose = deployment(tmp_path, tls, etcd={"tlsCACert": "/milvus/tls/other-ca.pem"})
    assert main(["doctor", "--compose", str(compose), "--no-handshake"]) == 1
    text = capsys.readouterr().out
    assert "TLS map" in text and "[milvus-etcd] etcd:2379: fail" in text and "etcd.server_untrusted" in text
    assert "openssl verify -CAfile" in text
    assert main(["doctor", "--compose", str(compose), "--no-handshake", "--format", "markdown"]) == 1
    md = capsys.readouterr().out
    assert "```mermaid" in md and '-->|"milvus-etcd: fail"|' in md


def test_junit_and_prometheus_carry_each_link(tmp_path, tls, capsys):
    compose = deployment(tmp_path, tls, server_cert="wrong-san")
    main(["doctor", "--compose", str(compose), "--no-handshake", "--format", "junit"])
    xml = capsys.readouterr().out
    assert 'classname="milvus-tls.link.milvus-etcd"' in xml and 'type="etcd.name_mismatch"' in xml
    main(["doctor", "--compose", str(compose), "--no-handshake", "--format", "prometheus"])
    prom = capsys.readouterr().out
    assert 'milvus_tls_link_success{target=' in prom and 'link="milvus-etcd"' in prom
    assert [l for l in prom.splitlines() if 'link="milvus-etcd"' in l][0].endswith(" 0")


def test_the_report_with_links_follows_the_published_schema(tmp_path, tls, capsys):
    jsonschema = pytest.importorskip("jsonschema")
    from milvus_tls_check.docs import report_schema
    schema = report_schema(json.loads((Path(__file__).resolve().parent.parent / "docs" /
                                       "report-v1.schema.json").read_text()))
    _, report = doctor(deployment(tmp_path, tls, with_etcd_service=False), capsys)
    jsonschema.validate(report, schema)


def test_link_registry_finds_each_kind():
    from milvus_tls_check.linkkinds import specs
    found = specs()
    assert list(found)[0] == "client-proxy" and {"milvus-etcd", "milvus-objectstore"} <= set(found)   # others: their tests
    etcd = found["milvus-etcd"]
    assert etcd.resolve("judge").__module__ == "milvus_tls_check.rules.links"
    assert etcd.resolve("prober").__module__ == "milvus_tls_check.handshake.etcdprobe"
    assert "etcd.ssl.tlsMinVersion" in etcd.settings and "Go crypto/tls" in etcd.decided_by


def test_operator_cr_spec_config_etcd_ssl_without_a_mount_fails_at_start(tmp_path, capsys):
    """milvus-operator#201: the Operator has no etcd TLS fields; spec.config.etcd.ssl with files no volume mounts is
    what makes Milvus panic at start (the pair is loaded unconditionally)."""
    (tmp_path / "cr.yaml").write_text(json.dumps({
        "apiVersion": "milvus.io/v1beta1", "kind": "Milvus", "metadata": {"name": "m"},
        "spec": {"mode": "standalone", "config": {"etcd": {"ssl": {
            "enabled": True, "tlsCert": "/milvus/etcd-tls/client.pem", "tlsKey": "/milvus/etcd-tls/client.key",
            "tlsCACert": "/milvus/etcd-tls/ca.pem"}}}}}))
    code = main(["doctor", "--k8s", str(tmp_path / "cr.yaml"), "--no-handshake", "--format", "json"])
    link = etcd_link(json.loads(capsys.readouterr().out))
    assert (code, link["verdict"]) == (1, "fail")
    assert link["codes"] == ["etcd.client_pair_unusable", "etcd.ca_unusable"]
    assert any(s["source"] == "Milvus m spec.config (cr.yaml)" for s in link["settings"])
