"""config.*: what the deployment files configure, judged the way Milvus reads them.

Each rule takes the DeploymentFacts in `ctx.deployment` (None without deployment files: then no config rule runs)
and reports a check only when it has something to say. Certificate facts come from the loaded material
(`ctx.material`); a file the pipeline did not load (the internal TLS certificate, the CA in mode 1) is loaded here
once through material.load_file, never re-parsed in deploy/.
"""
from __future__ import annotations

from typing import Iterable, Optional

from ..facts.deployment import (DEFAULTS, IMAGE_CERT_DIR, INTERNAL_PATH_KEYS, LEGACY_KEY, TLS_PATH_KEYS,
                                DeploymentFacts, PathFact, as_text, effective, misnested,
                                parse_bool, role_used)
from ..facts.x509 import dns_sans, go_name_match, ip_sans
from ..findings import finding
from ..model import CheckResult, Finding, Material, Request, Role, Severity
from . import Context, not_run, result, rule

SUBJECT_CONFIG = "milvus configuration"


def _report(check: str, title: str, findings: Iterable[Finding], subject: str = SUBJECT_CONFIG):
    """A config rule shows up in the report only when it found something (as the deployment check always did)."""
    findings = list(findings)
    if findings:
        yield result(check, title, subject, findings)


def certs_at(ctx: Context, path: Optional[str], role: Role = Role.SERVER_CERT) -> tuple:
    """The certificates in a file: from the loaded material when the pipeline read it, else loaded once here."""
    if not path:
        return ()
    loaded = ctx.material.by_path(path)
    if loaded is None:
        from pathlib import Path
        if not Path(path).is_file():
            return ()
        from ..material import load_file
        loaded = load_file(role, path)
    return tuple(loaded.certs)


# --- config.tls_mode_invalid ---------------------------------------------------------------------------------------

@rule("config.tls_mode", codes=("config.tls_mode_invalid",))
def check_tls_mode(ctx: Context):
    f = ctx.deployment
    if f is None or f.tls_mode is None or f.tls_mode.valid:
        return
    raw = f.tls_mode.raw
    yield from _report("config.tls_mode", "common.security.tlsMode is 0, 1 or 2", [finding(
        "config.tls_mode_invalid", SUBJECT_CONFIG,
        f"{raw.written_as} is {raw.text!r} (in {raw.source}). Milvus runs the TLS branch only for 1 and 2: "
        "with any other value the proxy serves plaintext, and Milvus 2.4+ with the REST server enabled "
        "refuses to start (\"tls mode must be 0: no authentication, 1: one way authentication or 2: two "
        "way authentication\").")])


# --- config.tls_disabled -------------------------------------------------------------------------------------------

def _tls_intended(f: DeploymentFacts) -> list[str]:
    why = []
    for key in TLS_PATH_KEYS:
        info = f.paths.get(key)
        if info is None:
            continue
        s = info.eff.setting
        if s is not None and not s.env and as_text(s.value) and as_text(s.value) != DEFAULTS[key]:
            why.append(f"{key} points at {as_text(s.value)}")
        elif info.resolved is not None and info.resolved.provided and info.host:
            why.append(f"{key} is provided by {info.resolved.mount.origin}")
    if misnested(f.config):
        why.append("TLS keys are set (under a section Milvus does not read)")
    return why


@rule("config.tls_disabled", codes=("config.tls_disabled",))
def check_tls_disabled(ctx: Context):
    f = ctx.deployment
    if f is None or f.tls_mode is None or f.mode_value != 0:
        return
    if f.client is not None and not f.client.secure:
        return   # a plaintext server and a plaintext client agree; client.* says the rest
    why = _tls_intended(f)
    if not why:
        cert = f.paths.get("tls.serverPemPath")
        why = [f"tls.serverPemPath is {cert.eff.text!r} ({cert.eff.source})" if cert else "TLS is being checked"]
    raw = f.tls_mode.raw
    where = f"set in {raw.source}" if raw.setting else "Milvus's default: no layer sets it"
    yield from _report("config.tls_disabled", "TLS is switched on where TLS files are configured", [finding(
        "config.tls_disabled", SUBJECT_CONFIG,
        f"common.security.tlsMode is 0 ({where}) while {'; '.join(why)}. With tlsMode 0 Milvus never "
        "reads tls.* and serves plaintext; TLS clients fail with WRONG_VERSION_NUMBER.")])


