"""Automation rules running on real SQLite and PostgreSQL: events written by the changes
themselves, rules in order, every execution on the ticket's history, no loops, the
time trigger once per rule and stay across racing runners."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from ccengine.automation import service
from ccengine.automation.model import Action
from ccengine.automation.recording import sla_threshold_reached
from ccengine.automation.rules import parse_rule
from ccengine.automation.runner import FAILED, STOPPED, AutomationRunner
from ccengine.automation.service import time_in_status
from ccengine.config import TicketsConfig
from ccengine.db import Database
from ccengine.notifications.book import BuiltInBookProvider
from ccengine.notifications.scheduler import AlertScheduler
from ccengine.notifications.storage_models import Notification
from ccengine.tickets.editing import TicketChanges
from ccengine.tickets.enums import Priority, TicketStatus
from ccengine.tickets.filters import EVERYONE
from ccengine.tickets.models import Ticket
from ccengine.tickets.service import TicketService
from tests.automation_helpers import (
    OPENED,
    Members,
    MemoryFields,
    add_people,
    add_rule,
    add_ticket,
    history,
    ticket,
    waiting_events,
)
from tests.conftest import build_call


def edits(database: Database, at: Any = OPENED) -> TicketService:
    return TicketService(database, TicketsConfig(), clock=lambda: at)


def runner(database: Database, **extra: Any) -> AutomationRunner:
    members = Members({"reklamacje": frozenset({"PJSIP/lider"})})
    return AutomationRunner(database, members=members, **extra)


async def test_a_new_ticket_runs_the_created_rules_in_order_and_logs_each(
        database: Database) -> None:
    people = await add_people(database)
    await add_rule(database, {"name": "Reklamacje pilne", "trigger": {"event": "created"},
                              "conditions": [{"kind": "queue", "value": ["reklamacje"]},
                                             {"kind": "subject_has", "value": ["zwrot"]}],
                              "actions": [{"kind": "set_priority", "value": "P1"},
                                          {"kind": "notify_leaders"}]})
    await add_rule(database, {"name": "Do Anny", "trigger": {"event": "created"},
                              "conditions": [{"kind": "priority", "value": ["P1"]}],
                              "actions": [{"kind": "set_assignee", "value": "Anna Nowak"}]})
    await add_rule(database, {"name": "Sprzedaż", "trigger": {"event": "created"},
                              "conditions": [{"kind": "queue", "value": ["sprzedaz"]}],
                              "actions": [{"kind": "set_priority", "value": "P4"}]})
    await add_ticket(database, "T-1", title="ZWROT towaru")
    sent: list[tuple[int, dict[str, Any]]] = []
    report = await runner(database, publish=lambda user, message: sent.append((user, message))
                          ).tick(OPENED)
    assert [(number, rule) for number, rule, _ in report.executions] == [
        ("T-1", "Reklamacje pilne"), ("T-1", "Do Anny")]  # the second sees the first's P1
    after = await ticket(database, "T-1")
    assert (after.priority, after.assignee) == ("P1", "Anna Nowak")
    logged = await history(database, "T-1")
    assert ("priority_change", "P3 → P1", "automation: Reklamacje pilne") in logged
    assert [body for kind, body, _ in logged if kind == "automation"] == [
        "Reklamacje pilne: priority_change → P1; notify_leaders → lider",
        "Do Anny: assignment → Anna Nowak"]
    assert [user for user, _ in sent] == [people["lider"]]
    assert await waiting_events(database) == 0


async def test_a_rule_that_changes_the_ticket_on_updated_does_not_trigger_itself(
        database: Database) -> None:
    """Without the loop guard "raise the priority on every update" would climb P3 → P1."""
    await add_rule(database, {"name": "Podnieś", "trigger": {"event": "updated"},
                              "actions": [{"kind": "set_priority", "value": "raise"}]})
    await add_ticket(database, "T-2")
    run = runner(database)
    await run.tick(OPENED)  # created: no rule
    await edits(database).update("T-2", TicketChanges(status=TicketStatus.IN_PROGRESS), "anna")
    first = await run.tick(OPENED)
    again = await run.tick(OPENED)
    assert [rule for _, rule, _ in first.executions] == ["Podnieś"]
    assert again.executions == [] and await waiting_events(database) == 0
    assert (await ticket(database, "T-2")).priority == "P2"  # one step, once
    assert len(await history(database, "T-2", {"automation"})) == 1


async def test_rules_feeding_each_other_stop_at_the_chain_or_the_depth_limit(
        database: Database) -> None:
    """Four rules moving the ticket round a ring of queues: each event's chain excludes
    the rules that caused it, and a chain three rules deep stops with a note."""
    ring = ["a", "b", "c", "d"]
    for here, there in zip(ring, ring[1:] + ring[:1], strict=True):
        await add_rule(database, {"name": f"{here}→{there}", "trigger": {"event": "updated"},
                                  "conditions": [{"kind": "queue", "value": [here]}],
                                  "actions": [{"kind": "set_queue", "value": there}]})
    await add_ticket(database, "T-3", queue="a")
    run = runner(database)
    await run.tick(OPENED)
    await edits(database).update("T-3", TicketChanges(priority=Priority.P2), "anna")
    first = await run.tick(OPENED)
    assert (await run.tick(OPENED)).executions == []  # it ended within the first tick
    assert await waiting_events(database) == 0
    assert 4 <= len(first.executions) <= 12 and first.stopped >= 1
    assert any(STOPPED in body for _, body, _ in await history(database, "T-3",
                                                                 {"automation"}))


async def test_time_in_status_fires_once_per_rule_and_stay_across_racing_runners(
        database: Database) -> None:
    await add_people(database)
    await add_rule(database, {"name": "Klient milczy", "trigger": {
        "event": "time_in_status", "status": "waiting_for_customer", "hours": 24},
        "actions": [{"kind": "notify_leaders"}, {"kind": "set_priority", "value": "P2"}]})
    await add_ticket(database, "T-4", status="in_progress")
    await edits(database).update(
        "T-4", TicketChanges(status=TicketStatus.WAITING_FOR_CUSTOMER), "anna")
    early = await runner(database).tick(OPENED + timedelta(hours=23))
    assert early.time_events == 0
    racing = await asyncio.gather(*(runner(database).tick(OPENED + timedelta(hours=25))
                                    for _ in range(3)))
    assert sum(report.time_events for report in racing) == 1
    assert sum(len(report.executions) for report in racing) == 1
    later = await runner(database).tick(OPENED + timedelta(hours=50))
    assert later.time_events == 0  # the same stay
    assert (await ticket(database, "T-4")).priority == "P2"
    async with database.sessions() as session:
        assert len(list(await session.scalars(select(Notification)))) == 1
    # A new stay in the status is a new chance.
    back = OPENED + timedelta(hours=60)
    await edits(database, back).update("T-4", TicketChanges(status=TicketStatus.IN_PROGRESS),
                                       "anna")
    await edits(database, back).update(
        "T-4", TicketChanges(status=TicketStatus.WAITING_FOR_CUSTOMER), "anna")
    assert (await runner(database).tick(back + timedelta(hours=24))).time_events == 1


async def test_time_in_each_status_is_kept_per_ticket(database: Database) -> None:
    await add_ticket(database, "T-5")
    at = OPENED + timedelta(hours=1)
    await edits(database, at).update("T-5", TicketChanges(status=TicketStatus.IN_PROGRESS), "a")
    at2 = at + timedelta(hours=2)
    await edits(database, at2).update(
        "T-5", TicketChanges(status=TicketStatus.WAITING_FOR_CUSTOMER), "a")
    at3 = at2 + timedelta(minutes=30)
    await edits(database, at3).update("T-5", TicketChanges(status=TicketStatus.IN_PROGRESS), "a")
    kept = await time_in_status(database, "T-5", EVERYONE, at3 + timedelta(hours=1))
    assert kept.seconds == {"new": 3600, "in_progress": 3 * 3600,
                            "waiting_for_customer": 1800}
    assert kept.status == "in_progress" and kept.since == at3


async def test_customer_replied_and_sla_threshold_events(database: Database) -> None:
    await add_rule(database, {"name": "Odpowiedź", "trigger": {"event": "customer_replied"},
                              "actions": [{"kind": "set_priority", "value": "P2"}]})
    await add_rule(database, {"name": "SLA 80", "trigger": {
        "event": "sla_threshold", "clock": "resolution", "threshold": 80},
        "actions": [{"kind": "set_queue", "value": "eskalacje"}]})
    await add_rule(database, {"name": "SLA 50", "trigger": {
        "event": "sla_threshold", "threshold": 50},
        "actions": [{"kind": "set_queue", "value": "zle"}]})
    service = TicketService(database, TicketsConfig(join_open_within_hours=4),
                            clock=lambda: OPENED)
    [first] = await service.record_calls([build_call("c.1")])
    await runner(database).tick(OPENED)
    assert (await ticket(database, first.ticket_number)).priority == "P3"
    [second] = await service.record_calls([build_call("c.2",
                                                      started_at=OPENED + timedelta(hours=1))])
    assert second.ticket_number == first.ticket_number
    report = await runner(database).tick(OPENED)
    assert [rule for _, rule, _ in report.executions] == ["Odpowiedź"]
    async with database.writer() as session:
        row = await session.scalar(select(Ticket).where(Ticket.number == first.ticket_number))
        assert row is not None
        sla_threshold_reached(session, row, "resolution", 80)
        await session.commit()
    report = await runner(database).tick(OPENED)
    assert [rule for _, rule, _ in report.executions] == ["SLA 80"]
    assert (await ticket(database, first.ticket_number)).queue == "eskalacje"


async def test_category_and_tags_through_the_fields_interface(database: Database) -> None:
    fields = MemoryFields()
    await add_rule(database, {"name": "Tagi", "trigger": {"event": "created"},
                              "actions": [{"kind": "add_tags", "value": ["zwrot", "pilne"]},
                                          {"kind": "set_category", "value": "Reklamacje"}]},
                   fields=True)
    await add_rule(database, {"name": "Po tagu", "trigger": {"event": "created"},
                              "conditions": [{"kind": "tags", "value": ["pilne"]},
                                             {"kind": "category", "value": ["Reklamacje"]}],
                              "actions": [{"kind": "set_priority", "value": "P1"}]},
                   fields=True)
    ticket_id = await add_ticket(database, "T-6")
    report = await runner(database, fields=fields).tick(OPENED)
    assert fields.tags[ticket_id] == {"zwrot", "pilne"}
    assert fields.category[ticket_id] == "Reklamacje"
    assert [rule for _, rule, _ in report.executions] == ["Tagi", "Po tagu"]
    assert (await ticket(database, "T-6")).priority == "P1"


async def test_the_sla_alert_scheduler_feeds_the_threshold_rules(database: Database) -> None:
    """P2 on the business calendar, opened Monday 17:30 Warsaw: 50 % of its first
    response comes at Monday's closing (18:00)."""
    opened = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)
    half = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
    await add_rule(database, {"name": "Połowa", "trigger": {
        "event": "sla_threshold", "clock": "first_response", "threshold": 50},
        "actions": [{"kind": "set_priority", "value": "P1"}]})
    await add_ticket(database, "T-7", priority="P2", created_at=opened, updated_at=opened)
    alerts = AlertScheduler(database, BuiltInBookProvider())
    await alerts.tick(half)
    report = await runner(database).tick(half)
    assert [rule for _, rule, _ in report.executions] == ["Połowa"]
    assert (await ticket(database, "T-7")).priority == "P1"


