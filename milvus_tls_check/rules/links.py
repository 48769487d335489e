"""The TLS links beyond the front door (linkkinds/): each link kind's static judge, pure (no file, no network).

`check_links` is the one rule of this family: it runs every link kind's judge and keeps the checks; the doctor asks
`judge_links` again for the Link values (the same pure call). Nothing here is imported unless deployment files
were given (a plain --dir run never reaches the link machinery).

The etcd link (judge_etcd) follows what Milvus's etcd client does (facts/etcdlink.py) and what was observed with
real Milvus 2.3.5 against real etcd 3.4 (docs/links.md): Go's crypto/tls of the judged build, modelled here by
facts/gopath.py (chains) and facts/x509.go_verify_hostname (names); `--probe-links` asks real Go instead
(handshake/etcdprobe.py).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Optional

from ..findings import finding, fix_for
from ..model import CheckResult, Link, LinkFile, LinkSetting, LinkVerdict
from . import Context, result, rule

ORDER = 95
ETCD_CODES = ("etcd.client_pair_unusable", "etcd.ca_unusable", "etcd.server_untrusted", "etcd.name_mismatch",
              "etcd.client_cert_untrusted", "etcd.ssl_off_tls_server", "etcd.ssl_on_plain_server",
              "etcd.min_version_invalid", "etcd.min_version_too_high")
# Birdwatcher -> etcd (judge_birdwatcher_etcd): the etcd codes above, plus what its connect line says of itself
BIRDWATCHER_CODES = ("birdwatcher.args_refused", "client.setting_ignored")
OBJECTSTORE_CODES = ("objectstore.ssl_on_plain_server", "objectstore.ssl_off_tls_server",
                     "objectstore.server_untrusted", "objectstore.querynode_untrusted", "objectstore.name_mismatch",
                     "objectstore.tls_ca_cert_ignored", "objectstore.operator_ssl_not_rendered")
KAFKA_CODES = ("kafka.protocol_invalid", "kafka.ssl_without_protocol")   # judge_kafka (modelled links, below)
FORWARD_CODES = ("proxy_forward.name_missing", "proxy_forward.no_client_cert")   # judge_proxy_forward
TIKV_CODES = ("tikv.ssl_files_missing", "tikv.client_pair_unusable", "tikv.ca_unusable")   # judge_tikv
PULSAR_CODES = ("pulsar.tls_setting_not_read", "pulsar.tls_auth_over_plaintext", "pulsar.auth_pair_unusable")
REPLICATION_CODES = ("replication.tls_settings_ignored", "replication.client_pair_unusable",
                     "replication.ca_unusable", "replication.ca_not_ca")   # judge_replication


def links_in_play(ctx: Context) -> bool:
    """Is any link beyond the front door named by the deployment (or asked for with --probe-links)?"""
    if ctx.deployment is None:
        return False
    from ..facts import objectstore
    from ..facts.etcdlink import in_play
    from ..facts.modelledlinks import in_play as modelled_in_play
    return (in_play(ctx.deployment) or objectstore.in_play(ctx.deployment) or modelled_in_play(ctx.deployment)
            or forward_in_play(ctx)
            or ctx.deployment.birdwatcher is not None or bool(getattr(ctx.request, "probe_links", False)))


def judge_links(ctx: Context) -> tuple[tuple[CheckResult, ...], tuple[Link, ...]]:
    """Every link kind's static judge except the front door's (the doctor adds it from the report)."""
    if not links_in_play(ctx):
        return (), ()
    from ..linkkinds import specs
    from ..model import FRONT_DOOR
    checks: list[CheckResult] = []
    links: list[Link] = []
    for spec in specs().values():
        if spec.name == FRONT_DOOR:
            continue
        got_checks, link = spec.resolve("judge")(ctx, spec)
        checks += got_checks
        if link is not None:
            links.append(link)
    return tuple(checks), tuple(links)


@rule("links", codes=ETCD_CODES + BIRDWATCHER_CODES + OBJECTSTORE_CODES + KAFKA_CODES + FORWARD_CODES + TIKV_CODES
      + PULSAR_CODES + REPLICATION_CODES)
def check_links(ctx: Context):
    yield from judge_links(ctx)[0]


# --- Milvus -> etcd ---------------------------------------------------------------------------------------------

def _pem(certs) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding
    return b"".join(c.public_bytes(Encoding.PEM) for c in certs)


def _spki(obj) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    return obj.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def judge_etcd(ctx: Context, spec) -> tuple[tuple[CheckResult, ...], Optional[Link]]:
    from ..facts import etcdlink

    dep = ctx.deployment
    client = etcdlink.etcd_client(dep)
    if client is None:
        return (), None
    settings = [LinkSetting(e.written_as, e.text, e.source) for e in client.settings]
    if client.embed:
        return (), Link(kind=spec.name, from_=spec.from_, to=spec.to, address=client.address,
                        decided_by=spec.decided_by, verdict=LinkVerdict.NOT_APPLICABLE, settings=tuple(settings),
                        detail="etcd.use.embed is true: Milvus runs its own etcd in-process, no connection to judge")
    files = [LinkFile(key, info.container, info.host or "") for key, info in client.files.items()]
    dialer = etcdlink.milvus_dialer(client, ctx.build.go_toolchain, ctx.build.go_line)
    return judge_etcd_client(ctx, spec, dialer, settings, files)


def judge_etcd_client(ctx: Context, spec, dialer, settings: list, files: list, *, found: tuple = ()
                      ) -> tuple[tuple[CheckResult, ...], Link]:
    """The etcd link of one etcd client (facts/etcdlink.EtcdDialer: Milvus's etcd.*, Birdwatcher's connect) against
    the etcd service of the deployment: the same causes, the same etcd.* codes, in the client's own words.
    `found`: the client's own findings already made (a setting it ignores), kept first."""
    from ..facts import etcdlink
    from ..facts.x509 import as_ip, go_verify_hostname

    dep = ctx.deployment
    link, w = spec.name, dialer.words
    base = dict(kind=link, from_=spec.from_, to=spec.to, address=dialer.address, decided_by=spec.decided_by)
    server, picked = etcdlink.server_of(dep, dialer.host, w.endpoint)
    settings, files = list(settings), list(files)
    if server is not None:
        settings += [LinkSetting(f"etcd --{flag}", value or "true", server.flag_sources.get(flag, server.source))
                     for flag, value in server.flags.items()]
        files += [LinkFile(f"etcd --{flag}", container, host or "") for flag, (container, host) in server.files.items()]
    subject = f"{w.who} -> etcd {dialer.address}"
    out: list = list(found)
    missing: list[str] = []
    notes: list[str] = [*dialer.notes, *([picked] if picked else [])]

    def add(code: str, message: str, **facts) -> None:
        out.append(replace(finding(code, subject, message, fix=fix_for(code, deployment=dep, words=w, **facts)),
                           link=link))

    def loaded(info):
        return ctx.material.deployment_files.get(info.host) if info is not None and info.host else None

    def server_file(flag: str):
        if server is None or flag not in server.files:
            return None, None
        container, host = server.files[flag]
        return container, (ctx.material.deployment_files.get(host) if host else None)

    server_tls = server.tls if server is not None else None
    url = ", ".join(server.listen_urls) if server is not None else ""
    if not dialer.enabled:
        if server_tls:
            add("etcd.ssl_off_tls_server", f"{dialer.enabled_said} but {server.source} serves {url}: {w.who} "
                "speaks plaintext to a TLS listener.", url=url, where=dialer.enabled_where)
    else:
        if dialer.min_version not in etcdlink.TLS_VERSIONS:
            add("etcd.min_version_invalid", f"{w.min_version} is {dialer.min_version!r} ({dialer.min_where}): "
                f"{w.min_fails}.", value=dialer.min_version, where=dialer.min_where)
        cert_info, key_info = dialer.cert, dialer.key
        cert, key = loaded(cert_info), loaded(key_info)
        why = ""
        unseen = [i for i in (cert_info, key_info) if i is not None and i.unseen]
        if unseen:   # under a mount the doctor cannot look into (a Secret not given): not judged, not failed
            missing.append(" and ".join(f"{i.setting} {i.path} ({i.unseen})" for i in unseen))
        elif cert_info is None or key_info is None:
            why = (w.cert if cert_info is None else w.key) + " is not set"
        elif cert is None or not cert.certs:
            why = f"{cert_info.path} ({cert_info.source}) " + (
                cert_info.unreadable if cert is None else "holds no certificate")
        elif key is None or key.key is None:
            why = f"{key_info.path} ({key_info.source}) " + (
                key_info.unreadable if key is None else "holds no usable private key")
        elif _spki(cert.certs[0].public_key()) != _spki(key.key.public_key()):
            why = f"{key_info.path} is not the key of {cert_info.path}"
        if why:
            add("etcd.client_pair_unusable", f"{dialer.enabled_said} and {why}: {w.pair_fails}.",
                cert=cert_info.path if cert_info else "not set", key=key_info.path if key_info else "not set",
                cert_host=(cert_info.host or cert_info.path) if cert_info else "CLIENT.pem",
                key_host=(key_info.host or key_info.path) if key_info else "CLIENT.key")
        ca_info = dialer.ca
        ca = loaded(ca_info)
        system = loaded(dialer.system_roots)
        server_cert_container, server_cert = server_file("cert-file")
        ca_ok = True
        if ca_info is not None and ca_info.unseen:
            missing.append(f"{ca_info.setting} {ca_info.path} ({ca_info.unseen})")
            ca_ok = False
        elif (ca_info is None and dialer.ca_required) or (ca_info is not None and (ca is None or not ca.certs)):
            what = ("is not set" if ca_info is None else f"{ca_info.path} " +
                    (ca_info.unreadable if ca is None else "holds no certificate"))
            add("etcd.ca_unusable", f"{dialer.enabled_said} and {w.ca} {what}: {w.ca_fails}.",
                ca=ca_info.path if ca_info else "", server_cert=server_cert_container)
            ca_ok = False
        if server_tls is False:
            add("etcd.ssl_on_plain_server", f"{dialer.enabled_said} but {server.source} serves {url}: {w.who} "
                "starts a TLS handshake with a plaintext listener.", url=url, where=dialer.enabled_where)
        elif server_tls:
            if server_cert is None or not server_cert.certs:
                missing.append(f"etcd's server certificate ({server_cert_container or 'no --cert-file'}"
                               f"{' is not readable here' if server_cert_container else ''})")
            elif ca_ok:
                from ..facts.gopath import verify as go_model
                roots = [*(ca.certs if ca is not None else ()), *(system.certs if system is not None else ())]
                roots_said = " and ".join(filter(None, (
                    f"{w.ca} {ca_info.path}" if ca_info is not None else "",
                    f"the system roots ({dialer.system_roots.path})" if dialer.system_roots is not None else "")))
                chain = (go_model(_pem(server_cert.certs), _pem(roots), side="server", at=ctx.at, go=dialer.go,
                                  go_line=dialer.go_line) if roots else None)
                if chain is None or (not chain.ok and chain.error_class != "hostname"):
                    add("etcd.server_untrusted", f"etcd's certificate {server_cert_container} does not verify "
                        f"against {roots_said or 'any root'} as Go {dialer.go} verifies it: "
                        f"{chain.error if chain is not None else 'no root certificates'}",
                        cert=server_cert.path, ca=ca.path if ca is not None else
                        (system.path if system is not None else "CA.pem"))
                ok, said = go_verify_hostname(server_cert.certs[0], dialer.host)
                if not ok:
                    from ..facts.x509 import dns_sans, ip_sans
                    names = ", ".join([*dns_sans(server_cert.certs[0]), *map(str, ip_sans(server_cert.certs[0]))])
                    add("etcd.name_mismatch", f"{w.who} dials {dialer.host} ({w.endpoint} {dialer.address}) and "
                        f"etcd's certificate {server_cert_container} carries {names or 'no SAN'}: {said}",
                        cert=server_cert.path, name=dialer.host, ip=as_ip(dialer.host) is not None,
                        names=names or "no SAN", endpoint=dialer.address)
            if server.client_cert_auth:
                trusted_container, trusted = server_file("trusted-ca-file")
                if trusted is None or not trusted.certs:
                    missing.append(f"etcd's --trusted-ca-file ({trusted_container or 'not given'})")
                elif cert is not None and cert.certs:
                    from ..facts.gopath import verify as go_model
                    verdict = go_model(_pem(cert.certs), _pem(trusted.certs), side="client", at=ctx.at,
                                       go=ctx.build.go_toolchain, go_line=ctx.build.go_line)
                    if not verdict.ok:
                        add("etcd.client_cert_untrusted", f"etcd runs with --client-cert-auth and its "
                            f"--trusted-ca-file {trusted_container} does not verify {w.cert} "
                            f"{cert_info.path}: {verdict.error}", cert=cert.path, ca=trusted.path)
            offered = etcdlink.versions_offered(server)
            if dialer.min_version in etcdlink.TLS_VERSIONS and offered and dialer.min_version > max(offered):
                add("etcd.min_version_too_high", f"{dialer.min_said} and {server.source} offers TLS "
                    f"{', '.join(offered)}.", offered=", ".join(offered), where=dialer.min_where)
        elif server is None:
            missing.append("etcd's side (its certificate, --client-cert-auth and --trusted-ca-file)")
        else:
            missing.append(f"whether {server.source} serves TLS ({server.unknown_tls or 'its client URLs'})")
    errors = any(f.severity.value == "error" for f in out)
    if errors:
        verdict = LinkVerdict.FAIL
    elif not dialer.enabled:
        verdict = LinkVerdict.PLAINTEXT
    elif missing:
        verdict = LinkVerdict.INCOMPLETE
    else:
        verdict = LinkVerdict.PASS
    add_what = ""
    if verdict is LinkVerdict.INCOMPLETE:
        add_what = (f"not seen: {'; '.join(missing)}; add the Compose file that runs etcd (--compose, its "
                    f"--cert-file/--trusted-ca-file mounted from this host), or --probe-links to dial "
                    f"{dialer.address} with {w.who}'s own settings")
    check = result(f"link.{link}", f"{spec.title}: {w.settings} and the etcd service agree", subject, out)
    return (check,), Link(**base, verdict=verdict, settings=tuple(settings), files=tuple(files),
                          codes=tuple(dict.fromkeys(f.code for f in out)), modelled=True, add=add_what,
                          detail="; ".join(notes))


