"""Hardening, secrets: no output ever carries private key material.

Canary keys in every key format and every slot (server key, certificate slot, CA slot, a combined cert+key
server.pem) go through every renderer (text, text --verbose, JSON, JUnit, Markdown), with and without handshakes
(the rehearsal, and a live --uri against a grpcio server holding the canary key), and through --fleet. Neither
stdout nor stderr (captured at the file-descriptor level, so grpc's own C-core logging is included) may hold:
any base64 line of any encoding of the key (PEM bodies, the DER's base64), a hex run of the key's DER, the
"PRIVATE KEY" marker, or the key password. Reports show fingerprints and paths instead.
"""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from milvus_tls_check import cli
from tests.certfactory import make_ca, make_leaf, write_private

P8, TRAD, RAW = (serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL,
                 serialization.PrivateFormat.Raw)
PEM, DER = serialization.Encoding.PEM, serialization.Encoding.DER
PASSWORD = "canary-Password-9Zk"
OUTPUTS = (("text",), ("text", "--verbose"), ("json",), ("junit",), ("markdown",))

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
ED_KEY = ed25519.Ed25519PrivateKey.generate()
CA = make_ca("canary CA", key=ec.generate_private_key(ec.SECP256R1()))
LEAVES = {id(k): (make_leaf(CA, "localhost", dns=("localhost",), ips=("127.0.0.1",), key=k),
                  make_leaf(CA, "canary-client", dns=("canary-client",), eku=("client",), key=k))
          for k in (RSA_KEY, EC_KEY, ED_KEY)}


def _bytes(key, encoding, fmt, password=None) -> bytes:
    enc = serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    return key.private_bytes(encoding, fmt, enc)


def encodings(key) -> list[bytes]:
    """Every encoding of the key a file in these tests holds (what must never be echoed)."""
    out = [_bytes(key, PEM, P8), _bytes(key, DER, P8), _bytes(key, PEM, P8, PASSWORD), _bytes(key, DER, P8, PASSWORD)]
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        out += [_bytes(key, PEM, TRAD), _bytes(key, DER, TRAD), _bytes(key, PEM, TRAD, PASSWORD)]
    else:
        out.append(key.private_bytes(serialization.Encoding.Raw, RAW, serialization.NoEncryption()))
    return out


def forbidden(key) -> set[str]:
    """Substrings that would mean key material leaked: base64 body lines, base64 of DER, hex runs of DER."""
    needles: set[str] = set()
    for blob in encodings(key):
        if blob.startswith(b"-----"):
            for line in blob.decode().splitlines():
                if not line.startswith("-----") and ":" not in line and len(line) >= 16:
                    needles.add(line)
            continue
        b64 = base64.b64encode(blob).decode()
        needles.update(b64[i:i + 32] for i in range(0, max(len(b64) - 32, 1), 16))
        hx = blob.hex()
        needles.update(hx[i:i + 32] for i in range(0, max(len(hx) - 32, 1), 16))
        spaced = blob.hex(" ")
        needles.update(spaced[i:i + 47] for i in range(0, max(len(spaced) - 47, 1), 24))
    return needles


NEEDLES = {name: forbidden(k) for name, k in (("rsa", RSA_KEY), ("ec", EC_KEY), ("ed25519", ED_KEY))}


def assert_no_secret(text: str, where: str) -> None:
    assert "PRIVATE KEY" not in text, f"{where}: PRIVATE KEY marker in the output"
    assert PASSWORD not in text, f"{where}: the key password in the output"
    for name, needles in NEEDLES.items():
        leaked = [n for n in needles if n in text]
        assert not leaked, f"{where}: {name} key material in the output: {leaked[:2]}"


# --- the canary folders ----------------------------------------------------------------------------------------

def _write_set(d: Path, key, key_bytes: bytes, *, server_pem: bytes | None = None, ca_pem: bytes | None = None):
    d.mkdir(parents=True, exist_ok=True)
    server, client = LEAVES[id(key)]
    (d / "server.pem").write_bytes(server_pem if server_pem is not None else server.cert_pem())
    write_private(d / "server.key", key_bytes, 0o600)
    (d / "ca.pem").write_bytes(ca_pem if ca_pem is not None else CA.cert_pem())
    (d / "client.pem").write_bytes(client.cert_pem())
    write_private(d / "client.key", key_bytes, 0o644)      # also a key.permissions warning: names the file only


