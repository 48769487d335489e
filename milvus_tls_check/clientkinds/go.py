"""``--client go``: the Go SDK v2 (``milvusclient``) and the Go tools built on it (milvus-backup, milvus-cdc).

crypto/tls through grpc-go's credentials.NewTLS: ServerName (empty: the dialled host), RootCAs (nil: system roots),
Certificates; ``ClientConfig.WithTLSConfig`` (newer SDKs) or DialOptions carry it. ``ClientConfig.parse``: an
https:// address turns TLS on, and a TLS address without a port gets :443. Go never uses the subject CN (Go 1.15+);
an IP needs an IP SAN; the leaf itself may be a root; SNI drops a trailing dot; a ServerName with a port matches
nothing (facts/x509.go_verify_hostname, the one Go matcher).
"""
from __future__ import annotations

from ..facts.x509 import go_signature_problem, go_verify_hostname, readable_name, serial_number
from . import BadClient, ClientSpec, OwnStack, TlsConfig, concerns_other_client, strip_scheme

ARG_KEYS = {"address": "address", "server_name": "server_name", "serverName": "server_name", "ca": "ca",
            "ca_pem_path": "ca", "root_ca": "ca", "cert": "cert", "cert_path": "cert", "client_pem_path": "cert",
            "key": "key", "key_path": "key", "client_key_path": "key", "tls": "secure"}


def read_args(args: dict) -> TlsConfig:
    """--go-args JSON: {"address", "server_name", "ca", "cert", "key"} (the aliases in ARG_KEYS too)."""
    values: dict = {}
    for k, v in args.items():
        if k not in ARG_KEYS:
            raise BadClient(f"--go-args: unknown key {k!r}; use address, server_name, ca, cert, key")
        values[ARG_KEYS[k]] = v
    address = values.get("address")
    secure = bool(values.get("secure", True))
    if isinstance(address, str) and address.startswith(("http://", "tcp://")):
        secure = False
    return TlsConfig(values.get("ca"), values.get("cert"), values.get("key"), values.get("server_name"),
                     strip_scheme(address), secure, "--go-args")


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


def _call(sel, request, modes, address: str) -> tuple[str, ...]:
    cfg = request.client_tls(sel.kind)
    return (go_call(cfg, cfg.address or address),)


def _names(leaf, name: str, who: str, shown: str) -> list:
    ok, how = go_verify_hostname(leaf, name)
    if ok:
        return []
    code = "name.cn_only" if how.startswith("x509: certificate relies on legacy") else "name.mismatch"
    return [(code, f"{who} checks {name!r} against the SAN only ({shown}): \"{how}\".", "error", ())]


def _chain_cert(cert, who: str) -> list:
    problem = go_signature_problem(cert)
    if not problem:
        return []
    return [("sig.unsupported", f"{who}: {readable_name(cert)} is signed with {problem}; Go cannot verify it "
             "(\"x509: cannot verify signature: algorithm unimplemented\").", "", ())]


def _leaf(sel, leaf, who: str) -> list:
    go_minor = tuple(int(x) for x in sel.version.split(".")[:2]) if sel.version else (99, 0)
    if serial_number(leaf) < 0 and go_minor >= (1, 23):   # x509negativeserial, Go 1.23+
        return [("cert.serial_invalid", f"{who}: {readable_name(leaf)} has a negative serial number; Go 1.23+ "
                 "clients refuse to parse it (\"x509: negative serial number\").", "error", ())]
    return []


_SETTINGS = (("pymilvus client_pem_path", "--go-args cert"), ("pymilvus client_key_path", "--go-args key"),
             ("pymilvus ca_pem_path", "--go-args ca"))

# crypto/x509's verification errors, by meaning: written once, read by the Go client's table below and by the Go
# server's (handshake/explain.GO_SERVER: Milvus's Go judging a client certificate with the same library).
X509 = {
    "legacy_cn": "legacy Common Name field",
    "no_ip_san": "doesn't contain any IP SANs",
    "valid_for": "certificate is valid for",
    "no_names": "certificate is not valid for any names",
    "expired": "certificate has expired or is not yet valid",
    "insecure": "insecure algorithm",
    "unimplemented": "algorithm unimplemented",
    "negative_serial": "negative serial number",
    "key_usage": "incompatible key usage",
    "unknown_authority": "signed by unknown authority",
    "not_authorized": "not authorized to sign",
    "critical_extension": "unhandled critical extension",
    "path_length": "exceeds the maximum path length",
}
# crypto/tls reading bytes that are not TLS (either side)
NOT_TLS = "first record does not look like a TLS handshake"

