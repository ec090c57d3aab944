"""The automation runner: takes the events the changes wrote, runs the rules on them,
and turns "N hours in a status" into events, each once per rule and stay.

One tick: the time rules first (an indexed scan of the stays that reached their
hours and have no fired row; insert-or-skip under the unique key, so several
processes fire each once), then the events in id order, in batches. On PostgreSQL a
batch locks its events ``FOR UPDATE SKIP LOCKED``: several runners share them and
none runs an event twice. An event is deleted in the transaction that acts on it.
Each event acts in its own savepoint: one that fails for a reason nobody foresaw (a
rule saved before a check existed, a bug) is undone alone, noted on its ticket and
dropped, so it never holds back the rest of the batch tick after tick.

The loop guard: the events a rule's actions cause carry the chain of rules that led
to them; a rule never runs for an event its own action caused (directly or through
others), and a chain deeper than ``MAX_DEPTH`` stops with a note on the ticket.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ccengine.automation.acting import Actor, act
from ccengine.automation.facts import load_facts, refreshed
from ccengine.automation.fields import TicketFields
from ccengine.automation.model import MAX_DEPTH, Event, Happened, Rule, TicketFacts
from ccengine.automation.recording import CHAIN, WRITTEN, Chain
from ccengine.automation.rules import evaluate
from ccengine.automation.service import enabled_rules
from ccengine.automation.storage_models import (
    AutomationEvent,
    AutomationTimeFired,
    TicketStatusInterval,
)
from ccengine.config import TicketsConfig
from ccengine.db import Database
from ccengine.notifications.model import QueueMembers
from ccengine.notifications.service import view_of
from ccengine.notifications.storage_models import Notification
from ccengine.sla.book import SlaBookProvider
from ccengine.sla.calendar import BusinessCalendar
from ccengine.tickets.enums import ActivityKind
from ccengine.tickets.models import Ticket, TicketActivity
from ccengine.tickets.sla_sync import DEFAULT_SLA, SlaProvider

log = logging.getLogger(__name__)

DEFAULT_EVERY = 2.0  # seconds between ticks
DEFAULT_BATCH = 200  # events per transaction
MAX_BATCHES = 100  # per tick: a tick always ends
Publish = Callable[[int, dict[str, Any]], object]  # (user id, message)
STOPPED = "stopped: rules kept changing this ticket"
FAILED = "automation failed on this ticket's event and skipped it"


@dataclass
class RunReport:
    events: int = 0
    executions: list[tuple[str, str, str]] = field(default_factory=list)  # number, rule, event
    stopped: int = 0
    time_events: int = 0
    failed: int = 0  # events dropped after an unexpected error (noted on their tickets)


@dataclass
class AutomationRunner:
    database: Database
    books: SlaBookProvider | None = None  # the calendars of business-hours conditions
    members: QueueMembers | None = None  # who leads a queue (notify_leaders)
    publish: Publish | None = None
    fields: TicketFields | None = None  # category and tags, once wired
    sla: SlaProvider = DEFAULT_SLA
    # The contact center's ticket settings: replies render SLA due times in its zone.
    tickets: TicketsConfig = field(default_factory=TicketsConfig)
    batch: int = DEFAULT_BATCH
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self, every: float = DEFAULT_EVERY) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("automation tick failed")
            self.wake.clear()
            with contextlib.suppress(TimeoutError):  # woken early, or the next tick
                await asyncio.wait_for(self.wake.wait(), every)

    async def tick(self, now: datetime | None = None) -> RunReport:
        now = now or self.clock()
        report = RunReport()
        calendars = (await self.books.current()).calendars if self.books else {}
        async with self.database.sessions() as session:
            rules = await enabled_rules(session)
        for rule in rules:
            if rule.spec.trigger.event is Event.TIME_IN_STATUS:
                report.time_events += await self._time_rule(rule, now)
        for _ in range(MAX_BATCHES):  # until none is left: actions write events too
            if not await self._batch(rules, calendars, now, report):
                break
        return report

    # -- the time trigger ---------------------------------------------------------------

    async def _time_rule(self, rule: Rule, now: datetime) -> int:
        """Read first (nothing to do is the usual answer: no write lock taken), then
        insert-or-skip the fired rows: only the inserted ones become events."""
        async with self.database.sessions() as session:
            due = list(await session.execute(_due_stays(rule, now, self.batch)))
        if not due:
            return 0
        trigger = rule.spec.trigger
        async with self.database.writer() as session:
            fired = await _insert_or_skip(session, rule.id, due, now)
            session.add_all(AutomationEvent(
                ticket_id=ticket_id, event=Event.TIME_IN_STATUS, depth=0, chain=[],
                data={"rule_id": rule.id, "interval_id": interval_id,
                      "status": trigger.status, "hours": trigger.hours}, created_at=now)
                for interval_id, ticket_id in fired)
            await session.commit()
        return len(fired)

    # -- events -------------------------------------------------------------------------

    async def _batch(self, rules: Sequence[Rule], calendars: Mapping[str, BusinessCalendar],
                     now: datetime, report: RunReport) -> int:
        async with self.database.sessions() as session:  # idle: no write lock taken
            if await session.scalar(select(AutomationEvent.id).limit(1)) is None:
                return 0
        actor = Actor(self.sla, self.members, self.fields, tickets=self.tickets)
        async with self.database.writer() as session:
            query = select(AutomationEvent).order_by(AutomationEvent.id).limit(self.batch)
            if self.database.dialect_name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            events = list(await session.scalars(query))
            for event in events:
                await self._isolated(session, actor, event, rules, calendars, now, report)
            await session.execute(delete(AutomationEvent).where(
                AutomationEvent.id.in_([event.id for event in events])))
            session.add_all(actor.outgoing)
            await session.commit()
        report.events += len(events)
        self._send(actor.outgoing)
        return len(events)

    async def _isolated(self, session: AsyncSession, actor: Actor, event: AutomationEvent,
                        rules: Sequence[Rule], calendars: Mapping[str, BusinessCalendar],
                        now: datetime, report: RunReport) -> None:
        """``_handle`` in a savepoint; a failure undoes this event's changes only."""
        sent, done = len(actor.outgoing), len(report.executions)
        try:
            async with session.begin_nested():
                await self._handle(session, actor, event, rules, calendars, now, report)
        except Exception as error:  # whatever it was: the batch goes on
            # The type only: a driver's message may quote the values (a ticket's text).
            log.error("automation event %s on ticket %s failed: %s; dropped",
                      event.id, event.ticket_id, type(error).__name__)
            del actor.outgoing[sent:], report.executions[done:]
            _forget_undone(session)
            report.failed += 1
            session.add(_failed(event, type(error).__name__, now))

    async def _handle(self, session: AsyncSession, actor: Actor, event: AutomationEvent,
                      rules: Sequence[Rule], calendars: Mapping[str, BusinessCalendar],
                      now: datetime, report: RunReport) -> None:
        happened = _happened(event)
        chain = set(event.chain or [])
        candidates = [rule for rule in rules if rule.spec.trigger.event is happened.event
                      and rule.id not in chain]
        if not candidates:
            return
        ticket = await session.get(Ticket, event.ticket_id)
        if ticket is None:
            return
        if event.depth >= MAX_DEPTH:
            report.stopped += 1
            session.add(_stopped(ticket, event, now))
            return
        facts = await load_facts(session, ticket, self.fields, calendars, now)
        for rule in candidates:
            if evaluate(rule, happened, facts).fires:
                facts = await self._fire(session, actor, ticket, rule, event, facts, now)
                report.executions.append((ticket.number, rule.spec.name, event.event))

    async def _fire(self, session: AsyncSession, actor: Actor, ticket: Ticket, rule: Rule,
                    event: AutomationEvent, facts: TicketFacts, now: datetime) -> TicketFacts:
        """Act with this rule's chain in the session: the events its changes write
        (at the flush below) carry it."""
        session.sync_session.info[CHAIN] = Chain(event.depth + 1,
                                                 (*(event.chain or []), rule.id))
        try:
            await act(session, actor, ticket, rule, event.event, now)
            await session.flush()
        finally:
            session.sync_session.info.pop(CHAIN, None)
        if self.fields is not None:  # the next rule sees this one's category and tags
            category, tags = await self.fields.read(session, ticket)
            facts = replace(facts, category=category, tags=tags)
        return refreshed(facts, ticket)

    def _send(self, outgoing: Sequence[Notification]) -> None:
        if self.publish is None:
            return
        for row in outgoing:
            self.publish(row.user_id, {"type": "notification",
                                       "notification": view_of(row).as_api()})


