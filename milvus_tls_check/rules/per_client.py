"""Per-client rules (--client): how each selected client kind judges the same server, as its spec
(milvus_tls_check.clientkinds) says: a kind with its own TLS stack (Go's crypto/tls, the Node SDK / Attu on
OpenSSL) through judge_own_stack and its OwnStack words and hooks, each pymilvus release line through
judge_pymilvus_line. Each finding is tagged with the client(s) it concerns (Finding.clients) and names the client
in its message; the pymilvus rules' own findings concern pymilvus (and the others where their spec's `concerns`
says so).

Only what each stack surely refuses is an error here; the real clients then prove it against the rehearsal server
(handshake/sdk_process.py). Runs only when clients are selected.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Optional

from ..clientkinds import ClientSel, resolve
from ..clientkinds.pymilvus import GRPCIO, https_default_port, legacy_grpc_name_match, legacy_grpc_names, \
    paths_need_server_name
from ..facts.x509 import (common_names, dns_sans, eku_allows, fingerprint, ip_sans, is_self_issued, readable_name,
                          signature_hash_name)
from ..findings import finding
from ..material import subject_of
from ..model import Finding, LoadedFile, Role, Severity, Status
from . import Context, result, rule


def _server_auth():
    from cryptography.x509.oid import ExtendedKeyUsageOID
    return ExtendedKeyUsageOID.SERVER_AUTH


def _tag(f: Finding, sel: ClientSel) -> Finding:
    return replace(f, clients=(sel.key,))


def _name_for(ctx: Context, cfg) -> Optional[str]:
    """The name the client checks: its server name, else the host it dials."""
    if cfg.server_name:
        return cfg.server_name
    if cfg.address:
        host = cfg.address.rsplit(":", 1)[0] if cfg.address.count(":") == 1 else cfg.address
        return host.strip("[]")
    return ctx.request.server_name


def _loaded(ctx: Context, path: Optional[str]) -> Optional[LoadedFile]:
    """A file a client's TLS inputs name, as material loading read it (material.py loads every selected
    client's root and pair, its own arguments' or the general flags')."""
    if not path:
        return None
    own = next((f for files in ctx.material.clients.values() for f in files.values() if f.path == path), None)
    return ctx.material.by_path(path) or own or ctx.material.client_roots.get(path)


def _anchored(chain: tuple, anchors: tuple, *, partial: bool) -> bool:
    """Is there a path from chain[0] through the presented certificates to a certificate of the trust file?
    partial=True (Go): any trusted certificate ends the path, the leaf itself too. partial=False (OpenSSL without
    X509_V_FLAG_PARTIAL_CHAIN, as Node runs it): the path must end at a trusted self-signed certificate."""
    if not chain:
        return False
    prints = {fingerprint(a) for a in anchors}
    pool = list(chain[1:]) + list(anchors)
    current, seen = chain[0], set()
    while fingerprint(current) not in seen:
        seen.add(fingerprint(current))
        if fingerprint(current) in prints and (partial or is_self_issued(current)):
            return True
        if is_self_issued(current) and _signed_by(current, current):
            return False   # self-signed and not trusted (a self-issued CA under another key goes on to its issuer)
        issuer = next((c for c in pool if c.subject == current.issuer and fingerprint(c) != fingerprint(current)
                       and _signed_by(current, c)), None)
        if issuer is None:
            return False
        current = issuer
    return False


def _signed_by(cert, issuer) -> bool:
    from cryptography.exceptions import InvalidSignature
    try:
        cert.verify_directly_issued_by(issuer)
        return True
    except InvalidSignature:
        return False
    except Exception:  # noqa: BLE001 - an algorithm cryptography will not verify (SHA-1: "Unsupported signature
        return cert.issuer == issuer.subject   # algorithm"), or not an issuer at all: the names decide


_SEVERITY = {"error": Severity.ERROR, "warning": Severity.WARNING}


