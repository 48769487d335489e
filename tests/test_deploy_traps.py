"""Issue 14: the Milvus 2.3-2.6 deployment traps, from the real-layout fixtures in fixtures/deploy/traps/ (each
README-cited), judged per Milvus line: the code and severity of each broken file, and the same files passing once
fixed. Plus the live side of traps 5 and 6: what the probe says when a proxy or authorization answers.
"""
from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest
import yaml

from milvus_tls_check import cli
from milvus_tls_check.deploy import SecretFolder
from milvus_tls_check.deploy.pymilvus_args import parse_args
from milvus_tls_check.facts.pymilvus import ClientParams, Target
from milvus_tls_check.handshake import explain
from milvus_tls_check.handshake import interpret
from milvus_tls_check.handshake.plan import HandshakePlan, PlannedAttempt
from milvus_tls_check.handshake.probe import ProbeResult
from milvus_tls_check.handshake.run import RawAttempt
from milvus_tls_check.model import ClientImpl, ClientKind, Request, Role, ServerImpl, ServerKind, Severity
from milvus_tls_check.rules.config import http_refuses

from tests.helpers import deployment, judge_deployment

TRAPS = Path(__file__).resolve().parent.parent / "fixtures" / "deploy" / "traps"


def found(view, code: str) -> list[tuple[str, Severity]]:
    return [(f.code, f.severity) for f in view.findings if f.code == code]


def errors(view) -> list[str]:
    return [f"{f.code}: {f.message}" for f in view.findings if f.severity is Severity.ERROR]


def copy(name: str, tmp_path: Path, shared_good, tag: str | None = None) -> Path:
    """The fixture folder in tmp_path with the generated certificate set in tls/, the image tag changed."""
    d = tmp_path / name
    shutil.copytree(TRAPS / name, d)
    shared_good.write(d / "tls")
    if tag:
        for f in d.glob("docker-compose*.yml"):
            f.write_text(f.read_text().replace("image: milvusdb/milvus:v2.4.12", f"image: milvusdb/milvus:{tag}")
                         .replace("image: milvusdb/milvus:v2.5.6", f"image: milvusdb/milvus:{tag}"))
    return d


def compose(d: Path, file: str = "docker-compose.yml", **kw):
    return deployment(compose=str(d / file), environ={}, **kw)


def kube_secret(name: str, data: dict[str, bytes]) -> dict:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "type": "kubernetes.io/tls",
            "data": {k: base64.b64encode(v).decode() for k, v in data.items()}}


@pytest.fixture
def secrets():
    with SecretFolder() as folder:
        yield folder


@pytest.fixture
def k8s_secrets(tmp_path, shared_good) -> str:
    """milvus-tls (tls.crt/tls.key), milvus-internal-tls (+ ca.crt), as cert-manager or kubectl create them."""
    crt, key, ca = shared_good.server.cert_pem(), shared_good.server.key_pem(), shared_good.ca.cert_pem()
    p = tmp_path / "secrets.yaml"
    p.write_text(yaml.safe_dump_all([kube_secret("milvus-tls", {"tls.crt": crt, "tls.key": key}),
                                     kube_secret("milvus-internal-tls", {"tls.crt": crt, "tls.key": key, "ca.crt": ca})]))
    return str(p)


# --- 1. REST on the gRPC port, by release -----------------------------------------------------------------------

@pytest.mark.parametrize("tag,severity", [
    ("v2.3.5", Severity.WARNING),      # service.go: REST served through cmux only in tlsMode 0; lost otherwise
    ("v2.4.12", Severity.WARNING),     # the last 2.4 before listener_manager.go (milvus#36459)
    ("v2.4.13", Severity.ERROR),       # refuses to start
    ("v2.5.6", Severity.ERROR),
    ("v2.6.7", Severity.ERROR),        # milvus#46312
])
def test_rest_port_shared_by_release(tmp_path, shared_good, tag, severity):
    d = copy("rest-port", tmp_path, shared_good, tag)
    view = compose(d)
    assert found(view, "config.http_port_shared") == [("config.http_port_shared", severity)]
    [f] = [f for f in view.findings if f.code == "config.http_port_shared"]
    assert f"Milvus {tag[1:]}" in f.message                                   # the line judged is named
    assert ("this Milvus refuses to start" in f.message) is (severity is Severity.ERROR)
    assert "user.yaml mounted at /milvus/configs/user.yaml" in f.fix and "proxy: {http: {port: 19121}}" in f.fix
    (d / "user.yaml").write_text((d / "user-fixed.yaml").read_text())
    assert compose(d).findings == (), errors(compose(d))


