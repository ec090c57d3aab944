"""The callers' customers for the screen-pop, read for many calls at once.

Each new call used to read its caller's customer in a task and session of its
own; a burst of calls emptied the pool. Here the reads of the calls that start
together are one chunked query for the customers and one for their latest
tickets (``Batcher``: one session at a time). Too many waiting (a flood far
beyond any real burst) and a pop goes without the customer's history rather
than the engine growing without bound.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ccengine.agents.batcher import Batcher
from ccengine.agents.pop import RECENT_TICKETS, CustomerFacts
from ccengine.customers.lookup import customers_by_phone
from ccengine.db import Database
from ccengine.tickets.assigning import chunks
from ccengine.tickets.models import Ticket

BATCH = 200
MAX_WAITING = 20_000


class CustomerReader:
    def __init__(self, database: Database, max_waiting: int = MAX_WAITING) -> None:
        self._database = database
        self._batcher: Batcher[str, CustomerFacts] = Batcher(
            "customer-reader", self._read, batch_size=BATCH, max_waiting=max_waiting)

    def read(self, caller: str | None) -> asyncio.Future[CustomerFacts | None]:
        """The customer of ``caller`` (E.164), None when unknown or hidden."""
        if caller is None:
            future: asyncio.Future[CustomerFacts | None] = (
                asyncio.get_running_loop().create_future())
            future.set_result(None)
            return future
        return self._batcher.submit(caller)

    async def stop(self) -> None:
        await self._batcher.stop()

    async def _read(self, callers: Sequence[str]) -> list[CustomerFacts | None]:
        async with self._database.sessions() as session:
            found = await customers_facts(session, sorted(set(callers)))
        return [found.get(caller) for caller in callers]


async def customers_facts(session: AsyncSession,
                          phones: Sequence[str]) -> dict[str, CustomerFacts]:
    """Each known caller's customer and latest tickets (one more than a pop shows:
    the call's own ticket may be among them), in chunked queries."""
    by_phone = await customers_by_phone(session, phones)
    recent = await _recent_tickets(session, sorted({c.id for c in by_phone.values()}))
    return {phone: CustomerFacts(
        name=c.name, vip=c.vip, recent=tuple(_summary(t) for t in recent.get(c.id, [])))
        for phone, c in by_phone.items()}


async def _recent_tickets(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[Ticket]]:
    newest_first = (Ticket.created_at.desc(), Ticket.id.desc())
    found: dict[int, list[Ticket]] = {}
    for chunk in chunks(ids):
        ranked = (select(Ticket, func.row_number().over(
            partition_by=Ticket.customer_id, order_by=newest_first).label("rank"))
            .where(Ticket.customer_id.in_(chunk)).subquery())
        ticket = aliased(Ticket, ranked)
        query = (select(ticket).where(ranked.c.rank <= RECENT_TICKETS + 1)
                 .order_by(ranked.c.customer_id, ranked.c.rank))
        for row in await session.scalars(query):
            found.setdefault(row.customer_id or 0, []).append(row)
    return found


def _summary(ticket: Ticket) -> dict[str, object]:
    return {"number": ticket.number, "title": ticket.title, "status": ticket.status,
            "priority": ticket.priority, "assignee": ticket.assignee,
            "created_at": ticket.created_at.isoformat()}
