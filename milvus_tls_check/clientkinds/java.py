"""``--client java``: milvus-sdk-java (v2 ``MilvusClientV2`` / ``ConnectConfig``), grpc-java over Netty.

From milvus-sdk-java (v3.0.7, sdk-core ClientUtils.getChannel, ConnectConfig, URLParser; grpc 1.59.1):

* ``serverPemPath`` set: one-way, ``GrpcSslContexts.forClient().trustManager(new File(serverPemPath))`` and
  ``overrideAuthority(serverName)`` called unconditionally: without ``serverName`` grpc-java's checkAuthority throws
  NullPointerException("authority") and no channel is built. The client paths are then ignored.
* else ``clientPemPath`` + ``clientKeyPath`` + ``caPemPath`` all set: two-way, ``trustManager(caPemPath)`` and
  ``keyManager(clientPemPath, clientKeyPath)``; ``overrideAuthority(serverName)`` only when it is set.
* else: no trust file; ``secure`` (or an ``https`` URI) turns TLS on with the JDK's own cacerts.
* a pem path makes it TLS whatever ``secure`` and the scheme say (NettyChannelBuilder negotiates TLS by default);
* the port defaults to 19530 (URLParser), never 443.

What the JDK and Netty then enforce (JDK 17, observed with a JSSE client configured the same way,
handshake/javaclient): Netty's PemReader + SslContext.toPrivateKey load only a PKCS#8 key ("BEGIN PRIVATE KEY"),
tried as RSA, DSA, EC, with no passphrase (a PKCS#1 "RSA PRIVATE KEY", a SEC1 "EC PRIVATE KEY", an encrypted or an
Ed25519 key: "File does not contain valid private key"; BouncyCastle would read more, the SDK does not ship it). Every
certificate of the trust file is a PKIX trust anchor (the server certificate itself too). Host names are checked as
HTTPS endpoint identification (sun.security.util.HostnameChecker, TYPE_TLS): an IP against IP SANs only; a DNS name
against the DNS SANs, or the most specific CN when the certificate has no DNS SAN; wildcards within one label of
the same label count ("*.local" matches "milvus.local"); a trailing dot is ignored (the SNI carries the name
without it, and a one-label name sends no SNI). A port in serverName is split off by grpc-java. The server
certificate's keyUsage, when present, must allow digitalSignature; its EKU must allow serverAuth. SHA-1 signatures are
refused only under the JDK's public roots ("SHA1 jdkCA & usage TLSServer"); MD5 always.
"""
from __future__ import annotations

import ipaddress
import re
from ..facts.x509 import common_names, dns_sans, ip_sans, readable_name
from . import BadClient, ClientSpec, OwnStack, TlsConfig, concerns_other_client

DEFAULT_PORT = 19530
SDK = "milvus-sdk-java 2.3.2+ / 2.4 / 2.5 / 2.6 / 3.0 (ConnectConfig; grpc-netty 1.59)"

ARG_KEYS = ("uri", "serverName", "serverPemPath", "clientPemPath", "clientKeyPath", "caPemPath", "secure",
            "token", "username", "password", "dbName", "connectTimeoutMs", "keepAliveTimeMs", "rpcDeadlineMs")


def _host_port(uri: str) -> tuple[str, int, bool]:
    """URLParser: (host, port (19530 when none), https)."""
    m = re.match(r"^(?:([a-zA-Z][a-zA-Z0-9+.-]*)://)?(?:[^@/]*@)?(\[[^\]]+\]|[^:/?#]+)(?::(\d+))?", uri or "")
    if not m or not m.group(2):
        raise BadClient(f"--java-args: uri {uri!r} has no host (URLParser: \"Missing hostname in url\")")
    port = int(m.group(3)) if m.group(3) else DEFAULT_PORT
    return m.group(2), port, uri.startswith("https")


