"""Hardening, files: hostile and broken bytes into the loader and the whole CLI; odd paths; key protection.

Every case must end without a traceback, with documented finding codes (milvus_tls_check.codes.CATALOGUE) and
exit status 0 or 1 (never 3). Keys and certificates are made once per module (RSA generation is the slow part)
and then mutated; hypothesis runs derandomized with no example database, so CI sees the same cases every run.
The case counts per family are tallied in CASES and checked (>= 10,000 in total) by the last test.
"""
from __future__ import annotations

import base64
import collections
import contextlib
import datetime as dt
import io
import json
import math
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from milvus_tls_check import cli, material
from tests.certfactory import CertSet, make_ca, make_leaf
from milvus_tls_check.codes import CATALOGUE
from milvus_tls_check.material import MAX_BYTES, load_file
from milvus_tls_check.model import FileKind, Role

CASES: collections.Counter = collections.Counter()   # fuzz cases run, per input family

# Examples per hypothesis test (sum >= 10,000; the file runs in about a minute on 2 cores).
N_RANDOM = 1500
N_PEM_MUTATED = 2500
N_BLOCKS = 1200
N_KEYS = 1500
N_BINARY = 1300
N_CLI = 2200
N_CLI_HANDSHAKE = 200

FUZZ = dict(derandomize=True, database=None, deadline=None, print_blob=False,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
                                   HealthCheck.large_base_example])
PASSWORD = b"canary-pass-Xq7"


# --- material made once ----------------------------------------------------------------------------------------

def _pem(obj) -> bytes:
    return obj.public_bytes(serialization.Encoding.PEM)


def _key(key, fmt, encoding=serialization.Encoding.PEM, password=None) -> bytes:
    enc = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return key.private_bytes(encoding, fmt, enc)


P8, TRAD = serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL
DER = serialization.Encoding.DER

_SMALL_PRIMES = [p for p in range(3, 5000, 2) if all(p % f for f in range(3, int(p ** 0.5) + 1, 2))]
_SMALL_PRODUCT = math.prod(_SMALL_PRIMES)


def _probable_prime(rng: random.Random, bits: int) -> int:
    while True:
        n = rng.getrandbits(bits) | (1 << (bits - 1)) | (1 << (bits - 2)) | 1
        if math.gcd(n, _SMALL_PRODUCT) != 1 or (n - 1) % 65537 == 0:
            continue
        d, r = n - 1, 0
        while d % 2 == 0:
            d, r = d // 2, r + 1
        for _ in range(24):
            x = pow(rng.randrange(2, n - 2), d, n)
            if x in (1, n - 1):
                continue
            for _ in range(r - 1):
                x = pow(x, 2, n)
                if x == n - 1:
                    break
            else:
                break
        else:
            return n


def deterministic_rsa(seed: int, bits: int):
    """The same RSA key every run (cryptography cannot seed its generator): fuzz inputs stay identical in CI."""
    rng = random.Random(seed)
    p, q = _probable_prime(rng, bits // 2), _probable_prime(rng, bits // 2)
    e, n, phi = 65537, p * q, (p - 1) * (q - 1)
    d = pow(e, -1, phi)
    numbers = rsa.RSAPrivateNumbers(p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), rsa.RSAPublicNumbers(e, n))
    return numbers.private_key()


# Deterministic material: fixed keys, serials and validity, and RSA (PKCS#1 v1.5) signatures, which are
# deterministic; hypothesis is derandomized, so every run mutates the same bytes. (Encrypted keys and PKCS#12
# carry random salts: those few inputs differ between runs.)
START, END = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc), dt.datetime(2099, 1, 1, tzinfo=dt.timezone.utc)
_CA = make_ca("milvus-tls-check test CA", key=deterministic_rsa(1, 2048), serial=1, not_before=START, not_after=END)
SET = CertSet(_CA,
              make_leaf(_CA, "localhost", dns=("localhost",), ips=("127.0.0.1",), key=deterministic_rsa(2, 2048),
                        serial=2, not_before=START, not_after=END),
              make_leaf(_CA, "milvus-client", dns=("milvus-client",), eku=("client",), key=deterministic_rsa(3, 2048),
                        serial=3, not_before=START, not_after=END))
EC_KEY = ec.derive_private_key(0x5EED_0F_EC_1234567890ABCDEF, ec.SECP256R1())
ED_KEY = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
SMALL_RSA = deterministic_rsa(4, 1024)
EC_LEAF = make_leaf(SET.ca, "localhost", dns=("localhost",), key=EC_KEY, serial=4, not_before=START, not_after=END)

