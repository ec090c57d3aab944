"""``callback.due`` when an agreed time to call back comes: announced once the time is
reached, once only (however often the sweep runs), never for a finished callback, a
cleared schedule or one long past, and again for a new agreed time."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from ccengine.agents.callbacks import SCHEDULE_KEY
from ccengine.db import Database
from ccengine.tickets.models import Ticket, TicketActivity
from ccengine.webhooks.callbacks_due import LOOKBACK, sweep
from tests.test_webhooks_events import NOW, queued, subscribe


async def _callback(database: Database, number: str, status: str = "new") -> int:
    async with database.writer() as session:
        ticket = Ticket(number=number, title="Oddzwonić", status=status, priority="P2",
                        kind="callback", queue="reklamacje", source_channel="phone",
                        created_at=NOW, updated_at=NOW)
        session.add(ticket)
        await session.commit()
        return ticket.id


async def _agree(database: Database, ticket_id: int, when: Any, at_minute: int) -> None:
    async with database.writer() as session:
        session.add(TicketActivity(
            ticket_id=ticket_id, kind="note", body="Oddzwonić po 10:30", author="Anna",
            data={SCHEDULE_KEY: when.isoformat() if when is not None else None},
            created_at=NOW + timedelta(minutes=at_minute)))
        await session.commit()


async def _due(database: Database) -> list[tuple[str, Any]]:
    """The agreed-time announcements (a callback ticket's opening is one too, without
    a time: a missed call's callback is due at once)."""
    return [(body["data"]["ticket"]["number"], body["data"]["scheduled_at"])
            for kind, body in await queued(database)
            if kind == "callback.due" and "scheduled_at" in body["data"]]


async def test_an_agreed_time_is_announced_once_when_it_comes(database: Database) -> None:
    await subscribe(database, "callback.due")
    first = await _callback(database, "TK-2026-000201")
    finished = await _callback(database, "TK-2026-000202", status="resolved")
    cleared = await _callback(database, "TK-2026-000203")
    agreed = NOW + timedelta(minutes=90)
    for ticket_id in (first, finished, cleared):
        await _agree(database, ticket_id, agreed, 1)
    await _agree(database, cleared, None, 2)  # the agent cleared it again
    assert await sweep(database, NOW + timedelta(minutes=89)) == 0  # not yet
    assert await sweep(database, NOW + timedelta(minutes=91)) == 1
    assert await sweep(database, NOW + timedelta(minutes=92)) == 0  # once only
    assert await _due(database) == [("TK-2026-000201", agreed.isoformat())]
    later = NOW + timedelta(hours=3)
    await _agree(database, first, later, 100)  # no answer: a new time agreed
    assert await sweep(database, later + timedelta(seconds=1)) == 1
    assert [number for number, _ in await _due(database)] == ["TK-2026-000201"] * 2


async def test_a_time_long_past_when_first_seen_is_not_announced(database: Database) -> None:
    await subscribe(database, "callback.due")
    ticket_id = await _callback(database, "TK-2026-000204")
    await _agree(database, ticket_id, NOW, 0)
    assert await sweep(database, NOW + LOOKBACK + timedelta(minutes=1)) == 0
    assert json.dumps(await _due(database)) == "[]"
