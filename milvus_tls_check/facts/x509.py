"""X.509 facts, written once: extension getters, names, key descriptions, and the name-matching rules.

Pure functions over `cryptography` objects (stdlib + cryptography only). Every stage that looks inside a
certificate (material, rules, deploy, handshake) asks here instead of re-reading extensions itself. Nothing here
builds findings or knows about roles, requests or reports.
"""
from __future__ import annotations

import contextlib
import ipaddress
import warnings
from typing import Iterator, Optional, Union

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]

ANY_EKU = ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE
SERVER_AUTH = ExtendedKeyUsageOID.SERVER_AUTH
CLIENT_AUTH = ExtendedKeyUsageOID.CLIENT_AUTH

# Curves Go's crypto/tls and crypto/x509 can load (P-224 parses in crypto/x509 but TLS cannot use it).
GO_TLS_CURVES = ("secp256r1", "secp384r1", "secp521r1")


# --- parsing ---------------------------------------------------------------------------------------------------

@contextlib.contextmanager
def quiet_parsing() -> Iterator[None]:
    """cryptography warns (on stderr) about non-positive serials; the report says it instead (cert.serial_invalid)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def serial_number(cert: x509.Certificate) -> int:
    with quiet_parsing():
        return cert.serial_number


# --- extensions --------------------------------------------------------------------------------------------------

def _extension(cert: x509.Certificate, cls):
    try:
        return cert.extensions.get_extension_for_class(cls).value
    except x509.ExtensionNotFound:
        return None


def basic_constraints(cert: x509.Certificate) -> Optional[x509.BasicConstraints]:
    return _extension(cert, x509.BasicConstraints)


def basic_ca(cert: x509.Certificate) -> Optional[bool]:
    """CA flag from basicConstraints; None when the extension is absent."""
    bc = basic_constraints(cert)
    return None if bc is None else bc.ca


def path_length(cert: x509.Certificate) -> Optional[int]:
    """pathLenConstraint of a CA; None when absent, unlimited, or the certificate is not a CA."""
    bc = basic_constraints(cert)
    return bc.path_length if bc is not None and bc.ca else None


def key_usage(cert: x509.Certificate) -> Optional[x509.KeyUsage]:
    return _extension(cert, x509.KeyUsage)


def key_cert_sign(cert: x509.Certificate) -> Optional[bool]:
    """keyUsage keyCertSign; None when there is no keyUsage extension."""
    ku = key_usage(cert)
    return None if ku is None else ku.key_cert_sign


def digital_signature(cert: x509.Certificate) -> Optional[bool]:
    """keyUsage digitalSignature; None when there is no keyUsage extension."""
    ku = key_usage(cert)
    return None if ku is None else ku.digital_signature


def extended_key_usages(cert: x509.Certificate) -> Optional[list[x509.ObjectIdentifier]]:
    """The extendedKeyUsage OIDs; None when the extension is absent (which allows every purpose)."""
    eku = _extension(cert, x509.ExtendedKeyUsage)
    return None if eku is None else list(eku)


def eku_name(oid: x509.ObjectIdentifier) -> str:
    return getattr(oid, "_name", None) or oid.dotted_string


def eku_allows(cert: x509.Certificate, purpose: x509.ObjectIdentifier) -> tuple[bool, list[str]]:
    """(allowed, listed names). No extendedKeyUsage allows everything, and anyExtendedKeyUsage allows every
    purpose, as in Go (crypto/x509 checkChainForKeyUsage) and BoringSSL."""
    usages = extended_key_usages(cert)
    if usages is None:
        return True, []
    return (purpose in usages or ANY_EKU in usages), [eku_name(u) for u in usages]


def subject_key_identifier(cert: x509.Certificate) -> Optional[x509.SubjectKeyIdentifier]:
    return _extension(cert, x509.SubjectKeyIdentifier)


# --- names -------------------------------------------------------------------------------------------------------

def san_entries(cert: x509.Certificate) -> Optional[x509.SubjectAlternativeName]:
    return _extension(cert, x509.SubjectAlternativeName)


def dns_sans(cert: x509.Certificate) -> list[str]:
    san = san_entries(cert)
    return san.get_values_for_type(x509.DNSName) if san is not None else []


def ip_sans(cert: x509.Certificate) -> list[IPAddress]:
    san = san_entries(cert)
    return san.get_values_for_type(x509.IPAddress) if san is not None else []


def san_strings(cert: x509.Certificate) -> list[str]:
    """The SAN's DNS and IP entries as openssl prints them ("DNS:localhost", "IP:127.0.0.1")."""
    if san_entries(cert) is None:
        return []
    return [f"DNS:{d}" for d in dns_sans(cert)] + [f"IP:{i}" for i in ip_sans(cert)]


