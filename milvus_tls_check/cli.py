"""The command line: flags -> Request, run the pipeline, render, exit status. Thin on purpose.

Exit status: 0 pass, 1 fail, 2 usage error, 3 internal error (--debug shows the traceback).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import traceback
from typing import Optional, Sequence

from .facts.pymilvus import uri_host
from .model import CLIENT_ROLES, Request, Role

EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

# --dir takes the docs' file names.
DIR_NAMES = {Role.SERVER_CERT: "server.pem", Role.SERVER_KEY: "server.key", Role.SERVER_CA: "ca.pem",
             Role.CLIENT_CERT: "client.pem", Role.CLIENT_KEY: "client.key"}
PATH_FLAGS = {Role.SERVER_CERT: "server_pem", Role.SERVER_KEY: "server_key", Role.SERVER_CA: "ca_pem",
              Role.CLIENT_CERT: "client_pem", Role.CLIENT_KEY: "client_key", Role.CLIENT_CA: "client_ca_pem",
              Role.CLIENT_SERVER_PEM: "client_server_pem"}


class UsageError(ValueError):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse exits 2 itself; keep our wording and status in one place
        raise UsageError(message)


def _instant(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 instant: {text!r} (e.g. 2030-01-01T00:00:00Z)")
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="milvus-tls", description="Will your Milvus TLS material work? And if not, exactly why.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    d = sub.add_parser("doctor", help="check TLS material (and a live Milvus) the way Milvus and pymilvus use it")
    d.add_argument("--dir", help="take ca.pem, server.pem, server.key, client.pem, client.key from DIR")
    d.add_argument("--tls-mode", type=int, choices=(1, 2), help="common.security.tlsMode; default: every mode the material allows")
    d.add_argument("--server-pem", help="tls.serverPemPath (server certificate, may hold the chain)")
    d.add_argument("--server-key", help="tls.serverKeyPath")
    d.add_argument("--ca-pem", help="tls.caPemPath (what the server trusts for client certs)")
    d.add_argument("--client-pem", help="pymilvus client_pem_path")
    d.add_argument("--client-key", help="pymilvus client_key_path")
    d.add_argument("--client-ca-pem", help="pymilvus ca_pem_path (default: --ca-pem)")
    d.add_argument("--client-server-pem", help="pymilvus server_pem_path, the one-way trust root (default: --server-pem)")
    d.add_argument("--server-name", help="pymilvus server_name (default: localhost; with --uri: the URI's host)")
    d.add_argument("--format", choices=("text", "json", "junit", "markdown"), default="text")
    d.add_argument("--output", help="write the report to this file instead of stdout")
    d.add_argument("--warn-days", type=int, default=30, help="warn when a certificate expires within N days (30)")
    d.add_argument("--at", type=_instant, help="judge validity at this ISO-8601 instant instead of now")
    d.add_argument("--strict", action="store_true", help="warnings fail too")
    d.add_argument("--uri", help="a running Milvus: https://HOST:PORT (TLS) or http://HOST:PORT (plaintext)")
    d.add_argument("--timeout", type=float, default=5.0, help="seconds for each network step (5)")
    d.add_argument("--no-handshake", action="store_true", help="static checks only")
    d.add_argument("--pymilvus", action="store_true", help="with --uri: also try a real pymilvus client (subprocess)")
    d.add_argument("--milvus-yaml", action="append", default=[], help="milvus.yaml / user.yaml (repeatable; later wins)")
    d.add_argument("--compose", help="docker-compose.yml: resolve container paths through the volume mounts")
    d.add_argument("--service", help="the Compose service that runs Milvus (default: the one that mounts milvus.yaml)")
    d.add_argument("--k8s", action="append", default=[], help="Kubernetes manifests / Helm values (repeatable)")
    d.add_argument("--pymilvus-args", help="JSON of the keyword arguments the application passes to MilvusClient")
    d.add_argument("--key-password-env", help="name of an environment variable holding the private-key passphrase")
    d.add_argument("--verbose", action="store_true", help="show passing checks in full and grpc's log lines")
    d.add_argument("--debug", action="store_true", help="show a traceback on internal errors")
    d.add_argument("--no-colour", "--no-color", dest="no_colour", action="store_true")
    d.add_argument("--fleet", help="YAML list of named targets, each with the options of one run")
    d.add_argument("--workers", type=int, default=8, help="with --fleet: targets checked at once (8)")
    from .gen import add_parser as add_gen_parser
    add_gen_parser(sub)
    return parser


def request_from_args(args: argparse.Namespace) -> Request:
    paths: dict[Role, str] = {}
    explicit: set[Role] = set()
    modes: tuple[int, ...] = (args.tls_mode,) if args.tls_mode else ()
    server_name: Optional[str] = args.server_name
    uri = args.uri
    preflight: tuple = ()
    notes: tuple = ()
    client_exact = False
    if args.milvus_yaml or args.compose or args.k8s or args.pymilvus_args:
        from .deploy import read_deployment
        view = read_deployment(milvus_yaml=args.milvus_yaml, compose=args.compose, service=args.service,
                               k8s=args.k8s, pymilvus_args=args.pymilvus_args)
        paths.update(view.paths)
        explicit |= set(view.client_explicit)
        if view.tls_mode in (1, 2) and not modes:
            modes = (view.tls_mode,)
        # The application's URI names the host it dials (the name grpc checks); it is not made a live target:
        # reading deployment files stays a pre-deploy check unless --uri asks for a live one.
        server_name = server_name if server_name is not None else (view.server_name or
                                                                   (uri_host(view.uri) if view.uri else None))
        preflight = tuple(view.findings)
        notes = tuple(view.notes)
        client_exact = view.client_exact
    if args.dir:
        if not os.path.isdir(args.dir):
            raise UsageError(f"--dir {args.dir}: not a directory")
        for role, name in DIR_NAMES.items():
            if client_exact and role in CLIENT_ROLES:
                continue  # the application's own pymilvus arguments decide the client side
            path = os.path.join(args.dir, name)
            if os.path.lexists(path) or role in (Role.SERVER_CERT, Role.SERVER_KEY):
                paths[role] = path
    for role, attr in PATH_FLAGS.items():
        value = getattr(args, attr)
        if value:
            paths[role] = value
            explicit.add(role)
    if not paths.get(Role.SERVER_CERT) and not uri and not args.fleet:
        raise UsageError("nothing to check: give --dir, --server-pem/--server-key, a deployment file, or --uri"
                         + "".join(f"\n  note: {n}" for n in notes))
    if server_name is None:
        server_name = uri_host(uri) if uri else "localhost"
    password = None
    if args.key_password_env:
        if args.key_password_env not in os.environ:
            raise UsageError(f"--key-password-env {args.key_password_env}: that variable is not set")
        password = os.environ[args.key_password_env].encode()
    return Request(paths=paths, explicit=frozenset(explicit), modes=modes, server_name=server_name or None,
                   at=args.at, warn_days=args.warn_days, strict=args.strict, uri=uri, timeout=args.timeout,
                   handshake=not args.no_handshake, run_pymilvus=args.pymilvus, key_password=password,
                   preflight=preflight, notes=notes, client_exact=client_exact, verbose=args.verbose)


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        return _main(argv)
    except UsageError as exc:
        print(f"milvus-tls: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("milvus-tls: interrupted", file=sys.stderr)
        return EXIT_INTERNAL
    except Exception as exc:  # the one place an unexpected error turns into a message and exit 3
        if debug:  # the traceback, then the same one-line message and status 3 (a re-raise would exit 1: "fail")
            traceback.print_exc()
        print(f"milvus-tls: internal error: {type(exc).__name__}: {' '.join(str(exc).split())} (run with --debug for the traceback)",
              file=sys.stderr)
        return EXIT_INTERNAL


def _main(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0)
    if args.command == "gen":
        from .gen import run_gen
        return run_gen(args)
    if args.fleet:
        return _fleet(parser, args)
    from .doctor import diagnose
    from .render import renderer
    request = request_from_args(args)
    report = diagnose(request)
    use_colour = args.format == "text" and not args.output and sys.stdout.isatty() and not args.no_colour \
        and "NO_COLOR" not in os.environ
    kwargs = {"colour": use_colour, "verbose": args.verbose} if args.format == "text" else {}
    text = renderer(args.format)(report, **kwargs)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return EXIT_PASS if report.passed else EXIT_FAIL


def _fleet(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from .fleet import FleetError, load_fleet, progress_bar, render_fleet, run_fleet
    try:
        targets = load_fleet(args.fleet)
    except FleetError as exc:
        raise UsageError(str(exc))
    show = progress_bar() if sys.stderr.isatty() else None
    results = run_fleet(targets, lambda argv: request_from_args(parser.parse_args(["doctor", *argv])),
                        workers=args.workers, progress=show)
    text = render_fleet(results, args.format)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return EXIT_PASS if all(r.passed for r in results) else EXIT_FAIL


if __name__ == "__main__":
    sys.exit(main())