# --- Birdwatcher -> etcd: the etcd link's rules with Birdwatcher's connect flags (facts/birdwatcher.py) -------------

def _birdwatcher_suggestion(bw) -> tuple[str, str]:
    """(a connect line Birdwatcher takes, what changed) for a line it refuses."""
    import difflib
    from ..facts.birdwatcher import BOOL_FLAGS, STRING_FLAGS
    words = list(bw.words)
    names = [*STRING_FLAGS, *BOOL_FLAGS]
    how = "every flag with two dashes, its exact name and, for a string flag, a value"
    if 0 <= bw.refused_at < len(words):
        word = words[bw.refused_at]
        name, eq, value = word.lstrip("-").partition("=")
        exact = next((n for n in names if n.lower() == name.lower()), None)
        near = exact or next(iter(difflib.get_close_matches(name, names, n=1, cutoff=0.6)), None)
        if bw.refused.startswith(("unknown", "bad flag")) and near:
            words[bw.refused_at] = f"--{near}{eq}{value}"
            how = f"--{near}, not {word}"
        elif bw.refused.startswith("flag needs an argument"):
            words.append("VALUE")
            how = f"{word} takes a value"
        elif bw.refused.startswith("invalid argument"):
            words[bw.refused_at] = f"--{name}"
            how = f"a bool flag is on bare (--{name}) and off as --{name}=false"
        elif "help" in bw.refused:
            del words[bw.refused_at]
            how = "without --help (or -h), which prints the usage instead of connecting"
    return " ".join(["connect", *words]), how


