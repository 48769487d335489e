"""``--client go``: the Go SDK v2 (``milvusclient``) and the Go tools built on it (milvus-backup, milvus-cdc).

crypto/tls through grpc-go's credentials.NewTLS: ServerName (empty: the dialled host), RootCAs (nil: system roots),
Certificates; ``ClientConfig.WithTLSConfig`` (newer SDKs) or DialOptions carry it. ``ClientConfig.parse``: an
https:// address turns TLS on, and a TLS address without a port gets :443. Go never uses the subject CN (Go 1.15+);
an IP needs an IP SAN; the leaf itself may be a root; SNI drops a trailing dot; a ServerName with a port matches
nothing (facts/x509.go_verify_hostname, the one Go matcher).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from ..facts.x509 import (basic_ca, go_signature_problem, go_verify_hostname, key_cert_sign, readable_name,
                          serial_number)
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


# ---- Go's path validation (facts/gopath.py: crypto/x509's buildChains, isValid, VerifyHostname) --------------------

# The Go the model stands for when --client go names none: the newest Go the doctor knows on the default line.
MODEL_GO = "1.24.11"

# The model's (and real Go's, handshake/goverify.py) error class -> the finding code that names the cause. Classes that
# need the certificates to say more (unknown_authority with a hint, constraint_violation, hostname, signature, parse)
# are refined by path_code below.
PATH_CODES = {
    "hostname": "name.mismatch",
    "unknown_authority": "chain.untrusted",
    "no_roots": "chain.untrusted",
    "no_valid_chains": "chain.untrusted",
    "name_mismatch": "chain.untrusted",
    "expired": "cert.expired",
    "name_constraints": "chain.name_constraints",
    "path_length": "ca.path_length_exceeded",
    "not_ca": "ca.not_ca",
    "constraint_violation": "ca.not_ca",
    "critical_extension": "cert.unknown_critical_extension",
    "incompatible_usage": "eku.server_auth_missing",
    "insecure_algorithm": "sig.weak",
    "signature": "sig.unsupported",
    "signature_limit": "chain.too_complex",
    "parse": "cert.go_parse_refused",
}
# Codes Go's path validation decides for a Go side (a model or real-Go verdict says yes or no to each of them).
PATH_DECIDED = frozenset(PATH_CODES.values()) | {"name.cn_only", "cert.not_yet_valid", "cert.serial_invalid",
                                                 "eku.client_auth_missing", "ca.anchor_not_ca",
                                                 "ca.key_cert_sign_missing", "chain.intermediate_missing", "key.weak",
                                                 # cryptography's refusal is not Go's: Go's own parser read it
                                                 "cert.cryptography_refused"}


def go_of(sel) -> str:
    """The Go version a Go client selection stands for (go==1.21 -> "1.21"; plain go -> MODEL_GO)."""
    return sel.version or MODEL_GO


@dataclass(frozen=True)
class PathJudgement:
    """Go's verdict on one chain, in the doctor's words: ok, or the code naming the cause, Go's own text."""

    ok: bool
    code: str = ""
    error: str = ""
    error_class: str = ""
    go: str = ""
    cryptography_refuses: tuple[str, ...] = ()


def _issuer_problem(chain: Sequence, roots: Sequence, *, side: str) -> Optional[str]:
    """Why a candidate issuer of the chain cannot sign (Go's CheckSignatureFrom): not a CA, or no keyCertSign."""
    by_subject = {}
    for c in list(roots) + list(chain[1:]):
        by_subject.setdefault(c.subject, []).append(c)
    roots_der = {id(r) for r in roots}
    for c in chain:
        for issuer in by_subject.get(c.issuer, ()):
            if issuer is c:
                continue
            if basic_ca(issuer) is not True:
                return "ca.anchor_not_ca" if id(issuer) in roots_der and side == "client" else "ca.not_ca"
            if key_cert_sign(issuer) is False:
                return "ca.key_cert_sign_missing"
    return None


def path_code(error_class: str, error: str, hint_class: str, *, chain: Sequence = (), roots: Sequence = (),
              name: Optional[str] = None, side: str = "server") -> str:
    """The finding code for a rejection by Go's path validation (the model's or real Go's classes)."""
    cls = error_class
    if cls == "unknown_authority" and hint_class:
        cls = hint_class if hint_class in ("constraint_violation", "insecure_algorithm", "signature") else cls
    if cls == "hostname":
        if chain and name and go_verify_hostname(chain[0], name)[1].startswith("x509: certificate relies on legacy"):
            return "name.cn_only"
        return "name.mismatch"
    if cls == "expired":
        return "cert.not_yet_valid" if " is before " in error else "cert.expired"
    if cls == "constraint_violation":
        return _issuer_problem(chain, roots, side=side) or "ca.not_ca"
    if cls == "incompatible_usage":
        return "eku.client_auth_missing" if side == "client" else "eku.server_auth_missing"
    if cls == "signature":
        low = error.lower()
        if "under 1024 bits" in low or "-bit keys are insecure" in low:
            return "key.weak"
        return "sig.unsupported" if "unimplemented" in low or "public key" in low else "chain.untrusted"
    if cls == "parse" and "negative serial" in error:
        return "cert.serial_invalid"
    return PATH_CODES.get(cls, "chain.untrusted")


def go_pem(loaded) -> bytes:
    """A file's certificates as Go's PEM reader takes them: every CERTIFICATE block in file order, also those
    cryptography refused (model.LoadedFile.cert_ders); the parsed certificates when the blocks were not kept."""
    import base64
    if loaded.cert_ders:
        return b"".join(b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(der) + b"-----END CERTIFICATE-----\n"
                        for der in loaded.cert_ders)
    return _pem(loaded.certs)


def _pem(certs) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding
    return b"".join(c.public_bytes(Encoding.PEM) for c in certs)


def model_path(chain: Sequence, roots: Sequence, *, name: Optional[str], at, go: str, go_line: Optional[str] = None,
               side: str = "server", chain_pem: Optional[bytes] = None,
               roots_pem: Optional[bytes] = None) -> PathJudgement:
    """Go's path validation of `chain` (leaf first, as sent) against the CA file `roots`, by the model. `chain_pem`,
    `roots_pem`: the files as Go reads them (go_pem), when they hold certificates cryptography refused."""
    from ..facts import gopath
    v = gopath.verify(chain_pem or _pem(chain), roots_pem or _pem(roots), side=side, name=name, at=at, go=go,
                      go_line=go_line)
    if v.ok:
        return PathJudgement(True, go=v.go, cryptography_refuses=v.cryptography_refuses)
    code = path_code(v.error_class, v.error, v.hint_class, chain=chain, roots=roots, name=name, side=side)
    return PathJudgement(False, code, v.error, v.error_class, v.go, v.cryptography_refuses)


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
    enforcer="go_client",
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
        path_model=lambda sel, server, trust, name, at: model_path(server.certs, trust.certs, name=name, at=at,
                                                                   go=go_of(sel), chain_pem=go_pem(server),
                                                                   roots_pem=go_pem(trust)),
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