CASES = {
    "rsa-pkcs1": lambda d: _write_set(d, RSA_KEY, _bytes(RSA_KEY, PEM, TRAD)),
    "rsa-pkcs8": lambda d: _write_set(d, RSA_KEY, _bytes(RSA_KEY, PEM, P8)),
    "ec-sec1": lambda d: _write_set(d, EC_KEY, _bytes(EC_KEY, PEM, TRAD)),
    "ec-pkcs8": lambda d: _write_set(d, EC_KEY, _bytes(EC_KEY, PEM, P8)),
    "ed25519-pkcs8": lambda d: _write_set(d, ED_KEY, _bytes(ED_KEY, PEM, P8)),
    "encrypted-pkcs8": lambda d: _write_set(d, EC_KEY, _bytes(EC_KEY, PEM, P8, PASSWORD)),
    "encrypted-legacy-pkcs1": lambda d: _write_set(d, RSA_KEY, _bytes(RSA_KEY, PEM, TRAD, PASSWORD)),
    "der-pkcs8": lambda d: _write_set(d, EC_KEY, _bytes(EC_KEY, DER, P8)),
    "der-pkcs1": lambda d: _write_set(d, RSA_KEY, _bytes(RSA_KEY, DER, TRAD)),
    "key-in-cert-slot": lambda d: _write_set(d, RSA_KEY, _bytes(RSA_KEY, PEM, P8), server_pem=_bytes(RSA_KEY, PEM, P8)),
    "der-key-in-cert-slot": lambda d: _write_set(d, EC_KEY, _bytes(EC_KEY, PEM, P8), server_pem=_bytes(EC_KEY, DER, P8)),
    "key-in-ca-slot": lambda d: _write_set(d, EC_KEY, _bytes(EC_KEY, PEM, TRAD), ca_pem=_bytes(EC_KEY, PEM, TRAD)),
    "combined-cert-and-key": lambda d: _write_set(
        d, RSA_KEY, _bytes(RSA_KEY, PEM, TRAD),
        server_pem=LEAVES[id(RSA_KEY)][0].cert_pem() + _bytes(RSA_KEY, PEM, TRAD)),
    "key-before-cert": lambda d: _write_set(
        d, EC_KEY, _bytes(EC_KEY, PEM, P8), server_pem=_bytes(EC_KEY, PEM, P8) + LEAVES[id(EC_KEY)][0].cert_pem()),
}


