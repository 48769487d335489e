"""Text for people: one line per check, the fix under each failure, a one-line verdict. Colour only on a tty."""
from __future__ import annotations

from typing import Iterable, Mapping, Sequence, TextIO

from ..fleet_result import FleetResult
from ..inventory import by_role
from ..model import Report, Severity, Status
from .base import (MODE_NAMES, PLAIN, Renderer, RenderOptions, could_not_run, fleet_header, fleet_summary, fleet_summary_of,
                   not_judged_lines, side_note, summary_line)
from .chain import text_lines as chain_text_lines
from .sanitize import for_terminal

_MARK = {Status.PASS: "PASS", Status.WARN: "WARN", Status.FAIL: "FAIL", Status.NOT_RUN: "SKIP"}
_COLOUR = {"PASS": "32", "WARN": "33", "FAIL": "31", "SKIP": "90", "INFO": "36", "TODO": "35"}
_SEV = {Severity.ERROR: "FAIL", Severity.WARNING: "WARN", Severity.INFO: "INFO"}


def render(report: Report, options: RenderOptions = PLAIN) -> str:
    colour, verbose = options.colour, options.verbose

    def mark(word: str) -> str:
        return f"\x1b[{_COLOUR[word]}m{word}\x1b[0m" if colour else word

    modes = ", ".join(f"{m} ({MODE_NAMES.get(m, m)})" for m in report.modes) or "none"
    lines = [f"milvus-tls doctor  modes: {modes}  server_name: {report.server_name or '(dialled host)'}  "
             f"judged at: {report.judged_at}"]
    if report.server_build is not None:
        lines.append(f"server build: {report.server_build.line()}")
    if report.side is not None:
        lines.append(f"side: {side_note(report)}")
    lines.append("")
    for check in report.checks:
        if check.status is Status.PASS and not verbose and not check.findings:
            lines.append(f"  {mark('PASS')}  {check.title}")
            continue
        lines.append(f"  {mark(_MARK[check.status])}  {check.title}" + (f"  [{check.subject}]" if check.findings or
                                                                          check.status is Status.NOT_RUN else ""))
        if check.status is Status.NOT_RUN:
            lines.append(f"        could not run: {check.reason}")
        for f in check.findings:
            lines.append(f"        {mark(_SEV[f.severity])} {f.code}: {f.message}")
            if f.severity is not Severity.INFO:
                lines.append(f"             fix: {f.fix}")
                lines += [f"               $ {command}" for command in f.fix_commands]
                if f.fix_note and (f.fix_commands or "--ca-key" in f.fix_note):
                    lines.append(f"               ({f.fix_note})")
    if report.handshakes:
        lines += ["", "Handshakes"]
        for h in report.handshakes:
            word = "SKIP" if h.could_not_run else ("PASS" if h.ok else ("WARN" if h.advisory else "FAIL"))
            version = f" {h.tls_version}" if h.tls_version else ""
            lines.append(f"  {mark(word)}  mode {h.mode} {h.target} via {h.client}:{version} {h.code} "
                         f"({h.seconds:.2f}s)")
            if not h.ok and h.detail:
                lines.append(f"        {h.detail}")
                from ..codes import CATALOGUE
                if not h.could_not_run and getattr(h, "see", ""):
                    lines.append(f"             fix: see {h.see} above")
                elif not h.could_not_run and h.code in CATALOGUE and CATALOGUE[h.code].fix:
                    lines.append(f"             fix: {CATALOGUE[h.code].fix}")
            if h.peer:
                lines += _peer_lines(h.peer)
    for d in report.disagreements:
        lines.append(f"  {mark('FAIL')}  doctor model disagrees with the real handshake: {d}")
    for d in report.resolved:
        lines.append(f"  {mark('INFO')}  doctor model disagreed with the Go rehearsal (resolved): {d}")
    lines += chain_text_lines(report.trust_paths)
    if verbose:
        lines += _material_lines(report)
    for note in report.notes:
        lines.append(f"  note: {note}")
    lines += _client_lines(report, mark)
    lines += _link_lines(report, mark)
    unjudged = not_judged_lines(report)
    if unjudged:
        lines += ["", "Not judged (the verdict is incomplete until these are given)"]
        lines += [f"  {mark('TODO')}  {line}" for line in unjudged]
    lines += ["", summary_line(report)]
    # Names and paths come from untrusted files: no control character reaches the terminal except our colours.
    return for_terminal("\n".join(lines), keep_colour=colour) + "\n"


def render_fleet(results: Sequence[FleetResult], options: RenderOptions = PLAIN) -> str:
    parts = [could_not_run(r) if r.report is None else f"{fleet_header(r)}\n{render(r.report, options)}"
             for r in results]
    return for_terminal("\n".join(parts) + "\n" + fleet_summary(results) + "\n", keep_colour=options.colour)


def stream_fleet(results: Iterable[FleetResult], out: TextIO, options: RenderOptions = PLAIN) -> None:
    """render_fleet's text, written one target at a time (each result rendered and dropped as it comes)."""
    total = failed = 0
    for r in results:
        part = could_not_run(r) if r.report is None else f"{fleet_header(r)}\n{render(r.report, options)}"
        out.write(for_terminal(("\n" if total else "") + part, keep_colour=options.colour))
        total += 1
        failed += not r.passed
    out.write(for_terminal("\n" + fleet_summary_of(total, failed) + "\n", keep_colour=options.colour))


