"""Issue 19 item 8: README's Use block lists every long flag `milvus-tls doctor --help` lists."""
from __future__ import annotations

import re
from pathlib import Path

from milvus_tls_check.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"


def _use_block() -> str:
    text = README.read_text()
    section = text[text.index("\n## Use\n"):]
    start = section.index("```\n") + 4
    return section[start:section.index("```", start)]


def _help_flags(capsys) -> set[str]:
    assert main(["doctor", "--help"]) == 0
    text = capsys.readouterr().out
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", text))


def test_every_doctor_flag_in_help_is_in_the_readme_use_block(capsys):
    flags = _help_flags(capsys)
    assert {"--dir", "--uri", "--fleet", "--side"} <= flags       # the parse found the options
    block = _use_block()
    listed = set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", block))
    missing = sorted(flags - listed)
    assert not missing, f"README's Use block does not list: {', '.join(missing)}"


def test_the_readme_format_list_is_the_renderer_registry():
    from milvus_tls_check.render import formats
    listed = re.search(r"--format \{([a-z,]+)\}", _use_block()).group(1).split(",")
    assert listed == list(formats())