def common_names(cert: x509.Certificate) -> list[str]:
    return [str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]


def describe_names(cert: x509.Certificate) -> str:
    """The names a client can match: SAN entries, else the CN(s)."""
    parts = san_strings(cert) or [f"CN={cn}" for cn in common_names(cert)]
    return ", ".join(parts) or "no names at all"


def readable_name(cert: x509.Certificate) -> str:
    """The subject as one RFC 4514 string, for messages."""
    return cert.subject.rfc4514_string() or "(empty subject)"


def is_self_issued(cert: x509.Certificate) -> bool:
    return cert.issuer == cert.subject


def as_ip(name: str) -> Optional[IPAddress]:
    """The name as an IP address ([v6] brackets allowed), or None for a host name."""
    try:
        return ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return None


def dns_entry_matches(entry: str, name: str) -> bool:
    """One SAN DNS entry (or CN) against a host name: grpc's VerifySubjectAlternativeName (tls_utils.cc).

    Case-insensitive, a trailing dot ignored, a wildcard only as the whole left-most label and never spanning
    labels. Go's matchHostnames agrees on every entry a CA issues (it is also what Milvus's internal TLS uses for
    internaltls.sni)."""
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


def grpc_name_match(cert: x509.Certificate, name: str) -> tuple[bool, str]:
    """grpcio 1.8x's HostNameCertificateVerifier: (matches, how), how is 'dns', 'ip', 'cn' or 'none'.

    DNS SANs first; then IP SANs, exact; then the first CN, but only when the certificate has no DNS SAN (IP and
    URI SANs do not stop the CN fallback, and an IP name can match a CN)."""
    dns = dns_sans(cert)
    if any(dns_entry_matches(entry, name) for entry in dns):
        return True, "dns"
    ip = as_ip(name)
    if ip is not None and any(entry == ip for entry in ip_sans(cert)):
        return True, "ip"
    cns = common_names(cert)
    if not dns and cns and dns_entry_matches(cns[0], name):
        return True, "cn"
    return False, "none"


def go_verify_hostname(cert: x509.Certificate, name: str) -> tuple[bool, str]:
    """Go's Certificate.VerifyHostname (crypto/x509, Go 1.15+), the one Go matcher (the Go client's rules and
    Milvus's own grpc-go clients for internaltls.sni): (ok, "ip" | "dns" | Go's HostnameError text).

    An IP name (bracketed or not) only against IP SANs; a DNS name only against DNS SANs (never the CN),
    case-insensitive, the name's trailing dot ignored; a '*' only as the whole left-most label of a valid pattern,
    matching exactly one label; anything not a valid host name is compared exactly."""
    host = name[1:-1] if len(name) >= 3 and name.startswith("[") and name.endswith("]") else name
    ip = as_ip(host)
    ips = ip_sans(cert)
    if ip is not None:
        if any(entry == ip for entry in ips):
            return True, "ip"
    else:
        candidate = name.lower()
        valid = _go_valid_hostname(candidate, pattern=False)
        for entry in dns_sans(cert):
            if valid and _go_valid_hostname(entry, pattern=True):
                if _go_match_hostnames(entry, candidate):
                    return True, "dns"
            elif entry not in ("", ".") and candidate not in ("", ".") and entry.lower() == candidate:
                return True, "dns"
    return False, _go_hostname_error(cert, host if ip is not None else name, ip is not None)


