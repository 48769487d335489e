"""milvus.yaml layers and the config.* codes, each triggered on the realistic file with that one mistake and silent
on the correct file (fixtures/deploy/compose: the docs' docker-compose.yml and a Milvus 2.5 milvus.yaml)."""
from __future__ import annotations

from pathlib import Path

import pytest

from milvus_tls_check.deploy import DeploymentError
from milvus_tls_check.facts.deployment import Layer, MilvusConfig, misnested, norm_key, tls_mode
from milvus_tls_check.facts.x509 import dns_entry_matches
from milvus_tls_check.model import Role, Severity

from tests.helpers import deployment, DEPLOY_FIXTURES as FIX


def variant(d: Path, name: str, old: str, new: str) -> Path:
    text = (d / "milvus.yaml").read_text()
    assert old in text, f"fixture changed: {old!r} not in milvus.yaml"
    (d / name).write_text(text.replace(old, new, 1))
    return d / name


def view_of(d: Path, yaml_file: Path | None = None, **kw):
    return deployment(milvus_yaml=[str(yaml_file or d / "milvus.yaml")], compose=str(d / "docker-compose.yml"),
                           environ={}, **kw)


def codes(view) -> set[str]:
    return {f.code for f in view.findings}


def only(view, code):
    found = [f for f in view.findings if f.code == code]
    assert found, f"{code} not in {codes(view)}"
    return found


# --- the correct file --------------------------------------------------------------------------------------

def test_correct_docs_deployment_is_silent(docs):
    view = view_of(docs)
    assert view.findings == ()
    assert view.tls_mode == 1
    assert view.paths[Role.SERVER_CERT] == str(docs / "tls" / "server.pem")
    assert view.paths[Role.SERVER_KEY] == str(docs / "tls" / "server.key")
    assert view.paths[Role.SERVER_CA] == str(docs / "tls" / "ca.pem")
    assert view.container_paths[Role.SERVER_CERT] == "/milvus/tls/server.pem"
    assert any('MilvusClient(uri="https://localhost:19530", server_pem_path=' in n for n in view.notes)


# --- config.tls_mode_invalid ----------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["3", "-1", "one", '"1.5"'])
def test_tls_mode_invalid_triggered(docs, value):
    view = view_of(docs, variant(docs, "bad.yaml", "    tlsMode: 1", f"    tlsMode: {value}"))
    f = only(view, "config.tls_mode_invalid")[0]
    assert f.severity is Severity.ERROR and "plaintext" in f.message and "bad.yaml" in f.message
    assert view.tls_mode in (None, 3, -1)     # only 1/2 are used as modes by the CLI


def test_tls_mode_valid_values_are_silent(docs):
    for value in ("1", "2", '"2"'):
        view = view_of(docs, variant(docs, "ok.yaml", "    tlsMode: 1", f"    tlsMode: {value}"))
        assert "config.tls_mode_invalid" not in codes(view)
    assert view.tls_mode == 2


# --- config.tls_disabled -----------------------------------------------------------------------------------

def test_tls_disabled_triggered_when_files_are_configured(docs):
    view = view_of(docs, variant(docs, "off.yaml", "    tlsMode: 1", "    tlsMode: 0"))
    f = only(view, "config.tls_disabled")[0]
    assert f.severity is Severity.ERROR and "/milvus/tls/server.pem" in f.message and "off.yaml" in f.message
    assert view.tls_mode == 0
    # the files are still mapped, so the doctor checks them anyway
    assert view.paths[Role.SERVER_CERT] == str(docs / "tls" / "server.pem")


def test_tls_disabled_silent_when_tls_is_on(docs):
    assert "config.tls_disabled" not in codes(view_of(docs))


def test_tls_disabled_silent_for_a_plaintext_client_on_a_plaintext_server(docs):
    off = variant(docs, "off.yaml", "    tlsMode: 1", "    tlsMode: 0")
    view = view_of(docs, off, pymilvus_args='{"uri": "http://localhost:19530"}')
    assert codes(view) == set()


# --- config.misnested -------------------------------------------------------------------------------------------

def _nest_tls_under_common(d: Path) -> Path:
    text = (d / "milvus.yaml").read_text()
    block = ("tls:\n  serverPemPath: /milvus/tls/server.pem\n  serverKeyPath: /milvus/tls/server.key\n"
             "  caPemPath: /milvus/tls/ca.pem\n")
    assert block in text
    text = text.replace(block, "").replace("  security:\n    authorizationEnabled: false",
                                           "  tls:\n    serverPemPath: /milvus/tls/server.pem\n"
                                           "    serverKeyPath: /milvus/tls/server.key\n    caPemPath: /milvus/tls/ca.pem\n"
                                           "  security:\n    authorizationEnabled: false", 1)
    (d / "nested.yaml").write_text(text)
    return d / "nested.yaml"


