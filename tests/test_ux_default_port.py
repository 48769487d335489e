"""Issue 19 item 6: https://HOST without a port dials 443 (pymilvus 2.3.5+, the Node SDK, the Go SDK). An error
when nothing in the given deployment serves Milvus on 443; a warning when the deployment publishes 443."""
from __future__ import annotations

import json

from tests.helpers import run_cli


def _default_port(docs, capsys, *extra: str, compose: str = "docker-compose.yml") -> dict:
    args = {"uri": "https://localhost", "server_pem_path": str(docs / "tls" / "ca.pem"), "server_name": "localhost"}
    status, out, _ = run_cli(["doctor", "--compose", str(docs / compose), "--pymilvus-args", json.dumps(args),
                              "--client", "pymilvus", "--no-handshake", "--format", "json", *extra], capsys)
    report = json.loads(out)
    found = [f for f in report["findings"] if f["code"] == "client.default_port"]
    assert len(found) == 1, report["findings"]
    return {"status": status, "verdict": report["verdict"], **found[0]}


def test_no_port_is_an_error_when_milvus_is_published_on_19530_only(docs, capsys):
    f = _default_port(docs, capsys)
    assert f["severity"] == "error" and f["status"] == 1 and f["verdict"] == "fail"
    assert "dials https://localhost without a port on 443" in f["message"]
    assert "nothing in the given deployment serves Milvus on 443" in f["message"]
    assert "https://HOST:19530" in f["fix"]


def test_no_port_is_a_warning_when_compose_publishes_443(docs, capsys):
    text = (docs / "docker-compose.yml").read_text()
    assert '"19530:19530"' in text
    (docs / "published-443.yml").write_text(text.replace('"19530:19530"', '"443:19530"'))
    f = _default_port(docs, capsys, compose="published-443.yml")
    assert f["severity"] == "warning" and f["verdict"] == "pass", f
    assert "Compose publishes 443 for service standalone" in f["message"]


def test_no_port_is_a_warning_when_the_uri_dialled_is_on_443(docs, capsys):
    f = _default_port(docs, capsys, "--uri", "https://127.0.0.1:443")
    assert f["severity"] == "warning" and "--uri https://127.0.0.1:443 is on 443" in f["message"]