async def test_racing_runners_run_each_event_once(database: Database) -> None:
    await add_rule(database, {"name": "Każdy", "trigger": {"event": "created"},
                              "actions": [{"kind": "set_queue", "value": "nowe"}]})
    for n in range(12):
        await add_ticket(database, f"R-{n}")
    racing = await asyncio.gather(*(runner(database, batch=5).tick(OPENED) for _ in range(3)))
    ran = sorted(number for report in racing for number, _, _ in report.executions)
    assert ran == sorted(f"R-{n}" for n in range(12))
    assert await waiting_events(database) == 0


async def test_notify_user_skips_who_cannot_see_the_ticket_and_says_so(
        database: Database) -> None:
    """A plain agent named in notify_user learns nothing of a ticket assigned to someone
    else; the execution's note on the ticket says the notification was withheld."""
    people = await add_people(database)
    await add_rule(database, {"name": "Powiadom", "trigger": {"event": "created"},
                              "actions": [{"kind": "notify_user", "value": "anna"},
                                          {"kind": "notify_user", "value": "lider"}]})
    await add_ticket(database, "T-V1", assignee="Lena Lider")
    await runner(database).tick(OPENED)
    async with database.sessions() as session:
        told = list(await session.scalars(select(Notification.user_id)))
    assert told == [people["lider"]]  # the privileged agent sees every ticket
    [note] = [body for kind, body, _ in await history(database, "T-V1", {"automation"})]
    assert "withheld: anna" in note and "notify_user → lider" in note


