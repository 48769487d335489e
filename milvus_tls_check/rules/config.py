"""config.*: what the deployment files configure, judged the way Milvus reads them.

Each rule takes the DeploymentFacts in `ctx.deployment` (None without deployment files: then no config rule runs)
and reports a check only when it has something to say. Certificate facts come from the loaded material
(`ctx.material`): a role's file, or a file the deployment names that material.with_deployment_files loaded once
(the internal TLS certificate, the CA in mode 1). Rules here read no file and never re-parse one in deploy/.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Optional

from ..facts.x509 import dns_sans, go_name_match, ip_sans
from ..findings import finding, fix_for
from ..model import Finding, Role, Severity
from . import Context, not_run, result, rule
from ._deployment_certs import certs_at, is_deployment_file as _is_file, loaded_at as _loaded

if TYPE_CHECKING:
    from ..facts.deployment import DeploymentFacts, PathFact

# facts.deployment (~15 ms of frozen dataclasses) is imported inside the rules, where a deployment is judged: the
# registry imports this module on every run, and a `--dir` run has no deployment (tests/test_speed_imports.py).

SUBJECT_CONFIG = "milvus configuration"


def _report(check: str, title: str, findings: Iterable[Finding], subject: str = SUBJECT_CONFIG):
    """A config rule shows up in the report only when it found something (as the deployment check always did)."""
    findings = list(findings)
    if findings:
        yield result(check, title, subject, findings)


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
    from ..facts.deployment import DEFAULTS, TLS_PATH_KEYS, as_text, misnested
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
    if f.helm is not None and f.helm.tls_enabled:
        why.append(f"the Helm values {f.helm.file} set proxy.tls.enabled (see config.helm_tls_incomplete)")
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
    from ..facts.deployment import as_text, effective, misnested
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


# --- config.key_not_read / config.key_not_in_line: TLS keys of the other links (facts/milvus_keys.py) -----------
# config.misnested above names the tls.* / internaltls.* leaves under a wrong section (the Operator's common.tls.*);
# this rule names the rest: a TLS-looking key at a path Milvus does not read (minio.tlsCACert, kafka.tls.tlsCaCert,
# etcd.useSSL...) and a key Milvus reads only from a later release than the one judged (minio.ssl.tlsCACert before
# 2.3.12, kafka.ssl.* before 2.3.11).

@rule("config.key_paths", codes=("config.key_not_read", "config.key_not_in_line"))
def check_unread_keys(ctx: Context):
    f = ctx.deployment
    if f is None or not f.has_config:
        return
    from ..facts.deployment import as_text, effective, per_cluster_key
    from ..facts.milvus_keys import READ_WHERE, not_in_line, unread
    out = []
    for s, proper in unread(f.config):
        eff = effective(f.config, proper)
        out.append(finding("config.key_not_read", s.key,
                           f"{s.key}: {as_text(s.value)!r} (in {s.source}) is not a key Milvus reads; it reads "
                           f"{proper}, which is {eff.text or 'not set'!r} ({eff.source}).",
                           fix=fix_for("config.key_not_read", key=s.key, proper=proper, where=s.source,
                                       value=as_text(s.value))))
    line, patch, judged = judged_version(ctx)
    for s, since in not_in_line(f.config, line, patch):
        section = s.key.split(".", 1)[0].lower()
        # a per-cluster key has no Version field: its release is that of the commit that added it (docs/links.md)
        why = (f"the release of the commit that added it to {READ_WHERE['grpc']}" if per_cluster_key(s.key) else
               f"{READ_WHERE.get(section, 'paramtable')}, `Version: \"{since}\"`")
        out.append(finding("config.key_not_in_line", s.key,
                           f"{judged}: {s.key} (in {s.source}) is read only from Milvus {since} on "
                           f"({why}): this Milvus ignores it.",
                           fix=fix_for("config.key_not_in_line", key=s.key, since=since, where=s.source)))
    yield from _report("config.key_paths", "TLS keys of the other links are keys this Milvus reads", out)


# --- config.legacy_key ---------------------------------------------------------------------------------------------

@rule("config.legacy_key", codes=("config.legacy_key",))
def check_legacy(ctx: Context):
    f = ctx.deployment
    if f is None:
        return
    from ..facts.deployment import LEGACY_KEY, as_text, parse_bool
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

# listener_manager.go, the proxy's refusal of a shared REST/gRPC port under TLS, came to the 2.4 branch with
# milvus#36459 (2024-09-26, first in v2.4.13) and to 2.5 with milvus#36442 (before v2.5.0). Before it (2.3.x,
# 2.4.0-2.4.12, service.go) the proxy started and served the gRPC port without the REST server (milvus#36724).
HTTP_REFUSAL_SINCE = {"2.4": 13, "2.5": 0, "2.6": 0}


def judged_version(ctx: Context) -> tuple[str, Optional[int], str]:
    """(line, patch or None, how it was chosen) of the Milvus judged, for version-dependent config rules."""
    from ..facts.milvus_lines import UnknownMilvusVersion, parse_version
    given = ctx.request.milvus_version
    line = ctx.build.line
    if given:
        try:
            gl, patch = parse_version(given)
        except UnknownMilvusVersion:
            gl, patch = line, None
        if gl == line:
            src = f" ({ctx.request.milvus_version_source})" if ctx.request.milvus_version_source else ""
            return line, patch, f"Milvus {given}{src}"
    return line, None, f"Milvus {line} (the newest line; give --milvus-version or the image tag to judge another)"


def http_refuses(line: str, patch: Optional[int]) -> bool:
    """Does this Milvus refuse to start when REST shares the gRPC port under TLS? A bare line means its newest."""
    since = HTTP_REFUSAL_SINCE.get(line)
    if since is None:
        return _lkey(line) > _lkey("2.6")   # 2.3 (and anything older with REST on 19530) only loses REST
    return patch is None or patch >= since


def _lkey(line: str) -> tuple[int, ...]:
    return tuple(int(x) for x in line.split(".") if x.isdigit())


def config_home(f: DeploymentFacts) -> str:
    """Where the user writes Milvus settings in this deployment, for fix texts."""
    if f.helm is not None:
        return f"extraConfigFiles.user.yaml of the Helm values {f.helm.file}"
    if f.k8s is not None and f.k8s.layout == "operator":
        return "spec.config of the Milvus custom resource"
    raw = f.tls_mode.raw if f.tls_mode is not None else None
    if raw is not None and raw.setting is not None and not raw.setting.env:
        return raw.setting.source
    files = [l.label for l in f.config.ordered_layers() if not l.env]
    return files[-1] if files else "milvus.yaml"


@rule("config.http_port", codes=("config.http_port_shared",))
def check_http_port(ctx: Context):
    f = ctx.deployment
    if f is None or not f.tls_on:
        return
    from ..facts.deployment import effective, parse_bool
    enabled = effective(f.config, "proxy.http.enabled")
    if parse_bool(enabled.text) is not True:
        return
    port = effective(f.config, "proxy.http.port")
    grpc = effective(f.config, "proxy.port")
    if port.text and port.text != grpc.text:
        return
    line, patch, judged = judged_version(ctx)
    how = ("proxy.http.port is not set" if not port.text else
           f"proxy.http.port {port.text} equals proxy.port {grpc.text}")
    on = "Milvus's default" if enabled.setting is None else f"set in {enabled.source}"
    if f.helm is not None and enabled.setting is None:
        on += "; the Helm chart does not render proxy.http.* from its values, only extraConfigFiles"
    lead = (f"{judged}: proxy.http.enabled is true ({on}) and {how}, so the RESTful server shares the gRPC port, "
            f"which works only with tlsMode 0")
    if http_refuses(line, patch):
        msg = (f"{lead}; with tlsMode {f.mode_value} this Milvus refuses to start (\"proxy server(http) and external "
               "grpc server share the same port, tls mode must be 0\", listener_manager.go since 2.4.13).")
        severity = Severity.ERROR
    else:
        msg = (f"{lead}; with tlsMode {f.mode_value} this Milvus starts but serves no REST at all (curl gets "
               "\"application/grpc expected\", milvus#36724); from 2.4.13 on it refuses to start.")
        severity = Severity.WARNING
    fix = (f"In {config_home(f)} set `proxy: {{http: {{port: 19121}}}}` (its own port, TLS like gRPC) or "
           "`proxy: {http: {enabled: false}}`.")
    yield from _report("config.http_port", "the REST server has its own port while TLS is on", [finding(
        "config.http_port_shared", SUBJECT_CONFIG, msg, severity=severity, fix=fix)])


# --- config.default_certs -------------------------------------------------------------------------------------------

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def _loopback_only(ctx: Context, f: DeploymentFacts) -> bool:
    """Is this deployment reached only on loopback (the client dials localhost, no Kubernetes)?"""
    if f.k8s is not None:
        return False
    hosts = []
    if f.client is not None and f.client.address:
        hosts.append(f.client.address[0])
    if ctx.request.uri:
        from ..facts.pymilvus import uri_host
        hosts.append(uri_host(ctx.request.uri) or "")
    return bool(hosts) and all(h.lower().startswith("127.") or h.lower() in LOOPBACK_HOSTS for h in hosts)


def image_default(info: PathFact) -> bool:
    """Does Milvus load this file from the image's own samples: configs/cert (the default, relative to /milvus)
    with nothing mounted over it (Compose/Kubernetes)?"""
    from ..facts.deployment import IMAGE_CERT_DIR
    return info.resolved is not None and info.resolved.mount is None and info.container.startswith(IMAGE_CERT_DIR)


def sample_cert(ctx: Context, info: PathFact) -> str:
    """The Milvus sample certificate this file holds ("server.pem"...), by fingerprint; "" when none."""
    from cryptography.hazmat.primitives import hashes
    if not info.host or info.key.endswith("KeyPath") or not _is_file(ctx, info.host):
        return ""
    from ..facts.deployment import SAMPLE_CERT_SHA256
    for cert in certs_at(ctx, info.host, Role.SERVER_CA if info.key.endswith("caPemPath") else Role.SERVER_CERT):
        name = SAMPLE_CERT_SHA256.get(cert.fingerprint(hashes.SHA256()).hex())
        if name:
            return name
    return ""


def default_cert_keys(f: DeploymentFacts, internal: bool = False, ctx: Optional[Context] = None) -> list[PathFact]:
    """The tls.* files the configured tlsMode loads (internal: the internaltls.* files) that are Milvus's samples:
    the image's configs/cert with nothing mounted over it, or (with ctx) a file holding a sample certificate."""
    from ..facts.deployment import INTERNAL_PATH_KEYS, TLS_PATH_KEYS, role_used
    out = []
    for key in INTERNAL_PATH_KEYS if internal else TLS_PATH_KEYS:
        info = f.paths.get(key)
        if info is None or (not internal and not role_used(key, f.mode_value)):
            continue
        if image_default(info) or (ctx is not None and sample_cert(ctx, info)):
            out.append(info)
    return out


