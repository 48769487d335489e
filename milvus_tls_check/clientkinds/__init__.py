"""Client kinds (``--client KIND[==VERSION]``): one module per kind in this package, each declaring ``SPEC``, a
ClientSpec; the registry finds them (a module here is a kind, there is no list to extend). Everything that differs
per kind is asked of its spec: its names, release lines, how its own arguments are read, its name matcher, its
error words, the call the report prints, which untagged findings concern it, its rehearsal runner and its static
judge (both named by dotted path: network code stays in handshake/, findings in rules/).

Pure facts: no I/O, no findings, no network (facts/ and the standard library only).
"""
from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional

# (words, code, side): a client's own error text -> the finding code it names and which end refused
# ("client": its stack refused the server; "server": the server refused the client certificate; None: neither says)
ErrorWords = tuple[tuple[str, str, Optional[str]], ...]
# What a spec says about the server certificate or the client's settings, for rules/per_client.py to make a
# finding of: (code, message, severity "error" | "warning" | "" for the catalogue's, modes it breaks ())
Said = tuple[str, str, str, tuple[int, ...]]


class BadClient(ValueError):
    """A --client, --*-args value the doctor cannot take (a usage error, exit 2)."""


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version)[:3])


def two_part_line(version: str) -> str:
    return ".".join(version.split(".")[:2])


@dataclass(frozen=True)
class TlsConfig:
    """A client's own TLS inputs (its --*-args, or the general flags): the trust root (None: system roots), the
    client pair, the server name (None: the dialled host), the address it dials (None: the rehearsal decides), and
    whether TLS is on."""

    ca: Optional[str] = None
    cert: Optional[str] = None
    key: Optional[str] = None
    server_name: Optional[str] = None
    address: Optional[str] = None
    secure: bool = True
    source: str = "flags"    # "flags" | the spec's args_option ("--go-args", "--node-args") | a deploy reader's flag
    # what the client's own settings (or the tool around it) make it refuse or ignore, as its reader found it:
    # (code, message, severity), optionally followed by the modes it breaks and a pasteable fix naming the key and
    # the file (code, message, severity, modes, fix)
    said: tuple[tuple, ...] = ()
    # a REST base URL the tool derives from these settings and calls as well (milvus-backup: https://HOST:PORT of
    # its gRPC address when milvus.rest.endpoint is empty); judged against the Milvus judged (rules/per_client)
    rest: Optional[str] = None
    rest_why: str = ""       # why the URL is derived ("milvus-backup: `milvus.rest.endpoint` in backup.yaml is not set")
    rest_fix: str = ""       # the pasteable fix, "{url}" standing for the REST URL to write
    rest_uses: str = ""      # what the tool calls REST for ("segment info during backup, ...")
    tool: str = ""           # the tool these settings are of ("milvus-backup", "Attu v3"): who the report names
    # a tool's file: the pasteable fix that gives it a client pair, or its trust root, in its own keys and file
    pair_fix: str = ""
    root_fix: str = ""
    # the tool refuses to start with these settings (its own validation, in its words): no connection is attempted
    refused: str = ""

    @property
    def sends_cert(self) -> bool:
        return bool(self.cert and self.key)