def _go_valid_hostname(host: str, *, pattern: bool) -> bool:
    if not pattern:
        host = host.removesuffix(".")
    if not host or host == "*":
        return False
    for i, part in enumerate(host.split(".")):
        if not part:
            return False
        if pattern and i == 0 and part == "*":
            continue
        for j, c in enumerate(part):
            if not (c.isascii() and (c.isalnum() or c == "_" or (c == "-" and j != 0))):
                return False
    return True


def _go_match_hostnames(pattern: str, host: str) -> bool:
    pattern, host = pattern.lower(), host.lower().removesuffix(".")
    if not pattern or not host:
        return False
    p, h = pattern.split("."), host.split(".")
    return len(p) == len(h) and all((i == 0 and part == "*") or part == h[i] for i, part in enumerate(p))


def _go_hostname_error(cert: x509.Certificate, host: str, is_ip: bool) -> str:
    """x509.HostnameError.Error(), word for word."""
    cns = common_names(cert)
    if san_entries(cert) is None and cns and _go_match_hostnames(cns[-1], host):
        return "x509: certificate relies on legacy Common Name field, use SANs instead"
    if is_ip:
        ips = ip_sans(cert)
        if not ips:
            return f"x509: cannot validate certificate for {host} because it doesn't contain any IP SANs"
        valid = ", ".join(str(i) for i in ips)
    else:
        valid = ", ".join(dns_sans(cert))
    if not valid:
        return f"x509: certificate is not valid for any names, but wanted to match {host}"
    return f"x509: certificate is valid for {valid}, not {host}"


def go_name_match(cert: x509.Certificate, name: str) -> bool:
    """Does Go's VerifyHostname accept `name` for this certificate (go_verify_hostname)?"""
    return go_verify_hostname(cert, name)[0]


# --- keys --------------------------------------------------------------------------------------------------------

def spki(public_key) -> bytes:
    """DER SubjectPublicKeyInfo: what proves a key belongs to a certificate (as Go's tls.X509KeyPair compares)."""
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def same_public_key(a, b) -> bool:
    """Do two keys/certificates carry the same public key? Accepts certificates, public keys or private keys."""
    return spki(_public(a)) == spki(_public(b))


def _public(obj):
    if isinstance(obj, x509.Certificate):
        return obj.public_key()
    if hasattr(obj, "public_bytes"):
        return obj
    return obj.public_key()


def key_type(public_key) -> str:
    """'rsa', 'ec', 'ed25519', 'ed448', 'dsa' or the class name for anything else."""
    for kind, cls in (("rsa", rsa.RSAPublicKey), ("ec", ec.EllipticCurvePublicKey),
                      ("ed25519", ed25519.Ed25519PublicKey), ("ed448", ed448.Ed448PublicKey),
                      ("dsa", dsa.DSAPublicKey)):
        if isinstance(public_key, cls):
            return kind
    return type(public_key).__name__


def rsa_bits(public_key) -> Optional[int]:
    return public_key.key_size if isinstance(public_key, rsa.RSAPublicKey) else None


def ec_curve(public_key) -> Optional[str]:
    """The curve's name as cryptography spells it ('secp256r1', 'secp256k1', ...), None for non-EC keys."""
    return public_key.curve.name if isinstance(public_key, ec.EllipticCurvePublicKey) else None


def describe_key(public_key) -> str:
    """'RSA 2048', 'EC secp256r1', 'Ed25519', ..."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return f"RSA {public_key.key_size}"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return f"EC {public_key.curve.name}"
    return type(public_key).__name__.replace("PublicKey", "").lstrip("_")


# --- identity ----------------------------------------------------------------------------------------------------

def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def fingerprint(cert: x509.Certificate) -> bytes:
    """SHA-256 over the DER certificate."""
    return cert.fingerprint(hashes.SHA256())


def spki_fingerprint(public_key) -> bytes:
    """SHA-256 over the SubjectPublicKeyInfo: a key's identity without its secret."""
    digest = hashes.Hash(hashes.SHA256())
    digest.update(spki(public_key))
    return digest.finalize()