def _due_stays(rule: Rule, now: datetime, limit: int) -> Any:
    """Current stays in the rule's status that reached its hours and have not fired it
    (the rest on the next tick)."""
    trigger = rule.spec.trigger
    stay, later = TicketStatusInterval, aliased(TicketStatusInterval)
    return (select(stay.id, stay.ticket_id).join(Ticket, Ticket.id == stay.ticket_id)
            .where(stay.status == trigger.status, Ticket.status == trigger.status,
                   stay.started_at <= now - timedelta(hours=trigger.hours or 0),
                   ~exists().where(and_(later.ticket_id == stay.ticket_id, later.id > stay.id)),
                   ~exists().where(and_(AutomationTimeFired.rule_id == rule.id,
                                        AutomationTimeFired.interval_id == stay.id)))
            .order_by(stay.id).limit(limit))


def _happened(event: AutomationEvent) -> Happened:
    data = event.data or {}
    return Happened(Event(event.event), frozenset(data.get("changed", [])),
                    data.get("clock"), data.get("threshold"), data.get("rule_id"))


def _stopped(ticket: Ticket, event: AutomationEvent, now: datetime) -> TicketActivity:
    return TicketActivity(ticket=ticket, kind=ActivityKind.AUTOMATION,
                          body=f"{STOPPED} (depth {event.depth})",
                          data={"stopped": True, "event": event.event,
                                "chain": list(event.chain or [])},
                          author="automation", created_at=now)


def _failed(event: AutomationEvent, error: str, now: datetime) -> TicketActivity:
    return TicketActivity(ticket_id=event.ticket_id, kind=ActivityKind.AUTOMATION,
                          body=f"{FAILED} ({event.event}: {error})",
                          data={"failed": True, "event": event.event, "error": error,
                                "chain": list(event.chain or [])},
                          author="automation", created_at=now)


def _forget_undone(session: AsyncSession) -> None:
    """The events the undone savepoint wrote are gone: a later change in this
    transaction must write its own, not widen one of those."""
    written = session.sync_session.info.get(WRITTEN, {})
    for key, row in list(written.items()):
        if row not in session.sync_session:
            del written[key]


async def _insert_or_skip(session: AsyncSession, rule_id: int, due: Sequence[Any],
                          now: datetime) -> list[tuple[int, int]]:
    if not due:
        return []
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" \
        else sqlite.insert
    rows = [{"rule_id": rule_id, "interval_id": interval_id, "ticket_id": ticket_id,
             "fired_at": now} for interval_id, ticket_id in due]
    statement = (insert(AutomationTimeFired).values(rows)
                 .on_conflict_do_nothing(index_elements=["rule_id", "interval_id"])
                 .returning(AutomationTimeFired.interval_id, AutomationTimeFired.ticket_id))
    return [(row[0], row[1]) for row in await session.execute(statement)]
