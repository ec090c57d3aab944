"""Asterisk's queues.conf and queuerules.conf, rendered from route graphs.

The graph is the one place where queues, their agents and their tiers are
written; Asterisk must agree with it or the walk's ``Queue()`` rings nobody,
or rings every tier at once. So these two files are generated, never edited:

- agents are never static members: the tiers say who MAY take a queue's calls, and
  an agent takes them only while logged in at the console, which sends
  ``QueueAdd`` with penalty i for tier i (``QueueRemove`` logs her out). A static
  ``member =>`` line would ring her whether logged in or not, answer her log in
  with "Already there" and refuse her log out, so the tiers are written as
  comments instead: who may log in, with which penalty;
- a queue with more than one tier → a rule named after the queue (the walk
  passes that name to ``Queue()``) whose ``penaltychange`` lines widen the
  caller's QUEUE_MAX_PENALTY to i when tier i opens; QUEUE_MIN_PENALTY stays 0,
  so the earlier tiers keep ringing. Asterisk still prefers the lowest penalty
  it may ring, so an opened tier rings only once the earlier ones are busy,
  paused or away; each line also raises QUEUE_RAISE_PENALTY to i, which puts
  the earlier tiers level with tier i (ringing alongside it) on a call where
  QUEUE_RAISE_PENALTY was set before ``Queue()``, and changes nothing elsewhere;
- the ``joinempty``/``leavewhenempty`` conditions make Asterisk answer
  QUEUESTATUS=JOINEMPTY/LEAVEEMPTY when nobody can take the call, which the
  walk turns into the queue node's ``on_empty`` branch.

Pure functions of the graphs: the same graphs give the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ccengine.routes.model import Queue, QueueNode, RouteGraph
from ccengine.routes.tier_timing import tier_timings

QUEUES_FILE = "queues.conf"
RULES_FILE = "queuerules.conf"

# Asterisk reads [general] of both files as settings, never as a queue or a rule.
RESERVED_NAMES = frozenset({"general"})

# Characters that would cut a member short: a line break ends the queue's comment
# line; ';' and '|' split the fields and members Asterisk persists for logged-in
# agents (persistentmembers); ',' splits a member's fields wherever one is written.
UNSAFE_CHARS = frozenset(";,|\r\n")

# Who counts as "somebody could take the call" (see _empty_settings).
JOIN_EMPTY = "paused,unavailable,invalid"
LEAVE_EMPTY = "unavailable,invalid"


class AsteriskConfigError(ValueError):
    """The graphs cannot be rendered into one consistent Asterisk configuration."""


@dataclass(frozen=True, slots=True)
class QueueSource:
    """One queue as Asterisk will know it, and the graphs that use it."""

    name: str
    queue: Queue
    graphs: tuple[str, ...]
    branches_on_empty: bool  # every queue node sending callers to it has on_empty


# -- collecting -------------------------------------------------------------------


def collect_queues(graphs: Sequence[RouteGraph]) -> list[QueueSource]:
    """Every queue of the graphs, by name; a queue defined differently twice is an error."""
    definitions: dict[str, tuple[Queue, list[str]]] = {}
    for graph in graphs:
        for name, queue in graph.queues.items():
            _check_names(graph.name, name, queue)
            if name not in definitions:
                definitions[name] = (queue, [graph.name])
                continue
            first, users = definitions[name]
            if queue != first:
                raise AsteriskConfigError(
                    f"queue {name!r} is defined differently in graphs {users[0]!r} and "
                    f"{graph.name!r}: Asterisk has one queue of that name, so make the "
                    "definitions equal or rename one")
            if graph.name not in users:
                users.append(graph.name)
    return [
        QueueSource(name, queue, tuple(sorted(users)), _branches_on_empty(graphs, name))
        for name, (queue, users) in sorted(definitions.items())
    ]


def _check_names(graph: str, name: str, queue: Queue) -> None:
    if name.lower() in RESERVED_NAMES:
        raise AsteriskConfigError(f"graph {graph!r}: a queue cannot be called {name!r} "
                                  "(Asterisk reads that section as settings)")
    seen: set[str] = set()
    for tier in queue.tiers:
        for member in tier.members:
            for field, text in (("name", member.name), ("interface", member.interface)):
                if UNSAFE_CHARS & set(text):
                    raise AsteriskConfigError(
                        f"graph {graph!r}, queue {name!r}: member {field} {text!r} may not "
                        "contain ';', ',', '|' or a line break (they end an Asterisk field)")
            if member.interface in seen:
                raise AsteriskConfigError(
                    f"graph {graph!r}, queue {name!r}: {member.interface} is listed twice; "
                    "Asterisk keeps one member per interface, so it can be in one tier only")
            seen.add(member.interface)


def _branches_on_empty(graphs: Iterable[RouteGraph], queue: str) -> bool:
    nodes = [node for graph in graphs for node in graph.nodes.values()
             if isinstance(node, QueueNode) and node.queue == queue]
    return all(node.on_empty is not None for node in nodes)


# -- the tiers as penalties -------------------------------------------------------


def penalty_changes(queue: Queue) -> list[tuple[int, int]]:
    """(after_seconds, i) for each tier i after the first: from that second of the
    wait on, members of penalty i may ring."""
    return [(tier.after_seconds, penalty) for penalty, tier in enumerate(queue.tiers)
            if penalty > 0]


def rule_name(name: str, queue: Queue) -> str | None:
    """The queue rule the walk passes to Queue(): the queue's name, when it has tiers."""
    return name if len(queue.tiers) > 1 else None


