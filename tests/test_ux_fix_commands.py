"""Issue 13, "fix lines": every fix names the real file, the name checked and the CA; the commands run as pasted."""
from __future__ import annotations

import base64
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from tests.certfactory import make_ca, make_leaf
from milvus_tls_check.findings import FIXES
from tests.helpers import answer, codes, doctor_json

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\bX\.(key|pem|der|p12)\b|\bNAME\b|\bADDR\b|\bFILE\b|\bPATH\b|NEW_DIR")
NOW = dt.datetime.now(dt.timezone.utc)


def _fix(report: dict, code: str) -> str:
    return next(f["fix"] for f in report["findings"] if f["code"] == code)


def _command(fix: str) -> str:
    """The command between the first pair of backticks."""
    return fix.split("`")[1]


def _bash(command: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run(["bash", "-c", command], cwd=cwd, capture_output=True, text=True, timeout=60, env=env)


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "fixtures").glob("broken-*")))
def test_bundled_broken_sets_fix_lines_name_their_files(name, tmp_path, capsys):
    d = tmp_path / name
    shutil.copytree(ROOT / "fixtures" / name, d)
    for key in d.glob("*.key"):
        key.chmod(0o600)
    status, report = doctor_json(["--dir", str(d)], capsys)
    assert status == 1 and report["findings"]
    for f in report["findings"]:
        assert not PLACEHOLDER.search(f["fix"]), (f["code"], f["fix"])
        if f["code"] in FIXES:
            assert str(d) in f["fix"], (f["code"], f["fix"])


def test_key_permissions_fix_is_chmod_of_the_real_key(good_dir, capsys):
    (good_dir / "server.key").chmod(0o644)
    _, report = doctor_json(["--dir", str(good_dir)], capsys)
    assert _fix(report, "key.permissions").startswith(f"`chmod 600 {good_dir / 'server.key'}`")


def test_key_mismatch_fix_compares_the_real_pair(good_dir, shared_good, capsys):
    (good_dir / "server.key").write_bytes(shared_good.client.key_pem())
    _, report = doctor_json(["--dir", str(good_dir), "--tls-mode", "1"], capsys)
    fix = _fix(report, "key.mismatch")
    assert f"`openssl x509 -in {good_dir / 'server.pem'} -noout -pubkey`" in fix
    assert f"`openssl pkey -in {good_dir / 'server.key'} -pubout`" in fix


def test_name_mismatch_fix_uses_the_name_checked_and_an_ip_entry_for_an_ip(good_dir, capsys):
    _, report = doctor_json(["--dir", str(good_dir), "--server-name", "milvus.example.com"], capsys)
    fix = _fix(report, "name.mismatch")
    assert "`subjectAltName = DNS:milvus.example.com`" in fix and str(good_dir / "server.pem") in fix
    _, report = doctor_json(["--dir", str(good_dir), "--server-name", "10.0.0.5"], capsys)
    assert "`subjectAltName = IP:10.0.0.5`" in _fix(report, "name.mismatch")


def test_expires_soon_fix_runs_as_pasted_and_its_set_passes(good_dir, shared_good, capsys):
    server = make_leaf(shared_good.ca, not_before=NOW - dt.timedelta(days=10), days=20, eku=("server",))
    replace(shared_good, server=server).write(good_dir)
    (good_dir / "ca.key").write_bytes(shared_good.ca.key_pem())
    status, report = doctor_json(["--dir", str(good_dir), "--server-name", "localhost"], capsys)
    fix = _fix(report, "cert.expires_soon")
    command = _command(fix)
    assert command == (f"milvus-tls gen --out {good_dir / 'renewed'} --from-ca {good_dir / 'ca.pem'} "
                       f"--ca-key {good_dir / 'ca.key'} --name localhost")
    done = _bash(command, good_dir)
    assert done.returncode == 0, done.stderr
    status, report = doctor_json(["--dir", str(good_dir / "renewed")], capsys)
    assert status == 0 and "cert.expires_soon" not in codes(report)


