"""Closing resolved tickets the customer did not come back to, N days after.

The sweep claims the tickets with a conditional UPDATE (still resolved, resolved
before the cutoff), so two processes never close one twice, and a ticket the
customer reopened meanwhile is not closed at all.

Required custom fields are deliberately NOT checked here: a resolved ticket had them
checked when a person resolved it (PATCH, bulk edit, status change, wrap-up), and a
field made required later must not leave old resolved tickets open for ever.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

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
        claimed = list(await session.scalars(
            update(Ticket).where(Ticket.id.in_(due), *still_due)
            .values(status=TicketStatus.CLOSED).returning(Ticket.id)
            .execution_options(synchronize_session=False)))
        tickets = list(await session.scalars(select(Ticket).where(Ticket.id.in_(claimed))))
        for ticket in tickets:
            session.add(_closed(ticket, after_days, now))
            move_status(ticket, TicketStatus.CLOSED, now)  # closed_at; resolved_at is kept
            ticket.updated_at = now
        await sync_sla(session, tickets, sla, now)
        await session.commit()
    return [ticket.number for ticket in tickets]


def _closed(ticket: Ticket, after_days: float, at: datetime) -> TicketActivity:
    data = {"from": str(TicketStatus.RESOLVED), "to": str(TicketStatus.CLOSED),
            "automatic": True, "after_days": after_days}
    body = f"{TicketStatus.RESOLVED} → {TicketStatus.CLOSED} · {auto_closed_body(after_days)}"
    return TicketActivity(ticket=ticket, kind=ActivityKind.STATUS_CHANGE, body=body, data=data,
                          author=SYSTEM_AUTHOR, created_at=at)
