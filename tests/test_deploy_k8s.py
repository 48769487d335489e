"""Kubernetes: Secrets (data/stringData), Secret volumes with and without items, subPath, Helm values, the Milvus
Operator CR (and its sample's `common.tls` trap), plain manifests; materialised Secret files and their cleanup."""
from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest
import yaml

from milvus_tls_check import cli
from milvus_tls_check.deploy import (DeploymentError, SecretFolder)
from milvus_tls_check.model import Role, Severity

from tests.helpers import deployment

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "deploy" / "k8s"


def secret(name: str, data: dict[str, bytes], typ: str = "Opaque", string: bool = False) -> dict:
    doc = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": "milvus"}, "type": typ}
    if string:
        doc["stringData"] = {k: v.decode() for k, v in data.items()}
    else:
        doc["data"] = {k: base64.b64encode(v).decode() for k, v in data.items()}
    return doc


def write(path: Path, *docs: dict) -> str:
    path.write_text(yaml.safe_dump_all(docs))
    return str(path)


def doctor(args: list[str], capsys) -> tuple[int, dict, str]:
    status = cli.main(["doctor", *args, "--no-handshake", "--format", "json"])
    out, err = capsys.readouterr()
    assert out, f"no report; stderr: {err}"
    return status, json.loads(out), out + err


def codes(view) -> set[str]:
    return {f.code for f in view.findings}


@pytest.fixture
def secrets():
    """The private folder Secret contents are materialised into; removed when the test ends."""
    with SecretFolder() as folder:
        yield folder


@pytest.fixture
def operator_secret(tmp_path, shared_good) -> str:
    return write(tmp_path / "certs-secret.yaml", secret("certs", {
        "server.pem": shared_good.server.cert_pem(), "server.key": shared_good.server.key_pem(),
        "ca.pem": shared_good.ca.cert_pem()}))


# --- Milvus Operator ----------------------------------------------------------------------------------------------

def test_operator_sample_trap_common_tls(tmp_path, secrets):
    view = deployment(secrets, k8s=[str(FIX / "operator-tls-sample.yaml")])
    mis = [f for f in view.findings if f.code == "config.misnested"]
    assert {f.message.split(":")[0] for f in mis} == {
        "common.tls.serverPemPath", "common.tls.serverKeyPath", "common.tls.caPemPath"}
    assert all(f.severity is Severity.ERROR for f in mis)
    assert "Milvus my-release spec.config" in mis[0].message
    # what Milvus really loads: the defaults, the image's sample certificates (only /certs is mounted)
    [dc] = [f for f in view.findings if f.code == "config.default_certs"]
    assert dc.severity is Severity.ERROR
    assert "/milvus/configs/cert/server.pem" in dc.message and "/milvus/configs/cert/server.key" in dc.message
    assert "spec.config of the Milvus custom resource" in dc.fix
    assert not [f for f in view.findings if f.code == "config.path_not_mounted"]
    assert view.tls_mode == 1
    assert "config.http_port_shared" not in codes(view)       # the sample puts REST on 8080


def test_operator_cr_with_tls_at_top_level_passes(operator_secret, capsys):
    status, report, text = doctor(["--k8s", str(FIX / "operator-tls.yaml"), "--k8s", operator_secret], capsys)
    assert status == 0 and report["verdict"] == "pass", report["findings"]
    notes = "\n".join(report["notes"])
    assert "key server.pem of Secret certs (certs-secret.yaml), mounted by volume certs at /certs" in notes
    assert "removed at exit" in notes
    assert "PRIVATE KEY" not in text and "BEGIN CERTIFICATE" not in text


def test_materialised_secrets_are_private_and_removed(operator_secret, secrets):
    view = deployment(secrets, k8s=[str(FIX / "operator-tls.yaml"), operator_secret])
    assert view.findings == ()
    root = Path(view.facts.secret_dir)
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    key, cert = Path(view.paths[Role.SERVER_KEY]), Path(view.paths[Role.SERVER_CERT])
    assert str(key).startswith(str(root)) and key.name == "server.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    assert cert.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert all(str(root) not in n for n in view.notes)            # notes name Secrets, not temp files
    secrets.close()                                                # the caller owns the folder's lifetime
    assert not root.exists()


