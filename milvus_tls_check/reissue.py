"""`milvus-tls reissue`: re-sign an existing certificate, changing only what a flag names.

Same subject, names, key and extensions as the original unless a flag says otherwise: --add-name appends to the
subjectAltName, --eku and --key-usage add to extendedKeyUsage and keyUsage, --key carries another key's public key
(the fix for key.mismatch), --new-key makes a key like the old one, --ca makes it a CA, --days sets the validity.
The signer is --ca-cert/--ca-key, or for a self-signed certificate its own key (--key / --new-key). --csr-out
writes a CSR instead, for whoever holds the CA. A new random serial every time; SHA-256 signatures (none for
Ed25519/Ed448 signers). The result is written beside the original (never over it), atomically.

Exit status: 0 written, 2 usage problem (one line on stderr).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, Optional

EXIT_OK, EXIT_USAGE = 0, 2
EKU_NAMES = ("serverAuth", "clientAuth")
KU_NAMES = {"digitalSignature": "digital_signature", "keyEncipherment": "key_encipherment",
            "keyCertSign": "key_cert_sign", "cRLSign": "crl_sign"}
_KU_ATTRS = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
             "key_cert_sign", "crl_sign")
_KU_OPENSSL = {"digital_signature": "digitalSignature", "content_commitment": "nonRepudiation",
               "key_encipherment": "keyEncipherment", "data_encipherment": "dataEncipherment",
               "key_agreement": "keyAgreement", "key_cert_sign": "keyCertSign", "crl_sign": "cRLSign"}
BACKDATE_MINUTES = 5
MAX_DAYS = 36500


class ReissueError(Exception):
    """A usage problem: reported as one line, exit status 2."""


def add_parser(sub) -> None:
    r = sub.add_parser(
        "reissue", help="re-sign an existing certificate: same subject, names and key, changing only what a flag names",
        description="Re-sign --cert into --out (never in place) with a new serial, keeping its subject, names, key and "
                    "extensions except what a flag changes. Signer: --ca-cert/--ca-key, or for a self-signed "
                    "certificate its own key (--key). --csr-out writes a CSR instead, for whoever holds the CA.")
    r.add_argument("--cert", required=True, metavar="PATH", help="the certificate to reissue (PEM or DER; the first one)")
    r.add_argument("--out", metavar="PATH", help="where to write the new certificate (not --cert itself: write "
                   "beside it, then mv); required unless --csr-out")
    r.add_argument("--ca-cert", metavar="PATH", help="the signing CA's certificate (with --ca-key)")
    r.add_argument("--ca-key", metavar="PATH", help="the signing CA's private key (unencrypted PEM)")
    r.add_argument("--key", metavar="PATH",
                   help="the private key whose public key the new certificate carries (the fix for key.mismatch); "
                        "a self-signed certificate is also signed by it. Default: keep the certificate's public key")
    r.add_argument("--new-key", action="store_true",
                   help="generate a new key of the certificate's key type and size (a lost key); needs --key-out")
    r.add_argument("--key-out", metavar="PATH", help="where --new-key writes the new private key (mode 0600)")
    r.add_argument("--add-name", action="append", default=[], metavar="NAME",
                   help="a DNS name or IP address to add to subjectAltName (repeatable; a certificate without SAN "
                        "gets its CN too)")
    r.add_argument("--eku", metavar="LIST", help="add to extendedKeyUsage: serverAuth,clientAuth")
    r.add_argument("--key-usage", metavar="LIST",
                   help="add to keyUsage: digitalSignature,keyEncipherment,keyCertSign,cRLSign")
    r.add_argument("--days", type=int, metavar="N",
                   help="validity in days from now (minus 5 minutes); default: the original's lifetime")
    r.add_argument("--ca", action="store_true",
                   help="make it a CA: basicConstraints CA:TRUE (critical), keyUsage keyCertSign, cRLSign, "
                        "digitalSignature; re-signed with its own key, the certificates it issued stay valid")
    r.add_argument("--csr-out", metavar="PATH",
                   help="write a CSR (same subject, the resulting SAN/EKU/keyUsage/basicConstraints) for whoever "
                        "holds the CA; needs --key or --new-key")


# --- reading ------------------------------------------------------------------------------------------------

_WHY = {"file.missing": "no such file", "file.empty": "the file is empty", "file.too_large": "too large for TLS material"}


def _unusable(flag: str, path: str, loaded, want: str) -> ReissueError:
    codes = [f.code for f in loaded.findings]
    for code in codes:
        if code in _WHY:
            return ReissueError(f"{flag} {path}: {_WHY[code]}")
    if "file.unreadable" in codes:
        msg = next(f.message for f in loaded.findings if f.code == "file.unreadable")
        return ReissueError(f"{flag} {msg.rstrip('.')}")
    if "file.wrong_kind" in codes:
        other = "a private key" if want == "certificate" else "a certificate"
        return ReissueError(f"{flag} {path}: holds {other}, not a {want} (paths swapped?)")
    if want == "private key":
        return ReissueError(f"{flag} {path}: not a private key (PEM or DER)")
    return ReissueError(f"{flag} {path}: holds no certificate that parses (PEM or DER)")


def read_certs(flag: str, path: str) -> tuple:
    """Every certificate of the file, in file order (a BOM or text before BEGIN, CRLF and DER are tolerated)."""
    from .material import load_file
    from .model import Role
    loaded = load_file(Role.SERVER_CERT, path)
    if not loaded.certs:
        raise _unusable(flag, path, loaded, "certificate")
    return loaded.certs


def read_key(flag: str, path: str):
    from .material import load_file
    from .model import Role
    loaded = load_file(Role.SERVER_KEY, path)
    if loaded.key_encrypted:
        raise ReissueError(f"{flag} {path}: the key is encrypted; write an unencrypted copy with "
                           f"`openssl pkey -in {path} -out {path}.plain` (keep it 0600) and pass that")
    if loaded.key is None:
        raise _unusable(flag, path, loaded, "private key")
    return loaded.key


# --- what changes ---------------------------------------------------------------------------------------------

def _split_list(flag: str, text: Optional[str], allowed) -> list[str]:
    if text is None:
        return []
    out: list[str] = []
    for item in (p.strip() for p in text.split(",")):
        if not item:
            continue
        match = next((a for a in allowed if a.lower() == item.lower()), None)
        if match is None:
            raise ReissueError(f"{flag} {text}: {item!r} is not one of {', '.join(allowed)}")
        if match not in out:
            out.append(match)
    if not out:
        raise ReissueError(f"{flag}: give at least one of {', '.join(allowed)}")
    return out


def _parse_name(raw: str):
    """--add-name: an x509.IPAddress or x509.DNSName."""
    import ipaddress

    from cryptography import x509

    from .certs import check_dns_name
    name = raw.strip()
    try:
        return x509.IPAddress(ipaddress.ip_address(name.strip("[]")))
    except ValueError:
        pass
    name = name.rstrip(".").lower()
    if not name:
        raise ReissueError(f"--add-name {raw!r}: empty name")
    try:
        return x509.DNSName(check_dns_name(raw, name, flag="--add-name"))
    except ValueError as exc:
        raise ReissueError(str(exc)) from None


def _cn_as_name(cert):
    """The certificate's CN as a SAN entry when it is a DNS name or an IP address, else None."""
    from .facts.x509 import common_names
    cns = common_names(cert)
    if not cns:
        return None
    try:
        return _parse_name(cns[0])
    except ReissueError:
        return None


