"""key.*: does each key belong to its certificate, is it strong enough, is it protected."""
from __future__ import annotations

from dataclasses import replace

from ..facts.x509 import GO_TLS_CURVES, describe_key, ec_curve, fingerprint, key_type, readable_name, rsa_bits, spki
from ..findings import cert_order_command, finding, fix_for, shown
from ..material import subject_of
from ..model import Role, Severity
from . import Context, not_run, result, rule

PAIRS = ((Role.SERVER_CERT, Role.SERVER_KEY), (Role.CLIENT_CERT, Role.CLIENT_KEY))


@rule("keys.pair", codes=("key.mismatch",))
def check_key_pairs(ctx: Context):
    for cert_role, key_role in PAIRS:
        cert_file, key_file = ctx.file(cert_role), ctx.file(key_role)
        if cert_file is None and key_file is None:
            continue
        title = f"{key_role.setting} belongs to {cert_role.setting}"
        subject = f"{cert_role.value} + {key_role.value}"
        if cert_file is None or key_file is None or not cert_file.certs or key_file.key is None:
            missing = [r.setting for r, f in ((cert_role, cert_file), (key_role, key_file))
                       if f is None or (not f.certs and f.key is None)]
            yield not_run("keys.pair", title, subject, f"needs both files parsed; not usable: {', '.join(missing)}")
            continue
        findings = []
        order = ctx.order_of(cert_file.path)
        if order is not None:
            # What is wrong is the order of the certificate file, not the key: the check says so in its title
            # (the code stays key.mismatch, what Go says: "private key does not match public key").
            title = f"{cert_role.setting} holds its certificates leaf first"
            subject = subject_of(cert_role, cert_file.path)
            findings.append(_misordered(ctx, cert_file, key_file, order))
        elif spki(cert_file.leaf.public_key()) != spki(key_file.key.public_key()):
            owner = _owner(ctx, key_file.key)
            findings.append(finding("key.mismatch", subject_of(key_role, key_file.path),
                                    f"{key_file.path} is not the key of {cert_file.path} "
                                    f"(subject {cert_file.leaf.subject.rfc4514_string()}){owner}.",
                                    fix=fix_for("key.mismatch", cert=cert_file.path, key=key_file.path,
                                                deployment=ctx.deployment)))
        yield result("keys.pair", title, subject, ctx.scoped(findings, cert_file))


def _misordered(ctx: Context, cert_file, key_file, order: tuple[int, ...]):
    """One finding for a chain written in the wrong order (material.leaf_first): Go takes the first block as the
    leaf, so LoadX509KeyPair says "private key does not match public key" and Milvus exits; the other checks judged
    the file leaf first, so nothing else repeats this cause."""
    leaf = cert_file.certs[0]     # the Context holds the file leaf first
    first = order.index(1)
    head = cert_file.certs[first]
    parsed_all = not any(f.code == "file.not_pem" for f in cert_file.findings)
    how = (f"Reorder {shown(cert_file.path, ctx.deployment)}, leaf first: "
           f"`{cert_order_command(cert_file.path, order, ctx.deployment)}`"
           if parsed_all else
           f"Put certificate #{order[0]} ({readable_name(leaf)}) first in {shown(cert_file.path, ctx.deployment)}, "
           "then its issuers")
    return finding("key.mismatch", subject_of(cert_file.role, cert_file.path),
                   f"Certificates in the wrong order: {cert_file.path} starts with {readable_name(head)}, not with "
                   f"the leaf, certificate #{order[0]} ({readable_name(leaf)}), which {key_file.path} is the key of. "
                   "The key is right; the order is not. Go takes the first certificate as the leaf, so Milvus refuses "
                   "the pair (\"private key does not match public key\"): put the leaf first and its issuers after "
                   "it. The other checks judged the file in that order.",
                   fix=f"{how} (block numbers as they are now; nothing needs reissuing).")


def _owner(ctx: Context, key) -> str:
    """Name the certificate the key does belong to, when it is among the loaded files (swapped keys)."""
    wanted = spki(key.public_key())
    for f in ctx.material.files.values():
        for cert in f.certs:
            if spki(cert.public_key()) == wanted:
                return f"; it belongs to {f.path} ({cert.subject.rfc4514_string()})"
    return ""


