"""The SLA alert scheduler: each tick, tickets whose next alert moment has passed get
their alerts, each (ticket, clock, threshold) once across restarts and processes.

One tick is one indexed range scan (``tickets.sla_next_alert_at <= now``) in bounded
batches. On PostgreSQL a batch locks its tickets ``FOR UPDATE SKIP LOCKED``, so
several schedulers share the work; on SQLite writers take turns. Whatever the race,
an alert row is inserted-or-skipped under its unique key and only the transaction
whose insert happened writes the notifications and escalates: they commit
together, and are published on the websocket only after the commit.

Tickets whose next moment was never computed (opened before the SLA facts' sync
keeps the column) are seeded first, by id, once per process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.automation.recording import sla_threshold_reached
from ccengine.db import Database
from ccengine.notifications.alert_rows import AlertKey, fired_alerts, insert_or_skip
from ccengine.notifications.escalating import escalate
from ccengine.notifications.model import (
    SLA_KIND,
    AlertBook,
    AlertBookProvider,
    AlertDue,
    AlertMail,
    Fired,
    QueueMembers,
)
from ccengine.notifications.people import People
from ccengine.notifications.planning import Plan, Snapshot, next_moments, pending_or_none, plans
from ccengine.notifications.rules import alert_body, alert_title, recipients
from ccengine.notifications.service import new_notification, view_of
from ccengine.notifications.storage_models import Notification
from ccengine.notifications.ticket_facts import facts_of, policy_of
from ccengine.sla.clock import sla_status
from ccengine.tickets.enums import FINISHED
from ccengine.tickets.models import Customer, Ticket
from ccengine.tickets.sla_sync import DEFAULT_SLA, SlaProvider, sync_sla
from ccengine.webhooks.recording import sla_alert

log = logging.getLogger(__name__)

DEFAULT_EVERY = 30.0  # seconds between ticks
DEFAULT_BATCH = 500  # tickets per transaction
MAX_BATCHES = 200  # per tick and pass: a tick always ends
FLUSH_EVERY = 50  # tickets: one flush of a whole batch held the event loop ~40 ms
Publish = Callable[[int, dict[str, Any]], object]  # (user id, message)
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class TickReport:
    alerts: int = 0  # alert rows this scheduler inserted
    notifications: int = 0
    tickets: int = 0  # tickets looked at
    fired: list[tuple[int, str, int, datetime]] = field(default_factory=list)


@dataclass
class AlertScheduler:
    database: Database
    books: AlertBookProvider
    members: QueueMembers | None = None
    publish: Publish | None = None
    batch: int = DEFAULT_BATCH
    clock: Clock = utc_now
    sla: SlaProvider = DEFAULT_SLA  # the SLA sync's, after an escalation
    mail: AlertMail | None = None  # users have no e-mail address yet: the hook is here
    _seeded_after: int = 0  # tickets up to this id have had their next moment computed

    async def run(self, every: float = DEFAULT_EVERY) -> None:
        """Tick for ever; a failed tick (a database hiccup) is logged and retried."""
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("SLA alert tick failed")
            await asyncio.sleep(every)

    async def tick(self, now: datetime | None = None) -> TickReport:
        now = now or self.clock()
        book = await self.books.current()
        report = TickReport()
        for _ in range(MAX_BATCHES):
            if not await self._seed(book):
                break
        for _ in range(MAX_BATCHES):
            looked = await self._fire_batch(book, now, report)
            if looked < self.batch:
                break
        return report

    # -- seeding -------------------------------------------------------------

    async def _seed(self, book: AlertBook) -> bool:
        """Compute the next moment of one batch of never-computed open tickets."""
        async with self.database.writer() as session:
            query = (select(Ticket, Customer.vip).outerjoin(Customer)
                     .where(Ticket.id > self._seeded_after, Ticket.sla_next_alert_at.is_(None),
                            Ticket.status.not_in(FINISHED))
                     .order_by(Ticket.id).limit(self.batch))
            rows = list((await session.execute(query)).all())
            fired = await fired_alerts(session, [ticket.id for ticket, _ in rows])
            snapshots = [_snapshot(book, ticket, bool(vip), fired) for ticket, vip in rows]
            moments = await asyncio.to_thread(next_moments, book, snapshots)
            for (ticket, _), moment in zip(rows, moments, strict=True):
                ticket.sla_next_alert_at = moment
            await session.commit()
        if rows:
            self._seeded_after = rows[-1][0].id
        return len(rows) == self.batch

    # -- firing --------------------------------------------------------------

    async def _fire_batch(self, book: AlertBook, now: datetime, report: TickReport) -> int:
        outgoing: list[Notification] = []
        async with self.database.writer() as session:
            rows = list((await session.execute(self._due_query(now))).all())
            fired = await fired_alerts(session, [ticket.id for ticket, _ in rows])
            snapshots = [_snapshot(book, ticket, bool(vip), fired) for ticket, vip in rows]
            # The calendars' arithmetic off the loop: 500 tickets are ~60 ms of CPU.
            planned = await asyncio.to_thread(plans, book, snapshots, now)
            plans_ = [_Plan(ticket, bool(vip), snapshot, done)
                      for (ticket, vip), snapshot, done in zip(rows, snapshots, planned,
                                                               strict=True)]
            inserted = await insert_or_skip(
                session, [(plan.ticket.id, alert) for plan in plans_ for alert in plan.due], now)
            people = await People.load(session, self.members) if inserted else None
            for number, plan in enumerate(plans_, 1):
                outgoing += await self._fire_ticket(session, book, people, plan, inserted,
                                                    now, report)
                if number % FLUSH_EVERY == 0:  # the unit of work's CPU in short stretches
                    await session.flush()
            await session.commit()
        report.tickets += len(rows)
        report.notifications += len(outgoing)
        self._send(outgoing)
        return len(rows)

    def _due_query(self, now: datetime) -> Any:
        query = (select(Ticket, Customer.vip).outerjoin(Customer)
                 .where(Ticket.sla_next_alert_at <= now)
                 .order_by(Ticket.sla_next_alert_at, Ticket.id).limit(self.batch))
        if self.database.dialect_name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=Ticket)
        return query

    async def _fire_ticket(self, session: AsyncSession, book: AlertBook, people: People | None,
                           plan: _Plan, inserted: set[AlertKey], now: datetime,
                           report: TickReport) -> list[Notification]:
        ticket, outgoing, escalated = plan.ticket, list[Notification](), False
        for alert in plan.due:
            if (ticket.id, alert.clock, alert.threshold) not in inserted or people is None:
                continue  # another scheduler sent it
            report.alerts += 1
            report.fired.append((ticket.id, alert.clock, alert.threshold, alert.moment))
            sla_threshold_reached(session, ticket, alert.clock, alert.threshold)  # rules' event
            await sla_alert(session, ticket, alert.clock, alert.threshold, now)  # webhooks'
            leaders = people.leaders(ticket.queue)
            to = recipients(people.assignee(ticket.assignee), leaders)
            for person in to:
                outgoing.append(_notification(person.user_id, ticket, alert, now))
                if self.mail is not None:
                    await self.mail.queue(session, person, outgoing[-1])
            if alert.threshold >= 100 and plan.snapshot.policy is not None:
                changes = escalate(ticket, plan.snapshot.policy.escalation, alert.clock,
                                   leaders, now)
                session.add_all(changes)
                escalated = escalated or bool(changes)
        session.add_all(outgoing)
        if escalated:  # a new priority or queue may mean a new promise: computed anew
            await sync_sla(session, [ticket], self.sla, now)
            done = plan.snapshot.fired | {(alert.clock, alert.threshold) for alert in plan.due}
            self._move_on(book, ticket, plan.vip, done, now)
        else:  # as planned off the loop
            ticket.sla_next_alert_at = plan.planned.next_alert_at
            if plan.planned.state is not None:
                ticket.sla_state = plan.planned.state
        return outgoing

    def _move_on(self, book: AlertBook, ticket: Ticket, vip: bool, done: frozenset[Fired],
                 now: datetime) -> None:
        """The next alert moment, and the state as of now: thresholds are where it moves
        (warning, breached), so it stays true between the changes the SLA sync sees.
        On the loop: only an escalated ticket comes here (a few per breach)."""
        policy = policy_of(book, ticket, vip)
        pending = None if policy is None else pending_or_none(
            book, policy, ticket.number, facts_of(ticket), done)
        ticket.sla_next_alert_at = pending[0].moment if pending else None
        if policy is not None and pending is not None:
            facts = facts_of(ticket)
            ticket.sla_state = sla_status(policy, book.calendars, facts, now).state.value

    def _send(self, outgoing: Sequence[Notification]) -> None:
        if self.publish is None:
            return
        for row in outgoing:
            self.publish(row.user_id, {"type": "notification",
                                       "notification": view_of(row).as_api()})


def _snapshot(book: AlertBook, ticket: Ticket, vip: bool,
              fired: dict[int, set[Fired]]) -> Snapshot:
    return Snapshot(ticket.number, policy_of(book, ticket, vip), facts_of(ticket),
                    frozenset(fired.get(ticket.id, ())))


@dataclass(frozen=True)
class _Plan:
    ticket: Ticket
    vip: bool
    snapshot: Snapshot
    planned: Plan

    @property
    def due(self) -> list[AlertDue]:
        return self.planned.due


def _notification(user_id: int, ticket: Ticket, alert: AlertDue, now: datetime) -> Notification:
    data = {"clock": alert.clock, "threshold": alert.threshold,
            "moment": alert.moment.isoformat(), "ticket_title": ticket.title}
    return new_notification(user_id, SLA_KIND, ticket.number, alert_title(ticket.number, alert),
                            alert_body(ticket.title, alert), data, now)


__all__ = ["AlertScheduler", "TickReport"]
