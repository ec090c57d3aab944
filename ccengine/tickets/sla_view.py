"""A ticket's SLA as people see it: computed at read time from its stored facts and now.

The stored ``sla_state`` and due columns are for filtering and sorting; what a
ticket shows is ``sla_status`` of its facts at the moment of the request, so it
is never older than the page. The policy is found by the name the ticket stores,
in whatever book of calendars and policies the application holds (``SlaBooks``:
the defaults until the stored, admin-edited book replaces them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from ccengine.sla import (
    DEFAULT_BUSINESS,
    BusinessCalendar,
    CalendarError,
    Pause,
    SlaFacts,
    SlaPolicy,
    default_policies,
    sla_status,
)
from ccengine.sla.moments import state_moments
from ccengine.tickets.models import Ticket


class SlaBook(Protocol):
    """The calendars and policies in force (the stored book has the same two names)."""

    @property
    def calendars(self) -> Mapping[str, BusinessCalendar]: ...

    @property
    def policies(self) -> tuple[SlaPolicy, ...]: ...


class SlaBooks(Protocol):
    """Where the book in force comes from (the stored book's ``SlaBookProvider``)."""

    async def current(self) -> SlaBook: ...


@dataclass(frozen=True)
class DefaultBook:
    calendars: Mapping[str, BusinessCalendar] = field(default_factory=lambda: {
        "business": DEFAULT_BUSINESS, "24/7": BusinessCalendar.always_open()})
    policies: tuple[SlaPolicy, ...] = field(default_factory=default_policies)


class DefaultBooks:
    """The seeds' policies on the default calendars, until the stored book is wired in."""

    def __init__(self, book: SlaBook | None = None) -> None:
        self._book = book or DefaultBook()

    async def current(self) -> SlaBook:
        return self._book


DEFAULT_BOOKS = DefaultBooks()


def policy_named(book: SlaBook, name: str | None) -> SlaPolicy | None:
    return next((policy for policy in book.policies if policy.name == name), None)


def facts_of(ticket: Ticket) -> SlaFacts:
    """The clocks' facts as the row keeps them.

    A stand-in for ``tickets.sla_facts.sla_facts_of`` (its owner's branch), to be
    replaced by it once merged: both read the same columns the same way.
    """
    pauses = [Pause(_aware(start), _aware(end)) for start, end in ticket.sla_pauses or ()]
    if ticket.sla_paused_since is not None:
        pauses.append(Pause(ticket.sla_paused_since, None))
    return SlaFacts(ticket.created_at, ticket.first_response_at, ticket.resolved_at,
                    tuple(pauses))


def ticket_sla(ticket: Ticket, book: SlaBook, now: datetime) -> dict[str, Any] | None:
    """The ``sla`` object of the API; None when the ticket has no policy (or its policy
    or calendar is no longer in the book: nothing honest to show)."""
    policy = policy_named(book, ticket.sla_policy)
    if policy is None:
        return None
    facts = facts_of(ticket)
    try:
        status = sla_status(policy, book.calendars, facts, now)
        moments = state_moments(policy, book.calendars, facts)
    except CalendarError:
        return None
    return {**status.as_api(), "warning_at": _iso(moments.warning_at),
            "breach_at": _iso(moments.breach_at)}


def sla_columns(policy: SlaPolicy, calendars: Mapping[str, BusinessCalendar],
                facts: SlaFacts, now: datetime) -> dict[str, Any]:
    """Every stored SLA column a change of facts recomputes, for the sync to write."""
    status = sla_status(policy, calendars, facts, now)
    moments = state_moments(policy, calendars, facts)
    return {"sla_policy": policy.name,
            "first_response_due_at": status.first_response.due_at,
            "resolution_due_at": status.resolution.due_at,
            "sla_state": status.state.value,
            "sla_warning_at": moments.warning_at,
            "sla_breach_at": moments.breach_at}


def _aware(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
