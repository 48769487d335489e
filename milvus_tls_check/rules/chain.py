"""chain.*, ca.*, leaf.is_ca: does each certificate lead to the trust file its peer will use.

Two verifiers are modelled, because the two ends of a Milvus connection differ:
- pymilvus (grpcio, BoringSSL) verifying the server: grpc sets X509_V_FLAG_PARTIAL_CHAIN, so any certificate in
  the trust file is an anchor (the docs hand the server cert itself to the client as server_pem_path);
  intermediates must be CAs whose keyUsage allows keyCertSign, and a leaf that had to be chained must allow
  serverAuth.
- Milvus (Go crypto/x509) verifying a client in tlsMode 2: intermediates must be CA:TRUE; keyUsage is ignored.
Neither checks the trust anchor's own extensions (observed with real handshakes).

cryptography.x509.verification cannot be shaped to either (its CA policy must require basicConstraints, and it
enforces WebPKI key sizes), so the path is built here with cryptography's verify_directly_issued_by doing the
signature work.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm

from ..facts.x509 import (SERVER_AUTH, basic_ca, der, eku_allows, key_cert_sign, name_constraint_violation,
                          path_length, readable_name)
from ..findings import finding, fix_for
from ..material import certificates_beside, subject_of
from ..model import Finding, Role, Severity, Status
from . import Context, not_run, result, rule


MAX_DEPTH = 10


@dataclass(frozen=True)
class Verifier:
    name: str                    # who verifies, as the user knows them
    checks_key_cert_sign: bool   # BoringSSL checks an issuer's keyUsage, Go ignores keyUsage
    anchor_path_length: bool = False   # Go applies pathLenConstraint to the root too; BoringSSL does not
    anchor_must_be_ca: bool = False    # Go's CheckSignatureFrom needs CA:TRUE of the anchor too; BoringSSL does not
    purpose: Optional[object] = None      # EKU checked here (the client cert's EKU is the usage rule's, mode 2)
    purpose_code: str = ""
    purpose_name: str = ""
    cn_constraints: bool = False       # BoringSSL checks a host-name-like CN against name constraints, Go does not
    constraint_words: str = ""


PYMILVUS = Verifier("pymilvus (grpc/BoringSSL)", checks_key_cert_sign=True,
                    purpose=SERVER_AUTH, purpose_code="eku.server_auth_missing",
                    purpose_name="serverAuth", cn_constraints=True,
                    constraint_words="CERTIFICATE_VERIFY_FAILED (\"permitted/excluded subtree violation\")")
MILVUS = Verifier("Milvus (Go)", checks_key_cert_sign=False, anchor_path_length=True, anchor_must_be_ca=True,
                  constraint_words="\"x509: a root or intermediate certificate is not authorized to sign for this name\"")


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
        return True
    except UnsupportedAlgorithm:
        return True   # see below
    except ValueError as exc:
        # An MD5 signature cryptography will not check ("Unsupported signature algorithm"): the names link the
        # two, and sig.weak says why the chain fails. Any other ValueError is a broken link.
        return "signature algorithm" in str(exc)
    except (InvalidSignature, TypeError):
        return False


@dataclass(frozen=True)
class Path:
    certs: tuple[x509.Certificate, ...]   # leaf first, anchor last
    anchored: bool


def build_path(leaf: x509.Certificate, intermediates: Sequence[x509.Certificate],
               anchors: Sequence[x509.Certificate]) -> Path:
    """Depth-first, anchors preferred (X509_V_FLAG_TRUSTED_FIRST), the longest dead end kept for the message."""
    anchor_ders = {der(a) for a in anchors}
    best = Path((leaf,), False)

    def walk(chain: tuple[x509.Certificate, ...]) -> Optional[Path]:
        nonlocal best
        current = chain[-1]
        if der(current) in anchor_ders:
            return Path(chain, True)
        if len(chain) > MAX_DEPTH:
            return None
        if len(chain) > len(best.certs):
            best = Path(chain, False)
        used = {der(c) for c in chain}
        for candidate in list(anchors) + list(intermediates):
            if der(candidate) in used and der(candidate) not in anchor_ders:
                continue
            if der(candidate) == der(current) or not _issued_by(current, candidate):
                continue
            found = walk(chain + (candidate,))
            if found:
                return found
        return None

    return walk((leaf,)) or best


# A certificate that another file holds: (path as given, 1-based block number in it, certificate, blocks in it).
Holder = tuple[str, int, x509.Certificate, int]


def holders_of(files, ctx: Optional[Context] = None) -> list[Holder]:
    """Every certificate of the loaded files with where it sits (block numbers as the file is written, also for a
    file the Context holds reordered)."""
    out = []
    for f in files:
        order = ctx.order_of(f.path) if ctx is not None else None
        for i, cert in enumerate(f.certs):
            out.append((f.path, order[i] if order else i + 1, cert, len(f.certs)))
    return out


def _missing_issuer(leaf, sent, anchors, last, candidates: Sequence[Holder]) -> Optional[Holder]:
    """The certificate among candidates that signed `last` and, sent with the chain, links it to the anchors."""
    for holder in candidates:
        if _issued_by(last, holder[2]) and build_path(leaf, tuple(sent) + (holder[2],), anchors).anchored:
            return holder
    return None


def judge_chain(leaf_role: Role, chain_file, trust_file, verifier: Verifier, other_certs: Sequence[Holder],
                mode: int, *, deployment=None, beside=None) -> list[Finding]:
    """Findings for one chain as one verifier will see it. other_certs: the certificates of every loaded file;
    beside: a callable returning the certificates of the files beside the configured ones (material
    .certificates_beside), asked only when the leaf's issuer is in no file given."""
    subject = subject_of(leaf_role, chain_file.path)
    leaf, sent = chain_file.certs[0], chain_file.certs[1:]
    anchors = trust_file.certs
    path = build_path(leaf, sent, anchors)
    modes = (mode,)
    if not path.anchored:
        last = path.certs[-1]
        found, where, dead_end = None, "is in the material", None
        if last.issuer != last.subject:
            found = _missing_issuer(leaf, sent, anchors, last, other_certs)
            dead_end = None if found else next((h for h in other_certs if _issued_by(last, h[2])), None)
            if found is None and dead_end is None and beside is not None:
                found, where = _missing_issuer(leaf, sent, anchors, last, beside()), "is in a file beside it"
                dead_end = None if found else next((h for h in beside() if _issued_by(last, h[2])), None)
        if found is not None:
            at, block, inter, count = found
            shown_at = at if count == 1 else f"{at} (certificate #{block})"
            return [finding("chain.intermediate_missing", subject,
                            f"{verifier.name} cannot link {readable_name(last)} to {trust_file.path}: its issuer "
                            f"{readable_name(inter)} {where}, {shown_at}, but not sent in {chain_file.path}.",
                            modes=modes,
                            fix=fix_for("chain.intermediate_missing", cert=chain_file.path, intermediate=at,
                                        block=block, count=count, deployment=deployment))]
        held = "; ".join(readable_name(a) for a in anchors[:3]) or "nothing"
        same_name = [a for a in anchors if a.subject == last.issuer]
        fix = fix_for("chain.untrusted", cert=chain_file.path, ca=trust_file.path, deployment=deployment,
                      peer=verifier.name)
        if same_name:
            why = (f" {readable_name(same_name[0])} in {trust_file.path} has the issuer's name but another key, so "
                   "the signature does not verify (a CA regenerated with the same subject?).")
            return [finding("chain.untrusted", subject,
                            f"{readable_name(leaf)} is issued by {leaf.issuer.rfc4514_string()}, but {verifier.name} "
                            f"trusts {trust_file.path} which holds {held}.{why}", modes=modes, fix=fix)]
        if last.issuer == last.subject:
            what = (f"{readable_name(leaf)} is self-signed" if last is leaf else
                    f"the chain in {chain_file.path} ends at the root {readable_name(last)}")
            return [finding("chain.untrusted", subject,
                            f"{what}, and {verifier.name} trusts only {trust_file.path}, which does not hold it. Side "
                            f"by side: {readable_name(last)}; {trust_file.path} holds {held}.", modes=modes, fix=fix)]
        if dead_end is not None:
            at, block, inter, count = dead_end
            return [finding("chain.untrusted", subject,
                            f"{verifier.name} cannot link {readable_name(leaf)} to {trust_file.path}: the issuer "
                            f"{readable_name(inter)} is in {at}, but it does not lead to {trust_file.path} either "
                            f"(it is issued by {inter.issuer.rfc4514_string()}); either {trust_file.path} holds the "
                            f"wrong CA or another intermediate is missing. Side by side: {trust_file.path} holds "
                            f"{held}.", modes=modes, fix=fix)]
        missing = last.issuer.rfc4514_string()
        return [finding("chain.untrusted", subject,
                        f"{verifier.name} cannot link {readable_name(leaf)} to {trust_file.path}: either an "
                        f"intermediate CA is missing (no file given, and none beside them, holds the issuer "
                        f"{missing}), or {trust_file.path} holds the wrong CA. Side by side: the issuer needed is "
                        f"{missing}; {trust_file.path} holds {held}.", modes=modes, fix=fix)]
    out: list[Finding] = []
    holder_of = {der(h[2]): h[0] for h in other_certs}

    def reissue(code: str, issuer) -> Optional[str]:
        """The fix naming the issuer and the file it is in (the trust file for the anchor)."""
        where = trust_file.path if issuer in anchors else holder_of.get(der(issuer), chain_file.path)
        return fix_for(code, file=where, what=readable_name(issuer), deployment=deployment)
    # BoringSSL does not check a trust anchor's basicConstraints (observed: a CA:FALSE root or one without
    # basicConstraints still anchors the chain); Go does (observed with the Go rehearsal: "parent certificate cannot
    # sign this kind of certificate"). The issuers between the leaf and the anchor must be CAs for both.
    for position, issuer in enumerate(path.certs[1:], start=1):
        is_anchor = position == len(path.certs) - 1
        ca_flag = basic_ca(issuer)
        if ca_flag is not True and is_anchor and verifier.anchor_must_be_ca and \
                (ca_flag is False or issuer.version == x509.Version.v3):
            state = "has CA:FALSE" if ca_flag is False else "has no basicConstraints"
            out.append(finding("ca.anchor_not_ca", subject, f"{readable_name(issuer)} in {trust_file.path} signs "
                               f"{readable_name(path.certs[position - 1])} but {state}; {verifier.name} refuses the "
                               "signature (\"x509: invalid signature: parent certificate cannot sign this kind of "
                               "certificate\").", modes=modes, fix=reissue("ca.anchor_not_ca", issuer)))
        if ca_flag is not True and not is_anchor:
            state = "has CA:FALSE" if ca_flag is False else "has no basicConstraints"
            out.append(finding("ca.not_ca", subject, f"intermediate {readable_name(issuer)} signs "
                               f"{readable_name(path.certs[position - 1])} but {state}; {verifier.name} requires CA:TRUE "
                               "of every intermediate.", modes=modes, fix=reissue("ca.not_ca", issuer)))
        limit = path_length(issuer)
        below = position - 1   # intermediates between this issuer and the leaf
        if limit is not None and below > limit and (not is_anchor or verifier.anchor_path_length):
            out.append(finding("ca.path_length_exceeded", subject, f"{readable_name(issuer)} allows {limit} intermediate"
                               f"{'s' * (limit != 1)} below it (pathlen:{limit}) and the chain has {below}; "
                               f"{verifier.name} refuses it.", modes=modes,
                               fix=reissue("ca.path_length_exceeded", issuer)))
        if verifier.checks_key_cert_sign and key_cert_sign(issuer) is False:
            # Observed: BoringSSL applies this to the anchor too, whenever the anchor signs the leaf or an intermediate.
            out.append(finding("ca.key_cert_sign_missing", subject,
                               f"{'root' if is_anchor else 'intermediate'} {readable_name(issuer)} has a keyUsage without "
                               f"keyCertSign; {verifier.name} refuses it as an issuer.", modes=modes,
                               fix=reissue("ca.key_cert_sign_missing", issuer)))
    # Name constraints of every CA above the leaf, the anchor included (observed: Go 1.21/1.24 refuse a client
    # certificate below a root permitting only example.com: '... not authorized to sign for this name: DNS name
    # "localhost" is not permitted by any constraint'; grpcio 1.85 refuses such a server cert: CERTIFICATE_VERIFY_FAILED).
    for issuer in path.certs[1:]:
        violation = name_constraint_violation(issuer, leaf, cn_fallback=verifier.cn_constraints)
        if violation:
            out.append(finding("chain.name_constraints", subject,
                               f"{readable_name(issuer)} constrains the names it may sign and {readable_name(leaf)} is "
                               f"outside them ({violation}); {verifier.name} refuses it: {verifier.constraint_words}. "
                               f"Reissue {chain_file.path} with permitted names, or from a CA without these "
                               "constraints.", modes=modes))
            break
    if verifier.purpose is not None and len(path.certs) > 1:
        # BoringSSL checks the purpose of a leaf it had to chain; a leaf that is itself the anchor (the docs'
        # server_pem_path = server.pem) is trusted as it is.
        ok, names = eku_allows(leaf, verifier.purpose)
        if not ok:
            out.append(finding(verifier.purpose_code, subject, f"{readable_name(leaf)} has extendedKeyUsage "
                               f"{', '.join(names)} without {verifier.purpose_name}; {verifier.name} refuses it "
                               "(\"unsupported certificate purpose\").", modes=modes,
                               fix=fix_for(verifier.purpose_code, file=chain_file.path, deployment=deployment)))
    return out


