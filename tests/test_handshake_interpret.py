"""Plan -> raw attempts -> interpretation -> verdict, without a network: plans from a Request and Material built
here, recorded raw outcomes, and the pure functions (handshake.plan_handshakes, handshake.interpret, verdict.*)."""
from __future__ import annotations

from dataclasses import replace

from tests.certfactory import good_set
from milvus_tls_check.handshake import RawAttempt, interpret, plan_handshakes
from milvus_tls_check.handshake.plan import WONT_START
from milvus_tls_check.material import load_material
from milvus_tls_check.model import (ClientKind, Finding, Handshake, Material, Report, Request, Role, ServerImpl,
                                    ServerKind, Severity, Side, Verdict)
from milvus_tls_check.verdict import client_verdicts, may_be_advisory, overall, reconcile

PREFIX = "failed to connect to all addresses; last error: "
SOCKET_CLOSED = PREFIX + "UNAVAILABLE: ipv4:127.0.0.1:37733: Socket closed"
NO_COMMON = (PREFIX + "UNKNOWN: ipv4:127.0.0.1:34061: Tls handshake failed (TSI_PROTOCOL_FAILURE): SSL_ERROR_SSL: "
             "error:100000fd:SSL routines:OPENSSL_internal:NO_COMMON_SIGNATURE_ALGORITHMS")
BOM_ROOTS = PREFIX + "UNKNOWN: ipv4:127.0.0.1:46877: Failed to create security handshaker."
EXPIRED = (PREFIX + "UNKNOWN: ipv4:127.0.0.1:45341: Tls handshake failed (TSI_PROTOCOL_FAILURE): SSL_ERROR_SSL: "
           "error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED: certificate has expired: OK")


def _request(tmp_path, **changes) -> Request:
    files = good_set().write(tmp_path / "set")
    paths = {Role.SERVER_CERT: str(files["server.pem"]), Role.SERVER_KEY: str(files["server.key"]),
             Role.SERVER_CA: str(files["ca.pem"]), Role.CLIENT_CERT: str(files["client.pem"]),
             Role.CLIENT_KEY: str(files["client.key"]), Role.CLIENT_CA: str(files["ca.pem"])}
    return replace(Request(paths=paths), **changes)


def _error(code: str, subject: str) -> Finding:
    return Finding(code, Severity.ERROR, subject, "seen by the static checks", "fix it")


# --- plan ----------------------------------------------------------------------------------------------------
def test_rehearsal_plan_names_clients_and_servers(tmp_path):
    request = _request(tmp_path, run_pymilvus=True)
    plan = plan_handshakes(request, (1, 2), load_material(request))
    assert [(a.mode, a.client.kind, a.server.kind) for a in plan.attempts] == [
        (1, ClientKind.PYMILVUS_GRPCIO, ServerKind.GRPCIO_REHEARSAL), (1, ClientKind.PYMILVUS, ServerKind.GRPCIO_REHEARSAL),
        (2, ClientKind.PYMILVUS_GRPCIO, ServerKind.GRPCIO_REHEARSAL), (2, ClientKind.PYMILVUS, ServerKind.GRPCIO_REHEARSAL)]
    assert all(s.runnable for s in plan.servers)
    assert plan.server(2).ca is not None and plan.server(1).ca is None
    assert plan.attempts[0].params.server_name == "localhost"


def test_go_rehearsal_has_its_place_in_the_plan(tmp_path):
    request = _request(tmp_path)
    go = ServerImpl(ServerKind.GO_REHEARSAL, "1.21.13")
    plan = plan_handshakes(request, (2,), load_material(request), rehearsal=go)
    assert plan.server(2).impl == go and plan.attempts[0].server == go


def test_static_refusal_makes_the_rehearsal_not_runnable(tmp_path):
    """key.mismatch on the server key: Milvus would not start; the plan says so instead of re-proving the pair."""
    request = _request(tmp_path)
    key = request.path(Role.SERVER_KEY)
    plan = plan_handshakes(request, (1, 2), load_material(request), (_error("key.mismatch", f"server_key ({key})"),))
    assert all(not s.runnable and s.not_runnable.startswith(WONT_START) and "key.mismatch" in s.not_runnable
               for s in plan.servers)
    raws = [RawAttempt(a, ran=False, error=plan.server(a.mode).not_runnable) for a in plan.attempts]
    hs = interpret(plan, raws)
    assert [(h.code, h.could_not_run) for h in hs] == [("handshake.not_run", True)] * 2


