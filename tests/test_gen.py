"""`milvus-tls gen` (issue 7): the set it writes, its exit statuses, rotation, and the doctor's verdict on it.

The real grpcio handshakes are in test_gen_handshake.py; a real Milvus in test_gen_real_milvus.py.
"""
from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from milvus_tls_check import cli
from tests import certfactory
from milvus_tls_check.gen import GEN_KEY_TYPES
from tests.helpers import assert_passes, doctor

FILES = ("ca.pem", "ca.key", "server.pem", "server.key", "client.pem", "client.key")


def gen(capsys, *args: str) -> tuple[int, str, str]:
    status = cli.main(["gen", *args])
    out, err = capsys.readouterr()
    return status, out, err


def load_cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def load_key(path: Path):
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def single_line_error(err: str) -> None:
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("milvus-tls"), err


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    """One rsa2048 set with two names and an IP, shared by the read-only tests."""
    out = tmp_path_factory.mktemp("gen") / "set"
    assert cli.main(["gen", "--out", str(out), "--name", "milvus.example.com", "--name", "localhost",
                     "--ip", "127.0.0.1", "--ip", "10.0.0.5", "--client-cn", "app-1", "--days", "400"]) == 0
    return out


# --- the files ---------------------------------------------------------------------------------------------

def test_writes_the_docs_file_names_with_private_keys(made: Path) -> None:
    assert sorted(p.name for p in made.iterdir()) == sorted(FILES)
    for name in FILES:
        mode = stat.S_IMODE((made / name).stat().st_mode)
        if name.endswith(".key"):
            assert mode == 0o600, (name, oct(mode))
        else:
            assert mode & 0o077 == 0o044, (name, oct(mode))   # certificates stay world-readable
        assert (made / name).read_bytes().startswith(b"-----BEGIN ")


def test_ca_is_a_real_ca(made: Path) -> None:
    ca = load_cert(made / "ca.pem")
    bc = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca
    ku = ca.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.key_cert_sign
    assert ca.subject == ca.issuer
    assert load_key(made / "ca.key").public_key().public_numbers() == ca.public_key().public_numbers()
    assert ca.not_valid_after_utc - ca.not_valid_before_utc >= dt.timedelta(days=3650)


def test_server_cert_names_every_name_and_ip_with_server_auth(made: Path) -> None:
    server = load_cert(made / "server.pem")
    san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["milvus.example.com", "localhost"]
    assert [str(i) for i in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1", "10.0.0.5"]
    assert server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value == \
        x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH])
    assert not server.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert server.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    assert server.issuer == load_cert(made / "ca.pem").subject
    assert load_key(made / "server.key").public_key().public_numbers() == server.public_key().public_numbers()
    life = server.not_valid_after_utc - server.not_valid_before_utc
    assert life == dt.timedelta(days=400)


def test_client_cert_has_client_auth_and_its_cn(made: Path) -> None:
    client = load_cert(made / "client.pem")
    assert client.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "app-1"
    assert client.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value == \
        x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH])
    assert load_key(made / "client.key").public_key().public_numbers() == client.public_key().public_numbers()


def test_prints_milvus_yaml_and_pymilvus_calls_for_both_modes(capsys, tmp_path: Path) -> None:
    out_dir = tmp_path / "tls"
    status, out, err = gen(capsys, "--out", str(out_dir), "--name", "milvus.example.com")
    assert status == 0, err
    d = out_dir.resolve()
    assert "tls:\n" in out
    # milvus.yaml holds the container paths (the folder mounted at /milvus/tls), labelled; pymilvus the host paths
    assert "# milvus.yaml: container paths" in out and f"mount {d} at /milvus/tls" in out
    assert "  serverPemPath: /milvus/tls/server.pem\n" in out
    assert "  serverKeyPath: /milvus/tls/server.key\n" in out
    assert "  caPemPath: /milvus/tls/ca.pem\n" in out
    assert out.count("# pymilvus: host paths") == 2
    assert "common:\n  security:\n    tlsMode: 1\n" in out
    assert "common:\n  security:\n    tlsMode: 2\n" in out
    assert out.count("client = MilvusClient(") == 2
    assert 'uri="https://milvus.example.com:19530"' in out
    assert out.count('server_name="milvus.example.com"') == 2
    one_way, mutual = out.split("tlsMode: 2")
    assert f'server_pem_path="{d / "ca.pem"}"' in one_way and "client_pem_path" not in one_way
    assert f'client_pem_path="{d / "client.pem"}"' in mutual
    assert f'client_key_path="{d / "client.key"}"' in mutual
    assert f'ca_pem_path="{d / "ca.pem"}"' in mutual
    assert "server_pem_path=" not in mutual   # it would silently switch pymilvus to one-way TLS