class FailingFields(MemoryFields):
    """Tags that cannot be written for one ticket: an error nobody foresaw."""

    async def change_tags(self, session: Any, ticket: Ticket, add: Any, remove: Any,
                          author: str) -> bool:
        if ticket.number == "T-BAD":
            raise RuntimeError("PESEL 44051401359 must not reach the log")
        return await super().change_tags(session, ticket, add, remove, author)


async def test_one_failing_event_is_undone_noted_and_dropped_the_rest_go_on(
        database: Database, caplog: pytest.LogCaptureFixture) -> None:
    people = await add_people(database)
    await add_rule(database, {"name": "Pilne", "trigger": {"event": "created"},
                              "actions": [{"kind": "set_priority", "value": "P1"},
                                          {"kind": "notify_user", "value": "anna"},
                                          {"kind": "add_tags", "value": ["zwrot"]}]},
                   fields=True)
    await add_ticket(database, "T-BAD")
    await add_ticket(database, "T-OK")
    run = runner(database, fields=FailingFields())
    report = await run.tick(OPENED)
    assert report.failed == 1 and [n for n, _, _ in report.executions] == ["T-OK"]
    assert await waiting_events(database) == 0  # dropped, not retried for ever
    assert ((await ticket(database, "T-BAD")).priority,
            (await ticket(database, "T-OK")).priority) == ("P3", "P1")  # undone alone
    [note] = [body for _, body, _ in await history(database, "T-BAD", {"automation"})]
    assert note.startswith(FAILED) and "RuntimeError" in note
    assert "44051401359" not in caplog.text and "RuntimeError" in caplog.text
    async with database.sessions() as session:
        told = list(await session.scalars(select(Notification.ticket_number)))
    assert told == ["T-OK"] and people["anna"]  # none for the undone event
    assert (await run.tick(OPENED)).events == 0


