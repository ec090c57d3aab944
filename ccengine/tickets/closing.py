"""Closing resolved tickets the customer did not come back to, N days after.

The sweep locks the tickets still due (still resolved, resolved before the cutoff;
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, SQLite's writer is one at a time), so two
processes never close one twice, and a ticket the customer reopened meanwhile is not
closed at all. The status is set through the ORM, not by a bulk UPDATE: the session's
hooks then record the ``closed`` status interval and the ``updated`` automation event
as for any other close.

Required custom fields are deliberately NOT checked here: a resolved ticket had them
checked when a person resolved it (PATCH, bulk edit, status change, wrap-up), and a
field made required later must not leave old resolved tickets open for ever.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ccengine.db import Database
from ccengine.tickets.batch_rows import SYSTEM_AUTHOR
from ccengine.tickets.enums import ActivityKind, TicketStatus
from ccengine.tickets.life_rules import auto_close_cutoff, auto_closed_body
from ccengine.tickets.models import Ticket, TicketActivity
from ccengine.tickets.sla_marks import move_status
from ccengine.tickets.sla_sync import DEFAULT_SLA, SlaProvider, sync_sla
from ccengine.tickets.snoozing import SWEEP_BATCH


async def close_resolved(database: Database, now: datetime, after_days: float,
                         sla: SlaProvider = DEFAULT_SLA, limit: int = SWEEP_BATCH) -> list[str]:
    """Close up to ``limit`` tickets resolved more than ``after_days`` ago; their numbers."""
    cutoff = auto_close_cutoff(now, after_days)
    if cutoff is None:
        return []
    still_due = (Ticket.status == TicketStatus.RESOLVED, Ticket.resolved_at < cutoff)
    async with database.sessions() as session:  # most sweeps find nothing: no write lock
        due = list(await session.scalars(
            select(Ticket.id).where(*still_due).order_by(Ticket.resolved_at, Ticket.id)
            .limit(limit)))
    if not due:
        return []
    async with database.writer() as session:
        claim = select(Ticket).where(Ticket.id.in_(due), *still_due).order_by(Ticket.id)
        if database.dialect_name == "postgresql":
            claim = claim.with_for_update(skip_locked=True)
        tickets = list(await session.scalars(claim))
        for ticket in tickets:
            session.add(_closed(ticket, after_days, now))
            ticket.updated_at = now  # before the status: the new interval starts then
            move_status(ticket, TicketStatus.CLOSED, now)  # closed_at; resolved_at is kept
        await sync_sla(session, tickets, sla, now)
        await session.commit()
    return [ticket.number for ticket in tickets]


def _closed(ticket: Ticket, after_days: float, at: datetime) -> TicketActivity:
    data = {"from": str(TicketStatus.RESOLVED), "to": str(TicketStatus.CLOSED),
            "automatic": True, "after_days": after_days}
    body = f"{TicketStatus.RESOLVED} → {TicketStatus.CLOSED} · {auto_closed_body(after_days)}"
    return TicketActivity(ticket=ticket, kind=ActivityKind.STATUS_CHANGE, body=body, data=data,
                          author=SYSTEM_AUTHOR, created_at=at)
