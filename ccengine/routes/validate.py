"""Whole-graph checks: targets, reachability, inescapable loops, prompts, queues, trunks.

Each problem is a GraphIssue naming the node and the field, so an admin can go
straight to the line to fix. A graph with issues is never published.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from ccengine.routes.document import GraphIssue
from ccengine.routes.model import (
    AnnouncementNode,
    EntryNode,
    HolidayNode,
    QueueNode,
    RouteGraph,
    SurveyNode,
    TimeConditionNode,
    TransferNode,
    VipNode,
    _Node,
)

# Nodes that decide without the caller: a loop made only of these never ends.
DECIDING_ALONE = (EntryNode, TimeConditionNode, HolidayNode, VipNode, AnnouncementNode)

# Field names of each branch, for messages that point at the YAML key.
BRANCH_FIELDS = {"timeout": "on_timeout", "full": "on_full", "empty": "on_empty",
                 "no_answer": "on_no_answer", "busy": "on_busy"}


def validate_graph(graph: RouteGraph, prompts_dir: Path | None = None,
                   calendars: Collection[str] | None = None) -> list[GraphIssue]:
    """Every problem of the graph; an empty list means it can be published.

    ``calendars``: the names of the stored calendars nodes may name; None where no
    database is at hand (a file checked offline): names are then not checked.
    """
    issues = [
        *_unknown_targets(graph),
        *_missing_entry(graph),
        *_unreachable(graph),
        *_endless_loops(graph),
        *_unknown_queues_and_trunks(graph),
        *_surveys(graph),
        *_timezones(graph),
        *_countries(graph),
    ]
    if calendars is not None:
        issues.extend(_unknown_calendars(graph, calendars))
    if prompts_dir is not None:
        issues.extend(_missing_prompts(graph, available_prompts(prompts_dir), prompts_dir))
    return issues


def available_prompts(prompts_dir: Path) -> set[str]:
    return {path.stem for path in prompts_dir.glob("*.wav")}


def branch_field(branch: str) -> str:
    if branch.startswith("option "):
        return f"options.{branch.removeprefix('option ')}"
    return BRANCH_FIELDS.get(branch, branch)


def _unknown_targets(graph: RouteGraph) -> Iterator[GraphIssue]:
    for node_id, node in graph.nodes.items():
        for branch, target in node.edges().items():
            if target not in graph.nodes:
                yield GraphIssue(node_id, branch_field(branch), f"unknown node {target!r}")


def _missing_entry(graph: RouteGraph) -> Iterator[GraphIssue]:
    if not graph.entries():
        yield GraphIssue(None, "nodes", "no entry node: no call can reach this graph")


def _unreachable(graph: RouteGraph) -> Iterator[GraphIssue]:
    reached = _reachable(graph, [node_id for node_id, _ in graph.entries()])
    for node_id, node in graph.nodes.items():
        if node_id not in reached:
            yield GraphIssue(node_id, "kind", f"unreachable: no path from an entry leads to "
                                              f"this {node.kind} node")


def _reachable(graph: RouteGraph, starts: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    stack = list(starts)
    while stack:
        node_id = stack.pop()
        node = graph.nodes.get(node_id)
        if node_id in seen or node is None:
            continue
        seen.add(node_id)
        stack.extend(node.edges().values())
    return seen


def _endless_loops(graph: RouteGraph) -> Iterator[GraphIssue]:
    """Cycles among nodes that decide without the caller: a call would spin forever."""
    alone = {nid: n for nid, n in graph.nodes.items() if isinstance(n, DECIDING_ALONE)}
    reported: set[frozenset[str]] = set()
    for start in alone:
        cycle = _cycle_from(start, alone)
        if cycle and frozenset(cycle) not in reported:
            reported.add(frozenset(cycle))
            path = " → ".join([*cycle, cycle[0]])
            yield GraphIssue(cycle[0], _edge_field(alone[cycle[0]], cycle[1 % len(cycle)]),
                             f"loop no caller input can leave: {path}")


def _cycle_from(start: str, nodes: Mapping[str, _Node]) -> list[str] | None:
    """A cycle through ``start`` using only ``nodes``, as a node list, or None."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node_id, path = stack.pop()
        for target in nodes[node_id].edges().values():
            if target == start:
                return path
            if target in nodes and target not in seen:
                seen.add(target)
                stack.append((target, [*path, target]))
    return None


