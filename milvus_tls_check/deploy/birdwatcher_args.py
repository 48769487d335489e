"""--birdwatcher-args: Birdwatcher's `connect` command line, parsed as Birdwatcher parses it, into the facts of the
Birdwatcher -> etcd link (facts/birdwatcher.py, linkkinds/birdwatcher_etcd.py).

As Birdwatcher (milvus-io/birdwatcher@9e8cebedfb21): the line is split on single spaces (framework/state.go
`strings.Split(cmd, " ")`: no quoting, two spaces make an empty word), a `-olc` script on commas (bapps/olc.go; the
connect command of it is read, a leading `#` only mutes it), then cobra/pflag parses the connect command's flags
(framework/command.go): `--name value` or `--name=value`, a bool flag bare or `--name=false`, the last one wins, a
word that is no flag's value is a positional argument connect never reads. What pflag refuses (an unknown flag, a
single-dash word, a flag without its value, a bool flag with a value ParseBool does not take) is kept as `refused`:
Birdwatcher prints the error and never connects. Files are resolved from the doctor's working directory, as
Birdwatcher opens them from its own (run the doctor where Birdwatcher runs, or give absolute paths).

Facts only: the rules judge them.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

from ..facts.birdwatcher import (BOOL_FLAGS, FILE_FLAGS, SECRET_FLAGS, STRING_FLAGS, BirdwatcherConnect, FlagUse,
                                 parse_pflag_bool)
from .common import DeploymentError, Draft, ReadRun

FLAGS = (
    {"order": 47, "option": "birdwatcher_args", "flag": "--birdwatcher-args", "trigger": True, "metavar": "LINE",
     "help": "Birdwatcher's connect command as typed at its prompt (connect, the etcd address, its TLS flags and "
             "files): judged as the Birdwatcher -> etcd link, files taken from the working directory"},
)

FLAG = "--birdwatcher-args"


def _connect_command(text: str) -> str:
    """The connect command of the text: itself, or the one command of a -olc script (comma-separated) that is it."""
    commands = [c[1:] if c.startswith("#") else c for c in text.split(",")] if "," in text else [text]
    found = [c for c in commands if c.split(" ", 1)[0] == "connect"]
    if not found:
        first = text.split(" ", 1)[0]
        if first.startswith("-"):       # the flags alone: the connect command they belong to
            return "connect " + text
        raise DeploymentError(f"{FLAG}: {text.split(' ', 1)[0]!r} is not Birdwatcher's connect command; give the "
                              "line as typed at its prompt: connect --etcd HOST:2379 --enableTLS ...")
    return found[0]


def parse_connect(text: str, cwd: str) -> BirdwatcherConnect:
    """The connect line as cobra/pflag reads it (see the module's doc)."""
    command = _connect_command(text.strip())
    words = command.split(" ")[1:]
    flags: list[FlagUse] = []
    positional: list[tuple[str, str]] = []     # (word, the word before it)
    refused, refused_at = "", -1
    i = 0
    while i < len(words) and not refused:
        word = words[i]
        i += 1
        refused_at = i - 1
        if len(word) < 2 or word[0] != "-":
            positional.append((word, words[i - 2] if i >= 2 else "connect"))
            continue
        if word == "--":                        # the end of the flags: the rest is positional
            positional += [(w, "--") for w in words[i:]]
            break
        if word[1] != "-":                      # a shorthand: connect declares none but cobra's -h
            refused = ("-h prints the usage; connect does not run" if word[1] == "h" else
                       f"unknown shorthand flag: {word[1]!r} in {word}")
            break
        name = word[2:]
        if name[0] in "-=":
            refused = f"bad flag syntax: {word}"
            break
        name, has_value, value = name.partition("=")
        if name not in STRING_FLAGS and name not in BOOL_FLAGS:
            refused = f"unknown flag: --{name}"
            break
        if name in BOOL_FLAGS:
            if has_value and parse_pflag_bool(value) is None:
                refused = (f'invalid argument "{value}" for "--{name}" flag: strconv.ParseBool: parsing '
                           f'"{value}": invalid syntax')
                break
            value = value if has_value else "true"
            written = word
        elif has_value:
            written = word
        elif i < len(words):                    # the next word, whatever it is, as pflag takes it
            value, written = words[i], f"{word} {words[i]}"
            i += 1
        else:
            refused = f"flag needs an argument: --{name}"
            break
        if name == "help" and parse_pflag_bool(value):
            refused = "--help prints the usage; connect does not run"
            break
        if name in SECRET_FLAGS:
            value, written = "***", f"--{name} ***"
        flags.append(FlagUse(name, value, written))
    ignored = tuple(f"{w!r} after {before}" for w, before in positional if w)
    files = {}
    for name in FILE_FLAGS:
        path = next((f.value for f in reversed(flags) if f.name == name), "")
        if path:
            files[name] = path if os.path.isabs(path) else str(Path(cwd) / path)
    secret = {f"--{n}" for n in SECRET_FLAGS}
    masked = tuple("***" if k > 0 and words[k - 1] in secret else
                   w.split("=", 1)[0] + "=***" if "=" in w and w.split("=", 1)[0] in secret else w
                   for k, w in enumerate(words))
    shown = " ".join(("connect",) + masked)
    return BirdwatcherConnect(line=shown, flags=tuple(flags), refused=refused, ignored_words=ignored, cwd=cwd,
                              files=files, words=masked, refused_at=refused_at if refused else -1)


def read_into(draft: Draft, given: Mapping[str, Any], run: ReadRun) -> None:
    text = str(given["birdwatcher_args"] or "")
    if not text.strip():
        raise DeploymentError(f"{FLAG}: an empty line; give Birdwatcher's connect command")
    draft.birdwatcher = parse_connect(text, os.getcwd())