def key_strength_finding(public_key, subject: str, what: str, role: Role = Role.SERVER_CERT, *, ctx=None,
                         go_verifies: bool = False):
    """RSA < 1024 in a leaf cannot sign a TLS 1.3 handshake; in a CA it fails Go 1.24+ (go line 1.24+,
    rsa1024min) where Go verifies (go_verifies: tls.caPemPath or the client's chain, mode 2) and is accepted by
    BoringSSL (observed); < 2048 is weak. The server's key must be one grpc's client offers to verify in TLS 1.3:
    not Ed25519/Ed448/DSA and not P-521 (observed: BoringSSL's client does not offer ecdsa_secp521r1_sha512).
    Observed: an Ed25519 *client* key works with Milvus (pymilvus signs with it, Go verifies it)."""
    kind = key_type(public_key)
    leaf = role in (Role.SERVER_CERT, Role.CLIENT_CERT)
    if kind == "rsa":
        bits = rsa_bits(public_key)
        if bits < 1024 and leaf:
            return finding("key.weak", subject, f"{what} has an RSA {bits}-bit key: too small to sign a TLS 1.3 "
                           "handshake (observed: NO_COMMON_SIGNATURE_ALGORITHMS), and Go 1.24+ refuses it outright.",
                           severity=Severity.ERROR)
        if bits < 1024:
            if go_verifies and ctx is not None and ctx.go_rule("1.24"):
                return finding("key.weak", subject, f"{what} has an RSA {bits}-bit key; {ctx.judged} refuses "
                               "certificates it signed (rsa1024min: \"crypto/rsa: {bits}-bit keys are insecure\", "
                               "\"x509: certificate signed by unknown authority\").".replace("{bits}", str(bits)),
                               severity=Severity.ERROR, modes=(2,))
            judged = f"{ctx.judged} accepts it (GODEBUG rsa1024min=0 from its go.mod go line); " if go_verifies and ctx \
                else ""
            return finding("key.weak", subject, f"{what} has an RSA {bits}-bit key; {judged}grpcio (BoringSSL) "
                           "accepts it, but Milvus builds on Go 1.24 with go.mod go 1.24 (2.5.11+, 2.6) refuse "
                           "client certificates it signed.", severity=Severity.WARNING)
        if bits < 2048:
            return finding("key.weak", subject, f"{what} has an RSA {bits}-bit key (below 2048).")
        return None
    if kind == "ec":
        curve = ec_curve(public_key)
        if curve not in GO_TLS_CURVES:
            return finding("key.unsupported", subject, f"{what} uses curve {curve}; Go's TLS "
                           "accepts only P-256, P-384 and P-521.")
        if curve == "secp521r1" and role is Role.SERVER_CERT:
            return finding("key.unsupported", subject, f"{what} has a P-521 key: pymilvus's grpcio (BoringSSL) "
                           "client does not offer ecdsa_secp521r1_sha512 in TLS 1.3, so the handshake fails "
                           "(client: SSLV3_ALERT_HANDSHAKE_FAILURE; Milvus's Go: \"tls: peer doesn't support any of "
                           "the certificate's signature algorithms\"; observed with grpcio 1.85). Use P-256 or P-384.")
        return None
    if kind == "dsa" or (role is Role.SERVER_CERT and kind in ("ed25519", "ed448")):
        return finding("key.unsupported", subject, f"{what} has a {describe_key(public_key)} key, which grpc's "
                       "BoringSSL client does not accept from a server (Go: \"peer doesn't support any of the "
                       "certificate's signature algorithms\").")
    return None


def _key_path(ctx: Context, role: Role, path: str, index: int) -> str:
    """Where the new key for certificate #index of a file goes: the configured key of a leaf, else a name beside
    the file (ca.pem -> ca.key; an intermediate in a chain file -> intermediate.key)."""
    import os.path
    if index == 0 and role is Role.SERVER_CERT and ctx.request.path(Role.SERVER_KEY):
        return ctx.request.path(Role.SERVER_KEY)
    if index == 0 and role is Role.CLIENT_CERT and ctx.request.path(Role.CLIENT_KEY):
        return ctx.request.path(Role.CLIENT_KEY)
    folder, name = os.path.split(path)
    stem = name.rsplit(".", 1)[0] if index == 0 else "intermediate"
    return os.path.join(folder, f"{stem}.key")


