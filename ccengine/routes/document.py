"""Route graphs in and out of YAML, with errors that name the node and the field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

from ccengine.routes.model import NODE_KINDS, RouteGraph
from ccengine.routes.yaml_limits import load_bounded


@dataclass(frozen=True, slots=True)
class GraphIssue:
    """One thing wrong with a graph: where (node and field) and what."""

    node: str | None  # None: the graph itself (queues, trunks, timezone, ...)
    field: str
    message: str

    def __str__(self) -> str:
        where = f"node {self.node!r}, field {self.field!r}" if self.node else f"{self.field!r}"
        return f"{where}: {self.message}"

    def as_json(self) -> dict[str, str | None]:
        return {"node": self.node, "field": self.field, "message": self.message}


class GraphInvalid(Exception):
    def __init__(self, issues: list[GraphIssue]) -> None:
        self.issues = issues
        super().__init__("; ".join(str(issue) for issue in issues))


def parse_graph(text: str) -> RouteGraph:
    """A graph from YAML text; GraphInvalid lists every problem found."""
    return graph_from_data(load_graph_yaml(text))


def load_graph_yaml(text: str) -> Any:
    """The YAML document in ``text`` (bounded in depth and size); GraphInvalid if it is none."""
    try:
        return load_bounded(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "document"
        raise GraphInvalid([GraphIssue(None, where, f"not valid YAML: {exc}")]) from None


def graph_from_data(data: Any) -> RouteGraph:
    if not isinstance(data, dict):
        raise GraphInvalid([GraphIssue(None, "document", "a route graph is a mapping")])
    try:
        return RouteGraph.model_validate(data)
    except ValidationError as exc:
        raise GraphInvalid([_issue(error) for error in exc.errors()]) from None


def dump_graph(graph: RouteGraph) -> str:
    data = graph.model_dump(mode="json", exclude_defaults=True, by_alias=True)
    for node_id, node in graph.nodes.items():
        data["nodes"][node_id]["kind"] = node.kind  # a default, but the tag must stay
    data["name"] = graph.name
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _issue(error: Any) -> GraphIssue:
    loc = [str(part) for part in error["loc"]]
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "union_tag_invalid":
        message = f"kind must be one of {', '.join(NODE_KINDS)}"
    elif error["type"] == "union_tag_not_found":
        message = f"a node needs a kind ({', '.join(NODE_KINDS)})"
    if len(loc) >= 2 and loc[0] == "nodes":
        rest = loc[2:]
        if rest and rest[0] in NODE_KINDS:
            rest = rest[1:]  # the discriminated union puts the kind in the path
        return GraphIssue(loc[1], ".".join(rest) or "kind", message)
    return GraphIssue(None, ".".join(loc) or "document", message)