# The Go client's own words (crypto/tls, crypto/x509, grpc-go) -> the code; checked in order.
ERROR_WORDS = (
    # the server's alert: Milvus's Go found the client certificate expired (observed against the Go front)
    ("remote error: tls: expired certificate", "tls.client_cert_rejected", "server"),
    (X509["legacy_cn"], "name.cn_only", "client"),
    (X509["no_ip_san"], "name.mismatch", "client"),
    (X509["valid_for"], "name.mismatch", "client"),
    (X509["no_names"], "name.mismatch", "client"),
    (X509["expired"], "cert.expired", "client"),
    (X509["insecure"], "sig.weak", "client"),
    (X509["unimplemented"], "sig.unsupported", "client"),
    (X509["negative_serial"], "cert.serial_invalid", "client"),
    (X509["key_usage"], "eku.server_auth_missing", "client"),
    (X509["unknown_authority"], "tls.server_cert_untrusted", "client"),
    (X509["not_authorized"], "tls.server_cert_untrusted", "client"),
    ("AppendCertsFromPEM", "chain.untrusted", "client"),
    ("failed to find any PEM data", "file.not_pem", "client"),
    ("LoadX509KeyPair", "handshake.failed", "client"),
    ("certificate required", "tls.client_cert_required", "server"),
    ("bad certificate", "tls.client_cert_rejected", "server"),
    ("unknown certificate authority", "tls.client_cert_rejected", "server"),
    ("connection refused", "net.refused", None),
    ("i/o timeout", "net.timeout", None),
    ("context deadline exceeded", "net.timeout", None),
    (NOT_TLS, "tls.server_plaintext", None),
    ("handshake failure", "handshake.failed", None),
    ("unexpected message", "handshake.failed", None),
)

SPEC = ClientSpec(
    name="go",
    aliases=("golang", "go-sdk", "milvus-backup", "milvus-cdc"),
    lines={},
    newest="",
    label=lambda sel: f"Go SDK (crypto/tls{', Go ' + sel.version if sel.version else ''})",
    judge="milvus_tls_check.rules.per_client:judge_own_stack",
    call=_call,
    concerns=concerns_other_client,
    version_word="GO VERSION",
    attempt_kind="go",
    runner="milvus_tls_check.handshake.run:go_attempt",
    attempt_who=lambda version: "Go client (crypto/tls as the Go SDK configures it)",
    args_option="--go-args",
    args_help="JSON of a Go client's TLS inputs: {\"address\", \"server_name\", \"ca\", \"cert\", \"key\"} (judged as "
              "the Go SDK / milvus-backup / milvus-cdc use them)",
    read_args=read_args,
    error_words=ERROR_WORDS,
    own_stack=OwnStack(
        partial_chain=True,
        bom_root_words="pem.Decode finds no block at the start and no \"\\n-----BEGIN\" after it, so "
                       "AppendCertsFromPEM adds nothing",
        unread_root_words="x509.CertPool.AppendCertsFromPEM finds no certificate",
        eku_words="Go: \"x509: certificate specifies an incompatible key usage\".",
        weak_signature_words="Go refuses it (\"x509: cannot verify signature: insecure algorithm SHA1-RSA\").",
        no_port_words="(milvusclient's ClientConfig.parse adds :443 to a TLS address)",
        chain_cert_checks=_chain_cert,
        leaf_checks=_leaf,
        name_checks=_names,
        own_words=(("Milvus and pymilvus cannot load encrypted keys", "the Go SDK's tls.LoadX509KeyPair cannot load "
                    "an encrypted key (\"tls: failed to parse private key\"), so the client never dials"),
                   ("pymilvus's grpcio cannot read it (\"Failed to create security handshaker\")", "Go's pem.Decode "
                    "does not see the first block, so tls.LoadX509KeyPair fails (\"tls: failed to find any PEM "
                    "data\")"),
                   ("pymilvus's grpcio cannot use it (\"Failed to create security handshaker\")", "Go's "
                    "tls.LoadX509KeyPair cannot parse it (\"tls: failed to parse private key\")")) + _SETTINGS,
        own_settings=_SETTINGS,
    ),
)