def test_ip_only_set_prints_no_server_name(capsys, tmp_path: Path) -> None:
    status, out, err = gen(capsys, "--out", str(tmp_path / "s"), "--ip", "127.0.0.1")
    assert status == 0, err
    assert 'uri="https://127.0.0.1:19530"' in out and "server_name=" not in out
    assert_passes(doctor(1, tmp_path / "s", server_name="127.0.0.1"))
    assert_passes(doctor(2, tmp_path / "s", server_name="127.0.0.1"))


def test_default_names_are_localhost_and_loopback(capsys, tmp_path: Path) -> None:
    status, out, err = gen(capsys, "--out", str(tmp_path / "s"))
    assert status == 0, err
    san = load_cert(tmp_path / "s" / "server.pem").extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(i) for i in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]


def test_wildcard_name_is_accepted_and_matches_one_label(capsys, tmp_path: Path) -> None:
    status, out, err = gen(capsys, "--out", str(tmp_path / "s"), "--name", "*.milvus.example.com")
    assert status == 0, err
    assert 'server_name="milvus.milvus.example.com"' in out
    assert_passes(doctor(1, tmp_path / "s", server_name="node1.milvus.example.com"))


# --- every offered key type: the doctor passes in both modes ------------------------------------------

@pytest.mark.parametrize("key_type", GEN_KEY_TYPES)
def test_each_key_type_passes_the_doctor_in_both_modes(capsys, tmp_path: Path, key_type: str) -> None:
    out_dir = tmp_path / key_type
    status, out, err = gen(capsys, "--out", str(out_dir), "--name", "milvus.example.com", "--ip", "127.0.0.1",
                           "--key-type", key_type)
    assert status == 0, err
    for name in ("ca.key", "server.key", "client.key"):
        key = load_key(out_dir / name)
        if key_type.startswith("rsa"):
            assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == int(key_type[3:])
        else:
            assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"
    for server_name in ("milvus.example.com", "127.0.0.1"):
        assert_passes(doctor(1, out_dir, server_name=server_name))
        assert_passes(doctor(2, out_dir, server_name=server_name))
    # the one-way call gen prints uses ca.pem as server_pem_path
    assert_passes(doctor(1, out_dir, server_name="milvus.example.com", client_server_pem=out_dir / "ca.pem"))


def test_key_types_offered_are_exactly_the_proven_ones() -> None:
    assert GEN_KEY_TYPES == ("rsa2048", "rsa3072", "ec-p256")


# --- refusing to overwrite, usage errors ---------------------------------------------------------------

def test_refuses_to_overwrite_without_force(capsys, tmp_path: Path) -> None:
    out_dir = tmp_path / "s"
    assert gen(capsys, "--out", str(out_dir))[0] == 0
    before = {n: (out_dir / n).read_bytes() for n in FILES}
    status, out, err = gen(capsys, "--out", str(out_dir))
    assert status == 2 and out == ""
    single_line_error(err)
    assert "--force" in err and "server.pem" in err
    assert {n: (out_dir / n).read_bytes() for n in FILES} == before
    # one stray file is enough to refuse
    other = tmp_path / "t"
    other.mkdir()
    (other / "client.key").write_text("mine")
    status, _, err = gen(capsys, "--out", str(other))
    assert status == 2 and "client.key" in err and (other / "client.key").read_text() == "mine"
    status, _, err = gen(capsys, "--out", str(out_dir), "--force")
    assert status == 0, err
    after = {n: (out_dir / n).read_bytes() for n in FILES}
    assert all(after[n] != before[n] for n in FILES)
    assert stat.S_IMODE((out_dir / "server.key").stat().st_mode) == 0o600


def test_force_tightens_an_existing_world_readable_key(capsys, tmp_path: Path) -> None:
    out_dir = tmp_path / "s"
    out_dir.mkdir()
    (out_dir / "server.key").write_text("old")
    (out_dir / "server.key").chmod(0o644)
    assert gen(capsys, "--out", str(out_dir), "--force")[0] == 0
    assert stat.S_IMODE((out_dir / "server.key").stat().st_mode) == 0o600


