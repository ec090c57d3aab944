"""Revision 0009 on a database that already holds tickets: the SLA facts come from history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import command
from sqlalchemy import select

from ccengine.config import DatabaseConfig
from ccengine.db import Database, alembic_config
from ccengine.tickets.models import Ticket

BEFORE = "0008"
DAY = datetime(2026, 3, 2, tzinfo=UTC)


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return DAY + timedelta(hours=hour, minutes=minute, seconds=second)


def _table(name: str, *columns: str) -> sa.TableClause:
    return sa.table(name, *(sa.column(column) for column in columns))


def _ticket(ticket_id: int, kind: str, status: str, closed_at: datetime | None) -> dict[str, Any]:
    return {"id": ticket_id, "number": f"TK-{ticket_id}", "title": "t", "status": status,
            "priority": "P3", "kind": kind, "source_channel": "phone", "created_at": at(9),
            "updated_at": at(9), "closed_at": closed_at}


def _call(call_id: int, ticket_id: int, linkedid: str, outcome: str,
          answered_at: datetime | None) -> dict[str, Any]:
    return {"id": call_id, "ticket_id": ticket_id, "pbx": "pbx1", "linkedid": linkedid,
            "outcome": outcome, "answered_at": answered_at, "ivr_digits": "",
            "started_at": at(8), "ended_at": at(8, 5), "timeline": []}


def _status(activity_id: int, ticket_id: int, new: str, when: datetime) -> dict[str, Any]:
    return {"id": activity_id, "ticket_id": ticket_id, "kind": "status_change", "body": "",
            "data": {"from": "x", "to": new}, "created_at": when}


TICKETS = [
    _ticket(1, "call", "closed", at(12)),  # answered twice, waited twice, closed
    _ticket(2, "callback", "waiting_for_customer", None),  # reached, waiting now
    _ticket(3, "call", "new", None),  # nothing happened
    _ticket(4, "callback", "in_progress", None),  # only the engine's own call answered
]
CALLS = [
    _call(1, 1, "1.2", "answered", at(10, 0, 20)),  # written first, answered later
    _call(2, 1, "1.1", "answered", at(9, 0, 20)),
    _call(3, 1, "1.0", "abandoned", None),
    _call(4, 4, "ccengine-callback-abc", "answered", at(9, 30)),
]
ATTEMPTS = [
    {"id": 1, "ticket_id": 2, "agent": "Anna", "interface": "PJSIP/101", "number": "+48600",
     "action_id": "a1", "started_at": at(12, 55), "outcome": "no_answer", "finished_at": at(13)},
    {"id": 2, "ticket_id": 2, "agent": "Anna", "interface": "PJSIP/101", "number": "+48600",
     "action_id": "a2", "started_at": at(13, 55), "outcome": "reached", "finished_at": at(14)},
]
ACTIVITIES = [
    _status(1, 1, "in_progress", at(9, 1)),
    _status(2, 1, "waiting_for_customer", at(9, 30)),
    _status(3, 1, "in_progress", at(10, 30)),
    _status(4, 1, "waiting_for_customer", at(11)),
    _status(5, 1, "closed", at(12)),
    _status(6, 2, "waiting_for_customer", at(14, 5)),
]


def _fill(connection: sa.Connection) -> None:
    datetimes = {"created_at", "updated_at", "closed_at", "answered_at", "started_at",
                 "ended_at", "finished_at"}
    for name, rows in (("tickets", TICKETS), ("calls", CALLS), ("callback_attempts", ATTEMPTS),
                       ("ticket_activities", ACTIVITIES)):
        columns = [sa.column(key, sa.DateTime(timezone=True) if key in datetimes
                             else sa.JSON() if key in {"data", "timeline"} else None)
                   for key in rows[0]]
        connection.execute(sa.insert(sa.table(name, *columns)), rows)


def _migrate_to(connection: sa.Connection, revision: str) -> None:
    command.upgrade(alembic_config(connection), revision)


async def test_existing_tickets_get_their_facts_from_history(database_url: str) -> None:
    database = Database.open(DatabaseConfig(url=database_url))
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(_migrate_to, BEFORE)
            await connection.run_sync(_fill)
        await database.migrate()
        async with database.sessions() as session:
            found = {t.id: t for t in await session.scalars(select(Ticket))}
    finally:
        await database.close()
    closed, reached, untouched, own = found[1], found[2], found[3], found[4]
    assert closed.first_response_at == at(9, 0, 20)  # the earliest answer, not the first row
    assert closed.resolved_at == at(12)
    assert closed.sla_paused_since is None
    assert closed.sla_pauses == [[at(9, 30).isoformat(), at(10, 30).isoformat()],
                                 [at(11).isoformat(), at(12).isoformat()]]
    assert reached.first_response_at == at(14)  # "reached", not the attempt before it
    assert (reached.resolved_at, reached.sla_paused_since, reached.sla_pauses) == (
        None, at(14, 5), [])
    assert (untouched.first_response_at, untouched.resolved_at, untouched.sla_paused_since,
            untouched.sla_pauses) == (None, None, None, [])
    assert own.first_response_at is None  # a click-to-call is not an inbound answer
    for ticket in found.values():
        assert (ticket.sla_policy, ticket.sla_state, ticket.first_response_due_at,
                ticket.resolution_due_at) == (None, None, None, None)


async def test_downgrade_and_upgrade_again(database_url: str) -> None:
    database = Database.open(DatabaseConfig(url=database_url))
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(_migrate_to, BEFORE)
            await connection.run_sync(_fill)
        await database.migrate()
        async with database.engine.begin() as connection:
            await connection.run_sync(lambda c: command.downgrade(alembic_config(c), BEFORE))
            columns = await connection.run_sync(
                lambda c: {column["name"] for column in sa.inspect(c).get_columns("tickets")})
            kept = await connection.scalar(sa.text("SELECT count(*) FROM calls"))
        await database.migrate()
    finally:
        await database.close()
    assert "first_response_at" not in columns and "sla_state" not in columns
    assert kept == len(CALLS)  # the tickets' rebuild on SQLite took no call with it
