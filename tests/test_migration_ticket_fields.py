"""Migration 0016 on a database with tickets in it: they keep every value, gain no
category, description, tags or custom values, and take them after the upgrade."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import select

from ccengine.config import TicketsConfig
from ccengine.ticket_fields.applying import FieldChanges
from ccengine.ticket_fields.categories import create_category
from ccengine.tickets.models import Ticket
from ccengine.tickets.service import TicketChanges, TicketService
from tests.migrating import down_and_up, tables, upgraded_from

BEFORE = "0018"
CREATED = datetime(2026, 3, 2, 9, tzinfo=UTC)
TICKET = {"id": 7, "number": "TK-2026-000007", "title": "Reklamacja butów", "status": "new",
          "priority": "P3", "kind": "call", "queue": "support", "assignee": None,
          "source_channel": "phone", "created_at": CREATED, "updated_at": CREATED}


def _fill(connection: sa.Connection) -> None:
    table = sa.table("tickets", *(sa.column(name) for name in TICKET))
    connection.execute(sa.insert(table), [TICKET])


async def test_existing_tickets_keep_their_values_and_take_fields(database_url: str) -> None:
    async with upgraded_from(database_url, BEFORE, _fill) as database:
        async with database.sessions() as session:
            old = (await session.scalars(select(Ticket))).one()
        assert (old.number, old.title, old.description, old.category_id) == (
            "TK-2026-000007", "Reklamacja butów", None, None)
        category = await create_category(database, "Reklamacje", None, CREATED)
        await TicketService(database, TicketsConfig()).update(old.number, TicketChanges(
            fields=FieldChanges(category_id=category["id"], tags=("pilne",),
                                description="opis")), "admin")
        async with database.sessions() as session:
            moved = (await session.scalars(select(Ticket))).one()
        assert (moved.category_id, moved.description) == (category["id"], "opis")


def _gone(connection: sa.Connection) -> None:
    assert "ticket_categories" not in tables(connection)
    columns = sa.inspect(connection).get_columns("tickets")
    assert "category_id" not in {column["name"] for column in columns}


async def test_downgrade_and_upgrade_again(database_url: str) -> None:
    assert "ticket_categories" in await down_and_up(database_url, BEFORE, _gone)
