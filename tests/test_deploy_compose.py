"""Docker Compose: interpolation, volume syntax, service choice, and the whole doctor run through the mounts.

The end-to-end tests run `milvus-tls doctor --milvus-yaml milvus.yaml --compose docker-compose.yml` in-process on
a copy of the docs' layout with generated certificates in ./tls."""
from __future__ import annotations

import json
import shutil

import pytest

from milvus_tls_check import cli
from milvus_tls_check.deploy import DeploymentError
from milvus_tls_check.deploy.common import resolve
from milvus_tls_check.deploy.compose import interpolate, read_compose
from milvus_tls_check.model import Role

from tests.helpers import DEPLOY_FIXTURES, deployment, doctor_json


def doctor(args: list[str], capsys) -> tuple[int, dict, str]:
    status = cli.main(["doctor", *args, "--no-handshake", "--format", "json"])
    out, err = capsys.readouterr()
    assert out, f"no report; stderr: {err}"
    return status, json.loads(out), err


def report_codes(report: dict) -> set[str]:
    return {f["code"] for f in report["findings"]}


# --- end to end -------------------------------------------------------------------------------------------------

def test_doctor_finds_the_certificates_through_the_mounts_and_passes(docs, capsys):
    status, report, _ = doctor(["--milvus-yaml", str(docs / "milvus.yaml"), "--compose",
                                str(docs / "docker-compose.yml")], capsys)
    assert status == 0 and report["verdict"] == "pass", report["findings"]
    assert report["modes"] == [1]
    assert report["inputs"]["server_pem"] == str(docs / "tls" / "server.pem")
    assert report["inputs"]["server_key"] == str(docs / "tls" / "server.key")
    checks = {c["check"] for c in report["checks"]}
    assert {"files", "names"} <= checks                                    # the whole doctor ran on them
    notes = "\n".join(report["notes"])
    assert "volume ./tls:/milvus/tls of service standalone" in notes
    assert f'MilvusClient(uri="https://localhost:19530", server_pem_path="{docs / "tls" / "server.pem"}", ' \
           'server_name="localhost")' in notes


def test_doctor_with_compose_alone_reads_the_mounted_milvus_yaml(docs, capsys):
    status, report, _ = doctor(["--compose", str(docs / "docker-compose.yml")], capsys)
    assert status == 0 and report["modes"] == [1]
    assert any("mounted at /milvus/configs/milvus.yaml" in n for n in report["notes"])


def test_broken_mount_fails_with_path_not_mounted(docs, capsys):
    compose = docs / "docker-compose.yml"
    broken = docs / "broken-compose.yml"
    broken.write_text(compose.read_text().replace("/tls:/milvus/tls", "/tls:/milvus/certs"))
    status, report, _ = doctor(["--milvus-yaml", str(docs / "milvus.yaml"), "--compose", str(broken)], capsys)
    assert status == 1 and report["verdict"] == "fail"
    bad = [f for f in report["findings"] if f["code"] == "config.path_not_mounted"]
    assert {f["subject"] for f in bad} == {"/milvus/tls/server.pem", "/milvus/tls/server.key"}  # mode 1: no CA
    assert all(f["severity"] == "error" for f in bad)
    assert "/milvus/certs" in bad[0]["message"]           # says what is mounted instead


def test_missing_host_folder_is_reported_as_a_missing_file(docs, capsys):
    shutil.rmtree(docs / "tls")
    status, report, _ = doctor(["--compose", str(docs / "docker-compose.yml")], capsys)
    assert status == 1 and "file.missing" in report_codes(report)
    assert "config.path_not_mounted" not in report_codes(report)
    assert any("Docker binds an empty folder" in n for n in report["notes"])


def test_ca_not_mounted_only_matters_in_mode_2(docs):
    (docs / "tls" / "ca.pem").unlink()
    text = (docs / "milvus.yaml").read_text().replace("  caPemPath: /milvus/tls/ca.pem", "  caPemPath: /etc/ca.pem", 1)
    (docs / "m1.yaml").write_text(text)
    (docs / "m2.yaml").write_text(text.replace("    tlsMode: 1", "    tlsMode: 2"))
    compose = str(docs / "docker-compose.yml")
    assert deployment(milvus_yaml=[str(docs / "m1.yaml")], compose=compose, environ={}).findings == ()
    found = deployment(milvus_yaml=[str(docs / "m2.yaml")], compose=compose, environ={}).findings
    assert [(f.code, f.subject, f.modes) for f in found] == [("config.path_not_mounted", "/etc/ca.pem", (2,))]


