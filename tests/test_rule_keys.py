"""keys.pair, keys.strength, keys.permissions: each rule run directly on a Context built from certificates."""
from __future__ import annotations

import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.certfactory import good_set, make_leaf
from milvus_tls_check.model import Role, Severity, Status
from milvus_tls_check.rules import context_for
from milvus_tls_check.rules.keys import check_key_pairs, check_key_permissions, check_key_strength


@pytest.fixture(scope="module")
def g():
    return good_set()


def found(results):
    return {(f.code, f.severity) for r in results for f in r.findings}


def pair_ctx(g, server_cert, server_key=None):
    return context_for({Role.SERVER_CERT: [server_cert], Role.SERVER_KEY: server_key or g.server.key,
                        Role.SERVER_CA: [g.ca.cert], Role.CLIENT_CERT: [g.client.cert],
                        Role.CLIENT_KEY: g.client.key})


def test_good_pairs_pass(g):
    results = list(check_key_pairs(pair_ctx(g, g.server.cert)))
    assert [r.status for r in results] == [Status.PASS, Status.PASS]


def test_swapped_key_is_a_mismatch_that_names_its_owner(g):
    results = list(check_key_pairs(pair_ctx(g, g.server.cert, g.client.key)))
    assert found(results) == {("key.mismatch", Severity.ERROR)}
    message = next(f.message for r in results for f in r.findings)
    assert "client_pem.pem" in message


def test_missing_key_file_is_not_run(g):
    ctx = context_for({Role.SERVER_CERT: [g.server.cert]})
    (result,) = check_key_pairs(ctx)
    assert result.status is Status.NOT_RUN


def _rsa512():
    pem = subprocess.run(["openssl", "genrsa", "512"], check=True, capture_output=True).stdout
    return serialization.load_pem_private_key(pem, password=None, unsafe_skip_rsa_key_validation=True)


@pytest.mark.parametrize("make_key,expected", [
    (lambda: None, set()),
    (lambda: ec.generate_private_key(ec.SECP384R1()), set()),
    (lambda: ec.generate_private_key(ec.SECP256K1()), {("key.unsupported", Severity.ERROR)}),   # Go cannot load it
    (lambda: ec.generate_private_key(ec.SECP192R1()), {("key.unsupported", Severity.ERROR)}),
    (_rsa512, {("key.weak", Severity.ERROR)}),                                                   # below 1024: an error
], ids=["rsa2048", "p384", "secp256k1", "p192", "rsa512"])
def test_key_strength(g, make_key, expected):
    key = make_key()
    server = make_leaf(g.ca, key=key) if key is not None else g.server
    assert found(check_key_strength(pair_ctx(g, server.cert, server.key))) == expected


def test_rsa1024_is_a_warning(g):
    server = make_leaf(g.ca, key_type="rsa1024")
    assert found(check_key_strength(pair_ctx(g, server.cert, server.key))) == {("key.weak", Severity.WARNING)}


def test_ed25519_fails_as_server_key_only(g):
    server = make_leaf(g.ca, key_type="ed25519")
    client = make_leaf(g.ca, "milvus-client", key_type="ed25519", eku=("client",))
    ctx = context_for({Role.SERVER_CERT: [server.cert], Role.CLIENT_CERT: [client.cert]})
    hits = [(r.subject, f.code) for r in check_key_strength(ctx) for f in r.findings]
    assert hits == [("server_pem (server_pem.pem)", "key.unsupported")]


def test_permissions(g):
    ctx = pair_ctx(g, g.server.cert)
    assert found(check_key_permissions(ctx)) == set()
    from dataclasses import replace
    loose = replace(ctx.material.files[Role.SERVER_KEY], mode_bits=0o644)
    ctx = replace(ctx, material=replace(ctx.material, files={**ctx.material.files, Role.SERVER_KEY: loose}))
    assert found(check_key_permissions(ctx)) == {("key.permissions", Severity.WARNING)}
