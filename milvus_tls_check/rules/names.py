"""name.*: will grpc accept the server certificate for the name pymilvus checks.

grpcio 1.8x checks the host with its HostNameCertificateVerifier (src/core/lib/security/credentials/tls/
grpc_tls_certificate_verifier.cc), observed here against real handshakes: the name is server_name
(grpc.ssl_target_name_override) or the dialled host; DNS SANs first (case-insensitive, trailing dot ignored,
a wildcard only as the whole left-most label and never across labels); then IP SANs, exact match; then the
subject CN, but only when the certificate has no DNS SAN (IP and URI SANs do not stop the CN fallback, and an IP
name can match a CN). The older rule in KNOWLEDGE.md (any SAN blocks the CN, IP names never match the CN) is
what grpc's legacy tsi_ssl_peer_matches_name did.
"""
from __future__ import annotations

from ..facts.x509 import (as_ip, common_names, describe_names, dns_entry_matches, grpc_name_match,  # noqa: F401
                          san_entries, san_strings, split_host_port)
from ..findings import finding, fix_for
from ..material import subject_of
from ..model import Role
from . import Context, not_run, result, rule

# Transitional re-exports (the functions live in facts.x509): handshake/probe.py and handshake/rehearsal.py import
# san_strings from here; remove once they import facts.x509.
__all__ = ["check_server_name", "common_names", "describe_names", "dns_entry_matches", "grpc_name_match",
           "san_entries", "san_strings"]


@rule("names", codes=("name.mismatch", "name.trailing_dot", "name.cn_only"))
def check_server_name(ctx: Context):
    server = ctx.file(Role.SERVER_CERT)
    name = ctx.request.server_name
    title = f"server certificate names {name!r} (as grpc matches server_name)"
    if server is None:
        return
    subject = subject_of(Role.SERVER_CERT, server.path)
    if not server.certs:
        yield not_run("names", title, subject, "the server certificate could not be parsed")
        return
    if not name:
        yield not_run("names", title, subject, "no server_name and no target host to check")
        return
    leaf = server.certs[0]
    given = name
    # grpc core splits host and port of the target name and of ssl_target_name_override (SplitHostPort in the SSL
    # channel security connector): server_name "localhost:19530" is checked (and sent as SNI) as "localhost".
    name, _port = split_host_port(name)
    ok, how = grpc_name_match(leaf, name)
    findings = []
    if not ok:
        hint = ""
        if as_ip(name) is not None:
            hint = f" An IP target needs `IP:{name}` in the SAN (or server_name set to a DNS name the cert carries)."
        shown = name if given == name else f"{name} (the host part of server_name {given!r})"
        findings.append(finding("name.mismatch", subject, f"{shown!r} is not among the certificate's names "
                                f"({describe_names(leaf)}); grpc: \"Hostname Verification Check failed\".{hint}",
                                fix=fix_for("name.mismatch", name=name.rstrip(".") or name,
                                            ip=as_ip(name) is not None, names=describe_names(leaf),
                                            cert=server.path, deployment=ctx.deployment)))
    if name.endswith(".") and as_ip(name.rstrip(".")) is None:
        findings.append(finding("name.trailing_dot", subject, f"server_name {name!r} ends in a dot; grpc sends it as "
                                "SNI and Milvus's Go server ends the handshake (\"tls: unexpected message\")."))
    if how == "cn" or (not ok and san_entries(leaf) is None):
        findings.append(finding("name.cn_only", subject, f"{leaf.subject.rfc4514_string()} has no DNS name in a "
                                f"subjectAltName; grpc{' accepts it through the CN' if how == 'cn' else ' falls back to the CN'}"
                                ", Go and most other clients do not.",
                                fix=fix_for("name.cn_only", name=name.rstrip(".") if ok else _cn_or(leaf, name),
                                            ip=as_ip(name.rstrip(".") if ok else _cn_or(leaf, name)) is not None,
                                            cert=server.path, deployment=ctx.deployment)))
    yield result("names", title, subject, findings)


def _cn_or(leaf, name: str) -> str:
    """The name the SAN should carry: the CN the certificate was made for, else the name checked."""
    cns = common_names(leaf)
    return cns[0] if cns else name.rstrip(".")


# Report position of this family (rules/__init__.registered_rules).
ORDER = 60
