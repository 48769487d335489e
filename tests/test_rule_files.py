"""files: material's file.* and key.encrypted findings reach the report through the files rule; facts.fileio's
bounded read returns typed problems and never blocks."""
from __future__ import annotations

import os

import pytest

from tests.certfactory import good_set
from milvus_tls_check.facts.fileio import Problem, read_bounded
from milvus_tls_check.material import load_material
from milvus_tls_check.model import Request, Role
from milvus_tls_check.rules import Context
from milvus_tls_check.rules.files import check_files


@pytest.fixture(scope="module")
def g():
    return good_set()


def file_codes(tmp_path, g, mutate):
    paths = g.write(tmp_path / "set")
    mutate(paths)
    request = Request({Role.SERVER_CERT: str(paths["server.pem"]), Role.SERVER_KEY: str(paths["server.key"]),
                       Role.SERVER_CA: str(paths["ca.pem"])})
    ctx = Context(request, load_material(request), (1,), request.judged_at())
    return {f.code for r in check_files(ctx) for f in r.findings}


@pytest.mark.parametrize("mutate,expected", [
    (lambda p: None, set()),
    (lambda p: p["server.pem"].unlink(), {"file.missing"}),
    (lambda p: p["ca.pem"].write_bytes(b""), {"file.empty"}),
    (lambda p: p["ca.pem"].write_bytes(b"#" * ((1 << 20) + 1)), {"file.too_large"}),
    (lambda p: p["ca.pem"].write_text("not a certificate\n"), {"file.not_pem"}),
    (lambda p: p["server.key"].write_bytes(p["server.pem"].read_bytes()), {"file.wrong_kind"}),
    (lambda p: p["server.pem"].write_bytes(p["server.pem"].read_bytes() + p["server.key"].read_bytes()),
     {"file.key_in_cert"}),
], ids=["good", "missing", "empty", "too-large", "not-pem", "wrong-kind", "key-in-cert"])
def test_file_codes(tmp_path, g, mutate, expected):
    assert file_codes(tmp_path, g, mutate) == expected


def test_encrypted_key(tmp_path, g):
    def encrypt(p):
        p["server.key"].write_bytes(g.server.key_pem(password=b"milvus"))
    assert file_codes(tmp_path, g, encrypt) == {"key.encrypted"}


def test_der_certificate(tmp_path, g):
    from cryptography.hazmat.primitives.serialization import Encoding

    def to_der(p):
        p["server.pem"].write_bytes(g.server.cert.public_bytes(Encoding.DER))
    assert file_codes(tmp_path, g, to_der) == {"file.der"}


def test_read_bounded_problems(tmp_path):
    regular = tmp_path / "f"
    regular.write_bytes(b"abc")
    os.chmod(regular, 0o640)
    ok = read_bounded(str(regular))
    assert ok.ok and ok.data == b"abc" and ok.mode_bits == 0o640
    assert read_bounded(str(tmp_path / "nope")).problem is Problem.MISSING
    (tmp_path / "dangling").symlink_to(tmp_path / "nope")
    assert read_bounded(str(tmp_path / "dangling")).problem is Problem.DANGLING_LINK
    assert read_bounded(str(tmp_path)).problem is Problem.DIRECTORY
    os.mkfifo(tmp_path / "fifo")
    assert read_bounded(str(tmp_path / "fifo")).problem is Problem.FIFO   # returns at once: never opened
    big = read_bounded(str(regular), max_bytes=2)
    assert big.problem is Problem.TOO_LARGE and big.size == 3 and big.data == b""
    assert read_bounded("/dev/zero", max_bytes=1024).problem is Problem.ENDLESS