def judge_birdwatcher_etcd(ctx: Context, spec) -> tuple[tuple[CheckResult, ...], Optional[Link]]:
    """Birdwatcher's connect (--birdwatcher-args) against the deployment's etcd, judged by judge_etcd_client with
    Birdwatcher's tls.Config (facts/birdwatcher.dialer): what cobra/pflag refuses and the flags connect never reads
    come first, in Birdwatcher's own words."""
    from ..facts import birdwatcher as bwf

    dep = ctx.deployment
    bw = getattr(dep, "birdwatcher", None) if dep is not None else None
    if bw is None:
        return (), None
    settings = [LinkSetting(f"--{f.name}", f.value, bwf.ARGS) for f in bw.flags]
    for name, default in (("etcd", bwf.DEFAULT_ETCD), ("enableTLS", "false"), ("min_version", bwf.DEFAULT_MIN_VERSION)):
        if not bw.given(name):
            settings.append(LinkSetting(f"--{name}", default, "Birdwatcher's default"))
    files = [LinkFile(f"--{flag}", bw.value(flag) or "", host) for flag, host in bw.files.items()]
    subject = f"Birdwatcher -> etcd {bw.etcd}"
    base = dict(kind=spec.name, from_=spec.from_, to=spec.to, address=bw.etcd, decided_by=spec.decided_by,
                settings=tuple(settings), files=tuple(files))
    if bw.use_tikv and not bw.refused:
        return (), Link(**base, verdict=LinkVerdict.NOT_APPLICABLE,
                        detail="--use_tikv: Birdwatcher connects to TiKV (its --tikv* flags), not to etcd")
    host_port_error = bwf.split_host_port(bw.etcd)[2]
    if bw.refused or host_port_error:
        said = bw.refused or f"invalid etcd address: address {bw.etcd}: {host_port_error}"
        if bw.refused:
            suggested, how = _birdwatcher_suggestion(bw)
        else:
            host = bw.etcd.split("://", 1)[-1].split("/", 1)[0]
            suggested = bw.line.replace(bw.value("etcd") or "", host)
            how = "--etcd takes host:port, no scheme"
        f = replace(finding("birdwatcher.args_refused", subject, f"Birdwatcher refuses `{bw.line}`: {said}; "
                            "connect never runs, so nothing dials etcd.",
                            fix=fix_for("birdwatcher.args_refused", suggested=suggested, how=how)), link=spec.name)
        check = result(f"link.{spec.name}", f"{spec.title}: Birdwatcher takes its connect line", subject, [f])
        return (check,), Link(**base, verdict=LinkVerdict.FAIL, codes=(f.code,), modelled=True,
                              detail=f"cobra/pflag: {said}")
    ignored = []

    def ignore(message: str, fix: str) -> None:
        ignored.append(replace(finding("client.setting_ignored", subject, message, fix=fix), link=spec.name))

    if bw.given("use_ssl"):
        ignore(f"connect has {bw.written('use_ssl')}, which Birdwatcher declares but reads nowhere "
               "(states/etcd_connect.go): it turns no TLS on; --enableTLS is the flag.",
               "Run `" + " ".join(["connect", *(w for w in bw.words if w.split("=", 1)[0] != "--use_ssl")]) + "`" + ("" if bw.enable_tls else " with --enableTLS and its files") + ".")
    unread = [f"--{n}" for n in bwf.FILE_FLAGS + ("min_version",) if bw.given(n)]
    if unread and not bw.enable_tls:
        ignore(f"{', '.join(unread)} {'are' if len(unread) > 1 else 'is'} given without --enableTLS: Birdwatcher "
               "reads them only with --enableTLS, so it dials etcd in plaintext.",
               f"Add --enableTLS to `{bw.line}` (or drop {', '.join(unread)}).")
    for word in bw.ignored_words:
        ignore(f"connect takes no argument: {word} is a word connect never reads"
               + (" (a bool flag takes no value word: pflag reads `--enableTLS false` as --enableTLS, so TLS is "
                  "on; off is --enableTLS=false)" if word.split(" after ")[-1].startswith("--") else "") + ".",
               f"Write the flag as --name=value (`--enableTLS=false`), or drop {word.split(' after ')[0]}.")
    return judge_etcd_client(ctx, spec, bwf.dialer(bw), settings, files, found=tuple(ignored))


# --- Milvus -> object storage (S3 / MinIO) -------------------------------------------------------------------------

def _milvus_patch(ctx: Context) -> Optional[int]:
    from ..facts.milvus_lines import UnknownMilvusVersion, parse_version
    for text in (getattr(ctx.request, "milvus_version", None),
                 ctx.deployment.image.tag if ctx.deployment is not None and ctx.deployment.image else None):
        try:
            line, patch = parse_version(text or "")
        except UnknownMilvusVersion:
            continue
        if line == ctx.build.line:
            return patch
    return None


def judge_objectstore(ctx: Context, spec) -> tuple[tuple[CheckResult, ...], Optional[Link]]:
    """The object-storage link as Milvus's two clients see it (facts/objectstore.py): Go's minio-go (system pool or
    SSL_CERT_FILE) and the querynode's C++ client (the system bundle only); the S3 service from Compose."""
    from ..facts import objectstore as osf
    from ..facts.x509 import as_ip, dns_sans, go_verify_hostname, ip_sans

    dep = ctx.deployment
    client = osf.client(dep)
    if client is None or not (osf.in_play(dep) or getattr(ctx.request, "probe_links", False)):
        return (), None
    link, ep = spec.name, client.endpoint
    settings = [LinkSetting(e.written_as, e.text, e.source) for e in client.settings
                if e.setting is not None or e.key in ("minio.address", "minio.port", "minio.useSSL")]
    if client.ssl_cert_file is not None:
        settings.append(LinkSetting("SSL_CERT_FILE", client.ssl_cert_file.text, client.ssl_cert_file.source))
    base = dict(kind=link, from_=spec.from_, to=spec.to, address=ep.address, decided_by=spec.decided_by)
    if client.storage_type == "local":
        return (), Link(**base, verdict=LinkVerdict.NOT_APPLICABLE, settings=tuple(settings),
                        detail="common.storageType is local: Milvus writes to its own disk, no object storage to dial")
    server, picked = osf.server_of(dep, ep.host)
    lst = server.listener(ep.port) if server is not None else None
    if server is not None and lst is None:
        picked = "; ".join(filter(None, (picked, f"{server.source} has no listener on port {ep.port}")))
        server = None
    files = [LinkFile(k, i.container, i.host or "") for k, i in client.files.items()]
    if server is not None:
        settings.append(LinkSetting(f"{server.name} TLS", {True: "on", False: "off", None: "unknown"}[lst.tls],
                                    f"{server.source}: {lst.how}"))
        if lst.cert[0]:
            files.append(LinkFile(f"{server.name} {'public.crt' if server.kind == 'minio' else 'ssl_certificate'}",
                                  lst.cert[0], lst.cert[1] or ""))
    subject = f"Milvus -> object storage {ep.address}"
    out: list = []
    missing: list[str] = []
    notes = [n for n in (picked, f"minio.address carries a port: minio.port {client.get('minio.port').text} is "
                                 "not used" if ep.port_ignored and client.get("minio.port").setting else "") if n]
    ssl_eff = client.get("minio.useSSL")
    where = ssl_eff.source if ssl_eff.setting is not None else "milvus.yaml (minio.useSSL)"

    def add(code: str, message: str, **facts) -> None:
        out.append(replace(finding(code, subject, message, fix=fix_for(code, deployment=dep, **facts)), link=link))

    def loaded(key: str):
        info = client.files.get(key)
        return info, (ctx.material.deployment_files.get(info.host) if info is not None and info.host else None)

    if client.cloud_provider == "azure":
        missing.append("minio.cloudProvider azure: the Azure SDK client is not modelled")
    line = ctx.build.line
    honoured = osf.tls_ca_cert_honoured(line, _milvus_patch(ctx))
    ca_info, ca = loaded(osf.CA_KEY)
    if client.use_ssl is not True:
        if server is not None and lst.tls and server.kind == "operator":
            # the trap: the operator's own health check dials TLS, Milvus dials plaintext
            add("objectstore.operator_ssl_not_rendered", f"{server.source} sets ssl.enabled: true, but the Milvus "
                f"Operator writes minio.useSSL only from spec.config, " + (
                    f"where it is {ssl_eff.text!r} ({where})" if ssl_eff.setting is not None else "which does not set "
                    "it (false)") + ": "
                f"Milvus sends plain HTTP to {ep.address}, which the CR says serves TLS (dependencies.storage.ssl is "
                "read only by the operator's own health check).", cr=server.source.split(" of ", 1)[-1], owner=server.owner,
                address=ep.address)
        elif server is not None and lst.tls:
            add("objectstore.ssl_off_tls_server", f"minio.useSSL is {ssl_eff.text or 'false'} ({where}) but "
                f"{server.source} serves TLS ({lst.how}): Milvus sends plain HTTP to a TLS port.",
                address=ep.address, server=server.source, where=where)
    else:
        if ca_info is not None and honoured is False:
            add("objectstore.tls_ca_cert_ignored", f"minio.ssl.tlsCACert is set ({ca_info.eff.source}) but "
                f"Milvus {ctx.build.line}.{_milvus_patch(ctx)} has no such key (it came in 2.3.12): it trusts nothing "
                "more.", ca=ca_info.container, where=ca_info.eff.source, version=f"{line}.{_milvus_patch(ctx)}")
        elif ca_info is not None and honoured is None:
            notes.append(f"minio.ssl.tlsCACert is read from 2.3.12 only; judged as read (give --milvus-version "
                         f"{line}.N to say which)")
        use_ca = ca_info is not None and honoured is not False
        env_info, env = loaded(osf.ENV_KEY)
        bundle_info, bundle = loaded(osf.BUNDLE_KEY)
        go_info, go_roots = (ca_info, ca) if use_ca else (env_info, env) if env_info is not None else (bundle_info,
                                                                                                       bundle)
        cpp_off = use_ca and osf.cpp_verify_off(line)
        for who, info in (("Go client (minio-go) roots", go_info),
                          ("querynode C++ client roots", None if cpp_off else bundle_info)):
            settings.append(LinkSetting(who, (info.host or info.container) if info is not None else
                                        "none: verifySSL=false", "the file as the doctor reads it (facts/objectstore.py)"))
        if cpp_off:
            notes.append(f"Milvus {line} sets the querynode's C++ client to verifySSL=false when minio.ssl.tlsCACert "
                         "is set: only the Go side checks the certificate")
        if server is None:
            missing.append(f"the S3 service Milvus dials at {ep.address} (its certificate)")
        elif lst.tls is False:
            add("objectstore.ssl_on_plain_server", f"minio.useSSL is true ({where}) but {server.source} serves "
                f"plaintext ({lst.how}): Go's client says \"server gave HTTP response to HTTPS client\".",
                address=ep.address, server=server.source, where=where)
        elif lst.tls is None:
            missing.append(f"whether {server.source} serves TLS ({lst.how})")
        else:
            cert = ctx.material.deployment_files.get(lst.cert[1]) if lst.cert[1] else None
            if cert is None or not cert.certs:
                missing.append(f"the certificate {lst.cert[0]} of {server.source} (not readable here)" if lst.cert[0]
                               else f"the certificate {server.source} serves (not in these files)")
            else:
                from ..facts.gopath import verify as go_model
                build = ctx.build

                def chain_ok(roots) -> tuple[bool, str]:
                    if roots is None or not roots.certs:
                        return False, "no root certificates"
                    v = go_model(_pem(cert.certs), _pem(roots.certs), side="server", at=ctx.at,
                                 go=build.go_toolchain, go_line=build.go_line)
                    return v.ok or v.error_class == "hostname", v.error

                def roots_said(info) -> str:
                    if info is bundle_info and osf.image_bundle(info):
                        return f"the image's own {osf.SYSTEM_BUNDLE} (public roots; no mount replaces it)"
                    return f"{info.key} {info.container}" + (f" ({info.describe_source()})"
                                                             if info.describe_source() else "")
                go_ok = None
                if go_info is not None and not go_info.host and go_info.satisfied and not osf.image_bundle(go_info):
                    missing.append(f"{go_info.key} {go_info.container} ({go_info.describe_source() or 'a mount'})")
                else:
                    go_ok, err = chain_ok(go_roots)
                    if not go_ok:
                        add("objectstore.server_untrusted", f"{lst.cert[0]} ({server.source}) does not verify "
                            f"against {roots_said(go_info)}, the roots of Milvus's Go client (minio-go): {err}",
                            cert=cert.path, roots=go_info.container, roots_host=go_info.host or go_info.container,
                            key=go_info.key)
                if not cpp_off and (go_ok or go_info is not bundle_info):
                    if bundle_info is not None and not bundle_info.host and not osf.image_bundle(bundle_info):
                        missing.append(f"{osf.SYSTEM_BUNDLE} ({bundle_info.describe_source() or 'a mount'})")
                    else:
                        cpp_ok, err = chain_ok(bundle)
                        if not cpp_ok:
                            add("objectstore.querynode_untrusted", f"{lst.cert[0]} ({server.source}) does not "
                                f"verify against {roots_said(bundle_info)}, the only roots of the querynode's C++ "
                                f"client (libcurl/OpenSSL; SSL_CERT_FILE is not read): writes work, the querynode "
                                f"panics (curlCode 60). {err}", cert=cert.path,
                                ca=(go_info.host or go_info.container) if go_info is not bundle_info else "CA.pem")
                ok, said = go_verify_hostname(cert.certs[0], ep.host)
                if not ok:
                    names = ", ".join([*dns_sans(cert.certs[0]), *map(str, ip_sans(cert.certs[0]))])
                    add("objectstore.name_mismatch", f"Milvus dials {ep.host} (minio.address {ep.address}) and "
                        f"{lst.cert[0]} carries {names or 'no SAN'}: {said}", cert=cert.path, name=ep.host,
                        ip=as_ip(ep.host) is not None, names=names or "no SAN", address=ep.address)
    errors = any(f.severity.value == "error" for f in out)
    verdict = (LinkVerdict.FAIL if errors else LinkVerdict.PLAINTEXT if client.use_ssl is not True
               else LinkVerdict.INCOMPLETE if missing else LinkVerdict.PASS)
    add_what = ""
    if verdict is LinkVerdict.INCOMPLETE:
        add_what = (f"not seen: {'; '.join(missing)}; add the Compose file that runs the S3 service (MinIO with its "
                    f"certs dir, e.g. /root/.minio/certs/public.crt, mounted from this host), or --probe-links to "
                    f"dial {ep.address} with Milvus's own roots")
    check = result(f"link.{link}", f"{spec.title}: minio.* and the S3 service agree", subject, out)
    return (check,), Link(**base, verdict=verdict, settings=tuple(settings), files=tuple(files),
                          codes=tuple(dict.fromkeys(f.code for f in out)), modelled=True, add=add_what,
                          detail="; ".join(notes))


