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

import ipaddress
from typing import Optional

from cryptography import x509
from cryptography.x509.oid import NameOID

from ..findings import finding
from ..material import subject_of
from ..model import Role
from . import Context, not_run, result


def _ip(name: str) -> Optional[ipaddress._BaseAddress]:
    try:
        return ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return None


def dns_entry_matches(entry: str, name: str) -> bool:
    """grpc's VerifySubjectAlternativeName (tls_utils.cc)."""
    if not entry or entry.startswith(".") or not name or name.startswith("."):
        return False
    entry = (entry if entry.endswith(".") else entry + ".").lower()
    name = (name if name.endswith(".") else name + ".").lower()
    if "*" not in entry:
        return entry == name
    if not entry.startswith("*.") or entry == "*.":
        return False
    suffix = entry[1:]                    # ".example.com."
    if "*" in suffix or not name.endswith(suffix):
        return False
    label = name[: len(name) - len(suffix)]
    return bool(label) and "." not in label   # the wildcard never spans labels


def san_entries(cert: x509.Certificate) -> Optional[x509.SubjectAlternativeName]:
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None


def common_names(cert: x509.Certificate) -> list[str]:
    return [str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]


def grpc_name_match(cert: x509.Certificate, name: str) -> tuple[bool, str]:
    """(matches, how): how is 'dns', 'ip', 'cn' or 'none'."""
    san = san_entries(cert)
    dns = san.get_values_for_type(x509.DNSName) if san else []
    ips = san.get_values_for_type(x509.IPAddress) if san else []
    if any(dns_entry_matches(entry, name) for entry in dns):
        return True, "dns"
    as_ip = _ip(name)
    if as_ip is not None and any(ip == as_ip for ip in ips):
        return True, "ip"
    cns = common_names(cert)
    if not dns and cns and dns_entry_matches(cns[0], name):
        return True, "cn"
    return False, "none"


def san_strings(cert: x509.Certificate) -> list[str]:
    """The SAN's DNS and IP entries as openssl prints them ("DNS:localhost", "IP:127.0.0.1")."""
    san = san_entries(cert)
    if san is None:
        return []
    return ([f"DNS:{d}" for d in san.get_values_for_type(x509.DNSName)]
            + [f"IP:{i}" for i in san.get_values_for_type(x509.IPAddress)])


def describe_names(cert: x509.Certificate) -> str:
    parts = san_strings(cert) or [f"CN={cn}" for cn in common_names(cert)]
    return ", ".join(parts) or "no names at all"


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
    ok, how = grpc_name_match(leaf, name)
    findings = []
    if not ok:
        hint = ""
        if _ip(name) is not None:
            hint = f" An IP target needs `IP:{name}` in the SAN (or server_name set to a DNS name the cert carries)."
        findings.append(finding("name.mismatch", subject, f"{name!r} is not among the certificate's names "
                                f"({describe_names(leaf)}); grpc: \"Hostname Verification Check failed\".{hint}"))
    if name.endswith(".") and _ip(name.rstrip(".")) is None:
        findings.append(finding("name.trailing_dot", subject, f"server_name {name!r} ends in a dot; grpc sends it as "
                                "SNI and Milvus's Go server ends the handshake (\"tls: unexpected message\")."))
    if how == "cn" or (not ok and san_entries(leaf) is None):
        findings.append(finding("name.cn_only", subject, f"{leaf.subject.rfc4514_string()} has no DNS name in a "
                                f"subjectAltName; grpc{' accepts it through the CN' if how == 'cn' else ' falls back to the CN'}"
                                ", Go and most other clients do not."))
    yield result("names", title, subject, findings)
