"""chain (chain.*, ca.*, leaf.is_ca, eku.server_auth_missing) run directly on a Context."""
from __future__ import annotations

import pytest

from tests.certfactory import good_set, make_ca, make_leaf
from milvus_tls_check.model import Role, Severity
from milvus_tls_check.rules import context_for
from milvus_tls_check.rules.chain import check_chains


@pytest.fixture(scope="module")
def g():
    s = good_set()
    _SIGNERS[s.ca.cert] = s.ca
    _KEYS[s.client.cert] = s.client.key
    return s


def chain_codes(server_chain, ca_certs, client_chain=None, modes=(2,)):
    """Mode 2 by default: pymilvus anchors on the CA file (ca_pem_path defaults to tls.caPemPath) and sends the
    client chain (a client issued by the CA file's first certificate when none is given)."""
    if client_chain is None:
        client_chain = [leaf(_SIGNERS[ca_certs[-1]], "milvus-client", eku=("client",)).cert]
    files = {Role.SERVER_CERT: list(server_chain), Role.SERVER_CA: list(ca_certs),
             Role.CLIENT_CERT: list(client_chain), Role.CLIENT_KEY: _KEYS[client_chain[0]]}
    ctx = context_for(files, modes=modes)
    return {(f.code, f.severity) for r in check_chains(ctx) for f in r.findings}


_KEYS = {}
_SIGNERS = {}


def ca(*args, **kw):
    issued = make_ca(*args, **kw)
    _SIGNERS[issued.cert] = issued
    return issued


def leaf(issuer, cn="localhost", **kw):
    issued = make_leaf(issuer, cn, **kw)
    _KEYS[issued.cert] = issued.key
    return issued


def test_good(g):
    assert chain_codes([g.server.cert], [g.ca.cert], [g.client.cert]) == set()


def test_other_ca(g):
    other = ca("another CA")
    assert chain_codes([leaf(other).cert], [g.ca.cert]) == {("chain.untrusted", Severity.ERROR)}


def test_client_other_ca(g):
    other = ca("another CA")
    client = leaf(other, "milvus-client", eku=("client",))
    assert chain_codes([g.server.cert], [g.ca.cert], [client.cert]) == {("chain.untrusted", Severity.ERROR)}


def test_intermediate_missing_and_sent(g):
    inter = ca("issuing CA", issuer=g.ca)
    server = leaf(inter)
    # the intermediate is in the material (the CA file) but the server does not send it
    assert ("chain.intermediate_missing", Severity.ERROR) in chain_codes(
        [server.cert], [g.ca.cert], [server.cert, inter.cert])
    assert chain_codes([server.cert, inter.cert], [g.ca.cert]) == set()


def test_intermediate_not_ca(g):
    inter = ca("issuing non-CA", issuer=g.ca, ca=False)
    assert chain_codes([leaf(inter).cert, inter.cert], [g.ca.cert]) == {("ca.not_ca", Severity.ERROR)}


def test_root_pathlen_counts_for_go_not_boringssl():
    root = ca("root pathlen 0", path_length=0)
    inter = ca("issuing CA", issuer=root)
    server, client = leaf(inter), leaf(inter, "c", eku=("client",))
    # Go (Milvus judging the client) applies the root's pathlen; BoringSSL (pymilvus judging the server) does not
    assert chain_codes([server.cert, inter.cert], [root.cert], [client.cert, inter.cert]) == {
        ("ca.path_length_exceeded", Severity.ERROR)}
    assert chain_codes([server.cert, inter.cert], [root.cert]) == set()


def test_issuer_without_key_cert_sign():
    root = ca("root without keyCertSign", key_usage=("digital_signature",))
    assert chain_codes([leaf(root).cert], [root.cert]) == {("ca.key_cert_sign_missing", Severity.ERROR)}


def test_leaf_is_ca(g):
    assert chain_codes([leaf(g.ca, ca=True).cert], [g.ca.cert], modes=(1,)) == {("leaf.is_ca", Severity.WARNING)}


def test_server_eku_without_server_auth(g):
    server = leaf(g.ca, eku=("client",))
    assert chain_codes([server.cert], [g.ca.cert]) == {("eku.server_auth_missing", Severity.ERROR)}


def test_server_pem_as_its_own_anchor(g):
    """One-way as the docs do it: pymilvus anchors on server.pem itself, so its EKU is not judged."""
    server = leaf(g.ca, eku=("client",))
    assert chain_codes([server.cert], [g.ca.cert], modes=(1,)) == set()


@pytest.mark.parametrize("ca_flag", [False, None])
def test_go_refuses_a_non_ca_anchor_for_client_certificates(ca_flag):
    """Go's CheckSignatureFrom needs CA:TRUE of the caPemPath certificate that signs a client certificate (observed
    with the Go rehearsal); BoringSSL, checking the server chain against the same anchor, does not."""
    root = ca("not-a-ca root", ca=ca_flag)
    server = leaf(root, "localhost")
    found = chain_codes([server.cert], [root.cert])
    assert ("ca.anchor_not_ca", Severity.ERROR) in found
    assert not {c for c, _ in found} - {"ca.anchor_not_ca"}   # the server side (BoringSSL) stays silent
    proper = ca("proper root")
    assert chain_codes([leaf(proper, "localhost").cert], [proper.cert]) == set()