def test_client_file_findings_do_not_stop_the_server(tmp_path):
    request = _request(tmp_path)
    key = request.path(Role.CLIENT_KEY)
    plan = plan_handshakes(request, (2,), load_material(request), (_error("key.mismatch", f"client_key ({key})"),))
    assert plan.server(2).runnable


def test_ca_findings_stop_only_mode_2(tmp_path):
    request = _request(tmp_path)
    ca = request.path(Role.SERVER_CA)
    plan = plan_handshakes(request, (1, 2), load_material(request), (_error("file.not_pem", f"ca_pem ({ca})"),))
    assert plan.server(1).runnable and not plan.server(2).runnable


def test_live_plan_and_plaintext_uri(tmp_path):
    request = _request(tmp_path, uri="http://127.0.0.1:19530", run_pymilvus=True)
    plan = plan_handshakes(request, (1, 2), Material({}))
    assert [(a.modes, a.client.kind) for a in plan.attempts] == [
        ((1, 2), ClientKind.PYMILVUS_GRPCIO), ((1,), ClientKind.SSL_PROBE), ((1, 2), ClientKind.PYMILVUS)]
    assert all(a.server.kind is ServerKind.LIVE for a in plan.attempts)


def test_bad_uri(tmp_path):
    plan = plan_handshakes(_request(tmp_path, uri="grpc://x:1"), (1,), Material({}))
    (hs,) = interpret(plan, ())
    assert hs.code == "handshake.failed" and not hs.ok and hs.server_impl.kind is ServerKind.LIVE


# --- interpret -----------------------------------------------------------------------------------------------
def _rehearsal(tmp_path, modes=(1, 2)):
    request = _request(tmp_path)
    return plan_handshakes(request, modes, load_material(request))


def test_interpret_ok_and_versions(tmp_path):
    plan = _rehearsal(tmp_path, (2,))
    raw = RawAttempt(plan.attempts[0], ok=True, tls_version="TLSv1.3", seen_client_subject="CN=milvus-client",
                     client_version="1.85.3", server_impl_version="1.85.3", seconds=0.01)
    (hs,) = interpret(plan, (raw,))
    assert hs.ok and hs.code == "handshake.ok" and "CN=milvus-client" in hs.detail and hs.tls_version == "TLSv1.3"
    assert hs.client == "grpcio" and hs.client_impl.version == "1.85.3"
    assert hs.server_impl == ServerImpl(ServerKind.GRPCIO_REHEARSAL, "1.85.3")
    d = hs.to_dict()
    assert "client_impl" not in d and d["client"] == "grpcio"      # v1 as published, unless asked
    d = hs.to_dict(implementations=True)
    assert d["client_impl"] == {"kind": "grpcio", "version": "1.85.3"}
    assert d["server_impl"] == {"kind": "grpcio-rehearsal", "version": "1.85.3"} and d["side"] is None


def test_interpret_expired_server_cert_with_context(tmp_path):
    plan = _rehearsal(tmp_path, (1,))
    (hs,) = interpret(plan, (RawAttempt(plan.attempts[0], error=EXPIRED),))
    assert hs.code == "cert.expired" and hs.side is Side.CLIENT


def test_interpret_mode2_rejection_is_server_side(tmp_path):
    plan = _rehearsal(tmp_path, (2,))
    (hs,) = interpret(plan, (RawAttempt(plan.attempts[0], error=SOCKET_CLOSED, sent_cert=True),))
    assert hs.code == "tls.client_cert_rejected" and hs.side is Side.SERVER


def test_interpret_trusts_the_servers_own_words(tmp_path):
    """A Go rehearsal logs why it refused: that decides over the client's "Socket closed"."""
    plan = _rehearsal(tmp_path, (2,))
    raw = RawAttempt(plan.attempts[0], error=SOCKET_CLOSED, sent_cert=True, server_log=(
        "HANDSHAKE 127.0.0.1:5000 error: tls: failed to verify certificate: x509: certificate specifies an "
        "incompatible key usage",))
    (hs,) = interpret(plan, (raw,))
    assert hs.code == "eku.client_auth_missing" and hs.side is Side.SERVER and "Socket closed" in hs.detail