CERTS = {
    "server_chain": SET.server.cert_pem(with_chain=True),
    "ca": SET.ca.cert_pem(),
    "client": SET.client.cert_pem(),
    "ec_leaf": EC_LEAF.cert_pem(),
}
KEYS = {
    "rsa_pkcs1": _key(SET.server.key, TRAD),
    "rsa_pkcs8": _key(SET.server.key, P8),
    "ec_sec1": _key(EC_KEY, TRAD),
    "ec_pkcs8": _key(EC_KEY, P8),
    "ed25519": _key(ED_KEY, P8),
    "rsa1024_pkcs1": _key(SMALL_RSA, TRAD),
    "enc_pkcs8": _key(EC_KEY, P8, password=PASSWORD),
    "enc_legacy_proc_type": _key(SMALL_RSA, TRAD, password=PASSWORD),
}
BINARY = {
    "der_cert": SET.server.cert.public_bytes(DER),
    "der_ca": SET.ca.cert.public_bytes(DER),
    "der_key_pkcs8": _key(EC_KEY, P8, DER),
    "der_key_pkcs1": _key(SMALL_RSA, TRAD, DER),
    "der_key_sec1": _key(EC_KEY, TRAD, DER),
    "der_key_enc": _key(EC_KEY, P8, DER, PASSWORD),
    "p12": pkcs12.serialize_key_and_certificates(b"server", EC_KEY, EC_LEAF.cert, [SET.ca.cert],
                                                 serialization.NoEncryption()),
    "p12_enc": pkcs12.serialize_key_and_certificates(b"server", EC_KEY, EC_LEAF.cert, [SET.ca.cert],
                                                     serialization.BestAvailableEncryption(PASSWORD)),
}
assert b"Proc-Type: 4,ENCRYPTED" in KEYS["enc_legacy_proc_type"]
PEMS = {**CERTS, **KEYS}
ALL = {**PEMS, **BINARY}
B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
ROLES = (Role.SERVER_CERT, Role.SERVER_KEY, Role.SERVER_CA, Role.CLIENT_KEY)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hardening-files")


def check_loaded(loaded, role: Role) -> None:
    """What every load must give: documented codes, and a reason whenever the file is not usable."""
    for f in loaded.findings:
        assert f.code in CATALOGUE, f.code
        assert f.message and "Traceback" not in f.message
    if not loaded.usable:
        assert loaded.findings, f"{role}: unusable but no finding says why"
    if loaded.certs:
        assert loaded.kind is FileKind.CERTS
    if loaded.key is not None:
        assert loaded.kind is FileKind.KEY


def load_bytes(path: Path, data: bytes, role: Role, password=None):
    path.write_bytes(data)
    loaded = load_file(role, str(path), password)
    check_loaded(loaded, role)
    return loaded


# --- mutations -------------------------------------------------------------------------------------------------

def _b64_spans(data: bytes) -> list[tuple[int, int]]:
    """Byte ranges of base64 body lines (not BEGIN/END or header lines)."""
    spans, pos = [], 0
    for line in data.split(b"\n"):
        body = line.rstrip(b"\r")
        if body and not body.startswith(b"-----") and b":" not in body:
            spans.append((pos, pos + len(body)))
        pos += len(line) + 1
    return spans