# --- config.misnested ----------------------------------------------------------------------------------------------

@rule("config.misnested", codes=("config.misnested",))
def check_misnested(ctx: Context):
    f = ctx.deployment
    if f is None:
        return
    out = []
    for s, proper in misnested(f.config):
        eff = effective(f.config, proper)
        value = as_text(s.value)
        same = eff.text == value
        effect = (f"Milvus reads {proper}, which is {eff.text!r} ({eff.source}) as well" if same else
                  f"Milvus reads {proper} instead, which is {eff.text!r} ({eff.source})")
        out.append(finding("config.misnested", SUBJECT_CONFIG,
                           f"{s.key}: {value!r} (in {s.source}) is never read by Milvus; {effect}.",
                           severity=Severity.WARNING if same else None))
    yield from _report("config.misnested", "TLS keys sit where Milvus reads them", out)


# --- config.legacy_key ---------------------------------------------------------------------------------------------

@rule("config.legacy_key", codes=("config.legacy_key",))
def check_legacy(ctx: Context):
    f = ctx.deployment
    if f is None:
        return
    out = []
    for s in f.config.settings():
        if s.env or s.key.lower().replace("_", "") != LEGACY_KEY.lower():
            continue
        on = parse_bool(as_text(s.value))
        if on and not f.tls_on:
            msg = (f"{s.key}: {as_text(s.value)} (in {s.source}) is the Milvus 2.0/2.1 switch; current Milvus ignores "
                   f"it, and common.security.tlsMode is {f.tls_mode.raw.text if f.tls_mode else '0'}, so TLS stays off.")
            out.append(finding("config.legacy_key", SUBJECT_CONFIG, msg))
        else:
            msg = (f"{s.key}: {as_text(s.value)} (in {s.source}) is the Milvus 2.0/2.1 switch; current Milvus ignores "
                   "it (common.security.tlsMode decides). Remove it so nobody relies on it.")
            out.append(finding("config.legacy_key", SUBJECT_CONFIG, msg, severity=Severity.WARNING))
    yield from _report("config.legacy_key", "no legacy common.security.tlsEnabled", out)


# --- config.http_port_shared ---------------------------------------------------------------------------------------

@rule("config.http_port", codes=("config.http_port_shared",))
def check_http_port(ctx: Context):
    f = ctx.deployment
    if f is None or not f.tls_on:
        return
    enabled = effective(f.config, "proxy.http.enabled")
    if parse_bool(enabled.text) is not True:
        return
    port = effective(f.config, "proxy.http.port")
    grpc = effective(f.config, "proxy.port")
    if port.text and port.text != grpc.text:
        return
    how = ("proxy.http.port is not set" if not port.text else
           f"proxy.http.port {port.text} equals proxy.port {grpc.text}")
    on = "the default, true since 2.4" if enabled.setting is None else f"set in {enabled.source}"
    yield from _report("config.http_port", "the REST server has its own port while TLS is on", [finding(
        "config.http_port_shared", SUBJECT_CONFIG,
        f"Milvus 2.4+: proxy.http.enabled is true ({on}) and {how}, so the RESTful server would share the "
        f"gRPC port; with tlsMode {f.mode_value} Milvus 2.4+ refuses to start (\"proxy server(http) and "
        "external grpc server share the same port, tls mode must be 0\"). Milvus 2.3 and older are not "
        "affected.")])


# --- config.path_not_mounted ---------------------------------------------------------------------------------------

def not_mounted(f: DeploymentFacts, info: PathFact, *, severity: Optional[Severity] = None,
                modes: tuple[int, ...] = (), consequence: str = "Milvus cannot load it and exits at start") -> Finding:
    r = info.resolved
    targets = [m.target for m in f.mounts]
    set_by = f"{info.eff.written_as} = {info.eff.text!r} ({info.eff.source})"
    if r is not None and r.missing:
        msg = f"{set_by} is {info.container} in the container, but {r.missing}: {consequence}."
    else:
        if info.container.startswith(IMAGE_CERT_DIR):
            consequence = ("Milvus gets whatever the image holds there: at best the Milvus repository's sample "
                           "certificates, whose private key is public and which the doctor cannot check; otherwise "
                           "it exits at start")
        msg = f"{set_by} is {info.container} in the container, and no volume provides it: {consequence}."
        if targets:
            msg += f" Mounted: {', '.join(sorted(set(targets)))}."
    return finding("config.path_not_mounted", info.container, msg, severity=severity, modes=modes)


