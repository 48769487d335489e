"""Load what each role points at: bounded reads, format sniffing, parsing with `cryptography`.

Nothing here raises on bad input: every problem becomes a finding on the LoadedFile, so a hostile or broken
file ends in a clear report line instead of a traceback. Reads never block (FIFOs are not opened) and never
take more than MAX_BYTES.
"""
from __future__ import annotations

import bisect
import binascii
import re
from dataclasses import replace
from typing import Mapping, Optional

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from .facts.fileio import MAX_BYTES, Problem, ReadResult, read_bounded
from .facts.x509 import fingerprint, quiet_parsing, serial_number, spki, spki_fingerprint
from .findings import finding, fix_for
from .model import FileKind, Finding, LoadedFile, Material, Request, Role, Severity

BOM = b"\xef\xbb\xbf"
_OID_RSASSA_PSS = "1.2.840.113549.1.1.10"

# Re-exported for modules that import them from here today (handshake/*, tests): quiet_parsing, serial_number
# (facts.x509) and MAX_BYTES (facts.fileio). New code imports them from facts.
__all__ = ["MAX_BYTES", "fingerprints", "load_file", "load_material", "loaded_file", "material_of", "quiet_parsing",
           "serial_number", "subject_of"]

# A PEM block is what `-----BEGIN (L)-----\r?\n(.*?)-----END \1-----` (re.S) finds, but that regex is quadratic on
# hostile input (many BEGIN lines without END: a 1 MiB file took minutes). _pem_blocks finds the same blocks in
# one pass over the BEGIN and END markers.
_BEGIN = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n")
_END = re.compile(rb"(?=-----END ([A-Z0-9 ]+)-----)")   # lookahead: markers may share their dashes
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
    clients: dict[str, dict[Role, LoadedFile]] = {}
    for key, own in request.own_client_files().items():   # --go-args / --node-args: each client's own files
        clients[key] = {}
        for role, path in own.items():
            same = next((f for f in files.values() if f.path == path and f.role is role), None)
            clients[key][role] = same or load_file(role, path, request.key_password)
    known = {f.path for f in files.values()} | {f.path for own in clients.values() for f in own.values()}
    roots: dict[str, LoadedFile] = {}
    for cfg in request.client_args.values():   # a selected client's trust root, however it was given
        if cfg.secure and cfg.ca and cfg.ca not in known and cfg.ca not in roots:
            roots[cfg.ca] = load_file(Role.CLIENT_CA, cfg.ca, request.key_password)
    return Material(files, clients, roots)


def with_deployment_files(material: Material, deployment) -> Material:
    """`material` plus every regular file the deployment facts (facts.deployment.DeploymentFacts) name on this host:
    the TLS and internal-TLS paths of milvus.yaml and the certificates of Ingress Secrets, each read once here so the
    config rules judge them without reading a file. A path that is not a regular file is left out."""
    if deployment is None:
        return material
    from pathlib import Path
    wanted: dict[str, Role] = {}
    for key, info in deployment.paths.items():
        if info.host:
            wanted.setdefault(info.host, Role.SERVER_KEY if key.endswith(("KeyPath", "tlsKey")) else
                              Role.SERVER_CA if key.endswith(("caPemPath", "tlsCACert", "SSL_CERT_FILE",
                                                              "ca-certificates.crt")) else Role.SERVER_CERT)
    for etcd in getattr(deployment, "etcd_servers", ()):   # the etcd link's server side (Compose)
        for flag, (_container, host) in etcd.files.items():
            if host:
                wanted.setdefault(host, Role.SERVER_KEY if flag == "key-file" else
                                  Role.SERVER_CA if flag == "trusted-ca-file" else Role.SERVER_CERT)
    for s3 in getattr(deployment, "s3_servers", ()):   # the object-storage link's server side (Compose)
        for listener in s3.listeners:
            if listener.cert[1]:
                wanted.setdefault(listener.cert[1], Role.SERVER_CERT)
    birdwatcher = getattr(deployment, "birdwatcher", None)
    if birdwatcher is not None:   # the Birdwatcher -> etcd link: its files, and the system roots it adds its CA to
        for flag, path in birdwatcher.files.items():
            wanted.setdefault(path, Role.SERVER_KEY if flag == "etcdKey" else
                              Role.SERVER_CA if flag == "rootCAPem" else Role.SERVER_CERT)
        if birdwatcher.enable_tls:
            from .facts.etcdlink import HOST_SYSTEM_BUNDLE
            wanted.setdefault(HOST_SYSTEM_BUNDLE, Role.SERVER_CA)
    for ingress in deployment.ingresses:
        for path in ingress.secret_certs.values():
            if path:
                wanted.setdefault(path, Role.SERVER_CERT)
    files = {path: load_file(role, path) for path, role in wanted.items() if Path(path).is_file()}
    return replace(material, deployment_files=files) if files else material


