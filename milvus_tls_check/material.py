"""Load what each role points at: bounded reads, format sniffing, parsing with `cryptography`.

Nothing here raises on bad input: every problem becomes a finding on the LoadedFile, so a hostile or broken
file ends in a clear report line instead of a traceback. Reads never block (FIFOs are not opened) and never
take more than MAX_BYTES.
"""
from __future__ import annotations

import errno
import os
import re
import stat
from typing import Mapping, Optional

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from .findings import finding
from .model import FileKind, Finding, LoadedFile, Material, Request, Role

MAX_BYTES = 1 << 20  # a 100-certificate chain is ~150 KiB; anything past 1 MiB is not TLS material

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.S)
_KEY_LABELS = {b"PRIVATE KEY", b"RSA PRIVATE KEY", b"EC PRIVATE KEY", b"ENCRYPTED PRIVATE KEY",
               b"DSA PRIVATE KEY", b"OPENSSH PRIVATE KEY"}
_CERT_LABELS = {b"CERTIFICATE", b"X509 CERTIFICATE", b"TRUSTED CERTIFICATE"}


def subject_of(role: Role, path: str) -> str:
    return f"{role.value} ({path})"


def load_material(request: Request) -> Material:
    """Read every role the request names, once per distinct path and role."""
    files: dict[Role, LoadedFile] = {}
    seen: set[str] = set()
    for role, path in request.paths.items():
        if path and path not in seen:
            seen.add(path)
            files[role] = load_file(role, path, request.key_password)
    return Material(files)


def load_file(role: Role, path: str, key_password: Optional[bytes] = None) -> LoadedFile:
    subj = subject_of(role, path)
    data, mode_bits, problem = _read_bounded(path, subj, role)
    if problem is not None:
        return LoadedFile(role, path, mode_bits=mode_bits, findings=(problem,))
    if not data.strip():
        return LoadedFile(role, path, mode_bits=mode_bits, findings=(
            finding("file.empty", subj, f"{path} is empty ({len(data)} bytes)."),))
    blocks = [(m.group(1), m.group(0)) for m in _PEM_BLOCK.finditer(data.replace(b"\r\n", b"\n"))]
    if blocks:
        return _from_pem(role, path, subj, blocks, mode_bits, key_password)
    return _from_binary(role, path, subj, data, mode_bits, key_password)


