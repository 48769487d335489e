"""``--client milvus-cli``: milvus-cli (PyPI ``milvus-cli`` 1.2.1, pymilvus >= 2.6), judged by its ``connect`` line.

From its source (milvus_cli/scripts/connection_cli.py, ConnectionClient.connect): ``connect [-uri URI] [-t TOKEN]
[-tls {0,1,2}] [-cert PATH]``; the URI defaults to http://127.0.0.1:19530 and the mode to 1 for an https:// URI, else 0.
Mode 1 calls ``MilvusClient(uri, secure=True, server_pem_path=cert)`` (the cert only when given); mode 2 raises
NotImplementedError ("two-way encryption (tlsmode == 2) is not implemented yet"), so no connection is made and no
client certificate can ever be sent; mode 0 passes no TLS argument (an https:// URI still makes pymilvus use TLS,
with the system roots) and ignores -cert. No server name is passed: grpc checks the URI's host. The channel is then
pymilvus's (2.6 line: grpcio 1.85 on BoringSSL), so names, trust and keys are judged as grpc judges them.
"""
from __future__ import annotations

import shlex
from urllib.parse import urlsplit

from ..facts.x509 import grpc_name_match, split_host_port
from . import BadClient, ClientSpec, OwnStack, TlsConfig

RELEASE = "1.2.1"          # pip index versions milvus-cli (newest, as read)
PYMILVUS_LINE = "2.6"      # its requirement pymilvus>=2.6.0 resolves to this line
DEFAULT_URI = "http://127.0.0.1:19530"

_FLAGS = {"-uri": "uri", "--uri": "uri", "-t": "token", "--token": "token", "-tls": "tlsmode", "--tlsmode": "tlsmode",
          "-cert": "cert", "--cert": "cert", "--save-as": "save_as"}


def parse_connect(line: str) -> dict:
    """The `connect` line as milvus-cli's click options read it."""
    words = shlex.split(line)
    if words[:1] == ["milvus_cli"] or words[:1] == ["milvus-cli"]:
        words = words[1:]
    if words[:1] == [">"]:
        words = words[1:]
    if words[:1] != ["connect"]:
        raise BadClient(f"--milvus-cli-args: give milvus-cli's connect line (\"connect -uri https://HOST:19530 -tls 1 "
                        f"-cert ca.pem\"), not {line!r}")
    out: dict = {}
    it = iter(words[1:])
    for word in it:
        key = _FLAGS.get(word)
        if key is None:
            raise BadClient(f"--milvus-cli-args: connect has no option {word!r}; it takes -uri, -t, -tls, -cert")
        try:
            out[key] = next(it)
        except StopIteration:
            raise BadClient(f"--milvus-cli-args: {word} needs a value") from None
    if "tlsmode" in out:
        try:
            out["tlsmode"] = int(out["tlsmode"])
        except ValueError:
            raise BadClient(f"--milvus-cli-args: -tls {out['tlsmode']!r} is not an integer (click refuses it)") from None
    return out


def read_args(line) -> TlsConfig:
    """--milvus-cli-args: the connect line -> what pymilvus is given (TlsConfig; `said`: what the CLI refuses or
    ignores)."""
    if not isinstance(line, str):
        raise BadClient("--milvus-cli-args: give the connect line as text")
    opts = parse_connect(line)
    uri = opts.get("uri") or DEFAULT_URI
    https = uri.startswith("https://")
    mode = opts.get("tlsmode", 1 if https else 0)
    cert = (opts.get("cert") or "").strip() or None
    try:
        parts = urlsplit(uri if "://" in uri else f"http://{uri}")
        host, port = parts.hostname or "", parts.port
    except ValueError as exc:
        raise BadClient(f"--milvus-cli-args: -uri {uri!r}: {exc}") from None
    # pymilvus 2.6.12+ MilvusClient: an https:// URI without a port dials 443 (rules/per_client: client.default_port)
    shown_host = f"[{host}]" if ":" in host else host
    address = f"{shown_host}:{port}" if port else (shown_host if https else f"{shown_host}:19530")
    said: list = []
    if mode == 2:
        said.append(("client.mode_unsupported", "milvus-cli refuses `-tls 2` (\"two-way encryption (tlsmode == 2) is "
                     "not implemented yet\"): it makes no connection and cannot send a client certificate; tlsMode 2 "
                     "servers cannot be reached with milvus-cli.", "error"))
        return TlsConfig(None, None, None, None, address, False, "--milvus-cli-args", said=tuple(said))
    if mode not in (0, 1):
        said.append(("client.mode_unsupported", f"milvus-cli knows -tls 0, 1, 2; -tls {mode} passes no TLS argument "
                     "to pymilvus.", "warning"))
    if cert and mode != 1:
        said.append(("client.setting_ignored", f"milvus-cli passes -cert {cert} only with -tls 1; with -tls {mode} "
                     "it is ignored" + (" and pymilvus trusts the system roots (https://)." if https else "."),
                     "warning"))
    secure = mode == 1 or https
    return TlsConfig(cert if mode == 1 else None, None, None, None, address, secure, "--milvus-cli-args",
                     said=tuple(said))


