"""Renderers: one module per output format, each declaring one `RENDERER` (see base.Renderer) that renders a
Report and a fleet of FleetResults. All read the same Report; control characters go through render.sanitize.

Adding a format: a module here with a RENDERER, and its name in _FORMAT_MODULES below. A format's module is
imported when that format is first asked for, so a run pays only for the format it prints.
"""
from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from .base import MODE_NAMES, PLAIN, Renderer, RenderOptions, summary_line

# format name -> the module (in this package) that declares its RENDERER; in the order --format lists them
_FORMAT_MODULES = {"text": "text", "json": "json", "junit": "junit", "markdown": "markdown", "sarif": "sarif",
                   "github": "github", "prometheus": "prometheus"}


class _Registry(Mapping):
    """name -> Renderer, importing a format's module on first use."""

    def __getitem__(self, fmt: str) -> Renderer:
        module = _FORMAT_MODULES[fmt]
        return importlib.import_module(f"{__name__}.{module}").RENDERER

    def __iter__(self) -> Iterator[str]:
        return iter(_FORMAT_MODULES)

    def __len__(self) -> int:
        return len(_FORMAT_MODULES)


RENDERERS: Mapping[str, Renderer] = _Registry()


def formats() -> tuple[str, ...]:
    """The --format choices, in the order the CLI lists them."""
    return tuple(_FORMAT_MODULES)


def get(fmt: str) -> Renderer:
    try:
        return RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}") from None


FORMATS = formats()

__all__ = ["FORMATS", "MODE_NAMES", "PLAIN", "RENDERERS", "Renderer", "RenderOptions", "formats", "get",
           "summary_line"]