def _said(subject: str, said) -> list[Finding]:
    """A spec's (code, message, severity, modes) tuples as findings about `subject`."""
    out = []
    for code, message, severity, modes, *fix in said:
        kw = {"fix": fix[0]} if fix and fix[0] else {}
        if severity:
            kw["severity"] = _SEVERITY[severity]
        if modes:
            kw["modes"] = modes
        out.append(finding(code, subject, message, **kw))
    return out


def judge_own_stack(ctx: Context, sel: ClientSel) -> list[Finding]:
    """A client with its own TLS stack (spec.own_stack) judging the server with its own inputs."""
    spec = sel.spec
    stack = spec.own_stack
    cfg = ctx.request.client_tls(sel.kind)
    label = f"{cfg.tool} ({sel.label})" if cfg.tool else sel.label   # a tool's file: the tool around the client
    who = label if cfg.tool else f"{sel.label}{stack.who_suffix}"
    server = ctx.file(Role.SERVER_CERT)
    out: list[Finding] = []
    subject = f"{sel.key} client ({cfg.source})"
    if cfg.secure:
        out += _verify_server(ctx, sel, cfg, who, subject, server)
    out += _said(f"{sel.key} client ({cfg.source})", stack.settings_checks(cfg, sel, ctx.modes)
                 if stack.settings_checks else ())
    out += _said(f"{sel.key} client ({cfg.source})", tuple(s if len(s) > 3 else (*s, ()) for s in cfg.said))
    out += _rest_on_grpc_port(ctx, sel, cfg, subject)
    if stack.key_checks and cfg.key:
        key_file = _loaded(ctx, cfg.key)
        from ..findings import fix_for
        out += [replace(f, fix=fix_for(f.code, file=cfg.key)) for f in
                _said(subject_of(Role.CLIENT_KEY, cfg.key), stack.key_checks(cfg, key_file, sel, ctx.modes))]
    if 2 in ctx.modes and not cfg.sends_cert:
        out.append(finding("client.cert_missing", f"{sel.key} client ({cfg.source})",
                           f"{label}: tlsMode 2 requires a client certificate and none is "
                           "configured (give --client-pem and --client-key, or the client's own "
                           "certChainPath/privateKeyPath or cert/key).", modes=(2,), fix=cfg.pair_fix or None))
    return out


def _verify_server(ctx: Context, sel: ClientSel, cfg, who: str, subject: str, server) -> list[Finding]:
    stack = sel.spec.own_stack
    out: list[Finding] = []
    trust = _loaded(ctx, cfg.ca)
    if cfg.ca is None:
        out.append(finding("chain.untrusted", subject, f"{who}: no CA file is configured, so it trusts the system "
                           "roots only; a private CA's server certificate does not verify (Go: \"x509: certificate "
                           "signed by unknown authority\").", fix=cfg.root_fix or None))
    elif stack.bom_root_words and trust is not None and trust.certs and len(trust.certs) == 1 and \
            any(f.code == "file.bom" for f in trust.findings):
        out.append(finding("file.bom", subject_of(Role.CLIENT_CA, cfg.ca), f"{who}: {cfg.ca} starts with a UTF-8 "
                           f"byte-order mark: {stack.bom_root_words}."))
        trust = None
    elif trust is not None and not trust.certs and not (stack.path_model and trust.cert_ders):
        # (a stack with a path model reads the blocks cryptography refused itself: its path validation decides)
        why = "; ".join(f"{f.code}: {f.message}" for f in trust.findings) or "no certificate in it"
        code = "file.bom" if any(f.code == "file.bom" for f in trust.findings) else "chain.untrusted"
        out.append(finding(code, subject_of(Role.CLIENT_CA, cfg.ca), f"{who} cannot use {cfg.ca} as its root: "
                           f"{stack.unread_root_words} ({why})."))
    if server is None or not server.certs:
        return out
    leaf, chain = server.certs[0], tuple(server.certs)
    ssubj = f"{subject}: server certificate {server.path}"
    if trust is not None and trust.certs:
        ok = _anchored(chain, tuple(trust.certs), partial=stack.partial_chain)
        if not ok:
            extra = ""
            if stack.leaf_as_root_note and any(fingerprint(c) == fingerprint(leaf) for c in trust.certs):
                extra = stack.leaf_as_root_note
            out.append(finding("chain.untrusted", ssubj, f"{who}: {readable_name(leaf)} does not chain to a "
                               f"certificate in {cfg.ca}.{extra}"))
    name = _name_for(ctx, cfg)
    if name and stack.name_checks:
        dns, ips, cns = tuple(dns_sans(leaf)), tuple(str(i) for i in ip_sans(leaf)), tuple(common_names(leaf))
        shown = f"{', '.join(dns + ips) or 'no SAN'}; CN {', '.join(cns) or '-'}"
        out += _said(ssubj, stack.name_checks(leaf, name, who, shown))
    allowed, ekus = eku_allows(leaf, _server_auth())
    if not allowed:
        out.append(finding("eku.server_auth_missing", ssubj, f"{who}: {readable_name(leaf)} has extendedKeyUsage "
                           f"{', '.join(ekus)} without serverAuth; {stack.eku_words}"))
    for cert in chain:
        if is_self_issued(cert):
            continue
        hname = signature_hash_name(cert)
        if hname in stack.weak_hashes:
            out.append(finding("sig.weak", ssubj, f"{who}: {readable_name(cert)} is signed with {hname.upper()}; "
                               f"{stack.weak_signature_words}", severity=Severity.ERROR))
        if stack.chain_cert_checks:
            out += _said(ssubj, stack.chain_cert_checks(cert, who))
    if stack.leaf_checks:
        out += _said(ssubj, stack.leaf_checks(sel, leaf, who))
    return out


