"""Merge, link, split and bulk edit: each a unit of work on the ticket side.

Merge, link and split are one transaction each. A bulk edit is one transaction per
ticket, through the very path of a single edit (``TicketService.update``: the
workflow checked per ticket, the SLA clocks recomputed, each change in the ticket's
own history), so one ticket's refusal does not undo another's change: the answer
says per ticket what happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.config import TicketsConfig
from ccengine.db import Database
from ccengine.tickets.editing import TicketChanges
from ccengine.tickets.errors import LinkExists, TicketError
from ccengine.tickets.filters import EVERYONE, Viewer
from ccengine.tickets.linking import add_link, remove_link
from ccengine.tickets.merging import merge
from ccengine.tickets.models import Ticket
from ccengine.tickets.relations_reads import refuse_merged
from ccengine.tickets.relations_rules import LinkKind
from ccengine.tickets.service import Clock, TicketService, find_ticket, utc_now
from ccengine.tickets.sla_sync import DEFAULT_SLA, SlaProvider, sync_sla
from ccengine.tickets.splitting import split_call

MAX_BULK = 500


@dataclass(frozen=True, slots=True)
class BulkResult:
    number: str
    error: TicketError | None = None  # None: changed (or already as asked)


class TicketRelations:
    def __init__(self, database: Database, config: TicketsConfig, clock: Clock = utc_now,
                 sla: SlaProvider = DEFAULT_SLA) -> None:
        self._database = database
        self._config = config
        self._clock = clock
        self._sla = sla

    async def merge(self, number: str, into: str, author: str | None,
                    viewer: Viewer = EVERYONE) -> str:
        """Merge ticket ``number`` into ``into``; returns the survivor's number."""
        async with self._database.writer() as session:
            source = await find_ticket(session, number, viewer)
            target = await find_ticket(session, into, viewer)
            await _lock(session, source, target)
            now = self._clock()
            await merge(session, source, target, author, now)
            await sync_sla(session, [source, target], self._sla, now)
            await session.commit()
        return target.number

    async def link(self, number: str, other: str, kind: LinkKind, author: str | None,
                   viewer: Viewer = EVERYONE) -> None:
        """``other`` is ``kind`` (related, parent, child) to ``number``."""
        async with self._database.writer() as session:
            ticket, linked = await self._pair(session, number, other, viewer)
            await add_link(session, ticket, linked, kind, author, self._clock())
            try:
                await session.commit()
            except IntegrityError:  # the same pair linked meanwhile, by someone else
                raise LinkExists(ticket.number, linked.number) from None

    async def unlink(self, number: str, other: str, author: str | None,
                     viewer: Viewer = EVERYONE) -> None:
        async with self._database.writer() as session:
            ticket, linked = await self._pair(session, number, other, viewer)
            await remove_link(session, ticket, linked, author, self._clock())
            await session.commit()

    async def split(self, number: str, call_id: int, author: str | None,
                    viewer: Viewer = EVERYONE) -> str:
        """Split call ``call_id`` off ticket ``number``; returns the new ticket's number."""
        async with self._database.writer() as session:
            ticket = await find_ticket(session, number, viewer)
            await refuse_merged(session, ticket)
            now = self._clock()
            new = await split_call(session, ticket, call_id, self._config, author, now)
            await sync_sla(session, [ticket, new], self._sla, now)
            await session.commit()
        return new.number

    async def bulk_update(self, numbers: Sequence[str], changes: TicketChanges,
                          author: str | None, viewer: Viewer = EVERYONE) -> list[BulkResult]:
        """Each ticket edited on its own (see the module's note); in the order given."""
        service = TicketService(self._database, self._config, self._clock, self._sla)
        results = []
        for number in numbers:
            try:
                await service.update(number, changes, author, viewer)
            except TicketError as error:
                results.append(BulkResult(number, error))
            else:
                results.append(BulkResult(number))
        return results

    async def _pair(self, session: AsyncSession, number: str, other: str,
                    viewer: Viewer) -> tuple[Ticket, Ticket]:
        """Both tickets of a link, each one the viewer sees and neither merged."""
        tickets = (await find_ticket(session, number, viewer),
                   await find_ticket(session, other, viewer))
        for ticket in tickets:
            await refuse_merged(session, ticket)
        return tickets


async def _lock(session: AsyncSession, *tickets: Ticket) -> None:
    """Lock the rows (in id order, so two merges cannot deadlock) and read them again:
    of two opposite merges at once, the second then sees the first and is refused
    instead of making a cycle. SQLite's writer transaction is exclusive already."""
    await session.execute(
        select(Ticket).where(Ticket.id.in_([t.id for t in tickets])).order_by(Ticket.id)
        .with_for_update().execution_options(populate_existing=True))
