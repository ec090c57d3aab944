"""Ring-time tickets whose call was lost while the engine was not connected to
Asterisk: reconciled after each resync.

A ticket is opened when a call joins a queue (``agents.call_tickets``) and the
call's record reuses it when the call ends. If the engine is not connected
meanwhile (kill -9, a crash, a restart, a plain link drop) and the call ends
before it is back, no end ever comes: the ticket would stay new or in progress
for ever, with no call. After every AMI
login, once the resync lists are applied, the PBX's ring-time tickets with no
call record are looked at. A call the tracker knows (still live, or ended and
on its way to the database) keeps its ticket: its record attaches to it as
usual. Any other is gone from Asterisk: its ticket says so in an activity. If
the call opened it and an agent took it (assigned, in progress), it is closed;
if nobody took it, the call rang in a queue and was never answered as far as we
know, so it becomes an open callback with the missed-call priority (as the end
of the call would have made it). A ticket the call only joined (the caller's
open one) stays as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.agents.storage_models import LiveCallTicket
from ccengine.db import Database
from ccengine.tickets.assigning import SYSTEM_AUTHOR, status_change
from ccengine.tickets.enums import ActivityKind, Priority, TicketKind, TicketStatus
from ccengine.tickets.models import Call, Customer, Ticket, TicketActivity
from ccengine.tickets.rules import MISSED_CALL_PRIORITY, priority
from ccengine.tickets.sla_marks import move_status
from ccengine.tickets.sla_sync import DEFAULT_SLA, SlaProvider, sync_sla

LOST_NOTE = ("Połączenie utracone, gdy silnik nie był połączony z Asterisk: "
             "Asterisk już go nie pokazuje")
Known = Callable[[tuple[str, str]], bool]


async def close_lost_calls(database: Database, pbx: str, seen_before: datetime,
                           known: Known, at: datetime,
                           sla: SlaProvider = DEFAULT_SLA) -> list[str]:
    """Reconcile ``pbx``'s ring-time tickets opened before ``seen_before`` whose call
    has no record and is not ``known``; the numbers of the tickets told so."""
    async with database.writer() as session:
        lost = [(live, ticket) for live, ticket in await _unrecorded(session, pbx, seen_before)
                if not known((live.pbx, live.linkedid))]
        for live, ticket in lost:
            _tell_lost(session, live, ticket, at)
            if live.created:
                await _settle_lost(session, ticket, at)
            await session.delete(live)  # settled: nothing will reuse it, nor look again
        await sync_sla(session, [ticket for _, ticket in lost], sla, at)
        await session.commit()
    return [ticket.number for _, ticket in lost]


async def _unrecorded(session: AsyncSession, pbx: str,
                      seen_before: datetime) -> list[tuple[LiveCallTicket, Ticket]]:
    recorded = and_(Call.pbx == LiveCallTicket.pbx, Call.linkedid == LiveCallTicket.linkedid)
    query = (select(LiveCallTicket, Ticket)
             .join(Ticket, Ticket.id == LiveCallTicket.ticket_id)
             .outerjoin(Call, recorded)
             .where(LiveCallTicket.pbx == pbx, LiveCallTicket.created_at < seen_before,
                    Call.id.is_(None))
             .order_by(LiveCallTicket.id))
    return [(live, ticket) for live, ticket in await session.execute(query)]


def _tell_lost(session: AsyncSession, live: LiveCallTicket, ticket: Ticket,
               at: datetime) -> None:
    session.add(TicketActivity(ticket=ticket, kind=ActivityKind.NOTE, body=LOST_NOTE,
                               author=SYSTEM_AUTHOR, created_at=at,
                               data={"call": "lost_while_disconnected", "linkedid": live.linkedid}))
    ticket.updated_at = at


async def _settle_lost(session: AsyncSession, ticket: Ticket, at: datetime) -> None:
    """What the lost end of the call would have done to the ticket it opened."""
    if ticket.assignee is None:
        await _make_callback(session, ticket)
    elif ticket.status == TicketStatus.IN_PROGRESS:
        session.add(status_change(ticket, TicketStatus.CLOSED, SYSTEM_AUTHOR, at))
        move_status(ticket, TicketStatus.CLOSED, at)


async def _make_callback(session: AsyncSession, ticket: Ticket) -> None:
    # Nobody answered as far as we know: the caller waits for a call back, so the
    # ticket stays open; the priority is raised, never lowered (as at a call's end).
    customer = (await session.get(Customer, ticket.customer_id)
                if ticket.customer_id is not None else None)
    missed = priority(MISSED_CALL_PRIORITY, customer is not None and customer.vip)
    ticket.kind = TicketKind.CALLBACK
    ticket.priority = Priority(ticket.priority).more_urgent(missed)