def _material_lines(report: Report) -> list[str]:
    """--verbose: each file loaded, its fingerprint, and each certificate in it (the inventory): position and PEM line,
    subject, SAN, issuer, serial, validity and days left, key (with the SHA-256 of its public key, comparable with a
    key file's spki-sha256), the certificate's SHA-256 fingerprint, signature algorithm; then each
    certificate a live server presented. `report.certificates` holds inventory records (a mapping role -> [dict]
    is read too)."""
    certificates = report.certificates
    records = ({role: list(items) for role, items in certificates.items()} if isinstance(certificates, Mapping)
               else by_role(certificates))
    out = ["", "Material"]
    for role, path in report.inputs.items():
        fp = report.fingerprints.get(role)
        out.append(f"  {role}: {path}" + (f"  {fp}" if fp else ""))
        out += _certificate_lines(records.get(role) or ())
    live = records.get("peer") or ()
    if live:
        out.append(f"  presented by {_field(live[0], 'file')}:")
        out += _certificate_lines(live)
    return out if len(out) > 2 else []


def _field(cert, name: str):
    return cert.get(name) if isinstance(cert, Mapping) else getattr(cert, name, None)


def _certificate_lines(records) -> list[str]:
    out = []
    for index, cert in enumerate(records):
        get = lambda name: _field(cert, name)  # noqa: E731
        position = get("position") if get("position") is not None else index
        where = f"  (line {get('line')})" if get("line") else ""
        out.append(f"    #{position} subject {get('subject') or '?'}{where}")
        out.append(f"       SAN {', '.join(get('sans') or []) or 'no SAN'}")
        out.append(f"       issuer {get('issuer') or '?'}" + (f"  serial {get('serial')}" if get("serial") else ""))
        days = get("days_left")
        left = "" if days is None else f"  ({days} days left)" if days >= 0 else f"  (expired {-days} days ago)"
        out.append(f"       valid {get('not_before') or '?'} .. {get('not_after') or '?'}{left}")
        # The key line carries the public key's SHA-256 (the same spki-sha256 a key file shows: equal means the key
        # file holds this certificate's key); the certificate's own fingerprint has a line of its own.
        spki = f"  spki-sha256:{get('spki_sha256')}" if get("spki_sha256") else ""
        out.append(f"       key {get('key') or '?'}{spki}")
        out.append(f"       certificate sha256:{get('sha256') or '?'}")
        if get("signature_algorithm"):
            out.append(f"       signature {get('signature_algorithm')}")
    return out


def _client_lines(report: Report, mark) -> list[str]:
    """--client: one line per client and mode, with its result and why."""
    if not report.clients:
        return []
    out = ["", "Clients"]
    for sel in report.clients:
        for m in report.modes:
            verdict = report.selected_verdict(m, sel)
            causes = report.selected_causes(m, sel)
            why = f": {', '.join(causes)}" if causes else ""
            if verdict == "incomplete":   # not judged: never shown as a pass (Not judged below says why)
                out.append(f"  {mark('TODO')}  mode {m} {sel.label} [{sel.key}] was not checked")
                continue
            out.append(f"  {mark('PASS' if verdict == 'pass' else 'FAIL')}  mode {m} {sel.label} [{sel.key}]"
                       f"{' connects' if verdict == 'pass' else ' does not connect'}{why}")
            if verdict != "pass":
                because = _client_reason(report, m, sel)
                if because:
                    out.append(f"        because: {because}")
    return out


_LINK_MARK = {"pass": "PASS", "fail": "FAIL", "incomplete": "TODO", "plaintext": "INFO", "not-applicable": "SKIP"}


def _link_lines(report: Report, mark) -> list[str]:
    """The TLS map: one line per link (who dials whom, where, its verdict and what decided it)."""
    if not report.links:
        return []
    out = ["", "TLS map"]
    for link in report.links:
        how = "modelled" if link.modelled else "observed"
        out.append(f"  {mark(_LINK_MARK[link.verdict.value])}  {link.from_} -> {link.to} [{link.kind}] "
                   f"{link.address}: {link.verdict.value} ({how}; {link.decided_by})")
        if link.codes:
            out.append(f"        codes: {', '.join(link.codes)}")
        if link.static_verdict is not None:
            out.append(f"        the static model said {link.static_verdict.value}"
                       + (f" ({', '.join(link.static_codes)})" if link.static_codes else "") + "; real Go decided")
        if link.detail:
            out.append(f"        {link.detail}")
        if link.add and link.kind != "client-proxy":
            out.append(f"        add: {link.add}")
    return out


def _client_reason(report: Report, mode: int, sel) -> str:
    """The first words that say why a selected client fails: its blocking finding, else its failed attempt."""
    from ..clientkinds import attempt_is_for
    for f in report.blocking(mode):
        if report.concerns(f, sel):
            return f.message if len(f.message) <= 300 else f.message[:297] + "..."
    for h in report.handshakes:
        if h.mode == mode and not h.ok and h.counts and attempt_is_for(h.client_impl, sel):
            return h.detail if len(h.detail) <= 300 else h.detail[:297] + "..."
    return ""


def _peer_lines(peer) -> list[str]:
    """What the raw probe saw, one fact a line and one certificate a line."""
    out = []
    for key, value in peer.to_dict().items():
        if key == "chain" and isinstance(value, list):
            out.append(f"        chain presented ({len(value)}):")
            for index, cert in enumerate(value):
                if isinstance(cert, dict):
                    sans = ", ".join(cert.get("sans") or []) or "no SAN"
                    out.append(f"          #{index} {cert.get('subject', '?')}  [{sans}]  issuer {cert.get('issuer', '?')}"
                               f"  until {cert.get('not_after', '?')}")
                else:
                    out.append(f"          #{index} {cert}")
        elif value is not None:
            out.append(f"        {key.replace('_', ' ')}: {value}")
    return out


RENDERER = Renderer(name="text", order=10, extension="txt", report=render, fleet=render_fleet, stream_fleet=stream_fleet)