# --- modelled links: REST, internal TLS, Kafka (facts/modelledlinks.py; docs/links.md part 2) ----------------------
# REST and internal TLS reuse the config rules' findings (config.http_port_shared, config.internal_tls_files,
# config.internal_sni_mismatch, config.default_certs, config.key_not_in_line): the link lists their codes, the config
# rule says each cause once. Kafka's own causes are kafka.* findings of the link.


def _codes_of(checks) -> list:
    return [f for c in checks for f in c.findings]


def _modelled_link(spec, address: str, verdict: LinkVerdict, effs, found, *, files=(), add: str = "",
                   detail: str = "") -> Link:
    return Link(kind=spec.name, from_=spec.from_, to=spec.to, address=address, verdict=verdict,
                settings=tuple(LinkSetting(e.written_as, e.text, e.source) for e in effs), files=tuple(files),
                codes=tuple(dict.fromkeys(f.code for f in found)), decided_by=spec.decided_by, modelled=True,
                add=add, detail=detail)


def _verdict(found, otherwise: LinkVerdict) -> LinkVerdict:
    return LinkVerdict.FAIL if any(f.severity.value == "error" for f in found) else otherwise


def judge_rest(ctx: Context, spec) -> tuple[tuple[CheckResult, ...], Optional[Link]]:
    from ..facts import modelledlinks as ml
    from ..facts.deployment import effective, parse_bool
    from .config import check_http_port, check_tls_mode
    dep = ctx.deployment
    if not ml.rest_in_play(dep):
        return (), None
    effs = ml.settings(dep, ("common.security.tlsMode",) + ml.REST_KEYS)
    port, grpc = effective(dep.config, "proxy.http.port").text, effective(dep.config, "proxy.port").text or "19530"
    shared = not port or port == grpc
    address = f"port {grpc}, shared with gRPC (cmux)" if shared else f"proxy.http.port {port}"
    enabled = effective(dep.config, "proxy.http.enabled")
    if parse_bool(enabled.text) is not True:   # Milvus's GetAsBool: anything but a true value is off
        return (), _modelled_link(spec, address, LinkVerdict.NOT_APPLICABLE, effs, (),
                                  detail=f"proxy.http.enabled is {enabled.text!r}: the proxy serves no REST")
    found = _codes_of(check_tls_mode(ctx))
    if found or dep.mode_value not in (1, 2):
        return (), _modelled_link(spec, address, _verdict(found, LinkVerdict.PLAINTEXT), effs, found,
                                  detail="tlsMode 0: REST is plain HTTP" + (" on the gRPC port" if shared else ""))
    if shared:
        found = _codes_of(check_http_port(ctx))
        return (), _modelled_link(spec, address, LinkVerdict.FAIL, effs, found, detail=(
            f"tlsMode {dep.mode_value} with REST on the gRPC port: Milvus 2.3-2.4.12 serves no REST there, 2.4.13+ "
            "refuses to start"))
    files = [LinkFile(k, dep.paths[k].container, dep.paths[k].host or "") for k in
             ("tls.serverPemPath", "tls.serverKeyPath") + (("tls.caPemPath",) if dep.mode_value == 2 else ())
             if k in dep.paths]
    detail = (f"own port {port}: TLS with the front door's tls.serverPemPath/serverKeyPath, so the front door's "
              "certificate findings decide it too" + (
                  "; tlsMode 2: a client certificate issued by tls.caPemPath is required and TLS 1.3 is the minimum "
                  "(curl --cert/--key, TLS 1.3)" if dep.mode_value == 2 else "; Go's default minimum (TLS 1.2)"))
    return (), _modelled_link(spec, address, LinkVerdict.PASS, effs, (), files=files, detail=detail)