def _edge_field(node: _Node, target: str) -> str:
    for branch, to in node.edges().items():
        if to == target:
            return branch_field(branch)
    return "kind"


def _unknown_queues_and_trunks(graph: RouteGraph) -> Iterator[GraphIssue]:
    for node_id, node in graph.nodes.items():
        if isinstance(node, QueueNode) and node.queue not in graph.queues:
            known = ", ".join(sorted(graph.queues)) or "none defined"
            yield GraphIssue(node_id, "queue", f"queue {node.queue!r} does not exist "
                                               f"(queues: {known})")
        if isinstance(node, TransferNode) and node.trunk not in graph.trunks:
            known = ", ".join(sorted(graph.trunks)) or "none defined"
            yield GraphIssue(node_id, "trunk", f"trunk {node.trunk!r} does not exist "
                                               f"(trunks: {known})")


def _surveys(graph: RouteGraph) -> Iterator[GraphIssue]:
    """A queue's ``survey`` names a survey node, and only a queue leads to one (it
    rates the agent's call: before a call there is nothing to rate)."""
    for node_id, node in graph.nodes.items():
        for branch, target in node.edges().items():
            target_node = graph.nodes.get(target)
            if target_node is None:
                continue
            is_survey = isinstance(target_node, SurveyNode)
            if branch == "survey" and not is_survey:
                yield GraphIssue(node_id, "survey", f"{target!r} is a {target_node.kind} "
                                                    "node, not a survey node")
            elif is_survey and branch != "survey":
                yield GraphIssue(node_id, branch_field(branch),
                                 f"survey node {target!r} follows an answered call only: "
                                 "name it as a queue node's survey")


def _timezones(graph: RouteGraph) -> Iterator[GraphIssue]:
    if not _known_zone(graph.timezone):
        yield GraphIssue(None, "timezone", f"unknown time zone {graph.timezone!r}")
    for node_id, node in graph.nodes.items():
        zone = getattr(node, "timezone", None)
        if zone is not None and not _known_zone(zone):
            yield GraphIssue(node_id, "timezone", f"unknown time zone {zone!r}")


def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _countries(graph: RouteGraph) -> Iterator[GraphIssue]:
    supported = holidays.list_supported_countries()
    for node_id, node in graph.nodes.items():
        if isinstance(node, HolidayNode) and node.country not in supported:
            yield GraphIssue(node_id, "country", f"no public holidays known for {node.country!r}")


def _unknown_calendars(graph: RouteGraph, known: Collection[str]) -> Iterator[GraphIssue]:
    for node_id, node in graph.nodes.items():
        name = getattr(node, "calendar", None)
        if name is not None and name not in known:
            listed = ", ".join(sorted(known)) or "none defined"
            yield GraphIssue(node_id, "calendar",
                             f"calendar {name!r} does not exist (calendars: {listed})")


def _missing_prompts(graph: RouteGraph, available: set[str],
                     prompts_dir: Path) -> Iterator[GraphIssue]:
    for node_id, node in graph.nodes.items():
        for field, prompt in _prompt_fields(node):
            if prompt not in available:
                yield GraphIssue(node_id, field,
                                 f"prompt {prompt!r} is missing from {prompts_dir}/ "
                                 f"(no {prompt}.wav)")


def _prompt_fields(node: _Node) -> Iterator[tuple[str, str]]:
    for field in ("prompt", "invalid_prompt", "timeout_prompt", "goodbye"):
        value = getattr(node, field, None)
        if isinstance(value, str):
            yield field, value
