"""sig.*: signature hashes each verifier still accepts. A self-signed anchor's own signature is never checked."""
from __future__ import annotations

from ..facts.x509 import go_signature_problem, is_self_issued, pss_problem, readable_name, signature_hash_name
from ..findings import finding, fix_for
from ..material import subject_of
from ..model import Role, Severity
from . import Context, result, rule

BROKEN = {"md5": "MD5", "sha1": "SHA-1"}


@rule("algorithms", codes=("sig.weak",))
def check_signatures(ctx: Context):
    # (role, who verifies it, does SHA-1 break it)
    plan = [(Role.SERVER_CERT, "pymilvus (BoringSSL)", False)]
    if 2 in ctx.modes and ctx.client(2).sends_client_cert:
        # Go 1.18+ refuses SHA-1 (x509sha1 GODEBUG gone in Go 1.24); every Milvus line since 2.3 builds with Go 1.20+.
        # Observed, Go 1.21/1.24: "x509: cannot verify signature: insecure algorithm SHA1-RSA".
        plan.append((Role.CLIENT_CERT, f"Milvus (Go 1.18+; {ctx.judged})", True))
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
                modes=(2,) if role is Role.CLIENT_CERT else (),
                fix=fix_for("sig.weak", file=f.path, what=readable_name(cert) if cert is not f.certs[0] else "",
                            deployment=ctx.deployment)))
        yield result("algorithms", f"signature hashes in {role.setting}", subject_of(role, f.path), findings,
                     mode=2 if role is Role.CLIENT_CERT else None)


@rule("algorithms.support", codes=("sig.unsupported",))
def check_signature_support(ctx: Context):
    """Signatures the verifier does not implement. The server chain is verified by pymilvus's BoringSSL (RSA-PSS
    profile only: "BAD_ENCODING: certificate signature failure"); the client chain in tlsMode 2 by Milvus's Go
    ("x509: cannot verify signature: algorithm unimplemented"). Observed with Go 1.21/1.24 and grpcio 1.85."""
    plan = [(Role.SERVER_CERT, "pymilvus (grpcio/BoringSSL)", pss_problem,
             "\"BAD_ENCODING: certificate signature failure\"")]
    if 2 in ctx.modes and ctx.client(2).sends_client_cert:
        plan.append((Role.CLIENT_CERT, f"Milvus (Go; {ctx.judged})", go_signature_problem,
                     "\"x509: cannot verify signature: algorithm unimplemented\""))
    for role, verifier, problem_of, words in plan:
        f = ctx.file(role)
        if f is None or not f.certs:
            continue
        findings = []
        for cert in f.certs:
            if is_self_issued(cert):
                continue
            problem = problem_of(cert)
            if problem:
                fix = (f"re-sign it with `-sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest` (or plain "
                       f"`-sha256`) and replace it in {f.path}")
                findings.append(finding("sig.unsupported", subject_of(role, f.path),
                                        f"{readable_name(cert)} is signed with {problem}; {verifier} cannot verify it: "
                                        f"{words}. Fix: {fix}.",
                                        modes=(2,) if role is Role.CLIENT_CERT else ()))
        yield result("algorithms.support", f"signature algorithms in {role.setting} are verifiable",
                     subject_of(role, f.path), findings, mode=2 if role is Role.CLIENT_CERT else None)


# Report position of this family (rules/__init__.registered_rules).
ORDER = 80