# -- rendering --------------------------------------------------------------------


def render_queues_conf(graphs: Sequence[RouteGraph]) -> str:
    sources = collect_queues(graphs)
    lines = [*_header(graphs), *QUEUES_PREAMBLE]
    for source in sources:
        lines.extend(["", *_queue_section(source)])
    return "\n".join(lines) + "\n"


def render_queuerules_conf(graphs: Sequence[RouteGraph]) -> str:
    sources = collect_queues(graphs)
    lines = [*_header(graphs), *RULES_PREAMBLE]
    for source in sources:
        rule = rule_name(source.name, source.queue)
        if rule is None:
            continue
        lines.extend(["", f"[{rule}]", f"; strategy {source.queue.strategy}:"])
        lines.extend(f"; {timing.describe(source.queue.strategy)}"
                     for timing in tier_timings(source.queue))
        lines.extend(_penalty_change(seconds, penalty)
                     for seconds, penalty in penalty_changes(source.queue))
    return "\n".join(lines) + "\n"


def _penalty_change(seconds: int, penalty: int) -> str:
    # <seconds>,<max>,<min>,<raise>: the minimum is left alone (it stays 0).
    return f"penaltychange => {seconds},{penalty},,{penalty}"


def write_asterisk_config(graphs: Sequence[RouteGraph], out_dir: Path) -> list[Path]:
    """Write queues.conf and queuerules.conf into ``out_dir``; the paths written.

    Both are rendered before either is written, so an error leaves the folder as it was.
    """
    texts = {QUEUES_FILE: render_queues_conf(graphs), RULES_FILE: render_queuerules_conf(graphs)}
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for file_name, text in texts.items():
        path = out_dir / file_name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def _header(graphs: Sequence[RouteGraph]) -> list[str]:
    names = ", ".join(sorted({graph.name for graph in graphs})) or "(none)"
    return [
        f"; generated by ccengine asterisk-config from graph(s) {names}",
        "; Do not edit: change the route graph and generate again (ccengine asterisk-config).",
    ]