def judge_pymilvus_line(ctx: Context, sel: ClientSel) -> list[Finding]:
    """What the selected pymilvus release does differently from the newest line the pymilvus rules model."""
    out: list[Finding] = []
    subject = f"pymilvus parameters ({sel.label})"
    server = ctx.file(Role.SERVER_CERT)
    name = ctx.request.server_name
    if legacy_grpc_names(sel) and server is not None and server.certs and name:
        from ..facts.x509 import grpc_name_match, split_host_port
        leaf = server.certs[0]
        host, _port = split_host_port(name)
        dns, ips, cns = tuple(dns_sans(leaf)), tuple(str(i) for i in ip_sans(leaf)), tuple(common_names(leaf))
        if grpc_name_match(leaf, host)[0] and not legacy_grpc_name_match(dns, ips, cns, host):
            grpcio = GRPCIO.get(sel.line, "")
            out.append(finding("name.mismatch", f"server_pem ({server.path})",
                               f"{sel.label} installs grpcio {grpcio or '<= 1.67'}, whose name check (tsi's legacy "
                               f"matcher) refuses {host!r} for this certificate ({', '.join(dns + ips) or 'no SAN'};"
                               f" CN {', '.join(cns) or '-'}): no CN for an IP name, the CN only without any SAN, "
                               "and a wildcard only when the rest of the name still has a dot; grpcio 1.85 "
                               "(pymilvus 2.5+) accepts it."))
    for mode in ctx.modes:
        params = ctx.client(mode)
        if paths_need_server_name(sel) and not _server_name_given(ctx) and (params.root_path or
                                                                          params.sends_client_cert):
            out.append(finding("client.paths_ignored", subject, f"{sel.label} uses server_pem_path / ca_pem_path / "
                               "client_pem_path only when server_name is set (pymilvus#1962, fixed in 2.3.8 and "
                               "2.4.0): without it the channel trusts the system roots and sends no client "
                               "certificate.", modes=(mode,)))
    return out


def _server_name_given(ctx: Context) -> bool:
    """Did the application pass server_name? (--pymilvus-args without one: no; the CLI flags always give one.)"""
    args = getattr(ctx.deployment, "client", None) if ctx.deployment is not None else None
    if args is not None:
        return bool(args.server_name)
    return bool(ctx.request.server_name)


