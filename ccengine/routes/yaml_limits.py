"""Loading untrusted YAML with bounds on nesting and on the number of nodes.

PyYAML composes nested collections recursively: a document nested 200,000
deep ran for seconds and ended in RecursionError. ``load_bounded`` counts
while composing and stops at ``max_depth`` levels or ``max_nodes`` nodes with
``YamlTooLarge`` (a ``yaml.YAMLError``, so callers' YAML error handling
already covers it). Aliases (``*name``) are refused: they re-use nodes uncounted.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_DEPTH = 50  # a route graph is about 6 levels deep
MAX_NODES = 100_000  # scalars and collections; the example graph has about 1,500


class YamlTooLarge(yaml.YAMLError):
    """The document is nested too deep or has too many nodes."""


class _BoundedLoader(yaml.SafeLoader):
    depth_limit = MAX_DEPTH
    node_limit = MAX_NODES

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        # An alias re-uses a node without composing it again, so it slips past both
        # counts: ten levels of ten aliases each expand to 10**10 values when loaded.
        if self.check_event(yaml.AliasEvent):
            raise YamlTooLarge("aliases are not allowed")
        self._depth += 1
        self._nodes += 1
        if self._depth > self.depth_limit:
            raise YamlTooLarge(f"nested deeper than {self.depth_limit} levels")
        if self._nodes > self.node_limit:
            raise YamlTooLarge(f"more than {self.node_limit} YAML nodes")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_bounded(text: str) -> Any:
    """``yaml.safe_load`` of ``text``, refusing documents past the limits."""
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