def follow_front_door(links: tuple, front: Link) -> tuple:
    """The REST listener on its own port serves the front door's certificates: a front door that fails (or is not
    judged) takes the REST link with it, with the same codes (said once, in the report's findings)."""
    out = []
    for link in links:
        if link.kind == "client-proxy-rest" and link.verdict is LinkVerdict.PASS and front.verdict in (
                LinkVerdict.FAIL, LinkVerdict.INCOMPLETE):
            link = replace(link, verdict=front.verdict, codes=front.codes, add=front.add if front.add else link.add)
        out.append(link)
    return tuple(out)


def follow_startup(links: tuple) -> tuple:
    """A link whose failure keeps Milvus from serving (its spec's `blocks_serving`, observed) fails every link Milvus
    serves (the front door, REST) too: a client meets a Milvus that never listens. Those links keep their own codes
    and name the blocking link in `blocked_by` (the cause is said once, on its own link)."""
    from ..linkkinds import spec
    blocking = tuple(link.kind for link in links
                     if link.verdict is LinkVerdict.FAIL and set(link.codes) & set(spec(link.kind).blocks_serving))
    if not blocking:
        return links
    out = []
    for link in links:
        if spec(link.kind).serves and link.verdict is not LinkVerdict.NOT_APPLICABLE:
            names = ", ".join(spec(k).title for k in blocking)
            note = f"Milvus does not start serving while {names} fails: clients get no answer on {link.address}"
            link = replace(link, verdict=LinkVerdict.FAIL, blocked_by=blocking,
                           detail=f"{note}; {link.detail}" if link.detail else note)
        out.append(link)
    return tuple(out)


def judge_internal(ctx: Context, spec) -> tuple[tuple[CheckResult, ...], Optional[Link]]:
    from ..facts import modelledlinks as ml
    from ..facts.deployment import INTERNAL_PATH_KEYS, effective, parse_bool
    from ._deployment_certs import is_deployment_file
    from .config import INTERNAL_SINCE, _lkey, check_default_certs, check_internal, default_cert_keys, judged_version
    dep = ctx.deployment
    if not ml.internal_in_play(dep):
        return (), None
    effs = ml.settings(dep, ml.INTERNAL_KEYS)
    sni = effective(dep.config, "internaltls.sni").text
    address = f"every component's internal gRPC port, SNI {sni or '(internaltls.sni not set)'}"
    files = [LinkFile(k, dep.paths[k].container, dep.paths[k].host or "") for k in INTERNAL_PATH_KEYS if k in dep.paths]
    line, _patch, judged = judged_version(ctx)
    on = parse_bool(effective(dep.config, "common.security.internaltlsEnabled").text) is True
    if not on or _lkey(line) < _lkey(INTERNAL_SINCE):
        found = _codes_of(check_internal(ctx))
        why = (f"{judged} has no internal TLS (2.5.0+): components talk plaintext" if on else
               "common.security.internaltlsEnabled is false: components talk plaintext")
        return (), _modelled_link(spec, address, _verdict(found, LinkVerdict.PLAINTEXT), effs, found, files=files,
                                  detail=why)
    checks = list(check_internal(ctx))
    found = _codes_of(checks)
    if default_cert_keys(dep, internal=True, ctx=ctx):
        found += [f for f in _codes_of(check_default_certs(ctx)) if f.code == "config.default_certs"]
    if any(f.severity.value == "error" for f in found):
        return (), _modelled_link(spec, address, LinkVerdict.FAIL, effs, found, files=files)
    cert = dep.paths.get("internaltls.serverPemPath")
    unseen = [c.reason for c in checks if c.status.value == "not_run"]
    if cert is not None and not is_deployment_file(ctx, cert.host) and cert.satisfied and not unseen:
        unseen = [f"internaltls.serverPemPath {cert.container} ({cert.describe_source() or 'a mount'}) is not "
                  "readable here"]
    if unseen:
        return (), _modelled_link(spec, address, LinkVerdict.INCOMPLETE, effs, found, files=files,
                                  add=f"not seen: {'; '.join(unseen)}; give the files (or the Secret) it is "
                                      "mounted from so its SANs can be checked against internaltls.sni")
    return (), _modelled_link(spec, address, LinkVerdict.PASS, effs, found, files=files, detail=(
        "every component presents internaltls.serverPemPath and checks internaltls.sni against its peers' "
        "certificate with internaltls.caPemPath as the only root; no client certificate is asked"))


def judge_kafka(ctx: Context, spec) -> tuple[tuple[CheckResult, ...], Optional[Link]]:
    from ..facts import modelledlinks as ml
    from ..facts.deployment import effective, parse_bool
    from ..facts.milvus_keys import not_in_line, reads
    from .config import check_unread_keys, judged_version
    dep = ctx.deployment
    if not ml.kafka_in_play(dep):
        return (), None
    link = spec.name
    effs = ml.settings(dep, ml.KAFKA_KEYS)
    brokers = effective(dep.config, "kafka.brokerList").text
    address = brokers or "kafka.brokerList not set"
    proto_eff = effective(dep.config, "kafka.securityProtocol")
    proto = proto_eff.text.strip().lower()
    ssl_eff = effective(dep.config, "kafka.ssl.enabled")
    line, patch, judged = judged_version(ctx)
    ssl_read = reads("kafka.ssl.enabled", line, patch)
    ssl_on = ssl_read and parse_bool(ssl_eff.text) is True
    subject = f"Milvus -> Kafka {address}"
    out: list = []

    def add(code: str, message: str, **facts) -> None:
        out.append(replace(finding(code, subject, message, fix=fix_for(code, deployment=dep, **facts)), link=link))

    if proto and proto not in ml.KAFKA_PROTOCOLS:
        add("kafka.protocol_invalid", f"kafka.securityProtocol is {proto_eff.text!r} ({proto_eff.source}): "
            "librdkafka knows PLAINTEXT, SSL, SASL_PLAINTEXT and SASL_SSL and refuses any other value, so Milvus "
            "cannot create its Kafka client.", value=proto_eff.text, where=proto_eff.source)
    elif ssl_on and proto not in ml.KAFKA_TLS_PROTOCOLS:
        add("kafka.ssl_without_protocol", f"kafka.ssl.enabled is true ({ssl_eff.source}) but kafka.securityProtocol "
            f"is {proto_eff.text or 'not set'!r}" + (f" ({proto_eff.source})" if proto_eff.setting else "") +
            ": Milvus hands the certificate files to librdkafka but does not set security.protocol itself, so "
            "librdkafka speaks plaintext to the brokers (a TLS listener drops the connection).",
            where=ssl_eff.source, sasl=proto.startswith("sasl"))
    found = list(out) + [f for f in _codes_of(check_unread_keys(ctx)) if f.code == "config.key_not_in_line"
                         and f.subject.lower().startswith("kafka")]
    check = result(f"link.{link}", f"{spec.title}: kafka.securityProtocol and kafka.ssl.* agree", subject, out)
    tls = proto in ml.KAFKA_TLS_PROTOCOLS
    notes = []
    if tls and not ssl_on:
        notes.append(("kafka.ssl.* is not read by " + judged if not ssl_read and not_in_line(dep.config, line, patch)
                      else "kafka.ssl.enabled is not true") +
                     ": librdkafka verifies the brokers against OpenSSL's default CA locations, not a CA of yours")
    if any(f.severity.value == "error" for f in found):
        verdict = LinkVerdict.FAIL
    elif not tls:
        verdict = LinkVerdict.PLAINTEXT
    else:
        verdict = LinkVerdict.INCOMPLETE
    ca = effective(dep.config, "kafka.ssl.tlsCaCert").text
    add_what = ""
    if verdict is LinkVerdict.INCOMPLETE:
        add_what = (f"not seen: the brokers' certificates (the doctor does not dial Kafka); check from a Milvus pod "
                    f"with `openssl s_client -connect {(brokers or 'BROKER:9093').split(',')[0]} -verify_return_error"
                    + (f" -CAfile {ca}" if ca and ssl_on else "") + " </dev/null`")
    files = [LinkFile(k, effective(dep.config, k).text) for k in ("kafka.ssl.tlsCert", "kafka.ssl.tlsKey",
                                                                    "kafka.ssl.tlsCaCert")
             if ssl_on and effective(dep.config, k).text]
    return (check,), _modelled_link(spec, address, verdict, effs, found, files=files, add=add_what,
                                    detail="; ".join(notes))


# --- the 2.6 proxy's forward to 2.5 proxies (facts/modelledlinks.py; docs/links.md part 2, milvus#48224) -------------
# In play only for a Milvus 2.6.7+ the user named (--milvus-version or the image tag) with tlsMode 1 or 2: the forward
# runs only during a rolling upgrade from 2.5, which a report judged as "the newest line" says nothing about.

