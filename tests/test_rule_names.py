"""names (name.*) run directly on a Context; the matching rules themselves live in facts.x509."""
from __future__ import annotations

import pytest

from tests.certfactory import docs_like_leaf, good_set, make_leaf
from milvus_tls_check.facts.x509 import dns_entry_matches, go_name_match, grpc_name_match
from milvus_tls_check.model import Role, Severity
from milvus_tls_check.rules import context_for
from milvus_tls_check.rules.names import check_server_name


@pytest.fixture(scope="module")
def g():
    return good_set()


def name_codes(cert, server_name):
    ctx = context_for({Role.SERVER_CERT: [cert]}, server_name=server_name)
    return {(f.code, f.severity) for r in check_server_name(ctx) for f in r.findings}


def test_matching_name(g):
    assert name_codes(g.server.cert, "localhost") == set()


def test_mismatch(g):
    assert name_codes(g.server.cert, "milvus.example.com") == {("name.mismatch", Severity.ERROR)}


def test_trailing_dot(g):
    server = make_leaf(g.ca, "milvus.example.com", dns=("milvus.example.com",))
    assert name_codes(server.cert, "milvus.example.com.") == {("name.trailing_dot", Severity.ERROR)}


def test_cn_only(g):
    server = docs_like_leaf(g.ca, "localhost", dns=())
    assert name_codes(server.cert, "localhost") == {("name.cn_only", Severity.WARNING)}


def test_ip_san_and_cn_fallback(g):
    assert name_codes(make_leaf(g.ca, "x", dns=(), ips=("127.0.0.1",)).cert, "127.0.0.1") == set()
    assert name_codes(make_leaf(g.ca, "127.0.0.1", dns=("localhost",)).cert, "127.0.0.1") == {
        ("name.mismatch", Severity.ERROR)}


@pytest.mark.parametrize("entry,name,matches", [
    ("*.example.com", "a.example.com", True),
    ("*.example.com", "a.b.example.com", False),
    ("*.example.com", "example.com", False),
    ("Milvus.Example.com", "milvus.example.COM.", True),
    ("a*.example.com", "ab.example.com", False),
    ("*.", "a.", False),
    (".example.com", "a.example.com", False),
])
def test_dns_entry_matches(entry, name, matches):
    assert dns_entry_matches(entry, name) is matches


def test_grpc_uses_the_cn_go_does_not(g):
    server = docs_like_leaf(g.ca, "localhost", dns=())
    assert grpc_name_match(server.cert, "localhost") == (True, "cn")
    assert go_name_match(server.cert, "localhost") is False
    assert go_name_match(g.server.cert, "localhost") and go_name_match(g.server.cert, "127.0.0.1")
