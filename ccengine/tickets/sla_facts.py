"""The facts every SLA clock needs, as the ticket row keeps them; pure, no I/O.

A clock is computed, never ticked: from when the ticket was opened, its first
response, its resolution and the spans it was paused. These helpers say what
those columns become after one event at one moment; ``sla_marks`` applies them
to a row, and every path that changes a ticket goes through it.

- First response: the earliest moment of a kind the configuration counts. A
  later response never moves it; an earlier one learned late does (a call's
  record is written when it ends, after a public note written during it).
- Pauses: a ticket waits for its customer with its clocks stopped. One pause is
  open at a time (``paused_since``); closing it appends ``(start, end)`` to the
  closed ones. Whoever decides that the ticket should be paused (the status
  today, a snooze later) says so through ``pauses_after(facts, wanted, at)``:
  a pause already open stays open from its first start.
- Resolution: the moment the ticket was resolved (or closed without being
  resolved first); closing a resolved ticket keeps it. Reopening clears it: the ticket
  was not resolved after all, so its resolution clock runs on from when it was
  opened, the time it spent closed included (the customer was still waiting).
  The first response is kept: the customer did hear from us.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from ccengine.sla.clock import Pause, SlaFacts
from ccengine.tickets.enums import FINISHED, ResponseKind, TicketStatus
from ccengine.tickets.models import Ticket

ClosedPause = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class PauseFacts:
    """The open pause (if any) and the closed ones, oldest first."""

    paused_since: datetime | None = None
    pauses: tuple[ClosedPause, ...] = ()


def sla_facts_of(ticket: Ticket) -> SlaFacts:
    """What the clocks are computed from, as the row keeps it: the closed pauses, then
    the open one."""
    closed = tuple(Pause(start, end) for start, end in pauses_from_json(ticket.sla_pauses))
    still = () if ticket.sla_paused_since is None else (Pause(ticket.sla_paused_since, None),)
    return SlaFacts(ticket.created_at, ticket.first_response_at, ticket.resolved_at,
                    closed + still)


def first_response(current: datetime | None, kind: ResponseKind, at: datetime,
                   counted: Collection[ResponseKind]) -> datetime | None:
    """The first response once a response of ``kind`` happened ``at``: the earlier of
    the two when ``kind`` counts, else unchanged."""
    if kind not in counted:
        return current
    return at if current is None else min(current, at)


def pause_wanted(status: TicketStatus, snoozed: bool = False) -> bool:
    """Whether the clocks stop: a ticket waiting for its customer, or snoozed while open
    (a finished ticket's resolution clock is already stopped by ``resolved_at``)."""
    if status in FINISHED:
        return False
    return status is TicketStatus.WAITING_FOR_CUSTOMER or snoozed


def pauses_after(facts: PauseFacts, wanted: bool, at: datetime) -> PauseFacts:
    """The pauses once the ticket should (``wanted``) or should not be paused ``at``."""
    if wanted and facts.paused_since is None:
        return replace(facts, paused_since=at)
    if not wanted and facts.paused_since is not None:
        return PauseFacts(None, (*facts.pauses, _closed(facts.paused_since, at)))
    return facts


def _closed(start: datetime, end: datetime) -> ClosedPause:
    # A pause closed before it began (a clock that stepped back) lasted nothing.
    return (start, max(start, end))


def resolved_at(current: datetime | None, status: TicketStatus,
                at: datetime) -> datetime | None:
    """When the ticket was resolved: ``at`` when it is resolved or closed now, kept
    while it stays finished (closing a resolved ticket keeps the moment it was
    resolved), None once it is open (reopened: its resolution clock runs on)."""
    if status not in FINISHED:
        return None
    return current or at


def pauses_to_json(pauses: Sequence[ClosedPause]) -> list[list[str]]:
    """The ``sla_pauses`` column: ``[[start, end], ...]`` in ISO 8601, UTC."""
    return [[start.astimezone(UTC).isoformat(), end.astimezone(UTC).isoformat()]
            for start, end in pauses]


def pauses_from_json(raw: Sequence[Sequence[str]] | None) -> tuple[ClosedPause, ...]:
    return tuple((_aware(start), _aware(end)) for start, end in raw or ())


def _aware(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
