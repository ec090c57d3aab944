"""Snoozing a ticket, waking it early, and the sweep that wakes the due ones.

A snooze is ``snoozed_until`` on the ticket: the lists hide it (``filters``) and
its clocks pause (``sla_marks.set_paused``). Waking clears it, puts the ticket
back in progress (``life_rules``) and logs both; the sweep claims the due
tickets with a conditional UPDATE, so two processes never wake one twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.db import Database
from ccengine.notifications.service import new_notification
from ccengine.notifications.storage_models import Notification
from ccengine.tickets.batch_rows import SYSTEM_AUTHOR, chunks, status_change
from ccengine.tickets.enums import ActivityKind, TicketStatus, can_transition
from ccengine.tickets.errors import SnoozeInThePast, SnoozeTooFar, TicketFinished, TicketNotFound
from ccengine.tickets.filters import EVERYONE, Viewer, can_see
from ccengine.tickets.life_rules import (
    WOKEN_EARLY,
    WOKEN_ON_TIME,
    WOKEN_STATUS,
    SnoozeRefusal,
    snooze_refusal,
    snoozed_body,
    woken_title,
)
from ccengine.tickets.models import Ticket, TicketActivity
from ccengine.tickets.sla_facts import pause_wanted
from ccengine.tickets.sla_marks import move_status, set_paused
from ccengine.tickets.sla_sync import DEFAULT_SLA, SlaProvider, sync_sla
from ccengine.users.models import User

SWEEP_BATCH = 200  # tickets woken (or closed) per transaction


SNOOZE_KIND = "snooze_ended"  # the notification kind (``ccengine.notifications``)


@dataclass(frozen=True, slots=True)
class Woken:
    """A ticket whose snooze ended, and the notification its assignee got (if any)."""

    number: str
    title: str
    assignee: str | None
    notification: Notification | None = None


async def snooze(database: Database, number: str, until: datetime, author: str | None,
                 now: datetime, viewer: Viewer = EVERYONE,
                 sla: SlaProvider = DEFAULT_SLA) -> None:
    """Snooze the ticket until ``until`` (a later snooze replaces an earlier one)."""
    async with database.writer() as session:
        ticket = await _ticket(session, number, viewer)
        _check(ticket, until, now)
        ticket.snoozed_until = until
        ticket.updated_at = now
        set_paused(ticket, True, now)
        session.add(_activity(ticket, snoozed_body(until), {"until": until.isoformat()},
                              author, now))
        await sync_sla(session, [ticket], sla, now)
        await session.commit()


async def wake_early(database: Database, number: str, author: str | None, now: datetime,
                     viewer: Viewer = EVERYONE, sla: SlaProvider = DEFAULT_SLA) -> None:
    """End the snooze now; a ticket that is not snoozed stays as it is."""
    async with database.writer() as session:
        ticket = await _ticket(session, number, viewer)
        if ticket.snoozed_until is None:
            return
        wake(session, ticket, WOKEN_EARLY, author, now)
        await sync_sla(session, [ticket], sla, now)
        await session.commit()


async def wake_due(database: Database, now: datetime, sla: SlaProvider = DEFAULT_SLA,
                   limit: int = SWEEP_BATCH) -> list[Woken]:
    """Wake up to ``limit`` tickets whose snooze ended by ``now``; one transaction."""
    # Read first: most sweeps find nothing, and then take no write lock at all.
    async with database.sessions() as session:
        due = list(await session.scalars(
            select(Ticket.id).where(Ticket.snoozed_until <= now)
            .order_by(Ticket.snoozed_until, Ticket.id).limit(limit)))
    if not due:
        return []
    async with database.writer() as session:
        # The claim: another process that read the same ids finds them woken already.
        claimed = list(await session.scalars(
            update(Ticket).where(Ticket.id.in_(due), Ticket.snoozed_until <= now)
            .values(snoozed_until=None).returning(Ticket.id)
            .execution_options(synchronize_session=False)))
        tickets = list(await session.scalars(select(Ticket).where(Ticket.id.in_(claimed))))
        for ticket in tickets:
            wake(session, ticket, WOKEN_ON_TIME, SYSTEM_AUTHOR, now)
        await sync_sla(session, tickets, sla, now)
        woken = await _notified(session, tickets, now)
        await session.commit()
    return woken


async def _notified(session: AsyncSession, tickets: list[Ticket], at: datetime) -> list[Woken]:
    """Each woken ticket with a notification for its assignee, written in the waking
    transaction (a crash cannot wake a ticket and lose the word of it)."""
    names = sorted({ticket.assignee for ticket in tickets if ticket.assignee})
    ids: dict[str, int] = {}
    for chunk in chunks(names):
        rows = await session.execute(select(User.display_name, User.id)
                                     .where(User.display_name.in_(chunk), User.active))
        ids.update({name: user_id for name, user_id in rows})
    woken = []
    for ticket in tickets:
        user_id = ids.get(ticket.assignee or "")
        row = None if user_id is None else new_notification(
            user_id, SNOOZE_KIND, ticket.number, woken_title(ticket.number), ticket.title,
            {"ticket_title": ticket.title}, at)
        if row is not None:
            session.add(row)
        woken.append(Woken(ticket.number, ticket.title, ticket.assignee, row))
    await session.flush()  # the rows' ids, for the message sent after the commit
    return woken


def wake(session: AsyncSession, ticket: Ticket, body: str, author: str | None,
         at: datetime) -> None:
    """The snooze is over: back to open work (``WOKEN_STATUS``), its clocks running."""
    ticket.snoozed_until = None
    ticket.updated_at = at
    session.add(_activity(ticket, body, {"woken": True}, author, at))
    current = TicketStatus(ticket.status)
    if current is not WOKEN_STATUS and can_transition(current, WOKEN_STATUS):
        session.add(status_change(ticket, WOKEN_STATUS, author or SYSTEM_AUTHOR, at))
        move_status(ticket, WOKEN_STATUS, at)
    else:
        set_paused(ticket, pause_wanted(current), at)


def _check(ticket: Ticket, until: datetime, now: datetime) -> None:
    refusal = snooze_refusal(ticket.status, until, now)
    if refusal is SnoozeRefusal.FINISHED:
        raise TicketFinished(ticket.number, ticket.status)
    if refusal is SnoozeRefusal.PAST:
        raise SnoozeInThePast(ticket.number, until.isoformat())
    if refusal is SnoozeRefusal.TOO_FAR:
        raise SnoozeTooFar(ticket.number, until.isoformat())


async def _ticket(session: AsyncSession, number: str, viewer: Viewer) -> Ticket:
    ticket = await session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None or not can_see(viewer, ticket.assignee, ticket.status):
        raise TicketNotFound(number)
    return ticket


def _activity(ticket: Ticket, body: str, data: dict[str, object], author: str | None,
              at: datetime) -> TicketActivity:
    return TicketActivity(ticket=ticket, kind=ActivityKind.SNOOZE, body=body, data=data,
                          author=author, created_at=at)