def _go_verifies(ctx: Context, f) -> bool:
    """Does Milvus (Go) verify signatures made by the keys in this file (mode 2: tls.caPemPath, the client chain)?"""
    if 2 not in ctx.modes:
        return False
    params = ctx.client(2)
    return f.path == ctx.request.path(Role.SERVER_CA) or (params.sends_client_cert and f.path == params.client_pem_path)


@rule("keys.strength", codes=("key.weak", "key.unsupported"))
def check_key_strength(ctx: Context):
    seen = set()
    for role, f in ctx.material.files.items():
        if not f.certs:
            continue
        findings = []
        for index, cert in enumerate(f.certs):
            fp = fingerprint(cert)
            if fp in seen:
                continue
            seen.add(fp)
            what = f"certificate #{index + 1} ({cert.subject.rfc4514_string()})"
            leaf_role = role if index == 0 and role in (Role.SERVER_CERT, Role.CLIENT_CERT) else Role.SERVER_CA
            hit = key_strength_finding(cert.public_key(), subject_of(role, f.path), what, leaf_role, ctx=ctx,
                                       go_verifies=_go_verifies(ctx, f))
            if hit:
                fix = fix_for(hit.code, key=_key_path(ctx, role, f.path, index), file=f.path,
                              deployment=ctx.deployment)
                findings.append(replace(hit, fix=fix) if fix else hit)
        yield result("keys.strength", f"key types and sizes in {role.setting}", subject_of(role, f.path),
                     ctx.scoped(findings, f))


def _k8s_key_permissions(ctx: Context, role: Role, f):
    """Kubernetes material: the kubelet writes the key with the volume's defaultMode (or the item's mode); 0644
    when neither is set. A Secret given without its workload has no volume to judge."""
    deployment = ctx.deployment
    title = f"{role.setting} is private to its owner"
    entry = deployment.secret_entry(f.path)
    sk = deployment.secret_key(f.path)
    where = f"key {sk[1]} of Secret {sk[0]}" if sk else "a Kubernetes volume"
    subject = f"{role.setting} ({where})"
    if entry is None or entry[0].file_modes is None or entry[1] not in entry[0].file_modes:
        return not_run("keys.permissions", title, subject, "no workload was given, so the file mode the pod sees "
                       "(the volume's defaultMode) is unknown; add the Deployment/StatefulSet manifest with --k8s")
    mount, rel = entry
    mode = mount.file_modes[rel]
    findings = []
    if mode & 0o044:
        how = "defaultMode is not set, so Kubernetes uses 0644" if not mount.default_mode_set else \
            f"the volume gives it mode {mode:04o}"
        secret = sk[0] if sk else mount.volume
        findings.append(finding(
            "key.permissions", subject,
            f"{where} is mounted by volume {mount.volume} ({mount.origin}) with mode {mode:04o}: {how}; the key is "
            "readable by every user in the container.", severity=Severity.WARNING,
            fix=f"Set defaultMode: 0600 on volume {mount.volume} (secret: {{secretName: {secret}, defaultMode: 0600}}; "
                "384 in JSON), or mode: 0600 on its items entry; 0400 works too."))
    return result("keys.permissions", title, subject, findings)


@rule("keys.permissions", codes=("key.permissions",))
def check_key_permissions(ctx: Context):
    for role in (Role.SERVER_KEY, Role.CLIENT_KEY):
        f = ctx.file(role)
        if f is None or f.mode_bits is None or f.key is None and not f.key_encrypted:
            continue
        if ctx.deployment is not None and ctx.deployment.in_secret_dir(f.path):
            yield _k8s_key_permissions(ctx, role, f)   # the pod's file mode, not the doctor's private copy
            continue
        findings = []
        if f.mode_bits & 0o044:
            findings.append(finding("key.permissions", subject_of(role, f.path),
                                    f"{f.path} has mode {oct(f.mode_bits)[2:].zfill(4)}: readable by "
                                    f"{'group and others' if f.mode_bits & 0o004 and f.mode_bits & 0o040 else 'group' if f.mode_bits & 0o040 else 'others'}.",
                                    fix=fix_for("key.permissions", file=f.path)))
        yield result("keys.permissions", f"{role.setting} is private to its owner", subject_of(role, f.path),
                     ctx.scoped(findings, f))


# Report position of this family (rules/__init__.registered_rules).
ORDER = 30