def test_placeholder_secret_of_the_sample_is_materialised_and_judged(tmp_path, capsys):
    fixed = (FIX / "operator-tls.yaml").read_text()
    sample_secret = (FIX / "operator-tls-sample.yaml").read_text().split("---\napiVersion: milvus.io")[0]
    (tmp_path / "both.yaml").write_text(sample_secret + "---\n" + fixed)
    status, report, _ = doctor(["--k8s", str(tmp_path / "both.yaml")], capsys)
    assert status == 1
    assert {"file.not_pem"} & {f["code"] for f in report["findings"]}     # "change to your own certificate"


# --- Helm values ------------------------------------------------------------------------------------------------

@pytest.fixture
def helm_secret(tmp_path, shared_good) -> str:
    return write(tmp_path / "milvus-tls.yaml", secret("milvus-tls", {
        "tls.crt": shared_good.server.cert_pem(), "tls.key": shared_good.server.key_pem()}, "kubernetes.io/tls"))


def test_helm_values_with_the_tls_secret_pass(helm_secret, capsys):
    status, report, _ = doctor(["--k8s", str(FIX / "helm-values-tls.yaml"), "--k8s", helm_secret], capsys)
    assert status == 0 and report["verdict"] == "pass", report["findings"]
    assert report["modes"] == [1]
    notes = "\n".join(report["notes"])
    assert "Helm values extraConfigFiles.user.yaml" in notes
    assert "key tls.crt of Secret milvus-tls (milvus-tls.yaml, kubernetes.io/tls)" in notes


def test_helm_values_without_the_secret_say_what_is_missing(secrets):
    view = deployment(secrets, k8s=[str(FIX / "helm-values-tls.yaml")])
    assert Role.SERVER_CERT not in view.paths
    notes = "\n".join(view.notes)
    assert "milvus-tls must exist already" in notes
    assert "Secret milvus-tls is not in the --k8s files" in notes


def test_helm_inline_crt_and_key_make_the_secret(tmp_path, shared_good, secrets):
    values = yaml.safe_load((FIX / "helm-values-tls.yaml").read_text())
    values["proxy"]["tls"].update(crt=base64.b64encode(shared_good.server.cert_pem()).decode(),
                                  key=base64.b64encode(shared_good.server.key_pem()).decode())
    view = deployment(secrets, k8s=[write(tmp_path / "values.yaml", values)])
    assert view.findings == ()
    assert Path(view.paths[Role.SERVER_CERT]).name == "tls.crt"


def test_helm_mode_2_has_no_ca_in_a_tls_secret(tmp_path, helm_secret, secrets):
    values = yaml.safe_load((FIX / "helm-values-tls.yaml").read_text())
    values["extraConfigFiles"]["user.yaml"] = values["extraConfigFiles"]["user.yaml"].replace(
        "tlsMode: 1", "tlsMode: 2").replace("serverKeyPath: /etc/milvus/certs/tls.key",
                                            "serverKeyPath: /etc/milvus/certs/tls.key\n  caPemPath: /etc/milvus/certs/ca.crt")
    view = deployment(secrets, k8s=[write(tmp_path / "values.yaml", values), helm_secret])
    [f] = [f for f in view.findings if f.code == "config.path_not_mounted"]
    assert f.subject == "/etc/milvus/certs/ca.crt" and f.modes == (2,)
    assert "provides tls.crt, tls.key, not ca.crt" in f.message


def test_helm_values_http_port_shared_both_ways(tmp_path, helm_secret, secrets):
    values = yaml.safe_load((FIX / "helm-values-tls.yaml").read_text())
    assert "config.http_port_shared" not in codes(deployment(secrets, k8s=[str(FIX / "helm-values-tls.yaml"), helm_secret]))
    values["extraConfigFiles"]["user.yaml"] = values["extraConfigFiles"]["user.yaml"].replace(
        "proxy:\n  http:\n    port: 8080\n", "")
    view = deployment(secrets, k8s=[write(tmp_path / "values.yaml", values), helm_secret])
    [f] = [f for f in view.findings if f.code == "config.http_port_shared"]
    # values.yaml sets proxy.http.enabled, which the chart never renders: Milvus's default (true) decides
    assert "does not render proxy.http" in f.message and "Milvus 2.5.6" in f.message
    assert f.severity is Severity.ERROR and "extraConfigFiles.user.yaml" in f.fix


# --- plain manifests -------------------------------------------------------------------------------------------

