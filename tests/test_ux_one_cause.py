"""Issue 13, "one cause, one finding" and "nothing mis-judged for missing input": what the user sees when one
mistake could be reported many times, when an input is missing for the handshakes, and with --at."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from tests.certfactory import CertSet, make_ca, make_leaf
from milvus_tls_check.codes import CATALOGUE
from milvus_tls_check.rules.pymilvus_params import NO_CLIENT_REASON
from tests.helpers import answer, codes, doctor_json, run_cli

NOW = dt.datetime.now(dt.timezone.utc)


def _wrong_order(tmp_path: Path, shared_good) -> tuple[Path, CertSet]:
    inter = make_ca("issuing CA", issuer=shared_good.ca)
    server = make_leaf(inter, eku=("server",))
    d = tmp_path / "tls"
    s = replace(shared_good, server=server)
    s.write(d)
    (d / "server.pem").write_bytes(inter.cert_pem() + server.cert_pem())   # intermediate first
    return d, s


def test_chain_in_the_wrong_order_is_one_finding_with_the_reorder_command(tmp_path, shared_good, capsys):
    d, _ = _wrong_order(tmp_path, shared_good)
    for mode in ("1", "2"):
        status, report = doctor_json(["--dir", str(d), "--tls-mode", mode], capsys)
        assert status == 1 and [f["code"] for f in answer(report["findings"])] == ["key.mismatch"], report["findings"]
    f = report["findings"][0]
    assert "wrong order" in f["message"] and "certificate #2" in f["message"] and "put the leaf first" in f["message"]
    assert "reissue" not in f["fix"].replace("nothing needs reissuing", "")
    command = f["fix"].split("`")[1]
    pem = d / "server.pem"
    assert command == (f"{{ awk '/-----BEGIN CERTIFICATE-----/{{n++}} n==2' {pem}; "
                       f"awk '/-----BEGIN CERTIFICATE-----/{{n++}} n==1' {pem}; }} > {pem}.new && mv {pem} {pem}.bak && "
                       f"mv {pem}.new {pem}")
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    status, report = doctor_json(["--dir", str(d)], capsys)
    assert status == 0 and answer(report["findings"]) == [], report["findings"]


def test_chain_in_the_wrong_order_is_titled_as_an_order_problem(tmp_path, shared_good, capsys):
    """Issue 19 item 3: the check's line and the finding lead with the order (the key is right), in text and JSON."""
    d, _ = _wrong_order(tmp_path, shared_good)
    status, out, _ = run_cli(["doctor", "--dir", str(d), "--tls-mode", "1", "--no-handshake"], capsys)
    assert status == 1
    pem = d / "server.pem"
    assert f"  FAIL  tls.serverPemPath holds its certificates leaf first  [server_pem ({pem})]" in out
    assert f"        FAIL key.mismatch: Certificates in the wrong order: {pem} starts with" in out
    assert "belongs to tls.serverPemPath" not in out
    status, report = doctor_json(["--dir", str(d), "--tls-mode", "1"], capsys)
    check = next(c for c in report["checks"] if c["check"] == "keys.pair" and c["status"] == "fail")
    assert check["title"] == "tls.serverPemPath holds its certificates leaf first"
    assert report["findings"][0]["message"].startswith("Certificates in the wrong order")
    assert report["findings"][0]["subject"] == f"server_pem ({pem})"


def test_a_key_that_is_not_the_certificates_keeps_the_pair_title(good_dir, capsys):
    (good_dir / "server.key").write_bytes((good_dir / "client.key").read_bytes())
    status, out, _ = run_cli(["doctor", "--dir", str(good_dir), "--tls-mode", "1", "--no-handshake"], capsys)
    assert status == 1
    assert "  FAIL  tls.serverKeyPath belongs to tls.serverPemPath  [server_pem + server_key]" in out
    assert "wrong order" not in out and "leaf first" not in out


def _server_from_another_ca(tmp_path: Path, shared_good) -> Path:
    d = tmp_path / "tls"
    replace(shared_good, server=make_leaf(make_ca("another CA"), eku=("server",))).write(d)
    return d