def _same_entry(a, b) -> bool:
    from cryptography import x509
    if isinstance(a, x509.DNSName) and isinstance(b, x509.DNSName):
        return a.value.lower().rstrip(".") == b.value.lower().rstrip(".")
    return a == b


def _entry_text(e) -> str:
    from cryptography import x509
    if isinstance(e, x509.DNSName):
        return f"DNS:{e.value}"
    if isinstance(e, x509.IPAddress):
        return f"IP:{e.value}"
    if isinstance(e, x509.UniformResourceIdentifier):
        return f"URI:{e.value}"
    if isinstance(e, x509.RFC822Name):
        return f"email:{e.value}"
    return type(e).__name__


def _ku_bits(ku) -> list[str]:
    return [a for a in _KU_ATTRS if ku is not None and getattr(ku, a)]


def _make_ku(bits, old=None):
    from cryptography import x509
    agreement = "key_agreement" in bits
    enc = bool(old is not None and old.key_agreement and old.encipher_only) and agreement
    dec = bool(old is not None and old.key_agreement and old.decipher_only) and agreement
    return x509.KeyUsage(**{a: a in bits for a in _KU_ATTRS}, encipher_only=enc, decipher_only=dec)


def _new_key_like(public_key):
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
    if isinstance(public_key, rsa.RSAPublicKey):
        return rsa.generate_private_key(public_exponent=65537, key_size=public_key.key_size)
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return ec.generate_private_key(public_key.curve)
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return ed25519.Ed25519PrivateKey.generate()
    if isinstance(public_key, ed448.Ed448PublicKey):
        return ed448.Ed448PrivateKey.generate()
    from .facts.x509 import describe_key
    raise ReissueError(f"--new-key: cannot make a key like the certificate's ({describe_key(public_key)}); "
                       "make one with `milvus-tls gen` or openssl and pass it as --key")


