"""The command line: argv -> Options -> Request, run the pipeline, render, exit status. Thin on purpose.

Exit status: 0 pass (every side of every judged mode proven), 1 fail, 2 usage error, 3 internal error (--debug
shows the traceback), 4 incomplete (nothing failed, but a side a mode needs was not judged: the report says what to
add; never a pass).
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import traceback
from typing import Optional, Sequence

from ..errors import (EXIT_FAIL, EXIT_INCOMPLETE, EXIT_INTERNAL, EXIT_PASS, EXIT_USAGE, UsageError,  # noqa: F401
                      exit_status)
from ..request import Options, build_request, secret_folder
from .parser import build_parser, options_from_args

__all__ = ["EXIT_FAIL", "EXIT_INCOMPLETE", "EXIT_INTERNAL", "EXIT_PASS", "EXIT_USAGE", "UsageError", "build_parser", "main",
           "request_from_args"]




def request_from_args(args: argparse.Namespace):
    """The Request one `milvus-tls doctor ...` command line asks for."""
    return build_request(options_from_args(args))


class Terminated(KeyboardInterrupt):
    """SIGTERM (a CI job cancelled, `timeout`, a pod stopping): unwinds like Ctrl-C, so every `finally` runs: the
    Kubernetes Secret folder is removed and the Go front and client processes are stopped."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return _main(argv)
    except UsageError as exc:
        print(f"milvus-tls: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Terminated:
        print("milvus-tls: terminated", file=sys.stderr)
        return EXIT_INTERNAL
    except KeyboardInterrupt:
        print("milvus-tls: interrupted", file=sys.stderr)
        return EXIT_INTERNAL
    except Exception as exc:  # the one place an unexpected error turns into a message and exit 3
        if debug:  # the traceback, then the same one-line message and status 3 (a re-raise would exit 1: "fail")
            traceback.print_exc()
        print(f"milvus-tls: internal error: {type(exc).__name__}: {' '.join(str(exc).split())} "
              "(run with --debug for the traceback)", file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main(argv: list[str]) -> int:
    parser = build_parser(command=argv[0] if argv and argv[0] in ("doctor", "codes") else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0)
    if args.command == "gen":
        from ..gen import run_gen
        return run_gen(args)
    if args.command == "reissue":
        from ..reissue import run_reissue
        return run_reissue(args)
    if args.command == "repair":
        from ..repair import run_repair
        return run_repair(args)
    if args.command == "completion":
        from .completion import run_completion
        return run_completion(parser, args)
    if args.command == "exporter":
        from ..exporter import run_exporter
        return run_exporter(args)
    if args.command == "precommit":
        from .precommit import run_precommit
        return run_precommit(args)
    _check_output(args.output)
    if args.command == "codes":
        from ..docs import code_detail, codes_listing, nearest_codes
        if args.code is None:
            _write(codes_listing(args.format), args.output)
            return EXIT_PASS
        try:
            text = code_detail(args.code.strip(), args.format)
        except KeyError:
            near = nearest_codes(args.code)
            raise UsageError(f"codes {args.code}: no such code" + (f"; nearest: {', '.join(near)}" if near else "")
                             + " (`milvus-tls codes` lists them all)") from None
        _write(text, args.output)
        return EXIT_PASS
    if args.fleet:
        return _fleet(parser, args)
    from ..doctor import diagnose
    from ..render import RENDERERS, RenderOptions
    options = options_from_args(args)
    with secret_folder(options) as secrets:   # Kubernetes Secret contents live there until the report is written
        report = diagnose(build_request(options, secrets=secrets))
    use_colour = args.format == "text" and not args.output and sys.stdout.isatty() and not args.no_colour \
        and "NO_COLOR" not in os.environ
    _write(RENDERERS[args.format].render_report(report, RenderOptions(colour=use_colour, verbose=args.verbose)),
           args.output)
    _step_summary(args.format, lambda: RENDERERS["markdown"].render_report(report, RenderOptions()))
    return exit_status([report.verdict])


def _step_summary(fmt: str, markdown) -> None:
    """--format github inside GitHub Actions: the Markdown report is appended to $GITHUB_STEP_SUMMARY."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if fmt != "github" or not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(markdown() + "\n")
    except OSError as exc:
        print(f"milvus-tls: warning: cannot write GITHUB_STEP_SUMMARY {path}: {exc.strerror or exc}", file=sys.stderr)


def _check_output(output: Optional[str]) -> None:
    """Refuse an output path that cannot be written before any work is done."""
    if not output:
        return
    if os.path.isdir(output):
        raise UsageError(f"--output {output}: is a directory; give a file path")
    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        raise UsageError(f"--output {output}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (os.path.exists(output) and not os.access(output, os.W_OK)):
        raise UsageError(f"--output {output}: not writable")


def _write(text: str, output: Optional[str]) -> None:
    if output:
        try:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            raise UsageError(f"--output {output}: cannot write: {exc.strerror or exc}")
    else:
        sys.stdout.write(text)


def after_a_second(show, delay: float = 1.0):
    """A progress callback that stays silent for runs shorter than `delay` seconds (no flicker on quick runs)."""
    import time
    start = time.monotonic()
    shown = False

    def maybe(done: int, total: int) -> None:
        nonlocal shown
        if shown or time.monotonic() - start >= delay:
            shown = True
            show(done, total)
    return maybe


def _stream(write, output: Optional[str]) -> None:
    """write(file) to --output (or stdout) as it goes."""
    if not output:
        write(sys.stdout)
        return
    try:
        with open(output, "w", encoding="utf-8") as fh:
            write(fh)
    except OSError as exc:
        raise UsageError(f"--output {output}: cannot write: {exc.strerror or exc}")


def _fleet(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Every target starts from the command line's options (--strict, --warn-days, --dir, ...) and overrides them."""
    from ..fleet import FleetError, iter_fleet, load_fleet, progress_bar, run_fleet
    from ..render import RENDERERS, RenderOptions
    try:
        targets = load_fleet(args.fleet, base_options=options_from_args(args))
    except FleetError as exc:
        raise UsageError(str(exc))
    show = after_a_second(progress_bar()) if sys.stderr.isatty() else None
    stream = RENDERERS[args.format].stream_fleet
    if stream is not None:   # each target rendered and dropped as it comes: memory stays flat for large fleets
        verdicts: list[str] = []

        def noting(results):
            for r in results:
                verdicts.append(r.verdict)
                yield r
        _stream(lambda out: stream(noting(iter_fleet(targets, workers=args.workers, progress=show)), out,
                                   RenderOptions()), args.output)
        return exit_status(verdicts)
    results = run_fleet(targets, workers=args.workers, progress=show)
    _write(RENDERERS[args.format].render_fleet(results, RenderOptions()), args.output)
    _step_summary(args.format, lambda: RENDERERS["markdown"].render_fleet(results, RenderOptions()))
    return exit_status(r.verdict for r in results)


if __name__ == "__main__":
    sys.exit(main())
