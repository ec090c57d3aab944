"""Primary keys chosen up front on SQLite, so a batch inserts with executemany.

SQLite does not promise that RETURNING rows come back in the order of a
multi-row INSERT, so SQLAlchemy inserts ORM objects whose keys it must learn
one statement at a time: four statements per recorded call, each a thread hop
through aiosqlite. Rows whose keys are already known go in one executemany.

This is safe only inside a write transaction begun IMMEDIATE
(``Database.writer``): SQLite then admits no other writer until we commit, so
``max(id)`` cannot move under us.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.tickets.models import Call, Customer, Ticket, TicketActivity
from ccengine.transcribe.storage_models import TranscriptionJob

Keyed = Customer | Ticket | Call | TicketActivity | TranscriptionJob
_MODELS: tuple[type[Keyed], ...] = (Customer, Ticket, Call, TicketActivity, TranscriptionJob)


async def assign_ids(session: AsyncSession, pending: Iterable[object]) -> None:
    """Give every pending row of our tables the next free id of its table."""
    rows = list(pending)
    # Autoflush would insert the pending rows (one by one) before we number them.
    with session.no_autoflush:
        query = select(*(select(func.max(m.id)).scalar_subquery() for m in _MODELS))
        lasts = (await session.execute(query)).one()
    for model, last in zip(_MODELS, lasts, strict=True):
        _number([row for row in rows if isinstance(row, model)], last or 0)


def _number(rows: Sequence[Keyed], last: int) -> None:
    for offset, row in enumerate((row for row in rows if row.id is None), start=1):
        row.id = last + offset
