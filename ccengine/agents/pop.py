"""The screen-pop: what an agent sees when a call rings them.

``Pop`` is plain data; ``describe_path`` turns a route walk in progress into
the IVR path a person reads ("menu 3 → Reklamacje"). The caller's customer
and recent tickets are read in batches (``customer_reader``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from ccengine.agents.call_tickets import CallTicket
from ccengine.routes.model import QueueNode, RouteGraph
from ccengine.routes.walk import PathStep
from ccengine.tickets.filters import Viewer, can_see

RECENT_TICKETS = 5


class PopState(StrEnum):
    RINGING = "ringing"
    CONNECTED = "connected"
    WRAP_UP = "wrap_up"
    MISSED = "missed"


@dataclass(frozen=True, slots=True)
class CustomerFacts:
    name: str | None
    vip: bool
    recent: tuple[dict[str, Any], ...] = ()  # {"number", "title", "status", "created_at"}

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "vip": self.vip}


@dataclass(frozen=True, slots=True)
class Pop:
    pbx: str
    linkedid: str
    interface: str
    caller_number: str | None  # E.164
    caller_name: str | None
    did: str | None
    queue: str
    wait_seconds: int  # in the queue before it rang this agent
    rang_at: datetime
    ivr_path: tuple[str, ...] = ()
    ivr_summary: str = ""
    customer: CustomerFacts | None = None
    ticket: CallTicket | None = None
    state: PopState = PopState.RINGING
    policy: str = "new"  # the queue's ``call_tickets``: the wrap-up form's default
    disposition_required: bool = False  # the queue's: the wrap-up must name one

    def moved(self, state: PopState) -> Pop:
        return replace(self, state=state)

    def as_json(self) -> dict[str, Any]:
        customer = self.customer
        return {
            "linkedid": self.linkedid, "caller_number": self.caller_number,
            "caller_name": self.caller_name, "did": self.did, "queue": self.queue,
            "wait_seconds": self.wait_seconds, "rang_at": self.rang_at.isoformat(),
            "ivr_path": list(self.ivr_path), "ivr_summary": self.ivr_summary,
            "customer": customer.as_json() if customer and (customer.name or customer.vip)
            else None,
            "recent_tickets": list(customer.recent) if customer else [],
            "ticket": self.ticket.as_json() if self.ticket else None,
            "state": self.state.value,
            "call_tickets": self.policy, "disposition_required": self.disposition_required,
        }


def describe_path(graph: RouteGraph | None, steps: Sequence[PathStep]) -> tuple[list[str], str]:
    """The caller's choices and where they led: (["Menu główne: 3", "Reklamacje"],
    "menu 3 → Reklamacje"). A queue still running is the target of the last step."""
    items: list[str] = []
    summary: list[str] = []
    for step in steps:
        label = _label(graph, step.node)
        if step.kind == "menu" and step.branch.startswith("option "):
            digit = step.branch.removeprefix("option ")
            items.append(f"{label}: {digit}")
            summary.append(f"menu {digit}")
        elif step.kind == "menu" and step.branch == "fallback":
            items.append(f"{label}: –")
            summary.append("menu –")
        elif step.kind == "vip" and step.branch == "vip":
            items.append("VIP")
            summary.append("VIP")
        elif step.kind == "queue":
            items.append(label)
            summary.append(label)
    current = _current_queue(graph, steps)
    if current is not None and (not items or items[-1] != current):
        items.append(current)
        summary.append(current)
    return items, " → ".join(summary)


def _label(graph: RouteGraph | None, node_id: str) -> str:
    node = graph.nodes.get(node_id) if graph else None
    return (node.label if node is not None else None) or node_id


def _current_queue(graph: RouteGraph | None, steps: Sequence[PathStep]) -> str | None:
    found = current_queue_node(graph, steps)
    return _label(graph, found[0]) if found else None


def current_queue_node(graph: RouteGraph | None,
                       steps: Sequence[PathStep]) -> tuple[str, QueueNode] | None:
    """The queue node a call waits in: where its walk's last step led."""
    if graph is None or not steps:
        return None
    last = steps[-1]
    node = graph.nodes.get(last.node)
    target = node.edges().get(last.branch) if node is not None else None
    reached = graph.nodes.get(target) if target else None
    return (target, reached) if isinstance(reached, QueueNode) and target else None


def seen_by(message: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
    """A pop message as ``viewer`` may see it: the caller's earlier tickets only
    where she may open them (a link to a ticket she may not open would be a 404)."""
    pop = message.get("pop") if message.get("type") == "pop" else None
    if not pop or not pop.get("recent_tickets"):
        return message
    recent = [ticket for ticket in pop["recent_tickets"]
              if can_see(viewer, ticket.get("assignee"), ticket["status"])]
    return {**message, "pop": {**pop, "recent_tickets": recent}}
