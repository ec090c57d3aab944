"""The SLA facts on the ticket row, kept right by every path that changes a ticket.

Every status change goes through ``move_status`` (the service's edits, the
agent's wrap-up, a call's outcome, a reached callback, a lost call) and every
response to the customer through ``mark_response``. They only change the row;
the caller's transaction writes it with the change itself, so the facts can
never disagree with the status history. The rules are in ``sla_facts``.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from ccengine.calls.model import FinishedCall, Outcome, is_own_call
from ccengine.tickets.enums import FINISHED, ResponseKind, TicketStatus
from ccengine.tickets.models import Ticket
from ccengine.tickets.sla_facts import (
    PauseFacts,
    first_response,
    pause_wanted,
    pauses_after,
    pauses_from_json,
    pauses_to_json,
    resolved_at,
)


def move_status(ticket: Ticket, status: TicketStatus, at: datetime) -> None:
    """Set the status ``at``, with what follows from it: closed_at, resolved_at and
    the pause of a ticket waiting for its customer or snoozed. Finished work has
    nothing to wake for: resolving or closing a snoozed ticket ends its snooze."""
    ticket.status = status
    ticket.closed_at = at if status is TicketStatus.CLOSED else None
    ticket.resolved_at = resolved_at(ticket.resolved_at, status, at)
    if status in FINISHED:
        ticket.snoozed_until = None
    set_paused(ticket, pause_wanted(status, ticket.snoozed_until is not None), at)


def set_paused(ticket: Ticket, wanted: bool, at: datetime) -> None:
    """Open or close the ticket's pause (the status's or a snooze's)."""
    before = pause_facts_of(ticket)
    after = pauses_after(before, wanted, at)
    if after == before:
        return  # leave the JSON column untouched: no needless UPDATE
    ticket.sla_paused_since = after.paused_since
    ticket.sla_pauses = pauses_to_json(after.pauses)


def pause_facts_of(ticket: Ticket) -> PauseFacts:
    return PauseFacts(ticket.sla_paused_since, pauses_from_json(ticket.sla_pauses))


def mark_response(ticket: Ticket, kind: ResponseKind, at: datetime,
                  counted: Collection[ResponseKind]) -> None:
    """A response of ``kind`` reached the customer ``at``; the first one counted is kept."""
    ticket.first_response_at = first_response(ticket.first_response_at, kind, at, counted)


def agent_answer(call: FinishedCall) -> datetime | None:
    """When an agent answered this inbound call; None for a missed call, one an external
    number took, or the engine's own click-to-call (a callback: its outcome counts)."""
    if call.outcome is not Outcome.ANSWERED or is_own_call(call.linkedid):
        return None
    return call.answered_at