def forward_in_play(ctx: Context) -> bool:
    from ..facts.modelledlinks import forward_applies
    from .config import judged_version
    dep = ctx.deployment
    if dep is None or not dep.has_config or dep.mode_value not in (1, 2) or not ctx.request.milvus_version:
        return False
    line, patch, _judged = judged_version(ctx)
    return forward_applies(line, patch)


def judge_proxy_forward(ctx: Context, spec) -> tuple[tuple[CheckResult, ...], Optional[Link]]:
    from ..facts import modelledlinks as ml
    from ..facts.deployment import effective
    from ..facts.x509 import dns_sans, go_verify_hostname, ip_sans
    from ..model import Role
    from ._deployment_certs import certs_at
    from .config import judged_version
    if not forward_in_play(ctx):
        return (), None
    dep = ctx.deployment
    link = spec.name
    _line, patch, judged = judged_version(ctx)
    port = effective(dep.config, "proxy.port").text or "19530"
    address = f"every 2.5 proxy's public gRPC port {port} (found in etcd's sessions), ServerName {ml.FORWARD_NAME!r}"
    effs = ml.settings(dep, ("common.security.tlsMode", "tls.serverPemPath", "proxy.port"))
    cert_fact = dep.paths.get("tls.serverPemPath")
    files = [LinkFile("tls.serverPemPath", cert_fact.container, cert_fact.host or "")] if cert_fact else []
    out: list = []
    notes: list[str] = []
    verifies = ml.forward_verifies(patch)

    def add(code: str, subject: str, message: str, **facts) -> None:
        out.append(replace(finding(code, subject, message, fix=fix_for(code, deployment=dep, **facts)), link=link))

    if dep.mode_value == 2:
        mode = dep.tls_mode.raw
        add("proxy_forward.no_client_cert", f"Milvus 2.6 proxy -> 2.5 proxies :{port}",
            f"tlsMode is 2 ({mode.source}): {judged} forwards DML and DQL to the 2.5 proxies during the rolling upgrade "
            "with a tls.Config that holds no client certificate, and a 2.5 proxy in tlsMode 2 requires one: every "
            "forwarded request fails until the streaming service is on.", where=mode.source)
    missing: list[str] = []
    if verifies:
        host = cert_fact.host if cert_fact is not None else ctx.request.path(Role.SERVER_CERT)
        certs = certs_at(ctx, host) or ctx.material.certs(Role.SERVER_CERT)
        if not certs:
            missing.append(f"the 2.5 proxies' certificate (tls.serverPemPath "
                           f"{cert_fact.container if cert_fact else 'not set'} is not readable here)")
        else:
            ok, said = go_verify_hostname(certs[0], ml.FORWARD_NAME)
            if not ok:
                names = ", ".join([*dns_sans(certs[0]), *map(str, ip_sans(certs[0]))]) or "no SAN"
                path = host or (cert_fact.container if cert_fact else "tls.serverPemPath")
                add("proxy_forward.name_missing", f"{Role.SERVER_CERT.value} ({path})",
                    f"{judged} forwards to the 2.5 proxies with ServerName {ml.FORWARD_NAME!r} (the authority of "
                    f"`session:///proxy`) and the proxy certificate {path} carries {names}: {said}. During the "
                    "rolling upgrade every forwarded insert, delete, upsert, search and query fails.",
                    cert=path, names=names)
        missing.append("whether the CA of the 2.5 proxies' certificate is in the 2.6 image's system roots (the "
                       "forward sets no RootCAs: tls.caPemPath is not used)")
        notes.append(f"{judged} verifies the 2.5 proxy's certificate: name {ml.FORWARD_NAME!r}, Go's system roots")
    else:
        notes.append(f"{judged} dials the 2.5 proxies with InsecureSkipVerify (2.6.13+): their certificate is not "
                     "checked; 2.6.7-2.6.12 check the name 'proxy' against the system roots")
    check = result(f"link.{link}", f"{spec.title}: the proxy certificate and tlsMode suit the forward",
                   f"Milvus 2.6 proxy -> 2.5 proxies :{port}", out)
    if any(f.severity.value == "error" for f in out):
        verdict = LinkVerdict.FAIL
    elif missing:
        verdict = LinkVerdict.INCOMPLETE
    else:
        verdict = LinkVerdict.PASS
    add_what = ""
    if verdict is LinkVerdict.INCOMPLETE:
        shown_cert = (cert_fact.container if cert_fact else "server.pem")
        add_what = (f"not seen: {'; '.join(missing)}; check in the 2.6 image with `openssl verify -CAfile "
                    f"/etc/ssl/certs/ca-certificates.crt {shown_cert}`")
    notes.append("only during a rolling upgrade from 2.5, until the streaming service is on")
    return (check,), _modelled_link(spec, address, verdict, effs, out, files=files, add=add_what,
                                    detail="; ".join(notes))


# --- Milvus -> TiKV (facts/modelledlinks.py; docs/links.md part 2, tikv.ssl.*) -----------------------------------------

def judge_tikv(ctx: Context, spec) -> tuple[tuple[CheckResult, ...], Optional[Link]]:
    from ..facts import modelledlinks as ml
    from ..facts.deployment import effective, parse_bool
    dep = ctx.deployment
    if not ml.tikv_in_play(dep):
        return (), None
    link = spec.name
    effs = ml.settings(dep, ml.TIKV_KEYS)
    by = {e.key: e for e in effs}
    endpoints = by["tikv.endpoints"].text
    address = f"PD {endpoints}"
    store = effective(dep.config, "metastore.type")
    if store.setting is None or str(store.text).strip() != "tikv":
        return (), _modelled_link(spec, address, LinkVerdict.NOT_APPLICABLE, effs, (), detail=(
            f"metastore.type is {store.text or 'etcd'!r} ({store.source}): Milvus keeps its metadata in etcd and "
            "never dials TiKV, so tikv.ssl.* is not used"))
    enabled = by["tikv.ssl.enabled"]
    if parse_bool(enabled.text) is not True:   # Milvus's GetAsBool: anything but a true value is off
        return (), _modelled_link(spec, address, LinkVerdict.PLAINTEXT, effs, (), detail=(
            f"tikv.ssl.enabled is {enabled.text!r} ({enabled.source}): client-go dials PD and TiKV in plaintext"))
    subject = f"Milvus -> TiKV {address}"
    out: list = []

    def add(code: str, message: str, **facts) -> None:
        out.append(replace(finding(code, subject, message, fix=fix_for(code, deployment=dep, **facts)), link=link))

    facts = {k: dep.paths.get(k) for k in ml.TIKV_PATH_KEYS}
    cert_f, key_f, ca_f = (facts[k] for k in ml.TIKV_PATH_KEYS)
    said = lambda k: effective(dep.config, k).text.strip()   # noqa: E731 - a path key as Milvus reads it
    unset = [k for k in ml.TIKV_PATH_KEYS if not said(k)]
    files = [LinkFile(k, f.container, f.host or "") for k, f in facts.items() if f is not None and said(k)]
    missing: list[str] = []

    def loaded(info):
        return ctx.material.deployment_files.get(info.host) if info is not None and info.host else None

    def unseen(info) -> str:
        return (info.describe_source() or "a mount") if info is not None and not info.host and info.satisfied else ""

    if bool(said("tikv.ssl.tlsCert")) != bool(said("tikv.ssl.tlsKey")):
        have, lack = (("tlsCert", "tlsKey") if said("tikv.ssl.tlsCert") else ("tlsKey", "tlsCert"))
        add("tikv.client_pair_unusable", f"tikv.ssl.{have} is set and tikv.ssl.{lack} is not: the PD client refuses "
            "the pair (\"KeyFile and CertFile must both be present\") and Milvus does not start.",
            cert=said("tikv.ssl.tlsCert") or "not set", key=said("tikv.ssl.tlsKey") or "not set",
            cert_host=(cert_f.host if cert_f and cert_f.host else said("tikv.ssl.tlsCert") or "client.pem"),
            key_host=(key_f.host if key_f and key_f.host else said("tikv.ssl.tlsKey") or "client.key"))
    elif said("tikv.ssl.tlsCert"):
        cert, key = loaded(cert_f), loaded(key_f)
        why = ""
        if unseen(cert_f) or unseen(key_f):
            missing.append(" and ".join(f"{i.key} {i.container} ({unseen(i)})" for i in (cert_f, key_f) if unseen(i)))
        elif cert is None or not cert.certs:
            why = f"{cert_f.container} " + ("does not exist or is not a regular readable file" if cert is None
                                            else "holds no certificate")
        elif key is None or key.key is None:
            why = f"{key_f.container} " + ("does not exist or is not a regular readable file" if key is None
                                           else "holds no usable private key")
        elif _spki(cert.certs[0].public_key()) != _spki(key.key.public_key()):
            why = f"{key_f.container} is not the key of {cert_f.container}"
        if why:
            add("tikv.client_pair_unusable", f"tikv.ssl.enabled is true and {why}: client-go's pre-test "
                "(tls.LoadX509KeyPair, \"could not load client key pair\") fails, the coordinator's TiKV client is "
                "not created and Milvus panics at start.", cert=cert_f.container, key=key_f.container,
                cert_host=cert_f.host or cert_f.container, key_host=key_f.host or key_f.container)
    if said("tikv.ssl.tlsCACert"):
        ca = loaded(ca_f)
        if unseen(ca_f):
            missing.append(f"tikv.ssl.tlsCACert {ca_f.container} ({unseen(ca_f)})")
        elif ca is None or not ca.certs:
            add("tikv.ca_unusable", f"tikv.ssl.tlsCACert {ca_f.container} " + (
                "does not exist or is not a regular readable file (\"could not read ca certificate\")" if ca is None
                else "holds no certificate (\"failed to append ca certs\")") + ": the TiKV client is not created "
                "and Milvus panics at start.", ca=ca_f.container, ca_host=ca_f.host or ca_f.container)
    plain = []
    if not said("tikv.ssl.tlsCACert"):
        plain.append("the TiKV stores and PD's etcd (client-go makes no tls.Config without tlsCACert)")
    if not said("tikv.ssl.tlsCert") and not said("tikv.ssl.tlsKey"):
        plain.append("PD (the PD client makes no tls.Config without tlsCert and tlsKey)")
    if plain and not any(f.code == "tikv.client_pair_unusable" for f in out):
        add("tikv.ssl_files_missing", f"tikv.ssl.enabled is true ({enabled.source}) but {', '.join(unset)} "
            f"{'is' if len(unset) == 1 else 'are'} not set: Milvus dials {' and '.join(plain)} in plaintext, which a "
            "TLS TiKV cluster drops.", where=enabled.source, missing=" and ".join(unset))
    check = result(f"link.{link}", f"{spec.title}: tikv.ssl.* load as client-go loads them", subject, out)
    if any(f.severity.value == "error" for f in out):
        verdict = LinkVerdict.FAIL
    else:
        verdict = LinkVerdict.INCOMPLETE
    host = endpoints.split(",")[0].split("://")[-1]
    add_what = ""
    if verdict is LinkVerdict.INCOMPLETE:
        seen = f"; {'; '.join(missing)}" if missing else ""
        add_what = (f"not seen: the PD and TiKV certificates (the doctor does not dial TiKV){seen}; check from a "
                    f"Milvus pod with `openssl s_client -connect {host} -verify_return_error -CAfile "
                    f"{said('tikv.ssl.tlsCACert')} -cert {said('tikv.ssl.tlsCert')} -key {said('tikv.ssl.tlsKey')} "
                    "</dev/null` (Go checks the host dialled against the SANs)")
    detail = ("PD is dialled at the host of tikv.endpoints, then the TiKV stores at the addresses PD reports, each "
              "name checked against the SANs; tikv.ssl.tlsCACert is the only root; a PD with a CA requires the client "
              "certificate (pd server config: ClientCertAuth when its CA is set)")
    return (check,), _modelled_link(spec, address, verdict, effs, out, files=files, add=add_what, detail=detail)