@pytest.mark.parametrize("line,patch,refuses", [("2.3", None, False), ("2.3", 22, False), ("2.4", 12, False),
                                                ("2.4", 13, True), ("2.4", None, True), ("2.5", 0, True),
                                                ("2.6", None, True)])
def test_http_refusal_table(line, patch, refuses):
    assert http_refuses(line, patch) is refuses


@pytest.mark.parametrize("line,severity", [("2.3", Severity.WARNING), ("2.4", Severity.ERROR),
                                           ("2.5", Severity.ERROR), ("2.6", Severity.ERROR)])
def test_rest_port_from_each_lines_default_milvus_yaml(tmp_path, line, severity):
    user = tmp_path / "user.yaml"
    user.write_text("common:\n  security:\n    tlsMode: 1\n")
    facts = deployment(milvus_yaml=[str(TRAPS / "lines" / f"milvus-{line}.yaml"), str(user)]).facts
    checks = judge_deployment(facts, request=Request(paths={}, milvus_version=line))
    got = [(f.code, f.severity) for c in checks for f in c.findings if f.code == "config.http_port_shared"]
    assert got == [("config.http_port_shared", severity)]
    assert f"Milvus {line}" in next(f.message for c in checks for f in c.findings if f.code == "config.http_port_shared")


def test_helm_does_not_render_proxy_http_from_values(tmp_path, k8s_secrets, secrets):
    values = yaml.safe_load((TRAPS / "internal-tls" / "values-fixed.yaml").read_text())
    values["extraConfigFiles"]["user.yaml"] = values["extraConfigFiles"]["user.yaml"].replace(
        "proxy:\n  http:\n    port: 19121\n", "")
    values["proxy"]["http"] = {"enabled": False}          # what users try: the chart never renders it
    p = tmp_path / "values.yaml"
    p.write_text(yaml.safe_dump(values))
    view = deployment(secrets, k8s=[str(p), k8s_secrets])
    assert found(view, "config.http_port_shared") == [("config.http_port_shared", Severity.ERROR)]
    [f] = [f for f in view.findings if f.code == "config.http_port_shared"]
    assert "does not render proxy.http" in f.message and "extraConfigFiles.user.yaml" in f.fix
    assert any("proxy.http.enabled" in n and "not rendered" in n for n in view.notes)


# --- 2. internal TLS (2.5+) ---------------------------------------------------------------------------------------

def test_internal_tls_mounted_for_the_proxy_only_helm(k8s_secrets, secrets):
    view = deployment(secrets, k8s=[str(TRAPS / "internal-tls" / "values.yaml"), k8s_secrets])
    assert found(view, "config.internal_tls_files") == [("config.internal_tls_files", Severity.ERROR)]
    assert found(view, "config.internal_sni_mismatch") == [("config.internal_sni_mismatch", Severity.ERROR)]
    [f] = [f for f in view.findings if f.code == "config.internal_tls_files"]
    assert "only the proxy pod" in f.message and "can't create creds" in f.message
    assert "top level of the Helm values" in f.fix
    [s] = [f for f in view.findings if f.code == "config.internal_sni_mismatch"]
    assert "'milvus-internal'" in s.message and "DNS:localhost" in s.message and "Milvus 2.5.6" in s.message


def test_internal_tls_fixed_helm_passes(k8s_secrets, secrets):
    view = deployment(secrets, k8s=[str(TRAPS / "internal-tls" / "values-fixed.yaml"), k8s_secrets])
    assert errors(view) == []
    assert not found(view, "config.internal_tls_files") and not found(view, "config.internal_sni_mismatch")


