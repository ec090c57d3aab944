"""Claiming and scheduling a callback: one agent at a time calls a customer back,
at the time agreed ("call back at 15:00") when there is one.

A claim assigns the callback ticket to the agent, atomically (two agents who
click at once: one gets it, the other hears who holds it). The list shows who
holds each callback; a plain agent no longer sees one another agent holds, as
with any ticket assigned to someone else.

The claims are conditional bulk UPDATEs (the race guard), which the session's hooks
do not see: each ticket a claim took is told to automation explicitly as an
``updated`` event of its assignee (no status changes here: no status interval).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.agents.callbacks import (
    SCHEDULE_KEY,
    CallbackError,
    check_callback,
    same_caller_open,
)
from ccengine.automation.recording import field_changed
from ccengine.db import Database
from ccengine.tickets.enums import ActivityKind
from ccengine.tickets.filters import Viewer
from ccengine.tickets.models import Ticket, TicketActivity


async def claim(database: Database, number: str, agent: str, viewer: Viewer,
                at: datetime) -> str:
    """The callback ``number`` is ``agent``'s now (it is already: nothing changes),
    with the caller's other open callbacks nobody holds, in one transaction.
    Returns the holder's name; another agent's claim is a ``callback-held`` error."""
    async with database.writer() as session:
        ticket = check_callback(
            await session.scalar(select(Ticket).where(Ticket.number == number)), number, viewer)
        if ticket.assignee != agent:
            await _take(session, ticket.id, agent, at)
            field_changed(session, ticket, "assignee")
        taken = await session.scalars(
            update(Ticket).where(same_caller_open(ticket, agent), Ticket.assignee.is_(None))
            .values(assignee=agent, updated_at=at).returning(Ticket.id)
            .execution_options(synchronize_session=False))
        for ticket_id in list(taken):
            _note_assignment(session, ticket_id, agent, at)
            other = await session.get(Ticket, ticket_id)
            if other is not None:
                field_changed(session, other, "assignee")
        await session.commit()
    return agent


async def _take(session: AsyncSession, ticket_id: int, agent: str, at: datetime) -> None:
    """Assign only if nobody holds it, so of two agents who click at once one wins."""
    taken = await session.execute(
        update(Ticket).where(Ticket.id == ticket_id, Ticket.assignee.is_(None))
        .values(assignee=agent, updated_at=at).execution_options(synchronize_session=False))
    if getattr(taken, "rowcount", 0) != 1:
        await session.rollback()
        holder = await session.scalar(select(Ticket.assignee).where(Ticket.id == ticket_id))
        raise CallbackError("callback-held", f"{holder} is calling this customer back")
    _note_assignment(session, ticket_id, agent, at)


def _note_assignment(session: AsyncSession, ticket_id: int, agent: str, at: datetime) -> None:
    session.add(TicketActivity(ticket_id=ticket_id, kind=ActivityKind.ASSIGNMENT,
                               body=f"- → {agent}", data={"from": None, "to": agent},
                               author=agent, created_at=at))


async def schedule(database: Database, number: str, when: datetime | None, agent: str,
                   viewer: Viewer, at: datetime) -> None:
    """When to call back (None: no time agreed any more), as a note on the ticket: the
    latest such note is the schedule the list shows."""
    async with database.writer() as session:
        ticket = check_callback(
            await session.scalar(select(Ticket).where(Ticket.number == number)), number, viewer)
        body = (f"Oddzwonić: {when.isoformat(timespec='minutes')}" if when
                else "Oddzwonić: bez umówionej godziny")
        session.add(TicketActivity(ticket_id=ticket.id, kind=ActivityKind.NOTE, body=body,
                                   author=agent, created_at=at,
                                   data={SCHEDULE_KEY: when.isoformat() if when else None}))
        ticket.updated_at = at
        await session.commit()