def _read_bounded(path: str, subj: str, role: Role) -> tuple[bytes, Optional[int], Optional[Finding]]:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        dangling = os.path.islink(path)
        what = "is a symbolic link to a file that does not exist" if dangling else "does not exist"
        return b"", None, finding("file.missing", subj, f"{path} {what} (set by {role.setting}).")
    except OSError as exc:
        reason = "is a symbolic link loop" if exc.errno == errno.ELOOP else (exc.strerror or str(exc))
        return b"", None, finding("file.unreadable", subj, f"{path} cannot be opened: {reason}.")
    mode_bits = stat.S_IMODE(st.st_mode)
    if stat.S_ISDIR(st.st_mode):
        return b"", mode_bits, finding("file.unreadable", subj, f"{path} is a directory, not a file.")
    if stat.S_ISFIFO(st.st_mode) or stat.S_ISSOCK(st.st_mode):
        kind = "FIFO" if stat.S_ISFIFO(st.st_mode) else "socket"
        return b"", mode_bits, finding("file.unreadable", subj, f"{path} is a {kind}; the doctor does not read from it.")
    if stat.S_ISREG(st.st_mode) and st.st_size > MAX_BYTES:
        return b"", mode_bits, finding("file.too_large", subj,
                                       f"{path} is {st.st_size} bytes; TLS material is at most {MAX_BYTES} bytes here.")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        return b"", mode_bits, finding("file.unreadable", subj, f"{path} cannot be read: {exc.strerror or exc}.")
    try:
        chunks, total = [], 0
        while total <= MAX_BYTES:
            chunk = os.read(fd, min(65536, MAX_BYTES + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        return b"", mode_bits, finding("file.unreadable", subj, f"{path} cannot be read: {exc.strerror or exc}.")
    finally:
        os.close(fd)
    if total > MAX_BYTES:
        return b"", mode_bits, finding("file.too_large", subj,
                                       f"{path} gives more than {MAX_BYTES} bytes (an endless device or a huge file).")
    return b"".join(chunks), mode_bits, None


def _from_pem(role, path, subj, blocks, mode_bits, key_password) -> LoadedFile:
    cert_blocks = [b for label, b in blocks if label in _CERT_LABELS]
    key_blocks = [(label, b) for label, b in blocks if label in _KEY_LABELS]
    if role.expects_key:
        if not key_blocks:
            if cert_blocks:
                return LoadedFile(role, path, FileKind.CERTS, "pem", mode_bits=mode_bits, findings=(finding(
                    "file.wrong_kind", subj, f"{path} holds a certificate, but {role.setting} needs the private key "
                    "(paths swapped?)."),))
            labels = ", ".join(sorted({lb.decode() for lb, _ in blocks}))
            return LoadedFile(role, path, mode_bits=mode_bits, findings=(finding(
                "file.not_pem", subj, f"{path} has PEM blocks ({labels}) but no private key."),))
        label, block = key_blocks[0]
        return _parse_key(role, path, subj, block, "pem", mode_bits, key_password, label)
    if not cert_blocks:
        if key_blocks:
            return LoadedFile(role, path, FileKind.KEY, "pem", mode_bits=mode_bits, findings=(finding(
                "file.wrong_kind", subj, f"{path} holds a private key, but {role.setting} needs a certificate "
                "(paths swapped?)."),))
        labels = ", ".join(sorted({lb.decode() for lb, _ in blocks}))
        return LoadedFile(role, path, mode_bits=mode_bits, findings=(finding(
            "file.not_pem", subj, f"{path} has PEM blocks ({labels}) but no CERTIFICATE block."),))
    certs, bad = [], 0
    for block in cert_blocks:
        try:
            certs.append(x509.load_pem_x509_certificate(block.replace(b"TRUSTED CERTIFICATE", b"CERTIFICATE")))
        except ValueError:
            bad += 1
    findings: list[Finding] = []
    if bad:
        findings.append(finding("file.not_pem", subj,
                                f"{bad} of {len(cert_blocks)} CERTIFICATE blocks in {path} do not parse as X.509."))
    return LoadedFile(role, path, FileKind.CERTS, "pem", tuple(certs), mode_bits=mode_bits, findings=tuple(findings))


def _parse_key(role, path, subj, data, encoding, mode_bits, key_password, label=b"") -> LoadedFile:
    base_loader = serialization.load_pem_private_key if encoding == "pem" else serialization.load_der_private_key

    def loader(blob, password):
        # RSA consistency checking costs ~35 ms per key (most of a static run); a pair is proven by comparing
        # public keys instead, which is what Go's tls.X509KeyPair does too.
        return base_loader(blob, password=password, unsafe_skip_rsa_key_validation=True)
    encrypted = label == b"ENCRYPTED PRIVATE KEY" or b"Proc-Type: 4,ENCRYPTED" in data
    findings: list[Finding] = []
    key = None
    try:
        key = loader(data, password=None)
    except TypeError:
        encrypted = True
    except (ValueError, Exception) as exc:  # cryptography raises ValueError or UnsupportedAlgorithm
        if not encrypted:
            return LoadedFile(role, path, FileKind.KEY, encoding, mode_bits=mode_bits, findings=(finding(
                "file.not_pem", subj, f"{path} has a private-key block that does not parse ({type(exc).__name__})."),))
    if encrypted:
        note = ""
        if key_password is not None:
            try:
                key = loader(data, password=key_password)
                note = " The given password opens it, so the other checks use it."
            except Exception:  # wrong password or damaged key: say so, never echo the password
                note = " The given password does not open it."
        findings.append(finding("key.encrypted", subj,
                                f"{path} is encrypted; Milvus and pymilvus cannot load encrypted keys.{note}"))
    if encoding == "der":
        findings.insert(0, finding("file.der", subj, f"{path} is a DER (binary) private key; {role.setting} needs PEM."))
    return LoadedFile(role, path, FileKind.KEY, encoding, key=key, key_encrypted=encrypted, mode_bits=mode_bits,
                      findings=tuple(findings))


def _from_binary(role, path, subj, data, mode_bits, key_password) -> LoadedFile:
    try:
        cert = x509.load_der_x509_certificate(data)
    except ValueError:
        cert = None
    if cert is not None:
        kind_note = "" if not role.expects_key else " It is also a certificate, not a key (paths swapped?)."
        code = "file.der" if not role.expects_key else "file.wrong_kind"
        return LoadedFile(role, path, FileKind.CERTS, "der", (cert,), mode_bits=mode_bits, findings=(finding(
            code, subj, f"{path} is a DER (binary) certificate; {role.setting} needs PEM.{kind_note}"),))
    for password in (None, key_password):
        try:
            serialization.load_der_private_key(data, password=password, unsafe_skip_rsa_key_validation=True)
        except TypeError:
            continue
        except Exception:
            break
        if not role.expects_key:
            return LoadedFile(role, path, FileKind.KEY, "der", mode_bits=mode_bits, findings=(finding(
                "file.wrong_kind", subj, f"{path} is a DER private key, but {role.setting} needs a PEM certificate."),))
        return _parse_key(role, path, subj, data, "der", mode_bits, key_password)
    hint = " It looks like PKCS#12 (.p12/.pfx): extract with `openssl pkcs12 -in X.p12 -nokeys -out X.pem` " \
           "and `-nocerts -nodes -out X.key`." if data[:1] == b"\x30" else ""
    return LoadedFile(role, path, mode_bits=mode_bits, findings=(finding(
        "file.not_pem", subj, f"{path} is neither a PEM/DER certificate nor a private key.{hint}"),))


def fingerprints(material: Material) -> Mapping[str, str]:
    """SHA-256 fingerprints by role: what a report may show instead of any key bytes."""
    from cryptography.hazmat.primitives import hashes

    out: dict[str, str] = {}
    for role, f in material.files.items():
        if f.certs:
            out[role.value] = "sha256:" + f.certs[0].fingerprint(hashes.SHA256()).hex()
        elif f.key is not None:
            spki = f.key.public_key().public_bytes(serialization.Encoding.DER,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)
            digest = hashes.Hash(hashes.SHA256())
            digest.update(spki)
            out[role.value] = "spki-sha256:" + digest.finalize().hex()
    return out
