"""The inventory and the chain picture: Material (+ the chain a live server presented) -> records. Pure.

- `certificate_records`: every certificate the doctor loaded or saw, with its role, the file and position it came
  from (and the line of its PEM block where known), names, issuer, serial, validity, days left, key, signature
  algorithm, SHA-256 fingerprint and the SHA-256 of its public key (spki_sha256: what a key file's
  spki-sha256 equals when it is this certificate's key). The JSON report carries them as `certificates`; text shows them with --verbose.
- `trust_paths`: for each trust path the doctor judged (per mode: pymilvus verifying the server chain; in mode 2
  Milvus verifying the client chain), the certificates leaf -> intermediates -> anchor, each link verified or
  broken, with the finding code at the break. Text draws it as a tree, Markdown as a Mermaid flowchart.

The path is built by the same function the chain rule uses (rules.chain.build_path); the codes come from the chain
check's own findings, so the picture never says something the verdict does not.
"""
from __future__ import annotations

import binascii
import datetime as _dt
import hashlib
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional, Sequence

from .facts.pymilvus import TRUST_SERVER_PEM
from .facts.x509 import (basic_ca, describe_key, fingerprint, key_type, readable_name, san_strings, serial_number,
                         spki_fingerprint)
from .model import CheckResult, Handshake, Material, Request, Role, Severity

_CERT_BEGIN = (b"-----BEGIN CERTIFICATE-----", b"-----BEGIN X509 CERTIFICATE-----",
               b"-----BEGIN TRUSTED CERTIFICATE-----")
_ISO = "%Y-%m-%dT%H:%M:%SZ"
# Codes that say the path does not reach an anchor at all: the break is after the last certificate.
_END_BREAKS = ("chain.untrusted", "chain.intermediate_missing")


@dataclass(frozen=True)
class CertificateRecord:
    role: str                      # the role's value ("server_pem", ...) or "peer" for a live server's chain
    source: str                    # "file" | "live"
    file: str                      # the path it was read from, or the URI whose server presented it
    position: int                  # 0-based: its place in the file (or in the presented chain)
    line: Optional[int]            # 1-based line of its PEM BEGIN line, when known
    subject: str
    sans: tuple[str, ...]
    issuer: str
    serial: str                    # hex, as openssl prints it (upper case, no colons)
    not_before: str
    not_after: str
    days_left: Optional[int]       # whole days from the judged instant to not_after (negative: expired)
    key_type: str                  # "rsa", "ec", "ed25519", ...
    key_size: Optional[int]        # bits
    key: str                       # "RSA 2048", "EC secp256r1"
    signature_algorithm: str       # "sha256WithRSAEncryption", "ecdsa-with-SHA256", ...
    sha256: str                    # hex fingerprint of the DER certificate
    is_ca: Optional[bool] = None   # basicConstraints CA (None: no basicConstraints)
    spki_sha256: str = ""          # hex SHA-256 of its public key (SubjectPublicKeyInfo): equal to a key file's
                                   # spki-sha256 exactly when that key is this certificate's private key

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else f"{self.file} #{self.position}"

    def to_dict(self) -> dict:
        return {"role": self.role, "source": self.source, "file": self.file, "position": self.position,
                "line": self.line, "subject": self.subject, "sans": list(self.sans), "issuer": self.issuer,
                "serial": self.serial, "not_before": self.not_before, "not_after": self.not_after,
                "days_left": self.days_left, "key_type": self.key_type, "key_size": self.key_size, "key": self.key,
                "signature_algorithm": self.signature_algorithm, "sha256": self.sha256, "is_ca": self.is_ca,
                "spki_sha256": self.spki_sha256}


@dataclass(frozen=True)
class TrustNode:
    subject: str
    role: str                      # the file's role, "" when the certificate was found elsewhere
    file: str
    position: int
    sha256: str


