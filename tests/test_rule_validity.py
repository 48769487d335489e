"""validity (cert.*) run directly on a Context."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.certfactory import good_set, make_ca, make_leaf
from milvus_tls_check.model import Role, Severity
from milvus_tls_check.rules import context_for, run_rules
from milvus_tls_check.rules.validity import check_validity
from tests.helpers import answer

NOW = dt.datetime.now(dt.timezone.utc)


@pytest.fixture(scope="module")
def g():
    return good_set()


def found(results):
    return {(f.code, f.severity) for r in results for f in r.findings}


def test_good_set_is_valid(g):
    assert found(check_validity(context_for({Role.SERVER_CERT: [g.server.cert], Role.SERVER_CA: [g.ca.cert]}))) == set()


@pytest.mark.parametrize("kw,expected", [
    (dict(not_before=NOW - dt.timedelta(days=400), days=30), ("cert.expired", Severity.ERROR)),
    (dict(not_before=NOW + dt.timedelta(days=2)), ("cert.not_yet_valid", Severity.ERROR)),
    (dict(not_before=NOW - dt.timedelta(days=10), days=20), ("cert.expires_soon", Severity.WARNING)),
], ids=["expired", "not-yet-valid", "expires-soon"])
def test_windows(g, kw, expected):
    server = make_leaf(g.ca, **kw)
    assert found(check_validity(context_for({Role.SERVER_CERT: [server.cert]}))) == {expected}


def test_at_moves_the_judgement(g):
    later = g.server.cert.not_valid_after_utc + dt.timedelta(days=1)
    assert ("cert.expired", Severity.ERROR) in found(check_validity(
        context_for({Role.SERVER_CERT: [g.server.cert]}, at=later)))


def test_expired_extra_anchor_in_a_ca_bundle_does_not_fail(g):
    """tls.caPemPath holding the live CA and an expired old one: the old anchor is unused, a warning only, and the
    client chain still verifies through the live CA."""
    old = make_ca("retired CA", not_before=NOW - dt.timedelta(days=800), days=365)
    ctx = context_for({Role.SERVER_CERT: [g.server.cert], Role.SERVER_KEY: g.server.key,
                       Role.SERVER_CA: [old.cert, g.ca.cert], Role.CLIENT_CERT: [g.client.cert],
                       Role.CLIENT_KEY: g.client.key}, modes=(2,))
    assert found(check_validity(ctx)) == {("cert.expired", Severity.WARNING)}
    everything = run_rules(ctx)
    assert set(answer((f.code, f.severity) for r in everything for f in r.findings)) == {("cert.expired", Severity.WARNING)}
    assert all(r.status.value in ("pass", "warn") for r in everything)


def test_expired_only_anchor_fails(g):
    old = make_ca("retired CA", not_before=NOW - dt.timedelta(days=800), days=365)
    ctx = context_for({Role.SERVER_CA: [old.cert]})
    assert found(check_validity(ctx)) == {("cert.expired", Severity.ERROR)}