def test_expires_soon_without_a_ca_key_says_where_it_is_missing(good_dir, shared_good, capsys):
    server = make_leaf(shared_good.ca, not_before=NOW - dt.timedelta(days=10), days=20, eku=("server",))
    replace(shared_good, server=server).write(good_dir)
    _, report = doctor_json(["--dir", str(good_dir), "--server-name", "10.1.2.3"], capsys)
    fix = _fix(report, "cert.expires_soon")
    assert f"no ca.key was found in {good_dir}" in fix and f"--ca-key` with the key of {good_dir / 'ca.pem'}" in fix
    assert "CA_KEY" not in fix   # no placeholder: the fix commands write a CSR instead
    [f] = [f for f in report["findings"] if f["code"] == "cert.expires_soon"]
    assert any("--csr-out" in c for c in f["fix_commands"]) and "--ca-key" in f["fix_note"]


def _secret(path: Path, data: dict, name: str = "milvus-certs") -> Path:
    path.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name},
                                    "type": "kubernetes.io/tls",
                                    "data": {k: base64.b64encode(v).decode() for k, v in data.items()}}))
    return path


def test_kubernetes_fix_names_the_secret_and_key_never_the_private_copy(tmp_path, shared_good, capsys):
    data = {"tls.crt": shared_good.server.cert_pem(), "tls.key": shared_good.client.key_pem(),
            "ca.crt": shared_good.ca.cert_pem()}
    status, report = doctor_json(["--k8s", str(_secret(tmp_path / "s.yaml", data))], capsys)
    assert status == 1
    f = next(f for f in report["findings"] if f["code"] == "key.mismatch")
    assert ("kubectl get secret milvus-certs -o jsonpath='{.data.tls\\.crt}' | base64 -d | openssl x509 -noout "
            "-pubkey") in f["fix"]
    assert "kubectl get secret milvus-certs -o jsonpath='{.data.tls\\.key}' | base64 -d | openssl pkey -pubout" \
        in f["fix"]
    assert "milvus-tls-k8s-" not in f["fix"] + f["message"], f
    assert "key tls.key of Secret milvus-certs" in f["message"]


def test_kubernetes_encrypted_key_fix_patches_the_secret(tmp_path, shared_good, capsys):
    data = {"tls.crt": shared_good.server.cert_pem(), "tls.key": shared_good.server.key_pem(password=b"pw"),
            "ca.crt": shared_good.ca.cert_pem()}
    _, report = doctor_json(["--k8s", str(_secret(tmp_path / "s.yaml", data))], capsys)
    fix = _fix(report, "key.encrypted")
    assert "kubectl get secret milvus-certs -o jsonpath='{.data.tls\\.key}' | base64 -d | openssl pkey" in fix
    assert "kubectl patch secret milvus-certs" in fix and "/data/tls.key" in fix
    assert "milvus-tls-k8s-" not in fix


def test_intermediate_beside_the_files_is_named_and_its_cat_command_works(tmp_path, shared_good, capsys):
    inter = make_ca("issuing CA", issuer=shared_good.ca)
    server = make_leaf(inter, eku=("server",))
    d = tmp_path / "tls"
    replace(shared_good, server=server).write(d)
    (d / "server.pem").write_bytes(server.cert_pem())   # the leaf alone: the intermediate is not sent
    (d / "intermediate.pem").write_bytes(inter.cert_pem())
    args = ["--dir", str(d), "--tls-mode", "2"]
    status, report = doctor_json(args, capsys)
    assert status == 1 and "chain.intermediate_missing" in codes(report, "error")
    assert "chain.untrusted" not in codes(report)
    f = next(f for f in report["findings"] if f["code"] == "chain.intermediate_missing")
    assert str(d / "intermediate.pem") in f["message"] and "beside" in f["message"]
    command = _command(f["fix"])
    assert command.startswith(f"cat {d / 'server.pem'} {d / 'intermediate.pem'} > ")
    assert _bash(command, d).returncode == 0
    status, report = doctor_json(args, capsys)
    assert status == 0, report["findings"]


def test_no_intermediate_anywhere_says_missing_intermediate_or_wrong_ca_side_by_side(tmp_path, shared_good,
                                                                                     capsys):
    inter = make_ca("issuing CA", issuer=shared_good.ca)
    server = make_leaf(inter, eku=("server",))
    d = tmp_path / "tls"
    replace(shared_good, server=server).write(d)
    (d / "server.pem").write_bytes(server.cert_pem())
    (d / "other.pem").write_bytes(make_ca("unrelated CA").cert_pem())   # read, but not the issuer
    status, report = doctor_json(["--dir", str(d), "--tls-mode", "2"], capsys)
    assert status == 1 and "chain.intermediate_missing" not in codes(report)
    message = next(f["message"] for f in report["findings"] if f["code"] == "chain.untrusted")
    assert "either an intermediate CA is missing" in message and f"{d / 'ca.pem'} holds the wrong CA" in message
    assert "CN=issuing CA" in message and shared_good.ca.cert.subject.rfc4514_string().split(",")[0] in message