@dataclass(frozen=True)
class TrustLink:
    """child -> parent: `parent` is None for a break after the last certificate (no issuer found)."""

    child: int
    parent: Optional[int]
    verified: bool
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrustPath:
    mode: int
    verifier: str                  # who verifies: "pymilvus (grpc/BoringSSL)" | "Milvus (Go)"
    chain_setting: str             # the setting that names the presented chain ("tls.serverPemPath")
    chain_file: str
    trust_setting: str             # the setting that names the trust file ("pymilvus ca_pem_path")
    trust_file: str
    nodes: tuple[TrustNode, ...]   # leaf first; the anchor last when anchored
    links: tuple[TrustLink, ...]
    anchored: bool                 # the path reaches a certificate of the trust file

    @property
    def ok(self) -> bool:
        return all(link.verified for link in self.links)

    @property
    def title(self) -> str:
        return (f"mode {self.mode}: {self.verifier} verifies {self.chain_setting} ({self.chain_file}) against "
                f"{self.trust_setting} ({self.trust_file})")

    def to_dict(self) -> dict:
        return {"mode": self.mode, "verifier": self.verifier, "chain_setting": self.chain_setting,
                "chain_file": self.chain_file, "trust_setting": self.trust_setting, "trust_file": self.trust_file,
                "anchored": self.anchored, "ok": self.ok,
                "nodes": [{"subject": n.subject, "role": n.role, "file": n.file, "position": n.position,
                           "sha256": n.sha256} for n in self.nodes],
                "links": [{"child": k.child, "parent": k.parent, "verified": k.verified, "codes": list(k.codes)}
                          for k in self.links]}


# --- the inventory ------------------------------------------------------------------------------------------------

def pem_block_lines(data: bytes) -> dict[str, int]:
    """SHA-256 (hex) of each PEM certificate block's DER -> the 1-based line of its BEGIN line. Linear, bounded by
    the data; a block whose base64 does not decode is left out."""
    out: dict[str, int] = {}
    begin: Optional[int] = None
    body: list[bytes] = []
    for number, raw in enumerate(data.replace(b"\r\n", b"\n").split(b"\n"), start=1):
        line = raw.strip()
        if begin is None:
            if line.lstrip(b"\xef\xbb\xbf") in _CERT_BEGIN:
                begin, body = number, []
            continue
        if line.startswith(b"-----END "):
            try:
                der = binascii.a2b_base64(b"".join(body))
            except (binascii.Error, ValueError):
                der = b""
            if der:
                out.setdefault(hashlib.sha256(der).hexdigest(), begin)
            begin = None
        elif b":" not in line:   # RFC 1421 headers are skipped
            body.append(line)
    return out


def _iso(value: _dt.datetime) -> str:
    return value.strftime(_ISO)