def read_args(args: dict) -> TlsConfig:
    """--java-args JSON: ConnectConfig's fields (uri, serverName, serverPemPath, clientPemPath, clientKeyPath,
    caPemPath, secure), mapped as ClientUtils.getChannel uses them."""
    stray = sorted(set(args) - set(ARG_KEYS))
    if stray:
        raise BadClient(f"--java-args: unknown key(s) {stray}; ConnectConfig's TLS fields are uri, serverName, "
                        "serverPemPath, clientPemPath, clientKeyPath, caPemPath, secure (sslContext: not judged)")
    uri = str(args.get("uri") or "")
    if not uri:
        raise BadClient("--java-args: uri is required (ConnectConfig: \"uri is marked non-null but is null\")")
    host, port, https = _host_port(uri)
    secure = bool(args.get("secure")) or https
    server_name = args.get("serverName") or None
    spem, cpem, ckey, capem = (args.get(k) or None for k in ("serverPemPath", "clientPemPath", "clientKeyPath",
                                                               "caPemPath"))
    if spem:
        ca, cert, key, secure = spem, None, None, True
    elif cpem and ckey and capem:
        ca, cert, key, secure = capem, cpem, ckey, True
    else:
        ca, cert, key = None, None, None
    return TlsConfig(ca, cert, key, server_name, f"{host}:{port}", secure, "--java-args")


# ---- the JDK's HostnameChecker (TYPE_TLS), the one Java matcher ---------------------------------------------------

def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
        return True
    except ValueError:
        return False


def _label_match(name: str, template: str) -> bool:
    """HostnameChecker.matchWildCards: '*' matches any run of characters within one label."""
    pattern = "^" + ".*".join(re.escape(p) for p in template.split("*")) + "$"
    return re.match(pattern, name) is not None


def _is_matched(name: str, template: str) -> bool:
    name, template = name.lower(), template.lower()
    if template in ("*", "*."):
        return False
    last = template.rfind("*")
    if last >= 0 and "." not in template[last:]:
        return False   # hasIllegalWildcard: no dot after the last '*'
    n, t = name.split("."), template.split(".")
    return len(n) == len(t) and all(_label_match(a, b) for a, b in zip(n, t))


def java_name_match(dns: tuple[str, ...], ips: tuple[str, ...], cns: tuple[str, ...], name: str,
                    has_san: bool) -> tuple[bool, str]:
    """(ok, how-or-the JDK's reason) for HTTPS endpoint identification of `name`."""
    if _is_ip(name):
        ip = ipaddress.ip_address(name.strip("[]"))
        if not has_san:
            return False, "No subject alternative names present"
        ok = any(ipaddress.ip_address(i) == ip for i in ips)
        return ok, "ip" if ok else f"No subject alternative names matching IP address {name} found"
    # matchAllWildcards splits with a StringTokenizer, which drops the empty label after a trailing dot (observed:
    # "localhost." verifies; the SNI then carries no dot, or no SNI at all for a one-label name)
    name = name.rstrip(".")
    if dns:
        ok = any(_is_matched(name, d) for d in dns)
        return ok, "dns" if ok else f"No subject alternative DNS name matching {name} found."
    if cns:
        ok = _is_matched(name, cns[-1])   # the most specific CN
        return ok, "cn" if ok else f"No name matching {name} found"
    return False, f"No name matching {name} found"


def _names(leaf, name: str, who: str, shown: str) -> list:
    from cryptography import x509
    try:
        leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        has_san = True
    except x509.ExtensionNotFound:
        has_san = False
    host = name
    if not host.startswith("[") and host.count(":") == 1:
        host = host.split(":", 1)[0]   # grpc-java takes the authority's host; the port is split off
    dns, ips, cns = tuple(dns_sans(leaf)), tuple(str(i) for i in ip_sans(leaf)), tuple(common_names(leaf))
    ok, how = java_name_match(dns, ips, cns, host, has_san)
    if ok:
        return []
    return [("name.mismatch", f"{who}: the JDK's HTTPS endpoint identification refuses {host!r} ({shown}): "
             f"\"java.security.cert.CertificateException: {how}\".", "error", ())]


