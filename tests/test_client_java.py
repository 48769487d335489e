"""--client java: milvus-sdk-java's ConnectConfig (--java-args) judged by the JDK's rules and Netty's key loading
(clientkinds/java.py), statically and by a real JSSE handshake against the Go rehearsal (handshake/javaclient, built
and cached like the Go client). Certificates are made in the test; what a user sees is asserted: the finding codes,
the Java client's verdict, the exit status, and the fix command, pasted."""
from __future__ import annotations

import json
import subprocess

import pytest

from tests.certfactory import good_set, make_leaf
from milvus_tls_check.cli import main
from milvus_tls_check.handshake import gofront, sdk_process


def _write(d, **files):
    d.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, data in files.items():
        p = d / name.replace("_", ".")
        p.write_bytes(data)
        if p.suffix == ".key":
            p.chmod(0o600)
        out[name] = str(p)
    return out


def _doctor(capsys, f, mode, java_args, *extra):
    argv = ["doctor", "--tls-mode", mode, "--server-pem", f["server_pem"], "--server-key", f["server_key"],
            "--ca-pem", f["ca_pem"], "--format", "json", "--java-args", json.dumps(java_args), *extra]
    code = main(argv)
    report = json.loads(capsys.readouterr().out)
    java = next(c for c in report["clients"] if c["client"] == "java")
    return code, java["mode_verdicts"][mode], java["causes"][mode], report


def _one_way(f, **kw):
    return {"uri": "https://localhost:19530", "serverName": "localhost", "serverPemPath": f["ca_pem"], **kw}


def _two_way(f, **kw):
    return {"uri": "https://localhost:19530", "serverName": "localhost", "clientPemPath": f["client_pem"],
            "clientKeyPath": f["client_key"], "caPemPath": f["ca_pem"], **kw}


def test_read_args_as_connect_config_uses_them():
    from milvus_tls_check.clientkinds.java import read_args
    one = read_args({"uri": "http://milvus.local", "serverName": "milvus.local", "serverPemPath": "/s.pem",
                     "clientPemPath": "/c.pem", "clientKeyPath": "/c.key"})
    # a pem path makes it TLS whatever the scheme; serverPemPath wins and the client pair is not sent; port 19530
    assert (one.secure, one.ca, one.sends_cert, one.address) == (True, "/s.pem", False, "milvus.local:19530")
    two = read_args({"uri": "https://h:443", "clientPemPath": "/c.pem", "clientKeyPath": "/c.key", "caPemPath": "/ca"})
    assert (two.ca, two.cert, two.key, two.address) == ("/ca", "/c.pem", "/c.key", "h:443")
    # caPemPath without the pair: no trust file at all (the JDK's cacerts), TLS only with https or secure
    bare = read_args({"uri": "http://h", "caPemPath": "/ca"})
    assert (bare.ca, bare.secure) == (None, False)


# ---- static: the JDK's name rules and Netty's key loading ------------------------------------------------------------

def test_java_accepts_the_cn_when_there_is_no_dns_san_go_does_not(tmp_path, capsys):
    g = good_set()
    leaf = make_leaf(g.ca, "localhost", dns=(), ips=())
    f = _write(tmp_path, server_pem=leaf.cert_pem(), server_key=leaf.key_pem(), ca_pem=g.ca.cert_pem())
    code, verdict, causes, report = _doctor(capsys, f, "1", _one_way(f), "--client", "go", "--no-handshake",
                                            "--client-server-pem", f["ca_pem"])
    assert verdict == "pass" and causes == []
    go = next(c for c in report["clients"] if c["client"] == "go")
    assert go["causes"]["1"] == ["name.cn_only"] and code == 1


def test_an_ip_name_needs_an_ip_san(tmp_path, capsys):
    g = good_set()
    leaf = make_leaf(g.ca, "127.0.0.1", dns=("localhost",), ips=())
    f = _write(tmp_path, server_pem=leaf.cert_pem(), server_key=leaf.key_pem(), ca_pem=g.ca.cert_pem())
    code, verdict, causes, report = _doctor(capsys, f, "1", _one_way(f, serverName="127.0.0.1"), "--no-handshake")
    assert (code, verdict, causes) == (1, "fail", ["name.mismatch"])
    msg = next(x["message"] for x in report["findings"] if x["clients"] == ["java"])
    assert "No subject alternative names matching IP address 127.0.0.1 found" in msg
    # near miss: the same certificate by its DNS name
    code, verdict, _, _ = _doctor(capsys, f, "1", _one_way(f), "--no-handshake")
    assert (code, verdict) == (0, "pass")


@pytest.mark.parametrize("fmt,label", [("pkcs1", "RSA PRIVATE KEY"), ("sec1", "EC PRIVATE KEY")])
def test_a_key_netty_cannot_load_is_key_not_pkcs8_and_the_fix_works(tmp_path, capsys, fmt, label):
    g = good_set(key_type="rsa2048" if fmt == "pkcs1" else "ec-p256")
    f = _write(tmp_path, server_pem=g.server.cert_pem(), server_key=g.server.key_pem(), ca_pem=g.ca.cert_pem(),
               client_pem=g.client.cert_pem(), client_key=g.client.key_pem(fmt))
    code, verdict, causes, report = _doctor(capsys, f, "2", _two_way(f), "--no-handshake")
    assert (code, verdict, causes) == (1, "fail", ["key.not_pkcs8"])
    found = next(x for x in report["findings"] if x["code"] == "key.not_pkcs8")
    assert f"BEGIN {label}" in found["message"] and found["clients"] == ["java"]
    fix = found["fix_commands"][0] if found.get("fix_commands") else found["fix"]
    command = fix[fix.index("`") + 1:fix.rindex("`")]
    assert f"openssl pkcs8 -topk8 -nocrypt -in {f['client_key']} -out {f['client_key']}.pk8" in command
    subprocess.run(["bash", "-c", command], check=True, capture_output=True)
    code, verdict, causes, _ = _doctor(capsys, f, "2", _two_way(f, clientKeyPath=f["client_key"] + ".pk8"),
                                       "--no-handshake")
    assert (code, verdict, causes) == (0, "pass", [])


