"""Pre-deploy verdicts against the real thing: for material variants chosen where Go (Milvus), BoringSSL (pymilvus)
and the grpcio rehearsal differ, the doctor's verdict for a mode (static checks + rehearsal, no --uri) must equal
what a real pymilvus client gets from a real Milvus started with that material.

Each case pins its expected outcome (a literal pass/fail written here, as observed on real Milvus 2.3.5), and
both the doctor and the real client must give it. An environment failure can never pass as an expected failure:
every case asserts that Milvus started (or, where that is the point, that it refused to start), and that the real
client got a real answer from a listening server (no subprocess timeout, no refused connection, well inside the
client's timeout; a real TLS refusal comes back in about half a second).

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
from tests.certfactory import CertSet, docs_like_leaf, good_set, make_ca, make_leaf  # noqa: E402
from milvus_tls_check.cli import build_parser, request_from_args  # noqa: E402
from milvus_tls_check.doctor import diagnose  # noqa: E402
from milvus_tls_lab.realmilvus import (  # noqa: E402
    MilvusHandle,
    PymilvusOutcome,
    pymilvus_connect,
    running_milvus,
)
from tests.legacy import openssl_leaf  # noqa: E402

pytestmark = pytest.mark.integration
NOW = dt.datetime.now(dt.timezone.utc)
CLIENT_TIMEOUT = 15
PASS, FAIL = True, False


@pytest.fixture(scope="module")
def base():
    return good_set()


def _real(m: MilvusHandle, **kwargs) -> PymilvusOutcome:
    """A real pymilvus client against a Milvus that started; an environment failure fails the test here."""
    assert m.started, f"Milvus did not start (exit {m.exit_code}); logs: {m.log_dir}"
    real = pymilvus_connect(m.uri_tls, timeout=CLIENT_TIMEOUT, **kwargs)
    assert not real.timed_out, f"the pymilvus client subprocess timed out: {real.stderr[-300:]}"
    assert real.seconds < CLIENT_TIMEOUT, f"the client waited {real.seconds:.1f}s: no answer from Milvus"
    if not real.ok:
        assert real.error.startswith("MilvusException"), f"not pymilvus' own failure: {real.error[-300:]}"
        assert "Connection refused" not in real.error, f"Milvus was not listening: {real.error[-300:]}"
    return real


def _outcome(doctor_ok: bool, codes: list[str], real: PymilvusOutcome) -> str:
    return (f"doctor {'pass' if doctor_ok else 'fail ' + str(codes)}, real "
            f"{'connected' if real.ok else real.error[-300:]}")


def _expect(label: str, expected: bool, doctor_ok: bool, codes: list[str], real: PymilvusOutcome) -> None:
    """The pinned outcome: real Milvus + pymilvus give it, and so does the doctor, before deploy."""
    why = f"{label}: expected {'pass' if expected else 'fail'}; {_outcome(doctor_ok, codes, real)}"
    assert real.ok is expected, why
    assert doctor_ok is expected, why


def _verdict(args: list[str], mode: int) -> tuple[bool, list[str]]:
    report = diagnose(request_from_args(build_parser().parse_args(["doctor", *args, "--tls-mode", str(mode)])))
    return report.mode_verdict(mode) == "pass", sorted({f.code for f in report.blocking(mode)} |
                                                       {h.code for h in report.handshakes if not h.ok})


# ---- server-side variants, tlsMode 1, pymilvus trusts server.pem itself as the docs say ----------------------
# name: (builder, expected). Milvus starts with every one of these (Go loads the pair; the handshake decides).
SERVER_VARIANTS = {
    "docs-cn-only": (lambda b: docs_like_leaf(b.ca, "localhost", dns=()), PASS),        # grpc falls back to CN
    "eku-client-only-trusted-as-itself": (lambda b: make_leaf(b.ca, eku=("client",)), PASS),  # no chain checks
    "ku-key-encipherment-only": (lambda b: make_leaf(b.ca, key_usage=("key_encipherment",)), FAIL),
    "rsa1024": (lambda b: make_leaf(b.ca, key_type="rsa1024"), PASS),
    "ed25519": (lambda b: make_leaf(b.ca, key_type="ed25519"), FAIL),                  # grpc offers no Ed25519
    "expired": (lambda b: make_leaf(b.ca, not_before=NOW - dt.timedelta(days=60), days=30), FAIL),
    "ec-p256": (lambda b: make_leaf(b.ca, key_type="ec-p256"), PASS),
}


@pytest.mark.parametrize("variant", list(SERVER_VARIANTS))
def test_mode1_server_material(variant, base, tmp_path):
    build, expected = SERVER_VARIANTS[variant]
    files = replace(base, server=build(base)).write(tmp_path / "set")
    doctor_ok, codes = _verdict(["--dir", str(tmp_path / "set"), "--server-name", "localhost"], 1)
    with running_milvus(tmp_path / "m", 1, files["server.pem"], files["server.key"], files["ca.pem"]) as m:
        real = _real(m, server_pem_path=str(files["server.pem"]), server_name="localhost")
    _expect(variant, expected, doctor_ok, codes, real)


def test_mode1_key_of_another_cert(base, tmp_path):
    files = base.write(tmp_path / "set")
    files["server.key"].write_bytes(base.client.key_pem())
    doctor_ok, codes = _verdict(["--dir", str(tmp_path / "set")], 1)
    with running_milvus(tmp_path / "m", 1, files["server.pem"], files["server.key"], files["ca.pem"]) as m:
        started, exit_code = m.started, m.exit_code
    assert not doctor_ok and "key.mismatch" in codes
    # Milvus refuses to start: the doctor says so before deploy. It must have exited (Go panics on the pair, about
    # 0.3 s in; running_milvus raises MilvusStartTimeout for a start that neither succeeds nor exits).
    assert not started and exit_code is not None and exit_code != 0, (started, exit_code)


# ---- client-side variants against one tlsMode 2 server -------------------------------------------------------
# name: (builder, expected), as Go (Milvus) judges the client certificate.
CLIENT_VARIANTS = {
    "docs-client-no-eku": (lambda b: docs_like_leaf(b.ca, "milvus-client"), PASS),    # no EKU = any purpose
    "eku-server-only": (lambda b: make_leaf(b.ca, "milvus-client", eku=("server",)), FAIL),
    "sha1-signed": (lambda b: openssl_leaf(b.ca, "milvus-client", digest="sha1"), FAIL),  # Go refuses SHA-1
    "ku-key-encipherment-only": (lambda b: make_leaf(b.ca, "milvus-client", eku=("client",),
                                                      key_usage=("key_encipherment",)), PASS),  # Go ignores KU
    "ed25519": (lambda b: make_leaf(b.ca, "milvus-client", eku=("client",), key_type="ed25519"), PASS),
    "other-ca": (lambda b: make_leaf(make_ca("another CA"), "milvus-client", eku=("client",)), FAIL),
    "no-san": (lambda b: make_leaf(b.ca, "milvus-client", dns=(), eku=("client",)), PASS),
    "expired": (lambda b: make_leaf(b.ca, "milvus-client", eku=("client",),
                                    not_before=NOW - dt.timedelta(days=60), days=30), FAIL),
    "intermediate-sent": (lambda b: make_leaf(make_ca("issuing CA", issuer=b.ca), "milvus-client",
                                              eku=("client",)), PASS),
    "intermediate-not-sent": (lambda b: replace(
        make_leaf(make_ca("issuing CA", issuer=b.ca), "milvus-client", eku=("client",)), chain=()), FAIL),
}


def test_mode2_client_under_pathlen0_root(tmp_path):
    """Go applies the root's pathLenConstraint (BoringSSL, the rehearsal server, does not)."""
    root = make_ca("root pathlen 0", path_length=0)
    inter = make_ca("issuing CA", issuer=root)
    files = CertSet(root, make_leaf(root), make_leaf(inter, "milvus-client", eku=("client",))).write(tmp_path / "set")
    doctor_ok, codes = _verdict(["--dir", str(tmp_path / "set"), "--server-name", "localhost"], 2)
    with running_milvus(tmp_path / "m", 2, files["server.pem"], files["server.key"], files["ca.pem"]) as m:
        real = _real(m, client_pem_path=str(files["client.pem"]), client_key_path=str(files["client.key"]),
                     ca_pem_path=str(files["ca.pem"]), server_name="localhost")
    _expect("pathlen-0 root", FAIL, doctor_ok, codes, real)
    assert "ca.path_length_exceeded" in codes, codes


