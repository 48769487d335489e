"""name.*: will grpc accept the server certificate for the name pymilvus checks.

The matching follows grpc core (src/core/tsi/ssl_transport_security.cc, tsi_ssl_peer_matches_name): the name is
server_name (grpc.ssl_target_name_override) or the dialled host; case-insensitive; trailing dots ignored; a
wildcard only as the whole left-most label and never over a top-level domain; an IP name matches IP SANs only;
the CN is consulted only when the certificate has no SAN entry at all and the name is not an IP.
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
    if not entry:
        return False
    name, entry = name.rstrip("."), entry[:-1] if entry.endswith(".") else entry
    if not entry:
        return False
    if entry.lower() == name.lower():
        return True
    if not entry.startswith("*") or len(entry) < 3 or entry[1] != ".":
        return False
    dot = name.find(".")
    if dot == -1 or dot >= len(name) - 2:
        return False
    subdomain = name[dot + 1:]
    inner = subdomain.find(".")
    if inner == -1 or inner == len(subdomain) - 1:
        return False  # "*.com" never matches
    return subdomain.rstrip(".").lower() == entry[2:].lower()


def san_entries(cert: x509.Certificate) -> Optional[x509.SubjectAlternativeName]:
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None


def common_names(cert: x509.Certificate) -> list[str]:
    return [str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]


def grpc_name_match(cert: x509.Certificate, name: str) -> tuple[bool, str]:
    """(matches, how): how is 'san', 'cn' or a description of what was compared."""
    san = san_entries(cert)
    dns = san.get_values_for_type(x509.DNSName) if san else []
    ips = san.get_values_for_type(x509.IPAddress) if san else []
    counted = len(dns) + len(ips) + (len(san.get_values_for_type(x509.RFC822Name))
                                     + len(san.get_values_for_type(x509.UniformResourceIdentifier)) if san else 0)
    as_ip = _ip(name)
    if as_ip is not None:
        return any(ip == as_ip for ip in ips), "san"
    if any(dns_entry_matches(entry, name) for entry in dns):
        return True, "san"
    if counted == 0 and any(dns_entry_matches(cn, name) for cn in common_names(cert)):
        return True, "cn"
    return False, "none"


def describe_names(cert: x509.Certificate) -> str:
    san = san_entries(cert)
    parts = []
    if san:
        parts += [f"DNS:{d}" for d in san.get_values_for_type(x509.DNSName)]
        parts += [f"IP:{i}" for i in san.get_values_for_type(x509.IPAddress)]
    parts += [f"CN={cn}" for cn in common_names(cert)] if not parts else []
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
        if _ip(name) is not None and common_names(leaf) and common_names(leaf)[0] == name:
            hint = " An IP target never matches the CN; it needs an IP SAN."
        findings.append(finding("name.mismatch", subject, f"{name!r} is not among the certificate's names "
                                f"({describe_names(leaf)}); grpc: \"Peer name {name} is not in peer certificate\".{hint}"))
    if san_entries(leaf) is None:
        findings.append(finding("name.cn_only", subject, f"{leaf.subject.rfc4514_string()} has no subjectAltName; "
                                f"grpc{' accepts it through the CN' if how == 'cn' else ' would fall back to the CN'}, "
                                "Go and most other clients do not."))
    yield result("names", title, subject, findings)