def _default_port(ctx: Context, sel: ClientSel) -> list[Finding]:
    """An application address without a port: the port this client dials instead (client.default_port)."""
    from urllib.parse import urlsplit
    spec = sel.spec
    if spec.own_stack is None:   # pymilvus: the application's own URI (--pymilvus-args)
        app = getattr(ctx.deployment, "client", None) if ctx.deployment is not None else None
        uri = getattr(app, "uri", None) or ""
        if not uri.lower().startswith("https://"):
            return []
        try:
            if urlsplit(uri).port is not None:
                return []
        except ValueError:
            return []
        port, who = https_default_port(sel), f"{sel.label} (MilvusClient)"
        subject = f"pymilvus parameters ({sel.label})"
    else:
        own = ctx.request.own_tls(sel.kind)
        flag = spec.args_option
        if own is None or not own.secure:
            return []
        uri = own.address or ""
        if not uri or ":" in uri.rsplit("]", 1)[-1]:
            return []
        port, subject = 443, f"{sel.key} client ({flag})"
        who = f"{sel.label} {spec.own_stack.no_port_words}"
    if port == 19530:
        return [finding("client.default_port", subject, f"{who} dials {uri} without a port on 19530: right for "
                        "Milvus itself, wrong when a proxy or an ingress serves 443.", severity=Severity.WARNING)]
    serves = _serves_443(ctx)
    if serves:
        return [finding("client.default_port", subject, f"{who} dials {uri} without a port on {port}; {serves}, "
                        "so that is right only if it is Milvus (or a proxy to it) that answers there.",
                        severity=Severity.WARNING)]
    return [finding("client.default_port", subject, f"{who} dials {uri} without a port on {port}, and nothing in "
                    "the given deployment serves Milvus on 443 (no Compose port published on 443, no --uri on :443, "
                    "no Ingress with TLS): Milvus listens on 19530, so the connection is refused or reaches "
                    "something else.", severity=Severity.ERROR)]


def _serves_443(ctx: Context) -> str:
    """What in the given deployment puts something on port 443 ("" when nothing does): a Compose service that
    publishes 443, the --uri on :443, an Ingress with TLS (served on 443)."""
    from urllib.parse import urlsplit
    said = []
    deployment = ctx.deployment
    compose = getattr(deployment, "compose", None) if deployment is not None else None
    if compose is not None and compose.serves_443:
        said.append(f"Compose publishes 443 for service {', '.join(compose.serves_443)}")
    if ctx.request.uri:
        try:
            if urlsplit(ctx.request.uri).port == 443:
                said.append(f"--uri {ctx.request.uri} is on 443")
        except ValueError:
            pass
    for ingress in (getattr(deployment, "ingresses", ()) if deployment is not None else ()):
        if ingress.tls:
            said.append(f"{ingress.source} serves TLS on 443")
            break
    return "; ".join(said)


@rule("clients", codes=("chain.untrusted", "file.bom", "name.mismatch", "name.cn_only", "name.trailing_dot",
                        "eku.server_auth_missing", "sig.weak", "sig.unsupported", "cert.serial_invalid",
                        "client.cert_missing", "client.paths_ignored", "client.default_port",
                        "client.params_incomplete", "client.server_name_required", "key.not_pkcs8",
                        "client.mode_unsupported", "client.setting_ignored", "client.mode_mismatch",
                        "client.mutual_downgraded", "client.rest_on_grpc_port",
                        "ku.digital_signature_missing",
                        # added by attribute() from the client's path validation (Go: facts/gopath.py)
                        "chain.name_constraints", "chain.too_complex", "cert.go_parse_refused", "ca.not_ca",
                        "ca.path_length_exceeded", "ca.key_cert_sign_missing", "cert.expired", "cert.not_yet_valid",
                        "cert.unknown_critical_extension", "chain.intermediate_missing", "key.weak"))
