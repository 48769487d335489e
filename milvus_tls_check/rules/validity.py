"""cert.*: validity windows of every certificate in every file, CAs and intermediates included."""
from __future__ import annotations

import datetime as dt

from ..facts.x509 import fingerprint, readable_name, serial_number
from ..findings import finding
from ..material import subject_of
from ..model import Severity
from . import Context, result, rule


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
        for cert in f.certs:
            fp = fingerprint(cert)
            if fp in seen:
                continue
            seen.add(fp)
            name = readable_name(cert)
            start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
            sev = Severity.WARNING if bundle else None
            if serial_number(cert) <= 0:
                findings.append(finding("cert.serial_invalid", subject, f"{name} has serial number "
                                        f"{serial_number(cert)}; Go 1.23+ refuses it."))
            if ctx.at > end:
                findings.append(finding("cert.expired", subject, f"{name} expired {_when(end)} "
                                        f"(judged at {_when(ctx.at)}).", severity=sev))
            elif ctx.at < start:
                findings.append(finding("cert.not_yet_valid", subject, f"{name} is valid only from {_when(start)} "
                                        f"(judged at {_when(ctx.at)}).", severity=sev))
            elif soon > end:
                days = (end - ctx.at).days
                findings.append(finding("cert.expires_soon", subject,
                                        f"{name} expires {_when(end)}, in {days} day{'s' if days != 1 else ''}."))
        yield result("validity", f"validity of every certificate in {role.setting}", subject, ctx.scoped(findings, f))
