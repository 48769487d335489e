"""Options -> Request: the `--dir` file names, the deployment merge and the defaults, in one place.

The CLI only maps argparse to `Options`, and the fleet only maps its YAML to `Options`; both then call
`build_request`. Nothing here prints or exits; unusable input raises UsageError.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field, fields, make_dataclass
from typing import Mapping, Optional

from .errors import UsageError
from .facts.deploy_readers import reader_flags, triggers as reader_triggers
from .facts.pymilvus import BadUri, authorization, parse_uri, redact_uri, split_credentials, uri_host
from .model import CLIENT_ROLES, Request, Role

# --dir takes the docs' file names, cert-manager's (a kubernetes.io/tls Secret's keys written out), or the .crt names
# many guides use (server.crt/server.key/ca.crt, client.crt/client.key).
DIR_NAMES = {Role.SERVER_CERT: "server.pem", Role.SERVER_KEY: "server.key", Role.SERVER_CA: "ca.pem",
             Role.CLIENT_CERT: "client.pem", Role.CLIENT_KEY: "client.key"}
CERT_MANAGER_NAMES = {Role.SERVER_CERT: "tls.crt", Role.SERVER_KEY: "tls.key", Role.SERVER_CA: "ca.crt",
                      Role.CLIENT_CERT: "client.pem", Role.CLIENT_KEY: "client.key"}
CRT_NAMES = {Role.SERVER_CERT: "server.crt", Role.SERVER_KEY: "server.key", Role.SERVER_CA: "ca.crt",
             Role.CLIENT_CERT: "client.crt", Role.CLIENT_KEY: "client.key"}
DIR_LAYOUTS = (("the Milvus docs' layout", DIR_NAMES), ("the cert-manager layout", CERT_MANAGER_NAMES),
               ("the .crt layout", CRT_NAMES))
# A role's other name, read when the layout's own name is not in the folder (client.crt beside server.pem, ...).
_OTHER_NAMES = {Role.SERVER_CA: ("ca.pem", "ca.crt"), Role.CLIENT_CERT: ("client.pem", "client.crt")}
# How many files of an unmapped folder are looked at to say which flag takes each (a folder is not a tree walk).
_MAX_UNMAPPED = 32
_FLAGS = {Role.SERVER_CERT: "--server-pem", Role.SERVER_KEY: "--server-key", Role.SERVER_CA: "--ca-pem",
          Role.CLIENT_CERT: "--client-pem", Role.CLIENT_KEY: "--client-key"}


def dir_layout(folder: str) -> tuple[str, Mapping[Role, str], Optional[str]]:
    """Which file names a --dir folder uses: (label, role -> name, a note when it is not the docs' layout, both
    layouts are there, or none is). The docs' names win when server.pem is present; else tls.crt picks
    cert-manager's, else server.crt the .crt names. A role whose name is missing takes its other name when that one
    is there (client.crt for client.pem, ca.crt for ca.pem). A folder with none of the server names gets a note that
    gives each of its files the flag that takes it."""
    there = lambda name: os.path.lexists(os.path.join(folder, name))  # noqa: E731
    docs_there, cm_there, crt_there = there(DIR_NAMES[Role.SERVER_CERT]), there("tls.crt"), there("server.crt")
    if cm_there and not docs_there:
        label, names = DIR_LAYOUTS[1]
        note: Optional[str] = (f"--dir {folder}: read {label} (tls.crt as tls.serverPemPath, tls.key as "
                               "tls.serverKeyPath, ca.crt as tls.caPemPath and pymilvus ca_pem_path)")
    elif crt_there and not docs_there:
        label, names = DIR_LAYOUTS[2]
        note = (f"--dir {folder}: read {label} (server.crt as tls.serverPemPath, server.key as tls.serverKeyPath, "
                "ca.crt as tls.caPemPath and pymilvus ca_pem_path, client.crt/client.key as the pymilvus client's)")
    else:
        label, names = DIR_LAYOUTS[0]
        note = (f"--dir {folder}: holds both server.pem and tls.crt; read {label} (server.pem, server.key, ca.pem); "
                "give --server-pem/--server-key/--ca-pem to check the other files") if cm_there else None
        if not docs_there:
            note = _unmapped_note(folder)
    names = dict(names)
    for role, others in _OTHER_NAMES.items():
        if not there(names[role]):
            names[role] = next((n for n in others if there(n)), names[role])
    return label, names, note


def _unmapped_note(folder: str) -> Optional[str]:
    """A folder without server.pem, tls.crt or server.crt: which flag takes each of its files. Each file is read
    (bounded, as the material is) to tell a key from a certificate; a key goes with the certificate whose public key
    it is; a CA certificate is --ca-pem; of the leaves, the one whose extendedKeyUsage allows only clientAuth, or
    whose name says client, is the client's. None when the folder holds no certificate at all."""
    from .facts.x509 import basic_ca, eku_allows, spki_fingerprint
    from .material import load_file
    from cryptography.x509.oid import ExtendedKeyUsageOID

    try:
        entries = sorted(e for e in os.listdir(folder) if not e.startswith("."))[:_MAX_UNMAPPED]
    except OSError:
        return None
    certs: list[tuple[str, object]] = []
    keys: list[tuple[str, object]] = []
    for entry in entries:
        path = os.path.join(folder, entry)
        if not os.path.isfile(path):
            continue
        loaded = load_file(Role.SERVER_CERT, path)
        if loaded.certs:
            certs.append((path, loaded.certs[0]))
            continue
        loaded = load_file(Role.SERVER_KEY, path)
        if loaded.key is not None:
            keys.append((path, loaded.key))
    if not certs:
        return None
    flags: dict[Role, str] = {}
    leaves = []
    for path, cert in certs:
        if basic_ca(cert) and Role.SERVER_CA not in flags:
            flags[Role.SERVER_CA] = path
        elif not basic_ca(cert):
            leaves.append((path, cert))

    def client_like(item) -> bool:
        path, cert = item
        server_ok, _ = eku_allows(cert, ExtendedKeyUsageOID.SERVER_AUTH)
        return not server_ok or "client" in os.path.basename(path).lower()

    for path, cert in sorted(leaves, key=client_like)[:2]:
        role = Role.CLIENT_CERT if (client_like((path, cert)) or Role.SERVER_CERT in flags) else Role.SERVER_CERT
        if role in flags:
            continue
        flags[role] = path
        spki = spki_fingerprint(cert.public_key())
        key = next((k for k, key in keys if spki_fingerprint(key.public_key()) == spki), None)
        if key:
            flags[Role.SERVER_KEY if role is Role.SERVER_CERT else Role.CLIENT_KEY] = key
    if not flags:
        return None
    import shlex
    given = " ".join(f"{_FLAGS[role]} {shlex.quote(flags[role])}" for role in _FLAGS if role in flags)
    return (f"--dir {folder}: holds none of the file names --dir maps (server.pem/server.key/ca.pem, tls.crt/tls.key/"
            f"ca.crt, server.crt/server.key/ca.crt); give each file with its flag instead: milvus-tls doctor {given}")