def internal_on(ctx: Context, f: DeploymentFacts) -> bool:
    """Internal TLS switched on, on a Milvus line that has it (2.5+)."""
    from ..facts.deployment import effective, parse_bool
    return parse_bool(effective(f.config, "common.security.internaltlsEnabled").text) is True \
        and _lkey(judged_version(ctx)[0]) >= _lkey(INTERNAL_SINCE)


@rule("config.default_certs", codes=("config.default_certs",))
def check_default_certs(ctx: Context):
    f = ctx.deployment
    if f is None or not f.has_config:
        return
    infos = default_cert_keys(f, ctx=ctx) if f.tls_on else []
    internal = default_cert_keys(f, internal=True, ctx=ctx) if internal_on(ctx, f) else []
    if not infos and not internal:
        return
    loop = _loopback_only(ctx, f)
    keys = ", ".join(f"{i.key} ({i.container}, {i.eff.source if i.eff.setting else 'not set: the default'}"
                     + (f"; it is Milvus's sample {sample_cert(ctx, i)}" if sample_cert(ctx, i) else "") + ")"
                     for i in infos + internal)
    what = (f"tlsMode {f.mode_value}" if infos else "") + (" and " if infos and internal else "") + \
        ("internal TLS" if internal else "")
    msg = (f"{what} loads {keys}: the sample certificates Milvus ships in its image and source tree "
           "(configs/cert), whose CA private key is public. Anyone can impersonate this server"
           + (" or mint a client certificate it accepts" if f.mode_value == 2 else "") +
           (". Acceptable only for a loopback test." if loop else "; this deployment is reached over the network."))
    section = ", ".join((["tls"] if infos else []) + (["internaltls"] if internal else []))
    fix = (f"Issue your own set (`milvus-tls gen --out tls --name <host>`), mount it at /milvus/tls and set in "
           f"{config_home(f)} ({section}): `serverPemPath: /milvus/tls/server.pem, serverKeyPath: "
           f"/milvus/tls/server.key" + (", caPemPath: /milvus/tls/ca.pem" if f.mode_value == 2 or internal else "")
           + "`.")
    yield from _report("config.default_certs", "TLS uses certificates of this deployment, not Milvus's samples", [
        finding("config.default_certs", SUBJECT_CONFIG, msg, fix=fix,
                severity=Severity.WARNING if loop else Severity.ERROR)])


