"""Tickets opened by any channel (calls, manual, e-mail, forms) get their CRM
look-up in the background, so the ticket page finds the answer in the cache.

A cursor over ticket ids, from the newest one when the process starts: each tick
looks up the tickets opened since, a batch at a time. Nothing waits for it; a
process with the CRM off does not even read the tickets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from sqlalchemy import func, select

from ccengine.cancelling import cancel_and_wait
from ccengine.crm.client import CrmClient
from ccengine.crm.service import ticket_lookup
from ccengine.db import Database
from ccengine.tickets.errors import TicketNotFound
from ccengine.tickets.filters import EVERYONE
from ccengine.tickets.models import Ticket

log = logging.getLogger(__name__)

EVERY_SECONDS = 1.0
BATCH = 50


class OpenedTickets:
    def __init__(self, database: Database, client: CrmClient) -> None:
        self.database, self.client = database, client
        self.cursor: int | None = None  # the last ticket id looked at

    async def once(self) -> int:
        """Look up the tickets opened since the last tick; how many were."""
        if not self.client.enabled:
            return 0
        async with self.database.sessions() as session:
            if self.cursor is None:
                self.cursor = await session.scalar(select(func.max(Ticket.id))) or 0
                return 0
            rows = (await session.execute(
                select(Ticket.id, Ticket.number).where(Ticket.id > self.cursor)
                .order_by(Ticket.id).limit(BATCH))).all()
        if rows:
            self.cursor = rows[-1].id
        # A few at a time: the rest of the client's slots stay free for ringing calls
        # (a look-up queued behind a burst would time out and be kept as failed).
        width = max(1, self.client.config.concurrency // 2)
        for start in range(0, len(rows), width):
            await asyncio.gather(*(self._look_up(row.number)
                                   for row in rows[start:start + width]))
        return len(rows)

    async def _look_up(self, number: str) -> None:
        with contextlib.suppress(TicketNotFound):  # merged or deleted meanwhile
            await ticket_lookup(self.database, self.client, number, EVERYONE)

    async def run(self) -> None:
        while True:
            try:
                await self.once()
            except Exception:
                log.exception("crm: the opened tickets could not be read; will retry")
            await asyncio.sleep(EVERY_SECONDS)


async def running(opened: OpenedTickets) -> AsyncIterator[None]:
    task = asyncio.create_task(opened.run(), name="crm-opened-tickets")
    yield
    await cancel_and_wait([task])
