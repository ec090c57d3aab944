"""Ticket numbers: a per-year counter, allocated in blocks atomically."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from ccengine.tickets.models import TicketCounter


def counter_scope(year: int) -> str:
    return f"tickets:{year}"


def format_numbers(number_format: str, year: int, first: int, count: int) -> list[str]:
    return [number_format.format(year=year, seq=seq) for seq in range(first, first + count)]


async def allocate(session: AsyncSession, year: int, count: int) -> int:
    """Reserve ``count`` consecutive sequence numbers of ``year``; return the first.

    One upsert both creates the year's counter and advances it, so concurrent
    writers (other processes too) never receive the same numbers: the row
    lock serialises them until the holder's transaction ends.
    """
    if count < 1:
        raise ValueError(f"count must be positive, got {count}")
    statement = _upsert(session, counter_scope(year), count)
    last = (await session.execute(statement)).scalar_one()
    return int(last) - count + 1


def _upsert(session: AsyncSession, scope: str, count: int) -> ReturningInsert[int]:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        sqlite_insert = sqlite.insert(TicketCounter).values(scope=scope, value=count)
        return sqlite_insert.on_conflict_do_update(
            index_elements=[TicketCounter.scope], set_={"value": TicketCounter.value + count}
        ).returning(TicketCounter.value)
    if dialect == "postgresql":
        pg_insert = postgresql.insert(TicketCounter).values(scope=scope, value=count)
        return pg_insert.on_conflict_do_update(
            index_elements=[TicketCounter.scope], set_={"value": TicketCounter.value + count}
        ).returning(TicketCounter.value)
    raise NotImplementedError(f"ticket numbering on {dialect}")