# --- config.path_not_mounted ---------------------------------------------------------------------------------------

def not_mounted(f: DeploymentFacts, info: PathFact, *, severity: Optional[Severity] = None,
                modes: tuple[int, ...] = (), consequence: str = "Milvus cannot load it and exits at start") -> Finding:
    from ..facts.deployment import IMAGE_CERT_DIR
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
    from ..facts.deployment import TLS_PATH_KEYS, role_used
    out = []
    for key in TLS_PATH_KEYS:
        info = f.paths[key]
        if info.resolved is None or not role_used(key, f.mode_value) or info.satisfied:
            continue
        if info in default_cert_keys(f):
            continue   # the image's sample certificates: config.default_certs says it
        out.append(not_mounted(f, info, modes=(2,) if key == "tls.caPemPath" else ()))
    yield from _report("config.paths", "every configured tls.* file is mounted into the container", out)


# --- internal TLS (2.5+) ---------------------------------------------------------------------------------------------

INTERNAL_TITLE = "internal TLS files are usable by every component and carry internaltls.sni"
INTERNAL_SINCE = "2.5"   # milvus#36865 (2024-11-20), first in v2.5.0
PEERS = "the other Milvus components (mixcoord, querynode, datanode, streamingnode...)"


def _internal_files(ctx: Context, f: DeploymentFacts) -> list[Finding]:
    """internaltls.* files that a component cannot load: missing, not mounted, only in the proxy pod, unusable."""
    from ..facts.deployment import INTERNAL_PATH_KEYS
    out: list[Finding] = []
    consequence = ("the component logs \"can't create creds\" and serves internal gRPC in plaintext while its peers "
                   "dial TLS: Milvus starts, and every call between components fails later")
    fix_home = config_home(f)
    local: dict = {}     # a mount only one component's pod has -> the internal files it provides
    for key in INTERNAL_PATH_KEYS:
        info = f.paths.get(key)
        if info is None or image_default(info):
            continue   # missing keys: the image's samples load (config.default_certs says what they are)
        set_by = f"{info.eff.written_as} = {info.eff.text!r} ({info.eff.source})"
        r = info.resolved
        if r is not None and not info.satisfied:
            why = r.missing or "no volume provides it"
            fix = (f"Mount the file into every Milvus pod at {info.container} (Helm: global volumes/volumeMounts; "
                   f"Operator: spec.components.volumes/volumeMounts) or point {key} at a mounted file in {fix_home}.")
            out.append(finding("config.internal_tls_files", info.container,
                               f"{set_by} is {info.container} in the container, but {why}: {consequence}.", fix=fix))
            continue
        if r is not None and r.mount is not None and r.mount.scope and f.k8s is not None and f.k8s.cluster:
            local.setdefault(r.mount.origin, (r.mount, []))[1].append(info)
            continue
        if _is_file(ctx, info.host):
            role = Role.SERVER_KEY if key.endswith("serverKeyPath") else Role.SERVER_CA if key.endswith("caPemPath") \
                else Role.SERVER_CERT
            bad = _unusable(ctx, info.host, role)
            if bad:
                out.append(finding("config.internal_tls_files", info.container,
                                   f"{set_by}: {bad}: {consequence}.",
                                   fix=f"Replace the file at {info.container} with a PEM "
                                       f"{'private key' if role is Role.SERVER_KEY else 'certificate'} "
                                       f"({'the key of internaltls.serverPemPath' if role is Role.SERVER_KEY else 'as tls.* takes'})."))
        elif info.host and r is None:
            out.append(finding("config.internal_tls_files", info.container,
                               f"{set_by}: {info.host} does not exist: {consequence}.",
                               fix=f"Point {key} at the file in {fix_home}, or create it."))
    for mount, infos in local.values():
        keys = ", ".join(f"{i.key} ({i.container})" for i in infos)
        where = ("the top level of the Helm values (`volumes`/`volumeMounts`)" if f.helm is not None else
                 "`spec.components.volumes`/`volumeMounts` of the Milvus custom resource"
                 if f.k8s.layout == "operator" else "every Milvus workload")
        out.append(finding("config.internal_tls_files", infos[0].container,
                           f"{keys}: provided by {mount.origin}, which only the {mount.scope} pod has; {PEERS} run in "
                           f"their own pods without it: {consequence}.",
                           fix=f"Mount the volume for every component: move its volumeMount from {mount.scope} to "
                               f"{where}."))
    return out