def signature_hash_name(cert: x509.Certificate) -> str:
    """'sha256', 'sha1', 'md5', ...; '' for Ed25519/Ed448 and algorithms cryptography does not know."""
    try:
        algorithm = cert.signature_hash_algorithm
    except Exception:  # noqa: BLE001 - unsupported algorithm OIDs
        return ""
    return algorithm.name if isinstance(algorithm, hashes.HashAlgorithm) else ""


# --- what Go and BoringSSL can verify ---------------------------------------------------------------------------

OID_RSASSA_PSS = "1.2.840.113549.1.1.10"
# Signature algorithms Go's crypto/x509 verifies (x509.go signatureAlgorithmDetails; MD5/SHA-1 are known but
# refused as insecure, which is sig.weak). Any other OID is UnknownSignatureAlgorithm: "x509: cannot verify
# signature: algorithm unimplemented".
GO_SIGNATURE_OIDS = frozenset({
    "1.2.840.113549.1.1.4", "1.2.840.113549.1.1.5", "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12",
    "1.2.840.113549.1.1.13", OID_RSASSA_PSS, "1.2.840.10045.4.1", "1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3",
    "1.2.840.10045.4.3.4", "1.3.101.112"})


def pss_problem(cert: x509.Certificate) -> Optional[str]:
    """Why an RSA-PSS certificate signature is outside the profile Go (x509.go) and BoringSSL both require
    (SHA-256/384/512, MGF1 with the same hash, salt length = hash length), or None (also for non-PSS signatures).
    Observed with Go 1.21/1.24 and grpcio 1.85: SHA-256 with salt 20, 48, 64 or 222 (openssl's default, the
    maximum) and MGF1-SHA1 are refused by both; SHA-256/32 and SHA-384/48 are accepted."""
    if cert.signature_algorithm_oid.dotted_string != OID_RSASSA_PSS:
        return None
    try:
        params = cert.signature_algorithm_parameters
        digest = cert.signature_hash_algorithm
    except Exception:  # noqa: BLE001 - parameters cryptography cannot read
        return "RSA-PSS parameters that cannot be read"
    hash_name = getattr(digest, "name", "?")
    mgf = getattr(getattr(params, "_mgf", None), "_algorithm", None)
    mgf_name = getattr(mgf, "name", "?")
    salt = getattr(params, "_salt_length", None)
    if hash_name not in ("sha256", "sha384", "sha512"):
        return f"RSA-PSS with {hash_name.upper()}"
    if mgf_name != hash_name:
        return f"RSA-PSS with {hash_name.upper()} but MGF1-{mgf_name.upper()}"
    if not isinstance(salt, int) or salt != getattr(digest, "digest_size", -1):
        return f"RSA-PSS with {hash_name.upper()} and a {salt}-byte salt (must be {digest.digest_size})"
    return None


def go_signature_problem(cert: x509.Certificate) -> Optional[str]:
    """Why Go's crypto/x509 cannot verify this certificate's signature ("algorithm unimplemented"), or None."""
    oid = cert.signature_algorithm_oid
    if oid.dotted_string not in GO_SIGNATURE_OIDS:
        return f"signature algorithm {getattr(oid, '_name', None) or oid.dotted_string}"
    return pss_problem(cert)


# Critical extensions each verifier handles. Go: parser.go processExtensions (policyMappings, policyConstraints
# and inhibitAnyPolicy only since Go 1.22); BoringSSL: X509_supported_extension (v3_purp.c).
_GO_HANDLED = frozenset({"2.5.29.14", "2.5.29.15", "2.5.29.17", "2.5.29.19", "2.5.29.30", "2.5.29.31",
                         "2.5.29.32", "2.5.29.35", "2.5.29.37", "1.3.6.1.5.5.7.1.1"})
