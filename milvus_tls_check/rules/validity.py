"""cert.*: validity windows of every certificate in every file, CAs and intermediates included."""
from __future__ import annotations

import datetime as dt
import os

from ..facts.x509 import (as_ip, fingerprint, is_self_issued, readable_name, serial_number, split_host_port,
                          unhandled_critical)
from ..findings import finding, fix_for
from ..material import subject_of
from ..model import Role, Severity
from . import Context, result, rule


def go_parses(ctx: Context, f, index: int) -> tuple[int, ...]:
    """The tlsModes in which Milvus (Go) parses certificate #index of file f with crypto/x509: the server leaf
    (tls.LoadX509KeyPair, x509keypairleaf), tls.caPemPath (AppendCertsFromPEM, mode 2) and every certificate the
    client sends (mode 2). () when Go never parses it."""
    modes: set[int] = set()
    if f.path == ctx.request.path(Role.SERVER_CERT) and index == 0:
        modes.update(ctx.modes)
    if 2 in ctx.modes:
        if f.path == ctx.request.path(Role.SERVER_CA):
            modes.add(2)
        params = ctx.client(2)
        if params.sends_client_cert and f.path == params.client_pem_path:
            modes.add(2)
    return tuple(sorted(modes))


def serial_finding(ctx: Context, f, index: int, cert, subject: str):
    """Negative serials: Go 1.23+ refuses them when the go.mod go line is 1.23+ too (GODEBUG x509negativeserial
    keeps accepting them below; observed with Go 1.24.11 and go lines 1.21-1.24: "x509: negative serial number").
    A zero serial breaks RFC 5280 but every Go accepts it; BoringSSL (pymilvus) accepts both (observed)."""
    serial = serial_number(cert)
    name = readable_name(cert)
    if serial == 0:
        return finding("cert.serial_invalid", subject, f"{name} has serial number 0 (RFC 5280 wants a positive serial); "
                       "Go and grpcio still accept it.", severity=Severity.WARNING)
    modes = go_parses(ctx, f, index)
    if not modes:
        return finding("cert.serial_invalid", subject, f"{name} has serial number {serial}; only Milvus's Go would "
                       "refuse it (Go 1.23+ with go.mod go 1.23+) and Go does not read this file.",
                       severity=Severity.WARNING)
    if ctx.go_rule("1.23"):
        what = ("Milvus exits at start (\"proxy can't create creds: x509: negative serial number\")"
                if f.path == ctx.request.path(Role.SERVER_CERT) and index == 0 else
                "Milvus refuses it in tlsMode 2 (\"tls: failed to parse client certificate: x509: negative serial "
                "number\"; a CA like it in tls.caPemPath is skipped: \"fail to append ca to cert\")")
        return finding("cert.serial_invalid", subject, f"{name} has serial number {serial}; {ctx.judged} refuses it: "
                       f"{what}.", severity=Severity.ERROR,
                       modes=() if set(modes) >= set(ctx.modes) else modes)
    return finding("cert.serial_invalid", subject, f"{name} has serial number {serial}; {ctx.judged} accepts it "
                   f"(GODEBUG x509negativeserial=1 from its go.mod go line), Milvus 2.5.11+ and 2.6 (Go 1.24, go "
                   "1.24) refuse it.", severity=Severity.WARNING)


def reissue_facts(ctx: Context, f, cert) -> dict:
    """What `milvus-tls gen` needs to reissue `cert` from its CA (findings.FIXES cert.*): the file holding the
    issuer, the CA key beside it when there is one (ca.pem -> ca.key), the server_name, and a new folder beside."""
    facts: dict = {"file": f.path, "deployment": ctx.deployment}
    name = split_host_port(ctx.request.server_name)[0] if ctx.request.server_name else ""
    if name:
        facts["name"] = name
        facts["ip"] = as_ip(name) is not None
    in_secret = ctx.deployment is not None and ctx.deployment.in_secret_dir(f.path)
    if is_self_issued(cert):
        facts["new_set"] = True
        facts["out"] = "renewed" if in_secret else os.path.join(os.path.dirname(f.path) or ".", "renewed")
        return facts
    # gen reads the first certificate of --from-ca: a file that starts with the issuer, a CA file first
    holders = [g for g in ctx.material.files.values() if g.certs and g.certs[0].subject == cert.issuer]
    holder = min(holders, key=lambda g: g.role not in (Role.SERVER_CA, Role.CLIENT_CA), default=None)
    if holder is None or ctx.deployment is not None and ctx.deployment.in_secret_dir(holder.path):
        return facts
    folder = os.path.dirname(holder.path) or "."
    facts["ca"] = holder.path
    facts["out"] = os.path.join(folder, "renewed")
    stem = os.path.basename(holder.path).rsplit(".", 1)[0]
    for candidate in dict.fromkeys((f"{stem}.key", "ca.key")):
        if os.path.isfile(os.path.join(folder, candidate)):
            facts["ca_key"] = os.path.join(folder, candidate)
            break
    else:
        facts["ca_key_where"] = folder
    return facts