def _leaf_is_ca(role: Role, f, deployment=None) -> list[Finding]:
    if basic_ca(f.certs[0]) is True:
        return [finding("leaf.is_ca", subject_of(role, f.path), f"{readable_name(f.certs[0])} has CA:TRUE but is used as "
                        f"the {role.setting} leaf.", severity=Severity.WARNING,
                        fix=fix_for("leaf.is_ca", file=f.path, deployment=deployment))]
    return []


@rule("chain", codes=("chain.untrusted", "chain.intermediate_missing", "chain.name_constraints", "ca.not_ca",
                      "ca.anchor_not_ca", "chain.too_complex", "cert.go_parse_refused", "cert.expired",
                      "cert.not_yet_valid", "cert.unknown_critical_extension", "eku.client_auth_missing", "sig.weak",
                      "sig.unsupported", "cert.serial_invalid", "key.weak",
                     "ca.path_length_exceeded",
                     "ca.key_cert_sign_missing", "leaf.is_ca", "eku.server_auth_missing"))
def check_chains(ctx: Context):
    everything = holders_of(ctx.material.files.values(), ctx)
    looked: list = []

    def beside():   # the files beside the configured ones, read at most once per run
        if not looked:
            given = [ctx.request.path(r) for r in ctx.request.paths]
            local = [p for p in given if not (ctx.deployment is not None and ctx.deployment.in_secret_dir(p))]
            looked.append(certificates_beside(local,
                                              skip=[f.path for f in ctx.material.files.values()]))
        return [(p, n, c, sum(1 for q, _, _ in looked[0] if q == p)) for p, n, c in looked[0]]
    server = ctx.file(Role.SERVER_CERT)
    client = ctx.file(Role.CLIENT_CERT)
    if server is not None and server.certs:
        yield result("chain.leaf", "server certificate is a leaf", subject_of(Role.SERVER_CERT, server.path),
                     _leaf_is_ca(Role.SERVER_CERT, server, ctx.deployment))
    for mode in ctx.modes:
        params = ctx.client(mode)
        root = ctx.trust_file(params.root_path)
        title = f"mode {mode}: pymilvus trusts the server chain"
        if params.root_path is None:
            pass  # client.* rules explain what pymilvus does without a root of its own
        elif server is None or not server.certs or root is None or not root.certs:
            yield not_run("chain.server", title, subject_of(Role.SERVER_CERT, server.path if server else "-"),
                          "needs the server certificate and the client's trust file parsed", mode=mode)
        else:
            yield result("chain.server", title, subject_of(Role.SERVER_CERT, server.path),
                         judge_chain(Role.SERVER_CERT, server, root, PYMILVUS, everything, mode,
                                     deployment=ctx.deployment, beside=beside), mode=mode)
        if mode != 2 or not params.sends_client_cert:
            continue
        ca = ctx.file(Role.SERVER_CA)
        title = "mode 2: Milvus trusts the client chain"
        if client is None or not client.certs or ca is None or not ca.certs:
            yield not_run("chain.client", title, subject_of(Role.CLIENT_CERT, client.path if client else "-"),
                          "needs the client certificate and tls.caPemPath parsed", mode=mode)
            continue
        findings = judge_chain(Role.CLIENT_CERT, client, ca, MILVUS, everything, mode, deployment=ctx.deployment,
                               beside=beside) + _leaf_is_ca(Role.CLIENT_CERT, client, ctx.deployment)
        yield result("chain.client", title, subject_of(Role.CLIENT_CERT, client.path), findings, mode=mode)


