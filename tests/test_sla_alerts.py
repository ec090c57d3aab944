"""SLA alerts over real SQLite and PostgreSQL, on a frozen clock: each threshold once, at
its business-time moment; none while paused; restarts and racing schedulers send once;
escalation at 100 %.

P2 (the built-in book): first response 1 h, resolution 8 h, on the business calendar
(Mon–Fri 08:00–18:00 Warsaw). A ticket opened Monday 2 March 2026 at 17:30 Warsaw
(16:30 UTC) reaches 50 % of its first response at 18:00, 80 % Tuesday at 08:18 and
100 % at 08:30 local: business time, not the wall clock.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.config import DatabaseConfig, TicketsConfig
from ccengine.db import Database
from ccengine.notifications.alert_rows import insert_or_skip
from ccengine.notifications.book import BuiltInBook, BuiltInBookProvider
from ccengine.notifications.model import AlertDue, Person
from ccengine.notifications.rules import next_alert_at
from ccengine.notifications.scheduler import AlertScheduler
from ccengine.notifications.storage_models import Notification, SlaAlert
from ccengine.sla.clock import Pause, SlaFacts
from ccengine.sla.policy import Duration, SlaPolicy
from ccengine.tickets.editing import TicketChanges
from ccengine.tickets.enums import Priority, TicketStatus
from ccengine.tickets.models import Customer, Ticket, TicketActivity
from ccengine.tickets.service import TicketService
from ccengine.users import service
from ccengine.users.models import Role

OPENED = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)  # Monday 17:30 Warsaw
FR_50 = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # Monday's closing
FR_80 = datetime(2026, 3, 3, 7, 18, tzinfo=UTC)  # Tuesday 08:18 Warsaw
FR_100 = datetime(2026, 3, 3, 7, 30, tzinfo=UTC)
BOOK = BuiltInBook()
P2 = next(policy for policy in BOOK.policies if policy.name == "P2")


class Members:
    def __init__(self, queues: dict[str, frozenset[str]]) -> None:
        self.queues = queues

    def interfaces(self, queue: str) -> frozenset[str]:
        return self.queues.get(queue, frozenset())


def scheduler(database: Database, book: BuiltInBook = BOOK,
              sent: list[tuple[int, dict[str, Any]]] | None = None) -> AlertScheduler:
    members = Members({"reklamacje": frozenset({"PJSIP/lider"})})
    publish = (lambda user, message: sent.append((user, message))) if sent is not None else None
    return AlertScheduler(database, BuiltInBookProvider(book), members, publish, batch=2)


async def add_ticket(database: Database, number: str, **fields: Any) -> int:
    values: dict[str, Any] = {
        "number": number, "title": f"Zwrot {number}", "status": "new", "priority": "P2",
        "kind": "call", "queue": "reklamacje", "assignee": "Anna Nowak",
        "source_channel": "phone", "created_at": OPENED, "updated_at": OPENED}
    values.update(fields)
    async with database.writer() as session:
        ticket = Ticket(**values)
        session.add(ticket)
        await session.commit()
        return ticket.id


async def add_people(database: Database) -> dict[str, int]:
    anna = await service.create_user(database, "anna", "Haslo-Testowe-42", Role.AGENT,
                                     display_name="Anna Nowak")
    lider = await service.create_user(database, "lider", "Haslo-Testowe-42",
                                      Role.PRIVILEGED_AGENT, display_name="Lena Lider",
                                      sip_interface="PJSIP/lider")
    other = await service.create_user(database, "obcy", "Haslo-Testowe-42",
                                      Role.PRIVILEGED_AGENT, display_name="Olek Obcy",
                                      sip_interface="PJSIP/obcy")
    return {"anna": anna.id, "lider": lider.id, "obcy": other.id}


async def alerts(database: Database) -> list[tuple[str, str, int]]:
    async with database.sessions() as session:
        query = (select(Ticket.number, SlaAlert.clock, SlaAlert.threshold)
                 .join(Ticket, SlaAlert.ticket_id == Ticket.id)
                 .order_by(Ticket.number, SlaAlert.due_moment, SlaAlert.threshold))
        return [tuple(row) for row in await session.execute(query)]  # type: ignore[misc]


async def notified(database: Database) -> list[tuple[int, str | None, int]]:
    async with database.sessions() as session:
        rows = await session.scalars(select(Notification).order_by(Notification.id))
        return [(row.user_id, row.ticket_number, row.data["threshold"]) for row in rows]


def test_next_alert_at_counts_business_time_and_skips_what_fired() -> None:
    facts = SlaFacts(OPENED, None, None)
    assert next_alert_at(P2, BOOK.calendars, facts, set()) == FR_50
    fired = {("first_response", 50), ("first_response", 80)}
    assert next_alert_at(P2, BOOK.calendars, facts, fired) == FR_100
    answered = SlaFacts(OPENED, FR_80 - timedelta(minutes=1), None)
    after = next_alert_at(P2, BOOK.calendars, answered, {("first_response", 50)})
    assert after is not None and after > FR_100  # the first response clock is done


def test_next_alert_at_is_none_while_the_resolution_clock_is_paused() -> None:
    paused = SlaFacts(OPENED, FR_50, None, (Pause(FR_80, None),))
    fired = {("first_response", 50), ("resolution", 50)}
    assert next_alert_at(P2, BOOK.calendars, paused, fired) is None


async def test_each_threshold_fires_once_at_its_business_moment(database: Database) -> None:
    people = await add_people(database)
    await add_ticket(database, "T-1")
    sent: list[tuple[int, dict[str, Any]]] = []
    alerting = scheduler(database, sent=sent)
    assert (await alerting.tick(FR_50 - timedelta(seconds=1))).alerts == 0
    assert (await alerting.tick(FR_50)).alerts == 1
    assert (await alerting.tick(FR_50 + timedelta(minutes=5))).alerts == 0
    # Evening and night are closed: 80 % is on Tuesday, not at 17:48 Monday.
    assert (await alerting.tick(FR_80)).alerts == 1
    assert (await alerting.tick(FR_100 - timedelta(seconds=1))).alerts == 0
    assert (await alerting.tick(FR_100)).alerts == 1
    assert await alerts(database) == [("T-1", "first_response", 50),
                                      ("T-1", "first_response", 80),
                                      ("T-1", "first_response", 100)]
    # The assignee and the queue's leader; a privileged agent of no such queue is not told.
    assert {user for user, _, _ in await notified(database)} == {people["anna"],
                                                                 people["lider"]}
    assert len(sent) == 6 and all(message["type"] == "notification" for _, message in sent)
    async with database.sessions() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.number == "T-1"))
    assert ticket is not None and ticket.sla_state == "breached"
    assert ticket.sla_next_alert_at is not None and ticket.sla_next_alert_at > FR_100


async def test_a_late_tick_sends_every_threshold_passed_once(database: Database) -> None:
    await add_ticket(database, "T-1")
    await add_ticket(database, "T-2", created_at=OPENED + timedelta(minutes=1))
    await add_ticket(database, "T-3", created_at=OPENED + timedelta(minutes=2))
    report = await scheduler(database).tick(FR_100 + timedelta(minutes=5))
    assert report.alerts == 9  # three tickets, three first-response thresholds, batches of 2
    assert len(await alerts(database)) == 9


async def test_a_restart_does_not_fire_again(database: Database) -> None:
    await add_people(database)
    await add_ticket(database, "T-1")
    await scheduler(database).tick(FR_80)
    before = await notified(database)
    assert (await scheduler(database).tick(FR_80)).alerts == 0
    assert await notified(database) == before


async def test_no_resolution_alerts_while_paused(database: Database) -> None:
    await add_ticket(database, "T-1", first_response_at=OPENED + timedelta(minutes=5),
                     status="waiting_for_customer", sla_paused_since=FR_50)
    later = OPENED + timedelta(days=10)
    assert (await scheduler(database).tick(later)).alerts == 0
    async with database.writer() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.number == "T-1"))
        assert ticket is not None and ticket.sla_next_alert_at is None
        ticket.sla_paused_since = None  # resumed: the sync would recompute the moment
        ticket.sla_pauses = [[FR_50.isoformat(), later.isoformat()]]
        ticket.sla_next_alert_at = later
        await session.commit()
    # 30 business minutes used before the pause: 50 % (4 h) comes after resuming.
    assert (await scheduler(database).tick(later)).alerts == 0
    assert (await scheduler(database).tick(later + timedelta(days=3))).alerts == 3


async def test_two_racing_schedulers_notify_once(database: Database) -> None:
    await add_people(database)
    for n in range(6):
        await add_ticket(database, f"T-{n}", created_at=OPENED + timedelta(minutes=n))
    other = Database.open(DatabaseConfig(
        url=database.engine.url.render_as_string(hide_password=False)))
    try:
        first, second = await asyncio.gather(scheduler(database).tick(FR_100 + timedelta(hours=1)),
                                             scheduler(other).tick(FR_100 + timedelta(hours=1)))
    finally:
        await other.close()
    assert first.alerts + second.alerts == 18
    assert len(await alerts(database)) == 18
    assert len(await notified(database)) == 36  # the assignee and the leader, each once


async def test_a_breach_escalates_per_policy(database: Database) -> None:
    await add_people(database)
    escalating = SlaPolicy("P2", Priority.P2, Duration(1, "hours"), Duration(8, "hours"),
                           "business", escalation=("raise_priority", "assign_leader",
                                                   ("move_queue", "eskalacje")))
    book = BuiltInBook(policies=(escalating,))
    await add_ticket(database, "T-1")
    await scheduler(database, book).tick(FR_80)
    async with database.sessions() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.number == "T-1"))
        assert ticket is not None and ticket.priority == "P2"  # not before 100 %
    await scheduler(database, book).tick(FR_100)
    await scheduler(database, book).tick(FR_100 + timedelta(hours=1))
    async with database.sessions() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.number == "T-1"))
        assert ticket is not None
        assert (ticket.priority, ticket.assignee, ticket.queue) == ("P1", "Lena Lider",
                                                                    "eskalacje")
        bodies = list(await session.scalars(
            select(TicketActivity.body).where(TicketActivity.ticket_id == ticket.id)
            .order_by(TicketActivity.id)))
    assert bodies == ["SLA: first response breached — priority P2 → P1",
                      "SLA: first response breached — assignee Anna Nowak → Lena Lider",
                      "SLA: first response breached — queue reklamacje → eskalacje"]


async def test_the_unique_key_lets_one_insert_win(database: Database) -> None:
    """What a race that got past the row locks meets: the second insert is skipped."""
    ticket_id = await add_ticket(database, "T-1")
    due = [(ticket_id, AlertDue("first_response", 50, FR_50))]
    async with database.writer() as session:
        assert await insert_or_skip(session, due, FR_50) == {(ticket_id, "first_response", 50)}
        await session.commit()
    async with database.writer() as session:
        assert await insert_or_skip(session, due, FR_80) == set()
        await session.commit()
    assert await alerts(database) == [("T-1", "first_response", 50)]


class Mail:
    def __init__(self) -> None:
        self.queued: list[tuple[str, str]] = []

    async def queue(self, session: AsyncSession, to: Person,
                    notification: Notification) -> None:
        self.queued.append((to.login, notification.title))


async def test_the_mail_hook_gets_each_notification_once(database: Database) -> None:
    await add_people(database)
    await add_ticket(database, "T-1")
    mail = Mail()
    alerting = scheduler(database)
    alerting.mail = mail
    await alerting.tick(FR_50)
    await alerting.tick(FR_50)
    assert sorted(mail.queued) == [("anna", "SLA 50 %: first response of T-1"),
                                   ("lider", "SLA 50 %: first response of T-1")]


class Unlocked(AlertScheduler):
    """A scheduler that takes no row locks: both read the same due tickets, and only
    the unique key stands between them and a second notification."""

    def _due_query(self, now: datetime) -> Any:
        return (select(Ticket, Customer.vip).outerjoin(Customer)
                .where(Ticket.sla_next_alert_at <= now).order_by(Ticket.id))


async def test_without_row_locks_the_unique_key_still_notifies_once(database: Database) -> None:
    await add_people(database)
    for n in range(4):
        await add_ticket(database, f"T-{n}", created_at=OPENED + timedelta(minutes=n))
    other = Database.open(DatabaseConfig(
        url=database.engine.url.render_as_string(hide_password=False)))
    members = Members({"reklamacje": frozenset({"PJSIP/lider"})})
    racers = [Unlocked(db, BuiltInBookProvider(BOOK), members) for db in (database, other)]
    try:
        later = FR_100 + timedelta(hours=1)
        reports = await asyncio.gather(*(racer.tick(later) for racer in racers))
    finally:
        await other.close()
    assert sum(report.alerts for report in reports) == 12  # 4 tickets × 50, 80 and 100 %
    assert len(await notified(database)) == 24


async def test_a_policy_the_book_cannot_compute_skips_only_its_tickets(
        database: Database) -> None:
    lost = SlaPolicy("P3", Priority.P3, Duration(1, "hours"), Duration(8, "hours"), "gone")
    book = BuiltInBook(policies=(P2, lost))
    await add_ticket(database, "T-1", priority="P3")
    await add_ticket(database, "T-2")
    report = await scheduler(database, book).tick(FR_80)
    assert {number for number, _, _ in await alerts(database)} == {"T-2"}
    assert report.alerts == 2


async def test_a_resumed_ticket_alerts_again_through_the_sla_sync(database: Database) -> None:
    """Paused: the scheduler finds no moment. The service's edit that resumes it syncs
    the SLA columns, next alert moment included, and the resolution alerts follow."""
    await add_ticket(database, "T-1", status="in_progress",
                     first_response_at=OPENED + timedelta(minutes=5))
    paused_at, resumed_at = FR_50, OPENED + timedelta(days=10)
    at = [paused_at]
    tickets = TicketService(database, TicketsConfig(), clock=lambda: at[0])
    await tickets.update("T-1", TicketChanges(status=TicketStatus.WAITING_FOR_CUSTOMER), "anna")
    assert (await scheduler(database).tick(resumed_at)).alerts == 0
    at[0] = resumed_at
    await tickets.update("T-1", TicketChanges(status=TicketStatus.IN_PROGRESS), "anna")
    report = await scheduler(database).tick(resumed_at + timedelta(days=3))
    assert [(clock, threshold) for _, clock, threshold, _ in report.fired] == [
        ("resolution", 50), ("resolution", 80), ("resolution", 100)]