def _leaf(sel, leaf, who: str) -> list:
    from cryptography import x509
    try:
        ku = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return []
    if ku.digital_signature:
        return []
    return [("ku.digital_signature_missing", f"{who}: {readable_name(leaf)} has keyUsage without digitalSignature; "
             "the JDK's EndEntityChecker refuses it for (EC)DHE and TLS 1.3 (\"KeyUsage does not allow digital "
             "signatures\").", "error", ())]


def key_checks(cfg: TlsConfig, key_file, sel, modes) -> list:
    """Netty's SslContext.toPrivateKey on the client key: PKCS#8 PEM only, no passphrase."""
    if not cfg.sends_cert or key_file is None or key_file.key_encrypted:
        return []   # an encrypted key: key.encrypted says it (in Java's words)
    label = key_file.pem_label
    if key_file.encoding == "pem" and label and label != "PRIVATE KEY":
        kind = {"RSA PRIVATE KEY": "a PKCS#1 RSA key", "EC PRIVATE KEY": "a SEC1 EC key",
                "DSA PRIVATE KEY": "a traditional DSA key"}.get(label, f"a \"{label}\" block")
        return [("key.not_pkcs8", f"{sel.label}: {key_file.path} is {kind} (\"BEGIN {label}\"); Netty's "
                 "keyManager(File, File) reads only PKCS#8 (\"BEGIN PRIVATE KEY\") without BouncyCastle, so the SDK "
                 f"builds no channel (\"File does not contain valid private key: {key_file.path}\").", "", ())]
    if key_file.key is not None and type(key_file.key).__name__.startswith(("Ed25519", "Ed448", "X25519", "X448")):
        return [("key.not_pkcs8", f"{sel.label}: {key_file.path} is an {type(key_file.key).__name__[:-10] or 'EdDSA'}"
                 " key; Netty tries it only as RSA, DSA and EC (\"Neither RSA, DSA nor EC worked\"), so the SDK builds "
                 "no channel.", "", ())]
    return []


def java_call(cfg: TlsConfig, address: str) -> str:
    parts = [f'.uri("https://{address}")']
    if cfg.server_name:
        parts.append(f'.serverName("{cfg.server_name}")')
    if cfg.sends_cert:
        parts += [f'.clientPemPath("{cfg.cert}")', f'.clientKeyPath("{cfg.key}")', f'.caPemPath("{cfg.ca}")']
    elif cfg.ca:
        parts.append(f'.serverPemPath("{cfg.ca}")')
    return "Java SDK: new MilvusClientV2(ConnectConfig.builder()" + "".join(parts) + ".build())"


def _call(sel, request, modes, address: str) -> tuple[str, ...]:
    cfg = request.client_tls(sel.kind)
    return (java_call(cfg, cfg.address or address),)


def _settings_checks(cfg: TlsConfig, sel, modes) -> list:
    out = []
    if cfg.source == "--java-args" and cfg.ca and not cfg.sends_cert and not cfg.server_name:
        out.append(("client.server_name_required", f"{sel.label}: serverPemPath without serverName: ClientUtils "
                    "calls overrideAuthority(null), and grpc-java's checkAuthority throws NullPointerException "
                    "(\"authority\"), so no channel is built.", "", ()))
    return out


_SETTINGS = (("pymilvus client_pem_path", "--java-args clientPemPath"),
             ("pymilvus client_key_path", "--java-args clientKeyPath"),
             ("pymilvus ca_pem_path", "--java-args caPemPath"))