def test_interpret_params_error(tmp_path):
    plan = _rehearsal(tmp_path, (1,))
    (hs,) = interpret(plan, (RawAttempt(plan.attempts[0], error="pymilvus raises FileNotFoundError: x",
                                        params_error=True),))
    assert hs.code == "handshake.failed" and hs.side is Side.CLIENT


# --- verdict -------------------------------------------------------------------------------------------------
def _hs(code: str, side, *, mode=2, server=ServerKind.GRPCIO_REHEARSAL, client=ClientKind.PYMILVUS_GRPCIO):
    from milvus_tls_check.model import ClientImpl
    return Handshake(mode, "rehearsal", code == "handshake.ok", code, "detail", client_impl=ClientImpl(client),
                     server_impl=ServerImpl(server), side=side)


def test_server_side_rejection_is_advisory_only_where_go_accepts():
    hs = _hs("tls.client_cert_rejected", Side.SERVER)
    (out,), disagreements = reconcile((), (hs,))
    assert out.advisory and not out.counts and disagreements == ()
    static = (_error("eku.client_auth_missing", "client_pem (c.pem)"),)
    (out,), _ = reconcile(static, (hs,))
    assert not out.advisory and out.counts


def test_client_side_failure_is_never_overruled():
    """Issue 11 class 1: a CA with a BOM, a P-521 server key, RSA-PSS: the client stack's own verdict."""
    for hs in (_hs("handshake.failed", Side.CLIENT), _hs("handshake.failed", None),
               _hs("tls.server_cert_untrusted", Side.CLIENT)):
        (out,), disagreements = reconcile((), (hs,))
        assert not out.advisory and out.counts
        assert disagreements and "static checks pass but the rehearsal handshake failed" in disagreements[0]


def test_only_the_boringssl_rehearsal_may_be_overruled():
    for hs in (_hs("tls.client_cert_rejected", Side.SERVER, server=ServerKind.GO_REHEARSAL),
               _hs("tls.client_cert_rejected", Side.SERVER, server=ServerKind.LIVE),
               _hs("tls.client_cert_rejected", Side.SERVER, mode=1),
               _hs("tls.client_cert_required", Side.SERVER)):
        assert not may_be_advisory(hs, ())


def test_verdict_per_mode_and_per_client():
    hs = (_hs("handshake.ok", None, mode=1), _hs("handshake.ok", None, mode=2),
          _hs("tls.client_cert_rejected", Side.SERVER, mode=2, client=ClientKind.PYMILVUS,
              server=ServerKind.LIVE))
    assert overall((), hs, (1, 2), False) is Verdict.FAIL
    assert client_verdicts((), hs, (1, 2), False) == {
        (1, ClientKind.PYMILVUS_GRPCIO): Verdict.PASS, (2, ClientKind.PYMILVUS_GRPCIO): Verdict.PASS,
        (2, ClientKind.PYMILVUS): Verdict.FAIL}
    report = Report("fail", (1, 2), "localhost", (), (), hs)
    assert report.verdict is Verdict.FAIL and report.verdict == "fail" and f"{report.verdict}" == "fail"
    assert report.mode_verdict(1) == "pass" and report.mode_verdict(2) is Verdict.FAIL
    assert report.client_verdicts == client_verdicts((), hs, (1, 2), False)
    assert report.client_verdicts_dict() == {"1": {"grpcio": "pass"}, "2": {"grpcio": "pass", "pymilvus": "fail"}}


def test_added_keys_follow_the_published_schema(tmp_path):
    """The additive v1 keys (client_impl, server_impl, side, client_verdicts) are in docs/report-v1.schema.json."""
    import json
    from pathlib import Path

    import jsonschema

    schema = json.loads((Path(__file__).resolve().parent.parent / "docs" / "report-v1.schema.json").read_text())
    plan = _rehearsal(tmp_path, (2,))
    hs = interpret(plan, (RawAttempt(plan.attempts[0], error=SOCKET_CLOSED, sent_cert=True, client_version="1.85.3"),))
    report = Report("fail", (2,), "localhost", (), (), hs)
    doc = {"schema": report.schema, "verdict": report.verdict, "modes": [2], "server_name": "localhost",
           "findings": [], "handshakes": [h.to_dict(implementations=True) for h in hs],
           "client_verdicts": report.client_verdicts_dict()}
    jsonschema.validate(json.loads(json.dumps(doc)), schema)
    assert doc["handshakes"][0]["side"] == "server" and doc["client_verdicts"] == {"2": {"grpcio": "fail"}}