def _not_a_ca(tmp_path: Path) -> tuple[Path, Path]:
    s = certfactory.good_set()
    s.write(tmp_path / "leafset")
    return tmp_path / "leafset" / "server.pem", tmp_path / "leafset" / "server.key"


@pytest.mark.parametrize("args,needle", [
    (["--from-ca", "{d}/ca.pem"], "--ca-key"),
    (["--ca-key", "{d}/ca.key"], "--from-ca"),
    (["--ip", "10.0.0.300"], "not an IP"),
    (["--ip", "milvus.example.com"], "--name"),
    (["--name", "https://milvus.example.com:19530"], "host name only"),
    (["--name", "10.0.0.5"], "--ip 10.0.0.5"),
    (["--name", "a.*.example.com"], "wildcard"),
    (["--name", "*.com"], "wildcard"),
    (["--name", "bad_label.example.com"], "DNS label"),
    (["--name", "ünïcode.example"], "punycode"),
    (["--days", "0"], "--days"),
    (["--days", "-5"], "--days"),
    (["--days", "ten"], "invalid int"),
    (["--key-type", "ed25519"], "invalid choice"),
    (["--key-type", "rsa1024"], "invalid choice"),
    (["--client-cn", ""], "--client-cn"),
    (["--client-cn", "x" * 65], "--client-cn"),
    (["--from-ca", "{d}/missing.pem", "--ca-key", "{d}/ca.key"], "no such file"),
    (["--from-ca", "{d}/ca.pem", "--ca-key", "{d}/server.key"], "does not belong"),
    (["--from-ca", "{d}/ca.key", "--ca-key", "{d}/ca.key"], "no PEM certificate"),
    (["--from-ca", "{d}/ca.pem", "--ca-key", "{d}/ca.pem"], "not a PEM private key"),
    (["--from-ca", "{d}/ca.pem", "--ca-key", "{d}"], "is a directory"),
    (["--from-ca", "{leaf}", "--ca-key", "{leafkey}"], "not a CA"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_usage_problems_exit_2_with_one_line(capsys, tmp_path: Path, made: Path, args, needle) -> None:
    leaf, leafkey = _not_a_ca(tmp_path) if any("{leaf" in a for a in args) else (None, None)
    args = [a.format(d=made, leaf=leaf, leafkey=leafkey) for a in args]
    out_dir = tmp_path / "out"
    status, out, err = gen(capsys, "--out", str(out_dir), *args)
    assert status == 2, (out, err)
    single_line_error(err)
    assert needle in err, err
    assert not out_dir.exists() or not any(out_dir.iterdir())


def test_out_that_is_a_file_is_a_usage_error(capsys, tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    status, _, err = gen(capsys, "--out", str(f))
    assert status == 2
    single_line_error(err)
    assert "not a directory" in err


def test_encrypted_ca_key_is_a_usage_error(capsys, tmp_path: Path, made: Path) -> None:
    enc = tmp_path / "ca.enc.key"
    enc.write_bytes(load_key(made / "ca.key").private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"milvus")))
    status, _, err = gen(capsys, "--out", str(tmp_path / "o"), "--from-ca", str(made / "ca.pem"), "--ca-key", str(enc))
    assert status == 2
    single_line_error(err)
    assert "encrypted" in err and "openssl pkey" in err


def test_run_gen_returns_an_int(tmp_path: Path, capsys) -> None:
    from milvus_tls_check.gen import run_gen
    args = cli.build_parser().parse_args(["gen", "--out", str(tmp_path / "s")])
    assert run_gen(args) == 0
    assert run_gen(args) == 2
    capsys.readouterr()


# --- rotation ------------------------------------------------------------------------------------------

def test_rotation_into_a_new_directory_keeps_the_ca_and_old_clients(capsys, tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    assert gen(capsys, "--out", str(old), "--name", "milvus.example.com")[0] == 0
    status, out, err = gen(capsys, "--out", str(new), "--name", "milvus.example.com", "--name", "milvus2.example.com",
                           "--from-ca", str(old / "ca.pem"), "--ca-key", str(old / "ca.key"))
    assert status == 0, err
    assert "Rotation" in out
    assert sorted(p.name for p in new.iterdir()) == ["ca.pem", "client.key", "client.pem", "server.key",
                                                     "server.pem"]
    assert not (new / "ca.key").exists()          # the CA key stays where it was
    assert (new / "ca.pem").read_bytes() == (old / "ca.pem").read_bytes()
    ca = load_cert(old / "ca.pem")
    for name in ("server.pem", "client.pem"):
        assert load_cert(new / name).issuer == ca.subject
        assert load_cert(new / name).serial_number != load_cert(old / name).serial_number
        load_cert(new / name).verify_directly_issued_by(ca)
    assert (new / "server.key").read_bytes() != (old / "server.key").read_bytes()
    # the new server with the OLD client, and the old server with the NEW client
    assert_passes(doctor(2, new, client_dir=old, server_name="milvus2.example.com"))
    assert_passes(doctor(2, old, client_dir=new, server_name="milvus.example.com"))
    assert_passes(doctor(1, new, server_name="milvus2.example.com"))


def test_rotation_in_place_needs_force_and_leaves_ca_files_alone(capsys, tmp_path: Path) -> None:
    d = tmp_path / "tls"
    assert gen(capsys, "--out", str(d), "--key-type", "ec-p256")[0] == 0
    old_client = tmp_path / "old-client"
    old_client.mkdir()
    (old_client / "client.pem").write_bytes((d / "client.pem").read_bytes())
    certfactory.write_private(old_client / "client.key", (d / "client.key").read_bytes())
    ca_before = {n: ((d / n).read_bytes(), (d / n).stat().st_mtime_ns) for n in ("ca.pem", "ca.key")}
    server_before = (d / "server.pem").read_bytes()
    rotate = ["--out", str(d), "--from-ca", str(d / "ca.pem"), "--ca-key", str(d / "ca.key")]
    status, _, err = gen(capsys, *rotate)
    assert status == 2
    single_line_error(err)
    assert "server.pem" in err and "ca.pem" not in err
    status, out, err = gen(capsys, *rotate, "--force")
    assert status == 0, err
    assert "ca.pem unchanged" in out
    assert {n: ((d / n).read_bytes(), (d / n).stat().st_mtime_ns) for n in ("ca.pem", "ca.key")} == ca_before
    assert (d / "server.pem").read_bytes() != server_before
    assert_passes(doctor(2, d, client_dir=old_client))


def test_rotation_from_an_rsa_ca_with_ec_leaves(capsys, tmp_path: Path, made: Path) -> None:
    status, _, err = gen(capsys, "--out", str(tmp_path / "n"), "--key-type", "ec-p256", "--name", "milvus.example.com",
                         "--from-ca", str(made / "ca.pem"), "--ca-key", str(made / "ca.key"))
    assert status == 0, err
    assert isinstance(load_key(tmp_path / "n" / "server.key"), ec.EllipticCurvePrivateKey)
    assert_passes(doctor(2, tmp_path / "n", client_dir=made, server_name="milvus.example.com"))


def test_rotation_cuts_leaves_to_the_ca_lifetime(capsys, tmp_path: Path) -> None:
    ca = certfactory.make_ca(days=30)
    (tmp_path / "ca.pem").write_bytes(ca.cert_pem())
    certfactory.write_private(tmp_path / "ca.key", ca.key_pem())
    status, out, err = gen(capsys, "--out", str(tmp_path / "n"), "--from-ca", str(tmp_path / "ca.pem"),
                           "--ca-key", str(tmp_path / "ca.key"), "--days", "825")
    assert status == 0, err
    assert "end with the CA" in out
    assert load_cert(tmp_path / "n" / "server.pem").not_valid_after_utc == ca.cert.not_valid_after_utc


def test_rotation_from_an_expired_ca_is_refused(capsys, tmp_path: Path) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    ca = certfactory.make_ca(not_before=now - dt.timedelta(days=20), not_after=now - dt.timedelta(days=1))
    (tmp_path / "ca.pem").write_bytes(ca.cert_pem())
    certfactory.write_private(tmp_path / "ca.key", ca.key_pem())
    status, _, err = gen(capsys, "--out", str(tmp_path / "n"), "--from-ca", str(tmp_path / "ca.pem"),
                         "--ca-key", str(tmp_path / "ca.key"))
    assert status == 2
    single_line_error(err)
    assert "expired" in err
