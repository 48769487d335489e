"""rules/config.py and the deployment half of rules/pymilvus_params.py, unit-tested from DeploymentFacts built here (no
deployment file is read): each rule's exact codes and severities, triggered and silent, and the one rule pass."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

import pytest

from milvus_tls_check.facts.milvus_lines import DEFAULT_LINE
from milvus_tls_check.facts.deployment import (DEFAULTS, INTERNAL_PATH_KEYS, TLS_PATH_KEYS, ClientArgs,
                                               DeploymentFacts, Layer, MilvusConfig, Mount, PathFact,
                                               container_abspath, effective, image_tag, resolve, tls_mode)
from milvus_tls_check.material import load_material, with_deployment_files
from milvus_tls_check.model import Material, Request, Role, Severity, Status
from milvus_tls_check.rules import Context, registered_rules, run_rules
from milvus_tls_check.rules.pymilvus_params import check_client_auth, check_client_params, check_deployment_client
from tests.helpers import judge_deployment
from milvus_tls_check.rules.config import (check_default_certs, check_http_port, check_internal, check_legacy,
                                           check_misnested,
                                           check_paths, check_tls_disabled, check_tls_mode)

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def facts(*layers: Mapping[str, Any], mounts: Optional[Sequence[Mount]] = None,
          client: Optional[ClientArgs] = None, workdir: str = "/srv/milvus") -> DeploymentFacts:
    """Facts as the readers would make them from these milvus.yaml layers (and mounts, when given)."""
    config = MilvusConfig(tuple(Layer(f"layer{i}.yaml", data) for i, data in enumerate(layers)))
    paths = {}
    for key in TLS_PATH_KEYS + INTERNAL_PATH_KEYS:
        eff = effective(config, key)
        container = container_abspath(eff.text or DEFAULTS[key])
        if mounts is None:
            host = eff.text if eff.text.startswith("/") else f"{workdir}/{eff.text}"
            paths[key] = PathFact(key, eff, container, None, host)
        else:
            r = resolve(mounts, container)
            paths[key] = PathFact(key, eff, container, r, r.host)
    return DeploymentFacts(config=config, has_config=True, mounted=mounts is not None, mounts=tuple(mounts or ()),
                           paths=paths, tls_mode=tls_mode(config), client=client)


def ctx(f: Optional[DeploymentFacts], material: Material = Material({}), modes=(), request=None) -> Context:
    """As the pipeline builds it: the files the deployment names are loaded once, beside the material."""
    return Context(request or Request(paths={}), with_deployment_files(material, f), tuple(modes), NOW, deployment=f)


def codes(results) -> list[tuple[str, Severity]]:
    return [(x.code, x.severity) for r in results for x in r.findings]


TLS1 = {"common": {"security": {"tlsMode": 1}}, "proxy": {"http": {"port": 8080}},
        "tls": {"serverPemPath": "/milvus/tls/server.pem", "serverKeyPath": "/milvus/tls/server.key",
                "caPemPath": "/milvus/tls/ca.pem"}}


def tls_mounts(host: Path) -> list[Mount]:
    return [Mount("/milvus/tls", str(host), "volume ./tls:/milvus/tls of service standalone")]


# --- without deployment facts nothing runs ---------------------------------------------------------------------

def test_no_deployment_no_config_checks():
    c = ctx(None)
    for check in (check_tls_mode, check_tls_disabled, check_misnested, check_legacy, check_http_port, check_paths,
                  check_internal, check_deployment_client):
        assert list(check(c)) == []


def test_rules_are_registered_config_first_with_their_codes():
    specs = registered_rules()
    ids = [s.id for s in specs]
    config_ids = [i for i in ids if i.startswith("config.")]
    assert ids[:len(config_ids)] == config_ids
    assert {"config.tls_mode", "config.tls_disabled", "config.misnested", "config.legacy_key", "config.http_port",
            "config.paths", "config.internal_tls", "client.deployment", "client.params"} <= set(ids)
    by_id = {s.id: s for s in specs}
    assert by_id["config.internal_tls"].codes == {"config.internal_tls_files", "config.internal_sni_mismatch"}
    assert {"config.default_certs", "config.helm_tls", "config.ingress", "client.auth"} <= set(ids)


# --- config.tls_mode_invalid --------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [3, -1, "one"])
def test_tls_mode_invalid(value):
    found = list(check_tls_mode(ctx(facts({**TLS1, "common": {"security": {"tlsMode": value}}}))))
    assert codes(found) == [("config.tls_mode_invalid", Severity.ERROR)]
    assert found[0].check == "config.tls_mode" and found[0].status is Status.FAIL
    assert "layer0.yaml" in found[0].findings[0].message


@pytest.mark.parametrize("value", [0, 1, 2, "2"])
def test_tls_mode_valid_is_silent(value):
    assert list(check_tls_mode(ctx(facts({"common": {"security": {"tlsMode": value}}})))) == []


# --- config.tls_disabled ------------------------------------------------------------------------------------------

def test_tls_disabled_when_files_are_configured():
    f = facts({**TLS1, "common": {"security": {"tlsMode": 0}}})
    [(code, sev)] = codes(check_tls_disabled(ctx(f)))
    assert (code, sev) == ("config.tls_disabled", Severity.ERROR)


def test_tls_disabled_silent_for_tls_on_and_for_a_plaintext_client():
    assert codes(check_tls_disabled(ctx(facts(TLS1)))) == []
    plain = ClientArgs(("uri",), uri="http://localhost:19530")
    assert codes(check_tls_disabled(ctx(facts({**TLS1, "common": {"security": {"tlsMode": 0}}}, client=plain)))) == []


# --- config.misnested / config.legacy_key ---------------------------------------------------------------------------

def test_misnested_error_and_warning():
    wrong = facts({"common": {"security": {"tlsMode": 1}, "tls": {"serverPemPath": "/certs/server.pem"}}})
    assert codes(check_misnested(ctx(wrong))) == [("config.misnested", Severity.ERROR)]
    same = facts({**TLS1, "common": {"security": {"tlsMode": 1}, "tls": {"serverPemPath": "/milvus/tls/server.pem"}}})
    assert codes(check_misnested(ctx(same))) == [("config.misnested", Severity.WARNING)]
    assert codes(check_misnested(ctx(facts(TLS1)))) == []


def test_legacy_key_error_alone_warning_next_to_tlsmode():
    alone = facts({"common": {"security": {"tlsEnabled": True}}})
    assert codes(check_legacy(ctx(alone))) == [("config.legacy_key", Severity.ERROR)]
    both = facts({**TLS1, "common": {"security": {"tlsMode": 1, "tlsEnabled": True}}})
    assert codes(check_legacy(ctx(both))) == [("config.legacy_key", Severity.WARNING)]
    assert codes(check_legacy(ctx(facts(TLS1)))) == []


# --- config.http_port_shared --------------------------------------------------------------------------------------

def test_http_port_shared():
    shared = facts({**TLS1, "proxy": {"http": {"enabled": True}}})
    [r] = check_http_port(ctx(shared))
    assert codes([r]) == [("config.http_port_shared", Severity.ERROR)] and "default" not in r.findings[0].message
    default = facts({**TLS1, "proxy": {}})
    assert "Milvus's default" in next(iter(check_http_port(ctx(default)))).findings[0].message
    assert codes(check_http_port(ctx(facts({**TLS1, "proxy": {"http": {"port": 19530}}})))) == \
        [("config.http_port_shared", Severity.ERROR)]


def test_http_port_silent_with_own_port_disabled_or_mode_0():
    assert codes(check_http_port(ctx(facts(TLS1)))) == []
    assert codes(check_http_port(ctx(facts({**TLS1, "proxy": {"http": {"enabled": False}}})))) == []
    assert codes(check_http_port(ctx(facts({"proxy": {"http": {"enabled": True}}})))) == []


# --- config.path_not_mounted ----------------------------------------------------------------------------------------

def test_paths_not_mounted(tmp_path):
    f = facts(TLS1, mounts=[Mount("/milvus/certs", str(tmp_path), "volume ./tls:/milvus/certs")])
    found = list(check_paths(ctx(f)))
    assert codes(found) == [("config.path_not_mounted", Severity.ERROR)] * 2    # caPemPath is not used in mode 1
    assert [x.subject for x in found[0].findings] == ["/milvus/tls/server.pem", "/milvus/tls/server.key"]
    assert "Mounted: /milvus/certs" in found[0].findings[0].message


def test_image_defaults_are_default_certs_not_unmounted_paths(tmp_path):
    f = facts({"common": {"security": {"tlsMode": 2}}}, mounts=[])
    assert codes(check_paths(ctx(f))) == []
    [r] = check_default_certs(ctx(f))
    assert codes([r]) == [("config.default_certs", Severity.ERROR)]
    for path in ("/milvus/configs/cert/server.pem", "/milvus/configs/cert/server.key", "/milvus/configs/cert/ca.pem"):
        assert path in r.findings[0].message
    assert "sample certificates" in r.findings[0].message
    loop = facts({"common": {"security": {"tlsMode": 1}}}, mounts=[],
                 client=ClientArgs(raw_keys=("uri",), uri="https://localhost:19530"))
    assert codes(check_default_certs(ctx(loop))) == [("config.default_certs", Severity.WARNING)]
    assert codes(check_default_certs(ctx(facts(TLS1, mounts=tls_mounts(tmp_path))))) == []


def test_paths_silent_when_mounted_or_without_mounts(tmp_path):
    assert codes(check_paths(ctx(facts(TLS1, mounts=tls_mounts(tmp_path))))) == []
    assert codes(check_paths(ctx(facts(TLS1)))) == []          # host paths: the file checks say the rest


# --- internal TLS -------------------------------------------------------------------------------------------------

def internal(tmp_path: Path, shared_good, sni: str, **extra) -> DeploymentFacts:
    shared_good.write(tmp_path)
    layer = {**TLS1, "common": {"security": {"tlsMode": 1, "internaltlsEnabled": True}},
             "internaltls": {"serverPemPath": "/milvus/tls/server.pem", "serverKeyPath": "/milvus/tls/server.key",
                             "caPemPath": "/milvus/tls/ca.pem", "sni": sni, **extra}}
    return facts(layer, mounts=tls_mounts(tmp_path))


def test_internal_sni_mismatch(tmp_path, shared_good):
    [r] = check_internal(ctx(internal(tmp_path, shared_good, "milvus-standalone")))
    assert codes([r]) == [("config.internal_sni_mismatch", Severity.ERROR)]
    assert "DNS:localhost" in r.findings[0].message and r.findings[0].subject == "/milvus/tls/server.pem"
    [r] = check_internal(ctx(internal(tmp_path, shared_good, "")))
    assert "empty" in r.findings[0].message


def test_internal_sni_match_and_the_loaded_material_is_used(tmp_path, shared_good):
    f = internal(tmp_path, shared_good, "LOCALHOST.")
    assert list(check_internal(ctx(f))) == []
    # the certificate comes from the material the pipeline loaded when it holds that file
    material = load_material(Request(paths={Role.SERVER_CERT: str(tmp_path / "server.pem")}))
    assert list(check_internal(ctx(f, material))) == []


def test_internal_paths_not_mounted_are_internal_tls_files(tmp_path, shared_good):
    f = internal(tmp_path, shared_good, "localhost", caPemPath="/milvus/internal/ca.pem")
    found = [x for r in check_internal(ctx(f)) for x in r.findings]
    assert [(x.code, x.subject, x.severity) for x in found] == [
        ("config.internal_tls_files", "/milvus/internal/ca.pem", Severity.ERROR)]
    assert "can't create creds" in found[0].message


def test_internal_tls_before_2_5_is_a_warning(tmp_path, shared_good):
    f = internal(tmp_path, shared_good, "nope")
    [r] = check_internal(ctx(f, request=Request(paths={}, milvus_version="2.4.23")))
    assert codes([r]) == [("config.internal_tls_files", Severity.WARNING)]
    assert "Milvus 2.4.23" in r.findings[0].message


def test_http_port_by_line():
    shared = facts({**TLS1, "proxy": {"http": {"port": ""}}})
    for version, sev in (("2.3.5", Severity.WARNING), ("2.4.12", Severity.WARNING), ("2.4.13", Severity.ERROR),
                         ("2.5", Severity.ERROR), (None, Severity.ERROR)):
        [r] = check_http_port(ctx(shared, request=Request(paths={}, milvus_version=version)))
        assert codes([r]) == [("config.http_port_shared", sev)], version
        assert f"Milvus {version or DEFAULT_LINE}" in r.findings[0].message   # no version: the newest line


def test_client_auth_missing():
    auth = {**TLS1, "common": {"security": {"tlsMode": 1, "authorizationEnabled": True}}}
    bare = ClientArgs(raw_keys=("uri",), uri="https://milvus:19530")
    assert codes(check_client_auth(ctx(facts(auth, client=bare)))) == [("client.auth_missing", Severity.ERROR)]
    user_only = ClientArgs(raw_keys=("uri", "user"), uri="https://milvus:19530", has_user=True)
    assert "user without password" in list(check_client_auth(ctx(facts(auth, client=user_only))))[0].findings[0].message
    token = ClientArgs(raw_keys=("uri", "token"), uri="https://milvus:19530", has_token=True)
    assert list(check_client_auth(ctx(facts(auth, client=token)))) == []
    assert list(check_client_auth(ctx(facts(TLS1, client=bare)))) == []          # authorization off


def test_internal_cert_that_is_no_certificate_is_not_run(tmp_path, shared_good):
    f = internal(tmp_path, shared_good, "localhost")
    (tmp_path / "server.pem").write_text("not a certificate\n")
    [r] = check_internal(ctx(f))       # Go cannot load it: the component serves plaintext (and no SNI check runs)
    assert codes([r]) == [("config.internal_tls_files", Severity.ERROR)]
    assert r.findings[0].subject == "/milvus/tls/server.pem" and "can't create creds" in r.findings[0].message


def test_internal_off_is_silent(tmp_path, shared_good):
    f = internal(tmp_path, shared_good, "nope")
    off = facts({**f.config.layers[0].data, "common": {"security": {"tlsMode": 1, "internaltlsEnabled": False}}},
                mounts=tls_mounts(tmp_path))
    assert list(check_internal(ctx(off))) == []


# --- client.* from the application's arguments --------------------------------------------------------------------

def args(**kw) -> ClientArgs:
    return ClientArgs(tuple(sorted(kw)), **kw)


def test_client_conflict_and_incomplete():
    conflict = args(uri="https://localhost:19530", server_pem_path="s.pem", client_pem_path="c.pem",
                    client_key_path="c.key")
    two = facts({**TLS1, "common": {"security": {"tlsMode": 2}}}, client=conflict)
    assert codes(check_deployment_client(ctx(two))) == [("client.params_conflict", Severity.ERROR)]
    assert codes(check_deployment_client(ctx(facts(TLS1, client=conflict)))) == [
        ("client.params_conflict", Severity.WARNING)]
    ca_only = args(uri="https://localhost:19530", ca_pem_path="ca.pem")
    assert ("client.params_incomplete", Severity.ERROR) in codes(check_deployment_client(ctx(facts(TLS1, client=ca_only))))


def test_client_mode_mismatch_each_way(tmp_path, shared_good):
    one_way = args(uri="https://localhost:19530", server_pem_path="s.pem")
    zero = facts({**TLS1, "common": {"security": {"tlsMode": 0}}}, client=one_way)
    assert codes(check_deployment_client(ctx(zero))) == [("client.mode_mismatch", Severity.ERROR)]
    plain = args(uri="http://localhost:19530")
    assert codes(check_deployment_client(ctx(facts(TLS1, client=plain)))) == [("client.mode_mismatch", Severity.ERROR)]
    two = facts({**TLS1, "common": {"security": {"tlsMode": 2}}}, client=one_way)
    assert codes(check_deployment_client(ctx(two))) == [("client.mode_mismatch", Severity.ERROR)]
    # system roots against mode 1: an error for a private CA (from the certificates), a warning otherwise
    roots = args(uri="https://localhost:19530")
    shared_good.write(tmp_path)
    private = facts(TLS1, mounts=tls_mounts(tmp_path), client=roots)
    assert codes(check_deployment_client(ctx(private))) == [("client.mode_mismatch", Severity.ERROR)]
    assert codes(check_deployment_client(ctx(facts(TLS1, client=roots)))) == [("client.mode_mismatch", Severity.WARNING)]


def test_client_fitting_arguments_are_silent():
    one_way = args(uri="https://localhost:19530", server_pem_path="s.pem")
    assert list(check_deployment_client(ctx(facts(TLS1, client=one_way)))) == []
    assert list(check_deployment_client(ctx(facts(TLS1)))) == []            # no --pymilvus-args: nothing to judge


def test_client_codes_are_said_once_in_the_rule_pass():
    conflict = args(uri="https://localhost:19530", server_pem_path="s.pem", client_pem_path="c.pem",
                    client_key_path="c.key")
    f = facts({**TLS1, "common": {"security": {"tlsMode": 2}}}, client=conflict)
    request = Request(paths={Role.CLIENT_SERVER_PEM: "s.pem", Role.CLIENT_CERT: "c.pem", Role.CLIENT_KEY: "c.key"},
                      modes=(2,), client_exact=True)
    c = ctx(f, modes=(2,), request=request)
    per_mode = [x.code for r in check_client_params(c) for x in r.findings]
    assert per_mode == ["client.cert_missing"]                 # client.params_conflict came from client.deployment
    every = [x.code for r in run_rules(c) for x in r.findings]
    assert every.count("client.params_conflict") == 1


def test_judge_deployment_in_report_order():
    f = facts({"common": {"security": {"tlsMode": 7, "tlsEnabled": True}}},
              client=args(uri="https://localhost:19530"))
    checks = judge_deployment(f)
    assert [r.check for r in checks] == ["config.tls_mode", "config.legacy_key", "client.deployment"]
    assert [x.code for r in checks for x in r.findings] == ["config.tls_mode_invalid", "config.legacy_key",
                                                             "client.mode_mismatch"]


# --- facts --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("ref, tag", [("milvusdb/milvus:v2.5.4", "v2.5.4"), ("milvusdb/milvus", None),
                                      ("registry:5000/milvusdb/milvus:v2.4.0@sha256:ab", "v2.4.0"),
                                      ("milvusdb/milvus@sha256:ab", None)])
def test_image_tag(ref, tag):
    assert image_tag(ref) == tag