@pytest.fixture
def cert_manager_secret(tmp_path, shared_good) -> str:
    return write(tmp_path / "milvus-certs.yaml", secret("milvus-certs", {
        "tls.crt": shared_good.server.cert_pem(), "tls.key": shared_good.server.key_pem(),
        "ca.crt": shared_good.ca.cert_pem()}, "kubernetes.io/tls"))


def test_manifests_with_items_and_configmap_subpath_pass_mutual(tmp_path, shared_good, cert_manager_secret, capsys):
    client = tmp_path / "client"
    shared_good.write(client)
    status, report, _ = doctor(["--k8s", str(FIX / "standalone-manifests.yaml"), "--k8s", cert_manager_secret,
                                "--client-pem", str(client / "client.pem"), "--client-key", str(client / "client.key"),
                                "--client-ca-pem", str(client / "ca.pem")], capsys)
    assert status == 0 and report["modes"] == [2], report["findings"]
    notes = "\n".join(report["notes"])
    assert "/milvus/tls/server.pem -> key tls.crt of Secret milvus-certs" in notes
    assert "key user.yaml of ConfigMap milvus-config" in notes


def test_secret_without_a_listed_key(tmp_path, shared_good, secrets):
    partial = write(tmp_path / "partial.yaml", secret("milvus-certs", {
        "tls.crt": shared_good.server.cert_pem(), "tls.key": shared_good.server.key_pem()}, "kubernetes.io/tls"))
    view = deployment(secrets, k8s=[str(FIX / "standalone-manifests.yaml"), partial])
    [f] = [f for f in view.findings if f.code == "config.path_not_mounted"]
    assert f.subject == "/milvus/tls/ca.pem" and "not ca.pem" in f.message
    assert any("lists key ca.crt" in n for n in view.notes)


def test_string_data_subpath_list_kind_and_env(tmp_path, shared_good, secrets):
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "milvus"},
           "spec": {"containers": [
               {"name": "attu", "image": "zilliz/attu:v2.5"},
               {"name": "milvus", "image": "milvusdb/milvus:v2.5.6", "command": ["milvus", "run", "standalone"],
                "env": [{"name": "COMMON_SECURITY_TLSMODE", "value": "1"},
                        {"name": "TLS_SERVERPEMPATH", "value": "/tls/server.pem"},
                        {"name": "TLS_SERVERKEYPATH", "value": "/tls/key.pem"},
                        {"name": "PROXY_HTTP_ENABLED", "value": "false"}],
                "volumeMounts": [{"name": "pem", "mountPath": "/tls/server.pem", "subPath": "server.pem"},
                                 {"name": "pem", "mountPath": "/tls/key.pem", "subPath": "server.key"}]}],
               "volumes": [{"name": "pem", "projected": {"sources": [{"secret": {"name": "tls-files"}}]}}]}}
    listing = {"apiVersion": "v1", "kind": "List", "items": [pod, secret("tls-files", {
        "server.pem": shared_good.server.cert_pem(), "server.key": shared_good.server.key_pem()}, string=True)]}
    view = deployment(secrets, k8s=[write(tmp_path / "pod.yaml", listing)])
    assert view.tls_mode == 1 and view.findings == ()
    assert Path(view.paths[Role.SERVER_KEY]).read_bytes() == shared_good.server.key_pem()
    assert any("checked Pod milvus, container milvus" in n for n in view.notes)


def test_bad_base64_is_noted(tmp_path, shared_good, secrets):
    bad = secret("certs", {"server.pem": shared_good.server.cert_pem()})
    bad["data"]["server.key"] = "not base64!!"
    view = deployment(secrets, k8s=[str(FIX / "operator-tls.yaml"), write(tmp_path / "s.yaml", bad)])
    assert any("key server.key" in n and "not valid base64" in n for n in view.notes)
    assert [f.subject for f in view.findings if f.code == "config.path_not_mounted"] == ["/certs/server.key"]


def test_k8s_usage_errors(tmp_path, secrets):
    only_configmap = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"a": "b"}}
    with pytest.raises(DeploymentError, match="no Milvus workload"):
        deployment(secrets, k8s=[write(tmp_path / "only-configmap.yaml", only_configmap)])
    (tmp_path / "broken.yaml").write_text("kind: Secret\n  data: [\n")
    with pytest.raises(DeploymentError, match="not valid YAML"):
        deployment(secrets, k8s=[str(tmp_path / "broken.yaml")])
