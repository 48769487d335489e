"""`milvus-tls reissue` as a user sees it: certificates made by the real openssl CLI the Milvus docs' way
(fixtures/docs-san, fixtures/broken-*, and sets made here with fixtures/make-fixtures.sh's commands), repaired by
reissue, then judged by the doctor itself (`doctor --dir D --no-handshake --format json`) and by
`openssl verify` / `openssl x509 -text` / `openssl req -verify`. One repaired set passes a real grpcio handshake.
"""
from __future__ import annotations

import datetime as dt
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from tests import certfactory
from milvus_tls_check.facts.x509 import basic_ca, dns_sans, ip_sans, same_public_key, subject_key_identifier
from tests.helpers import HANDSHAKE_NAME, codes, doctor_json, grpc_call, mtls_server, run_cli

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SUBJ = "/C=US/O=milvus/OU=milvus/CN=localhost"
CA_SUBJ = "/C=US/ST=CA/L=Redwood City/O=milvus/OU=milvus/CN=localhost"

# The docs' openssl.cnf, trimmed to what these commands read (fixtures/make-fixtures.sh write_cnf), plus the
# [CA_default] section `openssl ca` needs for the expired certificate (make_expired).
CNF = """\
HOME = .
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = ./demoCA
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
default_md = default
policy = policy_anything
copy_extensions = copy
[ policy_anything ]
commonName = supplied
[ req ]
default_bits = 2048
distinguished_name = req_distinguished_name
req_extensions = v3_req
[ req_distinguished_name ]
[ v3_req ]
basicConstraints = CA:FALSE
keyUsage = nonRepudiation, digitalSignature, keyEncipherment
subjectAltName = @alt_names
{extra}
[ alt_names ]
DNS.1 = localhost
"""