# JSSE's and Netty's own words -> the code; checked in order (the child prints the exception chain).
ERROR_WORDS = (
    ("Received fatal alert: certificate_required", "tls.client_cert_required", "server"),
    ("Received fatal alert: bad_certificate", "tls.client_cert_rejected", "server"),
    ("Received fatal alert: unknown_ca", "tls.client_cert_rejected", "server"),
    ("Received fatal alert: certificate_expired", "tls.client_cert_rejected", "server"),
    ("No subject alternative DNS name matching", "name.mismatch", "client"),
    ("No subject alternative names matching IP address", "name.mismatch", "client"),
    ("No subject alternative names present", "name.mismatch", "client"),
    ("No name matching", "name.mismatch", "client"),
    ("Extended key usage does not permit use for TLS server authentication", "eku.server_auth_missing", "client"),
    ("KeyUsage does not allow digital signatures", "ku.digital_signature_missing", "client"),
    ("NotBefore", "cert.not_yet_valid", "client"),
    ("NotAfter", "cert.expired", "client"),
    ("validity check failed", "cert.expired", "client"),
    ("Algorithm constraints check failed", "sig.weak", "client"),
    ("unable to find valid certification path", "tls.server_cert_untrusted", "client"),
    ("Path does not chain with any of the trust anchors", "tls.server_cert_untrusted", "client"),
    ("NullPointerException: authority", "client.server_name_required", "client"),
    ("the SDK gives Netty no passphrase", "key.encrypted", "client"),
    ("File does not contain valid private key", "key.not_pkcs8", "client"),
    ("File does not contain valid certificates", "file.not_pem", "client"),
    ("NoSuchFileException", "file.missing", "client"),
    ("the server closed the connection before answering", "tls.client_cert_required", "server"),
    ("Connection refused", "net.refused", None),
    ("timed out", "net.timeout", None),
    ("Unsupported or unrecognized SSL message", "tls.server_plaintext", None),
    ("Remote host terminated the handshake", "handshake.failed", None),
    ("handshake_failure", "handshake.failed", None),
)

def _concerns(code: str, subject: str) -> bool:
    if code == "file.bom" and subject.startswith(("client_pem (", "client_key (")):
        return False   # observed against real Milvus 2.3.5: Netty's PemReader finds the block after a UTF-8 BOM
    return concerns_other_client(code, subject)


SPEC = ClientSpec(
    name="java",
    aliases=("java-sdk", "milvus-sdk-java"),
    lines={},
    newest="",
    label=lambda sel: "Java SDK (grpc-netty, JDK trust and host names)",
    judge="milvus_tls_check.rules.per_client:judge_own_stack",
    call=_call,
    concerns=_concerns,
    attempt_kind="java",
    runner="milvus_tls_check.handshake.run:java_attempt",
    attempt_who=lambda version: f"Java client (JSSE {version}, configured as milvus-sdk-java configures grpc-netty)",
    args_option="--java-args",
    args_help="JSON of the Java SDK's ConnectConfig TLS fields: {\"uri\", \"serverName\", \"serverPemPath\"} (one-way) "
              "or {\"uri\", \"serverName\", \"clientPemPath\", \"clientKeyPath\", \"caPemPath\"} (two-way), \"secure\"",
    read_args=read_args,
    error_words=ERROR_WORDS,
    own_stack=OwnStack(
        partial_chain=True,
        unread_root_words="Netty's PemReader finds no certificate in it (\"File does not contain valid certificates\")",
        eku_words="the JDK: \"Extended key usage does not permit use for TLS server authentication\".",
        weak_signature_words="the JDK refuses it (jdk.certpath.disabledAlgorithms: \"Algorithm constraints check "
                             "failed\").",
        weak_hashes=("md5",),
        reads_pem_after_bom=True,
        name_checks=_names,
        leaf_checks=_leaf,
        settings_checks=_settings_checks,
        key_checks=key_checks,
        own_words=(("Milvus and pymilvus cannot load encrypted keys", "the Java SDK passes Netty no passphrase, so "
                    "keyManager(File, File) cannot load an encrypted key (\"File does not contain valid private "
                    "key\") and no channel is built"),) + _SETTINGS,
        own_settings=_SETTINGS,
    ),
)
