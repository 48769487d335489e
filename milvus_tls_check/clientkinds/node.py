"""``--client node``: the Node SDK ``@zilliz/milvus2-sdk-node`` (grpc-js on Node's OpenSSL) and Attu (``MILVUS_TLS_*``).

``ssl: true`` (or an https:// address, or a rootCertPath: ONE_WAY) with ``tls: {rootCertPath, privateKeyPath,
certChainPath, serverName}`` (a privateKeyPath makes it TWO_WAY; serverName becomes grpc.ssl_target_name_override)
(milvus-sdk-node milvus/grpc/BaseClient.ts). An address without a port is only warned about; grpc-js then dials 443.
Node's tls.checkServerIdentity: an IP is matched against IP SANs only; a DNS name against DNS SANs, or the CN when
the certificate has no DNS SAN; wildcards only in the left-most label of a name with 3+ labels; case-insensitive,
trailing dot ignored; a port in the name matches nothing. OpenSSL needs a self-signed anchor (no partial chains): a
CA-signed server certificate given as the root does not verify.
"""
from __future__ import annotations

import ipaddress

from ..facts.x509 import common_names, dns_sans, ip_sans
from . import BadClient, ClientSpec, OwnStack, TlsConfig, concerns_other_client, strip_scheme, version_key

# The newest release of each line, as tested (npm view @zilliz/milvus2-sdk-node).
LINES = {"2.6": "2.6.17", "3": "3.0.6"}
PACKAGE = "@zilliz/milvus2-sdk-node"


def line_of(version: str) -> str:
    parts = version.split(".")
    return parts[0] if parts[0] != "2" else ".".join(parts[:2])


def read_args(cfg: dict) -> TlsConfig:
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
                     tls.get("serverName"), strip_scheme(address) or None, secure, "--node-args")


# ---- Node's tls.checkServerIdentity (lib/tls.js), the one Node matcher ------------------------------------------

def _same_ip(ip, text: str) -> bool:
    try:
        return ipaddress.ip_address(text) == ip
    except ValueError:
        return False


def node_name_match(dns: tuple[str, ...], ips: tuple[str, ...], cns: tuple[str, ...], name: str) -> tuple[bool, str]:
    """(ok, how-or-Node's reason)."""
    host = name
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None:
        ok = any(_same_ip(ip, s) for s in ips)
        return ok, "ip" if ok else f"IP: {host} is not in the cert's list: {', '.join(ips)}"
    parts = host.lower().rstrip(".").split(".")
    if dns:
        ok = any(_node_check(parts, p) for p in dns)
        return ok, "dns" if ok else f"Host: {host}. is not in the cert's altnames: " + ", ".join(f"DNS:{d}" for d in dns)
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


def _names(leaf, name: str, who: str, shown: str) -> list:
    dns, ips, cns = tuple(dns_sans(leaf)), tuple(str(i) for i in ip_sans(leaf)), tuple(common_names(leaf))
    ok, how = node_name_match(dns, ips, cns, name)
    out = []
    if not ok:
        out.append(("name.mismatch", f"{who}: tls.checkServerIdentity refuses {name!r} ({shown}): \"{how}\".", "", ()))
    if name.endswith(".") and ok:
        out.append(("name.trailing_dot", f"{who} sends {name!r} as the SNI with its trailing dot; Milvus's Go server "
                    "ends the handshake (\"tls: unexpected message\").", "", ()))
    return out


def _settings(cfg: TlsConfig, sel, modes) -> list:
    if cfg.key and not cfg.cert:
        return [("client.params_incomplete", f"{sel.label}: privateKeyPath without certChainPath makes the SDK's "
                 "TWO_WAY mode, and grpc-js refuses to build the channel (\"Private key must be given with "
                 "accompanying certificate chain\").", "", ())]
    if cfg.cert and not cfg.key and 2 in modes:
        return [("client.params_incomplete", f"{sel.label}: certChainPath without privateKeyPath stays ONE_WAY (the "
                 "SDK switches to TWO_WAY on privateKeyPath): no client certificate is sent.", "", (2,))]
    return []


# ---- the exact call, for the report's notes ------------------------------------------------------------------

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


def _call(sel, request, modes, address: str) -> tuple[str, ...]:
    cfg = request.client_tls(sel.kind)
    return node_call(cfg, cfg.address or address), attu_env(cfg, cfg.address or address)


def _concerns(code: str, subject: str) -> bool:
    if code == "file.bom" and subject.startswith(("client_pem (", "client_key (")):
        return False   # observed: Node's OpenSSL reads a PEM file after a UTF-8 BOM (Go and grpcio do not)
    return concerns_other_client(code, subject)


_SETTINGS = (("pymilvus client_pem_path", "--node-args tls.certChainPath"),
             ("pymilvus client_key_path", "--node-args tls.privateKeyPath"),
             ("pymilvus ca_pem_path", "--node-args tls.rootCertPath"))

# The Node SDK's own words (grpc-js, Node's tls, OpenSSL) -> the code; checked in order.
ERROR_WORDS = (
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

SPEC = ClientSpec(
    name="node",
    aliases=("attu", "nodejs", "node-sdk"),
    lines=LINES,
    newest="3",
    line_of=line_of,
    refuse_version=lambda v: "the Node SDK before 2.2 has no tls option" if version_key(v) < (2, 2) else "",
    label=lambda sel: f"Node SDK {sel.release or sel.line} (grpc-js/OpenSSL)",
    judge="milvus_tls_check.rules.per_client:judge_own_stack",
    call=_call,
    concerns=_concerns,
    version_word="SDK LINE",
    attempt_kind="node",
    runner="milvus_tls_check.handshake.run:node_attempt",
    attempt_who=lambda version: f"Node SDK {version}".strip(),
    args_option="--node-args",
    args_help="JSON of the Node SDK's config object: {\"address\", \"ssl\", \"tls\": {\"rootCertPath\", "
              "\"privateKeyPath\", \"certChainPath\", \"serverName\"}} (Node SDK, Attu)",
    read_args=read_args,
    error_words=ERROR_WORDS,
    own_stack=OwnStack(
        partial_chain=False,
        who_suffix=" and Attu",
        unread_root_words="OpenSSL reads no certificate from it (\"unable to get local issuer certificate\")",
        leaf_as_root_note=" The root is the server certificate itself, which OpenSSL accepts only when it is "
                          "self-signed (no partial chains): give the CA that signed it (Go accepts the leaf).",
        eku_words="OpenSSL: \"unsupported certificate purpose\".",
        weak_signature_words="OpenSSL 3 refuses it at security level 1 (\"CA signature digest algorithm too weak\").",
        reads_pem_after_bom=True,
        no_port_words="(grpc-js, after its \"No port specified\" warning)",
        name_checks=_names,
        settings_checks=_settings,
        own_words=(("Milvus and pymilvus cannot load encrypted keys", "the Node SDK hands grpc-js no passphrase, so "
                    "OpenSSL cannot load an encrypted key (\"bad decrypt\") and the channel is never built"),)
        + _SETTINGS,
        own_settings=_SETTINGS,
    ),
)