QUEUES_PREAMBLE = [
    ";",
    "; No static members: agents log in and out at the ccengine console, which sends",
    "; QueueAdd with penalty = tier and QueueRemove. Each queue lists, as comments, who",
    "; may log in to it and with which penalty; never turn those into member => lines",
    "; (a static member is rung even when logged out, and cannot log out). Penalty 0",
    "; rings at once; a later tier joins when queuerules.conf widens the caller's",
    "; QUEUE_MAX_PENALTY. timeout = ring_seconds per agent attempt, retry =",
    "; retry_seconds, wrapuptime = wrapup_seconds, maxlen = max_callers (0: no limit;",
    "; over it QUEUESTATUS=FULL, the node's on_full).",
    "; joinempty/leavewhenempty: when nobody can answer (nobody logged in included),",
    "; Asterisk sets QUEUESTATUS to JOINEMPTY/LEAVEEMPTY and ccengine takes the queue",
    "; node's on_empty branch. 'penalty' is left out on purpose: callers start at",
    "; QUEUE_MAX_PENALTY=0, and with it a queue whose first tier is away would turn",
    "; callers back before the later tiers open. A waiting caller is not sent away",
    "; because every agent paused at once: max_wait bounds the wait.",
    "",
    "[general]",
    "persistentmembers = yes  ; agents logged in (QueueAdd) stay so across a restart",
    "shared_lastcall = yes    ; wrap-up time holds across all the queues of an agent",
]

RULES_PREAMBLE = [
    ";",
    "; One rule per queue with more than one tier, named after the queue: ccengine sets",
    "; QUEUE_MIN_PENALTY=0 and QUEUE_MAX_PENALTY=0 before Queue(<queue>,...,<rule>), and",
    "; penaltychange => <seconds>,<max>,<min>,<raise> lets tier i (penalty i) ring from",
    "; <seconds> on. The minimum is left at 0, so earlier tiers keep ringing. Asterisk",
    "; prefers the lowest penalty it may ring, so tier i rings once the earlier tiers are",
    "; busy, paused or away; <raise> lifts the earlier tiers to penalty i so that all ring",
    "; alike, but only on calls that had QUEUE_RAISE_PENALTY set before Queue() (Asterisk",
    "; ignores it otherwise). Rules apply between ring cycles (timeout + retry): a tier",
    "; opens up to one cycle after its time. Then ringall rings it with the earlier",
    "; tiers at once; linear and rrmemory may try each earlier-tier member first, one",
    "; cycle each; leastrecent, fewestcalls, random and wrandom may keep choosing the",
    "; earlier tiers. Each rule's comments give its tiers' times for its strategy.",
]


def _queue_section(source: QueueSource) -> Iterator[str]:
    queue = source.queue
    yield f"[{source.name}]"
    yield f"; from graph(s) {', '.join(source.graphs)}"
    yield f"strategy = {queue.strategy}"
    yield f"timeout = {queue.ring_seconds}"
    yield f"retry = {queue.retry_seconds}"
    yield f"wrapuptime = {queue.wrapup_seconds}"
    yield f"maxlen = {queue.max_callers}"
    yield "ringinuse = no  ; an agent on a call is not rung again"
    yield "autofill = yes  ; several waiting callers ring several free agents at once"
    yield "announce-frequency = 0  ; ccengine plays its own prompts"
    yield "announce-position = no"
    yield from _empty_settings(source)
    rule = rule_name(source.name, queue)
    if rule is not None:
        yield f"defaultrule = {rule}"
    yield from _who_may_log_in(queue)


def _who_may_log_in(queue: Queue) -> Iterator[str]:
    """The tiers as comments: whom the console logs in here, with which penalty."""
    yield "; who may log in (ccengine console, QueueAdd with this penalty):"
    for penalty, tier in enumerate(queue.tiers):
        when = "at once" if penalty == 0 else f"after {tier.after_seconds} s"
        yield f"; tier {penalty + 1}, penalty {penalty}, rings {when}:"
        for member in tier.members:
            yield f";   {member.interface} ({member.name})"


def _empty_settings(source: QueueSource) -> Iterator[str]:
    if source.branches_on_empty:
        yield f"joinempty = {JOIN_EMPTY}"
        yield f"leavewhenempty = {LEAVE_EMPTY}"
        return
    # A queue node without on_empty would hang up on a caller turned away, so
    # such a queue lets callers in and wait (max_wait) for an agent to come back.
    yield "joinempty = yes  ; a queue node using this queue has no on_empty branch"
    yield "leavewhenempty = no"