def _concerns(code: str, subject: str) -> bool:
    """milvus-cli is pymilvus over grpc/BoringSSL: the pymilvus rules' findings about the server certificate concern
    it as they concern pymilvus (key types, signatures, names such as a trailing dot), except pymilvus's own
    parameters and trust files (it has its own: -cert), the client pair it never sends, and the name match its own
    check says (it checks the -uri host)."""
    if code.startswith("client.") or code in ("name.mismatch", "name.cn_only") or subject.startswith(
            ("client_server_pem (", "client_ca_pem (", "pymilvus ", "client_pem (", "client_key (")):
        return False
    return True


def _names(leaf, name: str, who: str, shown: str) -> list:
    host = split_host_port(name)[0] or name   # grpc's target-name override drops a port, as it does for pymilvus
    ok, _how = grpc_name_match(leaf, host)
    if ok:
        return []
    return [("name.mismatch", f"{who}: grpc checks the -uri host {name!r} (milvus-cli passes no server_name) against "
             f"{shown}: \"Peer name {name} is not in peer certificate\".", "error", ())]


def cli_line(cfg: TlsConfig, address: str) -> str:
    tls = "1" if cfg.secure else "0"
    cert = f" -cert {cfg.ca}" if cfg.ca else ""
    return f"milvus-cli {RELEASE}: connect -uri https://{address} -tls {tls}{cert}  (= MilvusClient(uri, secure=True" \
           + (f", server_pem_path='{cfg.ca}'" if cfg.ca else "") + "), no server_name)"


def _call(sel, request, modes, address: str) -> tuple[str, ...]:
    cfg = request.client_tls(sel.kind)
    return (cli_line(cfg, cfg.address or address),)


# grpc's words (through pymilvus) -> the code; the real attempt runs pymilvus with milvus-cli's arguments
ERROR_WORDS = (
    ("not implemented yet", "client.mode_unsupported", "client"),
    ("is not in peer certificate", "name.mismatch", "client"),
    ("Hostname Verification Check failed", "name.mismatch", "client"),
    ("certificate verify failed", "tls.server_cert_untrusted", "client"),
    ("CERTIFICATE_VERIFY_FAILED", "tls.server_cert_untrusted", "client"),
    ("No such file or directory", "file.missing", "client"),
    ("certificate required", "tls.client_cert_required", "server"),
    ("Connection refused", "net.refused", None),
    ("WRONG_VERSION_NUMBER", "tls.server_plaintext", None),
    ("Deadline Exceeded", "net.timeout", None),
)

SPEC = ClientSpec(
    name="milvus-cli",
    aliases=("milvuscli", "milvus_cli"),
    lines={},
    newest="",
    label=lambda sel: f"milvus-cli {RELEASE} (pymilvus {PYMILVUS_LINE}, grpcio/BoringSSL)",
    judge="milvus_tls_check.rules.per_client:judge_own_stack",
    call=_call,
    concerns=_concerns,
    attempt_kind="milvus-cli",
    runner="milvus_tls_check.handshake.run:milvus_cli_attempt",
    attempt_who=lambda version: f"pymilvus {version} with milvus-cli {RELEASE}'s arguments".strip(),
    args_option="--milvus-cli-args",
    args_text=True,
    in_all=False,
    sends_pair=False,
    args_help="milvus-cli's connect line, e.g. \"connect -uri https://milvus.local:19530 -tls 1 -cert ca.pem\"",
    read_args=read_args,
    error_words=ERROR_WORDS,
    own_stack=OwnStack(
        partial_chain=True,
        bom_root_words="grpc reads no certificate after it, so nothing is trusted",
        unread_root_words="grpc reads no certificate from it",
        eku_words="BoringSSL: \"unsupported certificate purpose\".",
        weak_signature_words="grpc's BoringSSL refuses MD5; SHA-1 is accepted.",
        weak_hashes=("md5",),
        no_port_words="(pymilvus 2.6.12+ MilvusClient)",
        name_checks=_names,
        own_words=(("Milvus and pymilvus cannot load encrypted keys", "milvus-cli sends no client key at all"),),
    ),
)
