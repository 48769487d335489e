"""Pre-deploy verdicts against the real thing: for material variants chosen where Go (Milvus), BoringSSL (pymilvus)
and the grpcio rehearsal differ, the doctor's verdict for a mode (static checks + rehearsal, no --uri) must equal
what a real pymilvus client gets from a real Milvus started with that material.

The material is made fresh by the factory on every run, so this checks the model, not committed fixtures.
"""
from __future__ import annotations

import datetime as dt
import sys
from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("milvus")
pytest.importorskip("pymilvus")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from milvus_tls_check.certs import CertSet, docs_like_leaf, good_set, make_ca, make_leaf  # noqa: E402
from milvus_tls_check.cli import build_parser, request_from_args  # noqa: E402
from milvus_tls_check.doctor import diagnose  # noqa: E402
from milvus_tls_check.lab.realmilvus import pymilvus_connect, running_milvus  # noqa: E402
from tests.legacy import openssl_leaf  # noqa: E402

pytestmark = pytest.mark.integration
NOW = dt.datetime.now(dt.timezone.utc)


@pytest.fixture(scope="module")
def base():
    return good_set()


def _verdict(args: list[str], mode: int) -> tuple[bool, list[str]]:
    report = diagnose(request_from_args(build_parser().parse_args(["doctor", *args, "--tls-mode", str(mode)])))
    return report.mode_verdict(mode) == "pass", sorted({f.code for f in report.blocking(mode)} |
                                                       {h.code for h in report.handshakes if not h.ok})


# ---- server-side variants, tlsMode 1, pymilvus trusts server.pem itself as the docs say ----------------------
SERVER_VARIANTS = {
    "docs-cn-only": lambda b: docs_like_leaf(b.ca, "localhost", dns=()),
    "eku-client-only-trusted-as-itself": lambda b: make_leaf(b.ca, eku=("client",)),
    "ku-key-encipherment-only": lambda b: make_leaf(b.ca, key_usage=("key_encipherment",)),
    "rsa1024": lambda b: make_leaf(b.ca, key_type="rsa1024"),
    "ed25519": lambda b: make_leaf(b.ca, key_type="ed25519"),
    "expired": lambda b: make_leaf(b.ca, not_before=NOW - dt.timedelta(days=60), days=30),
    "ec-p256": lambda b: make_leaf(b.ca, key_type="ec-p256"),
}


@pytest.mark.parametrize("variant", list(SERVER_VARIANTS))
def test_mode1_server_material(variant, base, tmp_path):
    material = replace(base, server=SERVER_VARIANTS[variant](base))
    files = material.write(tmp_path / "set")
    doctor_ok, codes = _verdict(["--dir", str(tmp_path / "set"), "--server-name", "localhost"], 1)
    with running_milvus(tmp_path / "m", 1, files["server.pem"], files["server.key"], files["ca.pem"]) as m:
        real = pymilvus_connect(m.uri_tls, timeout=15, server_pem_path=str(files["server.pem"]),
                                server_name="localhost") if m.started else None
    real_ok = bool(real and real.ok)
    assert doctor_ok == real_ok, (f"{variant}: doctor {'pass' if doctor_ok else 'fail ' + str(codes)}, real "
                                  f"{'connected' if real_ok else (real.error[-300:] if real else 'Milvus did not start')}")


def test_mode1_key_of_another_cert(base, tmp_path):
    files = base.write(tmp_path / "set")
    files["server.key"].write_bytes(base.client.key_pem())
    doctor_ok, codes = _verdict(["--dir", str(tmp_path / "set")], 1)
    with running_milvus(tmp_path / "m", 1, files["server.pem"], files["server.key"], files["ca.pem"]) as m:
        started = m.started
    assert not doctor_ok and "key.mismatch" in codes
    assert not started  # Milvus refuses to start: the doctor says so before deploy