@dataclass(frozen=True)
class OwnStack:
    """How a client that is not pymilvus judges the server with its own TLS stack (the words are its own), for
    rules/per_client.judge_own_stack."""

    partial_chain: bool                  # any trusted certificate ends the path (Go), or only a self-signed one
    who_suffix: str = ""                 # " and Attu": who else takes the same settings
    bom_root_words: str = ""             # a one-certificate root file after a UTF-8 BOM: why nothing is trusted
    unread_root_words: str = ""          # a root file with no certificate in it
    leaf_as_root_note: str = ""          # said when the root given is the (CA-signed) server certificate itself
    eku_words: str = ""                  # a server certificate without serverAuth
    weak_signature_words: str = ""       # SHA-1 / MD5 in the chain
    reads_pem_after_bom: bool = False    # its PEM reader skips a UTF-8 BOM in the client pair's files
    no_port_words: str = ""              # what it does with a TLS address without a port (it dials 443)
    # the extra refusals of its stack: each signed certificate of the chain (cert, who), the leaf (sel, leaf, who)
    chain_cert_checks: Optional[Callable[..., list]] = None
    leaf_checks: Optional[Callable[..., list]] = None
    # its name rules: (leaf, name, who, shown) -> Said tuples (empty: accepted)
    name_checks: Optional[Callable[..., list]] = None
    # its settings that cannot work together: (cfg, sel, modes) -> Said tuples
    settings_checks: Optional[Callable[..., list]] = None
    # its loading of the client key as read (material.LoadedFile or None): (cfg, key_file, sel, modes) -> Said tuples
    key_checks: Optional[Callable[..., list]] = None
    # the signature hashes its verifier refuses in the server chain (sig.weak)
    weak_hashes: tuple[str, ...] = ("sha1", "md5")
    # its path validation of the server chain, as a model (Go: facts/gopath.py): (sel, server file, trust file, name,
    # at) -> clientkinds.go.PathJudgement (the files: model.LoadedFile, every certificate block as its parser reads them); its verdict decides the chain codes it names (rules/per_client.attribute)
    path_model: Optional[Callable[..., Any]] = None
    # the general rules' words for pymilvus, in this client's words (rules/per_client: its own files)
    own_words: tuple[tuple[str, str], ...] = ()
    own_settings: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ClientSpec:
    """One client kind, everything the doctor knows of it in one place."""

    name: str                                       # the --client word and the report's key ("go")
    aliases: tuple[str, ...]                        # other words for it on --client ("golang", "attu")
    lines: Mapping[str, str]                        # release line -> the newest release of it, as tested
    newest: str                                     # the line "--client NAME" stands for ("" : no lines)
    label: Callable[[Any], str]                     # ClientSel -> how the report names it
    judge: str                                      # "milvus_tls_check.rules.per_client:FUNCTION" (static)
    call: Callable[..., tuple[str, ...]]            # (sel, request, modes, address) -> the user's call, as printed
    concerns: Callable[[str, str], bool]            # (code, subject) of a pymilvus-rules finding -> about it?
    version_word: str = "LINE"                      # what ==VERSION means for it, in --help ("GO VERSION")
    attempt_kind: str = ""                          # model.ClientKind value of its real attempts ("" : none)
    runner: str = ""                                # "milvus_tls_check.handshake.MODULE:FUNCTION" ("" : static only)
    attempt_who: Optional[Callable[[str], str]] = None   # the attempt's client version -> who speaks in the report
    line_of: Callable[[str], str] = two_part_line   # a version as given -> its line
    refuse_version: Callable[[str], str] = lambda version: ""   # a version the doctor does not model -> why
    args_option: str = ""                           # "--go-args": its own arguments as JSON
    args_help: str = ""
    read_args: Optional[Callable[[Any], TlsConfig]] = None   # that JSON -> its TLS inputs (BadClient if wrong)
    args_text: bool = False                         # its arguments are a line of text (milvus-cli's connect), not JSON
    in_all: bool = True                             # `--client all` selects it (the SDKs; a tool only when named)
    sends_pair: bool = True                         # it can send a client certificate (milvus-cli cannot)
    error_words: ErrorWords = ()                    # its own error text -> code (classify_words)
    own_stack: Optional[OwnStack] = None            # None: judged by the pymilvus rules (grpc/BoringSSL)
    # other attempt kinds that speak for every selection of it (grpcio: a channel built as pymilvus builds it)
    modelled_by: tuple[str, ...] = ()
    # the codes.Enforcer value its TLS stack is ("client_tls": grpcio/BoringSSL, Node's OpenSSL; "go_client": Go's
    # crypto/x509): a finding it did not judge itself counts for it when that enforcer enforces the code
    enforcer: str = "client_tls"

    @property
    def own_tls(self) -> bool:
        """Does it take its own TLS inputs (TlsConfig) rather than pymilvus's keyword arguments?"""
        return self.read_args is not None

    def speaks_for(self, attempt_kind: str, version: str, sel: "ClientSel") -> bool:
        """Does an attempt of this kind (not made for one selection) speak for the selected client?"""
        if attempt_kind in self.modelled_by:
            return True
        if not self.attempt_kind or attempt_kind != self.attempt_kind:
            return False
        return not version or not self.lines or self.line_of(version) == sel.line

    def classify_words(self, text: str) -> tuple[str, Optional[str]]:
        """(code, side) for this client's own error text; handshake.failed when no words match."""
        low = text.lower()
        for words, code, side in self.error_words:
            if words.lower() in low:
                return code, side
        return "handshake.failed", None