def test_files_in_other_folders_are_not_searched(tmp_path, shared_good, capsys):
    inter = make_ca("issuing CA", issuer=shared_good.ca)
    server = make_leaf(inter, eku=("server",))
    d = tmp_path / "tls"
    replace(shared_good, server=server).write(d)
    (d / "server.pem").write_bytes(server.cert_pem())
    (d / "sub").mkdir()
    (d / "sub" / "intermediate.pem").write_bytes(inter.cert_pem())
    (tmp_path / "intermediate.pem").write_bytes(inter.cert_pem())
    _, report = doctor_json(["--dir", str(d), "--tls-mode", "2"], capsys)
    assert "chain.intermediate_missing" not in codes(report) and "chain.untrusted" in codes(report)


def test_catalogue_fixes_of_material_and_handshake_codes_hold_no_placeholder():
    from milvus_tls_check.codes import CATALOGUE
    families = {"Files", "Keys", "Validity", "Chain", "Names", "Usage", "Algorithms", "Handshakes"}
    loose = {c.code: c.fix for c in CATALOGUE.values()
             if c.family in families and re.search(PLACEHOLDER.pattern + r"|\bHOST\b|\bPORT\b", c.fix)}
    assert loose == {}


def test_unreachable_address_gives_the_command_for_the_address_dialled(good_dir, capsys):
    import json
    from tests.helpers import run_cli
    status, out, _ = run_cli(["doctor", "--dir", str(good_dir), "--tls-mode", "1", "--uri", "https://127.0.0.1:1",
                              "--timeout", "2", "--format", "json"], capsys)
    report = json.loads(out)
    refused = [h for h in report["handshakes"] if h["code"] == "net.refused"]
    assert status == 1 and refused
    assert any("`nc -vz 127.0.0.1 1`" in h["detail"] for h in refused)


def test_encrypted_key_fix_writes_a_private_plain_key_in_place(good_dir, shared_good, capsys):
    key = good_dir / "server.key"
    key.write_bytes(shared_good.server.key_pem(password=b"milvus"))
    key.chmod(0o600)
    _, report = doctor_json(["--dir", str(good_dir), "--tls-mode", "1"], capsys)
    command = _command(_fix(report, "key.encrypted"))
    assert command == f"(umask 077 && openssl pkey -in {key} > {key}.new) && mv {key} {key}.bak && mv {key}.new {key}"
    # as pasted, openssl asks for the passphrase on the terminal; here it is given on the command line
    done = _bash(command.replace("openssl pkey ", "openssl pkey -passin pass:milvus "), good_dir)
    assert done.returncode == 0, done.stderr
    assert key.stat().st_mode & 0o077 == 0
    status, report = doctor_json(["--dir", str(good_dir), "--tls-mode", "1"], capsys)
    assert status == 0 and answer(report["findings"]) == [], report["findings"]


def test_issuer_fixes_name_the_issuer_and_its_file(tmp_path, shared_good, capsys):
    inter = make_ca("issuing non-CA", issuer=shared_good.ca, ca=False)
    d = tmp_path / "tls"
    replace(shared_good, server=make_leaf(inter, eku=("server",))).write(d)
    _, report = doctor_json(["--dir", str(d), "--tls-mode", "2"], capsys)
    fix = _fix(report, "ca.not_ca")
    assert fix.startswith(f"Reissue CN=issuing non-CA,O=milvus-tls-check in {d / 'server.pem'} with")


def test_self_signed_server_cert_against_another_ca_says_so(tmp_path, shared_good, capsys):
    d = tmp_path / "tls"
    replace(shared_good, server=make_ca("localhost")).write(d)     # a self-signed server certificate
    _, report = doctor_json(["--dir", str(d), "--tls-mode", "2"], capsys)
    message = next(f["message"] for f in report["findings"] if f["code"] == "chain.untrusted")
    assert "is self-signed" in message and f"{d / 'ca.pem'} holds CN=milvus-tls-check test CA" in message
    assert "intermediate" not in message