def check_clients(ctx: Context):
    for sel in ctx.request.clients:
        spec = sel.spec
        findings = resolve(spec.judge, under="milvus_tls_check.rules")(ctx, sel)
        title = (f"{sel.label}: verifies the server as its TLS stack does" if spec.own_stack is not None else
                 f"{sel.label}: its parameter semantics")
        findings += _default_port(ctx, sel)
        yield result("clients", title, sel.key, [_tag(f, sel) for f in findings])


def client_calls(request, modes) -> tuple[str, ...]:
    """The exact call for each selected client, with the user's paths (notes in the report): its spec's call."""
    out: list[str] = []
    address = request.uri.split("://", 1)[-1] if request.uri else f"{request.server_name or 'localhost'}:19530"
    for sel in request.clients:
        out += sel.spec.call(sel, request, modes, address)
    return tuple(out)


# ---- one cause, one finding, counted for every client whose implementation enforces it ------------------------------

# Subjects of the general findings about the server chain as a client verifies it: the server certificate and the
# client-side trust files (never Milvus's own tls.caPemPath, which mode 2's Go server judges).
_SERVER_CHAIN_SUBJECTS = ("server_pem (", "client_ca_pem (", "client_server_pem (")


def _status(findings) -> Status:
    if any(f.severity is Severity.ERROR for f in findings):
        return Status.FAIL
    if any(f.severity is Severity.WARNING for f in findings):
        return Status.WARN
    return Status.PASS


def path_judgement(ctx: Context, sel: ClientSel):
    """The selected client's path validation of the server chain (its spec's path_model), with the files it used:
    (judgement, server file, trust file), or None when it has none or the inputs are not there."""
    stack = sel.spec.own_stack
    if stack is None or stack.path_model is None:
        return None
    cfg = ctx.request.client_tls(sel.kind)
    server, trust = ctx.file(Role.SERVER_CERT), _loaded(ctx, cfg.ca)
    if not cfg.secure or server is None or not server.cert_ders and not server.certs or trust is None or \
            not trust.cert_ders and not trust.certs:
        return None
    return stack.path_model(sel, server, trust, _name_for(ctx, cfg), ctx.at), server, trust


def _concerned(f: Finding, selections) -> tuple[str, ...]:
    from ..clientkinds import concerns
    return tuple(s.key for s in selections if concerns(f.code, f.subject, f.clients, s))


def _enforcing(f: Finding, selections, accepted: set) -> tuple[str, ...]:
    """Finding.clients of a general finding once the `accepted` Go selections' path validation accepted the chain it
    is about: the selected clients it concerned whose implementation enforces its code (codes.py enforced_by: the
    spec's enforcer, CLIENT_TLS for pymilvus's grpcio/BoringSSL, GO_CLIENT for a Go client), none of the accepted
    ones; NO_SELECTED_CLIENT when that leaves none (it still counts without --client, as Milvus's own GO_SERVER rule
    or the default client's)."""
    from ..clientkinds import NO_SELECTED_CLIENT
    from ..codes import Enforcer, describe
    enforced_by = describe(f.code).enforced_by
    by_key = {s.key: s for s in selections}
    keep = tuple(k for k in _concerned(f, selections)
                 if k not in accepted and Enforcer(by_key[k].spec.enforcer) in enforced_by)
    return keep or (NO_SELECTED_CLIENT,)


def _merge_own(checks: tuple, own_idx: int, sel: ClientSel, ssubj: str, general, selections) -> tuple:
    """One cause, one finding: the client's own finding about the server chain whose cause a general finding (as
    severe) names already is folded into it: the general one is counted for the client too and says what the
    client does."""
    own = checks[own_idx]
    out = list(checks)
    kept = []
    for mine in own.findings:
        target = None
        if mine.subject == ssubj and mine.code not in ("chain.untrusted",):
            target = next(((i, k) for i, c in enumerate(out) if c.check != "clients"
                           for k, f in enumerate(c.findings)
                           if f.code == mine.code and general(f) and
                           (f.severity is Severity.ERROR or mine.severity is not Severity.ERROR)), None)
        if target is None:
            kept.append(mine)
            continue
        i, k = target
        f = out[i].findings[k]
        concerned = _concerned(f, selections)
        merged = replace(f, clients=concerned + (sel.key,) * (sel.key not in concerned),
                         message=f"{f.message} {mine.message}")
        out[i] = replace(out[i], findings=out[i].findings[:k] + (merged,) + out[i].findings[k + 1:])
    out[own_idx] = replace(own, findings=tuple(kept), status=_status(kept))
    return tuple(out)


