"""The one place the rest of the engine takes its calendars and policies from.

``StoredSlaBook.current()`` answers the cached ``SlaBook`` and reloads it (one
query pair) when the tables changed: writes in this process invalidate it at
once, writes by other processes are seen by a cheap stamp query made at most
every ``recheck_seconds``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.db import Database
from ccengine.sla.model import SlaBook
from ccengine.sla.service import calendar_rows, policy_rows, stored_calendar, stored_policy
from ccengine.sla.storage_models import SlaCalendarRow, SlaPolicyRow

# Rows, the sum of their versions, the highest id and the latest write, per table: an
# edit moves the sum and the time, a delete the count, a create the count or the id.
Stamp = tuple[Any, ...]


class SlaBookProvider(Protocol):
    async def current(self) -> SlaBook: ...


class FixedSlaBook:
    """A provider of one book that never changes: tests, files, no database."""

    def __init__(self, book: SlaBook) -> None:
        self.book = book

    async def current(self) -> SlaBook:
        return self.book

    def invalidate(self) -> None:
        """Nothing to reload."""


class StoredSlaBook:
    def __init__(self, database: Database, recheck_seconds: float = 5.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.database, self.recheck_seconds, self._monotonic = database, recheck_seconds, monotonic
        self._book: SlaBook | None = None
        self._stamp: Stamp | None = None
        self._generation = 0  # moved by invalidate(): a reload begun before is not kept
        self._checked_at = 0.0
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        """This process changed the tables: the next ``current()`` reloads."""
        self._book = None
        self._generation += 1

    async def current(self) -> SlaBook:
        book = self._fresh()
        if book is not None:
            return book
        async with self._lock:  # one reload at a time; the others take its result
            return self._fresh() or await self._refreshed()

    def _fresh(self) -> SlaBook | None:
        if self._monotonic() - self._checked_at < self.recheck_seconds:
            return self._book
        return None

    async def _refreshed(self) -> SlaBook:
        generation, book = self._generation, self._book
        async with self.database.sessions() as session:
            stamp = await book_stamp(session)
            if book is None or stamp != self._stamp:
                book = await load_book(session)
        if generation == self._generation:  # else a write landed meanwhile: ask again next time
            self._book, self._stamp, self._checked_at = book, stamp, self._monotonic()
        return book


async def load_book(session: AsyncSession) -> SlaBook:
    calendars = [stored_calendar(row).calendar for row in await calendar_rows(session)]
    policies = tuple(stored_policy(row).policy for row in await policy_rows(session))
    return SlaBook({calendar.name: calendar for calendar in calendars}, policies)


async def book_stamp(session: AsyncSession) -> Stamp:
    """One statement (one round trip: it is read in every ticket-writing transaction)
    of scalar subqueries over both tables."""
    parts = [part for table in (SlaCalendarRow, SlaPolicyRow) for part in (
        select(func.count()).select_from(table),
        select(func.coalesce(func.sum(table.version), 0)), select(func.max(table.id)),
        select(func.max(table.updated_at)))]
    row = (await session.execute(select(*(part.scalar_subquery() for part in parts)))).one()
    return tuple(row)