def _is_spec_module(name: str) -> bool:
    return not name.startswith("_")


def _discover(package_name: str = __name__, path=None) -> dict[str, ClientSpec]:
    """Every module of the package (pkgutil) that declares SPEC, by name; a module here without one is an error."""
    found: dict[str, ClientSpec] = {}
    for info in pkgutil.iter_modules(path if path is not None else __path__):
        if not _is_spec_module(info.name):
            continue
        module = importlib.import_module(f"{package_name}.{info.name}")
        spec = getattr(module, "SPEC", None)
        if not isinstance(spec, ClientSpec):
            raise TypeError(f"{module.__name__} is in the client-kind package but declares no SPEC = ClientSpec(...)")
        if spec.name in found:
            raise ValueError(f"client kind {spec.name!r} declared twice")
        found[spec.name] = spec
    order = {"pymilvus": 0}   # the default client first; the others by name (the `all` order, the JSON enum)
    return dict(sorted(found.items(), key=lambda item: (order.get(item[0], 1), item[0])))


_SPECS: Optional[dict[str, ClientSpec]] = None


def specs() -> dict[str, ClientSpec]:
    """name -> ClientSpec for every kind in this package (pymilvus first, then by name)."""
    global _SPECS
    if _SPECS is None:
        _SPECS = _discover()
    return _SPECS


def kinds() -> tuple[str, ...]:
    return tuple(specs())


def spec(kind: str) -> ClientSpec:
    """The spec of a kind; BadClient for a kind there is none of (never another kind's behaviour)."""
    try:
        return specs()[kind]
    except KeyError:
        raise BadClient(f"unknown client kind {kind!r}; the kinds are {', '.join(kinds())}") from None


def by_attempt_kind(attempt_kind: str) -> Optional[ClientSpec]:
    """The spec whose real attempts have this model.ClientKind value (None: grpcio, ssl-probe)."""
    return next((s for s in specs().values() if s.attempt_kind and s.attempt_kind == attempt_kind), None)


def own_tls_kinds() -> tuple[str, ...]:
    """The kinds that take their own TLS inputs (their --*-args), in registry order."""
    return tuple(name for name, s in specs().items() if s.own_tls)


def resolve(dotted: str, *, under: str) -> Callable:
    """A spec's "package.module:function" (its runner under handshake/, its judge under rules/)."""
    module, _, function = dotted.partition(":")
    if not module.startswith(under + ".") or not function:
        raise ValueError(f"{dotted!r} is not a function under {under}")
    return getattr(importlib.import_module(module), function)


# ---- a selection ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClientSel:
    """One selected client: its kind and the version (or line) given; "" = the newest line."""

    kind: str
    version: str = ""

    @property
    def spec(self) -> ClientSpec:
        return spec(self.kind)

    @property
    def line(self) -> str:
        s = self.spec
        v = self.version or s.newest
        return s.line_of(v) if v else ""

    @property
    def release(self) -> str:
        """The exact release this selection stands for ("2.4.15"), as tested; the version as given for a kind
        without release lines (Go: the toolchain)."""
        lines = self.spec.lines
        if not lines or self.version.count(".") == 2:
            return self.version
        return lines.get(self.line, self.version)

    @property
    def key(self) -> str:
        """How the report names it: "pymilvus==2.4", "pymilvus==2.3.7" (a release as given), "go", "go==1.24",
        "node==3"."""
        if self.version.count(".") == 2:
            return f"{self.kind}=={self.version}"
        return self.kind + (f"=={self.line}" if self.line else "")

    @property
    def label(self) -> str:
        return self.spec.label(self)


