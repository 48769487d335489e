"""A link whose failure keeps Milvus from serving (observed on 2.3.5: etcd retried forever, the bucket check at
start) fails the links Milvus serves, pointing at it (blocked_by) without repeating its codes; a failure Milvus
serves through (the querynode's untrusted CA: writes go through, a load fails) does not."""
from __future__ import annotations

import pytest

from milvus_tls_check.model import Link, LinkVerdict
from milvus_tls_check.rules.links import follow_startup


def _link(kind: str, verdict: LinkVerdict, *codes: str) -> Link:
    return Link(kind, "a", "b", "host:1", verdict, codes=codes)


def _map(*other: Link) -> tuple:
    return (_link("client-proxy", LinkVerdict.PASS), _link("client-proxy-rest", LinkVerdict.PASS)) + other


@pytest.mark.parametrize("kind, code", [("milvus-etcd", "etcd.name_mismatch"),
                                        ("milvus-etcd", "etcd.min_version_too_high"),
                                        ("milvus-objectstore", "objectstore.ssl_off_tls_server"),
                                        ("milvus-objectstore", "objectstore.server_untrusted")])
def test_a_link_that_stops_milvus_fails_what_milvus_serves(kind, code):
    front, rest, cause = follow_startup(_map(_link(kind, LinkVerdict.FAIL, code)))
    for served in (front, rest):
        assert (served.verdict, served.codes, served.blocked_by) == (LinkVerdict.FAIL, (), (kind,))
        assert "does not start serving" in served.detail
        assert served.to_dict()["blocked_by"] == [kind]
    assert cause.blocked_by == () and cause.codes == (code,)


@pytest.mark.parametrize("other", [_link("milvus-objectstore", LinkVerdict.FAIL, "objectstore.querynode_untrusted"),
                                   _link("milvus-etcd", LinkVerdict.PASS),
                                   _link("milvus-etcd", LinkVerdict.INCOMPLETE)])
def test_a_failure_milvus_serves_through_blocks_nothing(other):
    links = _map(other)
    assert follow_startup(links) == links
    assert "blocked_by" not in links[0].to_dict()