def test_internal_tls_operator_proxy_only_mount(k8s_secrets, secrets):
    view = deployment(secrets, k8s=[str(TRAPS / "internal-tls" / "operator.yaml"), k8s_secrets])
    assert found(view, "config.internal_tls_files") == [("config.internal_tls_files", Severity.ERROR)]
    [f] = [f for f in view.findings if f.code == "config.internal_tls_files"]
    assert "spec.components.volumes" in f.fix
    assert not found(view, "config.internal_sni_mismatch")          # sni localhost is in the certificate


def test_internal_tls_on_2_4_is_ignored_there(tmp_path, k8s_secrets, secrets):
    values = (TRAPS / "internal-tls" / "values.yaml").read_text().replace("tag: v2.5.6", "tag: v2.4.23")
    p = tmp_path / "values.yaml"
    p.write_text(values)
    view = deployment(secrets, k8s=[str(p), k8s_secrets])
    assert found(view, "config.internal_tls_files") == [("config.internal_tls_files", Severity.WARNING)]
    assert not found(view, "config.internal_sni_mismatch")
    assert "only from Milvus 2.5.0" in view.findings[[f.code for f in view.findings].index(
        "config.internal_tls_files")].message


def test_internal_tls_missing_and_unusable_files_compose(tmp_path, shared_good):
    d = copy("rest-port", tmp_path, shared_good, "v2.5.6")
    (d / "tls" / "internal.key").write_text("not a key\n")
    (d / "user.yaml").write_text((d / "user-fixed.yaml").read_text() + (
        "internaltls:\n  serverPemPath: /milvus/tls/server.pem\n  serverKeyPath: /milvus/tls/internal.key\n"
        "  caPemPath: /milvus/internal/ca.pem\n  sni: localhost\n"
        "common:\n  security:\n    tlsMode: 1\n    internaltlsEnabled: true\n"))
    view = compose(d)
    bad = [f for f in view.findings if f.code == "config.internal_tls_files"]
    assert {f.subject for f in bad} == {"/milvus/tls/internal.key", "/milvus/internal/ca.pem"}
    assert all(f.severity is Severity.ERROR for f in bad)
    (d / "user.yaml").write_text((d / "user.yaml").read_text().replace("/milvus/tls/internal.key", "/milvus/tls/server.key")
                                 .replace("/milvus/internal/ca.pem", "/milvus/tls/ca.pem"))
    assert errors(compose(d)) == []


# --- 3. tlsMode without tls.* paths: the image's test certificates ---------------------------------------------

def test_default_certs_compose(tmp_path, shared_good):
    d = copy("default-certs", tmp_path, shared_good)
    view = compose(d)
    assert found(view, "config.default_certs") == [("config.default_certs", Severity.ERROR)]
    [f] = [f for f in view.findings if f.code == "config.default_certs"]
    assert "/milvus/configs/cert/server.pem" in f.message and "private key is public" in f.message
    assert "tls.serverPemPath" in f.message and "user.yaml mounted at /milvus/configs/user.yaml" in f.fix
    assert not found(view, "config.path_not_mounted") and not [x for x in view.findings if x.code == "file.missing"]
    assert compose(d, "docker-compose-fixed.yml").findings == ()


def test_default_certs_loopback_is_a_warning_and_milvus_yaml_alone(tmp_path):
    # milvus.yaml alone (a Milvus run from its source tree): configs/cert holds the repository's samples
    root = tmp_path / "milvus"
    shutil.copytree(TRAPS / "default-certs" / "milvus-samples", root / "configs" / "cert")
    (root / "configs" / "milvus.yaml").write_text((TRAPS / "lines" / "milvus-2.5.yaml").read_text())
    user = root / "configs" / "user.yaml"
    user.write_text("common:\n  security:\n    tlsMode: 1\nproxy:\n  http:\n    port: 19121\n")
    files = [str(root / "configs" / "milvus.yaml"), str(user)]
    args = json.dumps({"uri": "https://127.0.0.1:19530", "server_pem_path": "ca.pem"})
    view = deployment(milvus_yaml=files, pymilvus_args=args)
    assert found(view, "config.default_certs") == [("config.default_certs", Severity.WARNING)]
    [f] = [f for f in view.findings if f.code == "config.default_certs"]
    assert "Milvus's sample server.pem" in f.message
    remote = json.dumps({"uri": "https://milvus.example.com:19530", "server_pem_path": "ca.pem"})
    view = deployment(milvus_yaml=files, pymilvus_args=remote)
    assert found(view, "config.default_certs") == [("config.default_certs", Severity.ERROR)]


