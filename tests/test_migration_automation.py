"""Revision 0018 on a database that already holds tickets: each gets its status
intervals from its history, so its time in each status is right from the start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from ccengine.automation.service import time_in_status
from ccengine.tickets.filters import EVERYONE
from tests.migrating import down_and_up, tables, upgraded_from

BEFORE = "0014"
OPENED = datetime(2026, 3, 2, 9, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _fill(connection: sa.Connection) -> None:
    when = sa.DateTime(timezone=True)
    tickets = sa.table("tickets", *(sa.column(name) for name in (
        "id", "number", "title", "status", "priority", "kind", "source_channel")),
        sa.column("created_at", when), sa.column("updated_at", when))
    activities = sa.table("ticket_activities", sa.column("ticket_id"), sa.column("kind"),
                          sa.column("body"), sa.column("data", sa.JSON()),
                          sa.column("created_at", when))
    common = {"priority": "P3", "kind": "call", "source_channel": "phone",
              "created_at": OPENED, "updated_at": OPENED}
    connection.execute(sa.insert(tickets), [
        {"id": 1, "number": "T-1", "title": "moved", "status": "waiting_for_customer", **common},
        {"id": 2, "number": "T-2", "title": "untouched", "status": "new", **common}])
    connection.execute(sa.insert(activities), [
        {"ticket_id": 1, "kind": "status_change", "body": "new → in_progress",
         "data": {"from": "new", "to": "in_progress"}, "created_at": OPENED + HOUR},
        {"ticket_id": 1, "kind": "note", "body": "a note", "data": {},
         "created_at": OPENED + 2 * HOUR},
        {"ticket_id": 1, "kind": "status_change", "body": "in_progress → waiting_for_customer",
         "data": {"from": "in_progress", "to": "waiting_for_customer"},
         "created_at": OPENED + 3 * HOUR}])


async def test_existing_tickets_get_their_time_in_each_status(database_url: str) -> None:
    async with upgraded_from(database_url, BEFORE, _fill) as database:
        now = OPENED + 10 * HOUR
        moved = await time_in_status(database, "T-1", EVERYONE, now)
        untouched = await time_in_status(database, "T-2", EVERYONE, now)
    assert moved.seconds == {"new": 3600, "in_progress": 2 * 3600,
                             "waiting_for_customer": 7 * 3600}
    assert moved.since == OPENED + 3 * HOUR
    assert untouched.seconds == {"new": 10 * 3600} and untouched.since == OPENED


def _gone(connection: sa.Connection) -> None:
    assert "automation_rules" not in tables(connection)


async def test_downgrade_and_upgrade_again(database_url: str) -> None:
    names = await down_and_up(database_url, BEFORE, _gone)
    assert {"automation_rules", "automation_events", "ticket_status_intervals",
            "automation_time_fired"} <= names