def load_file(role: Role, path: str, key_password: Optional[bytes] = None) -> LoadedFile:
    return with_fixes(_load_file(role, path, key_password))


def with_fixes(loaded: LoadedFile, deployment=None) -> LoadedFile:
    """Each finding's fix as a command on this file (findings.fix_for); a Secret's key is named by its Secret
    (deployment: the rules pass the deployment facts, which loading does not know)."""
    kind = "key" if loaded.role.expects_key else "cert"
    out = []
    for f in loaded.findings:
        fix = fix_for(f.code, file=loaded.path, kind=kind, deployment=deployment)
        out.append(replace(f, fix=fix) if fix else f)
    return replace(loaded, findings=tuple(out))


def _load_file(role: Role, path: str, key_password: Optional[bytes] = None) -> LoadedFile:
    subj = subject_of(role, path)
    data, mode_bits, problem = _read_bounded(path, subj, role)
    if problem is not None:
        return LoadedFile(role, path, mode_bits=mode_bits, findings=(problem,))
    if not data.strip():
        return LoadedFile(role, path, mode_bits=mode_bits, findings=(
            finding("file.empty", subj, f"{path} is empty ({len(data)} bytes)."),))
    blocks = _pem_blocks(data.replace(b"\r\n", b"\n"))
    if blocks:
        loaded = _from_pem(role, path, subj, blocks, mode_bits, key_password)
        if data.startswith(BOM):
            loaded = replace(loaded, findings=(_bom_finding(role, path, subj, loaded),) + loaded.findings)
        return loaded
    return _from_binary(role, path, subj, data, mode_bits, key_password)


def _bom_finding(role: Role, path: str, subj: str, loaded: LoadedFile) -> Finding:
    """A UTF-8 BOM before the first BEGIN line. Go's pem.Decode takes a BEGIN line only at the start of the data or
    after a newline, so it skips the first block (observed, Go 1.21.13/1.24.11: LoadX509KeyPair "tls: failed to find
    any PEM data in certificate input" / "... in key input"; AppendCertsFromPEM false -> "fail to append ca to
    cert"). grpcio 1.85 (BoringSSL's PEM reader, line-based) refuses it too: "Could not load any root certificate"
    for a trust file, "Failed to create security handshaker" for the client cert or key (observed)."""
    # The command that strips it is the finding's fix (findings.FIXES), with the file as the user knows it.
    first = loaded.certs[0].subject.rfc4514_string() if loaded.certs else ""
    if role in (Role.SERVER_CERT, Role.SERVER_KEY):
        what = "certificate" if role is Role.SERVER_CERT else "key"
        extra = (f" Go skips the first block ({first}) and would take the next certificate as the leaf."
                 if role is Role.SERVER_CERT and len(loaded.certs) > 1 else "")
        return finding("file.bom", subj, f"{path} starts with a UTF-8 byte-order mark: Go's PEM reader does not see "
                       f"the first block, so Milvus exits at start (\"tls: failed to find any PEM data in {what} "
                       f"input\").{extra}")
    if role is Role.SERVER_CA:
        if len(loaded.certs) > 1:
            return finding("file.bom", subj, f"{path} starts with a UTF-8 byte-order mark: Go skips its first "
                           f"certificate ({first}), so Milvus (tlsMode 2) does not trust clients issued by it.",
                           severity=Severity.WARNING)
        return finding("file.bom", subj, f"{path} starts with a UTF-8 byte-order mark: Go finds no certificate in "
                       f"it, so Milvus with tlsMode 2 exits at start (\"fail to append ca to cert\").")
    if role in (Role.CLIENT_CA, Role.CLIENT_SERVER_PEM):
        return finding("file.bom", subj, f"{path} starts with a UTF-8 byte-order mark: pymilvus's grpcio cannot "
                       f"read the root (\"Could not load any root certificate\", then \"Failed to create security "
                       f"handshaker\"), and Milvus's Go skips it too if this is also tls.caPemPath.")
    return finding("file.bom", subj, f"{path} starts with a UTF-8 byte-order mark: pymilvus's grpcio cannot read "
                   f"it (\"Failed to create security handshaker\").")