_GO_122_HANDLED = frozenset({"2.5.29.33", "2.5.29.36", "2.5.29.54"})
_BORINGSSL_HANDLED = frozenset({"2.16.840.1.113730.1.1", "2.5.29.15", "2.5.29.17", "2.5.29.19", "2.5.29.32",
                                "2.5.29.37", "2.5.29.36", "2.5.29.30", "2.5.29.33", "2.5.29.54"})


def unhandled_critical(cert: x509.Certificate, verifier: str, *, go_122: bool = True) -> list[str]:
    """Critical extensions `verifier` ("go" or "boringssl") does not handle, by name (or dotted OID)."""
    handled = _BORINGSSL_HANDLED if verifier == "boringssl" else (_GO_HANDLED | (_GO_122_HANDLED if go_122 else set()))
    out = []
    for ext in cert.extensions:
        if ext.critical and ext.oid.dotted_string not in handled:
            out.append(getattr(ext.oid, "_name", None) or ext.oid.dotted_string)
            if out[-1] == "Unknown OID":
                out[-1] = ext.oid.dotted_string
    return out


def _dns_constraint_matches(name: str, constraint: str) -> bool:
    """Go's matchDomainConstraint: "example.com" matches itself and its subdomains, ".example.com" only
    subdomains; case-insensitive; an empty constraint matches everything."""
    name, constraint = name.lower().rstrip("."), constraint.lower().rstrip(".")
    if not constraint:
        return True
    if constraint.startswith("."):
        return name.endswith(constraint)
    return name == constraint or name.endswith("." + constraint)


def name_constraint_violation(ca: x509.Certificate, leaf: x509.Certificate, *, cn_fallback: bool = False) -> Optional[str]:
    """The first of the leaf's DNS/IP names that the CA's nameConstraints do not permit, said as Go says it, or
    None. cn_fallback: BoringSSL also checks a host-name-like CN when the leaf has no DNS SAN."""
    nc = _extension(ca, x509.NameConstraints)
    if nc is None:
        return None
    permitted, excluded = list(nc.permitted_subtrees or ()), list(nc.excluded_subtrees or ())
    dns = dns_sans(leaf)
    if not dns and cn_fallback:
        dns = [cn for cn in common_names(leaf)[:1] if cn and "." in cn or cn == "localhost"]
    for kind, names in ((x509.DNSName, dns), (x509.IPAddress, ip_sans(leaf))):
        perm = [g.value for g in permitted if isinstance(g, kind)]
        excl = [g.value for g in excluded if isinstance(g, kind)]
        label = "DNS name" if kind is x509.DNSName else "IP address"
        for name in names:
            match = (lambda c: _dns_constraint_matches(name, c)) if kind is x509.DNSName else (lambda c: name in c)
            hit = next((c for c in excl if match(c)), None)
            if hit is not None:
                return f'{label} "{name}" is excluded by constraint "{hit}"'
            if perm and not any(match(c) for c in perm):
                return f'{label} "{name}" is not permitted by any constraint'
    return None


def split_host_port(name: str) -> tuple[str, str]:
    """grpc core's SplitHostPort (src/core/lib/gprpp/host_port.cc), which the SSL channel security connector
    applies to the target name and to ssl_target_name_override: "[v6]:port", "host:port" (exactly one colon),
    else the whole string is the host. Observed with grpcio 1.85: server_name "localhost:19530" checks
    "localhost", "other:19530" fails the host-name check."""
    if name.startswith("["):
        end = name.find("]")
        if end > 0 and (end + 1 == len(name) or name[end + 1] == ":"):
            return name[1:end], name[end + 2:]
        return name, ""
    if name.count(":") == 1:
        host, port = name.split(":")
        return host, port
    return name, ""
