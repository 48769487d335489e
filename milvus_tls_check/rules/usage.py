"""eku.*, ku.*: is each certificate allowed for the job it does in the handshake."""
from __future__ import annotations

from typing import Optional

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from ..findings import finding
from ..material import subject_of
from ..model import Role, Severity
from . import Context, not_run, result

ANY_EKU = ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE


def eku_allows(cert: x509.Certificate, purpose) -> tuple[bool, list[str]]:
    """(allowed, listed names). No extendedKeyUsage at all allows everything, as in Go and BoringSSL."""
    try:
        usages = list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return True, []
    names = [getattr(u, "_name", None) or u.dotted_string for u in usages]
    return (purpose in usages or ANY_EKU in usages), names


def key_usage(cert: x509.Certificate) -> Optional[x509.KeyUsage]:
    try:
        return cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None


def _name(cert) -> str:
    return cert.subject.rfc4514_string() or "(empty subject)"


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
                                        f"{_name(leaf)} has a keyUsage without digitalSignature; the server key "
                                        "cannot sign the TLS handshake for pymilvus."))
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
        ok, names = eku_allows(cert, ExtendedKeyUsageOID.CLIENT_AUTH)
        if not ok:
            which = "the client certificate" if index == 0 else f"intermediate {_name(cert)}"
            findings.append(finding("eku.client_auth_missing", subject,
                                    f"{which} has extendedKeyUsage {', '.join(names)} without clientAuth; Go "
                                    "refuses it: \"x509: certificate specifies an incompatible key usage\".",
                                    modes=(2,)))
    ku = key_usage(client.certs[0])
    if ku is not None and not ku.digital_signature:
        findings.append(finding("ku.digital_signature_missing", subject,
                                f"{_name(client.certs[0])} has a keyUsage without digitalSignature; Go ignores "
                                "keyUsage, so Milvus accepts it, but other servers may not.",
                                severity=Severity.INFO, modes=(2,)))
    yield result("usage.client", title, subject, findings, mode=2)
