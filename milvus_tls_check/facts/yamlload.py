"""YAML loading that a hostile file cannot blow up: PyYAML's SafeLoader, with the *expanded* size of each document
bounded while it is composed.

A YAML alias shares one node, so a 530-byte "billion laughs" file loads quickly into a few shared objects, and it is
the tree walks that follow (flatten, interpolation, the rules) that expand it to 10^9 nodes. The composer here counts
every node as the walks will see it (an alias counts the whole subtree it names, each time it is used) and refuses a
document past MAX_EXPANDED_NODES, and an alias that names one of its own ancestors (a cycle no walk would leave).
A full milvus.yaml is about 1,500 nodes, a rendered Helm chart tens of thousands.
"""
from __future__ import annotations

from typing import Any

import yaml

MAX_EXPANDED_NODES = 250_000


class YamlTooLarge(yaml.YAMLError):
    """The document would expand past the bound (an alias bomb) or refers to itself."""

    def __init__(self, problem: str, mark: Any = None):
        super().__init__(problem)
        self.problem, self.problem_mark = problem, mark


class BoundedSafeLoader(yaml.SafeLoader):
    """SafeLoader that tracks each composed node's expanded size (see the module doc)."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._sizes: dict[int, int] = {}   # id(node) -> expanded size, set once the node is complete

    def compose_document(self) -> Any:
        self._sizes.clear()
        return super().compose_document()

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            target = self.anchors.get(event.anchor)
            # The composer registers an anchor before composing its children: a target not yet complete (no size)
            # is an ancestor of this alias.
            if target is not None and id(target) not in self._sizes:
                raise YamlTooLarge(f"alias *{event.anchor} refers to a node that contains it (a cycle)",
                                   event.start_mark)
            return super().compose_node(parent, index)
        start_mark = self.peek_event().start_mark
        node = super().compose_node(parent, index)
        size = 1 + sum(self._sizes[id(child)] for child in _children(node))
        if size > MAX_EXPANDED_NODES:
            raise YamlTooLarge(f"the document expands to more than {MAX_EXPANDED_NODES:,} nodes through its "
                               "aliases (an alias bomb?)", start_mark)
        self._sizes[id(node)] = size
        return node


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def safe_load(text: str) -> Any:
    return yaml.load(text, Loader=BoundedSafeLoader)  # noqa: S506 - a SafeLoader subclass


def safe_load_all(text: str) -> list[Any]:
    return list(yaml.load_all(text, Loader=BoundedSafeLoader))  # noqa: S506 - a SafeLoader subclass
