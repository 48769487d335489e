"""sig.*: signature hashes each verifier still accepts. A self-signed anchor's own signature is never checked."""
from __future__ import annotations

from ..facts.x509 import is_self_issued, signature_hash_name
from ..findings import finding
from ..material import subject_of
from ..model import Role, Severity
from . import Context, result, rule

BROKEN = {"md5": "MD5", "sha1": "SHA-1"}


@rule("algorithms", codes=("sig.weak",))
def check_signatures(ctx: Context):
    # (role, who verifies it, does SHA-1 break it)
    plan = [(Role.SERVER_CERT, "pymilvus (BoringSSL)", False)]
    if 2 in ctx.modes and ctx.client(2).sends_client_cert:
        plan.append((Role.CLIENT_CERT, "Milvus (Go 1.18+)", True))
    for role, verifier, sha1_fatal in plan:
        f = ctx.file(role)
        if f is None or not f.certs:
            continue
        findings = []
        for cert in f.certs:
            if is_self_issued(cert):
                continue
            name = signature_hash_name(cert)
            if name not in BROKEN:
                continue
            fatal = name == "md5" or sha1_fatal
            findings.append(finding(
                "sig.weak", subject_of(role, f.path),
                f"{cert.subject.rfc4514_string()} is signed with {BROKEN[name]}; {verifier} "
                f"{'rejects it' if fatal else 'still accepts it, Go clients and browsers do not'}.",
                severity=Severity.ERROR if fatal else Severity.WARNING,
                modes=(2,) if role is Role.CLIENT_CERT else ()))
        yield result("algorithms", f"signature hashes in {role.setting}", subject_of(role, f.path), findings,
                     mode=2 if role is Role.CLIENT_CERT else None)