def attribute(ctx: Context, checks: tuple) -> tuple:
    """After every rule: a selected client with a path model (Go) has its verdict on the server chain decided by it.
    A rejection is counted once: the general finding that names the same cause about the same files is attributed to
    the client too (Finding.clients), else the client's own check says it; an acceptance takes the chain codes Go
    decides (clientkinds.go.PATH_DECIDED) about those files off the client (they stay for the others)."""
    from ..clientkinds.go import PATH_DECIDED
    selections = ctx.request.clients
    accepted: set[str] = set()   # the Go selections whose path validation accepted the server chain
    for sel in selections:
        judged = path_judgement(ctx, sel)
        if judged is None:
            continue
        j, server, trust = judged
        paths = {server.path, trust.path}
        cfg = ctx.request.client_tls(sel.kind)
        ssubj = f"{sel.key} client ({cfg.source}): server certificate {server.path}"

        def general(f: Finding) -> bool:
            return f.subject.startswith(_SERVER_CHAIN_SUBJECTS) and _path_of(f.subject) in paths

        own_idx = next((i for i, c in enumerate(checks) if c.check == "clients" and c.subject == sel.key), None)
        if own_idx is None:
            continue
        own = checks[own_idx]
        out = list(checks)
        if j.ok:
            accepted.add(sel.key)
            kept = [f for f in own.findings if not (f.code in PATH_DECIDED and f.subject == ssubj)]
            out[own_idx] = replace(own, findings=tuple(kept), status=_status(kept))
            for i, c in enumerate(out):
                if c.check == "clients":
                    continue
                changed = []
                for f in c.findings:
                    if f.code in PATH_DECIDED and general(f) and sel.key in _concerned(f, selections):
                        f = replace(f, clients=_enforcing(f, selections, accepted))
                    changed.append(f)
                out[i] = replace(c, findings=tuple(changed))
            checks = tuple(out)
            continue
        checks = _merge_own(checks, own_idx, sel, ssubj, general, selections)
        own = checks[own_idx]
        out = list(checks)
        if any(f.code == j.code for f in own.findings):
            continue   # the client's own check said it
        attributed = False
        for i, c in enumerate(out):
            if c.check == "clients":
                continue
            changed = []
            for f in c.findings:
                if not attributed and f.code == j.code and general(f):
                    concerned = _concerned(f, selections)   # named explicitly (verdict.go_decides reads it)
                    f = replace(f, clients=concerned + (sel.key,) * (sel.key not in concerned))
                    attributed = True
                changed.append(f)
            out[i] = replace(c, findings=tuple(changed))
        if not attributed:
            from ..findings import fix_for
            fix = fix_for(j.code, file=server.path, cert=server.path, ca=trust.path, peer=sel.label,
                          deployment=ctx.deployment)
            new = finding(j.code, ssubj, f"{sel.label} refuses the server chain ({server.path} against "
                          f"{trust.path}): Go's path validation ({j.go}) says \"{j.error}\".", fix=fix)
            new = replace(new, clients=(sel.key,))
            kept = list(own.findings) + [new]
            out[own_idx] = replace(own, findings=tuple(kept), status=_status(kept))
        checks = tuple(out)
    return checks


# ---- a Go or Node client's own files (--go-args / --node-args): the general rules, bound to the client roles ---------