def _when(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%SZ")


@rule("validity", codes=("cert.serial_invalid", "cert.expired", "cert.not_yet_valid", "cert.expires_soon"))
def check_validity(ctx: Context):
    seen: set[bytes] = set()
    soon = ctx.at + dt.timedelta(days=ctx.request.warn_days)
    for role, f in ctx.material.files.items():
        if not f.certs:
            continue
        subject = subject_of(role, f.path)
        # In a bundle of several trust anchors an expired extra one is unused, not fatal.
        bundle = len(f.certs) > 1 and role.value.endswith("ca_pem")
        findings = []
        for index, cert in enumerate(f.certs):
            fp = fingerprint(cert)
            if fp in seen:
                continue
            seen.add(fp)
            name = readable_name(cert)
            start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
            sev = Severity.WARNING if bundle else None
            if serial_number(cert) <= 0:
                findings.append(serial_finding(ctx, f, index, cert, subject))
            if ctx.at > end:
                findings.append(finding("cert.expired", subject, f"{name} expired {_when(end)} "
                                        f"(judged at {_when(ctx.at)}).", severity=sev,
                                        fix=fix_for("cert.expired", **reissue_facts(ctx, f, cert))))
            elif ctx.at < start:
                findings.append(finding("cert.not_yet_valid", subject, f"{name} is valid only from {_when(start)} "
                                        f"(judged at {_when(ctx.at)}).", severity=sev,
                                        fix=fix_for("cert.not_yet_valid", file=f.path, deployment=ctx.deployment)))
            elif soon > end:
                days = (end - ctx.at).days
                findings.append(finding("cert.expires_soon", subject,
                                        f"{name} expires {_when(end)}, in {days} day{'s' if days != 1 else ''}.",
                                        fix=fix_for("cert.expires_soon", **reissue_facts(ctx, f, cert))))
        yield result("validity", f"validity of every certificate in {role.setting}", subject, ctx.scoped(findings, f))


def _verifiers(ctx: Context, f) -> list[tuple[str, str, tuple[int, ...]]]:
    """(verifier, its words, modes) for each TLS stack that verifies the certificates of file f: pymilvus's
    BoringSSL for the server chain and the client's trust file, Milvus's Go for the client chain and
    tls.caPemPath (mode 2)."""
    out = []
    client_roots = {ctx.client(m).root_path for m in ctx.modes}
    if f.path == ctx.request.path(Role.SERVER_CERT) or f.path in client_roots:
        out.append(("boringssl", "pymilvus (grpcio/BoringSSL) refuses it: CERTIFICATE_VERIFY_FAILED "
                    "(\"unsupported critical extension\")", ()))
    if 2 in ctx.modes:
        params = ctx.client(2)
        if f.path == ctx.request.path(Role.SERVER_CA) or (params.sends_client_cert and f.path == params.client_pem_path):
            out.append(("go", f"Milvus ({ctx.judged}) refuses it in tlsMode 2: \"x509: unhandled critical extension\"",
                        (2,)))
    return out


@rule("validity.extensions", codes=("cert.unknown_critical_extension",))
def check_critical_extensions(ctx: Context):
    """Critical extensions the verifier does not handle (observed: a critical private OID fails Go 1.21/1.24 and
    grpcio 1.85; a critical policyConstraints passes Go 1.24). Go before 1.22 does not handle policyMappings,
    policyConstraints and inhibitAnyPolicy (parser.go, from source)."""
    go_122 = ctx.go_at_least("1.22")
    for role, f in ctx.material.files.items():
        if not f.certs:
            continue
        subject = subject_of(role, f.path)
        findings = []
        for verifier, words, modes in _verifiers(ctx, f):
            for cert in f.certs:
                unknown = unhandled_critical(cert, verifier, go_122=go_122)
                if unknown:
                    findings.append(finding("cert.unknown_critical_extension", subject,
                                            f"{readable_name(cert)} marks {', '.join(unknown)} critical; {words}. "
                                            f"Reissue it without `critical` on that extension and replace it in "
                                            f"{f.path}.", modes=modes))
        yield result("validity.extensions", f"critical extensions in {role.setting} are understood", subject,
                     ctx.scoped(findings, f))


# Report position of this family (rules/__init__.registered_rules).
ORDER = 40
