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


# Markdown (GitHub step summaries, merge-request notes): text from certificates, paths, URIs and fleet files may hold
# HTML (`<img src=x onerror=...>`), a backtick that closes a code span, link syntax (`[x](https://...)`, `![x](...)`)
# or a `|` that splits a table cell. Each becomes a character reference: the rendered page shows the same text, no
# tag, link or cell is ever made from it.
_MD_SPECIAL = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "`": "&#96;", "|": "&#124;", "[": "&#91;", "\\": "&#92;",
               "\n": " "}
_MD_PATTERN = re.compile("[&<>`|\\[\\\\\n]")   # other control characters: for_terminal, as \\xNN
_CODE_SPAN = re.compile(r"`([^`]*)`")


def md_text(text: str) -> str:
    """Untrusted text as Markdown text (also safe in a table cell)."""
    return _MD_PATTERN.sub(lambda m: _MD_SPECIAL[m.group()], str(text))


def md_code(text: str) -> str:
    """Untrusted text as inline code: a plain code span when nothing in it needs care, else <code> with the text
    escaped (a code span shows character references literally)."""
    text = str(text)
    if not _MD_PATTERN.search(text):
        return f"`{text}`"
    return f"<code>{md_text(text)}</code>"


def md_inline(text: str) -> str:
    """A message of ours holding untrusted parts: its `code spans` stay code (md_code), the rest md_text. A backtick
    inside an untrusted part can only change where code formatting starts or ends, never make a tag or a link."""
    out, last = [], 0
    for match in _CODE_SPAN.finditer(str(text)):
        out.append(md_text(text[last:match.start()]))
        out.append(md_code(match.group(1)))
        last = match.end()
    out.append(md_text(text[last:]))
    return "".join(out)