def test_the_same_pkcs1_key_is_fine_for_go_and_node(tmp_path, capsys):
    """near miss: key.not_pkcs8 is Java's alone; the other clients read PKCS#1."""
    g = good_set()
    f = _write(tmp_path, server_pem=g.server.cert_pem(), server_key=g.server.key_pem(), ca_pem=g.ca.cert_pem(),
               client_pem=g.client.cert_pem(), client_key=g.client.key_pem("pkcs1"))
    _code, _verdict, _causes, report = _doctor(capsys, f, "2", _two_way(f), "--no-handshake", "--client", "go",
                                                "--client-pem", f["client_pem"], "--client-key", f["client_key"])
    go = next(c for c in report["clients"] if c["client"] == "go")
    assert go["mode_verdicts"]["2"] == "pass"


def test_one_way_without_server_name_builds_no_channel(tmp_path, capsys):
    g = good_set()
    f = _write(tmp_path, server_pem=g.server.cert_pem(), server_key=g.server.key_pem(), ca_pem=g.ca.cert_pem())
    args = {"uri": "https://localhost:19530", "serverPemPath": f["ca_pem"]}
    code, verdict, causes, _ = _doctor(capsys, f, "1", args, "--no-handshake")
    assert (code, verdict, causes) == (1, "fail", ["client.server_name_required"])
    # near miss: two-way without serverName is fine (overrideAuthority only when it is set)
    f.update(_write(tmp_path, client_pem=g.client.cert_pem(), client_key=g.client.key_pem()))
    two = _two_way(f)
    del two["serverName"]
    code, verdict, causes, _ = _doctor(capsys, f, "2", two, "--no-handshake")
    assert (code, verdict, causes) == (0, "pass", [])


def test_keyusage_without_digital_signature(tmp_path, capsys):
    g = good_set()
    leaf = make_leaf(g.ca, "localhost", key_usage=("key_encipherment",))
    f = _write(tmp_path, server_pem=leaf.cert_pem(), server_key=leaf.key_pem(), ca_pem=g.ca.cert_pem())
    code, verdict, causes, _ = _doctor(capsys, f, "1", _one_way(f), "--no-handshake")
    assert (code, verdict, causes) == (1, "fail", ["ku.digital_signature_missing"])


# ---- real JSSE handshakes against the Go rehearsal ------------------------------------------------------------------

@pytest.fixture(scope="module")
def java_ready():
    assert gofront.toolchains(), "no Go toolchain: python -m milvus_tls_check.handshake.gofront install 1.25"
    sdk_process.java_jar()
    return True


def _real(capsys, f, mode, java_args):
    code, verdict, causes, report = _doctor(capsys, f, mode, java_args, "--rehearsal", "go")
    real = [h for h in report["handshakes"] if h["client"] == "java"]
    assert real, report["handshakes"]
    return code, verdict, causes, real[0]


def test_real_jsse_mutual_tls_pkcs8_connects_pkcs1_is_refused(java_ready, tmp_path, capsys):
    g = good_set()
    f = _write(tmp_path, server_pem=g.server.cert_pem(), server_key=g.server.key_pem(), ca_pem=g.ca.cert_pem(),
               client_pem=g.client.cert_pem(), client_key=g.client.key_pem())
    code, verdict, causes, h = _real(capsys, f, "2", _two_way(f))
    assert (code, verdict, h["ok"]) == (0, "pass", True) and "GetVersion succeeded" in h["detail"]
    (tmp_path / "client.key").write_bytes(g.client.key_pem("pkcs1"))
    code, verdict, causes, h = _real(capsys, f, "2", _two_way(f))
    assert (code, verdict, causes) == (1, "fail", ["key.not_pkcs8"])
    assert not h["ok"] and "File does not contain valid private key" in h["detail"] and h["code"] == "key.not_pkcs8"


def test_real_jsse_names_cn_fallback_ip_and_trailing_dot(java_ready, tmp_path, capsys):
    g = good_set()
    cn_only = make_leaf(g.ca, "localhost", dns=(), ips=())
    f = _write(tmp_path, server_pem=cn_only.cert_pem(), server_key=cn_only.key_pem(), ca_pem=g.ca.cert_pem())
    code, verdict, _, h = _real(capsys, f, "1", _one_way(f, serverName="localhost."))
    assert (code, verdict, h["ok"]) == (0, "pass", True)   # the CN, and the trailing dot dropped
    code, verdict, causes, h = _real(capsys, f, "1", _one_way(f, serverName="127.0.0.1"))
    assert (code, verdict, causes) == (1, "fail", ["name.mismatch"])
    assert "No subject alternative names present" in h["detail"]


def test_real_jsse_mode_2_without_a_client_certificate(java_ready, tmp_path, capsys):
    g = good_set()
    f = _write(tmp_path, server_pem=g.server.cert_pem(), server_key=g.server.key_pem(), ca_pem=g.ca.cert_pem())
    code, verdict, causes, h = _real(capsys, f, "2", _one_way(f))
    assert code == 1 and verdict == "fail" and "client.cert_missing" in causes
    # JSSE reads the alert ("certificate_required") or, when Go hung up first, a broken pipe; Go says why
    assert not h["ok"] and h["code"] == "tls.client_cert_required" and "didn't provide a certificate" in h["detail"]
