"""Renderers: one module per output format, each declaring one `RENDERER` (see base.Renderer) that renders a
Report and a fleet of FleetResults. All read the same Report; control characters go through render.sanitize.

Adding a format: a module here named after the format, with `RENDERER = Renderer(name, order, extension, report,
fleet)`: its name, its position in the --format list, its file extension and its render functions (a
`stream_fleet` too when it can write a fleet target by target). Formats are found on disk, not listed: a run imports only the module of the
format it prints; listing every format (--help, a wrong --format, tools) imports them all.
"""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Optional

from .base import MODE_NAMES, PLAIN, Renderer, RenderOptions, summary_line


def _module_names() -> tuple[str, ...]:
    return tuple(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def _renderer_of(name: str) -> Optional[Renderer]:
    """The RENDERER of module `name` in this package, or None when there is no such format module."""
    if name not in _module_names():
        return None
    renderer = getattr(importlib.import_module(f"{__name__}.{name}"), "RENDERER", None)
    return renderer if renderer is not None and renderer.name == name else None


@lru_cache(maxsize=1)
def formats() -> tuple[str, ...]:
    """The --format choices, in the order the renderers declare (imports every format module)."""
    found = [r for r in map(_renderer_of, _module_names()) if r is not None]
    return tuple(r.name for r in sorted(found, key=lambda r: (r.order, r.name)))


class _Formats(Mapping):
    """name -> Renderer. Asking for one format imports only its module; iterating lists them all in order."""

    def __getitem__(self, fmt: str) -> Renderer:
        renderer = _renderer_of(fmt) if isinstance(fmt, str) else None
        if renderer is None:
            raise KeyError(fmt)
        return renderer

    def __contains__(self, fmt: object) -> bool:   # argparse's choices check: no import of the other formats
        return isinstance(fmt, str) and _renderer_of(fmt) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(formats())

    def __len__(self) -> int:
        return len(formats())


RENDERERS: Mapping[str, Renderer] = _Formats()
# The --format choices as argparse takes them (membership per format, the list only for help and errors).
FORMATS = RENDERERS


def get(fmt: str) -> Renderer:
    try:
        return RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}") from None


def extensions() -> dict[str, str]:
    """format -> the file extension of a saved report, in --format order."""
    return {name: RENDERERS[name].extension for name in formats()}


__all__ = ["FORMATS", "MODE_NAMES", "PLAIN", "RENDERERS", "Renderer", "RenderOptions", "extensions", "formats", "get",
           "summary_line"]