def test_a_handshake_failing_for_a_named_cause_points_to_the_finding(tmp_path, shared_good, capsys):
    d = _server_from_another_ca(tmp_path, shared_good)
    status, out, err = run_cli(["doctor", "--dir", str(d), "--tls-mode", "2", "--rehearsal", "grpcio"], capsys)
    assert status == 1
    assert "FAIL chain.untrusted" in out                                 # the static finding, with its fix
    assert "tls.server_cert_untrusted" in out and "fix: see chain.untrusted above" in out
    assert "the cause is chain.untrusted above" in out
    assert out.count(f"openssl verify -CAfile {d / 'ca.pem'} {d / 'server.pem'}") == 1   # the fix, said once
    assert CATALOGUE["tls.server_cert_untrusted"].fix not in out
    assert "disagrees" not in out


def test_handshake_points_in_json_too(tmp_path, shared_good, capsys):
    d = _server_from_another_ca(tmp_path, shared_good)
    status, out, _ = run_cli(["doctor", "--dir", str(d), "--tls-mode", "2", "--rehearsal", "grpcio", "--format",
                              "json"], capsys)
    report = json.loads(out)
    failed = [h for h in report["handshakes"] if not h["ok"]]
    assert failed and all("the cause is chain.untrusted above" in h["detail"] for h in failed)


def test_unmounted_path_is_said_once(docs, capsys):
    yaml_file = docs / "milvus.yaml"
    yaml_file.write_text(yaml_file.read_text().replace("serverPemPath: /milvus/tls/server.pem",
                                                       "serverPemPath: /milvus/certs/server.pem"))
    status, report = doctor_json(["--compose", str(docs / "docker-compose.yml")], capsys)
    assert status == 1
    assert [f["subject"] for f in report["findings"] if f["code"] == "config.path_not_mounted"] == \
        ["/milvus/certs/server.pem"]
    assert "file.missing" not in codes(report), report["findings"]
    files = next(c for c in report["checks"] if c["check"] == "files" and "/milvus/certs/server.pem" in c["subject"])
    assert files["status"] == "not_run" and "config.path_not_mounted above" in files["reason"]


def test_mode2_rehearsal_without_client_material_is_not_run_with_the_static_reason(good_dir, capsys):
    status, out, _ = run_cli(["doctor", "--server-pem", str(good_dir / "server.pem"), "--server-key",
                              str(good_dir / "server.key"), "--ca-pem", str(good_dir / "ca.pem"), "--tls-mode", "2",
                              "--rehearsal", "grpcio", "--format", "json"], capsys)
    report = json.loads(out)
    assert status == 4 and report["verdict"] == "incomplete", report   # not judged is never a pass (issue 19)
    assert report["disagreements"] == []
    assert {h["code"] for h in report["handshakes"]} == {"handshake.not_run"}
    assert all(h["could_not_run"] and h["detail"] == NO_CLIENT_REASON for h in report["handshakes"])
    assert "tls.server_cert_untrusted" not in out


