"""A ticket row's SLA facts and policy, as the alert scheduler reads them.

Stand-in for ``tickets.sla_facts.sla_facts_of`` (on wip/slafacts): once that is on
main, ``facts_of`` should call it.
"""

from __future__ import annotations

from datetime import datetime

from ccengine.notifications.model import AlertBook
from ccengine.sla.clock import Pause, SlaFacts
from ccengine.sla.policy import SlaPolicy, choose_policy
from ccengine.tickets.enums import Priority, TicketStatus
from ccengine.tickets.models import Ticket


def facts_of(ticket: Ticket) -> SlaFacts:
    pauses = [Pause(datetime.fromisoformat(start), datetime.fromisoformat(end))
              for start, end in ticket.sla_pauses or []]
    if ticket.sla_paused_since is not None:
        pauses.append(Pause(ticket.sla_paused_since, None))
    # A closed ticket not yet given its resolution time counts as resolved when closed.
    resolved = ticket.resolved_at or (
        ticket.closed_at if ticket.status == TicketStatus.CLOSED else None)
    return SlaFacts(ticket.created_at, ticket.first_response_at, resolved, tuple(pauses))


def policy_of(book: AlertBook, ticket: Ticket, vip: bool) -> SlaPolicy | None:
    """The ticket's recorded policy when the book still has it, else the book's choice."""
    named = next((p for p in book.policies if p.name == ticket.sla_policy), None)
    if named is not None:
        return named
    try:
        priority = Priority(ticket.priority)
    except ValueError:
        return None
    return choose_policy(book.policies, priority, ticket.queue, None, vip)