@rule("config.paths", codes=("config.path_not_mounted",))
def check_paths(ctx: Context):
    f = ctx.deployment
    if f is None or not f.mounted:
        return
    out = []
    for key in TLS_PATH_KEYS:
        info = f.paths[key]
        if info.resolved is None or not role_used(key, f.mode_value) or info.satisfied:
            continue
        out.append(not_mounted(f, info, modes=(2,) if key == "tls.caPemPath" else ()))
    yield from _report("config.paths", "every configured tls.* file is mounted into the container", out)


# --- internal TLS (2.5+) ---------------------------------------------------------------------------------------------

INTERNAL_TITLE = "internal TLS files are mounted and carry internaltls.sni"


@rule("config.internal_tls", codes=("config.path_not_mounted", "config.internal_sni_mismatch"))
def check_internal(ctx: Context):
    f = ctx.deployment
    if f is None or parse_bool(effective(f.config, "common.security.internaltlsEnabled").text) is not True:
        return
    out = []
    for key in INTERNAL_PATH_KEYS:
        info = f.paths.get(key)
        if info is None or info.resolved is None or info.satisfied:
            continue
        out.append(not_mounted(f, info, severity=Severity.WARNING,
                               consequence="the node logs the load failure and serves internal traffic in plaintext, "
                                           "while nodes that did load theirs expect TLS"))
    cert = f.paths.get("internaltls.serverPemPath")
    from pathlib import Path
    if cert is None or not cert.host or not Path(cert.host).is_file():
        yield from _report("config.internal_tls", INTERNAL_TITLE, out)
        return
    certs = certs_at(ctx, cert.host)
    if not certs:
        yield from _report("config.internal_tls", INTERNAL_TITLE, out)
        yield not_run("config.internal_tls", INTERNAL_TITLE, cert.container,
                      f"internaltls.serverPemPath ({cert.container}) could not be read as a certificate; the SNI "
                      "check did not run")
        return
    mismatch = _sni_mismatch(f, cert, certs[0])
    yield from _report("config.internal_tls", INTERNAL_TITLE, out + ([mismatch] if mismatch else []))


def _sni_mismatch(f: DeploymentFacts, cert: PathFact, leaf) -> Optional[Finding]:
    """Go's VerifyHostname of internaltls.sni against the internal certificate (SANs only, never the CN)."""
    sni = effective(f.config, "internaltls.sni")
    dns, ips = dns_sans(leaf), [str(i) for i in ip_sans(leaf)]
    listed = ", ".join([f"DNS:{d}" for d in dns] + [f"IP:{i}" for i in ips]) or "no subjectAltName at all"
    if not sni.text:
        return finding("config.internal_sni_mismatch", cert.container,
                       f"common.security.internaltlsEnabled is true but internaltls.sni is empty; the nodes verify "
                       f"each other against that name and the internal certificate {cert.container} carries {listed}.")
    if go_name_match(leaf, sni.text):
        return None
    why = " (Go ignores the Common Name)" if not dns else ""
    return finding("config.internal_sni_mismatch", cert.container,
                   f"internaltls.sni is {sni.text!r} ({sni.source}) but the internal certificate {cert.container} "
                   f"carries {listed}{why}: every node's TLS check against that name fails, breaking traffic between "
                   "Milvus nodes.")


# --- the deployment rules alone -------------------------------------------------------------------------------------

def judge_deployment(facts: DeploymentFacts, material: Optional[Material] = None, *, at=None,
                     request: Optional[Request] = None) -> tuple[CheckResult, ...]:
    """The deployment rules alone (config.* and the application's client.*), in report order: for callers and tests
    that judge DeploymentFacts without the whole pipeline. Certificates come from `material` or are loaded."""
    import datetime as dt

    from .client import check_deployment_client
    ctx = Context(request or Request(paths={}), material or Material({}), (),
                  at or dt.datetime.now(dt.timezone.utc), deployment=facts)
    out: list[CheckResult] = []
    for check in (check_tls_mode, check_tls_disabled, check_misnested, check_legacy, check_http_port, check_paths,
                  check_internal, check_deployment_client):
        out.extend(check(ctx))
    return tuple(out)