def _pem_to_der(data: bytes) -> Optional[bytes]:
    """The DER inside one PEM block (header lines skipped), or None when the base64 does not decode."""
    lines = data.replace(b"\r\n", b"\n").split(b"\n")
    body = b"".join(line for line in lines if line and not line.startswith(b"-----") and b":" not in line)
    try:
        return binascii.a2b_base64(body)
    except (binascii.Error, ValueError):
        return None


def _pkcs8_algorithm(data: bytes, encoding: str) -> Optional[str]:
    """The algorithm OID of a PKCS#8 PrivateKeyInfo (PEM "PRIVATE KEY" or DER), or None."""
    der = _pem_to_der(data) if encoding == "pem" else data
    if der is None:
        return None
    try:
        _, s, e = _der_item(der, 0)
        children = _der_children(der, s, e)
        if len(children) < 2 or children[0][0] != 0x02:
            return None
        alg = children[1]
        oid_item = _der_children(der, alg[1], alg[2])[0]
        return _oid(der, oid_item[1], oid_item[2]) if oid_item[0] == 0x06 else None
    except (IndexError, ValueError):
        return None


def _pem_blocks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(label, whole block) for each PEM block, in file order; linear in len(data) (no regex backtracking).

    Same blocks as re.finditer(rb"-----BEGIN (L)-----\\r?\\n.*?-----END \\1-----", re.S): a BEGIN line takes the
    first END line of its label after it; the scan resumes after that END; a BEGIN without one is skipped.
    """
    ends: dict[bytes, list[int]] = {}
    for m in _END.finditer(data):
        ends.setdefault(m.group(1), []).append(m.start())
    blocks: list[tuple[bytes, bytes]] = []
    pos = 0
    while True:
        m = _BEGIN.search(data, pos)
        if m is None:
            return blocks
        label = m.group(1)
        positions = ends.get(label, ())
        i = bisect.bisect_left(positions, m.end())
        if i == len(positions):
            pos = m.start() + 1
            continue
        stop = positions[i] + len(label) + 14    # len("-----END ") + len("-----")
        blocks.append((label, data[m.start():stop]))
        pos = stop


def _read_bounded(path: str, subj: str, role: Role) -> tuple[bytes, Optional[int], Optional[Finding]]:
    """The bounded read (facts.fileio), its problem said as a file.* finding."""
    read = read_bounded(path, MAX_BYTES)
    if read.problem is None:
        return read.data, read.mode_bits, None
    return b"", read.mode_bits, _read_problem(read, subj, role)


def _read_problem(read: ReadResult, subj: str, role: Role) -> Finding:
    path, kind = read.path, read.problem
    if kind is Problem.MISSING:
        return finding("file.missing", subj, f"{path} does not exist (set by {role.setting}).")
    if kind is Problem.DANGLING_LINK:
        return finding("file.missing", subj, f"{path} is a symbolic link to a file that does not exist "
                                             f"(set by {role.setting}).")
    if kind in (Problem.LINK_LOOP, Problem.UNOPENABLE):
        return finding("file.unreadable", subj, f"{path} cannot be opened: {read.reason}.")
    if kind is Problem.DIRECTORY:
        return finding("file.unreadable", subj, f"{path} is a directory, not a file.")
    if kind in (Problem.FIFO, Problem.SOCKET):
        what = "FIFO" if kind is Problem.FIFO else "socket"
        return finding("file.unreadable", subj, f"{path} is a {what}; the doctor does not read from it.")
    if kind is Problem.TOO_LARGE:
        return finding("file.too_large", subj,
                       f"{path} is {read.size} bytes; TLS material is at most {read.limit} bytes here.")
    if kind is Problem.ENDLESS:
        return finding("file.too_large", subj,
                       f"{path} gives more than {read.limit} bytes (an endless device or a huge file).")
    return finding("file.unreadable", subj, f"{path} cannot be read: {read.reason}.")


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
    certs, ders, bad, first_reason, go_reads = [], [], 0, "", []
    for index, block in enumerate(cert_blocks):
        cert, reason = _load_cert(x509.load_pem_x509_certificate, block.replace(b"TRUSTED CERTIFICATE", b"CERTIFICATE"))
        der = _pem_to_der(block)
        if der:
            ders.append(der)
        if cert is not None:
            certs.append(cert)
        elif der and _go_parses(der):
            go_reads.append((index, reason))
        else:
            bad += 1
            first_reason = first_reason or reason
    findings: list[Finding] = []
    if bad:
        findings.append(finding("file.not_pem", subj, f"{bad} of {len(cert_blocks)} CERTIFICATE blocks in {path} "
                                                      f"do not parse as X.509 (first: {first_reason})."))
    for index, reason in go_reads:
        findings.append(finding("cert.cryptography_refused", subj, f"certificate #{index} of {path} does not parse "
                                f"with Python's cryptography ({reason}), which the doctor's own checks and pymilvus's "
                                "side of them read with; Go's parser reads it, so the Go sides (Milvus, Go clients) "
                                "are judged by Go's path validation with it. Whether pymilvus's BoringSSL reads it "
                                "only a handshake tells (run without --no-handshake)."))
    if key_blocks:
        # Go and grpc skip the key block, so this loads; but the docs hand server.pem to every client.
        findings.append(finding("file.key_in_cert", subj, f"{path} also holds a private key ({len(key_blocks)} "
                                "block(s)); whoever receives this certificate file receives the key."))
    return LoadedFile(role, path, FileKind.CERTS, "pem", tuple(certs), cert_ders=tuple(ders), mode_bits=mode_bits,
                      findings=tuple(findings))


def _go_parses(der: bytes) -> bool:
    """Does Go's x509.ParseCertificate (the newest line's rules) read a certificate cryptography refused?"""
    from .facts.gopath import GoParseError, parse_certificate, rules_for
    try:
        parse_certificate(der, rules_for())
        return True
    except GoParseError:
        return False
    except Exception:  # noqa: BLE001 - a DER the model cannot even walk: not Go-readable as far as it can tell
        return False


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
        costly = _kdf_cost_problem(data, encoding) if key_password is not None else None
        if costly:
            note = f" The doctor did not try the given password: {costly}."
        elif key_password is not None:
            try:
                key = loader(data, password=key_password)
                note = " The given password opens it, so the other checks use it."
            except Exception:  # wrong password or damaged key: say so, never echo the password
                note = " The given password does not open it."
        findings.append(finding("key.encrypted", subj,
                                f"{path} is encrypted; Milvus and pymilvus cannot load encrypted keys.{note}"))
    if key is not None and not encrypted and _pkcs8_algorithm(data, encoding) == _OID_RSASSA_PSS:
        findings.append(finding(
            "key.unsupported", subj,
            f"{path} is an RSA-PSS key (`openssl genpkey -algorithm RSA-PSS`): "
            + ("Go's tls.LoadX509KeyPair cannot parse it, so Milvus exits at start (\"tls: failed to parse private "
               "key\")." if role is Role.SERVER_KEY else
               "pymilvus's grpcio cannot use it (\"Failed to create security handshaker\").")
            + f" Write a plain RSA key (`openssl genpkey -algorithm RSA -out {path}`) and reissue the certificate "
              "from it (observed, Go 1.21/1.24, grpcio 1.85)."))
    if encoding == "der":
        findings.insert(0, finding("file.der", subj, f"{path} is a DER (binary) private key; {role.setting} needs PEM.",
                                   fix=to_pem_command("pkey", path)))
    return LoadedFile(role, path, FileKind.KEY, encoding, key=key, key_encrypted=encrypted,
                      pem_label=label.decode("ascii", "replace"), mode_bits=mode_bits, findings=tuple(findings))


# A password is tried only on keys whose key derivation is bounded: a hostile EncryptedPrivateKeyInfo can ask for
# 2^31 PBKDF2 iterations (minutes of CPU inside cryptography, which cannot be interrupted) or a huge scrypt.
# OpenSSL writes 2048 iterations, OWASP asks for 600,000 for PBKDF2-SHA256; scrypt as `openssl -scrypt` uses 16 MiB.
MAX_KDF_ITERATIONS = 2_000_000
MAX_SCRYPT_BYTES = 256 << 20
_OID_PBES2 = "1.2.840.113549.1.5.13"
_OID_PBKDF2 = "1.2.840.113549.1.5.12"
_OID_SCRYPT = "1.3.6.1.4.1.11591.4.11"


def _der_item(buf: bytes, i: int) -> tuple[int, int, int]:
    """(tag, start of contents, end of contents) of the DER item at i; IndexError/ValueError if malformed."""
    tag = buf[i]
    length = buf[i + 1]
    i += 2
    if length & 0x80:
        n = length & 0x7F
        if n == 0 or n > 4:
            raise ValueError("unsupported DER length")
        length = int.from_bytes(buf[i:i + n], "big")
        i += n
    if i + length > len(buf):
        raise ValueError("DER item runs past the end")
    return tag, i, i + length


def _der_children(buf: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    out, i = [], start
    while i < end and len(out) < 16:
        item = _der_item(buf, i)
        out.append(item)
        i = item[2]
    return out


def _oid(buf: bytes, start: int, end: int) -> str:
    raw = buf[start:end]
    if not raw:
        raise ValueError("empty OID")
    parts, value = [raw[0] // 40, raw[0] % 40], 0
    for b in raw[1:]:
        value = (value << 7) | (b & 0x7F)
        if not b & 0x80:
            parts.append(value)
            value = 0
    return ".".join(map(str, parts))


def _kdf_cost_problem(data: bytes, encoding: str) -> Optional[str]:
    """Why trying a password on this encrypted key could take unbounded time, or None.

    Reads the EncryptedPrivateKeyInfo's algorithm (PBES2 with PBKDF2 or scrypt; PKCS#5 v1 / PKCS#12 PBE with an
    iteration count). Legacy `Proc-Type: 4,ENCRYPTED` PEM derives its key with one MD5 round: always bounded.
    """
    import binascii

    if encoding == "pem" and b"Proc-Type:" in data:
        return None   # legacy OpenSSL encryption: no KDF parameters to judge
    der = _pem_to_der(data) if encoding == "pem" else data
    if der is None:
        return None
    try:
        _, s, e = _der_item(der, 0)
        alg = _der_children(der, s, e)[0]                       # AlgorithmIdentifier
        alg_oid_item, params = _der_children(der, alg[1], alg[2])[:2]
        alg_oid = _oid(der, alg_oid_item[1], alg_oid_item[2])
        if alg_oid == _OID_PBES2:
            kdf = _der_children(der, params[1], params[2])[0]   # keyDerivationFunc AlgorithmIdentifier
            kdf_oid_item, kdf_params = _der_children(der, kdf[1], kdf[2])[:2]
            kdf_oid = _oid(der, kdf_oid_item[1], kdf_oid_item[2])
            fields = _der_children(der, kdf_params[1], kdf_params[2])
            ints = [int.from_bytes(der[a:b], "big") for tag, a, b in fields if tag == 0x02]
            if kdf_oid == _OID_PBKDF2 and ints and ints[0] > MAX_KDF_ITERATIONS:
                return f"its PBKDF2 asks for {ints[0]} iterations (more than {MAX_KDF_ITERATIONS})"
            if kdf_oid == _OID_SCRYPT and len(ints) >= 3 and 128 * ints[0] * ints[1] * ints[2] > MAX_SCRYPT_BYTES:
                return f"its scrypt parameters (N={ints[0]}, r={ints[1]}, p={ints[2]}) ask for more than " \
                       f"{MAX_SCRYPT_BYTES >> 20} MiB of work memory"
            return None
        fields = _der_children(der, params[1], params[2])       # PBEParameter: salt, iterations
        ints = [int.from_bytes(der[a:b], "big") for tag, a, b in fields if tag == 0x02]
        if ints and ints[0] > MAX_KDF_ITERATIONS:
            return f"its key derivation asks for {ints[0]} iterations (more than {MAX_KDF_ITERATIONS})"
    except (IndexError, ValueError):
        return None   # not the structure we know: cryptography refuses it quickly on its own
    return None


def _load_cert(load, blob: bytes):
    """(certificate, "") or (None, why). cryptography parses some parts only when asked (extensions, the public
    key, names, validity) and raises more than ValueError (InvalidVersion, UnsupportedAlgorithm): a certificate is
    kept only when every part the rules read parses, so a damaged one is a finding here, not a crash in a rule."""
    try:
        with quiet_parsing():
            cert = load(blob)
    except Exception as exc:  # noqa: BLE001
        return None, f"{type(exc).__name__}: {' '.join(str(exc).split())[:160]}"
    with quiet_parsing():   # the lazy parts warn too (a negative serial in a system bundle): a finding, not stderr
        return _whole_cert(cert)


def _whole_cert(cert):
    try:
        cert.public_key()
        cert.extensions
        cert.subject.rfc4514_string()
        cert.issuer.rfc4514_string()
        cert.not_valid_before_utc
        cert.not_valid_after_utc
        serial_number(cert)
    except Exception as exc:  # noqa: BLE001 - any parse failure is a finding
        return None, f"{type(exc).__name__}: {' '.join(str(exc).split())[:160]}"
    return cert, ""


def _from_binary(role, path, subj, data, mode_bits, key_password) -> LoadedFile:
    try:
        with quiet_parsing():
            cert, cert_reason = _whole_cert(x509.load_der_x509_certificate(data))
    except Exception:  # noqa: BLE001 - not a DER certificate at all
        cert, cert_reason = None, ""
    if cert is not None:
        kind_note = "" if not role.expects_key else " It is also a certificate, not a key (paths swapped?)."
        code = "file.der" if not role.expects_key else "file.wrong_kind"
        return LoadedFile(role, path, FileKind.CERTS, "der", (cert,), mode_bits=mode_bits, findings=(finding(
            code, subj, f"{path} is a DER (binary) certificate; {role.setting} needs PEM.{kind_note}",
            fix=None if role.expects_key else to_pem_command("x509", path)),))
    try:
        serialization.load_der_private_key(data, password=None, unsafe_skip_rsa_key_validation=True)
        is_key = True
    except TypeError:   # an encrypted PKCS#8 key: still a key, whatever the password (_parse_key tries it)
        is_key = True
    except Exception:
        is_key = False
    if is_key:
        if not role.expects_key:
            return LoadedFile(role, path, FileKind.KEY, "der", mode_bits=mode_bits, findings=(finding(
                "file.wrong_kind", subj, f"{path} is a DER private key, but {role.setting} needs a PEM certificate."),))
        return _parse_key(role, path, subj, data, "der", mode_bits, key_password)
    if cert_reason:
        return LoadedFile(role, path, mode_bits=mode_bits, findings=(finding(
            "file.not_pem", subj, f"{path} looks like a DER certificate but does not parse ({cert_reason})."),))
    hint = _pkcs12_hint(path) if data[:1] == b"\x30" else ""
    return LoadedFile(role, path, mode_bits=mode_bits, findings=(finding(
        "file.not_pem", subj, f"{path} is neither a PEM/DER certificate nor a private key.{hint}"),))


def _pkcs12_hint(path: str) -> str:
    stem = path.rsplit(".", 1)[0] if "." in path.rsplit("/", 1)[-1] else path
    if path == f"{stem}.pem":   # the bundle sits where the PEM certificate belongs: move it aside first
        return (f" It looks like PKCS#12 (.p12/.pfx): `mv {path} {stem}.p12 && openssl pkcs12 -in {stem}.p12 -nokeys "
                f"-out {path} && openssl pkcs12 -in {stem}.p12 -nocerts -nodes -out {stem}.key`.")
    return (f" It looks like PKCS#12 (.p12/.pfx): extract with `openssl pkcs12 -in {path} -nokeys -out {stem}.pem` "
            f"and `openssl pkcs12 -in {path} -nocerts -nodes -out {stem}.key`.")


def to_pem_command(tool: str, path: str) -> str:
    """The openssl line that rewrites a DER file at `path` as PEM in place (tool: x509 or pkey)."""
    return (f"Convert it: `openssl {tool} -inform DER -in {path} -out {path}.pem && mv {path}.pem {path}` "
            "(the file keeps its name, so the setting stays as it is).")


def fingerprints(material: Material) -> Mapping[str, str]:
    """SHA-256 fingerprints by role: what a report may show instead of any key bytes."""
    out: dict[str, str] = {}
    named = [(role.value, f) for role, f in material.files.items()]
    named += [(f"{key} {role.value}", f) for key, own in material.clients.items() for role, f in own.items()]
    for name, f in named:
        if f.certs:
            out[name] = "sha256:" + fingerprint(f.certs[0]).hex()
        elif f.key is not None:
            out[name] = "spki-sha256:" + spki_fingerprint(f.key.public_key()).hex()
    return out


def loaded_file(role: Role, path: str, certs=(), key=None, *, mode_bits: Optional[int] = None) -> LoadedFile:
    """A LoadedFile from objects already parsed (certificates in file order, or a private key): no file is read.
    For callers that hold cryptography objects (tests, the certificate factory) and want the rules' view."""
    if key is not None:
        return LoadedFile(role, path, FileKind.KEY, "pem", key=key, mode_bits=mode_bits)
    return LoadedFile(role, path, FileKind.CERTS, "pem", tuple(certs), mode_bits=mode_bits)


