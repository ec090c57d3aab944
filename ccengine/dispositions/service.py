"""Dispositions' transactions: admins' list and edits, a wrap-up's choice, the report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.db import Database
from ccengine.dispositions.rules import (
    DispositionExists,
    DispositionNotFound,
    Offered,
    check_code,
    check_label,
)
from ccengine.dispositions.storage_models import CallDisposition, Disposition
from ccengine.tickets.enums import ActivityKind
from ccengine.tickets.filters import Viewer, visible
from ccengine.tickets.models import Ticket, TicketActivity


@dataclass(frozen=True, slots=True)
class Edit:
    """An admin's change; None leaves a field as it is (``queue`` "" clears it)."""

    label_pl: str | None = None
    label_en: str | None = None
    active: bool | None = None
    queue: str | None = None


def as_json(row: Disposition) -> dict[str, Any]:
    return {"code": row.code, "label_pl": row.label_pl, "label_en": row.label_en,
            "active": row.active, "queue": row.queue}


async def list_dispositions(database: Database, queue: str | None = None,
                            active_only: bool = False) -> list[dict[str, Any]]:
    """By code; ``queue``: those a wrap-up there may take (its own and every queue's)."""
    query = select(Disposition).order_by(Disposition.code)
    if queue is not None:
        query = query.where((Disposition.queue.is_(None)) | (Disposition.queue == queue))
    if active_only:
        query = query.where(Disposition.active.is_(True))
    async with database.sessions() as session:
        return [as_json(row) for row in await session.scalars(query)]


async def create(database: Database, code: str, label_pl: str, label_en: str,
                 queue: str | None, at: datetime) -> dict[str, Any]:
    row = Disposition(code=check_code(code), label_pl=check_label("label_pl", label_pl),
                      label_en=check_label("label_en", label_en), active=True,
                      queue=queue or None, created_at=at, updated_at=at)
    try:
        async with database.writer() as session:
            session.add(row)
            await session.commit()
    except IntegrityError:
        raise DispositionExists("code", f"disposition {code!r} exists") from None
    return as_json(row)


async def update(database: Database, code: str, edit: Edit, at: datetime) -> dict[str, Any]:
    async with database.writer() as session:
        row = await session.scalar(select(Disposition).where(Disposition.code == code))
        if row is None:
            raise DispositionNotFound("code", f"no disposition {code!r}")
        if edit.label_pl is not None:
            row.label_pl = check_label("label_pl", edit.label_pl)
        if edit.label_en is not None:
            row.label_en = check_label("label_en", edit.label_en)
        if edit.active is not None:
            row.active = edit.active
        if edit.queue is not None:
            row.queue = edit.queue or None
        row.updated_at = at
        await session.commit()
    return as_json(row)


async def offered(session: AsyncSession, code: str | None) -> Offered | None:
    if code is None:
        return None
    row = await session.scalar(select(Disposition).where(Disposition.code == code))
    return None if row is None else Offered(row.id, row.code, row.active, row.queue)


async def record(session: AsyncSession, ticket: Ticket, chosen: Offered, queue: str | None,
                 linkedid: str | None, author: str, at: datetime) -> None:
    """The wrap-up's choice, on the ticket and in its history (in the caller's
    transaction)."""
    row = await session.get(Disposition, chosen.id)
    assert row is not None  # read in this transaction
    session.add(CallDisposition(ticket_id=ticket.id, disposition_id=chosen.id,
                                code=chosen.code, queue=queue, linkedid=linkedid,
                                author=author, chosen_at=at))
    session.add(TicketActivity(ticket=ticket, kind=ActivityKind.DISPOSITION,
                               body=f"{row.code}: {row.label_pl} / {row.label_en}",
                               data={"disposition": row.code, "queue": queue},
                               author=author, created_at=at))


@dataclass(frozen=True, slots=True)
class ReportAsk:
    start: datetime
    end: datetime
    queue: str | None
    viewer: Viewer


async def report(database: Database, ask: ReportAsk) -> list[dict[str, Any]]:
    """Dispositions chosen in [start, end), counted per code (and queue), on tickets
    the viewer may see: the list follows the tickets' own visibility."""
    query = (select(CallDisposition.code, CallDisposition.queue, func.count())
             .join(Ticket, CallDisposition.ticket_id == Ticket.id)
             .where(CallDisposition.chosen_at >= ask.start, CallDisposition.chosen_at < ask.end,
                    visible(ask.viewer))
             .group_by(CallDisposition.code, CallDisposition.queue)
             .order_by(CallDisposition.code, CallDisposition.queue))
    if ask.queue is not None:
        query = query.where(CallDisposition.queue == ask.queue)
    async with database.sessions() as session:
        labels = {row.code: row for row in await session.scalars(select(Disposition))}
        rows = (await session.execute(query)).all()
    return [{"code": code, "queue": queue, "count": count,
             "label_pl": labels[code].label_pl if code in labels else code,
             "label_en": labels[code].label_en if code in labels else code}
            for code, queue, count in rows]
