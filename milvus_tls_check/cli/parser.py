"""argparse -> Options. Only the mapping of flags lives here; request.build_request does the rest."""
from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Collection
from typing import Optional

from .. import __version__
from ..clientkinds import specs
from ..errors import UsageError
from ..facts.deploy_readers import reader_flags, repeatable
from ..request import Options, parse_instant

EXAMPLES = """\
examples:
  milvus-tls doctor --dir tls                                  # ca.pem, server.pem, server.key, client.pem, client.key
  milvus-tls doctor --dir tls --tls-mode 2 --server-name milvus.example.com
  milvus-tls doctor --server-pem /etc/milvus/tls/server.pem --server-key /etc/milvus/tls/server.key
  milvus-tls doctor --milvus-yaml milvus.yaml --compose docker-compose.yml
  milvus-tls doctor --dir tls --uri https://milvus.example.com:19530 --pymilvus
  milvus-tls doctor --fleet fleet.yaml --format junit --output report.xml

exit status: 0 pass, 1 fail, 2 usage error, 3 internal error (--debug shows the traceback)
"""


class Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse exits 2 itself; keep our wording and status in one place
        raise UsageError(message)


def _instant(text: str) -> dt.datetime:
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc))


def _whole(minimum: int, unit: str):
    """An argparse type: a whole number of `unit` no smaller than `minimum`."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number{unit}: {text!r}")
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more, not {value}")
        return value
    return parse


_days = _whole(0, " of days")
_count = _whole(1, "")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value


def build_parser(formats: Optional[Collection[str]] = None, command: Optional[str] = None) -> argparse.ArgumentParser:
    """The whole CLI. `formats`: the --format choices (default: the renderer registry, which imports a format's
    module only when it is asked for). With command="doctor" or "codes" only those two subcommands are built (a
    doctor run then imports none of gen, reissue and repair, whose modules define their own flags; the parse is the
    same)."""
    if formats is None:
        from ..render import FORMATS as formats
    parser = Parser(prog="milvus-tls", description="Will your Milvus TLS material work? And if not, exactly why.")
    parser.add_argument("--version", action="version", version=f"milvus-tls {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    d = sub.add_parser("doctor", help="check TLS material (and a live Milvus) the way Milvus and pymilvus use it",
                       description="Check Milvus TLS material the way Milvus (Go) and pymilvus (grpcio) use it, "
                                   "then prove the verdict with real TLS handshakes.",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    files = d.add_argument_group("material (Milvus settings and pymilvus arguments)")
    files.add_argument("--dir", help="take ca.pem, server.pem, server.key, client.pem, client.key from DIR "
                                        "(or tls.crt/tls.key/ca.crt, or server.crt/ca.crt/client.crt)")
    files.add_argument("--tls-mode", type=int, choices=(1, 2),
                       help="common.security.tlsMode; default: every mode the material allows")
    files.add_argument("--server-pem", help="tls.serverPemPath (server certificate, may hold the chain)")
    files.add_argument("--server-key", help="tls.serverKeyPath")
    files.add_argument("--ca-pem", help="tls.caPemPath (what the server trusts for client certs)")
    files.add_argument("--client-pem", help="pymilvus client_pem_path")
    files.add_argument("--client-key", help="pymilvus client_key_path")
    files.add_argument("--client-ca-pem", help="pymilvus ca_pem_path (default: --ca-pem)")
    files.add_argument("--client-server-pem",
                       help="pymilvus server_pem_path, the one-way trust root (default: --server-pem)")
    files.add_argument("--server-name", help="pymilvus server_name (default: localhost; with --uri: the URI's host)")
    files.add_argument("--ca-key", help="the CA's private key: the fix commands then re-sign with it (default: ca.key "
                       "beside the CA file); the doctor never reads it")
    files.add_argument("--key-password-env", help="name of an environment variable holding the private-key passphrase")
    deploy = d.add_argument_group("deployment files")
    for reader_flag in reader_flags():   # each deployment reader in deploy/ declares its own (FLAGS)
        spec = {"help": reader_flag.help}
        if reader_flag.metavar:
            spec["metavar"] = reader_flag.metavar
        if reader_flag.repeatable:
            spec.update(action="append", default=[])
        deploy.add_argument(reader_flag.flag, **spec)
    for kind_spec in specs().values():   # each client kind's own arguments (--go-args, --node-args, ...)
        if kind_spec.read_args is not None:
            deploy.add_argument(kind_spec.args_option, dest=_args_dest(kind_spec.name), help=kind_spec.args_help)
    clients = d.add_argument_group("clients")
    clients.add_argument("--client", action="append", default=[], metavar="KIND[==VERSION]",
                         help=f"judge this client (repeatable): {_kinds_help()}; all = every SDK kind (not milvus-cli) at "
                              "its newest line; one verdict per client")
    d.add_argument("--side", choices=("server", "client"),
                   help="judge only this end (the other is not asked for, and the header says so); without it a "
                        "mode passes only when both ends were judged, else the verdict is incomplete (exit 4)")
    live = d.add_argument_group("handshakes and live servers")
    live.add_argument("--uri", help="a running Milvus: https://HOST:PORT (TLS) or http://HOST:PORT (plaintext)")
    live.add_argument("--timeout", type=_seconds, default=5.0, help="seconds for each network step (5)")
    live.add_argument("--no-handshake", action="store_true", help="static checks only")
    live.add_argument("--pymilvus", action="store_true", help="also try a real pymilvus client (subprocess)")
    live.add_argument("--probe-links", action="store_true",
                      help="dial each link the deployment names (Milvus -> etcd: etcd.endpoints; Milvus -> object "
                           "storage: minio.address, plus OpenSSL with the system bundle for the querynode) with "
                           "Milvus's own settings through real Go crypto/tls of the Milvus line, bounded by "
                           "--timeout; its answer decides the link")
    live.add_argument("--connect-to", action="append", default=[], metavar="HOST:PORT:ADDR:PORT2",
                      help="curl's --connect-to (repeatable): a probe of HOST:PORT (as the deployment names it) "
                           "connects to ADDR:PORT2 instead, still verifying and sending SNI for HOST as Milvus would "
                           "(behind kubectl port-forward); an empty HOST or PORT matches any; the report says so")
    live.add_argument("--rehearsal", choices=("auto", "go", "grpcio"), default="auto",
                      help="the server that rehearses Milvus: go (Go's crypto/tls, as Milvus; needs a Go toolchain: "
                           "pip install 'milvus-tls-check[go]'), grpcio (BoringSSL plus the static Go model), "
                           "auto (go when a toolchain is there)")
    judge_version = d.add_argument_group("server build")
    judge_version.add_argument("--milvus-version", metavar="X.Y[.Z]",
                               help="the Milvus release the server runs (decides the Go rules); default: the image "
                                    "tag in the deployment files, else the newest line")
    judge = d.add_argument_group("judgement")
    judge.add_argument("--warn-days", type=_days, default=30, help="warn when a certificate expires within N days (30)")
    judge.add_argument("--at", type=_instant, help="judge validity at this ISO-8601 instant instead of now")
    judge.add_argument("--strict", action="store_true", help="warnings fail too")
    out = d.add_argument_group("output")
    out.add_argument("--format", choices=formats, default="text")
    out.add_argument("--output", help="write the report to this file instead of stdout")
    out.add_argument("--verbose", action="store_true", help="show passing checks in full and grpc's log lines")
    out.add_argument("--debug", action="store_true", help="show a traceback on internal errors")
    out.add_argument("--no-colour", "--no-color", dest="no_colour", action="store_true")
    fleet = d.add_argument_group("fleet", "--fleet FILE: a YAML list of targets (or `targets:` with `defaults:`); "
                                 "each target is a mapping of the options above without dashes (dir, tls_mode, "
                                 "server_pem, uri, ...) and a name; the flags given here are every target's "
                                 "defaults, which `defaults:` and then the target itself override")
    fleet.add_argument("--fleet", help="YAML list of named targets, each with the options of one run")
    fleet.add_argument("--workers", type=int, default=1,
                       help="with --fleet: static targets checked at once (1: static checks hold the GIL, more threads "
                            "measured slower); live targets are always probed side by side")
    codes = sub.add_parser("codes", help="list every finding code: what it means, why it fails, the fix",
                           description="The finding catalogue (the same text as docs/findings.md).")
    codes.add_argument("code", nargs="?", help="show this one code (title, why, fix, severity, who enforces it)")
    codes.add_argument("--format", choices=("text", "json"), default="text")
    codes.add_argument("--output", help="write the listing to this file instead of stdout")
    if command in ("doctor", "codes"):
        return parser
    from ..gen import add_parser as add_gen_parser
    add_gen_parser(sub)
    from ..reissue import add_parser as add_reissue_parser
    add_reissue_parser(sub)
    from ..repair import add_parser as add_repair_parser
    add_repair_parser(sub)
    _add_tool_parsers(sub)
    return parser


def _listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, not {text!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def _add_tool_parsers(sub) -> None:
    """exporter (Prometheus /metrics for a fleet), completion (shell scripts), precommit (the pre-commit hook)."""
    e = sub.add_parser("exporter", help="serve certificate expiry and check health of a fleet on /metrics",
                       description="Check every target of a fleet file in the background every --interval seconds "
                                   "and serve the results on http://LISTEN/metrics (Prometheus).")
    e.add_argument("--fleet", required=True, help="the fleet YAML (as for doctor --fleet)")
    e.add_argument("--listen", type=_listen, default=("127.0.0.1", 9915), metavar="HOST:PORT",
                   help="address to serve /metrics on (127.0.0.1:9915)")
    e.add_argument("--interval", type=_seconds, default=300.0, help="seconds between checks of the fleet (300)")
    e.add_argument("--timeout", type=_seconds, default=5.0, help="seconds for each network step of a live target (5)")
    e.add_argument("--workers", type=int, default=1, help="static targets checked at once (1)")
    e.add_argument("--max-connections", type=_count, default=64,
                   help="HTTP connections held open at once; more are closed at once and counted (64)")
    e.add_argument("--request-timeout", type=_seconds, default=5.0,
                   help="seconds a client has to send its request (and to read the answer) (5)")
    e.add_argument("--http-workers", type=_count, default=2, help="threads answering /metrics requests (2)")
    e.add_argument("--once", action="store_true", help="check once, print the metrics and exit (no server)")
    e.add_argument("--debug", action="store_true", help="show a traceback on internal errors")
    c = sub.add_parser("completion", help="print a shell completion script (bash, zsh, fish)",
                       description="Print the completion script for SHELL. bash: "
                                   "`source <(milvus-tls completion bash)`; zsh: write it to a file named "
                                   "_milvus-tls on $fpath; fish: `milvus-tls completion fish | source`.")
    c.add_argument("shell", choices=("bash", "zsh", "fish"))
    pc = sub.add_parser("precommit", help="static checks of staged TLS and deployment files (the pre-commit hook)",
                        description="Group the given files by folder and run the static doctor once per folder: "
                                    "PEM files named as the docs name them (or tls.crt/tls.key), milvus.yaml / "
                                    "user.yaml, Compose files and Kubernetes manifests beside them.")
    pc.add_argument("files", nargs="*", help="the staged files (pre-commit passes them)")
    pc.add_argument("--tls-mode", type=int, choices=(1, 2))
    pc.add_argument("--server-name", help="pymilvus server_name (default: localhost)")
    pc.add_argument("--warn-days", type=_days, default=30)
    pc.add_argument("--strict", action="store_true", help="warnings fail too")
    pc.add_argument("--side", choices=("server", "client"),
                    help="judge only this end (e.g. a repository that holds the server's files and values, not the "
                         "clients'); without it an end that is not staged makes the verdict incomplete")
    pc.add_argument("--format", choices=("text", "github"), default="text")


def _args_dest(kind: str) -> str:
    return f"{kind.replace('-', '_')}_args"


def _kinds_help() -> str:
    """pymilvus[==LINE] (default), go[==VERSION], node[==LINE]: from the client-kind registry."""
    return ", ".join(f"{name}[=={s.version_word}]" + (" (default)" if name == "pymilvus" else "")
                     for name, s in specs().items())


def options_from_args(args: argparse.Namespace) -> Options:
    values = {name: getattr(args, name) for name in Options.field_names() if hasattr(args, name)}
    for name in repeatable():
        values[name] = tuple(values.get(name) or ())
    values["client"] = tuple(values.get("client") or ())
    values["connect_to"] = tuple(values.get("connect_to") or ())
    values["client_args"] = tuple((name, getattr(args, _args_dest(name))) for name, s in specs().items()
                                  if s.read_args is not None and getattr(args, _args_dest(name), None))
    return Options(**values)
