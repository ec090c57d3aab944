"""The alert scheduler's CPU part, run off the event loop: pure, on plain values.

Walking business calendars for each threshold of each clock costs about 0.1 ms a
ticket, 60 ms for a batch of 500: on the event loop that stalls every websocket and
request of the process. So the scheduler copies what it read into ``Snapshot`` values
(cheap, on the loop) and hands the batch to ``asyncio.to_thread``; the thread sees no
ORM object and no session, only these frozen values and the book (immutable).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ccengine.notifications.model import AlertBook, AlertDue, Fired
from ccengine.notifications.rules import due_now, pending_alerts
from ccengine.sla.clock import SlaFacts, sla_status
from ccengine.sla.policy import SlaPolicy

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One ticket as the planner needs it, copied from its row on the loop."""

    number: str
    policy: SlaPolicy | None
    facts: SlaFacts
    fired: frozenset[Fired]


@dataclass(frozen=True, slots=True)
class Plan:
    """What the tick does for one ticket: the alerts due now, and the columns it stores
    when nothing escalates (``next_alert_at`` once those are sent, the state as of now)."""

    due: list[AlertDue]
    next_alert_at: datetime | None
    state: str | None  # None: leave the column as it is (no policy, or cannot compute)


def plan(book: AlertBook, ticket: Snapshot, now: datetime) -> Plan:
    if ticket.policy is None:
        return Plan([], None, None)
    pending = pending_or_none(book, ticket.policy, ticket.number, ticket.facts, ticket.fired)
    if pending is None:
        return Plan([], None, None)
    due = due_now(pending, now)
    later = [alert for alert in pending if alert.moment > now]
    state = sla_status(ticket.policy, book.calendars, ticket.facts, now).state.value
    return Plan(due, later[0].moment if later else None, state)


def plans(book: AlertBook, tickets: Sequence[Snapshot], now: datetime) -> list[Plan]:
    return [plan(book, ticket, now) for ticket in tickets]


def next_moments(book: AlertBook, tickets: Sequence[Snapshot]) -> list[datetime | None]:
    """Each ticket's first alert moment not fired yet (the seeding of old tickets)."""
    found: list[datetime | None] = []
    for ticket in tickets:
        pending = None if ticket.policy is None else pending_or_none(
            book, ticket.policy, ticket.number, ticket.facts, ticket.fired)
        found.append(pending[0].moment if pending else None)
    return found


def pending_or_none(book: AlertBook, policy: SlaPolicy, number: str, facts: SlaFacts,
                    fired: frozenset[Fired] | set[Fired]) -> list[AlertDue] | None:
    """None when the book cannot say (a policy naming a calendar it lacks, facts that
    cannot be): that ticket is left out until its facts or the book change, and the
    tick goes on with the others."""
    try:
        return pending_alerts(policy, book.calendars, facts, fired)
    except ValueError as exc:  # CalendarError, PolicyError, a pause ending before it starts
        log.warning("no SLA alerts for %s: %s", number, exc)
        return None