def test_at_another_validity_skips_handshakes_with_a_note(tmp_path, shared_good, capsys):
    server = make_leaf(shared_good.ca, not_before=NOW - dt.timedelta(days=1), days=30, eku=("server",))
    d = tmp_path / "tls"
    replace(shared_good, server=server).write(d)
    later = (NOW + dt.timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    status, out, err = run_cli(["doctor", "--dir", str(d), "--tls-mode", "1", "--at", later, "--rehearsal", "grpcio",
                                "--format", "json"], capsys)
    report = json.loads(out)
    assert status == 1 and "cert.expired" in codes(report, "error")
    assert report["handshakes"] == [] and report["disagreements"] == []
    assert any(n.startswith("no handshake was made: --at judges the static checks at") for n in report["notes"])


def test_at_with_the_same_validity_still_makes_handshakes(good_dir, capsys):
    later = (NOW + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    status, out, _ = run_cli(["doctor", "--dir", str(good_dir), "--tls-mode", "1", "--at", later, "--rehearsal",
                              "grpcio", "--format", "json"], capsys)
    report = json.loads(out)
    assert status == 0 and report["handshakes"] and all(h["ok"] for h in report["handshakes"])
    assert any(n.startswith(f"the handshakes were made now, not at --at {later}") for n in report["notes"])


@pytest.mark.parametrize("verbose", [(), ("--verbose",)], ids=["quiet", "verbose"])
def test_a_passing_run_prints_no_grpc_log_lines(good_dir, verbose):
    """grpc's C-core lines ("Got goaway [2] ... Cancelling all calls" when the rehearsal server stops, absl's
    "WARNING: All log messages before absl::InitializeLog()") stay out of a passing run, --verbose or not: a fresh
    process, as a user runs it (grpc reads GRPC_VERBOSITY once, at its first import)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRPC_")}
    done = subprocess.run([sys.executable, "-m", "milvus_tls_check", "doctor", "--dir", str(good_dir),
                           "--rehearsal", "grpcio", *verbose], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == "", done.stderr
    for noise in ("goaway", "absl::", "chttp2", "E0000", "I0000", "W0000"):
        assert noise not in done.stdout


def test_missing_file_wording_is_about_pymilvus_and_milvus_exiting(good_dir, capsys):
    (good_dir / "client.pem").unlink()
    status, out, _ = run_cli(["doctor", "--dir", str(good_dir), "--tls-mode", "2", "--client-pem",
                              str(good_dir / "client.pem"), "--client-key", str(good_dir / "client.key"),
                              "--rehearsal", "grpcio"], capsys)
    assert status == 1 and "file.missing" in out
    assert "Milvus raises" not in out and "pymilvus raises FileNotFoundError" in out
    assert "Milvus raises" not in CATALOGUE["file.missing"].why and "Milvus exits" in CATALOGUE["file.missing"].why


def test_point_to_cause_matches_the_end_that_refused():
    from milvus_tls_check.model import Finding, Handshake, Severity, Side
    from milvus_tls_check.verdict import point_to_cause

    def f(code, subject):
        return Finding(code, Severity.ERROR, subject, "m", "fix")
    client_chain = f("chain.untrusted", "client_pem (c.pem)")
    server_chain = f("chain.untrusted", "server_pem (s.pem)")
    untrusted = Handshake(2, "rehearsal", False, "tls.server_cert_untrusted", "d", side=Side.CLIENT)
    assert point_to_cause(untrusted, (client_chain,)).see == ""          # the client's chain is another cause
    assert point_to_cause(untrusted, (client_chain, server_chain)).see == "chain.untrusted"
    rejected = Handshake(2, "rehearsal", False, "tls.client_cert_rejected", "d", side=Side.SERVER)
    assert point_to_cause(rejected, (server_chain,)).see == ""
    assert point_to_cause(rejected, (client_chain,)).see == "chain.untrusted"
    eku = Handshake(2, "rehearsal", False, "eku.client_auth_missing", "d", side=Side.SERVER)   # Go's own words
    assert point_to_cause(eku, (f("eku.client_auth_missing", "client_pem (c.pem)"),)).see == "eku.client_auth_missing"
    required = Handshake(2, "rehearsal", False, "tls.client_cert_required", "d", side=Side.SERVER)
    hs = point_to_cause(required, (f("client.cert_missing", "pymilvus client"),))
    assert hs.see == "client.cert_missing" and hs.detail.endswith("the cause is client.cert_missing above (its fix is there)")
    assert point_to_cause(Handshake(1, "rehearsal", True, "handshake.ok", ""), (server_chain,)).see == ""


def test_client_key_mismatch_handshake_points_to_key_mismatch(good_dir, shared_good, capsys):
    (good_dir / "client.key").write_bytes(shared_good.server.key_pem())
    status, out, _ = run_cli(["doctor", "--dir", str(good_dir), "--tls-mode", "2", "--rehearsal", "grpcio"], capsys)
    assert status == 1 and "FAIL key.mismatch" in out
    assert "fix: see key.mismatch above" in out
    assert out.count(f"openssl pkey -in {good_dir / 'client.key'} -pubout") == 1