async def test_a_stored_rule_with_an_overlong_queue_does_not_block_the_others(
        database: Database) -> None:
    """Saved before the column's limit was checked: on PostgreSQL the UPDATE fails (a
    DataError) and only its event is dropped; SQLite keeps any length."""
    spec = parse_rule({"name": "Za długa", "trigger": {"event": "created"},
                       "conditions": [{"kind": "subject_has", "value": ["długa"]}],
                       "actions": [{"kind": "set_queue", "value": "krótka"}]})
    spec = dataclasses.replace(spec, actions=(Action("set_queue", "q" * 150),))
    await service.create_rule(database, spec, OPENED)
    await add_rule(database, {"name": "P2", "trigger": {"event": "created"},
                              "actions": [{"kind": "set_priority", "value": "P2"}]})
    await add_ticket(database, "T-L1", title="długa")
    await add_ticket(database, "T-L2")
    report = await runner(database).tick(OPENED)
    assert await waiting_events(database) == 0
    assert (await ticket(database, "T-L2")).priority == "P2"
    if database.dialect_name == "postgresql":
        assert report.failed == 1
        assert (await ticket(database, "T-L1")).priority == "P3"  # its whole event undone
    else:
        assert report.failed == 0
        assert (await ticket(database, "T-L1")).queue == "q" * 150
