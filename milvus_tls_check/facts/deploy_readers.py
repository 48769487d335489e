"""The command-line flags each deployment reader in deploy/ declares, found without importing deploy/.

Each reader module there declares its flags once, as a module-level literal `FLAGS = ({...}, ...)`: the Options
field (`option`, also the fleet key), the flag, its argparse help and metavar, `repeatable` (append; a tuple in
Options), `path` (a fleet entry's relative value is taken from the fleet file's folder), `trigger` (a value makes
request.py read the deployment) and `order` (position in `doctor --help`, and the order deploy/read.py calls the
readers' `read_into`). request.py makes an `Options` field of each; cli/parser.py and fleet.py read them too. Importing the readers (PyYAML, the Kubernetes model) costs a static run about 30 ms, so the literal is
read from each module's source instead; it holds data only (ast.literal_eval), never code that runs.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

_DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
_FLAGS = re.compile(r"^FLAGS = (\(.*?^\))", re.S | re.M)


@dataclass(frozen=True)
class ReaderFlag:
    reader: str                    # the deploy/ module that declares it
    option: str                    # the Options field and fleet key
    flag: str                      # "--compose"
    help: str
    order: int                     # position in the deployment-files group of `doctor --help`
    metavar: Optional[str] = None
    repeatable: bool = False
    path: bool = False
    trigger: bool = False


def declared_in(source: str, reader: str) -> tuple[ReaderFlag, ...]:
    """The flags a reader module's source declares (none without a FLAGS literal)."""
    found = _FLAGS.search(source)
    if not found:
        return ()
    return tuple(ReaderFlag(reader=reader, **entry) for entry in ast.literal_eval(found.group(1)))


@lru_cache(maxsize=None)
def reader_flags(folder: Optional[str] = None) -> tuple[ReaderFlag, ...]:
    """Every deployment reader's flags, in --help order. `folder`: another deploy/ folder (tests)."""
    root = Path(folder) if folder else _DEPLOY
    flags = [flag for path in sorted(root.glob("*.py")) if not path.name.startswith("_")
             for flag in declared_in(path.read_text(encoding="utf-8"), path.stem)]
    return tuple(sorted(flags, key=lambda f: (f.order, f.flag)))


def path_keys() -> frozenset:
    """The Options fields whose values are paths (a fleet entry's relative value is resolved against its file)."""
    return frozenset(f.option for f in reader_flags() if f.path)


def repeatable() -> frozenset:
    return frozenset(f.option for f in reader_flags() if f.repeatable)


def triggers() -> tuple[str, ...]:
    """The Options fields whose value makes the run read the deployment."""
    return tuple(f.option for f in reader_flags() if f.trigger)