# Options field -> the role its path plays.
PATH_OPTIONS = {"server_pem": Role.SERVER_CERT, "server_key": Role.SERVER_KEY, "ca_pem": Role.SERVER_CA,
                "client_pem": Role.CLIENT_CERT, "client_key": Role.CLIENT_KEY, "client_ca_pem": Role.CLIENT_CA,
                "client_server_pem": Role.CLIENT_SERVER_PEM}


@dataclass(frozen=True)
class _Options:
    """What the user asked for, as plain values (one run of `milvus-tls doctor`): the fields no deployment reader
    declares. `Options` adds one field per reader flag (below)."""

    dir: Optional[str] = None
    tls_mode: Optional[int] = None
    server_pem: Optional[str] = None
    server_key: Optional[str] = None
    ca_pem: Optional[str] = None
    client_pem: Optional[str] = None
    client_key: Optional[str] = None
    client_ca_pem: Optional[str] = None
    client_server_pem: Optional[str] = None
    server_name: Optional[str] = None
    warn_days: int = 30
    at: Optional[dt.datetime] = None
    strict: bool = False
    uri: Optional[str] = None
    timeout: float = 5.0
    no_handshake: bool = False
    pymilvus: bool = False
    probe_links: bool = False             # --probe-links: dial each link the deployment names (handshake/)
    connect_to: tuple[str, ...] = ()      # --connect-to HOST:PORT:ADDR:PORT2 (repeatable, curl's syntax)
    key_password_env: Optional[str] = None
    verbose: bool = False
    milvus_version: Optional[str] = None
    rehearsal: str = "auto"
    client: tuple[str, ...] = ()          # --client KIND[==VERSION] (repeatable; "all")
    # kind -> JSON of a client's own arguments (its spec's args_option, e.g. --go-args), as given
    client_args: tuple[tuple[str, str], ...] = ()
    side: Optional[str] = None            # --side server|client: judge only that end (the other is not asked for)
    ca_key: Optional[str] = None          # --ca-key: the CA's private key (read only by the fix commands it prints)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


