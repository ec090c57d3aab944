"""``callback.due`` when an agreed time to call back comes (the callback list's schedule
notes), found by a sweep in the delivery worker.

Each schedule is announced once: its deliveries' webhook-id is made from the id of the
note that set it, and an endpoint that already has that id gets nothing more, so the
next sweep, a restart or a second process adds nothing. A schedule more than
``LOOKBACK`` old when first seen (the engine was down for days) is not announced late.
A callback opened by a missed call is due at once: ``recording`` announces it then.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.agents.callback_list import latest_schedules
from ccengine.db import Database
from ccengine.tickets.enums import TicketKind, TicketStatus
from ccengine.tickets.models import Ticket
from ccengine.webhooks import payloads
from ccengine.webhooks.model import EventType
from ccengine.webhooks.recording import Happened, queue

__all__ = ["LOOKBACK", "SWEEP_EVERY", "announce_due_callbacks", "sweep"]

LOOKBACK = timedelta(days=1)
SWEEP_EVERY = timedelta(seconds=30)
MAX_OPEN = 10_000  # open callbacks looked at per sweep (a contact center has far fewer)
_FINISHED = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


def message_id_of(note_id: int) -> str:
    return f"msg_callback_due_{note_id}"


def is_due(when: Any, now: datetime) -> bool:
    """An agreed time (ISO 8601, aware) reached within the look-back; a cleared or
    unreadable one is never due."""
    if not isinstance(when, str):
        return False
    try:
        moment = datetime.fromisoformat(when)
    except ValueError:
        return False
    return moment.tzinfo is not None and now - LOOKBACK < moment <= now


async def announce_due_callbacks(session: AsyncSession, now: datetime) -> int:
    """Queue ``callback.due`` for each open callback whose agreed time has come (in the
    caller's transaction); how many deliveries were added."""
    ids = list(await session.scalars(select(Ticket.id).where(
        Ticket.kind == TicketKind.CALLBACK, Ticket.status.not_in(_FINISHED))
        .order_by(Ticket.id).limit(MAX_OPEN)))
    due = {ticket_id: (note_id, when)
           for ticket_id, (note_id, when) in (await latest_schedules(session, ids)).items()
           if is_due(when, now)}
    if not due:
        return 0
    tickets = {ticket.id: ticket for ticket in await session.scalars(
        select(Ticket).where(Ticket.id.in_(due)))}
    happened = [Happened(EventType.CALLBACK_DUE,
                         {"ticket": payloads.ticket_data(tickets[ticket_id]),
                          "scheduled_at": when}, message_id_of(note_id))
                for ticket_id, (note_id, when) in sorted(due.items())]
    return await session.run_sync(lambda sync: queue(sync.connection(), happened, now))


async def sweep(database: Database, now: datetime) -> int:
    """One sweep, committed; a second process that queued the same deliveries first
    (the unique webhook-id per endpoint) leaves this one with nothing to add."""
    try:
        async with database.writer() as session:
            added = await announce_due_callbacks(session, now)
            await session.commit()
            return added
    except IntegrityError:
        return 0