def test_an_issuer_beside_that_leads_nowhere_is_named_not_offered(tmp_path, shared_good, capsys):
    other_root = make_ca("other root")
    inter = make_ca("issuing CA", issuer=other_root)
    d = tmp_path / "tls"
    leaf = make_leaf(inter, eku=("server",))
    replace(shared_good, server=leaf).write(d)
    (d / "server.pem").write_bytes(leaf.cert_pem())   # the leaf alone
    (d / "intermediate.pem").write_bytes(inter.cert_pem())
    _, report = doctor_json(["--dir", str(d), "--tls-mode", "2"], capsys)
    assert "chain.intermediate_missing" not in codes(report)
    message = next(f["message"] for f in report["findings"] if f["code"] == "chain.untrusted")
    assert f"is in {d / 'intermediate.pem'}, but it does not lead to {d / 'ca.pem'} either" in message
    assert "CN=other root" in message


def test_kubernetes_chain_in_the_wrong_order_is_reordered_in_the_secret(tmp_path, shared_good, capsys):
    inter = make_ca("issuing CA", issuer=shared_good.ca)
    leaf = make_leaf(inter, eku=("server",))
    data = {"tls.crt": inter.cert_pem() + leaf.cert_pem(), "tls.key": leaf.key_pem(), "ca.crt": shared_good.ca.cert_pem()}
    status, report = doctor_json(["--k8s", str(_secret(tmp_path / "s.yaml", data, name="mc"))], capsys)
    assert status == 1 and [f["code"] for f in report["findings"]] == ["key.mismatch"], report["findings"]
    fix = report["findings"][0]["fix"]
    assert fix.startswith("Reorder key tls.crt of Secret mc, leaf first: `{ awk")
    assert "<(kubectl get secret mc -o jsonpath='{.data.tls\\.crt}' | base64 -d)" in fix
    assert "> tls.crt.new && kubectl patch secret mc --type=json" in fix and "milvus-tls-k8s-" not in fix


def test_new_key_commands_never_overwrite_the_key_in_use(tmp_path, shared_good, capsys):
    d = tmp_path / "tls"
    replace(shared_good, server=make_leaf(shared_good.ca, key_type="rsa1024", eku=("server",))).write(d)
    _, report = doctor_json(["--dir", str(d)], capsys)
    command = _command(_fix(report, "key.weak"))
    assert command.endswith(f"-out {d / 'server.key'}.new)")
    before = (d / "server.key").read_bytes()
    assert _bash(command, d).returncode == 0
    assert (d / "server.key").read_bytes() == before and (d / "server.key.new").stat().st_mode & 0o077 == 0


def _k8s_faults(g):
    weak = make_leaf(g.ca, key_type="rsa1024", eku=("server",))
    expired = make_leaf(g.ca, not_before=NOW - dt.timedelta(days=400), days=30, eku=("server",))
    return {
        "bom": {"tls.crt": b"\xef\xbb\xbf" + g.server.cert_pem()},
        "key-in-cert": {"tls.crt": g.server.cert_pem() + g.server.key_pem()},
        "encrypted": {"tls.key": g.server.key_pem(password=b"pw")},
        "mismatch": {"tls.key": g.client.key_pem()},
        "weak": {"tls.crt": weak.cert_pem(), "tls.key": weak.key_pem()},
        "expired": {"tls.crt": expired.cert_pem(), "tls.key": expired.key_pem()},
        "not-pem": {"tls.crt": b"not a certificate\n"},
        "expired-ca": {"ca.crt": make_ca("old CA", days=1, not_before=NOW - dt.timedelta(days=5)).cert_pem()},
    }


@pytest.mark.parametrize("fault", ["bom", "key-in-cert", "encrypted", "mismatch", "weak", "expired", "not-pem",
                                   "expired-ca"])
def test_kubernetes_findings_never_name_the_private_copy(fault, tmp_path, shared_good, capsys):
    data = {"tls.crt": shared_good.server.cert_pem(), "tls.key": shared_good.server.key_pem(),
            "ca.crt": shared_good.ca.cert_pem()}
    data.update(_k8s_faults(shared_good)[fault])
    mode = ["--tls-mode", "2"] if fault == "expired-ca" else []     # ca.crt is tls.caPemPath: mode 2 reads it
    status, report = doctor_json(["--k8s", str(_secret(tmp_path / "s.yaml", data)), *mode], capsys)
    assert report["findings"], fault
    for f in report["findings"]:
        assert "milvus-tls-k8s-" not in f["fix"] + f["message"], (f["code"], f["fix"], f["message"])
        assert not PLACEHOLDER.search(f["fix"]), (f["code"], f["fix"])
