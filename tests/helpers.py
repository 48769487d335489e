"""Helpers the test modules share (not fixtures: those live in conftest.py). Test modules import from here,
never from each other."""
from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Iterator, Optional

from dataclasses import dataclass
from typing import Mapping

from milvus_tls_check import cli
from milvus_tls_check.deploy import (SecretFolder, container_paths, deployment_notes, deployment_paths,
                                     read_deployment_facts)
from milvus_tls_check.facts.deployment import DeploymentFacts
from milvus_tls_check.doctor import diagnose
from milvus_tls_check.material import with_deployment_files
from milvus_tls_check.model import CheckResult, Material, Request, Role
from milvus_tls_check.rules import Context, registered_rules, run_rules

DEPLOY_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "deploy"


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    """Run `milvus-tls ...` in-process; returns (exit status, stdout, stderr)."""
    status = cli.main(args)
    out, err = capsys.readouterr()
    return status, out, err


def doctor_json(args: list[str], capsys) -> tuple[int, dict]:
    status, out, err = run_cli(["doctor", *args, "--format", "json", "--no-handshake"], capsys)
    assert out, f"no report on stdout; stderr: {err}"
    return status, json.loads(out)


def codes(report: dict, severity: Optional[str] = None) -> set[str]:
    return {f["code"] for f in report["findings"] if severity is None or f["severity"] == severity}


def is_advisory(code: str) -> bool:
    from milvus_tls_check.codes import CATALOGUE, Enforcer
    return code in CATALOGUE and CATALOGUE[code].enforced_by == (Enforcer.ADVISORY,)


def answer(found, named=()) -> list:
    """A test's exact answer: what it found (codes, (code, ...) tuples or JSON findings), less the advisories it does
    not name. An advisory is a code nothing refuses (the catalogue's ADVISORY); a new advisory check may fire on any
    material (the docs' 3650-day certificates, the factory's 2020-2099 ones) without changing what a test about
    something else asserts. Order is kept."""
    def code_of(item):
        return item if isinstance(item, str) else item["code"] if isinstance(item, dict) else item[0]
    named_codes = {code_of(n) for n in named}
    return [item for item in found if code_of(item) in named_codes or not is_advisory(code_of(item))]


def doctor(mode: int, server_dir: Path, client_dir: Path | None = None, server_name: str = "localhost",
           client_server_pem: Path | None = None):
    """diagnose() on a set, static checks only, the way `milvus-tls doctor --dir` builds the request."""
    client_dir = client_dir or server_dir
    paths = {Role.SERVER_CERT: str(server_dir / "server.pem"), Role.SERVER_KEY: str(server_dir / "server.key"),
             Role.SERVER_CA: str(server_dir / "ca.pem"), Role.CLIENT_CERT: str(client_dir / "client.pem"),
             Role.CLIENT_KEY: str(client_dir / "client.key")}
    explicit = frozenset()
    if client_server_pem is not None:
        paths[Role.CLIENT_SERVER_PEM] = str(client_server_pem)
        explicit = frozenset({Role.CLIENT_SERVER_PEM})
    return diagnose(Request(paths=paths, explicit=explicit, modes=(mode,), server_name=server_name,
                            handshake=False))


def assert_passes(report) -> None:
    errors = [(f.code, f.subject, f.message) for f in report.findings if f.severity.value == "error"]
    assert report.verdict == "pass", errors
    assert not errors
    # Nothing the generator could have avoided: no warning at all on a fresh set.
    assert not report.findings, [(f.code, f.message) for f in report.findings]


@dataclass(frozen=True)
class Seen:
    """What the doctor takes from the deployment files: the facts, the paths per role, the deployment rules'
    findings (config.* and the application's client.*) and the report notes."""

    facts: DeploymentFacts
    paths: Mapping[Role, str]
    findings: tuple
    notes: tuple
    tls_mode: Optional[int]
    client_explicit: frozenset
    server_name: Optional[str]
    container_paths: Mapping[Role, str]


# The client.* rules that judge the application's own settings from the deployment files (the rest of client.*
# judges the parameters against the material).
DEPLOYMENT_CLIENT_RULES = ("client.deployment", "client.auth")


