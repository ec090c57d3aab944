"""A breached clock's escalation, applied to the ticket with its audit activities."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ccengine.notifications.model import SLA_AUTHOR, Person
from ccengine.notifications.rules import Escalation, TicketFields, escalations
from ccengine.sla.policy import EscalationAction
from ccengine.tickets.enums import ActivityKind
from ccengine.tickets.models import Ticket, TicketActivity

# Moving queue has no activity kind of its own yet: it is a note that says so.
_KINDS = {"priority": ActivityKind.PRIORITY_CHANGE, "assignee": ActivityKind.ASSIGNMENT,
          "queue": ActivityKind.NOTE}


def escalate(ticket: Ticket, actions: Sequence[EscalationAction], clock: str,
             leaders: Sequence[Person], at: datetime) -> list[TicketActivity]:
    """Apply the policy's actions to ``ticket``; one activity per field that moved,
    "SLA: resolution breached — priority P2 → P1"."""
    current = TicketFields(ticket.priority, ticket.assignee, ticket.queue)
    planned = escalations(actions, current, leaders)
    for change in planned:
        setattr(ticket, change.field, change.new)
    if planned:
        ticket.updated_at = at
    return [_activity(ticket, change, clock, at) for change in planned]


def _activity(ticket: Ticket, change: Escalation, clock: str, at: datetime) -> TicketActivity:
    return TicketActivity(
        ticket=ticket, kind=_KINDS[change.field], body=change.body(clock),
        data={"from": change.old, "to": change.new, "sla_clock": clock, "field": change.field},
        author=SLA_AUTHOR, created_at=at)
