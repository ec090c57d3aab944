"""Revision 0017 on a database that already holds tickets: they stay, a disposition
can be chosen on an old ticket and counted, and the revision goes down and up again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import select

from ccengine.dispositions import service
from ccengine.dispositions.rules import Offered
from ccengine.tickets.filters import EVERYONE
from ccengine.tickets.models import Ticket
from tests.migrating import down_and_up, tables, upgraded_from

BEFORE = "0019"
CREATED = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _fill(connection: sa.Connection) -> None:
    table = sa.table("tickets", sa.column("id"), sa.column("number"), sa.column("title"),
                     sa.column("status"), sa.column("priority"), sa.column("kind"),
                     sa.column("queue"), sa.column("source_channel"),
                     sa.column("created_at", sa.DateTime(timezone=True)),
                     sa.column("updated_at", sa.DateTime(timezone=True)))
    connection.execute(sa.insert(table), [{
        "id": 7, "number": "TK-2026-000007", "title": "Połączenie", "status": "in_progress",
        "priority": "P3", "kind": "call", "queue": "posprzedaz", "source_channel": "phone",
        "created_at": CREATED, "updated_at": CREATED}])


async def test_old_tickets_stay_and_take_dispositions(database_url: str) -> None:
    async with upgraded_from(database_url, BEFORE, _fill) as database:
        made = await service.create(database, "sold", "Sprzedaż", "Sold", None, CREATED)
        assert made["active"] is True
        async with database.writer() as session:
            ticket = await session.scalar(select(Ticket).where(Ticket.id == 7))
            assert ticket is not None and ticket.number == "TK-2026-000007"
            chosen = await service.offered(session, "sold")
            assert isinstance(chosen, Offered)
            await service.record(session, ticket, chosen, ticket.queue, None, "Anna", CREATED)
            await session.commit()
        counted = await service.report(database, service.ReportAsk(
            CREATED - timedelta(hours=1), CREATED + timedelta(hours=1), None, EVERYONE))
    assert [(row["code"], row["queue"], row["count"]) for row in counted] == [
        ("sold", "posprzedaz", 1)]


def _gone(connection: sa.Connection) -> None:
    assert "dispositions" not in tables(connection)


async def test_downgrade_and_upgrade_again(database_url: str) -> None:
    assert "dispositions" in await down_and_up(database_url, BEFORE, _gone)