@pytest.fixture(scope="module")
def mode2_server(base, tmp_path_factory):
    folder = tmp_path_factory.mktemp("m2")
    files = base.write(folder / "set")
    with running_milvus(folder / "m", 2, files["server.pem"], files["server.key"], files["ca.pem"]) as m:
        assert m.started, m.log_dir
        yield m


@pytest.mark.parametrize("variant", list(CLIENT_VARIANTS))
def test_mode2_client_material(variant, base, mode2_server, tmp_path):
    build, expected = CLIENT_VARIANTS[variant]
    files = replace(base, client=build(base)).write(tmp_path / "set")
    doctor_ok, codes = _verdict(["--dir", str(tmp_path / "set"), "--server-name", "localhost"], 2)
    real = _real(mode2_server, client_pem_path=str(files["client.pem"]), client_key_path=str(files["client.key"]),
                 ca_pem_path=str(files["ca.pem"]), server_name="localhost")
    _expect(variant, expected, doctor_ok, codes, real)


@pytest.mark.parametrize("server_name,expected", [("localhost", PASS), ("LOCALHOST", PASS), ("localhost.", FAIL),
                                                  ("milvus.example.com", FAIL)])
def test_mode2_server_name(server_name, expected, base, mode2_server, tmp_path):
    files = base.write(tmp_path / "set")
    doctor_ok, codes = _verdict(["--dir", str(tmp_path / "set"), "--server-name", server_name], 2)
    real = _real(mode2_server, client_pem_path=str(files["client.pem"]), client_key_path=str(files["client.key"]),
                 ca_pem_path=str(files["ca.pem"]), server_name=server_name)
    _expect(server_name, expected, doctor_ok, codes, real)