# --- Milvus -> Pulsar (facts/modelledlinks.py; docs/links.md part 2, pulsar.*) ----------------------------------------

def judge_pulsar(ctx: Context, spec) -> tuple[tuple[CheckResult, ...], Optional[Link]]:
    from ..facts import modelledlinks as ml
    from ..facts.deployment import effective
    dep = ctx.deployment
    if not ml.pulsar_in_play(dep):
        return (), None
    link = spec.name
    effs = ml.settings(dep, ml.PULSAR_KEYS)
    address_eff = effective(dep.config, "pulsar.address")
    port = effective(dep.config, "pulsar.port").text or "6650"
    url = ml.pulsar_url(address_eff.text, port)
    scheme = ml.pulsar_scheme(address_eff.text)
    address = url or "pulsar.address not set"
    subject = f"Milvus -> Pulsar {address}"
    out: list = []

    def add(code: str, message: str, **facts) -> None:
        out.append(replace(finding(code, subject, message, fix=fix_for(code, deployment=dep, **facts)), link=link))

    for s in ml.pulsar_unread(dep):
        add("pulsar.tls_setting_not_read", f"{s.key} ({s.source}) is not read by any Milvus line: Milvus gives "
            "pulsar-client-go only the URL and the auth plugin, so it verifies a pulsar+ssl:// broker against Go's "
            "system roots and the dialled host whatever this says.", key=s.key, where=s.source)
    mq = effective(dep.config, "mq.type")
    if mq.setting is not None and mq.text.strip().lower() in ml.OTHER_MQ:
        return (result(f"link.{link}", f"{spec.title}: pulsar.* as Milvus reads it", subject, out),), _modelled_link(
            spec, address, LinkVerdict.NOT_APPLICABLE, effs, out, detail=(
                f"mq.type is {mq.text!r} ({mq.source}): Milvus does not dial Pulsar"))
    plugin_eff = effective(dep.config, "pulsar.authPlugin")
    plugin = plugin_eff.text.strip()
    tls = scheme in ml.PULSAR_TLS_SCHEMES
    files = []
    if plugin in ml.PULSAR_TLS_PLUGINS:
        params = ml.pulsar_auth_params(effective(dep.config, "pulsar.authParams").text)
        where = effective(dep.config, "pulsar.authParams").source
        if not params.get("tlsCertFile") or not params.get("tlsKeyFile"):
            lack = " and ".join(k for k in ("tlsCertFile", "tlsKeyFile") if not params.get(k))
            add("pulsar.auth_pair_unusable", f"pulsar.authPlugin is {plugin!r} ({plugin_eff.source}) and "
                f"pulsar.authParams, read as Milvus reads it (key:value pairs joined by commas), names no {lack}: "
                "the tls plugin's tls.LoadX509KeyPair fails when the client is created and Milvus does not start.",
                where=where if where != "Milvus's default" else plugin_eff.source)
        else:
            files = [LinkFile(f"pulsar.authParams {k}", params[k]) for k in ("tlsCertFile", "tlsKeyFile")]
        if not tls:
            host = url.split("://", 1)[-1].rsplit(":", 1)[0] if url else "BROKER"
            add("pulsar.tls_auth_over_plaintext", f"pulsar.authPlugin is {plugin!r} ({plugin_eff.source}) but "
                f"pulsar.address is {url or 'not set'!r} ({address_eff.source}): the plugin's certificate is only "
                "sent in a TLS handshake, which a pulsar:// URL never makes.", where=address_eff.source, host=host)
    elif plugin not in ml.PULSAR_PLUGINS:
        pass   # pulsar-client-go refuses it ("invalid auth provider"), not a TLS matter: said in the detail
    check = result(f"link.{link}", f"{spec.title}: pulsar.* as Milvus reads it", subject, out)
    notes = ["Milvus sets no pulsar-client-go TLS option (no TLSTrustCertsFilePath): a pulsar+ssl:// broker is "
             "verified against Go's system roots (SSL_CERT_FILE, else the image's /etc/ssl/certs bundle) and the "
             "host dialled (crypto/tls fills ServerName from it)"]
    if plugin and plugin not in ml.PULSAR_PLUGINS:
        notes.append(f"pulsar.authPlugin {plugin!r} is not a pulsar-client-go plugin (\"invalid auth provider\")")
    if any(f.severity.value == "error" for f in out):
        verdict = LinkVerdict.FAIL
    elif not tls:
        verdict = LinkVerdict.PLAINTEXT
    else:
        verdict = LinkVerdict.INCOMPLETE
    add_what = ""
    if verdict is LinkVerdict.INCOMPLETE:
        hostport = url.split("://", 1)[-1].split("/", 1)[0]
        if ":" not in hostport:
            hostport += ":6651"
        add_what = (f"not seen: the brokers' certificate (the doctor does not dial Pulsar); check from a Milvus pod "
                    f"with `openssl s_client -connect {hostport} -verify_return_error -CAfile "
                    "/etc/ssl/certs/ca-certificates.crt </dev/null` (the roots Milvus's Go client uses)")
    return (check,), _modelled_link(spec, address, verdict, effs, out, files=files, add=add_what,
                                    detail="; ".join(notes))


# --- Milvus 2.6 -> another cluster's proxy (replication; facts/modelledlinks.py; docs/links.md part 2, tls.clusters) ---
# Milvus reads tls.clusters.<id>.* each time a channel replicator creates its client to cluster <id>; a failure is
# logged ("initialize replicator failed") and retried forever: replication to that cluster stops, Milvus serves on.