def _unusable(ctx: Context, path: str, role: Role) -> str:
    """Why Go cannot load this internal file (empty, not PEM, a key without certificate...), or ""."""
    loaded = _loaded(ctx, path)
    errors = [x for x in loaded.findings if x.severity is Severity.ERROR and x.code.startswith(("file.", "key.enc"))]
    if errors:
        return f"{errors[0].code}: {errors[0].message}"
    if role is Role.SERVER_KEY and loaded.key is None:
        return "it holds no private key"
    if role is not Role.SERVER_KEY and not loaded.certs:
        return "it holds no certificate"
    return ""


@rule("config.internal_tls", codes=("config.internal_tls_files", "config.internal_sni_mismatch"))
def check_internal(ctx: Context):
    f = ctx.deployment
    if f is None:
        return
    from ..facts.deployment import effective, parse_bool
    if parse_bool(effective(f.config, "common.security.internaltlsEnabled").text) is not True:
        return
    line, patch, judged = judged_version(ctx)
    if _lkey(line) < _lkey(INTERNAL_SINCE):
        on = effective(f.config, "common.security.internaltlsEnabled")
        yield from _report("config.internal_tls", INTERNAL_TITLE, [finding(
            "config.internal_tls_files", SUBJECT_CONFIG,
            f"{judged}: {on.written_as} is true ({on.source}), but internal TLS exists only from Milvus 2.5.0 "
            "(milvus#36865): this Milvus ignores common.security.internaltlsEnabled and internaltls.*, and traffic "
            "between its components stays plaintext.", severity=Severity.WARNING,
            fix="Upgrade to Milvus 2.5+ for internal TLS, or remove the internaltls keys so nobody relies on them.")])
        return
    out = _internal_files(ctx, f)
    cert = f.paths.get("internaltls.serverPemPath")
    if cert is None or not _is_file(ctx, cert.host):
        yield from _report("config.internal_tls", INTERNAL_TITLE, out)
        return
    certs = certs_at(ctx, cert.host)
    if not certs:
        yield from _report("config.internal_tls", INTERNAL_TITLE, out)
        if not any(x.subject == cert.container for x in out):
            yield not_run("config.internal_tls", INTERNAL_TITLE, cert.container,
                          f"internaltls.serverPemPath ({cert.container}) could not be read as a certificate; the SNI "
                          "check did not run")
        return
    mismatch = _sni_mismatch(f, cert, certs[0], judged)
    yield from _report("config.internal_tls", INTERNAL_TITLE, out + ([mismatch] if mismatch else []))