def test_misnested_triggered_for_common_tls(docs):
    view = view_of(docs, _nest_tls_under_common(docs))
    found = only(view, "config.misnested")
    assert {f.message.split(":")[0] for f in found} == {
        "common.tls.serverPemPath", "common.tls.serverKeyPath", "common.tls.caPemPath"}
    assert all(f.severity is Severity.ERROR for f in found)
    assert "configs/cert/server.pem" in found[0].message          # what Milvus uses instead
    # and the consequence: the default path is what Milvus loads, and no mount provides it
    assert view.container_paths[Role.SERVER_CERT] == "/milvus/configs/cert/server.pem"
    assert "config.default_certs" in codes(view)


def test_misnested_is_a_warning_when_the_right_key_says_the_same(docs):
    text = (docs / "milvus.yaml").read_text().replace(
        "  security:\n    authorizationEnabled: false",
        "  tls:\n    serverPemPath: /milvus/tls/server.pem\n  security:\n    authorizationEnabled: false", 1)
    (docs / "dup.yaml").write_text(text)
    found = only(view_of(docs, docs / "dup.yaml"), "config.misnested")
    assert [f.severity for f in found] == [Severity.WARNING]


def test_misnested_silent_on_correct_file_and_other_tls_sections(docs):
    view = view_of(docs)       # the file has etcd.ssl.tlsCert, minio.ssl.tlsCACert, internaltls.*: all legitimate
    assert "config.misnested" not in codes(view)


def test_misnested_catches_tlsmode_in_the_wrong_place():
    config = MilvusConfig([Layer("user.yaml", {"tls": {"tlsMode": 1}, "common": {"tlsMode": 2}})])
    proper = {s.key: p for s, p in misnested(config)}
    assert proper == {"tls.tlsMode": "common.security.tlsMode", "common.tlsMode": "common.security.tlsMode"}
    assert tls_mode(config).value == 0


# --- config.legacy_key ------------------------------------------------------------------------------------------

def test_legacy_key_triggered_when_it_is_the_only_switch(docs):
    view = view_of(docs, variant(docs, "legacy.yaml", "    tlsMode: 1", "    tlsEnabled: true"))
    f = only(view, "config.legacy_key")[0]
    assert f.severity is Severity.ERROR and "TLS stays off" in f.message
    assert "config.tls_disabled" in codes(view)


def test_legacy_key_is_a_warning_next_to_a_real_tlsmode(docs):
    view = view_of(docs, variant(docs, "both.yaml", "    tlsMode: 1", "    tlsMode: 1\n    tlsEnabled: true"))
    assert [f.severity for f in only(view, "config.legacy_key")] == [Severity.WARNING]


def test_legacy_key_silent_on_correct_file(docs):
    assert "config.legacy_key" not in codes(view_of(docs))


# --- config.http_port_shared ------------------------------------------------------------------------------------

def test_http_port_shared_triggered_when_rest_has_no_port(docs):
    view = view_of(docs, variant(docs, "shared.yaml", "    port: 8080 # high-level restful api",
                                 "    port: # high-level restful api"))
    f = only(view, "config.http_port_shared")[0]
    assert f.severity is Severity.ERROR and "Milvus 2.5.6" in f.message and "tls mode must be 0" in f.message


def test_http_port_shared_triggered_when_rest_port_equals_grpc_port(docs):
    view = view_of(docs, variant(docs, "same.yaml", "    port: 8080 # high-level restful api", "    port: 19530"))
    assert "config.http_port_shared" in codes(view)


def test_http_port_shared_uses_the_2_4_default_when_http_is_not_configured(docs, tmp_path):
    user = tmp_path / "user.yaml"      # a user.yaml that only turns TLS on: proxy.http.enabled defaults to true
    user.write_text("tls:\n  serverPemPath: /milvus/tls/server.pem\n  serverKeyPath: /milvus/tls/server.key\n"
                    "common:\n  security:\n    tlsMode: 1\n")
    f = only(view_of(docs, user), "config.http_port_shared")[0]
    assert "Milvus's default" in f.message


def test_http_port_shared_silent_with_own_port_or_disabled_or_mode_0(docs):
    assert "config.http_port_shared" not in codes(view_of(docs))
    disabled = variant(docs, "nohttp.yaml", "    enabled: true # Whether to enable the http server",
                       "    enabled: false # Whether to enable the http server")
    text = disabled.read_text().replace("    port: 8080 # high-level restful api", "    port:", 1)
    disabled.write_text(text)
    assert "config.http_port_shared" not in codes(view_of(docs, disabled))
    off = variant(docs, "off.yaml", "    tlsMode: 1", "    tlsMode: 0")
    off.write_text(off.read_text().replace("    port: 8080 # high-level restful api", "    port:", 1))
    assert "config.http_port_shared" not in codes(view_of(docs, off))


