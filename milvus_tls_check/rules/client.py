"""client.*: what pymilvus will really do with the parameters it is given (grpc_handler._setup_grpc_channel)."""
from __future__ import annotations

from ..findings import finding
from ..model import Role, Severity
from . import Context, result

MUTUAL_ARGS = ("client_pem_path", "client_key_path", "ca_pem_path")


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


def check_client_params(ctx: Context):
    if _plain_client(ctx):
        return  # a plaintext client has no TLS parameters; the live attempt tells whether the server agrees
    # The deployment reader may already have judged the application's own arguments: say it once.
    already = {f.code for f in ctx.request.preflight}
    for mode in ctx.modes:
        params = ctx.client(mode)
        subject = f"pymilvus parameters for tlsMode {mode}"
        findings = []
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
        elif mode == 1 and params.trust == "system_roots" and "client.mode_mismatch" not in already:
            private = _private_server_cert(ctx)
            findings.append(finding(
                "chain.untrusted", subject,
                "no server_pem_path (and not all three mutual parameters): pymilvus trusts only the system roots"
                + (", which do not hold this server's private CA." if private else
                   "; that works only if a public CA issued the server certificate."),
                severity=Severity.ERROR if private else Severity.WARNING, modes=(1,)))
        yield result("client", f"mode {mode}: pymilvus parameters select the right channel", subject, findings,
                     mode=mode)