def _hash_for(signer_key):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ed448, ed25519
    if isinstance(signer_key, (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)):
        return None
    return hashes.SHA256()


def _serial() -> int:
    """Positive, at most 16 bytes in DER (127 random bits, never 0)."""
    import os
    return (int.from_bytes(os.urandom(16), "big") >> 1) or 1


def _self_signed(cert) -> bool:
    if cert.issuer != cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except Exception:  # noqa: BLE001 - another key signed it (a CA and a leaf with the same name), or no support
        return False
    return True


def _same_path(a: Optional[str], b: Optional[str]) -> bool:
    import os
    if not a or not b:
        return False
    try:
        if os.path.samefile(a, b):
            return True
    except OSError:
        pass
    return os.path.realpath(a) == os.path.realpath(b)


@dataclass
class Result:
    cert: Any = None                 # the new certificate (None with --csr-out only)
    chain: tuple = ()                # certificates written after it
    csr: Any = None
    new_key: Any = None
    lines: list[str] = field(default_factory=list)
    days: int = 0                    # the validity the certificate gets (the CSR hint's -days)


def _check_flags(args) -> tuple[list[str], list[str], list]:
    """The flags alone, before any key is read or made: (EKU names, keyUsage attributes, SAN entries) to add."""
    if bool(args.ca_cert) != bool(args.ca_key):
        raise ReissueError("--ca-cert and --ca-key go together: the signing CA's certificate and its private key")
    if args.new_key and args.key:
        raise ReissueError("--key and --new-key exclude each other: carry the key you have, or make a new one")
    if args.new_key and not args.key_out:
        raise ReissueError("--new-key needs --key-out PATH: where to write the new private key")
    if args.key_out and not args.new_key:
        raise ReissueError("--key-out is where --new-key writes the new key; pass --new-key too (or drop --key-out)")
    if not args.out and not args.csr_out:
        raise ReissueError("--out PATH is required (where the new certificate goes; beside --cert, then mv)")
    if args.csr_out and not (args.key or args.new_key):
        raise ReissueError("--csr-out needs --key (the private key the CSR is signed with) or --new-key")
    outputs = [("--out", args.out), ("--csr-out", args.csr_out), ("--key-out", args.key_out)]
    inputs = [("--cert", args.cert), ("--key", args.key), ("--ca-cert", args.ca_cert), ("--ca-key", args.ca_key)]
    for oflag, opath in outputs:
        for iflag, ipath in inputs:
            if _same_path(opath, ipath):
                hint = (f"; write beside it and move it: {oflag} {opath}.new, then mv {opath}.new {opath}"
                        if iflag == "--cert" and oflag == "--out" else "")
                raise ReissueError(f"{oflag} {opath} is the {iflag} file; never written in place{hint}")
    written = [(f, p) for f, p in outputs if p]
    for i, (f1, p1) in enumerate(written):
        for f2, p2 in written[i + 1:]:
            if _same_path(p1, p2):
                raise ReissueError(f"{f1} and {f2} are the same file ({p1})")
    eku_add = _split_list("--eku", args.eku, EKU_NAMES)
    ku_add = [KU_NAMES[n] for n in _split_list("--key-usage", args.key_usage, tuple(KU_NAMES))]
    names_add = [_parse_name(n) for n in args.add_name or []]
    if args.days is not None and not 1 <= args.days <= MAX_DAYS:
        raise ReissueError(f"--days {args.days}: must be 1 to {MAX_DAYS}")
    return eku_add, ku_add, names_add