def test_copied_sample_certificates_are_default_certs_too(tmp_path, shared_good):
    d = copy("rest-port", tmp_path, shared_good, "v2.5.6")
    for name in ("server.pem", "server.key"):
        shutil.copy(TRAPS / "default-certs" / "milvus-samples" / name, d / "tls" / name)
    (d / "user.yaml").write_text((d / "user-fixed.yaml").read_text().replace("tlsMode: 1", "tlsMode: 2"))
    [f] = [f for f in compose(d).findings if f.code == "config.default_certs"]
    assert f.severity is Severity.ERROR and "mint a client certificate" in f.message
    assert "tls.serverPemPath (/milvus/tls/server.pem" in f.message and "sample server.pem" in f.message


def test_default_certs_cli_reports_without_a_readable_server_file(tmp_path, shared_good, capsys):
    d = copy("default-certs", tmp_path, shared_good)
    status = cli.main(["doctor", "--compose", str(d / "docker-compose.yml"), "--no-handshake", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 1
    assert [(f["code"], f["severity"]) for f in report["findings"] if f["code"].startswith("config.")] == [
        ("config.default_certs", "error")]


# --- 4. Helm proxy.tls.enabled ------------------------------------------------------------------------------------

def test_helm_proxy_tls_enabled_alone_is_incomplete(secrets):
    view = deployment(secrets, k8s=[str(TRAPS / "helm-proxy-tls" / "values.yaml")])
    assert found(view, "config.helm_tls_incomplete") == [("config.helm_tls_incomplete", Severity.ERROR)]
    [f] = [f for f in view.findings if f.code == "config.helm_tls_incomplete"]
    for said in ("kubernetes.io/tls Secret milvus-tls", "no ca.crt", "common.security.tlsMode=1",
                 "no volume mounts the Secret milvus-tls", "not set in extraConfigFiles.user.yaml"):
        assert said in f.message, said
    assert "extraConfigFiles.user.yaml" in f.fix and "proxy.volumeMounts" in f.fix
    assert view.tls_mode == 0                                     # what Milvus really runs with


def test_helm_proxy_tls_fixed_passes(tmp_path, shared_good, secrets):
    values = yaml.safe_load((TRAPS / "helm-proxy-tls" / "values-fixed.yaml").read_text())
    values["proxy"]["tls"].update(crt=base64.b64encode(shared_good.server.cert_pem()).decode(),
                                  key=base64.b64encode(shared_good.server.key_pem()).decode())
    p = tmp_path / "values.yaml"
    p.write_text(yaml.safe_dump(values))
    view = deployment(secrets, k8s=[str(p)])
    assert errors(view) == [] and not found(view, "config.helm_tls_incomplete")
    assert view.tls_mode == 1


def test_helm_set_tlsmode_without_proxy_tls(tmp_path, secrets):
    p = tmp_path / "values.yaml"
    p.write_text("cluster:\n  enabled: false\ncommon:\n  security:\n    tlsMode: 1\n")
    view = deployment(secrets, k8s=[str(p)])
    [f] = [f for f in view.findings if f.code == "config.helm_tls_incomplete"]
    assert "common.security.tlsMode=1" in f.message


# --- 5. an ingress in front of Milvus -----------------------------------------------------------------------------

@pytest.fixture
def ingress_secret(tmp_path) -> str:
    from tests.certfactory import good_set
    s = good_set(names=("milvus.example.com",), ips=())
    p = tmp_path / "ingress-secret.yaml"
    p.write_text(yaml.safe_dump(kube_secret("milvus-ingress-tls", {"tls.crt": s.server.cert_pem(),
                                                                   "tls.key": s.server.key_pem()})))
    return str(p)


def test_ingress_grpc_in_front_of_tls_milvus(k8s_secrets, ingress_secret, secrets):
    view = deployment(secrets, k8s=[str(TRAPS / "ingress" / "values.yaml"), k8s_secrets, ingress_secret])
    assert found(view, "config.ingress_backend_protocol") == [("config.ingress_backend_protocol", Severity.ERROR)]
    [f] = [f for f in view.findings if f.code == "config.ingress_backend_protocol"]
    assert "backend-protocol GRPC" in f.message and "502" in f.message
    assert "backend-protocol: GRPCS" in f.fix
    assert not found(view, "config.ingress_name_mismatch")


def test_ingress_fixed_passes(k8s_secrets, ingress_secret, secrets):
    view = deployment(secrets, k8s=[str(TRAPS / "ingress" / "values-fixed.yaml"), k8s_secrets, ingress_secret])
    assert errors(view) == []


def test_ingress_manifest_and_the_clients_server_name(k8s_secrets, ingress_secret, secrets, tmp_path):
    manifests = [str(TRAPS / "internal-tls" / "values-fixed.yaml"), k8s_secrets, ingress_secret,
                 str(TRAPS / "ingress" / "ingress.yaml")]
    view = deployment(secrets, k8s=manifests)
    assert found(view, "config.ingress_backend_protocol") == [("config.ingress_backend_protocol", Severity.ERROR)]
    args = json.dumps({"uri": "https://milvus.internal.example.com:443", "server_pem_path": "ca.pem"})
    view = deployment(secrets, k8s=manifests, pymilvus_args=args)
    [f] = [f for f in view.findings if f.code == "config.ingress_name_mismatch"]
    assert "'milvus.internal.example.com'" in f.message and f.severity is Severity.ERROR
    ok = json.dumps({"uri": "https://milvus.example.com:443", "server_pem_path": "ca.pem"})
    assert not found(deployment(secrets, k8s=manifests, pymilvus_args=ok), "config.ingress_name_mismatch")


def test_ingress_secret_without_the_name(k8s_secrets, secrets, tmp_path, shared_good):
    # an ingress TLS Secret whose certificate is for localhost: the rule host milvus.example.com is not in it
    p = tmp_path / "ingress-localhost.yaml"
    p.write_text(yaml.safe_dump(kube_secret("milvus-ingress-tls", {"tls.crt": shared_good.server.cert_pem(),
                                                                   "tls.key": shared_good.server.key_pem()})))
    view = deployment(secrets, k8s=[str(TRAPS / "ingress" / "values-fixed.yaml"), k8s_secrets, str(p)])
    [f] = [f for f in view.findings if f.code == "config.ingress_name_mismatch"]
    assert "'milvus.example.com'" in f.message and "Secret milvus-ingress-tls" in f.message


# --- 6. auth is not TLS -------------------------------------------------------------------------------------------

def test_auth_missing(tmp_path, shared_good):
    d = copy("auth", tmp_path, shared_good)
    view = compose(d, pymilvus_args=f"@{d / 'args-no-credentials.json'}")
    assert found(view, "client.auth_missing") == [("client.auth_missing", Severity.ERROR)]
    [f] = [f for f in view.findings if f.code == "client.auth_missing"]
    assert "common.security.authorizationEnabled is true" in f.message and "token" in f.fix
    view = compose(d, pymilvus_args=f"@{d / 'args-token.json'}")
    assert view.findings == ()


def test_credentials_are_kept_out_of_sight():
    a = parse_args(json.dumps({"uri": "https://root:s3cret@milvus:19530", "server_name": "milvus"}))
    assert a.uri == "https://milvus:19530" and a.has_credentials
    assert "s3cret" not in repr(a) and a.authorization == base64.b64encode(b"root:s3cret").decode()
    t = parse_args(json.dumps({"uri": "https://milvus:19530", "token": "root:Milvus"}))
    assert t.has_credentials and "Milvus" not in repr(t).replace("milvus", "")
    assert not parse_args(json.dumps({"uri": "https://m:1", "user": "root"})).has_credentials


# --- the live side: a proxy answered, or authorization did --------------------------------------------------------

@pytest.mark.parametrize("text,status", [
    ("failed to connect to all addresses; Received http2 header with status: 502", 502),
    ("Received http2 header with status: 503", 503),
    ("rpc error: unexpected HTTP status code received from server: 504 (Gateway Timeout)", 504),
])
def test_http_status_from_a_proxy_is_net_proxy_error(text, status):
    why = explain.classify(text, tls=True, server_speaks_tls=True)
    assert why.code == "net.proxy_error" and str(status) in why.detail


def test_http2_reset_is_net_proxy_error():
    assert explain.classify("Received RST_STREAM with error code 2", tls=True).code == "net.proxy_error"


URI = "https://127.0.0.1:19530"


def _live(status: str, details: str, ok: bool = True):
    params = ClientParams(server_pem_path="ca.pem", server_name="localhost")
    grpcio = PlannedAttempt((1,), ClientImpl(ClientKind.PYMILVUS_GRPCIO), ServerImpl(ServerKind.LIVE), URI, params,
                            True)
    probe = PlannedAttempt((1,), ClientImpl(ClientKind.SSL_PROBE), ServerImpl(ServerKind.LIVE), URI, None, True,
                           "localhost")
    plan = HandshakePlan((grpcio, probe), (), 5.0, URI, Target(URI, "127.0.0.1", 19530, True), "", (1,))
    seen = ProbeResult("127.0.0.1", 19530, speaks_tls=True, tls_version="TLSv1.3", alpn="h2", cert_requested=False)
    raws = (RawAttempt(grpcio, ok=ok, error=details, status=status), RawAttempt(probe, ok=True, probe=seen))
    return interpret(plan, raws)


@pytest.mark.parametrize("status,details,code,says", [
    ("UNAUTHENTICATED", "missing authorization in header", "auth.unauthenticated", "the TLS part works"),
    ("UNIMPLEMENTED", "unknown service milvus.proto.milvus.MilvusService", "handshake.failed",
     "not a Milvus proxy"),
    ("UNIMPLEMENTED", "Received http2 header with status: 404", "net.proxy_error", "HTTP status 404"),
])
def test_answered_but_refused(status, details, code, says):
    hs, probe = _live(status, details)
    assert (hs.ok, hs.code) == (False, code) and says in hs.detail, hs.detail
    assert probe.ok


def test_proxy_502_live():
    hs, _ = _live("UNAVAILABLE", "failed to connect to all addresses; Received http2 header with status: 502", ok=False)
    assert (hs.ok, hs.code) == (False, "net.proxy_error") and "502" in hs.detail


def test_a_grpc_server_that_is_not_milvus(tmp_path, shared_good, capsys):
    """A real gRPC server on loopback (TLS, no Milvus service): GetVersion is UNIMPLEMENTED after a good
    handshake; the doctor says it is not a Milvus proxy instead of blaming TLS."""
    from concurrent import futures

    import grpc
    shared_good.write(tmp_path / "tls")
    creds = grpc.ssl_server_credentials([(shared_good.server.key_pem(), shared_good.server.cert_pem())])
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    port = server.add_secure_port("127.0.0.1:0", creds)
    server.start()
    try:
        status = cli.main(["doctor", "--uri", f"https://127.0.0.1:{port}", "--tls-mode", "1", "--client-server-pem",
                           str(tmp_path / "tls" / "ca.pem"), "--server-name", "localhost", "--format", "json",
                           "--timeout", "3"])
    finally:
        server.stop(0)
    report = json.loads(capsys.readouterr().out)
    [hs] = [h for h in report["handshakes"] if h["client"] == "grpcio"]
    assert status == 1 and hs["code"] == "handshake.failed"
    assert "not a Milvus proxy" in hs["detail"] and "TLS handshake passed" in hs["detail"]