def _sni_mismatch(f: DeploymentFacts, cert: PathFact, leaf, judged: str = "") -> Optional[Finding]:
    """grpc-go's check of internaltls.sni against the internal certificate: Go's VerifyHostname, SANs only (Go
    1.15+ never uses the Common Name)."""
    from ..facts.deployment import effective
    sni = effective(f.config, "internaltls.sni")
    dns, ips = dns_sans(leaf), [str(i) for i in ip_sans(leaf)]
    listed = ", ".join([f"DNS:{d}" for d in dns] + [f"IP:{i}" for i in ips]) or "no subjectAltName at all"
    lead = f"{judged}: " if judged else ""
    fix = (f"Reissue the internal certificate with `subjectAltName = DNS:{sni.text or '<name>'}` (every component "
           f"presents it), or set internaltls.sni in {config_home(f)} to a name it carries.")
    if not sni.text:
        return finding("config.internal_sni_mismatch", cert.container,
                       f"{lead}common.security.internaltlsEnabled is true but internaltls.sni is empty; the nodes "
                       f"verify each other against that name and the internal certificate {cert.container} carries "
                       f"{listed}.", fix=fix)
    if go_name_match(leaf, sni.text):
        return None
    why = " (Go ignores the Common Name)" if not dns else ""
    return finding("config.internal_sni_mismatch", cert.container,
                   f"{lead}internaltls.sni is {sni.text!r} ({sni.source}) but the internal certificate "
                   f"{cert.container} carries {listed}{why}: every component's gRPC client checks that name (grpc-go "
                   "matches subjectAltName only), so traffic between Milvus components fails.", fix=fix)


