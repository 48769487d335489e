"""client.*: what pymilvus will really do with the parameters it is given (grpc_handler._setup_grpc_channel).

Two rules, one place:
- client.deployment: the application's own arguments (--pymilvus-args, in ctx.deployment) against the tlsMode the
  deployment files configure;
- client.params: the parameters of each evaluated mode (flags, defaults, or those same arguments) against the mode.
A code the first rule reports about the application's arguments is not repeated by the second.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..facts.pymilvus import MUTUAL_KEYWORDS, TRUST_MUTUAL, TRUST_SYSTEM_ROOTS
from ..findings import finding
from ..model import Finding, Role, Severity
from . import Context, not_run, result, rule
from ._deployment_certs import certs_at, is_deployment_file

if TYPE_CHECKING:   # imported where a deployment is judged: a `--dir` run has none (tests/test_speed_imports.py)
    from ..facts.deployment import DeploymentFacts

MUTUAL_ARGS = MUTUAL_KEYWORDS
SUBJECT_CLIENT = "pymilvus arguments"


def _plain_client(ctx: Context) -> bool:
    uri = (ctx.request.uri or "").lower()
    return uri.startswith(("http://", "tcp://"))


def _private_server_cert(ctx: Context) -> bool:
    """Is the server certificate self-signed or issued by a CA in the material (so no system root holds it)?"""
    server = ctx.file(Role.SERVER_CERT)
    if server is None or not server.certs:
        return False
    leaf = server.certs[0]
    return leaf.issuer == leaf.subject or any(
        c.subject == leaf.issuer for f in ctx.material.files.values() for c in f.certs)


def _private_issuer(ctx: Context, f: DeploymentFacts) -> Optional[bool]:
    """Is the deployment's server certificate self-signed or issued by tls.caPemPath (no system root holds it)?"""
    info = f.paths.get("tls.serverPemPath")
    if info is None or not is_deployment_file(ctx, info.host):
        return None
    chain = certs_at(ctx, info.host, Role.SERVER_CERT)
    if not chain:
        return None
    top = chain[-1]
    if top.issuer == top.subject:
        return True
    ca = f.paths.get("tls.caPemPath")
    if ca and is_deployment_file(ctx, ca.host):
        if any(c.subject == top.issuer for c in certs_at(ctx, ca.host, Role.SERVER_CA)):
            return True
    return None


def deployment_client_findings(ctx: Context) -> list[Finding]:
    """The application's own pymilvus arguments against the deployment's tlsMode."""
    f = ctx.deployment
    a = f.client if f is not None else None
    if a is None:
        return []
    out: list[Finding] = []
    m = f.mode_value
    known = f.tls_mode is not None
    plain_server = known and m not in (1, 2)
    given_mutual = list(a.mutual_given)
    client_pair = [k for k in ("client_pem_path", "client_key_path") if getattr(a, k)]
    src = a.source

    if a.server_pem_path and client_pair:
        tail = {1: "; harmless with tlsMode 1 (the server asks for no client certificate), but the client files do "
                   "nothing", 2: "; the tlsMode 2 server then refuses the handshake"}.get(m, "; a tlsMode 2 server "
                                                                                          "refuses that handshake")
        out.append(finding("client.params_conflict", SUBJECT_CLIENT,
                           f"{src} sets server_pem_path together with {' and '.join(client_pair)}: pymilvus builds a "
                           f"one-way channel trusting {a.server_pem_path} and never sends the client certificate{tail}.",
                           severity=Severity.WARNING if m == 1 else None, modes=(1,) if m == 1 else (2,)))
    elif not a.server_pem_path and 0 < len(given_mutual) < 3 and (a.secure or f.tls_on):
        missing = [k for k in MUTUAL_ARGS if k not in given_mutual]
        out.append(finding("client.params_incomplete", SUBJECT_CLIENT,
                           f"{src} sets only {' and '.join(given_mutual)}; without {' and '.join(missing)} pymilvus "
                           f"ignores {'it' if len(given_mutual) == 1 else 'them'}, verifies the server against the "
                           "system roots (which hold no private CA) and sends no client certificate."))

    if not known:
        return out
    raw = f.tls_mode.raw.text
    if plain_server and a.secure:
        how = "the URI is https://" if a.scheme == "https" else "secure=True"
        out.append(finding("client.mode_mismatch", SUBJECT_CLIENT,
                           f"pymilvus uses TLS ({how}) but common.security.tlsMode is {raw!r}: the server answers in "
                           "plaintext and the handshake fails (WRONG_VERSION_NUMBER)."))
    elif f.tls_on and not a.secure:
        ignored = f" and ignores {', '.join(a.tls_paths)}" if a.tls_paths else ""
        target = f"the URI is {a.uri}" if a.uri else "no https:// URI"
        out.append(finding("client.mode_mismatch", SUBJECT_CLIENT,
                           f"tlsMode is {m} but {target} and secure is not set: pymilvus opens a plaintext channel"
                           f"{ignored}; the TLS server drops it."))
    elif m == 2 and a.secure and not client_pair and a.trust != TRUST_MUTUAL and not given_mutual:
        what = (f"only server_pem_path ({a.server_pem_path}), the one-way arguments" if a.server_pem_path
                else "no certificates at all")
        out.append(finding("client.mode_mismatch", SUBJECT_CLIENT,
                           f"tlsMode is 2 (mutual) but {src} passes {what}: pymilvus sends no client certificate and "
                           "the server ends the handshake (\"client didn't provide a certificate\")."))
    elif m == 1 and a.secure and a.trust == TRUST_SYSTEM_ROOTS and not given_mutual:
        private = _private_issuer(ctx, f)
        out.append(finding("client.mode_mismatch", SUBJECT_CLIENT,
                           f"tlsMode is 1 and {src} passes no server_pem_path: pymilvus verifies the server against the "
                           "system roots" + (", which do not hold this deployment's private CA (the server certificate "
                                             "is self-signed or issued by tls.caPemPath)" if private else
                                             "; that works only for a certificate from a public CA"),
                           severity=None if private else Severity.WARNING, modes=(1,)))
    return out