def _options_class():
    """Options: the fields above plus one per flag a deployment reader declares (facts/deploy_readers.py: milvus_yaml,
    compose, compose_env, service, k8s, pymilvus_args, ...), `()` for a repeatable flag (a tuple of values), None
    otherwise. A frozen dataclass like the base, so callers and fleet files name the fields as before."""
    declared = [(f.option, tuple[str, ...] if f.repeatable else Optional[str],
                 field(default=() if f.repeatable else None)) for f in reader_flags()]
    clash = [name for name, _, _ in declared if name in _Options.field_names()]
    if clash:
        raise TypeError(f"a deployment reader declares {', '.join(clash)}, already a field of request.Options")
    cls = make_dataclass("Options", declared, bases=(_Options,), frozen=True,
                         namespace={"__doc__": "What the user asked for, as plain values (one run of `milvus-tls "
                                               "doctor`); one field per deployment reader flag too."})
    cls.__module__ = __name__
    return cls


Options = _options_class()


def parse_instant(value) -> dt.datetime:
    """An ISO-8601 instant (or a datetime) in UTC; naive values are taken as UTC."""
    if isinstance(value, dt.datetime):
        instant = value
    else:
        try:
            instant = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"not an ISO-8601 instant: {value!r} (e.g. 2030-01-01T00:00:00Z)") from None
    return instant.astimezone(dt.timezone.utc) if instant.tzinfo else instant.replace(tzinfo=dt.timezone.utc)


def build_request(options: Options, environ: Optional[Mapping[str, str]] = None, secrets=None) -> Request:
    """`secrets`: a deploy.SecretFolder the caller holds open for the whole run (Kubernetes Secret contents are
    written there so the doctor and the rehearsal can read them)."""
    environ = os.environ if environ is None else environ
    paths: dict[Role, str] = {}
    explicit: set[Role] = set()
    modes: tuple[int, ...] = (options.tls_mode,) if options.tls_mode else ()
    server_name: Optional[str] = options.server_name
    notes: list[str] = []
    deployment = None
    client_exact = False
    if any(getattr(options, name) for name in reader_triggers()):   # a reader declares which values mean "read"
        from .deploy import deployment_notes, deployment_paths, read_deployment_facts
        deployment = read_deployment_facts(**{f.option: getattr(options, f.option) for f in reader_flags()},
                                           secrets=secrets, environ=environ, environment_names=frozenset(environ))
        found = deployment_paths(deployment)
        paths.update(found.paths)
        explicit |= set(found.client_explicit)
        if found.tls_mode in (0, 1, 2) and not modes:
            # the modes judged follow the effective tlsMode: 0 (Milvus's default, or a misnested key) is plaintext
            modes = (found.tls_mode,)
        # The application's URI names the host it dials (the name grpc checks); it is not made a live target:
        # reading deployment files stays a pre-deploy check unless --uri asks for a live one.
        if server_name is None:
            server_name = found.server_name
        client_exact = found.client_exact
    milvus_version, version_source = _milvus_version(options, deployment)
    if options.rehearsal not in ("auto", "go", "grpcio"):
        raise UsageError(f"--rehearsal {options.rehearsal}: choose auto, go or grpcio")
    if options.dir:
        if not os.path.isdir(options.dir):
            raise UsageError(f"--dir {options.dir}: not a directory")
        _label, names, layout_note = dir_layout(options.dir)
        if layout_note:
            notes.append(layout_note)
        for role, name in names.items():
            if client_exact and role in CLIENT_ROLES:
                continue  # the application's own pymilvus arguments decide the client side
            path = os.path.join(options.dir, name)
            if os.path.lexists(path) or role in (Role.SERVER_CERT, Role.SERVER_KEY):
                paths[role] = path
    for attr, role in PATH_OPTIONS.items():
        value = getattr(options, attr)
        if value:
            paths[role] = value
            explicit.add(role)
    if deployment is not None and not client_exact:
        notes += _client_beside_server(paths, explicit, modes, deployment)
    clients, client_args = _clients(options, deployment)
    # a Go or Node client's own pair (--go-args / --node-args) is judged in mode 2 like the general flags
    own_pair = any(cfg.secure and cfg.sends_cert for cfg in client_args.values())
    if not (paths.get(Role.CLIENT_CERT) or paths.get(Role.CLIENT_KEY)) and not client_exact and not modes \
            and not own_pair:
        notes.append("mode 2 (mutual TLS) was not judged: no client certificate was given; give "
                     f"{_client_flags()} (or --tls-mode 2) to check it")
    uri, uri_auth = None, ""
    if options.uri:   # credentials in the URI leave it here: only the cleaned URI travels on (and is ever shown)
        uri, user, secret = split_credentials(options.uri)
        uri_auth = authorization(user, secret, None)
        _check_uri(uri)
    # a deployment whose TLS files are the image's own samples has none the doctor can read: its findings still count
    # Helm's proxy.tls.enabled says TLS is meant even where Milvus is left in tlsMode 0: config.helm_tls_incomplete
    # is the failure to show, not "nothing to check".
    tls_meant = deployment is not None and (deployment.tls_on or (deployment.helm is not None and deployment.helm.tls_enabled))
    links_only = False
    if deployment is not None and not tls_meant:   # a link beyond the front door is something to check too
        from .facts import objectstore
        from .facts.etcdlink import in_play
        from .facts.modelledlinks import in_play as modelled_in_play
        tls_meant = (in_play(deployment) or objectstore.in_play(deployment) or modelled_in_play(deployment)
                     or deployment.birdwatcher is not None or bool(options.probe_links and deployment.has_config))
        # the front door is plaintext and nothing names its files: judge the links only (the TLS map says so)
        links_only = tls_meant and not options.dir and not options.uri and not any(
            getattr(options, attr) for attr in PATH_OPTIONS)
        if links_only:
            paths = {role: path for role, path in paths.items() if role in explicit}
        if links_only and not deployment.has_config:   # no Milvus at all: no front door, so no mode to speak of
            notes = [n for n in notes if not n.startswith("mode 2 (mutual TLS) was not judged")]
    if not paths.get(Role.SERVER_CERT) and not options.uri and not tls_meant:
        said = deployment_notes(deployment) if deployment is not None else ()
        raise UsageError("nothing to check: give --dir, --server-pem/--server-key, a deployment file, or --uri"
                         + "".join(f"\n  note: {n}" for n in said))
    if server_name is None:
        server_name = uri_host(uri) if uri else "localhost"
    password = None
    if options.key_password_env:
        if options.key_password_env not in environ:
            raise UsageError(f"--key-password-env {options.key_password_env}: that variable is not set")
        password = environ[options.key_password_env].encode()
    if clients and all(c.spec.own_tls for c in clients) and options.pymilvus:
        notes.append("--pymilvus runs real pymilvus clients; no pymilvus client was selected with --client")
    return _fixed_client_tls(Request(paths=paths, explicit=frozenset(explicit), modes=modes, server_name=server_name or None,
                   server_name_given=bool(options.server_name),
                   clients=clients, client_args=client_args,
                   at=options.at, warn_days=options.warn_days, strict=options.strict, uri=uri,
                   timeout=options.timeout, handshake=not options.no_handshake, run_pymilvus=options.pymilvus,
                   key_password=password, deployment=deployment, notes=tuple(dict.fromkeys(notes)),
                   milvus_version=milvus_version, milvus_version_source=version_source, rehearsal=options.rehearsal, client_exact=client_exact,
                   verbose=options.verbose, authorization=uri_auth, side=_side(options.side),
                   probe_links=options.probe_links, connect_to=_connect_to(options.connect_to),
                   links_only=links_only,
                   ca_key=options.ca_key))


