"""Renderers: one module per output format, each declaring one `RENDERER` (see base.Renderer) that renders a
Report and a fleet of FleetResults. All read the same Report; control characters go through render.sanitize.

Adding a format: a module here with a RENDERER, and its name in _FORMAT_MODULES below.
"""
from __future__ import annotations

from typing import Callable

from . import github as _github, json as _json, junit as _junit, markdown as _markdown, prometheus as _prometheus
from . import sarif as _sarif, text as _text
from .base import MODE_NAMES, PLAIN, Renderer, RenderOptions, summary_line

_FORMAT_MODULES = (_text, _json, _junit, _markdown, _sarif, _github, _prometheus)

RENDERERS: dict[str, Renderer] = {m.RENDERER.name: m.RENDERER for m in _FORMAT_MODULES}


def formats() -> tuple[str, ...]:
    """The --format choices, in the order the CLI lists them."""
    return tuple(RENDERERS)


def get(fmt: str) -> Renderer:
    try:
        return RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}") from None


def renderer(fmt: str) -> Callable[..., str]:
    """Deprecated: the pre-registry API, `renderer(fmt)(report, colour=..., verbose=...)`. Use
    `get(fmt).render_report(report, RenderOptions(...))`."""
    chosen = get(fmt)

    def render(report, **options) -> str:
        return chosen.render_report(report, RenderOptions(**options))
    return render


FORMATS = formats()

__all__ = ["FORMATS", "MODE_NAMES", "PLAIN", "RENDERERS", "Renderer", "RenderOptions", "formats", "get", "renderer",
           "summary_line"]