def _signer(args, cert, chain_in, carried_key, self_signed: bool, notes: list[str]):
    """(signer certificate or None for self-signed, signer key or None for a CSR only, chain sent after the leaf)."""
    from .facts.x509 import basic_ca, key_cert_sign, readable_name, same_public_key
    signer_cert = signer_key = None
    chain_out: tuple = ()
    if args.ca_cert:
        ca_certs = read_certs("--ca-cert", args.ca_cert)
        signer_cert, signer_key = ca_certs[0], read_key("--ca-key", args.ca_key)
        if not same_public_key(signer_key, signer_cert):
            raise ReissueError(f"--ca-key {args.ca_key} does not belong to --ca-cert {args.ca_cert} "
                               f"({readable_name(signer_cert)})")
        if signer_cert.subject != signer_cert.issuer:   # an intermediate: the new certificate sends the chain
            chain_out = tuple(c for c in ca_certs if c.subject != c.issuer)
        if basic_ca(signer_cert) is not True:
            notes.append(f"warning: --ca-cert {readable_name(signer_cert)} is not a CA (no basicConstraints "
                         f"CA:TRUE): Go refuses what it signs; make it one first: milvus-tls reissue --cert "
                         f"{args.ca_cert} --key {args.ca_key} --ca --out {args.ca_cert}.new")
        elif key_cert_sign(signer_cert) is False:
            notes.append(f"warning: --ca-cert {readable_name(signer_cert)} has keyUsage without keyCertSign: "
                         f"BoringSSL (pymilvus) refuses what it signs; fix it first: milvus-tls reissue --cert "
                         f"{args.ca_cert} --key {args.ca_key} --key-usage keyCertSign --out {args.ca_cert}.new")
    elif self_signed:
        if carried_key is not None:
            signer_key = carried_key                   # self-signed stays self-signed, by the key it carries
        elif not args.csr_out:
            raise ReissueError(f"--cert {args.cert} is self-signed: it is re-signed by its own private key; "
                               "pass it as --key (or --new-key --key-out PATH for a lost key)")
    elif not args.csr_out:
        raise ReissueError(f"--cert {args.cert} is issued by {readable_name_issuer(cert)}, not self-signed: pass "
                           "that CA as --ca-cert and --ca-key (or write a CSR for whoever holds it with --csr-out "
                           "and --key)")
    if signer_key is None and args.out:
        notes.append(f"--out {args.out} not written: no CA key to sign with; send the CSR to whoever holds the CA")
    if signer_cert is not None and signer_cert.subject != signer_cert.issuer and len(chain_in) > 1 \
            and chain_in[1].subject == signer_cert.subject and same_public_key(chain_in[1], signer_cert):
        # the original file sent the chain after the leaf and the same intermediate signs again: keep the longer one
        kept = tuple(c for c in chain_in[1:] if c.subject != c.issuer)
        if len(kept) > len(chain_out):
            chain_out = kept
    return signer_cert, signer_key, chain_out