def test_service_without_milvus_yaml_runs_the_image_config_with_tls_off(docs, capsys):
    compose = docs / "docker-compose.yml"
    text = compose.read_text().replace("      - ${DOCKER_VOLUME_DIRECTORY:-.}/milvus.yaml:/milvus/configs/milvus.yaml\n", "")
    compose.write_text(text)
    view = deployment(compose=str(compose), environ={})
    assert view.tls_mode == 0
    assert any("image's built-in configs/milvus.yaml" in n for n in view.notes)


def test_compose_environment_overrides_the_yaml(docs):
    compose = docs / "docker-compose.yml"
    compose.write_text(compose.read_text().replace("      MINIO_ADDRESS: minio:9000\n",
                                                   "      MINIO_ADDRESS: minio:9000\n      COMMON_SECURITY_TLSMODE: 2\n"))
    view = deployment(compose=str(compose), environ={})
    assert view.tls_mode == 2
    assert any("environment of service standalone" in n for n in view.notes)


# --- interpolation and syntax ---------------------------------------------------------------------------------------

def test_interpolation_forms():
    env = {"SET": "x", "EMPTY": ""}
    assert interpolate("${SET}/${UNSET}/$SET/$$SET", env) == "x//x/$SET"
    assert interpolate("${UNSET:-d}|${EMPTY:-d}|${EMPTY-d}|${UNSET-d}", env) == "d|d||d"
    assert interpolate("${SET:+alt}|${EMPTY:+alt}|${EMPTY+alt}", env) == "alt||alt"
    assert interpolate("${UNSET:-${SET}/tls}", env) == "x/tls"
    with pytest.raises(DeploymentError, match="required variable UNSET is missing: set it"):
        interpolate("${UNSET:?set it}", env, "docker-compose.yml")
    with pytest.raises(DeploymentError, match="unterminated"):
        interpolate("${SET", env)


def test_volume_directory_from_dot_env_and_shell(docs, tmp_path):
    elsewhere = tmp_path / "data"
    shutil.copytree(docs / "tls", elsewhere / "tls")
    shutil.copy(docs / "milvus.yaml", elsewhere / "milvus.yaml")
    (docs / ".env").write_text(f"# compose project settings\nDOCKER_VOLUME_DIRECTORY='{elsewhere}'\n")
    view = deployment(compose=str(docs / "docker-compose.yml"), environ={})
    assert view.paths[Role.SERVER_CERT] == str(elsewhere / "tls" / "server.pem")
    view = deployment(compose=str(docs / "docker-compose.yml"), environ={"DOCKER_VOLUME_DIRECTORY": str(docs)},
                      compose_env=("DOCKER_VOLUME_DIRECTORY",))
    assert view.paths[Role.SERVER_CERT] == str(docs / "tls" / "server.pem")      # the shell wins over .env


def test_long_syntax_secrets_and_relative_paths(tmp_path, shared_good):
    project = tmp_path / "project"
    shared_good.write(project / "certs")
    (project / "conf").mkdir()
    (project / "conf" / "user.yaml").write_text(
        "tls:\n  serverPemPath: /milvus/tls/server.pem\n  serverKeyPath: /run/secrets/milvus_key\n"
        "common:\n  security:\n    tlsMode: 1\nproxy:\n  http:\n    enabled: false\n")
    (project / "compose.yaml").write_text("""
services:
  milvus:
    image: milvusdb/milvus:v2.5.6
    entrypoint: ["/tini", "--"]
    command: milvus run standalone
    volumes:
      - type: bind
        source: ./certs/server.pem
        target: /milvus/tls/server.pem
        read_only: true
      - type: bind
        source: conf/user.yaml
        target: /milvus/configs/user.yaml
      - type: volume
        source: milvus-data
        target: /var/lib/milvus
    secrets:
      - source: server_key
        target: milvus_key
secrets:
  server_key:
    file: ./certs/server.key
volumes:
  milvus-data: {}
""")
    cv = read_compose(str(project / "compose.yaml"), shell_env={})
    assert cv.service == "milvus"
    assert resolve(cv.mounts, "/milvus/tls/server.pem").host == str(project / "certs" / "server.pem")
    assert resolve(cv.mounts, "/run/secrets/milvus_key").host == str(project / "certs" / "server.key")
    assert resolve(cv.mounts, "/var/lib/milvus/x").mount.unreadable.startswith("named volume")
    view = deployment(compose=str(project / "compose.yaml"), environ={})
    assert view.findings == () and view.tls_mode == 1
    assert view.paths[Role.SERVER_KEY] == str(project / "certs" / "server.key")


