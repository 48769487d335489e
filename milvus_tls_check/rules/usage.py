"""eku.*, ku.*: is each certificate allowed for the job it does in the handshake."""
from __future__ import annotations

from ..facts.x509 import CLIENT_AUTH, eku_allows, key_usage, readable_name
from ..findings import finding, fix_for
from ..material import subject_of
from ..model import Role, Severity
from . import Context, not_run, result, rule


@rule("usage", codes=("ku.digital_signature_missing", "eku.client_auth_missing"))
def check_usage(ctx: Context):
    server = ctx.file(Role.SERVER_CERT)
    if server is not None:
        subject = subject_of(Role.SERVER_CERT, server.path)
        if not server.certs:
            yield not_run("usage.server", "server certificate key may sign the handshake", subject,
                          "the server certificate could not be parsed")
        else:
            # The serverAuth purpose is judged per mode in the chain rule: it depends on what the client anchors.
            leaf, findings = server.certs[0], []
            ku = key_usage(leaf)
            if ku is not None and not ku.digital_signature:
                findings.append(finding("ku.digital_signature_missing", subject,
                                        f"{readable_name(leaf)} has a keyUsage without digitalSignature; the server key "
                                        "cannot sign the TLS handshake for pymilvus.",
                                        fix=fix_for("ku.digital_signature_missing", file=server.path,
                                                    deployment=ctx.deployment)))
            yield result("usage.server", "server certificate key may sign the handshake", subject, findings)
    if 2 not in ctx.modes or not ctx.client(2).sends_client_cert:
        return
    client = ctx.file(Role.CLIENT_CERT)
    if client is None:
        return
    subject = subject_of(Role.CLIENT_CERT, client.path)
    title = "mode 2: client certificate allows clientAuth"
    if not client.certs:
        yield not_run("usage.client", title, subject, "the client certificate could not be parsed", mode=2)
        return
    findings = []
    for index, cert in enumerate(client.certs):
        ok, names = eku_allows(cert, CLIENT_AUTH)
        if not ok:
            which = "the client certificate" if index == 0 else f"intermediate {readable_name(cert)}"
            findings.append(finding("eku.client_auth_missing", subject,
                                    f"{which} has extendedKeyUsage {', '.join(names)} without clientAuth; Go "
                                    "refuses it: \"x509: certificate specifies an incompatible key usage\".",
                                    modes=(2,), fix=fix_for("eku.client_auth_missing", file=client.path,
                                                            what=readable_name(cert) if index else "",
                                                            deployment=ctx.deployment)))
    ku = key_usage(client.certs[0])
    if ku is not None and not ku.digital_signature:
        findings.append(finding("ku.digital_signature_missing", subject,
                                f"{readable_name(client.certs[0])} has a keyUsage without digitalSignature; Go ignores "
                                "keyUsage, so Milvus accepts it, but other servers may not.",
                                severity=Severity.INFO, modes=(2,),
                                fix=fix_for("ku.digital_signature_missing", file=client.path,
                                            deployment=ctx.deployment)))
    yield result("usage.client", title, subject, findings, mode=2)


# Report position of this family (rules/__init__.registered_rules).
ORDER = 70