# The rules that judge the client's own files as they judge --client-pem / --client-key: reading (file problems, an
# encrypted key, a BOM), the pair, key sizes and mode, validity, critical extensions, Milvus's Go verifying the client
# chain against tls.caPemPath (mode 2) and clientAuth. The client's trust root verifying the server certificate is
# judged per stack by check_clients above (chain.untrusted tagged for the client), not by the pymilvus model.
OWN_FILE_RULES = ("files", "keys.pair", "keys.strength", "keys.permissions", "validity", "validity.extensions",
                  "chain", "usage")
# Codes that break the client whatever the tlsMode: it cannot load its own pair, so it never dials.
_LOAD_CODES = ("file.", "key.mismatch", "key.encrypted", "key.unsupported")
_OWN_SUBJECTS = ("client_pem ", "client_key ", "client_ca_pem ", "client_pem + client_key")
def _in_own_words(text: str, table) -> str:
    for old, new in table:
        text = text.replace(old, new)
    return text


def _own_subject(f: Finding) -> bool:
    return f.subject.startswith(_OWN_SUBJECTS)


def _path_of(subject: str) -> str:
    return subject[subject.find("(") + 1:-1] if subject.endswith(")") and "(" in subject else subject


def _as_own(f: Finding, sel: ClientSel, modes: tuple[int, ...]) -> Optional[Finding]:
    """A finding of the general rules about one client's own file, in that client's words, tagged for it and
    scoped to the modes it breaks: loading the pair breaks every mode; the client certificate's validity, chain and
    usage only mode 2 (the server asks for it only there); the client's trust root every mode."""
    stack = sel.spec.own_stack
    if stack.reads_pem_after_bom and f.code == "file.bom" and not f.subject.startswith("client_ca_pem "):
        return None   # observed: Node's OpenSSL reads a PEM file after a UTF-8 BOM
    if f.subject.startswith("client_ca_pem ") and f.code.startswith("file."):
        return None   # check_clients says what the client makes of an unreadable root (chain.untrusted, file.bom)
    message = _in_own_words(f.message, stack.own_words)
    pair_side = f.subject.startswith(("client_pem ", "client_key ", "client_pem + client_key"))
    if pair_side and not f.code.startswith(_LOAD_CODES):
        if 2 not in modes:
            return None
        f_modes: tuple[int, ...] = (2,)
    elif pair_side:
        f_modes = ()
    else:
        f_modes = f.modes
    return replace(f, message=f"{sel.label}: {message}", modes=f_modes, clients=(sel.key,))


def own_file_checks(ctx: Context, general: tuple) -> list:
    """The general rules (OWN_FILE_RULES) on each selected Go or Node client's own files (Material.clients), with
    the server's files as given: Milvus verifies the client certificate against tls.caPemPath in mode 2. Each
    finding is tagged for the client (Finding.clients); a file the general run already judged for the same code is
    not said again (one cause, one finding)."""
    from ..material import leaf_first
    from ..model import Material
    from . import run_rules

    said = {(f.code, _path_of(f.subject)) for c in general for f in c.findings}
    out: list = []
    done: set = set()
    for sel in ctx.request.clients:
        own = ctx.material.clients.get(sel.key)
        if not own:
            continue
        cfg = ctx.request.client_tls(sel.kind)
        files = {r: f for r, f in ctx.material.files.items() if r in (Role.SERVER_CERT, Role.SERVER_KEY,
                                                                         Role.SERVER_CA)}
        files.update(own)
        paths = {r: f.path for r, f in files.items()}
        if cfg.sends_cert and Role.CLIENT_CA not in paths:
            # the Go client trusts the system roots; a placeholder root keeps the pair "sent" for the mode 2 rules
            paths[Role.CLIENT_CA] = paths.get(Role.SERVER_CA) or cfg.cert
        request = replace(ctx.request, paths=paths, explicit=frozenset(paths), client_exact=True, clients=(),
                          client_args={})
        judged, misordered = leaf_first(Material(files))
        sub = Context(request, judged, ctx.modes, ctx.at, deployment=ctx.deployment, build=ctx.build,
                      misordered=misordered)
        judged_already = {f.path for f in ctx.material.files.values()}
        for res in run_rules(sub, only=OWN_FILE_RULES):
            if not res.subject.startswith(_OWN_SUBJECTS) or _path_of(res.subject) in judged_already:
                continue   # not this client's own file, or a file the general run judged (its findings concern it)
            findings = []
            for f in res.findings:
                if not _own_subject(f) or (f.code, _path_of(f.subject)) in said:
                    continue
                mine = _as_own(f, sel, ctx.modes)
                if mine is not None and (mine.code, mine.subject, mine.message) not in done:
                    done.add((mine.code, mine.subject, mine.message))
                    findings.append(mine)
            if res.findings and not findings:
                continue   # every finding was said already (or is not this client's)
            title = f"{sel.label}: {_in_own_words(res.title, sel.spec.own_stack.own_settings)}"
            if res.status is Status.NOT_RUN:
                if not res.subject.startswith("client_ca_pem "):
                    out.append(replace(res, title=title))
                continue
            out.append(result(res.check, title, res.subject, findings, mode=res.mode))
    return out