# --- config.internal_sni_mismatch ---------------------------------------------------------------------------------

def _internal(d: Path, sni: str) -> Path:
    p = variant(d, "internal.yaml", "    internaltlsEnabled: false", "    internaltlsEnabled: true")
    p.write_text(p.read_text().replace("  sni: localhost #", f"  sni: {sni} #", 1))
    return p


def test_internal_sni_mismatch_triggered_when_cert_lacks_the_name(docs):
    f = only(view_of(docs, _internal(docs, "milvus-standalone")), "config.internal_sni_mismatch")[0]
    assert "'milvus-standalone'" in f.message and "DNS:localhost" in f.message
    assert f.subject == "/milvus/tls/server.pem"


def test_internal_sni_mismatch_triggered_when_sni_is_empty(docs):
    f = only(view_of(docs, _internal(docs, "")), "config.internal_sni_mismatch")[0]
    assert "empty" in f.message


def test_internal_sni_silent_when_the_cert_carries_it_or_internal_tls_is_off(docs):
    assert "config.internal_sni_mismatch" not in codes(view_of(docs, _internal(docs, "localhost")))
    assert "config.internal_sni_mismatch" not in codes(view_of(docs, _internal(docs, "LOCALHOST.")))
    # the correct file has internaltls.sni: localhost but internaltlsEnabled: false
    assert "config.internal_sni_mismatch" not in codes(view_of(docs))


def test_internal_paths_not_mounted_are_internal_tls_files(docs):
    p = _internal(docs, "localhost")
    p.write_text(p.read_text().replace("internaltls:\n  serverPemPath: /milvus/tls/server.pem",
                                       "internaltls:\n  serverPemPath: /milvus/internal/server.pem", 1))
    found = only(view_of(docs, p), "config.internal_tls_files")
    assert [(f.subject, f.severity) for f in found] == [("/milvus/internal/server.pem", Severity.ERROR)]


def test_go_style_wildcard_matching():
    assert dns_entry_matches("*.milvus.svc", "proxy.milvus.svc")
    assert not dns_entry_matches("*.milvus.svc", "a.proxy.milvus.svc")
    assert not dns_entry_matches("*.milvus.svc", "milvus.svc")
    assert dns_entry_matches("Localhost.", "localhost")


# --- layering -----------------------------------------------------------------------------------------------------

def test_later_files_override_and_flat_dotted_keys_count(docs, tmp_path):
    user = tmp_path / "user.yaml"
    user.write_text("common.security.tlsMode: 2\nproxy.http.enabled: false\n")
    view = deployment(milvus_yaml=[str(docs / "milvus.yaml"), str(user)],
                           compose=str(docs / "docker-compose.yml"), environ={})
    assert view.tls_mode == 2
    layers = next(n for n in view.notes if n.startswith("Milvus configuration layers"))
    assert layers.index("milvus.yaml <") < layers.index("user.yaml <") < layers.index("environment of service")


def test_keys_match_the_way_milvus_formats_them():
    assert norm_key("common.security.tlsMode") == norm_key("COMMON_SECURITY_TLSMODE") == norm_key("common.security.tls_mode")
    config = MilvusConfig([Layer("a.yaml", {"common": {"security": {"tlsmode": 1}}}),
                           Layer("b.yaml", {"Common": {"Security": {"TLSMode": "2"}}})])
    assert tls_mode(config).value == 2
    assert tls_mode(config).raw.source == "b.yaml"


def test_without_mounts_paths_are_host_paths_from_the_milvus_working_dir(tmp_path, shared_good):
    root = tmp_path / "milvus"
    (root / "configs").mkdir(parents=True)
    shared_good.write(root / "configs" / "cert")
    (root / "configs" / "milvus.yaml").write_text((FIX / "compose" / "milvus.yaml").read_text().replace(
        "/milvus/tls/", "configs/cert/"))
    view = deployment(milvus_yaml=[str(root / "configs" / "milvus.yaml")], environ={})
    assert view.paths[Role.SERVER_CERT] == str(root / "configs" / "cert" / "server.pem")
    assert view.findings == ()
    assert any("read as host paths" in n for n in view.notes)


def test_unreadable_yaml_is_a_usage_error(tmp_path):
    bad = tmp_path / "milvus.yaml"
    bad.write_text("common:\n  security:\n    tlsMode: 1\n   bad: [\n")
    with pytest.raises(DeploymentError, match="not valid YAML.*line"):
        deployment(milvus_yaml=[str(bad)])
    with pytest.raises(DeploymentError, match="no such file"):
        deployment(milvus_yaml=[str(tmp_path / "missing.yaml")])
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    with pytest.raises(DeploymentError, match="mapping"):
        deployment(milvus_yaml=[str(tmp_path / "list.yaml")])
