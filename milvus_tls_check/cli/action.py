"""The GitHub Action's doctor step: `python -m milvus_tls_check.cli.action`.

The action's `args` input arrives in the environment (MILVUS_TLS_ARGS, set from `${{ inputs.args }}` in the step's
`env:`, never written into the script) and is split here with shlex.split: POSIX-shell quoting rules ('single',
"double", backslash) and nothing else. No shell ever reads it, so `$(...)`, backticks, `;`, `|`, `*` and `~` are
ordinary characters of an argument. Then `milvus-tls doctor ARGS --format github`.
"""
from __future__ import annotations

import os
import shlex
import sys
from typing import Mapping, Optional

ENV = "MILVUS_TLS_ARGS"


def split_args(text: str) -> list[str]:
    """The action's `args` as a list of arguments (ValueError: an unclosed quote)."""
    return shlex.split(text, comments=False, posix=True)


def main(environ: Optional[Mapping[str, str]] = None) -> int:
    from . import EXIT_USAGE
    from . import main as cli_main

    environ = os.environ if environ is None else environ
    try:
        args = split_args(environ.get(ENV, ""))
    except ValueError as exc:
        print(f"milvus-tls: error: the action's args input: {exc} (quote as a POSIX shell would: 'a b' or \"a b\")",
              file=sys.stderr)
        return EXIT_USAGE
    return cli_main(["doctor", *args, "--format", "github"])


if __name__ == "__main__":
    sys.exit(main())