def material_of(*files: LoadedFile) -> Material:
    """Material from LoadedFiles, first file per path wins (as load_material reads each path once)."""
    out: dict[Role, LoadedFile] = {}
    paths: set[str] = set()
    for f in files:
        if f.path not in paths:
            paths.add(f.path)
            out[f.role] = f
    return Material(out)


_PAIRS = ((Role.SERVER_CERT, Role.SERVER_KEY), (Role.CLIENT_CERT, Role.CLIENT_KEY))


def leaf_first(material: Material) -> tuple[Material, tuple[tuple[str, tuple[int, ...]], ...]]:
    """A certificate file whose key belongs to a later certificate (a chain written intermediate first): the
    material with that file's certificates in the order they belong (the key's certificate, then its issuers as
    the file holds them, then the rest), and (path, order) for each such file, order being the 1-based block
    numbers of the file leaf first. Go takes the first block as the leaf, so Milvus refuses such a pair; the rules
    report that once (key.mismatch, with the reorder command) and judge every other property on the real leaf, so
    no follow-on finding repeats the one cause."""
    files = dict(material.files)
    misordered: list[tuple[str, tuple[int, ...]]] = []
    for cert_role, key_role in _PAIRS:
        cert_file, key_file = files.get(cert_role), files.get(key_role)
        if cert_file is None or key_file is None or key_file.key is None or len(cert_file.certs) < 2:
            continue
        wanted = spki(key_file.key.public_key())
        certs = cert_file.certs
        if spki(certs[0].public_key()) == wanted:
            continue
        leaf = next((i for i, c in enumerate(certs) if spki(c.public_key()) == wanted), None)
        if leaf is None:
            continue
        order = [leaf]
        while True:
            current = certs[order[-1]]
            nxt = next((i for i, c in enumerate(certs) if i not in order and c.subject == current.issuer
                        and current.issuer != current.subject), None)
            if nxt is None:
                break
            order.append(nxt)
        order += [i for i in range(len(certs)) if i not in order]
        files[cert_role] = replace(cert_file, certs=tuple(certs[i] for i in order))
        misordered.append((cert_file.path, tuple(i + 1 for i in order)))
    return Material(files, material.clients, material.client_roots), tuple(misordered)