@st.composite
def mutated_pem(draw) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(PEMS)))
    data = bytearray(PEMS[name])
    ops = draw(st.lists(st.sampled_from(("flip_b64", "flip_b64", "bitflip", "truncate", "crlf", "bom", "trailing",
                                         "leading", "drop_line", "dup_line", "cut_end", "spaces", "lowercase_label",
                                         "nul")), min_size=1, max_size=4))
    for op in ops:
        if not data:
            break
        if op == "flip_b64":
            spans = _b64_spans(bytes(data))
            if spans:
                a, b = draw(st.sampled_from(spans))
                if b > a:
                    i = draw(st.integers(a, b - 1))
                    data[i] = draw(st.sampled_from(B64))
        elif op == "bitflip":
            i = draw(st.integers(0, len(data) - 1))
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del data[draw(st.integers(0, len(data) - 1)):]
        elif op == "crlf":
            data = bytearray(bytes(data).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
        elif op == "bom":
            data[:0] = draw(st.sampled_from((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")))
        elif op == "trailing":
            data += draw(st.binary(min_size=1, max_size=64))
        elif op == "leading":
            data[:0] = draw(st.sampled_from((b"Bag Attributes\n    localKeyID: 01\n", b"subject=CN=x\n\n",
                                             b"\x00\x00", b"garbage ")))
        elif op in ("drop_line", "dup_line"):
            lines = bytes(data).split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            lines[i:i + 1] = [] if op == "drop_line" else [lines[i], lines[i]]
            data = bytearray(b"\n".join(lines))
        elif op == "cut_end":
            data = bytearray(bytes(data).replace(b"-----END", b"-----EN", 1))
        elif op == "spaces":
            data = bytearray(bytes(data).replace(b"\n", b" \t\n", draw(st.integers(1, 5))))
        elif op == "lowercase_label":
            data = bytearray(bytes(data).replace(b"BEGIN ", b"begin ", 1))
        elif op == "nul":
            data.insert(draw(st.integers(0, len(data))), 0)
    return name, bytes(data)


SEPARATORS = (b"", b"\n", b"\r\n", b"\n\n", b"# comment\n", b"\xef\xbb\xbf", b"junk between blocks\n")


@st.composite
def block_soup(draw) -> bytes:
    """Several blocks (certificates, keys, encrypted keys) in odd order, odd separators, sometimes unterminated."""
    names = draw(st.lists(st.sampled_from(sorted(PEMS)), min_size=1, max_size=6))
    parts = []
    for name in names:
        parts.append(draw(st.sampled_from(SEPARATORS)))
        block = PEMS[name]
        if draw(st.integers(0, 9)) == 0:
            block = block[: len(block) // 2]
        parts.append(block)
    if draw(st.booleans()):
        parts.append(b"-----BEGIN CERTIFICATE-----\n" * draw(st.integers(1, 50)))
    return b"".join(parts)


@st.composite
def mutated_binary(draw) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(BINARY)))
    data = bytearray(BINARY[name])
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(("bitflip", "byte", "truncate", "append", "length")))
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if op == "bitflip":
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "byte":
            data[i] = draw(st.integers(0, 255))
        elif op == "truncate":
            del data[i:]
        elif op == "append":
            data += draw(st.binary(min_size=1, max_size=32))
        elif op == "length":   # DER length bytes are near the front: make them lie
            j = draw(st.integers(0, min(12, len(data) - 1)))
            data[j] = draw(st.sampled_from((0x00, 0x7F, 0x80, 0x81, 0x84, 0x88, 0xFF)))
    return name, bytes(data)


# --- the loader ------------------------------------------------------------------------------------------------

@settings(max_examples=N_RANDOM, **FUZZ)
@given(data=st.one_of(st.binary(max_size=3000),
                      st.binary(max_size=200).map(lambda b: b"-----BEGIN CERTIFICATE-----\n" + b),
                      st.binary(max_size=200).map(lambda b: b"-----BEGIN PRIVATE KEY-----\n" + b +
                                                  b"\n-----END PRIVATE KEY-----\n"),
                      st.binary(max_size=200).map(lambda b: b"\x30\x82" + b)),
       role=st.sampled_from(ROLES))
def test_random_bytes(scratch, data, role):
    CASES["random bytes"] += 1
    load_bytes(scratch / "random.bin", data, role)


@settings(max_examples=N_PEM_MUTATED, **FUZZ)
@given(case=mutated_pem(), role=st.sampled_from(ROLES))
def test_mutated_pem(scratch, case, role):
    """Truncated, CRLF, BOM, trailing garbage, bit flips in base64 bodies, of certificates and every key format."""
    CASES["mutated PEM (certificates and keys)"] += 1
    name, data = case
    loaded = load_bytes(scratch / "mutated.pem", data, role)
    # Touch what the rules read: a certificate the loader keeps must be fully usable.
    for cert in loaded.certs:
        cert.public_key()
        cert.extensions
        cert.subject.rfc4514_string()


@settings(max_examples=N_BLOCKS, **FUZZ)
@given(data=block_soup(), role=st.sampled_from(ROLES))
def test_blocks_in_odd_order(scratch, data, role):
    CASES["several PEM blocks in odd order"] += 1
    load_bytes(scratch / "soup.pem", data, role)


@settings(max_examples=N_KEYS, **FUZZ)
@given(name=st.sampled_from(sorted(KEYS) + ["der_key_enc", "der_key_pkcs8", "der_key_pkcs1", "der_key_sec1"]),
       password=st.sampled_from((None, PASSWORD, b"wrong", b"")),
       crlf=st.booleans(), cut=st.integers(0, 40), role=st.sampled_from((Role.SERVER_KEY, Role.SERVER_CERT)))
def test_keys_every_format(scratch, name, password, crlf, cut, role):
    """PKCS#1, PKCS#8, SEC1, Ed25519, encrypted PKCS#8 and legacy Proc-Type keys, PEM and DER, with and without
    (the right, a wrong, an empty) password, whole or with the tail cut off."""
    CASES["keys: every format, encrypted, passwords"] += 1
    data = ALL[name]
    if crlf and name in PEMS:
        data = data.replace(b"\n", b"\r\n")
    if cut:
        data = data[: max(1, len(data) - cut * 7)]
    loaded = load_bytes(scratch / "key.any", data, role, password)
    codes = {f.code for f in loaded.findings}
    if cut == 0 and role is Role.SERVER_CERT:
        assert "file.wrong_kind" in codes, codes
    if cut == 0 and role is Role.SERVER_KEY:
        encrypted = "enc" in name
        assert ("key.encrypted" in codes) == encrypted, codes
        assert ("file.der" in codes) == name.startswith("der_"), codes
        if encrypted and password == PASSWORD:
            assert loaded.key is not None
        if encrypted and password not in (None, PASSWORD):
            assert loaded.key is None and any("does not open" in f.message for f in loaded.findings)
        for f in loaded.findings:
            if password:
                assert password.decode() not in f.message


@settings(max_examples=N_BINARY, **FUZZ)
@given(case=mutated_binary(), role=st.sampled_from(ROLES), password=st.sampled_from((None, PASSWORD)))
def test_der_and_pkcs12_mutated(scratch, case, role, password):
    CASES["DER and PKCS#12, mutated"] += 1
    name, data = case
    loaded = load_bytes(scratch / "blob.der", data, role, password)
    for cert in loaded.certs:
        cert.public_key()
        cert.extensions


def test_pkcs12_is_named():
    """PKCS#12 is not PEM or DER material: file.not_pem with the openssl commands that extract it."""
    for name in ("p12", "p12_enc"):
        p = Path(os.environ.get("TMPDIR", "/tmp")) / f"hardening-{os.getpid()}.p12"
        try:
            for role in (Role.SERVER_CERT, Role.SERVER_KEY):
                loaded = load_bytes(p, BINARY[name], role)
                assert [f.code for f in loaded.findings] == ["file.not_pem"]
                assert "PKCS#12" in loaded.findings[0].message
        finally:
            p.unlink(missing_ok=True)


def test_encrypted_der_key_is_an_encrypted_key(scratch):
    """Regression: an encrypted DER key used to be "neither a certificate nor a key (PKCS#12?)"."""
    for password, opens in ((None, False), (PASSWORD, True), (b"wrong", False)):
        loaded = load_bytes(scratch / "enc.der", BINARY["der_key_enc"], Role.SERVER_KEY, password)
        assert [f.code for f in loaded.findings] == ["file.der", "key.encrypted"]
        assert (loaded.key is not None) == opens


def _pbkdf2_iterations(der: bytes, n: int) -> bytes:
    """Re-encode an EncryptedPrivateKeyInfo (PBES2/PBKDF2, as cryptography writes it) with another iteration count."""
    def item(tag: int, body: bytes) -> bytes:
        return bytes([tag]) + _der_len(len(body)) + body
    _, s, e = material._der_item(der, 0)
    alg, enc_data = material._der_children(der, s, e)[:2]
    oid_pbes2, params = material._der_children(der, alg[1], alg[2])[:2]
    kdf, cipher = material._der_children(der, params[1], params[2])[:2]
    oid_kdf, kdf_params = material._der_children(der, kdf[1], kdf[2])[:2]
    salt, _iters, *rest = material._der_children(der, kdf_params[1], kdf_params[2])
    new_params = item(0x30, _whole(der, salt) + item(0x02, n.to_bytes((n.bit_length() + 8) // 8, "big"))
                      + b"".join(_whole(der, r) for r in rest))
    new_kdf = item(0x30, _whole(der, oid_kdf) + new_params)
    new_pbes2 = item(0x30, new_kdf + _whole(der, cipher))
    new_alg = item(0x30, _whole(der, oid_pbes2) + new_pbes2)
    return item(0x30, new_alg + _whole(der, enc_data))


def _whole(der: bytes, it) -> bytes:
    """The whole TLV of a child item (tag and length bytes included)."""
    tag, start, end = it
    for header in range(2, 7):
        if start - header >= 0 and der[start - header] == tag:
            try:
                if material._der_item(der, start - header) == it:
                    return der[start - header:end]
            except (IndexError, ValueError):
                continue
    raise AssertionError("item not found")


def _der_len(n: int) -> bytes:
    if n < 128:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def test_hostile_kdf_iterations_do_not_hang(scratch):
    """Regression: 2^31 PBKDF2 iterations kept --key-password-env busy for minutes inside cryptography."""
    der = BINARY["der_key_enc"]
    assert material._kdf_cost_problem(der, "der") is None
    hostile = _pbkdf2_iterations(der, (1 << 31) - 1)
    pem = b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + base64.encodebytes(hostile) + \
        b"-----END ENCRYPTED PRIVATE KEY-----\n"
    for data in (hostile, pem):
        t0 = time.monotonic()
        loaded = load_bytes(scratch / "hostile.key", data, Role.SERVER_KEY, PASSWORD)
        assert time.monotonic() - t0 < 2
        enc = [f for f in loaded.findings if f.code == "key.encrypted"]
        assert enc and "did not try the given password" in enc[0].message and "2147483647" in enc[0].message
    # a modest count is still tried (and here, since the count changed, the password no longer opens it)
    loaded = load_bytes(scratch / "modest.key", _pbkdf2_iterations(der, 4096), Role.SERVER_KEY, PASSWORD)
    assert any("does not open" in f.message for f in loaded.findings)


_OLD_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.S)


@settings(max_examples=300, **FUZZ)
@given(parts=st.lists(st.sampled_from((b"-----BEGIN A-----\n", b"-----END A-----", b"-----BEGIN B-----\r\n",
                                       b"-----END B-----", b"-----BEGIN A B-----\n", b"-----END A B-----", b"-----",
                                       b"xyz", b"\n", b"\r", b"-", b"END A-----", b"BEGIN B-----\n")), max_size=14))
def test_pem_scanner_finds_what_the_regex_found(parts):
    """material._pem_blocks (linear) gives exactly the blocks of the old regex (quadratic on hostile input)."""
    CASES["PEM block scanner vs regex"] += 1
    data = b"".join(parts)
    assert material._pem_blocks(data) == [(m.group(1), m.group(0)) for m in _OLD_PEM_BLOCK.finditer(data)]


@pytest.mark.parametrize("unit", [b"-----BEGIN CERTIFICATE-----\n", b"-----BEGIN X1-----\n-----BEGIN X2-----\n",
                                  b"-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\n"])
def test_many_begin_lines_are_linear(scratch, unit):
    """Regression: 1 MiB of BEGIN lines without END took minutes (regex backtracking); now milliseconds."""
    data = unit * ((MAX_BYTES - 16) // len(unit))
    t0 = time.monotonic()
    loaded = load_bytes(scratch / "begins.pem", data, Role.SERVER_CERT)
    assert time.monotonic() - t0 < 2
    assert [f.code for f in loaded.findings] == ["file.not_pem"]


# --- the whole CLI ---------------------------------------------------------------------------------------------

DIR_FILES = ("server.pem", "server.key", "ca.pem", "client.pem", "client.key")
GOOD = {"server.pem": SET.server.cert_pem(with_chain=True), "server.key": SET.server.key_pem(),
        "ca.pem": SET.ca.cert_pem(), "client.pem": SET.client.cert_pem(with_chain=True),
        "client.key": SET.client.key_pem()}


def run_quiet(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(argv)
    return status, out.getvalue(), err.getvalue()


def check_report(fmt: str, status: int, out: str, err: str) -> set[str]:
    """Exit 0/1, nothing on stderr, a whole report; the codes in it (JSON) all documented."""
    assert status in (0, 1), (status, err)
    assert "Traceback" not in out + err and "internal error" not in err, err
    assert err == ""
    codes: set[str] = set()
    if fmt == "json":
        report = json.loads(out)
        codes = {f["code"] for f in report["findings"]} | {h["code"] for h in report["handshakes"]}
        assert report["verdict"] == ("pass" if status == 0 else "fail")
    elif fmt == "junit":
        try:
            root = ET.fromstring(out)
        except ET.ParseError as exc:
            line, col = exc.position
            raise AssertionError(f"JUnit is not XML ({exc}): {out.splitlines()[line - 1][max(0, col - 120):col + 40]!r}")
        assert root.tag in ("testsuites", "testsuite")
        for failure in root.iter("failure"):        # type= is the first code; the body "code: message\nfix: ..."
            if failure.get("type"):
                codes.add(failure.get("type"))
                lines = (failure.text or "").splitlines()
                codes |= {line.split(": ", 1)[0] for line, after in zip(lines, lines[1:]) if after.startswith("fix: ")}
    else:
        assert ("PASS" in out or "FAIL" in out) and out.endswith("\n")
    unknown = {c for c in codes if c not in CATALOGUE}
    assert not unknown, unknown
    return codes


@st.composite
def hostile_dir(draw) -> dict[str, bytes]:
    files = dict(GOOD)
    for name in draw(st.lists(st.sampled_from(DIR_FILES), min_size=1, max_size=3, unique=True)):
        source = draw(st.sampled_from(("mutated", "mutated", "binary", "soup", "swap", "random", "empty")))
        if source == "mutated":
            files[name] = draw(mutated_pem())[1]
        elif source == "binary":
            files[name] = draw(mutated_binary())[1]
        elif source == "soup":
            files[name] = draw(block_soup())
        elif source == "swap":
            files[name] = draw(st.sampled_from(sorted(ALL.values())))
        elif source == "random":
            files[name] = draw(st.binary(max_size=300))
        else:
            files[name] = b""
    return files


@settings(max_examples=N_CLI, **FUZZ)
@given(files=hostile_dir(), fmt=st.sampled_from(("text", "json", "junit", "markdown")),
       extra=st.sampled_from(((), ("--tls-mode", "2"), ("--tls-mode", "1"), ("--strict",), ("--verbose",))))
def test_cli_on_hostile_directories(scratch, files, fmt, extra):
    """`milvus-tls doctor --dir D --no-handshake` on a docs-layout folder with one to three hostile files."""
    CASES["full CLI on hostile folders (4 formats)"] += 1
    d = scratch / "dir"
    d.mkdir(exist_ok=True)
    for name, data in files.items():
        (d / name).write_bytes(data)
    if "--verbose" in extra and fmt != "text":
        extra = ()
    status, out, err = run_quiet(["doctor", "--dir", str(d), "--no-handshake", "--format", fmt, *extra])
    check_report(fmt, status, out, err)


def test_control_characters_in_names_are_escaped(tmp_path):
    """A certificate name is untrusted text: control characters (terminal escapes, XML-invalid bytes) must not
    reach the terminal raw, and JUnit must stay well-formed XML."""
    from tests.certfactory import make_ca
    hostile = "evil\x1b]0;owned\x07\x1b[2J\x02CA"
    ca = make_ca(hostile, key=EC_KEY)
    leaf = make_leaf(ca, hostile, dns=(), key=EC_KEY)          # CN only, and not localhost: name.* quotes it
    leaf.write(tmp_path / "server.pem", tmp_path / "server.key", with_chain=True)
    for fmt in ("text", "json", "junit", "markdown"):
        status, out, err = run_quiet(["doctor", "--dir", str(tmp_path), "--no-handshake", "--format", fmt,
                                      "--server-name", "localhost"])
        check_report(fmt, status, out, err)
        assert "\x1b" not in out and "\x07" not in out and "\x02" not in out, fmt
        assert "evil" in out, fmt


@settings(max_examples=N_CLI_HANDSHAKE, **FUZZ)
@given(files=hostile_dir(), fmt=st.sampled_from(("text", "json")))
def test_cli_with_rehearsal_handshakes_on_hostile_directories(scratch, files, fmt):
    """The same folders with handshakes on: the rehearsal server loads the (hostile) server files itself."""
    CASES["full CLI with rehearsal handshakes"] += 1
    d = scratch / "dir-hs"
    d.mkdir(exist_ok=True)
    for name, data in files.items():
        (d / name).write_bytes(data)
    t0 = time.monotonic()
    status, out, err = run_quiet(["doctor", "--dir", str(d), "--timeout", "3", "--format", fmt])
    check_report(fmt, status, out, err)
    assert time.monotonic() - t0 < 3 * 2 + 3


@pytest.mark.parametrize("empty", ["client.key", "client.pem"])
def test_empty_client_file_does_not_abort_the_process(tmp_path, empty):
    """Regression: grpc's C-core aborts the process (SIGABRT) on an empty client key or chain; the doctor crashed
    with it. Run in a subprocess so a regression fails this test instead of killing the test run."""
    SET.write(tmp_path)
    (tmp_path / empty).write_bytes(b"")
    proc = subprocess.run([sys.executable, "-m", "milvus_tls_check", "doctor", "--dir", str(tmp_path),
                           "--tls-mode", "2", "--format", "json", "--timeout", "3"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-2000:])
    report = json.loads(proc.stdout)
    assert "file.empty" in {f["code"] for f in report["findings"]}
    attempts = [h for h in report["handshakes"] if h["client"] == "grpcio"]
    assert attempts and all(not h["ok"] for h in attempts)
    assert any("grpc aborts the process" in h["detail"] for h in attempts), attempts


# --- odd paths -------------------------------------------------------------------------------------------------

def doctor_on(path: str, *, role_flag: str = "--server-pem", handshake: bool = False, timeout: float = 10):
    """Run the doctor with one odd path in a worker thread; fail (not hang) if it does not end in `timeout`."""
    argv = ["doctor", role_flag, path, "--format", "json", "--timeout", "2"]
    argv += [] if handshake else ["--no-handshake"]
    if role_flag == "--server-pem":
        argv += ["--server-key", str(KEY_FOR_ODD_PATHS)]
    else:
        argv += ["--server-pem", str(CERT_FOR_ODD_PATHS)]
    box: dict = {}
    t = threading.Thread(target=lambda: box.update(r=run_quiet(argv)), daemon=True)
    t0 = time.monotonic()
    t.start()
    t.join(timeout)
    assert not t.is_alive(), f"doctor blocked on {path}"
    status, out, err = box["r"]
    check_report("json", status, out, err)
    report = json.loads(out)
    return status, report, time.monotonic() - t0


KEY_FOR_ODD_PATHS = CERT_FOR_ODD_PATHS = None


@pytest.fixture(scope="module", autouse=True)
def _pair_files(tmp_path_factory):
    global KEY_FOR_ODD_PATHS, CERT_FOR_ODD_PATHS
    d = tmp_path_factory.mktemp("pair")
    SET.server.write(d / "server.pem", d / "server.key", with_chain=True)
    KEY_FOR_ODD_PATHS, CERT_FOR_ODD_PATHS = d / "server.key", d / "server.pem"


def file_codes(report: dict, path: str) -> list[tuple[str, str]]:
    return [(f["code"], f["message"]) for f in report["findings"] if path in f["subject"]]


@pytest.mark.parametrize("flag", ["--server-pem", "--server-key"])
def test_odd_paths(tmp_path, flag):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    loop_a, loop_b = tmp_path / "loop_a", tmp_path / "loop_b"
    loop_a.symlink_to(loop_b)
    loop_b.symlink_to(loop_a)
    sock_path = tmp_path / "sock"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    huge = tmp_path / "huge.pem"
    with open(huge, "wb") as fh:
        fh.truncate(MAX_BYTES + 1)         # sparse: size says too large before anything is read
    expected = {
        str(tmp_path): ("file.unreadable", "directory"),
        str(dangling): ("file.missing", "symbolic link to a file that does not exist"),
        str(tmp_path / "absent.pem"): ("file.missing", "does not exist"),
        str(loop_a): ("file.unreadable", "symbolic link loop"),
        str(fifo): ("file.unreadable", "FIFO"),
        str(sock_path): ("file.unreadable", "socket"),
        "/dev/zero": ("file.too_large", "endless device"),
        "/dev/urandom": ("file.too_large", "endless device"),
        "/dev/null": ("file.empty", "is empty"),
        str(huge): ("file.too_large", f"{MAX_BYTES + 1} bytes"),
    }
    try:
        for path, (code, words) in expected.items():
            status, report, seconds = doctor_on(path, role_flag=flag)
            got = file_codes(report, path)
            assert status == 1 and got and got[0][0] == code and words in got[0][1], (path, got)
            assert seconds < 5, (path, seconds)
    finally:
        sock.close()


@pytest.mark.parametrize("path_kind", ["fifo", "/dev/zero", "dir"])
def test_odd_paths_with_handshakes_do_not_block(tmp_path, path_kind):
    """The rehearsal and the grpc client read files too (pymilvus's way): a FIFO or a device must not block them."""
    path = {"fifo": str(tmp_path / "fifo"), "/dev/zero": "/dev/zero", "dir": str(tmp_path)}[path_kind]
    if path_kind == "fifo":
        os.mkfifo(path)
    for flag in ("--server-pem", "--server-key"):
        status, report, seconds = doctor_on(path, role_flag=flag, handshake=True, timeout=20)
        assert status == 1 and seconds < 10
        assert report["handshakes"] and all(not h["ok"] for h in report["handshakes"])


def test_fifo_opened_by_writer_is_still_not_read(tmp_path):
    """Even with a writer on the other end (which makes open() succeed), the doctor does not read from a FIFO."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)   # keeps the FIFO open at both ends
    try:
        loaded = load_file(Role.SERVER_CERT, str(fifo))
        assert [f.code for f in loaded.findings] == ["file.unreadable"]
    finally:
        os.close(fd)


def test_unreadable_file(tmp_path):
    """Permission 000. As root, permission bits do not stop reads (CAP_DAC_OVERRIDE): then the file is read and
    judged on its content, which is the honest root behaviour. A file that refuses reads for everyone
    (/proc/self/mem at offset 0: EIO) stands in for 'cannot be read' in-process; as a non-root user (dropped to
    nobody in a subprocess when we are root) permission 000 gives file.unreadable."""
    p = tmp_path / "secret.pem"
    p.write_bytes(SET.server.cert_pem())
    p.chmod(0)
    loaded = load_file(Role.SERVER_CERT, str(p))
    if os.geteuid() == 0:
        assert loaded.usable and not loaded.findings          # root reads it anyway
    else:
        assert [f.code for f in loaded.findings] == ["file.unreadable"]
    loaded = load_file(Role.SERVER_CERT, "/proc/self/mem")
    assert [f.code for f in loaded.findings] == ["file.unreadable"], loaded.findings
    assert "cannot be read" in loaded.findings[0].message


@pytest.mark.skipif(os.geteuid() != 0 or not hasattr(os, "fork"), reason="needs root to drop to nobody")
def test_unreadable_file_as_an_unprivileged_user():
    """Permission 000 for a user without CAP_DAC_OVERRIDE: a forked child drops to nobody and loads the file
    (the interpreter under /root is not executable by nobody, so no subprocess)."""
    d = Path(f"/tmp/hardening-nobody-{os.getpid()}")
    d.mkdir(mode=0o755, exist_ok=True)
    p = d / "server.key"
    p.write_bytes(SET.server.key_pem())
    p.chmod(0)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:   # child: no pytest machinery, only the loader, then _exit
        status = 1
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            loaded = load_file(Role.SERVER_KEY, str(p))
            os.write(write_end, json.dumps([[f.code, f.message] for f in loaded.findings]).encode())
            status = 0
        finally:
            os._exit(status)
    try:
        os.close(write_end)
        chunks = []
        while chunk := os.read(read_end, 65536):
            chunks.append(chunk)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        found = json.loads(b"".join(chunks))
        assert found and found[0][0] == "file.unreadable" and "Permission denied" in found[0][1], found
    finally:
        os.close(read_end)
        p.unlink()
        d.rmdir()


# --- key.permissions and --key-password-env --------------------------------------------------------------------

def _doctor_json(argv: list[str]) -> tuple[int, dict, str]:
    status, out, err = run_quiet(["doctor", *argv, "--format", "json", "--no-handshake"])
    check_report("json", status, out, err)
    return status, json.loads(out), out + err


def test_key_permissions(tmp_path):
    SET.write(tmp_path)
    for mode, expected in ((0o644, True), (0o640, True), (0o604, True), (0o600, False), (0o400, False)):
        (tmp_path / "server.key").chmod(mode)
        _, report, _ = _doctor_json(["--dir", str(tmp_path)])
        perm = [f for f in report["findings"] if f["code"] == "key.permissions"]
        assert bool(perm) == expected, (oct(mode), perm)
        if perm:
            assert perm[0]["severity"] == "warning" and oct(mode)[2:] in perm[0]["message"]
            assert "server.key" in perm[0]["subject"]


def _encrypted_dir(tmp_path: Path, key, fmt) -> Path:
    SET.write(tmp_path)
    (tmp_path / "server.key").write_bytes(_key(key, fmt, password=PASSWORD))
    (tmp_path / "server.key").chmod(0o600)
    return tmp_path


@pytest.mark.parametrize("fmt", [P8, TRAD], ids=["pkcs8-encrypted", "legacy-proc-type"])
def test_key_password_env(tmp_path, monkeypatch, fmt):
    # the right password, the right key: key.encrypted still reported; the pair check runs and passes
    d = _encrypted_dir(tmp_path / "right", SET.server.key, fmt)
    monkeypatch.setenv("HARDENING_PW", PASSWORD.decode())
    status, report, text = _doctor_json(["--dir", str(d), "--key-password-env", "HARDENING_PW"])
    enc = [f for f in report["findings"] if f["code"] == "key.encrypted"]
    assert status == 1 and enc and enc[0]["severity"] == "error"
    assert "cannot load encrypted keys" in enc[0]["message"] and "password opens it" in enc[0]["message"]
    pair = [c for c in report["checks"] if c["check"] == "keys.pair" and "server" in c["subject"]]
    assert pair and pair[0]["status"] == "pass"
    # the decrypted key is fingerprinted by its public half (never its bytes), and it is the certificate's key
    import hashlib
    spki = SET.server.key.public_key().public_bytes(serialization.Encoding.DER,
                                                    serialization.PublicFormat.SubjectPublicKeyInfo)
    cert_der = SET.server.cert.public_bytes(serialization.Encoding.DER)
    assert report["fingerprints"]["server_key"] == "spki-sha256:" + hashlib.sha256(spki).hexdigest()
    assert report["fingerprints"]["server_pem"] == "sha256:" + hashlib.sha256(cert_der).hexdigest()

    # the right password, another key: key.mismatch is found through the encryption
    d = _encrypted_dir(tmp_path / "other", SET.client.key, fmt)
    status, report, text = _doctor_json(["--dir", str(d), "--key-password-env", "HARDENING_PW"])
    assert {"key.encrypted", "key.mismatch"} <= {f["code"] for f in report["findings"]}

    # a wrong password: says so, never echoes it, in any format
    wrong = "Wr0ng-canary-!"
    monkeypatch.setenv("HARDENING_PW", wrong)
    for out_fmt in ("text", "json", "junit", "markdown"):
        status, out, err = run_quiet(["doctor", "--dir", str(d), "--key-password-env", "HARDENING_PW",
                                      "--format", out_fmt, "--no-handshake", "--verbose"][: 8 + (out_fmt == "text")])
        assert status == 1 and "does not open it" in out
        assert wrong not in out + err and PASSWORD.decode() not in out + err

    # no password given: key.encrypted, and the pair check says it could not run
    status, report, _ = _doctor_json(["--dir", str(d)])
    assert "key.encrypted" in {f["code"] for f in report["findings"]}
    assert "key.mismatch" not in {f["code"] for f in report["findings"]}


def test_key_password_env_unset_is_a_usage_error(tmp_path, monkeypatch):
    SET.write(tmp_path)
    monkeypatch.delenv("HARDENING_NOT_SET", raising=False)
    status, out, err = run_quiet(["doctor", "--dir", str(tmp_path), "--key-password-env", "HARDENING_NOT_SET"])
    assert status == 2 and "HARDENING_NOT_SET" in err and out == ""


# --- the tally -------------------------------------------------------------------------------------------------

def test_zz_fuzz_case_count():
    """At least 10,000 fuzz cases ran (only meaningful when the whole file ran)."""
    families = {"random bytes", "mutated PEM (certificates and keys)", "several PEM blocks in odd order",
                "keys: every format, encrypted, passwords", "DER and PKCS#12, mutated",
                "full CLI on hostile folders (4 formats)"}
    if not families <= set(CASES):
        pytest.skip("run the whole file to count the fuzz cases")
    total = sum(CASES.values())
    sys.stderr.write("fuzz cases per family: " + json.dumps(dict(CASES)) + f" total {total}\n")
    assert total >= 10_000, dict(CASES)
