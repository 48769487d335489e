"""The one place control characters are neutralised. Names and paths come from untrusted files (a damaged or
hostile certificate's subject can hold terminal escapes): every format writes such a character as \\xNN."""
from __future__ import annotations

import re

# C0 controls except \t and \n, and DEL: never reach a terminal or a Markdown page raw.
_TERMINAL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
# Our own colour sequences are the only escapes text output may keep, and only when it colours.
_TERMINAL_KEEP_COLOUR = re.compile(r"(?!\x1b\[(?:3[0-9]|90|0)m)[\x00-\x08\x0b-\x1f\x7f]")
# XML 1.0 cannot carry these at all (\t, \n and \r it can).
_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _hex(match: re.Match) -> str:
    return f"\\x{ord(match.group()):02x}"


def for_terminal(text: str, *, keep_colour: bool = False) -> str:
    """Text and Markdown: control characters as \\xNN; with keep_colour, our SGR colour codes pass."""
    return (_TERMINAL_KEEP_COLOUR if keep_colour else _TERMINAL).sub(_hex, text)


def for_xml(text: str) -> str:
    """Serialised XML: characters XML 1.0 cannot carry as \\xNN, so the document stays well-formed."""
    return _XML.sub(_hex, text)