def _connect_to(given) -> tuple:
    from .model import parse_connect_to
    out = []
    for text in given or ():
        try:
            out.append(parse_connect_to(str(text)))
        except ValueError as exc:
            raise UsageError(f"--connect-to {exc}") from None
    return tuple(out)


def _side(side: Optional[str]) -> Optional[str]:
    if side in (None, "", "both"):
        return None
    if side not in ("server", "client"):
        raise UsageError(f"--side {side}: choose server or client")
    return side


def _fixed_client_tls(request: Request) -> Request:
    """A selected client's TLS inputs (a kind with its own stack), fixed from the whole request (the doctor later
    narrows `paths` to the files the evaluated modes use, which must not change what such a client is given)."""
    from dataclasses import replace

    kinds = {c.kind for c in request.clients if c.spec.own_tls}
    return replace(request, client_args={kind: request.client_tls(kind) for kind in sorted(kinds)})


def _clients(options: Options, deployment=None):
    """--client and each kind's --*-args -> (ClientSel tuple, {kind: TlsConfig} of the own arguments given). A
    deployment reader's client TLS inputs (DeploymentFacts.client_tls: Attu's environment, milvus-backup's
    backup.yaml) are merged the same way; the same kind given by a reader and by its --*-args is a usage error."""
    import json

    from .clientkinds import BadClient, ClientSel, parse_clients, spec
    try:
        clients = parse_clients(options.client)
        own: dict = {}
        for kind, text in options.client_args:
            if not text:
                continue
            kind_spec = spec(kind)
            flag = kind_spec.args_option
            if kind_spec.read_args is None:
                raise BadClient(f"{flag}: the {kind} client takes no arguments of its own here")
            if kind_spec.args_text:
                own[kind] = kind_spec.read_args(text)
                continue
            try:
                value = json.loads(text)
            except ValueError as exc:
                raise BadClient(f"{flag}: not JSON ({exc})")
            if not isinstance(value, dict):
                raise BadClient(f"{flag}: must be a JSON object")
            own[kind] = kind_spec.read_args(value)
        for kind, cfg in (getattr(deployment, "client_tls", None) or {}).items():
            if kind in own:
                raise BadClient(f"{cfg.source} and {spec(kind).args_option} both give the {kind} client's TLS "
                                "settings; give one of them")
            own[kind] = cfg
    except BadClient as exc:
        raise UsageError(str(exc))
    # an application's own arguments (or a tool's file read for a kind) name the client they belong to
    for kind in own:
        if not any(c.kind == kind for c in clients):
            clients += (ClientSel(kind),)
    return clients, own


