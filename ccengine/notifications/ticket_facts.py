"""A ticket row's SLA facts and policy, as the alert scheduler reads them."""

from __future__ import annotations

from ccengine.notifications.model import AlertBook
from ccengine.sla.policy import SlaPolicy, choose_policy
from ccengine.tickets.enums import Priority
from ccengine.tickets.models import Ticket
from ccengine.tickets.sla_facts import sla_facts_of

facts_of = sla_facts_of


def policy_of(book: AlertBook, ticket: Ticket, vip: bool) -> SlaPolicy | None:
    """The policy the SLA sync recorded when the book still has it, else the book's choice
    (a ticket the sync has not seen yet)."""
    named = next((p for p in book.policies if p.name == ticket.sla_policy), None)
    if named is not None:
        return named
    try:
        priority = Priority(ticket.priority)
    except ValueError:
        return None
    return choose_policy(book.policies, priority, ticket.queue, None, vip)
