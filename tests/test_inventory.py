"""Issue 15: the inventory. Every certificate the doctor loaded (role, file, position, PEM line, names, issuer, serial,
validity, days left, key, signature algorithm, SHA-256) in the JSON `certificates` array, validated against the
published JSON Schema; in text with --verbose; a live server's presented chain as role "peer"."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import jsonschema
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from tests.certfactory import make_ca, make_leaf
from milvus_tls_check.inventory import certificate_records, pem_block_lines
from milvus_tls_check.material import load_file, material_of
from milvus_tls_check.model import ClientImpl, ClientKind, Handshake, Peer, Role, ServerImpl, ServerKind

from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "docs" / "report-v1.schema.json").read_text())
AT = "2027-01-01T00:00:00Z"


def _begin_lines(path: Path) -> list[int]:
    return [i for i, line in enumerate(path.read_text().splitlines(), start=1) if line.startswith("-----BEGIN CERT")]


def test_json_lists_every_certificate_with_its_file_position_and_line(good_dir, capsys):
    # the server file holds the leaf; write its CA after it too, so positions and lines are not all 0 and 1
    server = good_dir / "server.pem"
    server.write_text(server.read_text() + (good_dir / "ca.pem").read_text())
    status, out, _ = run_cli(["doctor", "--dir", str(good_dir), "--no-handshake", "--format", "json", "--at", AT],
                             capsys)
    report = json.loads(out)
    jsonschema.validate(report, SCHEMA)
    certs = report["certificates"]
    by_file: dict[str, list[dict]] = {}
    for c in certs:
        by_file.setdefault(c["file"], []).append(c)
    assert [c["position"] for c in by_file[str(server)]] == [0, 1]
    assert [c["line"] for c in by_file[str(server)]] == _begin_lines(server)
    assert {c["role"] for c in certs} >= {"server_pem", "ca_pem", "client_pem"}
    leaf = by_file[str(server)][0]
    pem = x509.load_pem_x509_certificates(server.read_bytes())[0]
    assert leaf["subject"] == pem.subject.rfc4514_string() and leaf["issuer"] == pem.issuer.rfc4514_string()
    assert leaf["serial"] == format(pem.serial_number, "X")
    assert leaf["sha256"] == pem.fingerprint(hashes.SHA256()).hex()
    assert leaf["sans"] == ["DNS:localhost", "IP:127.0.0.1"]
    assert leaf["key_type"] == "rsa" and leaf["key_size"] == 2048 and leaf["key"] == "RSA 2048"
    assert leaf["signature_algorithm"] == "sha256WithRSAEncryption"
    assert leaf["not_after"] == pem.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    at = dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc)
    assert leaf["days_left"] == int((pem.not_valid_after_utc - at).total_seconds() // 86400)
    assert leaf["is_ca"] is False and by_file[str(server)][1]["is_ca"] is True


def test_verbose_text_shows_the_inventory(good_dir, capsys):
    status, out, _ = run_cli(["doctor", "--dir", str(good_dir), "--no-handshake", "--verbose", "--at", AT], capsys)
    assert status == 0
    material = out[out.index("\nMaterial\n"):]
    pem = x509.load_pem_x509_certificate((good_dir / "server.pem").read_bytes())
    assert f"#0 subject {pem.subject.rfc4514_string()}  (line 1)" in material
    assert f"serial {format(pem.serial_number, 'X')}" in material and "days left)" in material
    assert "signature sha256WithRSAEncryption" in material
    assert f"sha256:{pem.fingerprint(hashes.SHA256()).hex()}" in material


def test_pem_block_lines_skip_headers_keys_and_damaged_blocks():
    ca = make_ca()
    leaf = make_leaf(ca)
    data = (b"# a comment\n" + leaf.cert_pem() + b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
            + b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n" + ca.cert_pem())
    lines = pem_block_lines(data.replace(b"\n", b"\r\n"))
    der_leaf = leaf.cert.fingerprint(hashes.SHA256()).hex()
    der_ca = ca.cert.fingerprint(hashes.SHA256()).hex()
    text = data.decode().splitlines()
    assert lines[der_leaf] == 2
    assert lines[der_ca] == len(text) - len(ca.cert_pem().decode().splitlines()) + 1
    assert len(lines) == 2


def test_live_chain_is_inventoried_once_as_peer(tmp_path):
    ca = make_ca()
    leaf = make_leaf(ca)
    (tmp_path / "server.pem").write_bytes(leaf.cert_pem())
    material = material_of(load_file(Role.SERVER_CERT, str(tmp_path / "server.pem")))
    peer = Peer("db:19530", True, chain=({"subject": "CN=live", "issuer": "CN=ca", "sans": ["DNS:live"],
                                          "not_before": "2026-01-01T00:00:00Z", "not_after": "2027-01-11T00:00:00Z"},))
    live = ServerImpl(ServerKind.LIVE)
    shakes = tuple(Handshake(mode, "https://db:19530", True, "handshake.ok", "", peer=peer,
                             client_impl=ClientImpl(ClientKind.SSL_PROBE), server_impl=live) for mode in (1, 2))
    records = certificate_records(material, shakes, dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc))
    assert [(r.role, r.source, r.position) for r in records] == [("server_pem", "file", 0), ("peer", "live", 0)]
    assert records[1].file == "https://db:19530" and records[1].days_left == 10 and records[1].sans == ("DNS:live",)
    assert records[0].sha256 == hashlib.sha256(leaf.cert.public_bytes(__import__(
        "cryptography.hazmat.primitives.serialization", fromlist=["Encoding"]).Encoding.DER)).hexdigest()


def test_a_presented_certificate_has_the_same_inventory_fields_as_the_file(tmp_path):
    """The probe summarises each certificate a live server sends with the inventory's fields (handshake/probe.py)."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from milvus_tls_check.handshake.probe import _cert_summary

    leaf = make_leaf(make_ca(), dns=("db.example.com",), ips=("10.0.0.5",))
    (tmp_path / "server.pem").write_bytes(leaf.cert_pem())
    material = material_of(load_file(Role.SERVER_CERT, str(tmp_path / "server.pem")))
    peer = Peer("db:19530", True, chain=(_cert_summary(leaf.cert.public_bytes(Encoding.DER)),))
    shake = Handshake(1, "https://db:19530", True, "handshake.ok", "", peer=peer,
                      client_impl=ClientImpl(ClientKind.SSL_PROBE), server_impl=ServerImpl(ServerKind.LIVE))
    at = dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc)
    from_file, live = (r.to_dict() for r in certificate_records(material, (shake,), at))
    differ = {k for k in from_file if from_file[k] != live[k]}
    assert differ == {"role", "source", "file"}, (from_file, live)   # no PEM lines asked for here


def test_a_kubernetes_secrets_certificates_are_named_by_secret_and_key(tmp_path, shared_good, capsys):
    """Secret contents are copied to a private folder for the run; the inventory names the Secret's key, never that
    temporary copy."""
    import base64

    import yaml
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "milvus-tls", "namespace": "milvus"},
              "type": "kubernetes.io/tls",
              "data": {"tls.crt": base64.b64encode(shared_good.server.cert_pem()).decode(),
                       "tls.key": base64.b64encode(shared_good.server.key_pem()).decode()}}
    (tmp_path / "secret.yaml").write_text(yaml.safe_dump(secret))
    status, out, _ = run_cli(["doctor", "--k8s", str(ROOT / "fixtures" / "deploy" / "k8s" / "helm-values-tls.yaml"),
                              "--k8s", str(tmp_path / "secret.yaml"), "--no-handshake", "--format", "json"], capsys)
    report = json.loads(out)
    jsonschema.validate(report, SCHEMA)
    [server] = [c for c in report["certificates"] if c["role"] == "server_pem"]
    assert server["file"] == "key tls.crt of Secret milvus-tls" and server["line"] == 1
    assert server["sha256"] == shared_good.server.cert.fingerprint(hashes.SHA256()).hex()