def _client_beside_server(paths: dict, explicit: set, modes: tuple, deployment) -> list[str]:
    """Mutual TLS without a client certificate given: the folder the deployment mounts for the server files (the
    docs' `tls/`) often holds client.pem and client.key; use them (saying so) rather than judge mode 2 without one."""
    if modes and 2 not in modes:
        return []
    if Role.CLIENT_CERT in paths or Role.CLIENT_KEY in paths or explicit & set(CLIENT_ROLES):
        return []
    server = paths.get(Role.SERVER_CERT)
    if not server or not os.path.isfile(server):
        return []
    folder = os.path.dirname(server)
    cert, key = os.path.join(folder, "client.pem"), os.path.join(folder, "client.key")
    if not (os.path.isfile(cert) and os.path.isfile(key)):
        return []
    paths[Role.CLIENT_CERT], paths[Role.CLIENT_KEY] = cert, key
    info = deployment.paths.get("tls.serverPemPath") if deployment.has_config else None
    if info is not None and deployment.in_secret_dir(server):
        where = f"the volume mounted at {os.path.dirname(info.container)} (beside {os.path.basename(server)})"
    elif info is not None and deployment.mounted:
        where = f"{folder}, the folder mounted at {os.path.dirname(info.container)} beside tls.serverPemPath"
    else:
        where = f"{folder}, beside tls.serverPemPath"
    return [f"mutual TLS: no client certificate was given, so the doctor used client.pem and client.key from {where} "
            f"as pymilvus client_pem_path and client_key_path; give {_client_flags()} to check others"]


def _check_uri(uri: str) -> None:
    """Messages name the URI without its credentials (parse_uri's own do too)."""
    if "://" not in uri:
        raise UsageError(f"--uri {redact_uri(uri)}: no scheme; use https://HOST:PORT for a TLS server or http://HOST:PORT for "
                         "a plaintext one")
    try:
        parse_uri(uri)
    except BadUri as exc:
        raise UsageError(f"--uri: {exc}; use https:// (TLS) or http:// (plaintext)")


def _milvus_version(options: Options, deployment) -> tuple[Optional[str], str]:
    """--milvus-version, else the tag of the Milvus image the deployment files name, else None (newest line)."""
    from .facts.milvus_lines import UnknownMilvusVersion, lookup
    version, source = options.milvus_version, "--milvus-version"
    image = getattr(deployment, "image", None) if deployment is not None else None
    if not version and image is not None and image.tag:
        version, source = image.tag, f"{image.ref}, {image.source}"
        try:
            lookup(version)
        except UnknownMilvusVersion:
            return None, ""      # a tag such as "latest" or "master-...": judge the newest line
    if not version:
        return None, ""
    try:
        lookup(version)
    except UnknownMilvusVersion as exc:
        raise UsageError(f"--milvus-version {version}: {exc}")
    return version.lstrip("v"), source


def secret_folder(options: Options):
    """The folder a deployment reader writes files to that must outlive the read (Kubernetes Secret contents), as
    a context manager; it makes no folder until a reader writes one. Nothing to hold when no deployment file is
    given, so deploy/ (and PyYAML) stay off a plain run's path."""
    if not any(getattr(options, name) for name in reader_triggers()):
        import contextlib
        return contextlib.nullcontext()
    from .deploy import SecretFolder
    return SecretFolder()


def _client_flags() -> str:
    from .rules.pymilvus_params import CLIENT_FLAGS   # here, not at the top: building a request needs no rule module
    return CLIENT_FLAGS
