"""The clocks' results on the ticket row, recomputed in the transaction that changes it.

Lists sort and filter by the due times and the alert scheduler scans them, so
they are stored; they are recomputed from the facts (``sla_facts_of``) whenever
a ticket is created or changed (status, priority, queue, a response), with the
policy chosen anew: a priority or queue change may change the promise. The
state stored is the one at that moment; the scheduler moves it on later.

Policies and calendars come from a provider handed to whoever writes tickets. The
default one reads the stored policies and calendars (what admins edit, ccengine.sla)
in the writer's own transaction, so every process and every writer follows an edit
at once, with no wiring: one cheap stamp query per transaction, a reload only when
the stamp moved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from weakref import WeakKeyDictionary

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.notifications.rules import next_alert_at
from ccengine.sla.book import Stamp, book_stamp, load_book
from ccengine.sla.calendar import DEFAULT_BUSINESS, BusinessCalendar
from ccengine.sla.clock import sla_status
from ccengine.sla.moments import state_moments
from ccengine.sla.policy import SlaPolicy, choose_policy, default_policies
from ccengine.tickets.enums import Priority
from ccengine.tickets.models import Customer, Ticket
from ccengine.tickets.sla_facts import sla_facts_of

CHUNK = 500  # bound parameters per IN (...), well under every driver's limit


@dataclass(frozen=True)
class SlaRules:
    policies: Sequence[SlaPolicy]
    calendars: Mapping[str, BusinessCalendar]


class SlaProvider(Protocol):
    async def rules(self, session: AsyncSession) -> SlaRules:
        """The policies and calendars in force, read in the writer's transaction."""
        ...


def _default_rules() -> SlaRules:
    calendars = (DEFAULT_BUSINESS, BusinessCalendar.always_open())
    return SlaRules(default_policies(), {calendar.name: calendar for calendar in calendars})


@dataclass(frozen=True)
class DefaultSla:
    """The seeds' promises on the default calendars, fixed: pure code and tests."""

    fixed: SlaRules = field(default_factory=_default_rules)

    async def rules(self, session: AsyncSession) -> SlaRules:
        return self.fixed


class StoredSla:
    """The stored policies and calendars, read through the writer's session.

    Cached per database engine; the stamp (row counts, versions, last write) is read
    in every transaction, so an edit made by any process counts from its commit on.
    """

    def __init__(self) -> None:
        self._cache: WeakKeyDictionary[Engine, tuple[Stamp, SlaRules]] = WeakKeyDictionary()

    async def rules(self, session: AsyncSession) -> SlaRules:
        engine = session.sync_session.get_bind()
        assert isinstance(engine, Engine)
        stamp = await book_stamp(session)
        cached = self._cache.get(engine)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        book = await load_book(session)
        rules = SlaRules(book.policies, book.calendars)
        self._cache[engine] = (stamp, rules)
        return rules


DEFAULT_SLA = StoredSla()


@dataclass(frozen=True, slots=True)
class SlaColumns:
    policy: str | None = None
    first_response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    state: str | None = None
    warning_at: datetime | None = None
    breach_at: datetime | None = None
    next_alert_at: datetime | None = None  # for the alert scheduler's range scan


def sla_columns(ticket: Ticket, rules: SlaRules, vip: bool, now: datetime) -> SlaColumns:
    """The clocks' results for this ticket ``now``; all None when no policy applies."""
    policy = choose_policy(rules.policies, Priority(ticket.priority), ticket.queue, None, vip)
    if policy is None:
        return SlaColumns()
    facts = sla_facts_of(ticket)
    status = sla_status(policy, rules.calendars, facts, now)
    moments = state_moments(policy, rules.calendars, facts)
    # What fired is not read here: a moment already alerted costs the scheduler one visit.
    alert_at = next_alert_at(policy, rules.calendars, facts, ())
    return SlaColumns(policy.name, status.first_response.due_at, status.resolution.due_at,
                      status.state.value, moments.warning_at, moments.breach_at, alert_at)


async def sync_sla(session: AsyncSession, tickets: Iterable[Ticket], provider: SlaProvider,
                   now: datetime) -> None:
    """Store each ticket's clocks as of ``now``. Flushes first: new tickets and
    customers get their ids, so the VIP flags are read in one query."""
    touched = list(dict.fromkeys(tickets))
    if not touched:
        return
    await session.flush()
    rules = await provider.rules(session)
    vips = await _vip_customers(session, {t.customer_id for t in touched if t.customer_id})
    for ticket in touched:
        _store(ticket, sla_columns(ticket, rules, ticket.customer_id in vips, now))


def touched_tickets(session: AsyncSession) -> list[Ticket]:
    """The tickets this unit of work created or changed so far."""
    return [row for row in (*session.new, *session.dirty) if isinstance(row, Ticket)]


async def sync_touched(session: AsyncSession, provider: SlaProvider, now: datetime) -> None:
    """``sync_sla`` over every ticket this unit of work created or changed."""
    await sync_sla(session, touched_tickets(session), provider, now)


async def _vip_customers(session: AsyncSession, ids: set[int]) -> set[int]:
    found: set[int] = set()
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start:start + CHUNK]
        query = select(Customer.id).where(Customer.id.in_(chunk), Customer.vip.is_(True))
        found.update(await session.scalars(query))
    return found


def _store(ticket: Ticket, columns: SlaColumns) -> None:
    ticket.sla_policy = columns.policy
    ticket.first_response_due_at = columns.first_response_due_at
    ticket.resolution_due_at = columns.resolution_due_at
    ticket.sla_state = columns.state
    ticket.sla_warning_at = columns.warning_at
    ticket.sla_breach_at = columns.breach_at
    ticket.sla_next_alert_at = columns.next_alert_at