@rule("client.deployment", codes=("client.params_conflict", "client.params_incomplete", "client.mode_mismatch"))
def check_deployment_client(ctx: Context):
    findings = deployment_client_findings(ctx)
    if findings:
        yield result("client.deployment", "the application's pymilvus arguments fit the configured tlsMode",
                     SUBJECT_CLIENT, findings)


def auth_findings(ctx: Context) -> list[Finding]:
    """client.auth_missing: the deployment turns authorization on, the application's arguments carry no
    credentials (Milvus answers UNAUTHENTICATED after a good handshake)."""
    f = ctx.deployment
    a = f.client if f is not None else None
    if a is None or not f.has_config:
        return []
    from ..facts.deployment import effective, parse_bool
    auth = effective(f.config, "common.security.authorizationEnabled")
    if parse_bool(auth.text) is not True or a.has_credentials:
        return []
    given = ("user without password" if a.has_user else "password without user" if a.has_password
             else "no token, user or password")
    return [finding("client.auth_missing", SUBJECT_CLIENT,
                    f"{auth.written_as} is true ({auth.source}) but {a.source} passes {given}: after a good TLS "
                    "handshake every call is answered UNAUTHENTICATED, which pymilvus reports like a connection "
                    "failure.",
                    fix=f"Add `\"token\": \"USER:PASSWORD\"` (or `\"user\"` and `\"password\"`) to the "
                        f"MilvusClient arguments ({a.source}); the first account is root, password Milvus until "
                        "changed.")]


@rule("client.auth", codes=("client.auth_missing",))
def check_client_auth(ctx: Context):
    found = auth_findings(ctx)
    if found:
        yield result("client.auth", "the application passes credentials where authorization is on", SUBJECT_CLIENT,
                     found)


CLIENT_FLAGS = "--client-pem PATH --client-key PATH"
NO_CLIENT_REASON = ("no client certificate was given, so the client side of mutual TLS (tlsMode 2) cannot be "
                    "judged; give the files the application passes as client_pem_path and client_key_path: "
                    "--client-pem PATH --client-key PATH")


def no_client_material(ctx: Context, params) -> bool:
    """Mode 2 with no client certificate or key anywhere in the input (and no one-way server_pem_path chosen): the
    input is missing, not wrong. The application's own arguments (--pymilvus-args) are judged as they are."""
    if ctx.request.client_exact or params.server_pem_path:
        return False
    return not (params.client_pem_path or params.client_key_path)


def _codes_said(ctx: Context) -> set[str]:
    return {f.code for f in deployment_client_findings(ctx)} if ctx.deployment is not None else set()


@rule("client.params", codes=("client.params_conflict", "client.params_incomplete", "client.cert_missing",
                              "chain.untrusted"))
def check_client_params(ctx: Context):
    if _plain_client(ctx):
        return  # a plaintext client has no TLS parameters; the live attempt tells whether the server agrees
    already = _codes_said(ctx)   # the application's arguments were judged by client.deployment: say it once
    for mode in ctx.modes:
        if mode not in (1, 2):
            continue   # tlsMode 0: no TLS parameters to judge; config.* and client.deployment say the rest
        params = ctx.client(mode)
        subject = f"pymilvus parameters for tlsMode {mode}"
        findings = []
        if mode == 2 and no_client_material(ctx, params):
            yield not_run("client", f"mode {mode}: pymilvus parameters select the right channel", subject,
                          NO_CLIENT_REASON, mode=mode)
            continue
        if mode == 2 and not params.sends_client_cert:
            given = [k for k in MUTUAL_ARGS if getattr(params, k)]
            if params.server_pem_path and (params.client_pem_path or params.client_key_path):
                if "client.params_conflict" not in already:
                    ignored = " and ".join(k for k in given if k != "ca_pem_path")
                    findings.append(finding("client.params_conflict", subject, "server_pem_path is set, so pymilvus "
                                            f"builds a one-way channel and ignores {ignored}.", modes=(2,)))
            elif given and not params.server_pem_path and "client.params_incomplete" not in already:
                missing = [k for k in MUTUAL_ARGS if k not in given]
                findings.append(finding("client.params_incomplete", subject,
                                        f"only {', '.join(given)} given; without {', '.join(missing)} pymilvus "
                                        "falls back to the system roots and sends no client certificate.",
                                        modes=(2,)))
            findings.append(finding("client.cert_missing", subject,
                                    "tlsMode 2 requires a client certificate, and pymilvus will send none with "
                                    "these parameters.", modes=(2,)))
        elif mode == 1 and params.trust == TRUST_SYSTEM_ROOTS and "client.mode_mismatch" not in already:
            private = _private_server_cert(ctx)
            findings.append(finding(
                "chain.untrusted", subject,
                "no server_pem_path (and not all three mutual parameters): pymilvus trusts only the system roots"
                + (", which do not hold this server's private CA." if private else
                   "; that works only if a public CA issued the server certificate."),
                severity=Severity.ERROR if private else Severity.WARNING, modes=(1,)))
        yield result("client", f"mode {mode}: pymilvus parameters select the right channel", subject, findings,
                     mode=mode)


# Report position of this family (rules/__init__.registered_rules).
ORDER = 90
