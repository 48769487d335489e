"""Link kinds: one module per TLS connection of a Milvus deployment (the front door, Milvus -> etcd, ...), each
declaring ``SPEC``, a LinkSpec; the registry finds them with pkgutil (a module here is a kind; one without SPEC is an
error). What differs per link is asked of its spec: its ends, the settings it reads, the implementation whose answer
decides it, its static judge (a dotted name in rules/, pure) and its optional live prober (a dotted name in
handshake/, the only network code).

A judge is called as ``judge(ctx, spec) -> (checks, Link | None)`` (None: the link is not in play in this
deployment); a prober as ``probe(request, link, spec) -> Link`` (the link decided by the real implementation, or as
it was when the prober could not run). The front door's judge takes the report's own per-mode verdict.

Pure facts: no I/O, no findings, no network.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any, Callable, Optional


@dataclass(frozen=True)
class LinkSpec:
    name: str                       # the Link's kind, stable (JSON, metrics): "milvus-etcd"
    title: str                      # "Milvus -> etcd"
    from_: str                      # who dials: "Milvus (every component)"
    to: str                         # who answers: "etcd"
    settings: tuple[str, ...]       # the settings it reads, as the deployment writes them
    decided_by: str                 # the implementation whose answer decides the link
    judge: str                      # "milvus_tls_check.rules.links:judge_etcd"
    prober: str = ""                # "milvus_tls_check.handshake.etcdprobe:probe" ("" : none)
    order: int = 100                # its place in the TLS map (the front door first)
    source: str = ""                # where its behaviour was read or observed (docs/links.md)
    # codes on this link that keep Milvus from serving at all (observed: it retries or exits before its proxy
    # listens), so the links Milvus serves fail with it, pointing here instead of repeating the cause
    blocks_serving: tuple[str, ...] = ()
    serves: bool = False            # Milvus is the server of this link (the front door, REST): a stopped Milvus fails it

    def resolve(self, which: str) -> Optional[Callable[..., Any]]:
        dotted = getattr(self, which)
        if not dotted:
            return None
        module, _, attr = dotted.partition(":")
        return getattr(importlib.import_module(module), attr)


_SPECS: Optional[dict[str, LinkSpec]] = None


def _discover(path=None, package_name: str = __name__) -> dict[str, LinkSpec]:
    found: dict[str, LinkSpec] = {}
    for info in pkgutil.iter_modules(path if path is not None else __path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package_name}.{info.name}")
        spec = getattr(module, "SPEC", None)
        if not isinstance(spec, LinkSpec):
            raise TypeError(f"{module.__name__} is in the link-kind package but declares no SPEC = LinkSpec(...)")
        if spec.name in found:
            raise ValueError(f"link kind {spec.name!r} declared twice")
        found[spec.name] = spec
    return dict(sorted(found.items(), key=lambda item: (item[1].order, item[0])))


def specs() -> dict[str, LinkSpec]:
    """name -> LinkSpec for every link kind here, in TLS-map order."""
    global _SPECS
    if _SPECS is None:
        _SPECS = _discover()
    return _SPECS


def kinds() -> tuple[str, ...]:
    return tuple(specs())


def spec(name: str) -> LinkSpec:
    return specs()[name]