# ---- client-side variants against one tlsMode 2 server -------------------------------------------------------
CLIENT_VARIANTS = {
    "docs-client-no-eku": lambda b: docs_like_leaf(b.ca, "milvus-client"),
    "eku-server-only": lambda b: make_leaf(b.ca, "milvus-client", eku=("server",)),
    "sha1-signed": lambda b: openssl_leaf(b.ca, "milvus-client", digest="sha1"),
    "ku-key-encipherment-only": lambda b: make_leaf(b.ca, "milvus-client", eku=("client",),
                                                     key_usage=("key_encipherment",)),
    "ed25519": lambda b: make_leaf(b.ca, "milvus-client", eku=("client",), key_type="ed25519"),
    "other-ca": lambda b: make_leaf(make_ca("another CA"), "milvus-client", eku=("client",)),
    "no-san": lambda b: make_leaf(b.ca, "milvus-client", dns=(), eku=("client",)),
    "expired": lambda b: make_leaf(b.ca, "milvus-client", eku=("client",),
                                   not_before=NOW - dt.timedelta(days=60), days=30),
    "intermediate-sent": lambda b: make_leaf(make_ca("issuing CA", issuer=b.ca), "milvus-client", eku=("client",)),
    "intermediate-not-sent": lambda b: replace(
        make_leaf(make_ca("issuing CA", issuer=b.ca), "milvus-client", eku=("client",)), chain=()),
}


def test_mode2_client_under_pathlen0_root(tmp_path):
    """Go applies the root's pathLenConstraint (BoringSSL, the rehearsal server, does not)."""
    root = make_ca("root pathlen 0", path_length=0)
    inter = make_ca("issuing CA", issuer=root)
    files = CertSet(root, make_leaf(root), make_leaf(inter, "milvus-client", eku=("client",))).write(tmp_path / "set")
    doctor_ok, codes = _verdict(["--dir", str(tmp_path / "set"), "--server-name", "localhost"], 2)
    with running_milvus(tmp_path / "m", 2, files["server.pem"], files["server.key"], files["ca.pem"]) as m:
        real = pymilvus_connect(m.uri_tls, timeout=15, client_pem_path=str(files["client.pem"]),
                                client_key_path=str(files["client.key"]), ca_pem_path=str(files["ca.pem"]),
                                server_name="localhost")
    assert not real.ok and not doctor_ok and "ca.path_length_exceeded" in codes


@pytest.fixture(scope="module")
def mode2_server(base, tmp_path_factory):
    folder = tmp_path_factory.mktemp("m2")
    files = base.write(folder / "set")
    with running_milvus(folder / "m", 2, files["server.pem"], files["server.key"], files["ca.pem"]) as m:
        assert m.started, m.log_dir
        yield m


@pytest.mark.parametrize("variant", list(CLIENT_VARIANTS))
def test_mode2_client_material(variant, base, mode2_server, tmp_path):
    material = replace(base, client=CLIENT_VARIANTS[variant](base))
    files = material.write(tmp_path / "set")
    doctor_ok, codes = _verdict(["--dir", str(tmp_path / "set"), "--server-name", "localhost"], 2)
    real = pymilvus_connect(mode2_server.uri_tls, timeout=15, client_pem_path=str(files["client.pem"]),
                            client_key_path=str(files["client.key"]), ca_pem_path=str(files["ca.pem"]),
                            server_name="localhost")
    assert doctor_ok == real.ok, (f"{variant}: doctor {'pass' if doctor_ok else 'fail ' + str(codes)}, real "
                                  f"{'connected' if real.ok else real.error[-300:]}")


@pytest.mark.parametrize("server_name,expected", [("localhost", True), ("LOCALHOST", True), ("localhost.", False),
                                                  ("milvus.example.com", False)])
def test_mode2_server_name(server_name, expected, base, mode2_server, tmp_path):
    files = base.write(tmp_path / "set")
    doctor_ok, codes = _verdict(["--dir", str(tmp_path / "set"), "--server-name", server_name], 2)
    real = pymilvus_connect(mode2_server.uri_tls, timeout=15, client_pem_path=str(files["client.pem"]),
                            client_key_path=str(files["client.key"]), ca_pem_path=str(files["ca.pem"]),
                            server_name=server_name)
    assert real.ok is expected, real.error[-300:]
    assert doctor_ok == real.ok, f"{server_name}: doctor {codes}"