@pytest.fixture(scope="module")
def canaries(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("canaries")
    out = {}
    for name, make in CASES.items():
        make(root / name)
        out[name] = root / name
    return out


def run(argv: list[str], capfd) -> tuple[int, str, str]:
    """(status, stdout + stderr as captured at the fd level, stdout alone)."""
    status = cli.main(argv)
    out, err = capfd.readouterr()
    assert status in (0, 1), (status, err)
    return status, out + err, out


@pytest.mark.parametrize("handshake", [False, True], ids=["static", "handshakes"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_no_key_material_in_any_format(canaries, case, handshake, capfd, monkeypatch):
    d = canaries[case]
    monkeypatch.setenv("CANARY_PW", PASSWORD)
    for fmt, *extra in OUTPUTS:
        for password in ((), ("--key-password-env", "CANARY_PW")) if "encrypted" in case else ((),):
            argv = ["doctor", "--dir", str(d), "--format", fmt, "--timeout", "3", *extra, *password]
            argv += [] if handshake else ["--no-handshake"]
            status, text, out = run(argv, capfd)
            assert_no_secret(text, f"{case} {fmt} {extra} {password} handshake={handshake}")
            assert str(d) in out                       # reports name files by path ...
            if fmt == "json":
                report = json.loads(out)
                assert report["fingerprints"], case    # ... and identify material by fingerprint
                assert all(v.startswith(("sha256:", "spki-sha256:")) for v in report["fingerprints"].values())


@pytest.mark.parametrize("case", ["rsa-pkcs1", "ec-sec1", "combined-cert-and-key", "key-in-ca-slot"])
def test_no_key_material_against_a_live_server(canaries, case, capfd, tmp_path):
    """A live --uri: a grpcio server holding the canary key; the probe's and the attempts' reports stay clean."""
    from milvus_tls_check.handshake.rehearsal import ServerFiles, serving

    key = RSA_KEY if case.startswith(("rsa", "combined")) else EC_KEY
    server = LEAVES[id(key)][0]
    files = ServerFiles(server.cert_pem(), _bytes(key, PEM, P8), None)
    with serving(files, 1) as port:
        for fmt, *extra in OUTPUTS:
            status, text, _ = run(["doctor", "--dir", str(canaries[case]), "--uri", f"https://127.0.0.1:{port}",
                                "--timeout", "3", "--format", fmt, *extra], capfd)
            assert_no_secret(text, f"live {case} {fmt} {extra}")
            assert "handshake" in text


@pytest.mark.parametrize("handshake", [False, True], ids=["static", "handshakes"])
def test_no_key_material_in_fleet_output(canaries, tmp_path, capfd, monkeypatch, handshake):
    fleet = tmp_path / "fleet.yaml"
    targets = "".join(f"  - name: {name}\n    dir: {path}\n" for name, path in sorted(canaries.items()))
    fleet.write_text(f"defaults: {{no_handshake: {str(not handshake).lower()}, timeout: 3}}\ntargets:\n{targets}")
    for fmt in ("text", "json", "junit", "markdown"):
        status, text, _ = run(["doctor", "--fleet", str(fleet), "--format", fmt, "--workers", "4"], capfd)
        assert_no_secret(text, f"fleet {fmt} handshake={handshake}")
        assert all(name in text for name in canaries)


def test_no_key_material_in_grpc_debug_logs(canaries, tmp_path):
    """--verbose with grpc's own logging at debug (GRPC_VERBOSITY=debug, read when grpc starts, hence a fresh
    process): the C-core's log lines on stderr carry no key material either."""
    for case in ("rsa-pkcs8", "ec-sec1", "combined-cert-and-key"):
        proc = subprocess.run([sys.executable, "-m", "milvus_tls_check", "doctor", "--dir", str(canaries[case]),
                               "--verbose", "--timeout", "3"],
                              capture_output=True, text=True, timeout=120,
                              env={**os.environ, "GRPC_VERBOSITY": "debug", "GRPC_TRACE": "tsi,handshaker"})
        assert proc.returncode in (0, 1), proc.stderr[-2000:]
        assert_no_secret(proc.stdout + proc.stderr, f"grpc debug logs {case}")


def test_the_canaries_would_be_caught():
    """The detector itself: each kind of leak it must see."""
    pem = _bytes(RSA_KEY, PEM, TRAD).decode()
    body_line = pem.splitlines()[5]
    der = _bytes(EC_KEY, DER, P8)
    for leak in (body_line, base64.b64encode(der).decode()[40:90], der.hex()[20:80], der.hex(" ")[30:120],
                 "-----BEGIN RSA PRIVATE KEY-----", PASSWORD):
        with pytest.raises(AssertionError):
            assert_no_secret(f"report text {leak} more text", "self-test")
    assert_no_secret(textwrap.dedent("""
        PASS  tls.serverKeyPath belongs to tls.serverPemPath
        fingerprints: spki-sha256:0011
    """), "clean")


# --- credentials written into a URI (security issue 9) ----------------------------------------------------------
URI_SECRET = "CANARY-uri-Pw-7Qx"
URI_USER = "canary-user"
ALL_FORMATS = ("text", "json", "junit", "markdown", "sarif", "github", "prometheus")


def assert_no_uri_secret(text: str, where: str) -> None:
    assert URI_SECRET not in text, f"{where}: the URI's password in the output"
    assert URI_USER not in text, f"{where}: the URI's user name in the output"


def _run_any(argv: list[str], capfd) -> tuple[int, str]:
    status = cli.main(argv)
    out, err = capfd.readouterr()
    return status, out + err


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_no_uri_credentials_in_any_format(fmt, canaries, capfd, tmp_path, monkeypatch):
    """`--uri https://user:CANARY@127.0.0.1:1` (nothing listens there): every format, the step summary too."""
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    for extra in ((), ("--dir", str(canaries["ec-pkcs8"])), ("--verbose",)):
        status, text = _run_any(["doctor", "--uri", f"https://{URI_USER}:{URI_SECRET}@127.0.0.1:1", "--timeout", "1",
                                 "--format", fmt, *extra], capfd)
        assert status in (0, 1), text
        assert_no_uri_secret(text, f"{fmt} {extra}")
        assert "127.0.0.1:1" in text                  # the target is still named, without its credentials
    if fmt == "github":
        assert_no_uri_secret(summary.read_text(), "step summary")
        assert "127.0.0.1:1" in summary.read_text()


@pytest.mark.parametrize("uri", [f"ftp://{URI_USER}:{URI_SECRET}@x", f"{URI_USER}:{URI_SECRET}@x:19530",
                                 f"https://{URI_USER}:{URI_SECRET}@x:notaport",
                                 f"https://{URI_USER}:{URI_SECRET}@[::1"])
def test_no_uri_credentials_in_the_bad_uri_error(uri, capfd):
    status, text = _run_any(["doctor", "--uri", uri, "--no-handshake"], capfd)
    assert status == 2 and "--uri" in text, text
    assert_no_uri_secret(text, f"bad URI {uri}")


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_no_uri_credentials_in_fleet_output(fmt, canaries, tmp_path, capfd):
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(f"""targets:
  - name: live
    dir: {canaries['ec-pkcs8']}
    uri: https://{URI_USER}:{URI_SECRET}@127.0.0.1:1
    timeout: 1
  - name: bad-uri
    uri: ftp://{URI_USER}:{URI_SECRET}@x
  - name: no-scheme
    uri: {URI_USER}:{URI_SECRET}@x
""")
    status, text = _run_any(["doctor", "--fleet", str(fleet), "--format", fmt], capfd)
    assert status == 1, text
    assert_no_uri_secret(text, f"fleet {fmt}")
    assert "live" in text and "bad-uri" in text


def test_the_pymilvus_child_gets_uri_credentials_only_through_its_environment(monkeypatch, capfd):
    """The command line of the pymilvus child (readable by anyone in `ps`) holds no URI, path nor credential: the
    URI comes on stdin without its credentials, which arrive as the authorization value in its environment."""
    import base64

    from milvus_tls_check.handshake import pymilvus_process

    seen: list[dict] = []
    real_run = pymilvus_process.subprocess.run

    def recording(cmd, **kwargs):
        seen.append({"cmd": list(cmd), "input": kwargs.get("input") or "",
                     "auth": (kwargs.get("env") or {}).get("MILVUS_TLS_CHECK_AUTHORIZATION", "")})
        return real_run(cmd, **kwargs)
    monkeypatch.setattr(pymilvus_process.subprocess, "run", recording)
    status, text = _run_any(["doctor", "--uri", f"https://{URI_USER}:{URI_SECRET}@127.0.0.1:1", "--timeout", "1",
                             "--pymilvus", "--tls-mode", "1"], capfd)
    assert status == 1, text
    assert_no_uri_secret(text, "pymilvus run")
    assert seen, "no pymilvus child was started"
    for call in seen:
        assert call["cmd"] == pymilvus_process.command(call["cmd"][0])
        assert not any(URI_SECRET in a or URI_USER in a or "127.0.0.1" in a for a in call["cmd"]), call["cmd"]
        assert json.loads(call["input"])["uri"] == "https://127.0.0.1:1"
        assert base64.b64decode(call["auth"]).decode() == f"{URI_USER}:{URI_SECRET}"


@pytest.mark.parametrize("flag", ["--go-args", "--node-args"])
def test_no_credentials_from_a_go_or_node_address(flag, canaries, capfd):
    """An address with user:password@ in --go-args / --node-args: the client's dialled address drops them."""
    from milvus_tls_check.clientkinds import specs

    address = f"https://{URI_USER}:{URI_SECRET}@127.0.0.1:19530"
    reader = next(s.read_args for s in specs().values() if s.args_option == flag)
    assert reader({"address": address}).address == "127.0.0.1:19530"
    for fmt in ALL_FORMATS:
        status, text = _run_any(["doctor", "--dir", str(canaries["ec-pkcs8"]), flag, json.dumps({"address": address}),
                                 "--no-handshake", "--format", fmt, "--verbose"], capfd)
        assert status in (0, 1), text
        assert_no_uri_secret(text, f"{flag} {fmt}")


def test_redact_uri():
    from milvus_tls_check.facts.pymilvus import redact_uri, split_credentials

    assert split_credentials("https://root:Mil%40vus@h:19530/db?x=1") == ("https://h:19530/db?x=1", "root", "Mil@vus")
    assert redact_uri("https://a:b@c@h:1") == "https://h:1"
    assert redact_uri("a:b@h:1") == "h:1"
    assert redact_uri("https://h:1/p@th") == "https://h:1/p@th"
    assert redact_uri("https://h:1/?db=x&token=abc&Password=d") == "https://h:1/?db=x&token=***&Password=***"
    assert redact_uri(None) is None and redact_uri("") == ""
