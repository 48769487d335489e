"""The client kinds (milvus_tls_check/clientkinds/) and the --client / --go-args / --node-args flags: pure, no
network."""
from __future__ import annotations

import json

import pytest

from milvus_tls_check.cli import main
from milvus_tls_check.clientkinds import BadClient, ClientSel, concerns, parse_client, parse_clients, spec
from milvus_tls_check.clientkinds.go import read_args as go_config
from milvus_tls_check.clientkinds.node import node_name_match
from milvus_tls_check.clientkinds.node import read_args as node_config
from milvus_tls_check.clientkinds.pymilvus import (https_default_port, paths_need_server_name, secure_must_be_bool,
                                                   user_password_forces_secure)
from milvus_tls_check.facts.x509 import go_verify_hostname

PYMILVUS, GO, NODE = "pymilvus", "go", "node"


def classify_words(kind: str, text: str):
    return spec(kind).classify_words(text)


def _cert(dns=(), ips=(), cn="", san=True):
    """A certificate with these names (the SAN extension left out when san=False)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)] if cn else [])
    now = dt.datetime.now(dt.timezone.utc)
    b = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
         .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1)))
    if san:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(d) for d in dns]
                                                        + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]),
                            critical=False)
    return b.sign(key, hashes.SHA256())


def go_name_match(dns, ips, name, cn="", san=True):
    return go_verify_hostname(_cert(dns, ips, cn, san=san), name)


def test_parse_clients_all_and_lines():
    sels = parse_clients(["all", "pymilvus==2.4", "node==2.6", "go==1.24", "pymilvus==3.0"])
    assert [s.key for s in sels] == ["pymilvus==3.0", "go", "java", "node==3", "pymilvus==2.4", "node==2.6",
                                       "go==1.24"]   # milvus-cli only when named (a tool, not an SDK)
    assert parse_client("attu").kind == NODE and parse_client("golang").kind == GO
    assert [s.key for s in parse_clients("go,node==2.6")] == ["go", "node==2.6"]   # one string (a fleet target)
    assert ClientSel(PYMILVUS, "2.4").release == "2.4.15" and ClientSel(NODE, "3").release == "3.0.6"
    with pytest.raises(BadClient, match="unknown client 'rust'; choose pymilvus, go, java, milvus-cli, node"):
        parse_client("rust")
    with pytest.raises(BadClient, match="unknown client kind 'rust'"):
        ClientSel("rust").label   # never another kind's behaviour
    with pytest.raises(BadClient, match="version"):
        parse_client("pymilvus==latest")


def test_pymilvus_semantics_per_release():
    assert paths_need_server_name(ClientSel(PYMILVUS, "2.3.7"))
    assert not paths_need_server_name(ClientSel(PYMILVUS, "2.3"))        # 2.3.8 fixed pymilvus#1962
    assert not paths_need_server_name(ClientSel(PYMILVUS, "2.4.0"))
    assert https_default_port(ClientSel(PYMILVUS, "2.3.4")) == 19530
    assert https_default_port(ClientSel(PYMILVUS, "2.3.5")) == 443
    assert https_default_port(ClientSel(PYMILVUS, "2.6.10")) == 19530    # MilvusClient bug, fixed 2.6.12
    assert https_default_port(ClientSel(PYMILVUS, "2.6.12")) == 443
    assert user_password_forces_secure(ClientSel(PYMILVUS, "2.2.8"))
    assert not user_password_forces_secure(ClientSel(PYMILVUS, "2.2.9"))
    assert secure_must_be_bool(ClientSel(PYMILVUS, "2.2.0"))


@pytest.mark.parametrize("dns,ips,name,ok", [
    (("localhost",), (), "LOCALHOST", True),
    (("localhost",), (), "localhost.", True),
    (("*.example.com",), (), "a.example.com", True),
    (("*.example.com",), (), "a.b.example.com", False),
    (("*.example.com",), (), "example.com", False),
    ((), ("127.0.0.1",), "127.0.0.1", True),
    (("localhost",), (), "127.0.0.1", False),          # an IP needs an IP SAN
    ((), (), "localhost", False),                       # never the CN
    (("Localhost.",), (), "localhost", False),          # a pattern with a trailing dot is compared exactly
    (("*",), (), "localhost", False),                   # a bare wildcard is no pattern
    (("*.example.com",), ("10.0.0.1",), "10.0.0.1", True),
    (("*.0.0.1",), (), "10.0.0.1", False),              # a wildcard never matches an IP name
    (("m*.example.com",), (), "milvus.example.com", False),   # only a whole-label wildcard
    (("[::1]",), ("::1",), "[::1]", True),              # a bracketed IPv6 name against the IP SANs
    (("localhost",), (), "localhost:19530", False),     # a port in the name matches nothing
])
def test_go_names(dns, ips, name, ok):
    assert go_name_match(dns, ips, name)[0] is ok


def test_go_words():
    """x509.HostnameError's words: the legacy CN only without any SAN extension and a CN that would match."""
    assert go_name_match((), (), "localhost", cn="localhost", san=False)[1] == \
        "x509: certificate relies on legacy Common Name field, use SANs instead"
    assert go_name_match((), ("10.0.0.1",), "localhost", cn="localhost")[1] == \
        "x509: certificate is not valid for any names, but wanted to match localhost"
    assert "doesn't contain any IP SANs" in go_name_match(("localhost",), (), "10.0.0.5")[1]
    assert go_name_match(("a", "b"), (), "c")[1] == "x509: certificate is valid for a, b, not c"