def judge_deployment(facts: DeploymentFacts, material: Optional[Material] = None, *, at=None,
                     request: Optional[Request] = None) -> tuple[CheckResult, ...]:
    """The deployment rules alone (the config family and the application's client.* rules), run by the registry in
    report order, judging the Milvus line the deployment's image names as the pipeline does."""
    import datetime as dt

    if request is None:
        tag = facts.image.tag if facts.image is not None else None
        request = Request(paths={}, milvus_version=tag.lstrip("v") if tag else None,
                          milvus_version_source=facts.image.source if tag else "")
    material = with_deployment_files(material or Material({}), facts)   # what the pipeline loads for the rules
    ctx = Context(request, material, (), at or dt.datetime.now(dt.timezone.utc), deployment=facts)
    wanted = {spec.id for spec in registered_rules() if spec.module == "config"} | set(DEPLOYMENT_CLIENT_RULES)
    return run_rules(ctx, only=wanted)


def deployment(secrets: Optional[SecretFolder] = None, **kw) -> Seen:
    facts = read_deployment_facts(secrets=secrets, **kw)
    dp = deployment_paths(facts)
    checks = judge_deployment(facts)
    notes = deployment_notes(facts) + tuple(c.reason for c in checks if c.reason)
    return Seen(facts, dp.paths, tuple(f for c in checks for f in c.findings), notes, dp.tls_mode,
                dp.client_explicit, dp.server_name, container_paths(facts))


# ---- a loopback grpcio server and client, built the way Milvus (tlsMode 2) and pymilvus build theirs --------------
# grpc is imported inside, so modules that never shake hands do not load it.

SERVICE = "milvus_tls_check.test.Echo"
METHOD = f"/{SERVICE}/Ping"
HANDSHAKE_NAME = "milvus.example.com"


@contextlib.contextmanager
def mtls_server(server_dir: Path, ca_dir: Optional[Path] = None) -> Iterator[int]:
    """A grpcio server on 127.0.0.1 presenting server_dir's server.pem/server.key and requiring a client
    certificate signed by ca_dir's ca.pem (as Milvus does in tlsMode 2); yields its port."""
    import grpc
    from concurrent import futures
    ca_dir = ca_dir or server_dir
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    try:
        handler = grpc.method_handlers_generic_handler(
            SERVICE, {"Ping": grpc.unary_unary_rpc_method_handler(lambda request, context: b"pong:" + request)})
        server.add_generic_rpc_handlers((handler,))
        creds = grpc.ssl_server_credentials(
            [((server_dir / "server.key").read_bytes(), (server_dir / "server.pem").read_bytes())],
            root_certificates=(ca_dir / "ca.pem").read_bytes(), require_client_auth=True)
        port = server.add_secure_port("127.0.0.1:0", creds)
        assert port, "could not bind a port on 127.0.0.1"
        server.start()
        yield port
    finally:
        server.stop(grace=None).wait(5)


def grpc_call(port: int, ca_pem: Path, client_dir: Optional[Path], server_name: Optional[str] = HANDSHAKE_NAME,
              timeout: float = 10) -> bytes:
    """One unary call over a channel built like pymilvus' mutual-TLS channel (client_dir=None: no client cert)."""
    import grpc
    creds = grpc.ssl_channel_credentials(
        root_certificates=ca_pem.read_bytes(),
        private_key=(client_dir / "client.key").read_bytes() if client_dir else None,
        certificate_chain=(client_dir / "client.pem").read_bytes() if client_dir else None)
    options = [("grpc.use_local_subchannel_pool", 1)]
    if server_name:
        options.append(("grpc.ssl_target_name_override", server_name))
    with grpc.secure_channel(f"127.0.0.1:{port}", creds, options=options) as channel:
        return channel.unary_unary(METHOD)(b"hello", timeout=timeout)


# --- the broken sets of the fix-follow and repair tests (tests/make-repair-sets.sh) -------------------------------

REPAIR_SETS = ("key-from-another-run", "cn-only", "name-missing", "client-without-clientauth", "both-expired",
               "chain-wrong-order", "intermediate-beside", "ca-not-ca", "bom", "client-from-regenerated-ca",
               "server-ku-without-digital-signature")


def server_names(pem: Path) -> set[str]:
    """The DNS and IP names of the server leaf in a PEM file (a BOM tolerated, CA certificates skipped)."""
    from cryptography import x509

    certs = x509.load_pem_x509_certificates(pem.read_bytes().lstrip(b"\xef\xbb\xbf"))

    def is_ca(cert) -> bool:
        try:
            return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            return False
    leaf = next(c for c in certs if not is_ca(c))
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    return {str(v) for v in san.get_values_for_type(x509.DNSName)} | \
        {str(v) for v in san.get_values_for_type(x509.IPAddress)}
