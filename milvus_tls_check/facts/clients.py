"""The other clients of the same Milvus, written once: who they are, how each reads its parameters, and how each
TLS stack judges the server's certificate. Pure facts: no I/O, no findings (rules/per_client.py judges).

Clients (``--client KIND[==VERSION]``):

- ``pymilvus`` by release line (grpcio/BoringSSL; facts/pymilvus.py holds the channel model of the newest line).
  What differs per line, from the pymilvus sources and issues:
    * 2.1.0-2.3.7: the certificate paths are used only when ``server_name`` is set; without it the channel is
      built with grpc's default roots and no client certificate (pymilvus#1962, fixed 2.3.8 / 2.4.0);
    * 2.2.8: a ``user:password`` URI forced ``secure=True`` (2.2.9: only ``https://`` does);
    * 2.3.5+: ``https://`` without a port means 443 (before: 19530); MilvusClient of 2.6.10-2.6.11 used 19530
      (fixed 2.6.12);
    * 2.2.0+: ``secure`` must be a bool (a string raises ParamError).
- ``go``: Go SDK v2 (``milvusclient``) and the Go tools built on it (milvus-backup, milvus-cdc). crypto/tls through
  grpc-go's credentials.NewTLS: ServerName (empty: the dialled host), RootCAs (nil: system roots), Certificates;
  ``ClientConfig.WithTLSConfig`` (newer SDKs) or DialOptions carry it. ``ClientConfig.parse``: an https:// address
  turns TLS on, and a TLS address without a port gets :443.
  Go never uses the subject CN (Go 1.15+); an IP needs an IP SAN; the leaf itself may be a root; SNI drops a
  trailing dot; a ServerName with a port matches nothing.
- ``node``: the Node SDK ``@zilliz/milvus2-sdk-node`` (grpc-js on Node's OpenSSL) and Attu (``MILVUS_TLS_*``).
  ``ssl: true`` (or an https:// address, or a rootCertPath: ONE_WAY) with ``tls: {rootCertPath, privateKeyPath,
  certChainPath, serverName}`` (a privateKeyPath makes it TWO_WAY; serverName becomes
  grpc.ssl_target_name_override) (milvus-sdk-node milvus/grpc/BaseClient.ts). An address without a port is only
  warned about; grpc-js then dials 443.
  Node's tls.checkServerIdentity: an IP is matched against IP SANs only; a DNS name against DNS SANs, or the CN
  when the certificate has no DNS SAN; wildcards only in the left-most label of a name with 3+ labels;
  case-insensitive, trailing dot ignored; a port in the name matches nothing. OpenSSL needs a self-signed anchor
  (no partial chains): a CA-signed server certificate given as the root does not verify.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

PYMILVUS, GO, NODE = "pymilvus", "go", "node"
KINDS = (PYMILVUS, GO, NODE)

# The newest release of each line, as tested (pip index versions pymilvus / npm view @zilliz/milvus2-sdk-node).
PYMILVUS_LINES = {"2.3": "2.3.8", "2.4": "2.4.15", "2.5": "2.5.18", "2.6": "2.6.17", "3.0": "3.0.2"}
NODE_LINES = {"2.6": "2.6.17", "3": "3.0.6"}
NEWEST = {PYMILVUS: "3.0", GO: "", NODE: "3"}
NODE_PACKAGE = "@zilliz/milvus2-sdk-node"


class BadClient(ValueError):
    pass


def _vkey(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version)[:3])


@dataclass(frozen=True)
class ClientSel:
    """One selected client: its kind and the version (or line) given; "" = the newest line."""

    kind: str
    version: str = ""

    @property
    def line(self) -> str:
        v = self.version or NEWEST[self.kind]
        if self.kind == NODE:
            parts = v.split(".")
            return parts[0] if parts[0] != "2" else ".".join(parts[:2])
        return ".".join(v.split(".")[:2])

    @property
    def release(self) -> str:
        """The exact release this selection stands for ("2.4.15"), as tested; "" for Go (the toolchain)."""
        if self.kind == PYMILVUS:
            return self.version if self.version.count(".") == 2 else PYMILVUS_LINES.get(self.line, self.version)
        if self.kind == NODE:
            return self.version if self.version.count(".") == 2 else NODE_LINES.get(self.line, self.version)
        return self.version

    @property
    def key(self) -> str:
        """How the report names it: "pymilvus==2.4", "pymilvus==2.3.7" (a release as given), "go", "go==1.24",
        "node==3"."""
        if self.version.count(".") == 2:
            return f"{self.kind}=={self.version}"
        return self.kind + (f"=={self.line}" if self.line else "")

    @property
    def label(self) -> str:
        if self.kind == PYMILVUS:
            return f"pymilvus {self.release or self.line}"
        if self.kind == GO:
            return f"Go SDK (crypto/tls{', Go ' + self.version if self.version else ''})"
        return f"Node SDK {self.release or self.line} (grpc-js/OpenSSL)"

    # ---- pymilvus parameter semantics per release -------------------------------------------------------------
    def paths_need_server_name(self) -> bool:
        """pymilvus 2.1.0-2.3.7 ignore the certificate paths unless server_name is set (pymilvus#1962)."""
        return self.kind == PYMILVUS and (2, 1, 0) <= _vkey(self.release or self.line) <= (2, 3, 7)

    def https_default_port(self, milvus_client: bool = True) -> int:
        """The port an https:// URI without one dials."""
        v = _vkey(self.release or self.line)
        if self.kind == PYMILVUS:
            if milvus_client and (2, 6, 10) <= v <= (2, 6, 11):
                return 19530
            return 443 if v >= (2, 3, 5) else 19530
        # Node SDK: formatAddress only warns ("No port specified ... Milvus default port is 19530") and grpc-js's
        # resolver then uses 443; grpc-go's resolver also defaults to 443.
        return 443

    def user_password_forces_secure(self) -> bool:
        return self.kind == PYMILVUS and _vkey(self.release or self.line)[:3] == (2, 2, 8)

    def legacy_grpc_names(self) -> bool:
        """Lines whose grpcio still checks names with tsi's legacy matcher (observed: pymilvus 2.3.8 installs
        grpcio 1.60.0, 2.4.15 grpcio 1.67.1; 2.5+ install 1.85, which uses the newer verifier): no CN for an IP
        name, the CN only when the certificate has no SAN at all, and a wildcard only when the rest of the name
        still has a dot ("*.local" does not match "milvus.local")."""
        return self.kind == PYMILVUS and _vkey(self.release or self.line)[:2] <= (2, 4)

    def secure_must_be_bool(self) -> bool:
        return self.kind == PYMILVUS and _vkey(self.release or self.line) >= (2, 2, 0)


def parse_client(text: str) -> ClientSel:
    """`KIND[==VERSION]` -> ClientSel. BadClient with what to write instead."""
    kind, sep, version = text.strip().partition("==")
    kind = kind.strip().lower()
    aliases = {"python": PYMILVUS, "golang": GO, "go-sdk": GO, "milvus-backup": GO, "milvus-cdc": GO,
               "attu": NODE, "nodejs": NODE, "node-sdk": NODE}
    kind = aliases.get(kind, kind)
    if kind not in KINDS:
        raise BadClient(f"--client {text}: unknown client {kind!r}; choose pymilvus, go, node (or all), with "
                        "==VERSION for a release line, e.g. pymilvus==2.4, node==2.6, go==1.24")
    version = version.strip().lstrip("v")
    if sep and not re.fullmatch(r"\d+(\.\d+){0,2}", version):
        raise BadClient(f"--client {text}: the version must look like 2.4, 2.4.15 or 3")
    sel = ClientSel(kind, version)
    if kind == PYMILVUS and version and _vkey(version) < (2, 1):
        raise BadClient(f"--client {text}: pymilvus before 2.1 has no TLS parameters the doctor models")
    if kind == NODE and version and _vkey(version) < (2, 2):
        raise BadClient(f"--client {text}: the Node SDK before 2.2 has no tls option")
    return sel


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
                out += [ClientSel(k) for k in KINDS]
            else:
                out.append(parse_client(part))
    seen, unique = set(), []
    for sel in out:
        if sel.key not in seen:
            seen.add(sel.key)
            unique.append(sel)
    return tuple(unique)


# ---- what a Go or Node client is given (the general flags, or --go-args / --node-args) ----------------------------

@dataclass(frozen=True)
class TlsConfig:
    """A Go or Node client's TLS inputs: the trust root (None: system roots), the client pair, the server name
    (None: the dialled host), the address it dials (None: the rehearsal decides), and whether TLS is on."""

    ca: Optional[str] = None
    cert: Optional[str] = None
    key: Optional[str] = None
    server_name: Optional[str] = None
    address: Optional[str] = None
    secure: bool = True
    source: str = "flags"    # "flags" | "--go-args" | "--node-args"

    @property
    def sends_cert(self) -> bool:
        return bool(self.cert and self.key)


GO_ARG_KEYS = {"address": "address", "server_name": "server_name", "serverName": "server_name", "ca": "ca",
               "ca_pem_path": "ca", "root_ca": "ca", "cert": "cert", "cert_path": "cert", "client_pem_path": "cert",
               "key": "key", "key_path": "key", "client_key_path": "key", "tls": "secure"}


def go_config(args: dict) -> TlsConfig:
    """--go-args JSON: {"address", "server_name", "ca", "cert", "key"} (the aliases in GO_ARG_KEYS too)."""
    values: dict = {}
    for k, v in args.items():
        if k not in GO_ARG_KEYS:
            raise BadClient(f"--go-args: unknown key {k!r}; use address, server_name, ca, cert, key")
        values[GO_ARG_KEYS[k]] = v
    address = values.get("address")
    secure = bool(values.get("secure", True))
    if isinstance(address, str) and address.startswith(("http://", "tcp://")):
        secure = False
    return TlsConfig(values.get("ca"), values.get("cert"), values.get("key"), values.get("server_name"),
                     _strip_scheme(address), secure, "--go-args")


def node_config(cfg: dict) -> TlsConfig:
    """--node-args JSON: the Node SDK's config object, {address, ssl, tls: {rootCertPath, privateKeyPath,
    certChainPath, serverName}}. TLS is on with `ssl: true`, an https:// address, or a `tls` object with a root
    (the SDK's ONE_WAY / TWO_WAY modes)."""
    known = {"address", "ssl", "tls", "token", "username", "password", "database", "timeout", "channelOptions",
             "maxRetries", "retryDelay", "logLevel", "id", "pool", "trace", "logPrefix"}
    stray = sorted(set(cfg) - known)
    if stray:
        raise BadClient(f"--node-args: unknown key(s) {stray}; the Node SDK takes address, ssl, tls: "
                        "{rootCertPath, privateKeyPath, certChainPath, serverName}, ...")
    tls = cfg.get("tls") or {}
    if not isinstance(tls, dict):
        raise BadClient("--node-args: tls must be an object {rootCertPath, privateKeyPath, certChainPath, serverName}")
    stray = sorted(set(tls) - {"rootCertPath", "privateKeyPath", "certChainPath", "serverName", "verifyOptions",
                               "skipCertCheck"})
    if stray:
        raise BadClient(f"--node-args: unknown tls key(s) {stray}; use rootCertPath, privateKeyPath, "
                        "certChainPath, serverName")
    address = str(cfg.get("address") or "")
    secure = bool(cfg.get("ssl")) or address.startswith("https://") or bool(tls.get("rootCertPath"))
    return TlsConfig(tls.get("rootCertPath"), tls.get("certChainPath"), tls.get("privateKeyPath"),
                     tls.get("serverName"), _strip_scheme(address) or None, secure, "--node-args")


def _strip_scheme(address: Optional[str]) -> Optional[str]:
    """host:port as the client dials it; credentials written into it (user:password@) are dropped (never shown
    nor handed to the Go or Node child)."""
    if not address:
        return address
    from .pymilvus import redact_uri
    return re.sub(r"^[a-z]+://", "", str(redact_uri(str(address)))).rstrip("/")


# ---- name matching per client (what each stack accepts for the name it checks) --------------------------------

def split_name(name: str) -> tuple[str, bool]:
    """(name, has_port): a name with ':PORT' (not an IPv6 literal)."""
    if name.count(":") == 1:
        return name, True
    if name.startswith("[") and "]:" in name:
        return name, True
    return name, False


def go_name_match(dns_sans: tuple[str, ...], ip_sans: tuple[str, ...], name: str) -> tuple[bool, str]:
    """crypto/x509 Certificate.VerifyHostname: IP -> IP SANs; else DNS SANs only (never the CN), case-insensitive,
    trailing dots ignored, '*' only as the whole left-most label (and not matching an IP or the apex)."""
    import ipaddress

    host = name[1:-1] if name.startswith("[") and name.endswith("]") else name
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None:
        ok = any(_same_ip(ip, s) for s in ip_sans)
        return ok, ("ip" if ok else f"x509: cannot validate certificate for {host} because it doesn't contain any IP "
                    "SANs" if not ip_sans else f"x509: certificate is valid for {', '.join(ip_sans)}, not {host}")
    candidate = host.lower().rstrip(".")
    for pattern in dns_sans:
        if _go_match(pattern.lower().rstrip("."), candidate):
            return True, "dns"
    if not dns_sans:
        return False, ("x509: certificate relies on legacy Common Name field, use SANs instead")
    return False, f"x509: certificate is valid for {', '.join(dns_sans)}, not {host}"


def _same_ip(ip, text: str) -> bool:
    import ipaddress
    try:
        return ipaddress.ip_address(text) == ip
    except ValueError:
        return False


def _go_match(pattern: str, host: str) -> bool:
    if not pattern or not host:
        return False
    if pattern == host:
        return True
    p, h = pattern.split("."), host.split(".")
    if len(p) != len(h) or p[0] != "*" or len(p) < 2:
        return False
    return p[1:] == h[1:] and bool(h[0]) and ":" not in host


def node_name_match(dns_sans: tuple[str, ...], ip_sans: tuple[str, ...], cns: tuple[str, ...],
                    name: str) -> tuple[bool, str]:
    """Node's tls.checkServerIdentity (lib/tls.js): returns (ok, how-or-reason)."""
    import ipaddress

    host = name
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None:
        ok = any(_same_ip(ip, s) for s in ip_sans)
        return ok, "ip" if ok else f"IP: {host} is not in the cert's list: {', '.join(ip_sans)}"
    parts = host.lower().rstrip(".").split(".")
    if dns_sans:
        ok = any(_node_check(parts, p) for p in dns_sans)
        return ok, "dns" if ok else f"Host: {host}. is not in the cert's altnames: " + \
            ", ".join(f"DNS:{d}" for d in dns_sans)
    if cns:
        ok = any(_node_check(parts, cn) for cn in cns)
        return ok, "cn" if ok else f"Host: {host}. is not cert's CN: {cns[0]}"
    return False, "Cert does not contain a DNS name"


def _node_check(host_parts: list[str], pattern: str) -> bool:
    pattern = pattern.lower().rstrip(".")
    if not pattern:
        return False
    pp = pattern.split(".")
    if len(host_parts) != len(pp) or any(not x for x in host_parts):
        return False
    if pp[1:] != host_parts[1:]:
        return False
    first = pp[0]
    if "*" not in first:
        return first == host_parts[0]
    if len(pp) <= 2 or first.startswith("xn--") or first.count("*") > 1:
        return False
    prefix, suffix = first.split("*")
    h = host_parts[0]
    return len(h) >= len(prefix) + len(suffix) and h.startswith(prefix) and h.endswith(suffix) and \
        (prefix + suffix != "" or len(h) > 0)


PYMILVUS_GRPCIO = {"2.3": "1.60.0", "2.4": "1.67.1", "2.5": "1.85.3", "2.6": "1.85.3", "3.0": "1.85.3"}


def legacy_grpc_name_match(dns_sans: tuple[str, ...], ip_sans: tuple[str, ...], cns: tuple[str, ...],
                           name: str) -> bool:
    """tsi_ssl_peer_matches_name (grpc before the HostNameCertificateVerifier): IP names against IP SANs only;
    DNS SANs exact or '*.rest' wildcards where the name's part after its first label still holds a dot; the CN
    only when there is no SAN at all, and never for an IP name."""
    import ipaddress
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        ip = None
    if ip is not None:
        return any(_same_ip(ip, s) for s in ip_sans)
    host = name.lower().rstrip(".")

    def entry(e: str) -> bool:
        e = e.lower().rstrip(".")
        if not e.startswith("*"):
            return e == host
        if len(e) < 3 or e[1] != ".":
            return False
        first = host.find(".")
        if first < 0 or first >= len(host) - 2:
            return False
        rest = host[first + 1:]
        dot = rest.find(".")
        if dot < 0 or dot == len(rest) - 1:
            return False
        return rest == e[2:]
    if any(entry(d) for d in dns_sans):
        return True
    return not dns_sans and not ip_sans and any(entry(c) for c in cns)


# ---- the exact call, for the report's notes ------------------------------------------------------------------

def pymilvus_call(sel: ClientSel, uri: str, kwargs: dict) -> str:
    args = [f"uri={uri!r}"] + [f"{k}={v!r}" for k, v in kwargs.items() if v]
    if sel.paths_need_server_name() and not kwargs.get("server_name"):
        args.append("server_name='<the name in the certificate>'  # 2.1.0-2.3.7 ignore the paths without it")
    return f"{sel.label}: MilvusClient({', '.join(args)})"


def go_call(cfg: TlsConfig, address: str) -> str:
    parts = []
    if cfg.server_name:
        parts.append(f"ServerName: {cfg.server_name!r}".replace("'", '"'))
    if cfg.ca:
        parts.append(f"RootCAs: pool /* x509.NewCertPool().AppendCertsFromPEM(os.ReadFile(\"{cfg.ca}\")) */")
    if cfg.sends_cert:
        parts.append(f"Certificates: []tls.Certificate{{pair}} /* tls.LoadX509KeyPair(\"{cfg.cert}\", \"{cfg.key}\") */")
    tls_cfg = "&tls.Config{" + ", ".join(parts) + "}"
    return (f"Go SDK: milvusclient.New(ctx, (&milvusclient.ClientConfig{{Address: \"{address}\"}})"
            f".WithTLSConfig({tls_cfg})) (SDKs without WithTLSConfig: DialOptions: []grpc.DialOption{{grpc."
            "WithTransportCredentials(credentials.NewTLS(...))}; EnableTLSAuth or an https:// address alone trusts "
            "the system roots)")


def node_call(cfg: TlsConfig, address: str) -> str:
    tls = {k: v for k, v in (("rootCertPath", cfg.ca), ("privateKeyPath", cfg.key if cfg.sends_cert else None),
                             ("certChainPath", cfg.cert if cfg.sends_cert else None),
                             ("serverName", cfg.server_name)) if v}
    inner = ", ".join(f"{k}: '{v}'" for k, v in tls.items())
    return f"Node SDK: new MilvusClient({{address: '{address}', ssl: true, tls: {{{inner}}}}})"


def attu_env(cfg: TlsConfig, address: str) -> str:
    """Attu v3 (README "TLS / SSL"): MILVUS_ADDRESS, MILVUS_SSL, MILVUS_TLS_*; Attu 2.x used ROOT_CERT_PATH,
    PRIVATE_KEY_PATH, CERT_CHAIN_PATH, SERVER_NAME. Attu hands them to the Node SDK's tls object."""
    env = [f"MILVUS_ADDRESS={address}", "MILVUS_SSL=true"]
    for var, value in (("ROOT_CERT_PATH", cfg.ca), ("PRIVATE_KEY_PATH", cfg.key if cfg.sends_cert else None),
                       ("CERT_CHAIN_PATH", cfg.cert if cfg.sends_cert else None), ("SERVER_NAME", cfg.server_name)):
        if value:
            env.append(f"MILVUS_TLS_{var}={value}")
    return "Attu (v3; 2.x: the same names without MILVUS_TLS_): " + " ".join(env)


# ---- which findings and attempts concern which selected client --------------------------------------------------

# Findings of the pymilvus rules about the server certificate that every client meets the same way: the server
# does not start (files), or every verifier refuses (validity). Everything else the pymilvus rules say about the
# server certificate (names, chain to pymilvus's root, signature and key algorithms BoringSSL accepts) is pymilvus's
# judgement; rules/per_client.py judges those again for Go and Node.
SERVER_SIDE_ON_SERVER_CERT = ("file.", "key.mismatch", "key.encrypted", "cert.expired", "cert.not_yet_valid",
                              "cert.expires_soon")
PYMILVUS_SUBJECTS = ("client_server_pem (", "client_ca_pem (", "pymilvus ")


def concerns(code: str, subject: str, clients: tuple, sel: ClientSel) -> bool:
    """Does a finding concern the selected client? Tagged findings concern the clients they name; untagged ones
    (the pymilvus rules) concern pymilvus, and Go/Node unless they are about pymilvus's own parameters, its trust
    files, or how BoringSSL judges the server certificate."""
    if clients:
        return sel.key in clients   # a tag is a selection's key ("go" is the newest Go, not every Go version)
    if sel.kind == PYMILVUS:
        return True
    if code.startswith(("name.", "client.")) or subject.startswith(PYMILVUS_SUBJECTS):
        return False
    if sel.kind == NODE and code == "file.bom" and subject.startswith(("client_pem (", "client_key (")):
        return False   # observed: Node's OpenSSL reads a PEM file after a UTF-8 BOM (Go and grpcio do not)
    if subject.startswith("server_pem (") and not code.startswith(SERVER_SIDE_ON_SERVER_CERT):
        return False
    return True


def attempt_is_for(impl, sel: ClientSel) -> bool:
    """Does a handshake attempt (model.ClientImpl) speak for the selected client?"""
    kind = getattr(impl.kind, "value", impl.kind)
    version = impl.version or ""
    if getattr(impl, "selection", ""):
        return impl.selection == sel.key   # an attempt made for one selection speaks for that one
    if sel.kind == PYMILVUS:
        if kind == "grpcio":
            return True
        return kind == "pymilvus" and (not version or ".".join(version.split(".")[:2]) == sel.line)
    if sel.kind == GO:
        return kind == "go"
    if sel.kind == NODE:
        if kind != "node":
            return False
        return not version or ClientSel(NODE, version).line == sel.line
    return False


# ---- a Go or Node client's own words -> a code (pure; handshake/interpretation.py builds the Handshake) ---------------

_GO_WORDS = (
    # the server's alert: Milvus's Go found the client certificate expired (observed against the Go front)
    ("remote error: tls: expired certificate", "tls.client_cert_rejected", "server"),
    ("legacy Common Name field", "name.cn_only", "client"),
    ("doesn't contain any IP SANs", "name.mismatch", "client"),
    ("certificate is valid for", "name.mismatch", "client"),
    ("certificate is not valid for any names", "name.mismatch", "client"),
    ("certificate has expired or is not yet valid", "cert.expired", "client"),
    ("insecure algorithm", "sig.weak", "client"),
    ("algorithm unimplemented", "sig.unsupported", "client"),
    ("negative serial number", "cert.serial_invalid", "client"),
    ("incompatible key usage", "eku.server_auth_missing", "client"),
    ("signed by unknown authority", "tls.server_cert_untrusted", "client"),
    ("not authorized to sign", "tls.server_cert_untrusted", "client"),
    ("AppendCertsFromPEM", "chain.untrusted", "client"),
    ("failed to find any PEM data", "file.not_pem", "client"),
    ("LoadX509KeyPair", "handshake.failed", "client"),
    ("certificate required", "tls.client_cert_required", "server"),
    ("bad certificate", "tls.client_cert_rejected", "server"),
    ("unknown certificate authority", "tls.client_cert_rejected", "server"),
    ("connection refused", "net.refused", None),
    ("i/o timeout", "net.timeout", None),
    ("context deadline exceeded", "net.timeout", None),
    ("first record does not look like a TLS handshake", "tls.server_plaintext", None),
    ("handshake failure", "handshake.failed", None),
    ("unexpected message", "handshake.failed", None),
)
_NODE_WORDS = (
    # the server's alert: Milvus's Go found the client certificate expired (observed, Node SDK 3.0.6 vs the Go front)
    ("alert certificate expired", "tls.client_cert_rejected", "server"),
    ("is not in the cert's", "name.mismatch", "client"),
    ("is not cert's CN", "name.mismatch", "client"),
    ("Cert does not contain a DNS name", "name.mismatch", "client"),
    ("ERR_TLS_CERT_ALTNAME_INVALID", "name.mismatch", "client"),
    ("certificate has expired", "cert.expired", "client"),
    ("certificate is not yet valid", "cert.not_yet_valid", "client"),
    ("digest algorithm too weak", "sig.weak", "client"),
    ("unsupported certificate purpose", "eku.server_auth_missing", "client"),
    ("self-signed certificate", "tls.server_cert_untrusted", "client"),
    ("self signed certificate", "tls.server_cert_untrusted", "client"),
    ("unable to get local issuer certificate", "tls.server_cert_untrusted", "client"),
    ("unable to verify the first certificate", "tls.server_cert_untrusted", "client"),
    ("unable to get issuer certificate", "tls.server_cert_untrusted", "client"),
    ("certificate signature failure", "sig.unsupported", "client"),
    ("ENOENT", "file.missing", "client"),
    ("no start line", "file.not_pem", "client"),
    ("certificate required", "tls.client_cert_required", "server"),
    ("alert number 116", "tls.client_cert_required", "server"),
    ("bad certificate", "tls.client_cert_rejected", "server"),
    ("alert number 42", "tls.client_cert_rejected", "server"),
    ("unknown ca", "tls.client_cert_rejected", "server"),
    ("alert number 48", "tls.client_cert_rejected", "server"),
    ("ECONNREFUSED", "net.refused", None),
    ("Deadline exceeded", "net.timeout", None),
    ("DEADLINE_EXCEEDED", "net.timeout", None),
    ("wrong version number", "tls.server_plaintext", None),
    ("packet length too long", "tls.server_plaintext", None),
)


def classify_words(kind: str, text: str) -> tuple[str, Optional[str]]:
    """(code, side "client"/"server"/None) for a Go or Node client's error text."""
    table = _GO_WORDS if kind == GO else _NODE_WORDS
    low = text.lower()
    for words, code, side in table:
        if words.lower() in low:
            return code, side
    return "handshake.failed", None