# --- config.helm_tls_incomplete ---------------------------------------------------------------------------------------

@rule("config.helm_tls", codes=("config.helm_tls_incomplete",))
def check_helm_tls(ctx: Context):
    f = ctx.deployment
    h = f.helm if f is not None else None
    if h is None:
        return
    ignored = [(k, v) for k, v in h.ignored if not k.startswith("proxy.http")]
    if not h.tls_enabled and not ignored:
        return
    missing: list[str] = []
    if ignored:
        missing.append("these values are not rendered into Milvus's configuration by the chart (only "
                       "extraConfigFiles is): " + ", ".join(f"{k}={v}" for k, v in ignored))
    if h.tls_enabled:
        name = h.secret_name or "(proxy.tls.secretName unset)"
        made = (f"creates the kubernetes.io/tls Secret {name} (tls.crt, tls.key, no ca.crt)" if h.secret_inline
                else f"expects the Secret {name} to exist (no proxy.tls.crt/key given)")
        missing.insert(0, f"proxy.tls.enabled only {made}")
        if not h.secret_mounted_at:
            missing.append(f"no volume mounts the Secret {name} into the Milvus pod (proxy.volumes/volumeMounts or the "
                           "global volumes/volumeMounts)")
        raw = f.tls_mode.raw if f.tls_mode is not None else None
        if not f.tls_on:
            missing.append("common.security.tlsMode is " + (f"{raw.text!r} ({raw.source})" if raw and raw.setting
                                                            else "not set in extraConfigFiles.user.yaml (0: plaintext)"))
        elif h.secret_mounted_at:
            for key in ("tls.serverPemPath", "tls.serverKeyPath"):
                info = f.paths.get(key)
                if info is not None and not any(info.container.startswith(m.rstrip("/") + "/")
                                                for m in h.secret_mounted_at):
                    missing.append(f"{key} is {info.container}, not a file of the Secret's mount "
                                   f"({', '.join(h.secret_mounted_at)})")
        if f.mode_value == 2 and h.secret_keys is not None and not {"ca.crt", "ca.pem"} & set(h.secret_keys):
            missing.append(f"tlsMode 2 needs tls.caPemPath, and the Secret {name} has no CA key")
    serious = len(missing) - (1 if h.tls_enabled else 0) - (1 if ignored else 0)
    if serious == 0 and (not ignored or f.tls_on):
        if not ignored:
            return   # the Secret is mounted and Milvus is pointed at it: nothing missing
        severity = Severity.WARNING   # Milvus is configured through extraConfigFiles; the stray values do nothing
    else:
        severity = Severity.ERROR
    mount = (h.secret_mounted_at[0].rstrip("/") if h.secret_mounted_at else "/etc/milvus/certs")
    fix = (f"In {h.file}: mount the Secret (`proxy.volumes: [{{name: milvus-tls, secret: {{secretName: "
           f"{h.secret_name or 'milvus-tls'}}}}}]`, `proxy.volumeMounts: [{{name: milvus-tls, mountPath: {mount}}}]`) "
           f"and set in extraConfigFiles.user.yaml: `tls: {{serverPemPath: {mount}/tls.crt, serverKeyPath: "
           f"{mount}/tls.key}}` and `common: {{security: {{tlsMode: 1}}}}`.")
    yield from _report("config.helm_tls", "Helm TLS values reach Milvus", [finding(
        "config.helm_tls_incomplete", f"Helm values {h.file}", "; ".join(missing) + ".", fix=fix,
        severity=severity)])


# --- Ingress ------------------------------------------------------------------------------------------------------------

def _client_name(ctx: Context, f: DeploymentFacts) -> Optional[str]:
    a = f.client
    if a is not None:
        if a.server_name:
            return a.server_name
        return a.address[0] if a.address else None
    return None