def reissue(args, now=None) -> Result:
    """Everything but writing: the new certificate (and CSR, key) and the summary lines."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID

    from .facts.x509 import basic_ca, describe_key, readable_name, same_public_key, subject_key_identifier

    eku_add, ku_add, names_add = _check_flags(args)

    # --- the inputs
    chain_in = read_certs("--cert", args.cert)
    cert = chain_in[0]
    old_pub = cert.public_key()
    key = read_key("--key", args.key) if args.key else None
    new_key = _new_key_like(old_pub) if args.new_key else None
    carried_key = key or new_key                      # the private key of the new certificate, when known
    public_key = carried_key.public_key() if carried_key is not None else old_pub
    self_signed = _self_signed(cert)
    notes: list[str] = []

    signer_cert, signer_key, chain_out = _signer(args, cert, chain_in, carried_key, self_signed, notes)

    # --- the extensions, in the original's order; changed ones in place, new ones at the end
    exts: list[tuple[Any, bool]] = []
    changes: list[str] = []
    old_san = old_eku = old_ku = old_bc = None
    for ext in cert.extensions:
        v = ext.value
        if isinstance(v, x509.SubjectAlternativeName):
            old_san = ext
        elif isinstance(v, x509.ExtendedKeyUsage):
            old_eku = ext
        elif isinstance(v, x509.KeyUsage):
            old_ku = ext
        elif isinstance(v, x509.BasicConstraints):
            old_bc = ext

    before_names = [_entry_text(e) for e in old_san.value] if old_san is not None else []
    san_value, san_critical = (old_san.value, old_san.critical) if old_san is not None else (None, False)
    if names_add:
        entries = list(old_san.value) if old_san is not None else []
        if old_san is None:
            cn = _cn_as_name(cert)
            if cn is not None:
                entries.append(cn)
        for e in names_add:
            if not any(_same_entry(e, x) for x in entries):
                entries.append(e)
        san_value = x509.SubjectAlternativeName(entries)
    after_names = [_entry_text(e) for e in san_value] if san_value is not None else []

    old_eku_list = list(old_eku.value) if old_eku is not None else None
    eku_value = old_eku.value if old_eku is not None else None
    eku_oids = {"serverAuth": ExtendedKeyUsageOID.SERVER_AUTH, "clientAuth": ExtendedKeyUsageOID.CLIENT_AUTH}
    eku_added = [n for n in eku_add if old_eku_list is None or eku_oids[n] not in old_eku_list]
    if eku_added:
        eku_value = x509.ExtendedKeyUsage((old_eku_list or []) + [eku_oids[n] for n in eku_added])
        if old_eku_list is None:
            notes.append("note: the certificate had no extendedKeyUsage (every purpose allowed); now it allows "
                         f"only {', '.join(eku_added)}")

    old_bits = _ku_bits(old_ku.value) if old_ku is not None else []
    want_bits = list(ku_add) + (["key_cert_sign", "crl_sign", "digital_signature"] if args.ca else [])
    ku_added = [b for b in dict.fromkeys(want_bits) if b not in old_bits]
    ku_value = old_ku.value if old_ku is not None else None
    ku_critical = old_ku.critical if old_ku is not None else True
    if ku_added:
        ku_value = _make_ku(set(old_bits) | set(ku_added), old_ku.value if old_ku is not None else None)

    bc_value = old_bc.value if old_bc is not None else None
    bc_critical = old_bc.critical if old_bc is not None else True
    if args.ca and (bc_value is None or not bc_value.ca or not bc_critical):
        keep_len = bc_value.path_length if bc_value is not None and bc_value.ca else None
        bc_value, bc_critical = x509.BasicConstraints(ca=True, path_length=keep_len), True
        changes.append("basicConstraints -> CA:TRUE (critical)")

    # SKI: the original's value when the key is unchanged (what the certificates a CA issued point at with their
    # authorityKeyIdentifier), else computed from the carried public key.
    old_ski = subject_key_identifier(cert)
    ski = old_ski if old_ski is not None and same_public_key(public_key, old_pub) else \
        x509.SubjectKeyIdentifier.from_public_key(public_key)
    if signer_cert is not None:
        signer_ski = subject_key_identifier(signer_cert)
        aki = (x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(signer_ski) if signer_ski is not None
               else x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_cert.public_key()))
    else:
        aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)

    dropped: list[str] = []
    seen_types: set = set()
    for ext in cert.extensions:
        v = ext.value
        seen_types.add(type(v))
        if isinstance(v, x509.SubjectAlternativeName):
            exts.append((san_value, san_critical))
        elif isinstance(v, x509.ExtendedKeyUsage):
            exts.append((eku_value, ext.critical))
        elif isinstance(v, x509.KeyUsage):
            exts.append((ku_value, ku_critical))
        elif isinstance(v, x509.BasicConstraints):
            exts.append((bc_value, bc_critical))
        elif isinstance(v, x509.SubjectKeyIdentifier):
            exts.append((ski, ext.critical))
        elif isinstance(v, x509.AuthorityKeyIdentifier):
            exts.append((aki, ext.critical))
        elif isinstance(v, (x509.PrecertificateSignedCertificateTimestamps, x509.PrecertPoison)):
            dropped.append(getattr(ext.oid, "_name", ext.oid.dotted_string))   # bound to the old certificate
        else:
            exts.append((v, ext.critical))
    if x509.BasicConstraints not in seen_types and bc_value is not None:
        exts.insert(0, (bc_value, bc_critical))
    if x509.KeyUsage not in seen_types and ku_value is not None:
        exts.append((ku_value, ku_critical))
    if x509.ExtendedKeyUsage not in seen_types and eku_value is not None:
        exts.append((eku_value, False))
    if x509.SubjectAlternativeName not in seen_types and san_value is not None:
        exts.append((san_value, False))
    if x509.SubjectKeyIdentifier not in seen_types:
        exts.append((ski, False))
    if x509.AuthorityKeyIdentifier not in seen_types and signer_key is not None:
        exts.append((aki, False))
    if dropped:
        notes.append(f"note: dropped {', '.join(dropped)} (bound to the old certificate)")

    # --- validity
    now = now or dt.datetime.now(dt.timezone.utc)
    start = now - dt.timedelta(minutes=BACKDATE_MINUTES)
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    days = args.days if args.days is not None else None
    end = start + (dt.timedelta(days=days) if days is not None else max(lifetime, dt.timedelta(days=1)))

    result = Result(new_key=new_key, days=max(1, round((end - start).total_seconds() / 86400)))
    issuer_name = signer_cert.subject if signer_cert is not None else cert.subject
    if signer_key is not None and args.out:
        b = (x509.CertificateBuilder().subject_name(cert.subject).issuer_name(issuer_name).public_key(public_key)
             .serial_number(_serial()).not_valid_before(start).not_valid_after(end))
        for value, critical in exts:
            b = b.add_extension(value, critical=critical)
        result.cert = b.sign(signer_key, _hash_for(signer_key))
        result.chain = tuple({c.fingerprint(hashes.SHA256()): c for c in chain_out}.values())   # each once
    if args.csr_out:
        rb = x509.CertificateSigningRequestBuilder().subject_name(cert.subject)
        for value, critical in ((san_value, san_critical), (eku_value, False), (ku_value, ku_critical),
                                (bc_value, bc_critical)):
            if value is not None:
                rb = rb.add_extension(value, critical=critical)
        result.csr = rb.sign(carried_key, _hash_for(carried_key))

    # --- the summary (names and facts only, never key material)
    lines = result.lines
    lines.append(f"Subject   {readable_name(cert)}")
    lines.append("Names     " + _names_change(before_names, after_names, cert))
    if eku_added:
        lines.append(f"EKU       added {', '.join(eku_added)} -> {_eku_text(eku_value)}")
    if ku_added:
        lines.append(f"KeyUsage  added {', '.join(_KU_OPENSSL[b] for b in ku_added)} -> "
                     f"{', '.join(_KU_OPENSSL[b] for b in _ku_bits(ku_value))}")
    for c in changes:
        lines.append(f"CA        {c}")
    if key is not None:
        same = same_public_key(key, old_pub)
        lines.append(f"Key       {describe_key(public_key)} from --key {args.key}"
                     + (" (the same public key as before)" if same else " (replaces the certificate's public key)"))
        if not same and basic_ca(cert) is True:
            notes.append("warning: this CA now carries another public key: certificates it signed before do not "
                         "verify against the new one; reissue them from it")
    elif new_key is not None:
        lines.append(f"Key       new {describe_key(public_key)} written to {args.key_out} (mode 0600)")
    else:
        lines.append(f"Key       {describe_key(public_key)}, unchanged")
    if result.cert is not None:
        how = "from --days" if days is not None else "the original's lifetime"
        lines.append(f"Validity  {start:%Y-%m-%d %H:%M} .. {end:%Y-%m-%d %H:%M} UTC ({_span(end - start)}, {how}; "
                     f"was {cert.not_valid_before_utc:%Y-%m-%d} .. {cert.not_valid_after_utc:%Y-%m-%d})")
        issuer_text = readable_name(signer_cert) if signer_cert is not None else "itself (self-signed)"
        was = "" if issuer_name == cert.issuer else f" (was {readable_name_issuer(cert)})"
        lines.append(f"Issuer    {issuer_text}{was}")
        if signer_cert is not None and end > signer_cert.not_valid_after_utc:
            notes.append(f"note: the CA expires first, on {signer_cert.not_valid_after_utc:%Y-%m-%d}")
        if signer_cert is not None and signer_cert.not_valid_after_utc <= now:
            notes.append(f"warning: --ca-cert expired on {signer_cert.not_valid_after_utc:%Y-%m-%d}: nothing it signs verifies")
    lines.extend(notes)
    return result


def readable_name_issuer(cert) -> str:
    return cert.issuer.rfc4514_string() or "(empty issuer)"


def _span(delta) -> str:
    days = delta.total_seconds() / 86400
    return f"{days:.0f} days" if days >= 1.5 else f"{days:.1f} day"


def _eku_text(eku) -> str:
    from .facts.x509 import eku_name
    names = {"serverAuth": "serverAuth", "clientAuth": "clientAuth"}
    return ", ".join(names.get(eku_name(o), eku_name(o)) for o in eku)


def _names_change(before: list[str], after: list[str], cert) -> str:
    from .facts.x509 import common_names
    if before == after:
        return (" ".join(after) + " (unchanged)") if after else \
            f"no subjectAltName (CN={', '.join(common_names(cert)) or '-'}), unchanged"
    return f"{' '.join(before) or 'no subjectAltName'} -> {' '.join(after)}"


# --- writing ------------------------------------------------------------------------------------------------

def _check_target(path: str) -> None:
    import os
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ReissueError(f"{path}: the folder {folder} does not exist")
    if os.path.isdir(path):
        raise ReissueError(f"{path}: is a directory; give a file path")
    if not os.access(folder, os.W_OK):
        raise ReissueError(f"{path}: the folder {folder} is not writable")


def write_atomic(path: str, data: bytes, mode: int) -> None:
    """A temporary file in the same folder, created with its final mode, then renamed over `path`."""
    import os
    import tempfile
    _check_target(path)
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    except OSError as exc:
        raise ReissueError(f"{path}: cannot write in {folder} ({exc.strerror or exc})") from None
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise ReissueError(f"{path}: cannot write ({exc.strerror or exc})") from None


def run_reissue(args) -> int:
    from cryptography.hazmat.primitives import serialization
    try:
        result = reissue(args)
        for path in (args.key_out if result.new_key is not None else None,
                     args.out if result.cert is not None else None, args.csr_out):
            if path:
                _check_target(path)     # every target before the first write: never a key without its certificate
        written = []
        if result.new_key is not None:
            write_atomic(args.key_out, result.new_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()), 0o600)
            written.append(f"{args.key_out} (key, 0600)")
        if result.cert is not None and args.out:
            pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (result.cert, *result.chain))
            write_atomic(args.out, pem, 0o644)
            extra = f" + {len(result.chain)} chain certificate(s)" if result.chain else ""
            written.append(f"{args.out} (certificate{extra})")
        if result.csr is not None:
            write_atomic(args.csr_out, result.csr.public_bytes(serialization.Encoding.PEM), 0o644)
            written.append(f"{args.csr_out} (CSR)")
    except ReissueError as exc:
        print(f"milvus-tls reissue: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    serial = f", serial {result.cert.serial_number:x}" if result.cert is not None else ""
    out = [f"Wrote {', '.join(written)}{serial}"] + [f"  {line}" for line in result.lines]
    if result.csr is not None:
        out.append(f"  Sign the CSR with the CA, e.g. `openssl x509 -req -in {args.csr_out} -CA ca.pem -CAkey ca.key "
                   f"-copy_extensions copyall -days {result.days} -out {args.out or 'new.pem'}` (OpenSSL 3.0+)")
    sys.stdout.write("\n".join(out) + "\n")
    return EXIT_OK