def test_service_choice(docs):
    compose = str(docs / "docker-compose.yml")
    assert read_compose(compose, shell_env={}).service == "standalone"
    with pytest.raises(DeploymentError, match="--service nope: not in .*etcd, minio, standalone"):
        read_compose(compose, "nope", shell_env={})
    assert read_compose(compose, "minio", shell_env={}).service == "minio"
    plain = docs / "plain.yml"
    plain.write_text("services:\n  web:\n    image: nginx\n")
    with pytest.raises(DeploymentError, match="no service runs Milvus"):
        read_compose(str(plain), shell_env={})
    with pytest.raises(DeploymentError, match="not a Compose file"):
        read_compose(str(docs / "milvus.yaml"), shell_env={})


def test_compose_usage_errors_exit_2(docs, capsys):
    status = cli.main(["doctor", "--compose", str(docs / "docker-compose.yml"), "--service", "nope", "--no-handshake"])
    _, err = capsys.readouterr()
    assert status == 2 and "--service nope" in err
    status = cli.main(["doctor", "--compose", str(docs / "nothing.yml"), "--no-handshake"])
    _, err = capsys.readouterr()
    assert status == 2 and "no such file" in err


# fixtures/deploy/links: the Compose deployment with TLS on each link that tests/integration/
# test_deployment_compose_real.py runs for real; here only how the doctor reads it (static, fast)
LINKS_MAP = {
    "docker-compose.yml": (0, {"client-proxy": ("pass", []), "milvus-etcd": ("pass", []),
                                "milvus-objectstore": ("pass", [])}),
    # a Milvus that cannot reach etcd (or its bucket) never serves: the front door fails with it, no code of its own
    "docker-compose-etcd-wrong-name.yml": (1, {"client-proxy": ("fail", []),
                                               "milvus-etcd": ("fail", ["etcd.name_mismatch"]),
                                               "milvus-objectstore": ("pass", [])}),
    "docker-compose-minio-ssl-off.yml": (1, {"client-proxy": ("fail", []), "milvus-etcd": ("pass", []),
                                             "milvus-objectstore": ("fail", ["objectstore.ssl_off_tls_server"])}),
}


@pytest.mark.parametrize("name", sorted(LINKS_MAP))
def test_the_links_deployment_gives_one_link_per_connection(name, capsys):
    status, report = doctor_json(["--compose", str(DEPLOY_FIXTURES / "links" / name)], capsys)
    assert (status, {link["kind"]: (link["verdict"], link["codes"]) for link in report["links"]}) == LINKS_MAP[name]
    etcd = next(link for link in report["links"] if link["kind"] == "milvus-etcd")
    assert etcd["address"] == "etcd:2379"   # ETCD_ENDPOINTS of the Milvus service, as milvus.yaml
    front = report["links"][0]
    failing = [link["kind"] for link in report["links"][1:] if link["verdict"] == "fail"]
    assert front.get("blocked_by", []) == failing, front


def test_the_summary_says_when_milvus_never_serves(capsys):
    """The per-mode verdict judges the front door's material; the summary adds that no mode has a server."""
    status = cli.main(["doctor", "--compose", str(DEPLOY_FIXTURES / "links" / "docker-compose-etcd-wrong-name.yml"),
                       "--no-handshake"])
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    assert status == 1
    assert summary.endswith("Milvus never serves while milvus-etcd fails: clients get no answer in any mode"), summary
    cli.main(["doctor", "--compose", str(DEPLOY_FIXTURES / "links" / "docker-compose.yml"), "--no-handshake"])
    assert "never serves" not in capsys.readouterr().out