# Report position of this family (rules/__init__.registered_rules).
ORDER = 100


def _rest_on_grpc_port(ctx: Context, sel: ClientSel, cfg, subject: str) -> list[Finding]:
    """A tool that also calls Milvus's REST API at a URL it derives from its gRPC address (milvus-backup: https://
    HOST:PORT when milvus.rest.endpoint is empty, internal/client/milvus/restful.go restfulBaseURL). With TLS on, no
    Milvus line serves REST on the gRPC port (docs/links.md part 2): 2.3 and 2.4.0-2.4.12 serve gRPC only there,
    2.4.13+ refuse to start with a shared port, so REST lives on proxy.http.port."""
    from urllib.parse import urlsplit

    from ..facts.deployment import effective
    from .config import http_refuses, judged_version
    if not cfg.rest or not cfg.secure or not any(m in (1, 2) for m in ctx.modes):
        return []
    try:
        rest = urlsplit(cfg.rest)
        rest_port = rest.port or (443 if rest.scheme == "https" else 80)
    except ValueError:
        return []
    own = cfg.address or ""
    grpc_port = own.rsplit(":", 1)[1] if own.count(":") == 1 and own.rsplit(":", 1)[1].isdigit() else "19530"
    if rest.scheme != "https" or str(rest_port) != grpc_port:
        return []
    f = ctx.deployment
    http_port = effective(f.config, "proxy.http.port").text if f is not None and f.has_config else ""
    line, patch, judged = judged_version(ctx)
    if http_refuses(line, patch):
        how = ("refuses to start when REST shares the gRPC port under TLS (\"proxy server(http) and external grpc "
               "server share the same port, tls mode must be 0\"), so a running TLS Milvus serves REST only on "
               "proxy.http.port and its gRPC port answers no REST call")
    else:
        how = ("serves gRPC only on that port under TLS (a REST call gets \"application/grpc expected\", "
               "milvus#36724)")
    port = http_port if http_port and http_port != grpc_port else "19121"
    where = (f"proxy.http.port {http_port} in the deployment given" if http_port and http_port != grpc_port
             else "the port you give Milvus's proxy.http.port, e.g. 19121")
    msg = (f"{cfg.tool or sel.label} calls Milvus's REST API at {cfg.rest}, derived from its gRPC address "
           f"({cfg.rest_why or 'no REST endpoint is set'}); {judged} {how}. Its REST calls fail there"
           f"{': ' + cfg.rest_uses if cfg.rest_uses else ''}.")
    url = f"https://{rest.hostname or 'HOST'}:{port}"
    fix = (cfg.rest_fix.replace("{url}", url) if cfg.rest_fix else f"Point the tool's REST endpoint at {url}") + \
        f" ({where})."
    return [finding("client.rest_on_grpc_port", subject, msg, modes=tuple(m for m in ctx.modes if m in (1, 2)),
                    fix=fix)]