@pytest.mark.parametrize("dns,ips,cns,name,ok", [
    ((), (), ("localhost",), "localhost", True),            # the CN when there is no DNS SAN
    (("other",), (), ("localhost",), "localhost", False),   # a DNS SAN stops the CN
    ((), ("127.0.0.1",), ("localhost",), "localhost", True),  # an IP SAN does not
    ((), (), ("127.0.0.1",), "127.0.0.1", False),           # an IP never matches the CN
    (("*.example.com",), (), (), "a.example.com", True),
    (("*.local",), (), (), "milvus.local", False),          # a wildcard needs 3+ labels
    (("m*.example.com",), (), (), "milvus.example.com", True),   # partial-label wildcard
    (("localhost",), (), (), "LOCALHOST.", True),
    (("localhost",), (), (), "localhost:19530", False),
])
def test_node_names(dns, ips, cns, name, ok):
    assert node_name_match(dns, ips, cns, name)[0] is ok


def test_concerns():
    go, node, py = ClientSel(GO), ClientSel(NODE), ClientSel(PYMILVUS, "2.4")
    assert concerns("name.mismatch", "server_pem (s.pem)", (), py)
    assert not concerns("name.mismatch", "server_pem (s.pem)", (), go)
    assert not concerns("client.params_conflict", "pymilvus parameters for tlsMode 1", (), node)
    assert concerns("key.mismatch", "server_pem + server_key", (), go)
    assert concerns("file.bom", "server_pem (s.pem)", (), node)            # Milvus does not start
    assert concerns("eku.client_auth_missing", "client_pem (c.pem)", (), go)
    assert concerns("name.cn_only", "go client", ("go",), go)
    assert not concerns("name.cn_only", "go client", ("go",), node)


def test_classify_words():
    assert classify_words(GO, "tls: failed to verify certificate: x509: certificate relies on legacy Common Name "
                              "field, use SANs instead")[0] == "name.cn_only"
    assert classify_words(GO, "x509: certificate signed by unknown authority")[0] == "tls.server_cert_untrusted"
    assert classify_words(NODE, "14 UNAVAILABLE: No connection established. Last error: Error [ERR_TLS_CERT_ALTNAME_"
                                "INVALID]: Hostname/IP does not match certificate's altnames")[0] == "name.mismatch"
    assert classify_words(NODE, "self-signed certificate in certificate chain")[0] == "tls.server_cert_untrusted"


def test_go_and_node_args():
    cfg = go_config({"address": "https://milvus:19530", "ca": "ca.pem", "cert": "c.pem", "key": "c.key"})
    assert cfg.address == "milvus:19530" and cfg.sends_cert and cfg.secure
    n = node_config({"address": "milvus:19530", "ssl": True, "tls": {"rootCertPath": "ca.pem", "serverName": "m"}})
    assert n.ca == "ca.pem" and n.server_name == "m" and not n.sends_cert
    with pytest.raises(BadClient, match="unknown"):
        node_config({"adress": "x"})
    with pytest.raises(BadClient, match="unknown key"):
        go_config({"root": "x"})


def test_cli_usage_errors(capsys):
    assert main(["doctor", "--dir", "fixtures/docs-san", "--client", "rust", "--no-handshake"]) == 2
    assert "unknown client" in capsys.readouterr().err
    assert main(["doctor", "--dir", "fixtures/docs-san", "--node-args", "{nope", "--no-handshake"]) == 2
    assert "--node-args: not JSON" in capsys.readouterr().err


def test_client_notes_carry_the_users_paths(capsys):
    code = main(["doctor", "--dir", "fixtures/docs-san", "--tls-mode", "2", "--client", "all", "--client",
                 "pymilvus==2.3", "--no-handshake", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["verdict"] == "pass"
    notes = "\n".join(report["notes"])
    assert "MilvusClient(uri='https://localhost:19530', client_pem_path='fixtures/docs-san/client.pem'" in notes
    assert "milvusclient.New(ctx, (&milvusclient.ClientConfig{Address: \"localhost:19530\"}).WithTLSConfig(" in notes
    assert "fixtures/docs-san/ca.pem" in notes
    assert "new MilvusClient({address: 'localhost:19530', ssl: true, tls: {rootCertPath: " in notes
    assert "MILVUS_TLS_ROOT_CERT_PATH=fixtures/docs-san/ca.pem" in notes
    assert [c["client"] for c in report["clients"]] == ["pymilvus==3.0", "go", "java", "node==3", "pymilvus==2.3"]
    assert all(c["verdict"] == "pass" for c in report["clients"])
    assert all("clients" in f for f in report["findings"])


def test_client_report_is_valid_v1(capsys):
    import jsonschema

    main(["doctor", "--dir", "fixtures/docs-cn-only", "--client", "all", "--client", "pymilvus==2.3", "--no-handshake",
          "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    with open("docs/report-v1.schema.json") as fh:
        jsonschema.validate(report, json.load(fh))
    assert {c["client"]: c["verdict"] for c in report["clients"]} == {
        "pymilvus==3.0": "pass", "go": "fail", "java": "pass", "node==3": "pass", "pymilvus==2.3": "pass"}