def _anchor_not_ca(cert) -> bool:
    """Go's CheckSignatureFrom refuses to verify with this certificate: v3 without basicConstraints, or CA:FALSE."""
    from cryptography import x509 as cx509
    from ..facts.x509 import basic_ca
    ca = basic_ca(cert)
    return ca is False or (ca is None and cert.version == cx509.Version.v3)


def _authority_host(authority: str) -> str:
    """The ServerName grpc-go takes from an authority (credentials/tls.go: net.SplitHostPort, else as it is)."""
    a = authority.strip()
    if a.startswith("[") and "]:" in a:
        return a[1:a.index("]")]
    return a.rsplit(":", 1)[0] if a.count(":") == 1 else a


def judge_replication(ctx: Context, spec) -> tuple[tuple[CheckResult, ...], Optional[Link]]:
    from ..facts import modelledlinks as ml
    from ..facts.deployment import Effective
    from ..facts.milvus_keys import reads
    from .config import check_unread_keys, judged_version
    dep = ctx.deployment
    clusters = ml.replication_clusters(dep.config if dep is not None else None)
    if not clusters:
        return (), None
    link = spec.name
    line, patch, judged = judged_version(ctx)
    effs = [Effective(c.key(leaf), c.text(leaf), s) for c in clusters for leaf, s in c.settings.items()]
    authority_read = reads("grpc.clusters.<id>.authority", line, patch)
    address = ", ".join(f"cluster {c.cluster}" + (f" (authority {c.text('authority')})"
                                                  if authority_read and c.text("authority") else "")
                        for c in clusters)
    not_in_line = [f for f in _codes_of(check_unread_keys(ctx)) if f.code == "config.key_not_in_line"
                   and f.subject.lower().startswith(("tls.clusters.", "grpc.clusters."))]
    if not reads("tls.clusters.<id>.caPemPath", line, patch):
        return (), _modelled_link(spec, address, LinkVerdict.NOT_APPLICABLE, effs, not_in_line, detail=(
            f"{judged} reads no tls.clusters.<id>.* (Milvus 2.6.12+): these keys are ignored; before 2.6 replication "
            "is the separate milvus-cdc server, whose target TLS is the create-task request's dial_config"))
    out: list = []
    missing: list[str] = []
    notes: list[str] = []
    files: list[LinkFile] = []

    def loaded(info):
        return ctx.material.deployment_files.get(info.host) if info is not None and info.host else None

    def unseen(info) -> str:
        return (info.describe_source() or "a mount") if info is not None and not info.host and info.satisfied else ""

    for c in clusters:
        subject = f"Milvus -> cluster {c.cluster}"

        def add(code: str, message: str, **facts) -> None:
            out.append(replace(finding(code, subject, message, fix=fix_for(code, deployment=dep, cluster=c.cluster,
                                                                           **facts)), link=link))

        authority = c.text("authority") if authority_read else ""
        name = (f"{_authority_host(authority)!r} (grpc.clusters.{c.cluster}.authority)" if authority else
                "the host of the replicate configuration's URI for this cluster")
        info = {leaf: dep.paths.get(c.key(leaf)) for leaf in ml.CLUSTER_PATH_LEAVES}
        files += [LinkFile(c.key(leaf), i.container, i.host or "") for leaf, i in info.items() if i is not None]
        if not c.pair_set:
            written = [c.key(leaf) for leaf in ml.CLUSTER_PATH_LEAVES if c.text(leaf)]
            if written:
                where = c.settings[next(leaf for leaf in ml.CLUSTER_PATH_LEAVES if c.text(leaf))].source
                add("replication.tls_settings_ignored", f"{', '.join(written)} {'is' if len(written) == 1 else 'are'} "
                    f"set but not both of tls.clusters.{c.cluster}.clientPemPath and clientKeyPath: {judged} builds no "
                    "TLS config from them and dials the cluster as its URI says (https://: Go's system roots and no "
                    "client certificate; otherwise plaintext).", where=where)
            notes.append(f"cluster {c.cluster}: no tls.Config from tls.clusters.*; an https:// URI gets TLS with the "
                         f"system roots, name {name}, no client certificate; any other URI plaintext")
            missing.append(f"cluster {c.cluster}: the replicate configuration's URI (its scheme decides TLS) and the "
                           "target's certificate")
            continue
        ca_f, cert_f, key_f = (info[leaf] for leaf in ml.CLUSTER_PATH_LEAVES)
        ca_text = c.text("caPemPath")
        ca = loaded(ca_f)
        if not ca_text:
            add("replication.ca_unusable", f"tls.clusters.{c.cluster}.clientPemPath and clientKeyPath are set and "
                "caPemPath is not: BuildTLSConfig reads the CA first (\"failed to read CA cert\"), so every attempt "
                "to create the replication client fails and nothing is replicated to this cluster.", ca="", ca_host="")
        elif unseen(ca_f):
            missing.append(f"cluster {c.cluster}: caPemPath {ca_f.container} ({unseen(ca_f)})")
        elif ca is None or not ca.certs:
            add("replication.ca_unusable", f"tls.clusters.{c.cluster}.caPemPath {ca_f.container} " + (
                "does not exist or is not a regular readable file (\"failed to read CA cert\")" if ca is None else
                "holds no certificate (\"failed to parse CA cert\")") + ": every attempt to create the replication "
                "client fails and nothing is replicated to this cluster.", ca=ca_f.container,
                ca_host=ca_f.host or ca_f.container)
        elif all(_anchor_not_ca(cert) for cert in ca.certs):
            add("replication.ca_not_ca", f"tls.clusters.{c.cluster}.caPemPath {ca_f.container} holds no CA "
                "certificate (no basicConstraints CA:TRUE): Go verifies no signature with it, so the target verifies "
                "only if it presents exactly this certificate.", ca=ca_f.container, ca_host=ca_f.host or ca_f.container)
        cert, key = loaded(cert_f), loaded(key_f)
        why = ""
        if unseen(cert_f) or unseen(key_f):
            missing.append(f"cluster {c.cluster}: " + " and ".join(
                f"{i.key} {i.container} ({unseen(i)})" for i in (cert_f, key_f) if unseen(i)))
        elif cert is None or not cert.certs:
            why = f"{cert_f.container} " + ("does not exist or is not a regular readable file" if cert is None
                                            else "holds no certificate")
        elif key is None or key.key is None:
            why = f"{key_f.container} " + ("does not exist or is not a regular readable file" if key is None
                                           else "holds no usable private key")
        elif _spki(cert.certs[0].public_key()) != _spki(key.key.public_key()):
            why = f"{key_f.container} is not the key of {cert_f.container}"
        if why:
            add("replication.client_pair_unusable", f"tls.clusters.{c.cluster}.* sets the client pair and {why}: "
                "tls.LoadX509KeyPair fails (\"failed to load client cert\") each time the replication client is "
                "created, and nothing is replicated to this cluster.", cert=cert_f.container, key=key_f.container,
                cert_host=cert_f.host or cert_f.container, key_host=key_f.host or key_f.container)
        notes.append(f"cluster {c.cluster}: TLS 1.3 minimum, RootCAs caPemPath only, the client pair sent; Go checks "
                     f"{name} against the target's SANs")
        missing.append(f"cluster {c.cluster}: the target proxy's certificate (its chain to caPemPath, the name "
                       f"{name}) and whether its tls.caPemPath issued the client pair")
    if any(c.text("authority") for c in clusters) and not authority_read:
        notes.append(f"{judged} does not read grpc.clusters.<id>.authority (2.6.16+): the name checked is the URI's host")
    check = result(f"link.{link}", f"{spec.title}: tls.clusters.<id>.* load as Milvus loads them",
                   f"Milvus -> {address}", out)
    found = out + not_in_line
    verdict = _verdict(found, LinkVerdict.INCOMPLETE)
    add_what = ""
    if verdict is LinkVerdict.INCOMPLETE:
        first = clusters[0]
        sni = first.text("authority") if authority_read else ""
        add_what = (f"not seen: {'; '.join(missing)}; check from a Milvus pod with `openssl s_client -connect "
                    f"TARGET_HOST:PORT -tls1_3 -verify_return_error"
                    + (f" -servername {_authority_host(sni)} -verify_hostname {_authority_host(sni)}" if sni else "")
                    + (f" -CAfile {first.text('caPemPath')}" if first.text("caPemPath") else "")
                    + (f" -cert {first.text('clientPemPath')} -key {first.text('clientKeyPath')}"
                       if first.pair_set else "") + " </dev/null` (TARGET_HOST:PORT from the replicate configuration)")
    notes.append("the targets' URIs come from the replicate configuration (an API call), not milvus.yaml")
    return (check,), _modelled_link(spec, address, verdict, effs, found, files=files, add=add_what,
                                    detail="; ".join(notes))
