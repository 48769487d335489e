"""Issue 15: --format prometheus is the text exposition format, parsed here with prometheus_client's own parser:
per certificate not-after and seconds to expiry {target, role, subject, serial}, per target/mode/client success,
per finding code counts."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers import run_cli, answer

ROOT = Path(__file__).resolve().parent.parent
AT = dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc)


def samples(text: str) -> dict[str, list]:
    out: dict[str, list] = {}
    for family in text_string_to_metric_families(text):
        assert family.type == "gauge"
        for s in family.samples:
            out.setdefault(s.name, []).append(s)
    return out


@pytest.fixture
def sets(tmp_path: Path) -> Path:
    for name, folder in (("good", "docs-san"), ("broken", "broken-wrong-ca")):
        shutil.copytree(ROOT / "fixtures" / folder, tmp_path / name)
        for key in (tmp_path / name).glob("*.key"):
            key.chmod(0o600)
    return tmp_path


def test_a_report_parses_with_prometheus_client(sets, capsys):
    status, out, _ = run_cli(["doctor", "--dir", str(sets / "broken"), "--no-handshake", "--format", "prometheus",
                              "--at", "2027-01-01T00:00:00Z"], capsys)
    got = samples(out)
    client = x509.load_pem_x509_certificate((sets / "broken" / "client.pem").read_bytes())
    [cert] = [s for s in got["milvus_tls_cert_not_after_timestamp_seconds"] if s.labels["role"] == "client_pem"]
    assert cert.labels == {"target": str(sets / "broken"), "role": "client_pem",
                           "subject": client.subject.rfc4514_string(), "serial": format(client.serial_number, "X")}
    assert cert.value == client.not_valid_after_utc.timestamp()
    [left] = [s for s in got["milvus_tls_cert_expiry_seconds"] if s.labels == cert.labels]
    assert left.value == client.not_valid_after_utc.timestamp() - AT.timestamp()
    success = {(s.labels["mode"], s.labels["client"]): s.value for s in got["milvus_tls_check_success"]}
    assert success == {("1", "static"): 1.0, ("2", "static"): 0.0}
    findings = {s.labels["code"]: s.value for s in got["milvus_tls_findings"]}
    assert {code: findings[code] for code in answer(findings)} == {"chain.untrusted": 1.0}


def test_a_fleet_parses_with_hostile_names(sets, capsys):
    fleet = sets / "fleet.yaml"
    fleet.write_text(yaml.safe_dump({"defaults": {"no_handshake": True, "at": "2027-01-01T00:00:00Z"},
                                     "targets": [{"name": 'good "a"\\b\nc', "dir": "good"},
                                                 {"name": "broken", "dir": "broken"},
                                                 {"name": "typo", "dir": "missing"}]}))
    status, out, _ = run_cli(["doctor", "--fleet", str(fleet), "--format", "prometheus"], capsys)
    assert status == 1
    got = samples(out)
    up = {s.labels["target"]: s.value for s in got["milvus_tls_target_up"]}
    assert up == {'good "a"\\b\nc': 1.0, "broken": 1.0, "typo": 0.0}
    ok = {(s.labels["target"], s.labels["mode"]): s.value for s in got["milvus_tls_check_success"]}
    assert ok[('good "a"\\b\nc', "2")] == 1.0 and ok[("broken", "2")] == 0.0
    assert {s.labels["target"] for s in got["milvus_tls_cert_expiry_seconds"]} == {'good "a"\\b\nc', "broken"}


def test_selected_clients_each_get_a_success_series(sets, capsys):
    status, out, _ = run_cli(["doctor", "--dir", str(sets / "broken"), "--no-handshake", "--format", "prometheus",
                              "--client", "go", "--client", "pymilvus", "--at", "2027-01-01T00:00:00Z"], capsys)
    success = {(s.labels["mode"], s.labels["client"]): s.value for s in samples(out)["milvus_tls_check_success"]}
    assert {client for _, client in success} == {"go", "pymilvus==3.0"} or \
        {client.split("==")[0] for _, client in success} == {"go", "pymilvus"}
    assert all(v == 1.0 for (mode, _), v in success.items() if mode == "1")
    assert success[("2", next(c for _, c in success if c.startswith("pymilvus")))] == 0.0
