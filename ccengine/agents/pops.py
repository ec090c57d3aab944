"""Building a screen-pop from an AgentCalled: what the event and the live route
walk tell at once, then the ticket and customer the database adds."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from ccengine.agents.call_tickets import NEW_TICKET, CallTicket, RingFacts
from ccengine.agents.pop import (
    RECENT_TICKETS,
    CustomerFacts,
    Pop,
    current_queue_node,
    describe_path,
)
from ccengine.ami import events as ev
from ccengine.calls.state import DIGITS
from ccengine.config import TicketsConfig
from ccengine.routes.model import RouteGraph
from ccengine.routes.routing import Routing
from ccengine.routes.walk import PathStep, took_vip_branch
from ccengine.tickets.enums import Priority
from ccengine.tickets.phones import normalise


def _walk(routing: Routing | None, pbx: str,
          linkedid: str) -> tuple[RouteGraph | None, tuple[PathStep, ...]]:
    if routing is None:
        return None, ()
    live = routing.executor.live_path(pbx, linkedid)
    if live is None:
        return None, ()
    name, steps = live
    graph = next((r.graph for r in routing.book.routes if r.graph.name == name), None)
    return graph, steps


def ringing_pop(event: ev.AgentRang, joined_at: datetime | None, routing: Routing | None,
                tickets: TicketsConfig) -> Pop:
    channel, region = event.channel, tickets.default_region
    graph, steps = _walk(routing, event.pbx, event.linkedid)
    path, summary = describe_path(graph, steps)
    waited = (event.at - joined_at).total_seconds() if joined_at else 0.0
    return Pop(
        pbx=event.pbx, linkedid=event.linkedid, interface=event.interface,
        caller_number=normalise(channel.caller_num, region), caller_name=channel.caller_name,
        did=normalise(channel.exten, region) if DIGITS.match(channel.exten) else None,
        queue=event.queue, wait_seconds=max(0, round(waited)), rang_at=event.at,
        ivr_path=tuple(path), ivr_summary=summary, policy=queue_policy(graph, event.queue),
        disposition_required=_disposition_required(graph, event.queue),
    )


def ring_facts(event: ev.ChannelEvent, queue: str, routing: Routing | None,
               tickets: TicketsConfig) -> RingFacts:
    """What the call's ticket is opened with (at queue join or at the first ring)."""
    graph, steps = _walk(routing, event.pbx, event.linkedid)
    found = current_queue_node(graph, steps)
    urgency = found[1].ticket_priority if found else None
    return RingFacts(
        pbx=event.pbx, linkedid=event.linkedid,
        caller=normalise(event.channel.caller_num, tickets.default_region),
        caller_name=event.channel.caller_name, queue=queue, at=datetime.now(UTC),
        urgency=Priority(urgency) if urgency else None, vip=took_vip_branch(steps),
        policy=queue_policy(graph, queue),
    )


def _disposition_required(graph: RouteGraph | None, queue: str) -> bool:
    definition = graph.queues.get(queue) if graph is not None else None
    return definition is not None and definition.disposition_required


def queue_policy(graph: RouteGraph | None, queue: str) -> str:
    """The queue's ``call_tickets`` policy; "new" where the graph is not known."""
    definition = graph.queues.get(queue) if graph is not None else None
    return definition.call_tickets if definition is not None else NEW_TICKET


def completed(pop: Pop, ticket: CallTicket | None, customer: CustomerFacts | None) -> Pop:
    """The pop with what the database added; the call's own ticket is not "recent"."""
    ticket = ticket or pop.ticket
    customer = customer or pop.customer
    if customer is not None:
        recent = tuple(t for t in customer.recent if not ticket or t["number"] != ticket.number)
        customer = replace(customer, recent=recent[:RECENT_TICKETS])
    return replace(pop, ticket=ticket, customer=customer)
