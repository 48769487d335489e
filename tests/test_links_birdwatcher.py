"""The Birdwatcher -> etcd link, statically (rules/links.py judge_birdwatcher_etcd): Birdwatcher's connect line
(--birdwatcher-args) against the etcd service of a Compose file, judged with the etcd link's rules and codes in
Birdwatcher's own flags; each code's trigger and its near miss. The same cases run against real etcd, decided by
real Go with Birdwatcher's tls.Config, in tests/integration/test_links_birdwatcher_real.py (docs/links.md part 4)."""
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
PAIR = "--etcdCert tls/client.pem --etcdKey tls/client.key"
GOOD = f"connect --etcd localhost:2379 --enableTLS --rootCAPem tls/ca.pem {PAIR}"


@pytest.fixture(scope="module")
def tls(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bw-tls")
    ca, other = make_ca("etcd CA"), make_ca("other CA")
    (out / "ca.pem").write_bytes(ca.cert_pem())
    (out / "other-ca.pem").write_bytes(other.cert_pem())
    (out / "not-a-ca.pem").write_text("not PEM\n")
    make_leaf(ca, "etcd", dns=("etcd", "localhost"), ips=("127.0.0.1",), eku=("server", "client")).write(
        out / "etcd-server.pem", out / "etcd-server.key")
    make_leaf(ca, "elsewhere", dns=("etcd.example",), eku=("server", "client")).write(out / "wrong-san.pem",
                                                                                      out / "wrong-san.key")
    make_leaf(ca, "birdwatcher", dns=("bw",), eku=("client",)).write(out / "client.pem", out / "client.key")
    make_leaf(other, "birdwatcher", dns=("bw",), eku=("client",)).write(out / "other-client.pem",
                                                                        out / "other-client.key")
    return out


@pytest.fixture
def project(tmp_path, tls, monkeypatch):
    """A folder with ./tls (Birdwatcher's files, relative to where it runs) and a Compose file writer."""
    (tmp_path / "tls").symlink_to(tls, target_is_directory=True)
    monkeypatch.chdir(tmp_path)

    def compose(*, server_tls: bool = True, auth: bool = True, extra: str = "", server_cert: str = "etcd-server",
                milvus_min: str = "1.2") -> Path:
        ssl = {"enabled": True, "tlsCert": "/milvus/tls/client.pem", "tlsKey": "/milvus/tls/client.key",
               "tlsCACert": "/milvus/tls/ca.pem", "tlsMinVersion": milvus_min}
        (tmp_path / "milvus.yaml").write_text(json.dumps({"etcd": {"endpoints": ["etcd:2379"],
                                                                   "ssl": ssl if server_tls else {"enabled": False}}}))
        cmd = ETCD_CMD.format(scheme="https" if server_tls else "http",
                              tls=(TLS_FLAGS.replace("etcd-server", server_cert) if server_tls else "")
                              + (AUTH_FLAGS if auth and server_tls else "") + extra)
        services = {"standalone": {"image": "milvusdb/milvus:v2.3.5", "command": ["milvus", "run", "standalone"],
                                   "volumes": ["./milvus.yaml:/milvus/configs/milvus.yaml", "./tls:/milvus/tls"]},
                    "etcd": {"image": "quay.io/coreos/etcd:v3.5.5", "command": cmd, "volumes": ["./tls:/etcd/tls"]}}
        (tmp_path / "docker-compose.yml").write_text(json.dumps({"services": services}))
        return tmp_path / "docker-compose.yml"
    return compose


def doctor(capsys, line: str, *extra: str) -> tuple[int, dict, dict]:
    code = main(["doctor", "--birdwatcher-args", line, "--no-handshake", "--format", "json", *extra])
    report = json.loads(capsys.readouterr().out)
    links = {link["kind"]: link for link in report["links"]}
    return code, links["birdwatcher-etcd"], report


def test_good_line_passes_with_birdwatchers_settings_and_files(project, capsys):
    code, link, report = doctor(capsys, GOOD, "--compose", str(project()))
    assert (code, report["verdict"], link["verdict"], link["codes"]) == (0, "pass", "pass", [])
    assert [l["kind"] for l in report["links"]] == ["client-proxy", "milvus-etcd", "birdwatcher-etcd"]
    assert link["address"] == "localhost:2379" and link["modelled"] is True
    assert {"key": "--min_version", "value": "1.2", "source": "Birdwatcher's default"} in link["settings"]
    files = {f["role"]: f for f in link["files"]}
    assert files["--rootCAPem"] == {"role": "--rootCAPem", "path": "tls/ca.pem", "host": str(Path.cwd() / "tls/ca.pem")}


@pytest.mark.parametrize("case, line, kw, code", [
    ("no --enableTLS vs a TLS etcd", "connect --etcd localhost:2379", {}, "etcd.ssl_off_tls_server"),
    ("--enableTLS vs a plaintext etcd", GOOD, {"server_tls": False}, "etcd.ssl_on_plain_server"),
    ("wrong CA", GOOD.replace("tls/ca.pem", "tls/other-ca.pem"), {}, "etcd.server_untrusted"),
    ("no --rootCAPem: the system roots only", f"connect --etcd localhost:2379 --enableTLS {PAIR}", {},
     "etcd.server_untrusted"),
    ("--rootCAPem without PEM", GOOD.replace("tls/ca.pem", "tls/not-a-ca.pem"), {}, "etcd.ca_unusable"),
    ("--rootCAPem missing", GOOD.replace("tls/ca.pem", "tls/nowhere.pem"), {}, "etcd.ca_unusable"),
    ("no client pair vs --client-cert-auth", "connect --etcd localhost:2379 --enableTLS --rootCAPem tls/ca.pem", {},
     "etcd.client_pair_unusable"),
    ("no client pair, etcd asks none", "connect --etcd localhost:2379 --enableTLS --rootCAPem tls/ca.pem",
     {"auth": False}, "etcd.client_pair_unusable"),
    ("client pair from another CA", GOOD.replace("tls/client.", "tls/other-client."), {}, "etcd.client_cert_untrusted"),
    ("name not in etcd's SAN", GOOD, {"server_cert": "wrong-san"}, "etcd.name_mismatch"),
    ("--min_version 1.3 vs a TLS 1.2-only etcd", GOOD + " --min_version 1.3", {"extra": " --tls-max-version TLS1.2"},
     "etcd.min_version_too_high"),
    ("--min_version 1.4", GOOD + " --min_version 1.4", {}, "etcd.min_version_invalid"),
    ("a flag Birdwatcher does not know", GOOD.replace("--enableTLS", "--enableTls"), {}, "birdwatcher.args_refused"),
    ("a scheme in --etcd", GOOD.replace("localhost:2379", "https://localhost:2379"), {}, "birdwatcher.args_refused"),
])
def test_each_cause_fails_the_link_with_its_code(case, line, kw, code, project, capsys):
    status, link, report = doctor(capsys, line, "--compose", str(project(**kw)))
    assert (status, link["verdict"], link["codes"]) == (1, "fail", [code]), (case, link)
    found = next(f for f in report["findings"] if f["code"] == code and f["link"] == "birdwatcher-etcd")
    assert found["subject"].startswith("Birdwatcher -> etcd")
    assert "etcd.ssl" not in found["message"] and "etcd.ssl" not in found["fix"], found   # Birdwatcher's words


def test_min_version_default_12_passes_where_milvus_default_13_fails(project, capsys):
    """The near miss of min_version_too_high, and the difference the issue names: the same TLS 1.2-only etcd."""
    compose = project(extra=" --tls-max-version TLS1.2", milvus_min="1.3")
    status, link, report = doctor(capsys, GOOD, "--compose", str(compose))
    milvus = next(l for l in report["links"] if l["kind"] == "milvus-etcd")
    assert (link["verdict"], link["codes"]) == ("pass", [])
    assert (milvus["verdict"], milvus["codes"]) == ("fail", ["etcd.min_version_too_high"]) and status == 1


def test_near_misses_pass(project, capsys):
    compose = str(project(auth=False))
    for line in (GOOD, GOOD + " --min_version 1.3", GOOD.replace("--enableTLS", "--enableTLS=true")):
        status, link, _ = doctor(capsys, line, "--compose", compose)
        assert (status, link["verdict"], link["codes"]) == (0, "pass", []), line
    status, link, _ = doctor(capsys, "connect --etcd localhost:2379", "--compose", str(project(server_tls=False)))
    assert (status, link["verdict"], link["codes"]) == (0, "plaintext", [])


def test_settings_birdwatcher_ignores_are_warnings_beside_the_cause(project, capsys):
    status, link, report = doctor(capsys, "connect --etcd localhost:2379 --use_ssl", "--compose", str(project()))
    assert (status, link["codes"]) == (1, ["client.setting_ignored", "etcd.ssl_off_tls_server"])
    ignored = next(f for f in report["findings"] if f["code"] == "client.setting_ignored")
    assert ignored["severity"] == "warning" and "--use_ssl" in ignored["message"]
    # `--enableTLS false`: pflag's bool flag takes no word, so TLS is on: against a plaintext etcd that fails
    status, link, report = doctor(capsys, "connect --etcd localhost:2379 --enableTLS false", "--compose",
                                  str(project(server_tls=False)))
    assert link["codes"] == ["client.setting_ignored", "etcd.client_pair_unusable", "etcd.ssl_on_plain_server"]


def test_refused_line_names_the_line_birdwatcher_takes(project, capsys):
    _, link, report = doctor(capsys, GOOD.replace("--enableTLS", "-enableTLS"), "--compose", str(project()))
    fix = next(f["fix"] for f in report["findings"] if f["code"] == "birdwatcher.args_refused")
    assert fix.startswith(f"Run `{GOOD}`"), fix


def test_without_etcds_side_the_link_is_incomplete_and_only_it_is_on_the_map(project, capsys):
    status, link, report = doctor(capsys, GOOD)
    assert (status, report["verdict"], link["verdict"]) == (4, "incomplete", "incomplete")
    assert "--probe-links" in link["add"]
    assert report["links"][0]["verdict"] == "not-applicable" and report["modes"] == []
    assert report["notes"] == [] or not any("mode 2" in n for n in report["notes"])


def test_use_tikv_is_not_an_etcd_link(project, capsys):
    status, link, _ = doctor(capsys, "connect --use_tikv --tikv localhost:2389")
    assert (status, link["verdict"]) == (0, "not-applicable")