@rule("config.ingress", codes=("config.ingress_backend_protocol", "config.ingress_name_mismatch"))
def check_ingress(ctx: Context):
    f = ctx.deployment
    if f is None or not f.ingresses:
        return
    out: list[Finding] = []
    known = f.tls_mode is not None and f.has_config and f.tls_mode.valid
    for ing in f.ingresses:
        proto = ing.backend_protocol
        if known:
            m = f.mode_value
            want = "GRPCS" if m in (1, 2) else "GRPC"
            bad = None
            if proto != want:
                said = f"backend-protocol {proto}" if proto else "no backend-protocol annotation (HTTP/1.1 to the backend)"
                bad = (f"{ing.source} has {said} in front of a tlsMode {m} Milvus: "
                       + ("nginx speaks plaintext to a TLS server, the backend hangs up and the client gets HTTP 502 "
                          "(pymilvus: \"illegal connection params\"; through a TLS ingress CERTIFICATE_VERIFY_FAILED "
                          "when the client trusts Milvus's CA, not the ingress's)" if m in (1, 2) else
                          "Milvus serves plaintext gRPC and nginx must use GRPC, not TLS or HTTP/1.1"))
            elif m == 2 and not ing.annotation("proxy-ssl-secret"):
                bad = (f"{ing.source} uses GRPCS in front of a tlsMode 2 Milvus but sets no "
                       "nginx.ingress.kubernetes.io/proxy-ssl-secret: nginx presents no client certificate and "
                       "Milvus ends every handshake (\"client didn't provide a certificate\")")
            if bad:
                fix = (f"Set the annotation `nginx.ingress.kubernetes.io/backend-protocol: {want}` on {ing.source}"
                       + (" (Helm: ingress.annotations in the values)" if ing.name == "(Helm)" else "")
                       + ("; for tlsMode 2 also `nginx.ingress.kubernetes.io/proxy-ssl-secret: NAMESPACE/SECRET` "
                          "holding a client certificate the CA in tls.caPemPath issued" if m == 2 else "") + ".")
                out.append(finding("config.ingress_backend_protocol", ing.source, bad + ".", fix=fix))
        out += _ingress_names(ctx, f, ing)
    yield from _report("config.ingress", "the ingress in front of Milvus fits its TLS", out)


def _ingress_names(ctx: Context, f: DeploymentFacts, ing) -> list[Finding]:
    from ..facts.x509 import dns_entry_matches
    if not ing.tls:
        return []
    client = _client_name(ctx, f)
    names = [client] if client else list(ing.rule_hosts)
    out = []
    for name in names:
        entry = next(((hosts, secret) for hosts, secret in ing.tls
                      if any(dns_entry_matches(h, name) for h in hosts)), None)
        who = "the client's server_name" if client else "the rule host"
        if entry is None:
            listed = "; ".join(f"{', '.join(h) or '(no hosts)'} ({s or 'no secretName'})" for h, s in ing.tls)
            out.append(finding("config.ingress_name_mismatch", ing.source,
                               f"{who} {name!r} is not among the ingress's TLS hosts ({listed}): nginx answers with "
                               "its default certificate and the client's check of that name fails.",
                               fix=f"Add {name} to spec.tls[].hosts of {ing.source} with a Secret whose certificate "
                                   f"carries DNS:{name}, or connect with a name listed there."))
            continue
        path = ing.secret_certs.get(entry[1])
        if not path:
            continue
        certs = certs_at(ctx, path)
        if not certs:
            continue
        ok, _why = grpc_match(certs[0], name)
        if not ok:
            dns = ", ".join(dns_sans(certs[0])) or "no DNS subjectAltName"
            out.append(finding("config.ingress_name_mismatch", ing.source,
                               f"{who} {name!r} is listed in spec.tls, but the certificate of Secret {entry[1]} "
                               f"carries {dns}: the client's check of that name fails.",
                               fix=f"Reissue the certificate in Secret {entry[1]} with `subjectAltName = DNS:{name}`."))
    return out


def grpc_match(cert, name: str):
    from ..facts.x509 import grpc_name_match
    return grpc_name_match(cert, name)


# --- Kubernetes keys and paths that are not plain names ---------------------------------------------------------------

@rule("config.k8s_paths", codes=("config.k8s_unsafe_path",))
def check_k8s_unsafe_paths(ctx: Context):
    f = ctx.deployment
    if f is None or not f.unsafe_entries:
        return
    yield from _report("config.k8s_paths", "Kubernetes keys and paths are plain names inside the volume", [finding(
        "config.k8s_unsafe_path", e.where,
        f"{e.field} {e.shown}: {e.reason}. The doctor did not write it anywhere and read the rest "
        "without it.") for e in f.unsafe_entries])


# Report position of this family (rules/__init__.registered_rules).
ORDER = 10