# Files beside the configured ones that may hold a missing intermediate (chain.intermediate_missing): the same
# folders only (no recursion, no following into other folders), these names, at most this many files read.
BESIDE_PATTERNS = ("*.pem", "*.crt", "*.cer", "chain*", "intermediate*", "ca-bundle*")
BESIDE_MAX_FILES = 32


def certificates_beside(paths, skip=()) -> list[tuple[str, int, x509.Certificate]]:
    """(path, 1-based block number, certificate) for every certificate in the files beside `paths` (same folders,
    names matching BESIDE_PATTERNS, regular files only, bounded reads via facts.fileio), `skip` paths excluded;
    at most BESIDE_MAX_FILES files are read. Unparseable files are passed over silently: they are not inputs."""
    import fnmatch
    import os

    paths = [str(p) for p in paths if p]
    out: list[tuple[str, int, x509.Certificate]] = []
    seen = {os.path.abspath(p) for p in paths + [str(p) for p in skip if p]}
    # each folder as the user gave it (so the fix names files the way the user does), once
    folders = dict.fromkeys(os.path.dirname(p) or "." for p in paths)
    budget = BESIDE_MAX_FILES
    for given in folders:
        folder = os.path.abspath(given)
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            if budget <= 0:
                return out
            full = os.path.join(folder, name)
            shown_as = os.path.join(given, name) if given != "." else name
            if full in seen or not any(fnmatch.fnmatch(name, p) for p in BESIDE_PATTERNS):
                continue
            if os.path.islink(full) and os.path.dirname(os.path.realpath(full)) != os.path.realpath(folder):
                continue   # never followed into another folder
            seen.add(full)
            budget -= 1
            read = read_bounded(full, MAX_BYTES)
            if not read.ok:
                continue
            number = 0
            for label, block in _pem_blocks(read.data.replace(b"\r\n", b"\n")):
                if label not in _CERT_LABELS:
                    continue
                number += 1
                cert, _ = _load_cert(x509.load_pem_x509_certificate,
                                     block.replace(b"TRUSTED CERTIFICATE", b"CERTIFICATE"))
                if cert is not None:
                    out.append((shown_as, number, cert))
    return out
