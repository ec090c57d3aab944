"""Tickets with SLA facts, stored as the ticket service's SLA sync stores them.

``stored_at`` is when the stored columns were last recomputed: a test that reads
later sees how far a stale ``sla_state`` may be from the truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ccengine.db import Database
from ccengine.sla import Pause
from ccengine.sla.moments import state_moments
from ccengine.tickets.models import Ticket
from ccengine.tickets.sla_facts import sla_facts_of
from ccengine.tickets.sla_sync import DefaultSla, sla_columns
from ccengine.tickets.sla_view import policy_named

RULES = DefaultSla().fixed


@dataclass(frozen=True)
class SlaTicket:
    number: str
    opened: datetime
    policy: str | None = "P1"
    status: str = "new"
    assignee: str | None = None
    responded: datetime | None = None
    resolved: datetime | None = None
    pauses: tuple[Pause, ...] = ()
    stored_at: datetime | None = None  # None: when last touched (opened, responded, ...)
    title: str = "Zgłoszenie"

    def row(self) -> Ticket:
        closed = [(p.start.isoformat(), p.end.isoformat()) for p in self.pauses
                  if p.end is not None]
        open_pause = next((p.start for p in self.pauses if p.end is None), None)
        ticket = Ticket(number=self.number, title=self.title, status=self.status,
                        priority=(self.policy or "P3")[:2], kind="call", queue="sales",
                        assignee=self.assignee, source_channel="phone",
                        created_at=self.opened, updated_at=self.opened,
                        closed_at=self.resolved, first_response_at=self.responded,
                        resolved_at=self.resolved, sla_paused_since=open_pause,
                        sla_pauses=[list(pair) for pair in closed])
        if self.policy is not None:
            self._store_sla(ticket, self.stored_at or self._last_touched())
        return ticket

    @staticmethod
    def _store_sla(ticket: Ticket, at: datetime) -> None:
        """What the SLA sync stores (the policy chosen by priority), with the two moments
        of ``sla.moments`` (which ``sla_sync`` is to store as well)."""
        columns = sla_columns(ticket, RULES, False, at)
        ticket.sla_policy, ticket.sla_state = columns.policy, columns.state
        ticket.first_response_due_at = columns.first_response_due_at
        ticket.resolution_due_at = columns.resolution_due_at
        policy = policy_named(RULES, columns.policy)
        assert policy is not None
        moments = state_moments(policy, RULES.calendars, sla_facts_of(ticket))
        ticket.sla_warning_at, ticket.sla_breach_at = moments.warning_at, moments.breach_at

    def _last_touched(self) -> datetime:
        moments = [self.opened, self.responded, self.resolved,
                   *(moment for p in self.pauses for moment in (p.start, p.end))]
        return max(moment for moment in moments if moment is not None)


async def store(database: Database, tickets: list[SlaTicket]) -> None:
    async with database.writer() as session:
        session.add_all(ticket.row() for ticket in tickets)
        await session.commit()


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def minutes(count: float) -> timedelta:
    return timedelta(minutes=count)