# Subjects of the findings about what a client presents in mode 2 and what Milvus verifies it against.
_CLIENT_CHAIN_SUBJECTS = ("client_pem (", "client_key (", "ca_pem (")


def milvus_verifies_client(ctx: Context, checks: tuple) -> tuple:
    """After every rule (mode 2): Milvus's Go, the toolchain and go.mod line of the judged build, verifies the client
    chain against tls.caPemPath by Go's path validation (facts/gopath.py). A rejection no error finding about the
    client's files already explains with one of the codes Go's path validation decides is said here, in the
    chain.client check; the findings the rules made stay as they are (they were held to real Milvus 2.3.5)."""
    from ..clientkinds.go import PATH_DECIDED, go_pem, model_path
    idx = next((i for i, c in enumerate(checks) if c.check == "chain.client" and c.status is not Status.NOT_RUN),
               None)
    client, ca = ctx.file(Role.CLIENT_CERT), ctx.file(Role.SERVER_CA)
    if idx is None or client is None or not (client.certs or client.cert_ders) or ca is None or \
            not (ca.certs or ca.cert_ders):
        return checks
    covered = any(f.code in PATH_DECIDED and f.severity is Severity.ERROR and (not f.modes or 2 in f.modes)
                  and f.subject.startswith(_CLIENT_CHAIN_SUBJECTS) for c in checks for f in c.findings)
    if covered:
        return checks
    build = ctx.build
    j = model_path(tuple(client.certs), tuple(ca.certs), name=None, at=ctx.at, go=build.go_toolchain,
                   go_line=build.go_line, side="client", chain_pem=go_pem(client), roots_pem=go_pem(ca))
    if j.ok:
        return checks
    fix = fix_for(j.code, file=client.path, cert=client.path, ca=ca.path, peer=MILVUS.name,
                  deployment=ctx.deployment)
    new = finding(j.code, subject_of(Role.CLIENT_CERT, client.path),
                  f"{MILVUS.name} ({ctx.judged}) refuses the client chain {client.path} against {ca.path}: Go's path "
                  f"validation says \"{j.error}\".", modes=(2,), fix=fix)
    c = checks[idx]
    found = c.findings + (new,)
    return checks[:idx] + (result(c.check, c.title, c.subject, found, mode=c.mode),) + checks[idx + 1:]


# Report position of this family (rules/__init__.registered_rules).
ORDER = 50