def parse_client(text: str) -> ClientSel:
    """`KIND[==VERSION]` -> ClientSel. BadClient with what to write instead."""
    kind, sep, version = text.strip().partition("==")
    kind = kind.strip().lower()
    aliases = {alias: name for name, s in specs().items() for alias in s.aliases}
    kind = aliases.get(kind, kind)
    if kind not in specs():
        raise BadClient(f"--client {text}: unknown client {kind!r}; choose {', '.join(kinds())} (or all), with "
                        "==VERSION for a release line, e.g. pymilvus==2.4, node==2.6, go==1.24")
    version = version.strip().lstrip("v")
    if sep and not re.fullmatch(r"\d+(\.\d+){0,2}", version):
        raise BadClient(f"--client {text}: the version must look like 2.4, 2.4.15 or 3")
    why = spec(kind).refuse_version(version) if version else ""
    if why:
        raise BadClient(f"--client {text}: {why}")
    return ClientSel(kind, version)


def parse_clients(texts) -> tuple[ClientSel, ...]:
    """Every --client value, `all` expanded to each kind at its newest line; order kept, duplicates dropped."""
    out: list[ClientSel] = []
    if isinstance(texts, str):   # one value (a fleet target's `client: go,node`)
        texts = (texts,)
    for text in texts or ():
        for part in str(text).split(","):
            if not part.strip():
                continue
            if part.strip().lower() == "all":
                out += [ClientSel(k) for k, s in specs().items() if s.in_all]
            else:
                out.append(parse_client(part))
    seen, unique = set(), []
    for sel in out:
        if sel.key not in seen:
            seen.add(sel.key)
            unique.append(sel)
    return tuple(unique)


# ---- which findings and attempts concern which selected client --------------------------------------------------

# Findings of the pymilvus rules about the server certificate that every client meets the same way: the server
# does not start (files), or every verifier refuses (validity). Everything else the pymilvus rules say about the
# server certificate (names, chain to pymilvus's root, signature and key algorithms BoringSSL accepts) is pymilvus's
# judgement; rules/per_client.py judges those again for each other client.
SERVER_SIDE_ON_SERVER_CERT = ("file.", "key.mismatch", "key.encrypted", "cert.expired", "cert.not_yet_valid",
                              "cert.expires_soon")
PYMILVUS_SUBJECTS = ("client_server_pem (", "client_ca_pem (", "pymilvus ")


def concerns_other_client(code: str, subject: str) -> bool:
    """An untagged finding (the pymilvus rules') concerns a client with its own stack unless it is about
    pymilvus's own parameters, its trust files, or how BoringSSL judges the server certificate."""
    if code.startswith(("name.", "client.")) or subject.startswith(PYMILVUS_SUBJECTS):
        return False
    if subject.startswith("server_pem (") and not code.startswith(SERVER_SIDE_ON_SERVER_CERT):
        return False
    return True


# Finding.clients of a finding that stays in the report (and in the verdict without --client) but concerns none of the
# selected clients: every client that would count it was judged to accept the material (rules/per_client.attribute)
NO_SELECTED_CLIENT = "(none of the selected clients)"


def concerns(code: str, subject: str, clients: tuple, sel: ClientSel) -> bool:
    """Does a finding concern the selected client? Tagged findings concern the clients they name (NO_SELECTED_CLIENT:
    none); untagged ones (the pymilvus rules) as the client's spec says."""
    if clients:
        return sel.key in clients   # a tag is a selection's key ("go" is the newest Go, not every Go version)
    return sel.spec.concerns(code, subject)


def attempt_is_for(impl, sel: ClientSel) -> bool:
    """Does a handshake attempt (model.ClientImpl) speak for the selected client?"""
    if getattr(impl, "selection", ""):
        return impl.selection == sel.key   # an attempt made for one selection speaks for that one
    kind = getattr(impl.kind, "value", impl.kind)
    return sel.spec.speaks_for(kind, impl.version or "", sel)


def strip_scheme(address: Optional[str]) -> Optional[str]:
    """host:port as the client dials it; credentials written into it (user:password@) are dropped (never shown
    nor handed to a child)."""
    if not address:
        return address
    from ..facts.pymilvus import redact_uri
    return re.sub(r"^[a-z]+://", "", str(redact_uri(str(address)))).rstrip("/")