def openssl(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    if check:
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done


def docs_set(tmp_path: Path, name: str = "set") -> Path:
    """A copy of fixtures/docs-san (ca.pem, ca.key, server.*, client.*: made by openssl the docs' way), keys 0600."""
    d = tmp_path / name
    shutil.copytree(FIXTURES / "docs-san", d)
    for k in d.glob("*.key"):
        k.chmod(0o600)
    return d


def docs_leaf(d: Path, name: str, extra: str = "") -> None:
    """The docs' key, CSR and signing commands for `name` with the set's CA (extra: a line added to [v3_req])."""
    (d / "openssl.cnf").write_text(CNF.format(extra=extra))
    openssl(d, "genpkey", "-algorithm", "RSA", "-out", f"{name}.key")
    openssl(d, "req", "-new", "-nodes", "-key", f"{name}.key", "-out", f"{name}.csr", "-subj", SUBJ,
            "-config", "./openssl.cnf", "-extensions", "v3_req")
    openssl(d, "x509", "-req", "-days", "3650", "-in", f"{name}.csr", "-out", f"{name}.pem", "-CA", "ca.pem",
            "-CAkey", "ca.key", "-CAcreateserial", "-extfile", "./openssl.cnf", "-extensions", "v3_req")
    (d / f"{name}.key").chmod(0o600)


def reissue(capsys, *args: str) -> tuple[int, str, str]:
    return run_cli(["reissue", *map(str, args)], capsys)


def judge(capsys, d: Path, *extra: str) -> tuple[int, dict]:
    return doctor_json(["--dir", str(d), *extra], capsys)


def load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def text(d: Path, pem: str) -> str:
    return openssl(d, "x509", "-in", pem, "-noout", "-text").stdout


def verify(d: Path, ca: str, pem: str) -> subprocess.CompletedProcess:
    return openssl(d, "verify", "-CAfile", ca, pem, check=False)


def replace_with(d: Path, name: str) -> None:
    """What the doctor's fix lines do after `--out X.new`: mv X.new X."""
    (d / f"{name}.new").replace(d / name)


def assert_no_key_material(out: str, err: str) -> None:
    assert "PRIVATE KEY" not in out + err and "BEGIN" not in out + err


# --- the repairs ----------------------------------------------------------------------------------------------

def test_add_name_keeps_the_old_names(capsys, tmp_path: Path) -> None:
    d = docs_set(tmp_path)
    status, report = judge(capsys, d, "--server-name", "milvus.example.com")
    assert status == 1 and "name.mismatch" in codes(report)
    before = load(d / "server.pem")
    status, out, err = reissue(capsys, "--cert", d / "server.pem", "--ca-cert", d / "ca.pem", "--ca-key", d / "ca.key",
                               "--add-name", "milvus.example.com", "--add-name", "10.0.0.5",
                               "--add-name", "LOCALHOST", "--out", d / "server.pem.new")
    assert status == 0, err
    assert "DNS:localhost -> DNS:localhost DNS:milvus.example.com IP:10.0.0.5" in out
    assert_no_key_material(out, err)
    assert stat.S_IMODE((d / "server.pem.new").stat().st_mode) == 0o644
    replace_with(d, "server.pem")
    t = text(d, "server.pem")
    assert "DNS:localhost, DNS:milvus.example.com, IP Address:10.0.0.5" in t
    assert "Digital Signature, Non Repudiation, Key Encipherment" in t        # the docs' keyUsage kept
    assert verify(d, "ca.pem", "server.pem").returncode == 0
    new = load(d / "server.pem")
    assert new.subject == before.subject and same_public_key(new, before) and new.serial_number != before.serial_number
    assert 0 < new.serial_number < 1 << 128
    for name in ("milvus.example.com", "localhost"):
        status, report = judge(capsys, d, "--server-name", name)
        assert (status, report["verdict"]) == (0, "pass"), report["findings"]
        assert not codes(report)


def test_eku_client_auth_fixes_eku_client_auth_missing(capsys, tmp_path: Path) -> None:
    d = docs_set(tmp_path)
    docs_leaf(d, "client", "extendedKeyUsage = serverAuth")       # fixtures/broken-client-eku's fault
    status, report = judge(capsys, d, "--tls-mode", "2")
    assert status == 1 and "eku.client_auth_missing" in codes(report)
    status, out, err = reissue(capsys, "--cert", d / "client.pem", "--ca-cert", d / "ca.pem", "--ca-key", d / "ca.key",
                               "--eku", "clientAuth", "--out", d / "client.pem.new")
    assert status == 0, err
    assert "EKU       added clientAuth -> serverAuth, clientAuth" in out
    replace_with(d, "client.pem")
    assert "TLS Web Server Authentication, TLS Web Client Authentication" in text(d, "client.pem")
    assert verify(d, "ca.pem", "client.pem").returncode == 0
    status, report = judge(capsys, d, "--tls-mode", "2")
    assert (status, report["verdict"]) == (0, "pass"), report["findings"]
    assert not codes(report)


def test_key_fixes_key_mismatch(capsys, tmp_path: Path) -> None:
    d = docs_set(tmp_path)
    openssl(d, "genpkey", "-algorithm", "RSA", "-out", "server.key")   # fixtures/broken-key-mismatch's fault
    (d / "server.key").chmod(0o600)
    status, report = judge(capsys, d)
    assert status == 1 and "key.mismatch" in codes(report)
    status, out, err = reissue(capsys, "--cert", d / "server.pem", "--key", d / "server.key",
                               "--ca-cert", d / "ca.pem", "--ca-key", d / "ca.key", "--out", d / "server.pem.new")
    assert status == 0, err
    assert "replaces the certificate's public key" in out and "DNS:localhost (unchanged)" in out
    assert_no_key_material(out, err)
    replace_with(d, "server.pem")
    assert (openssl(d, "x509", "-in", "server.pem", "-noout", "-pubkey").stdout
            == openssl(d, "pkey", "-in", "server.key", "-pubout").stdout)
    assert verify(d, "ca.pem", "server.pem").returncode == 0
    status, report = judge(capsys, d)
    assert (status, report["verdict"]) == (0, "pass"), report["findings"]
    assert not codes(report)


def test_days_renews_an_expired_certificate_keeping_its_names(capsys, tmp_path: Path) -> None:
    """fixtures/broken-expired's server.pem, made again with that set's procedure (`openssl ca -startdate 2020...
    -enddate 2021...`) by docs-san's CA, whose key is committed."""
    d = docs_set(tmp_path)
    (d / "openssl.cnf").write_text(CNF.format(extra="subjectAltName = DNS:localhost, DNS:milvus.example.com"))
    (d / "openssl.cnf").write_text((d / "openssl.cnf").read_text().replace("subjectAltName = @alt_names\n", ""))
    (d / "demoCA" / "newcerts").mkdir(parents=True)
    (d / "demoCA" / "index.txt").write_text("")
    (d / "demoCA" / "serial").write_text("1000\n")
    openssl(d, "req", "-new", "-nodes", "-key", "server.key", "-out", "server.csr", "-subj", SUBJ,
            "-config", "./openssl.cnf", "-extensions", "v3_req")
    openssl(d, "ca", "-batch", "-notext", "-config", "./openssl.cnf", "-policy", "policy_anything", "-cert", "ca.pem",
            "-keyfile", "ca.key", "-in", "server.csr", "-out", "server.pem", "-startdate", "20200101000000Z",
            "-enddate", "20210101000000Z", "-extfile", "./openssl.cnf", "-extensions", "v3_req")
    status, report = judge(capsys, d)
    assert status == 1 and "cert.expired" in codes(report)
    status, out, err = reissue(capsys, "--cert", d / "server.pem", "--ca-cert", d / "ca.pem", "--ca-key", d / "ca.key",
                               "--out", d / "server.pem.new")
    assert status == 0, err
    assert "366 days, the original's lifetime; was 2020-01-01 .. 2021-01-01" in out
    new = load(d / "server.pem.new")
    assert new.not_valid_after_utc - new.not_valid_before_utc == dt.timedelta(days=366)
    now = dt.datetime.now(dt.timezone.utc)
    assert now - dt.timedelta(minutes=6) < new.not_valid_before_utc <= now - dt.timedelta(minutes=4)
    status, out, err = reissue(capsys, "--cert", d / "server.pem", "--ca-cert", d / "ca.pem", "--ca-key", d / "ca.key",
                               "--days", "30", "--out", d / "server.pem.new")
    assert status == 0, err
    replace_with(d, "server.pem")
    new = load(d / "server.pem")
    assert new.not_valid_after_utc - new.not_valid_before_utc == dt.timedelta(days=30)
    assert dns_sans(new) == ["localhost", "milvus.example.com"]
    assert "DNS:localhost, DNS:milvus.example.com" in text(d, "server.pem")
    assert verify(d, "ca.pem", "server.pem").returncode == 0
    status, report = judge(capsys, d)
    assert (status, report["verdict"]) == (0, "pass"), report["findings"]
    assert "cert.expired" not in codes(report)


def test_ca_on_a_ca_false_self_signed_ca_keeps_old_leaves_verifying(capsys, tmp_path: Path) -> None:
    """The docs' [v3_req] (CA:FALSE) applied to the CA too: openssl will not build a chain through it."""
    d = tmp_path / "cafalse"
    d.mkdir()
    (d / "openssl.cnf").write_text(CNF.format(extra=""))
    openssl(d, "genrsa", "-out", "ca.key", "2048")
    openssl(d, "req", "-new", "-x509", "-key", "ca.key", "-out", "ca.pem", "-days", "3650", "-subj", CA_SUBJ,
            "-config", "./openssl.cnf", "-extensions", "v3_req")
    assert basic_ca(load(d / "ca.pem")) is False
    docs_leaf(d, "server")
    docs_leaf(d, "client")
    assert verify(d, "ca.pem", "server.pem").returncode != 0
    status, report = judge(capsys, d, "--tls-mode", "2")
    assert status == 1 and codes(report) & {"ca.not_ca", "ca.anchor_not_ca"}
    old = load(d / "ca.pem")
    status, out, err = reissue(capsys, "--cert", d / "ca.pem", "--key", d / "ca.key", "--ca", "--out", d / "new-ca.pem")
    assert status == 0, err
    assert "basicConstraints -> CA:TRUE (critical)" in out and "Issuer    itself (self-signed)" in out
    new = load(d / "new-ca.pem")
    assert new.subject == old.subject == new.issuer and same_public_key(new, old)
    assert subject_key_identifier(new) == subject_key_identifier(old)
    t = text(d, "new-ca.pem")
    assert "CA:TRUE" in t and "Certificate Sign, CRL Sign" in t
    for leaf in ("server.pem", "client.pem"):           # issued before, by the CA:FALSE certificate
        done = verify(d, "new-ca.pem", leaf)
        assert done.returncode == 0 and "OK" in done.stdout, done.stderr
    (d / "new-ca.pem").replace(d / "ca.pem")
    status, report = judge(capsys, d, "--tls-mode", "2")
    assert not codes(report) & {"ca.not_ca", "ca.anchor_not_ca", "chain.untrusted"}, report["findings"]
    assert (status, report["verdict"]) == (0, "pass"), report["findings"]


def test_csr_out_for_whoever_holds_the_ca(capsys, tmp_path: Path) -> None:
    """fixtures/broken-key-mismatch has no ca.key: the fix is a CSR for the key Milvus has, with the names kept."""
    d = tmp_path / "km"
    shutil.copytree(FIXTURES / "broken-key-mismatch", d)
    status, out, err = reissue(capsys, "--cert", d / "server.pem", "--key", d / "server.key", "--add-name",
                               "milvus.example.com", "--eku", "serverAuth", "--csr-out", d / "server.csr")
    assert status == 0, err
    assert "Wrote " in out and "server.csr (CSR)" in out
    assert_no_key_material(out, err)
    done = openssl(d, "req", "-in", "server.csr", "-verify", "-noout", "-text")
    assert "verify OK" in done.stdout + done.stderr
    assert "DNS:localhost, DNS:milvus.example.com" in done.stdout
    assert "TLS Web Server Authentication" in done.stdout and "CA:FALSE" in done.stdout
    assert "Subject: C = US, O = milvus, OU = milvus, CN = localhost" in done.stdout
    csr = x509.load_pem_x509_csr((d / "server.csr").read_bytes())
    key = serialization.load_pem_private_key((d / "server.key").read_bytes(), None)
    assert same_public_key(csr.public_key(), key)


def test_new_key_for_a_lost_key_of_a_self_signed_certificate(capsys, tmp_path: Path) -> None:
    ca = certfactory.make_ca("lost", key_type="ec-p256")
    (tmp_path / "ca.pem").write_bytes(ca.cert_pem())
    status, out, err = reissue(capsys, "--cert", tmp_path / "ca.pem", "--new-key", "--key-out", tmp_path / "ca.new.key",
                               "--out", tmp_path / "ca.new.pem")
    assert status == 0, err
    assert "new EC secp256r1 written to" in out
    assert_no_key_material(out, err)
    assert stat.S_IMODE((tmp_path / "ca.new.key").stat().st_mode) == 0o600
    new = load(tmp_path / "ca.new.pem")
    key = serialization.load_pem_private_key((tmp_path / "ca.new.key").read_bytes(), None)
    assert same_public_key(new, key) and not same_public_key(new, ca.cert)
    assert new.public_key().curve.name == "secp256r1"
    assert verify(tmp_path, "ca.new.pem", "ca.new.pem").returncode == 0


def test_ed25519_signer_and_robust_reading(capsys, tmp_path: Path) -> None:
    """An Ed25519 CA signs without a hash; the certificate is read behind a BOM and text, or as DER."""
    ca = certfactory.make_ca("ed", key_type="ed25519")
    leaf = certfactory.make_leaf(ca, "localhost", dns=("localhost",), key_type="ed25519")
    (tmp_path / "ca.pem").write_bytes(ca.cert_pem())
    (tmp_path / "ca.key").write_bytes(ca.key_pem())
    (tmp_path / "bom.pem").write_bytes(b"\xef\xbb\xbfsome text\n" + leaf.cert_pem())
    (tmp_path / "leaf.der").write_bytes(leaf.cert.public_bytes(serialization.Encoding.DER))
    for src in ("bom.pem", "leaf.der"):
        status, out, err = reissue(capsys, "--cert", tmp_path / src, "--ca-cert", tmp_path / "ca.pem",
                                   "--ca-key", tmp_path / "ca.key", "--add-name", "127.0.0.1", "--out", tmp_path / "n.pem")
        assert status == 0, err
        new = load(tmp_path / "n.pem")
        assert new.signature_hash_algorithm is None
        assert [str(i) for i in ip_sans(new)] == ["127.0.0.1"] and dns_sans(new) == ["localhost"]
        assert verify(tmp_path, "ca.pem", "n.pem").returncode == 0


def test_a_certificate_without_san_gets_its_cn_and_the_added_names(capsys, tmp_path: Path) -> None:
    d = tmp_path / "cn"
    shutil.copytree(FIXTURES / "docs-cn-only", d)
    # a self-signed certificate without subjectAltName, as `openssl req -x509` makes it from docs-cn-only's key
    openssl(d, "req", "-new", "-x509", "-key", "server.key", "-out", "self.pem", "-days", "30", "-subj", SUBJ,
            "-config", "/dev/null")
    status, out, err = reissue(capsys, "--cert", d / "self.pem", "--key", d / "server.key", "--add-name", "10.1.2.3",
                               "--out", d / "self.new.pem")
    assert status == 0, err
    assert "no subjectAltName -> DNS:localhost IP:10.1.2.3" in out
    assert "DNS:localhost, IP Address:10.1.2.3" in text(d, "self.new.pem")


# --- refusals ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args,needle", [
    (["--cert", "{d}/server.pem", "--ca-cert", "{d}/ca.pem", "--out", "{t}/o.pem"], "--ca-cert and --ca-key go together"),
    (["--cert", "{d}/server.pem", "--ca-key", "{d}/ca.key", "--out", "{t}/o.pem"], "--ca-cert and --ca-key go together"),
    (["--cert", "{d}/server.pem", "--ca-cert", "{d}/ca.pem", "--ca-key", "{d}/server.key", "--out", "{t}/o.pem"],
     "does not belong to --ca-cert"),
    (["--cert", "{d}/server.pem", "--key", "{d}/client.pem", "--ca-cert", "{d}/ca.pem", "--ca-key", "{d}/ca.key",
      "--out", "{t}/o.pem"], "--key {d}/client.pem: holds a certificate, not a private key"),
    (["--cert", "{d}/server.pem", "--ca-cert", "{d}/ca.pem", "--ca-key", "{d}/ca.key", "--out", "{d}/server.pem"],
     "never written in place"),
    (["--cert", "{d}/server.pem", "--out", "{t}/o.pem"], "not self-signed: pass that CA as --ca-cert and --ca-key"),
    (["--cert", "{x}/server.pem", "--out", "{t}/o.pem"], "not self-signed"),
    (["--cert", "{e}/server.pem", "--key", "{e}/server.key", "--csr-out", "{t}/o.csr"], "the key is encrypted"),
    (["--cert", "{d}/ca.pem", "--out", "{t}/o.pem"], "self-signed: it is re-signed by its own private key"),
    (["--cert", "{d}/ca.pem", "--new-key", "--out", "{t}/o.pem"], "--new-key needs --key-out"),
    (["--cert", "{d}/ca.pem", "--key", "{d}/ca.key", "--new-key", "--key-out", "{t}/k", "--out", "{t}/o.pem"],
     "exclude each other"),
    (["--cert", "{d}/server.pem", "--csr-out", "{t}/o.csr"], "--csr-out needs --key"),
    (["--cert", "{d}/server.pem"], "--out PATH is required"),
    (["--cert", "{d}/missing.pem", "--out", "{t}/o.pem"], "no such file"),
    (["--cert", "{d}/server.key", "--out", "{t}/o.pem"], "holds a private key, not a certificate"),
    (["--cert", "{d}/ca.pem", "--key", "{d}/ca.key", "--eku", "codeSigning", "--out", "{t}/o.pem"], "not one of"),
    (["--cert", "{d}/ca.pem", "--key", "{d}/ca.key", "--key-usage", "nonsense", "--out", "{t}/o.pem"], "not one of"),
    (["--cert", "{d}/ca.pem", "--key", "{d}/ca.key", "--days", "0", "--out", "{t}/o.pem"], "--days 0"),
    (["--cert", "{d}/ca.pem", "--key", "{d}/ca.key", "--add-name", "https://x.example.com:1", "--out", "{t}/o.pem"],
     "host name only"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_refusals_exit_2_with_one_line(capsys, tmp_path: Path, args, needle) -> None:
    fmt = dict(d=FIXTURES / "docs-san", x=FIXTURES / "broken-expired", e=FIXTURES / "broken-encrypted-key", t=tmp_path)
    status, out, err = reissue(capsys, *[a.format(**fmt) for a in args])
    assert status == 2, (out, err)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert err.startswith("milvus-tls ") and needle.format(**fmt) in err, err
    assert not any(tmp_path.iterdir()), list(tmp_path.iterdir())
    assert (FIXTURES / "docs-san" / "server.pem").read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")


# --- gen --from-ca ------------------------------------------------------------------------------------------------

def test_gen_from_ca_keeps_the_names_of_the_server_certificate_it_replaces(capsys, tmp_path: Path) -> None:
    d = tmp_path / "tls"
    status, _, err = run_cli(["gen", "--out", str(d), "--name", "milvus.example.com", "--name", "localhost",
                              "--ip", "127.0.0.1"], capsys)
    assert status == 0, err
    status, out, err = run_cli(["gen", "--out", str(d), "--force", "--from-ca", str(d / "ca.pem"),
                                "--ca-key", str(d / "ca.key"), "--name", "new.example.com"], capsys)
    assert status == 0, err
    assert "names kept from the server certificate it replaces" in out
    assert "DNS:milvus.example.com DNS:localhost IP:127.0.0.1" in out
    t = text(d, "server.pem")
    assert "DNS:milvus.example.com, DNS:localhost, DNS:new.example.com, IP Address:127.0.0.1" in t
    for name in ("milvus.example.com", "localhost", "new.example.com", "127.0.0.1"):
        status, report = judge(capsys, d, "--server-name", name)
        assert (status, report["verdict"]) == (0, "pass"), (name, report["findings"])
    # no --name at all: the old names, not the localhost default
    status, out, err = run_cli(["gen", "--out", str(d), "--force", "--from-ca", str(d / "ca.pem"),
                                "--ca-key", str(d / "ca.key")], capsys)
    assert status == 0, err
    assert dns_sans(load(d / "server.pem")) == ["milvus.example.com", "localhost", "new.example.com"]


# --- a real handshake ----------------------------------------------------------------------------------------------

def test_a_set_repaired_with_reissue_passes_a_grpcio_handshake(capsys, tmp_path: Path) -> None:
    """docs-san with server.key replaced (key.mismatch) and a serverAuth-only client (eku.client_auth_missing):
    grpcio refuses it; after `reissue --key` and `reissue --eku clientAuth --add-name`, a mutual-TLS call passes."""
    pytest.importorskip("grpc")
    import grpc
    d = docs_set(tmp_path)
    openssl(d, "genpkey", "-algorithm", "RSA", "-out", "server.key")
    (d / "server.key").chmod(0o600)
    docs_leaf(d, "client", "extendedKeyUsage = serverAuth")
    ca = ["--ca-cert", d / "ca.pem", "--ca-key", d / "ca.key"]
    with pytest.raises(RuntimeError, match="Failed to bind"):   # grpcio cannot load a mismatched key pair
        with mtls_server(d) as port:
            grpc_call(port, d / "ca.pem", d, server_name="localhost", timeout=5)
    assert reissue(capsys, "--cert", d / "server.pem", "--key", d / "server.key", *ca, "--add-name", HANDSHAKE_NAME,
                   "--add-name", "127.0.0.1", "--out", d / "server.pem.new")[0] == 0
    replace_with(d, "server.pem")
    with mtls_server(d) as port:     # the server loads now; the serverAuth-only client is still refused
        with pytest.raises(grpc.RpcError):
            grpc_call(port, d / "ca.pem", d, timeout=5)
    assert reissue(capsys, "--cert", d / "client.pem", *ca, "--eku", "clientAuth", "--out", d / "client.pem.new")[0] == 0
    replace_with(d, "client.pem")
    status, report = judge(capsys, d, "--server-name", HANDSHAKE_NAME)
    assert (status, report["verdict"]) == (0, "pass"), report["findings"]
    with mtls_server(d) as port:
        assert grpc_call(port, d / "ca.pem", d) == b"pong:hello"                          # by the added DNS name
        assert grpc_call(port, d / "ca.pem", d, server_name="localhost") == b"pong:hello"  # the old name still works
        assert grpc_call(port, d / "ca.pem", d, server_name=None) == b"pong:hello"         # the added IP


def test_an_intermediate_signer_is_sent_after_the_new_leaf(capsys, tmp_path: Path) -> None:
    root = certfactory.make_ca("root")
    inter = certfactory.make_ca("inter", issuer=root)
    leaf = certfactory.make_leaf(inter, "localhost", dns=("localhost",))
    (tmp_path / "root.pem").write_bytes(root.cert_pem())
    (tmp_path / "inter.pem").write_bytes(inter.cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "inter.key").write_bytes(inter.key_pem())
    (tmp_path / "leaf.pem").write_bytes(leaf.cert_pem(with_chain=True))
    status, out, err = reissue(capsys, "--cert", tmp_path / "leaf.pem", "--ca-cert", tmp_path / "inter.pem",
                               "--ca-key", tmp_path / "inter.key", "--out", tmp_path / "new.pem")
    assert status == 0, err
    assert "+ 1 chain certificate(s)" in out
    assert (tmp_path / "new.pem").read_bytes().count(b"BEGIN CERTIFICATE") == 2
    done = openssl(tmp_path, "verify", "-CAfile", "root.pem", "-untrusted", "new.pem", "new.pem", check=False)
    assert done.returncode == 0, done.stderr


def test_nothing_is_written_when_one_target_cannot_be(capsys, tmp_path: Path) -> None:
    """--new-key with an --out in a missing folder: no orphan key is left behind."""
    ca = certfactory.make_ca("lost", key_type="ec-p256")
    (tmp_path / "ca.pem").write_bytes(ca.cert_pem())
    status, _, err = reissue(capsys, "--cert", tmp_path / "ca.pem", "--new-key", "--key-out", tmp_path / "k",
                             "--out", tmp_path / "missing" / "ca.pem")
    assert status == 2 and "does not exist" in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ca.pem"]


def test_out_through_a_link_to_cert_is_refused(capsys, tmp_path: Path) -> None:
    d = docs_set(tmp_path)
    (tmp_path / "link.pem").symlink_to(d / "server.pem")
    before = (d / "server.pem").read_bytes()
    status, _, err = reissue(capsys, "--cert", d / "server.pem", "--ca-cert", d / "ca.pem", "--ca-key", d / "ca.key",
                             "--out", tmp_path / "link.pem")
    assert status == 2 and "never written in place" in err
    assert (d / "server.pem").read_bytes() == before


def test_every_other_extension_is_kept_and_the_key_identifiers_follow_the_keys(capsys, tmp_path: Path) -> None:
    ca = certfactory.make_ca("keeper")
    key = certfactory.new_key("ec-p256")
    unknown = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.99999.1"), b"\x05\x00")
    crl = x509.CRLDistributionPoints([x509.DistributionPoint(
        [x509.UniformResourceIdentifier("http://crl.example.com/ca.crl")], None, None, None)])
    leaf = (x509.CertificateBuilder().subject_name(x509.Name.from_rfc4514_string("CN=svc.example.com,O=x"))
            .issuer_name(ca.cert.subject).public_key(key.public_key()).serial_number(7)
            .not_valid_before(dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc))
            .not_valid_after(dt.datetime(2025, 1, 11, tzinfo=dt.timezone.utc))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("svc.example.com"),
                                                        x509.UniformResourceIdentifier("spiffe://x/svc")]), critical=False)
            .add_extension(crl, critical=False).add_extension(unknown, critical=False)
            .sign(ca.key, hashes.SHA256()))
    (tmp_path / "ca.pem").write_bytes(ca.cert_pem())
    (tmp_path / "ca.key").write_bytes(ca.key_pem())
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    other = certfactory.new_key("ec-p256")
    (tmp_path / "other.key").write_bytes(other.private_bytes(serialization.Encoding.PEM,
                                                             serialization.PrivateFormat.PKCS8,
                                                             serialization.NoEncryption()))
    status, out, err = reissue(capsys, "--cert", tmp_path / "leaf.pem", "--ca-cert", tmp_path / "ca.pem",
                               "--ca-key", tmp_path / "ca.key", "--key", tmp_path / "other.key",
                               "--add-name", "svc.example.com", "--key-usage", "digitalSignature",
                               "--out", tmp_path / "new.pem")
    assert status == 0, err
    assert "10 days, the original's lifetime" in out
    new = load(tmp_path / "new.pem")
    assert new.extensions.get_extension_for_class(x509.CRLDistributionPoints).value == crl
    assert new.extensions.get_extension_for_oid(unknown.oid).value == unknown
    assert new.extensions.get_extension_for_class(x509.SubjectAlternativeName).value == \
        leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value        # deduplicated, URI kept
    ku = new.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and not ku.value.key_encipherment
    assert subject_key_identifier(new) == x509.SubjectKeyIdentifier.from_public_key(other.public_key())
    aki = new.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == subject_key_identifier(ca.cert).digest
    assert same_public_key(new, other) and new.issuer == ca.cert.subject
    assert verify(tmp_path, "ca.pem", "new.pem").returncode == 0