def _days_left(not_after: _dt.datetime, at: _dt.datetime) -> int:
    return int((not_after - at).total_seconds() // 86400)


def _signature_name(cert) -> str:
    try:
        return cert.signature_algorithm_oid._name   # cryptography's name: "sha256WithRSAEncryption"
    except Exception:  # noqa: BLE001 - an OID cryptography does not know
        try:
            return cert.signature_algorithm_oid.dotted_string
        except Exception:  # noqa: BLE001
            return ""


def record_of(cert, *, role: str, source: str, file: str, position: int, at: _dt.datetime,
              line: Optional[int] = None) -> CertificateRecord:
    """One certificate (cryptography x509.Certificate) as an inventory record."""
    public = cert.public_key()
    kind = key_type(public)
    size = getattr(public, "key_size", None)
    if kind == "ed25519":
        size = 256
    elif kind == "ed448":
        size = 456
    not_after = cert.not_valid_after_utc
    return CertificateRecord(
        role=role, source=source, file=file, position=position, line=line,
        subject=cert.subject.rfc4514_string(), sans=tuple(san_strings(cert)), issuer=cert.issuer.rfc4514_string(),
        serial=format(serial_number(cert), "X") if serial_number(cert) >= 0 else "-" + format(-serial_number(cert), "X"),
        not_before=_iso(cert.not_valid_before_utc), not_after=_iso(not_after), days_left=_days_left(not_after, at),
        key_type=kind, key_size=size, key=describe_key(public), signature_algorithm=_signature_name(cert),
        sha256=fingerprint(cert).hex(), is_ca=basic_ca(cert), spki_sha256=spki_fingerprint(public).hex())


def _parse_instant(text: Any) -> Optional[_dt.datetime]:
    try:
        return _dt.datetime.strptime(str(text), _ISO).replace(tzinfo=_dt.timezone.utc)
    except ValueError:
        return None


def _peer_record(entry: Mapping[str, Any], *, uri: str, position: int, at: _dt.datetime) -> CertificateRecord:
    """A certificate a live server presented, as the probe summarised it (no DER kept: what it said is used)."""
    not_after = _parse_instant(entry.get("not_after"))
    size = entry.get("key_size")
    return CertificateRecord(
        role="peer", source="live", file=uri, position=position, line=None,
        subject=str(entry.get("subject", "")), sans=tuple(str(s) for s in entry.get("sans") or ()),
        issuer=str(entry.get("issuer", "")), serial=str(entry.get("serial", "")),
        not_before=str(entry.get("not_before", "")), not_after=str(entry.get("not_after", "")),
        days_left=_days_left(not_after, at) if not_after else None, key_type=str(entry.get("key_type", "")),
        key_size=size if isinstance(size, int) else None, key=str(entry.get("key", "")),
        signature_algorithm=str(entry.get("signature_algorithm", "")), sha256=str(entry.get("sha256", "")),
        is_ca=entry.get("is_ca") if isinstance(entry.get("is_ca"), bool) else None,
        spki_sha256=str(entry.get("spki_sha256", "")))


def certificate_records(material: Material, handshakes: Sequence[Handshake], at: _dt.datetime,
                        block_lines: Optional[Mapping[str, Mapping[str, int]]] = None,
                        names: Optional[Mapping[str, str]] = None) -> tuple[CertificateRecord, ...]:
    """Every certificate in the material (file order, then position), then each live server's presented chain once.
    `block_lines`: path -> pem_block_lines(its bytes), for the line of each PEM block; `names`: path -> how the user
    knows the file when it is not a path of theirs (a Kubernetes Secret's key: "key tls.crt of Secret milvus-tls")."""
    out: list[CertificateRecord] = []
    # a Go or Node client's own files (--go-args / --node-args), role "go client_pem", each file listed once
    listed = [(loaded, loaded.role.value) for loaded in material.files.values()]
    paths = {loaded.path for loaded, _ in listed}
    for key, own in material.clients.items():
        for loaded in own.values():
            if loaded.path not in paths:
                paths.add(loaded.path)
                listed.append((loaded, f"{key} {loaded.role.value}"))
    for loaded, role in listed:
        lines = (block_lines or {}).get(loaded.path) or {}
        file = (names or {}).get(loaded.path, loaded.path)
        for position, cert in enumerate(loaded.certs):
            record = record_of(cert, role=role, source="file", file=file, position=position, at=at)
            line = lines.get(record.sha256)
            out.append(record if line is None else _with_line(record, line))
    seen: set[str] = set()
    for h in handshakes:
        chain = h.peer.chain if h.peer is not None else ()
        if h.server_impl.kind.value != "live" or not chain or h.target in seen:
            continue
        seen.add(h.target)
        out += [_peer_record(entry, uri=h.target, position=i, at=at) for i, entry in enumerate(chain)
                if isinstance(entry, Mapping) and "subject" in entry]
    return tuple(out)


def _with_line(record: CertificateRecord, line: int) -> CertificateRecord:
    from dataclasses import replace
    return replace(record, line=line)


def by_role(records: Iterable[CertificateRecord]) -> dict[str, list[CertificateRecord]]:
    out: dict[str, list[CertificateRecord]] = {}
    for r in records:
        out.setdefault(r.role, []).append(r)
    return out


# --- the chain picture --------------------------------------------------------------------------------------------

def trust_paths(request: Request, modes: Sequence[int], material: Material,
                checks: Sequence[CheckResult]) -> tuple[TrustPath, ...]:
    """One TrustPath per chain check that ran: pymilvus verifying the server chain (each mode), Milvus verifying the
    client chain (mode 2)."""
    from .rules.chain import MILVUS, PYMILVUS, build_path

    ran = {(c.check, c.mode): c for c in checks if c.check in ("chain.server", "chain.client")}
    out: list[TrustPath] = []
    server = material.get(Role.SERVER_CERT)
    for mode in modes:
        params = request.client_params(mode)
        check = ran.get(("chain.server", mode))
        root = material.by_path(params.root_path) if params.root_path else None
        if check is not None and check.findings is not None and server and server.certs and root and root.certs:
            setting = (Role.CLIENT_SERVER_PEM if params.trust == TRUST_SERVER_PEM else Role.CLIENT_CA).setting
            out.append(_picture(mode, PYMILVUS.name, Role.SERVER_CERT.setting, server, setting, root, material,
                                check, build_path))
        check = ran.get(("chain.client", mode))
        client, ca = material.get(Role.CLIENT_CERT), material.get(Role.SERVER_CA)
        if mode == 2 and check is not None and client and client.certs and ca and ca.certs:
            out.append(_picture(mode, MILVUS.name, Role.CLIENT_CERT.setting, client, Role.SERVER_CA.setting, ca,
                                material, check, build_path))
    return tuple(out)


def _picture(mode, verifier, chain_setting, chain_file, trust_setting, trust_file, material, check,
             build_path) -> TrustPath:
    path = build_path(chain_file.certs[0], chain_file.certs[1:], trust_file.certs)
    nodes = tuple(_node(cert, index, path, chain_file, trust_file, material) for index, cert in enumerate(path.certs))
    errors = [f for f in check.findings if f.severity is Severity.ERROR and (not f.modes or mode in f.modes)]
    per_link: dict[Optional[int], list[str]] = {}
    for f in errors:
        if f.code in _END_BREAKS or len(path.certs) == 1:
            at: Optional[int] = len(path.certs) - 1
        else:   # the link whose issuer the message names; else the leaf's own link
            at = next((i - 1 for i in range(len(path.certs) - 1, 0, -1)
                       if readable_name(path.certs[i]) in f.message), 0)
        per_link.setdefault(at, []).append(f.code)
    links = [TrustLink(i, i + 1, not per_link.get(i), tuple(per_link.get(i, ()))) for i in range(len(path.certs) - 1)]
    last = len(path.certs) - 1
    if not path.anchored:
        links.append(TrustLink(last, None, False, tuple(per_link.get(last, ())) or ("chain.untrusted",)))
    elif last == 0 and per_link.get(0):   # the leaf is its own anchor, yet refused (e.g. name constraints)
        links.append(TrustLink(0, 0, False, tuple(per_link[0])))
    elif last > 0 and per_link.get(last):
        links[-1] = TrustLink(links[-1].child, links[-1].parent, False, links[-1].codes + tuple(per_link[last]))
    return TrustPath(mode, verifier, chain_setting, chain_file.path, trust_setting, trust_file.path, nodes,
                     tuple(links), path.anchored)


def _node(cert, index, path, chain_file, trust_file, material) -> TrustNode:
    sha = fingerprint(cert).hex()
    anchored_here = path.anchored and index == len(path.certs) - 1
    order = ([trust_file, chain_file] if anchored_here else [chain_file, trust_file]) + list(material.files.values())
    for loaded in order:
        for position, other in enumerate(loaded.certs):
            if fingerprint(other) == fingerprint(cert):
                return TrustNode(readable_name(cert), loaded.role.value, loaded.path, position, sha)
    return TrustNode(readable_name(cert), "", "", 0, sha)
