"""The callback list: open callback tickets an agent may open, one entry per caller.

The limit applies to callers, not tickets: older data may hold many open
callbacks of one caller (before further missed calls joined the open one), and
they must not push everyone else off the list.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, String, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.agents.callback_voicemail import voicemails
from ccengine.agents.callbacks import SCHEDULE_KEY, attempt_json
from ccengine.agents.storage_models import CallbackAttempt
from ccengine.calls.model import Outcome as CallOutcome
from ccengine.db import Database
from ccengine.tickets.enums import FINISHED, ActivityKind, TicketKind
from ccengine.tickets.filters import Viewer, visible
from ccengine.tickets.models import Call, Customer, Ticket, TicketActivity

LIST_LIMIT = 200  # callers, each with all their open callbacks
_URGENT_FIRST = (Ticket.priority, Ticket.created_at, Ticket.id)


def _caller_key() -> ColumnElement[str]:
    """Whose callback it is: the caller's number, or the ticket itself without one
    ('#' keeps a ticket id from ever equalling an E.164 number)."""
    return func.coalesce(Customer.phone_e164, literal("#") + cast(Ticket.id, String))


def _open_visible(viewer: Viewer) -> tuple[ColumnElement[bool], ...]:
    return (Ticket.kind == TicketKind.CALLBACK, Ticket.status.not_in(FINISHED),
            visible(viewer))


async def _first_callers(session: AsyncSession, viewer: Viewer) -> list[str]:
    """The ``LIST_LIMIT`` callers whose most urgent, oldest callback comes first."""
    key = _caller_key().label("caller_key")
    ranked = (select(key, *_URGENT_FIRST, func.row_number().over(
                  partition_by=key, order_by=_URGENT_FIRST).label("rank"))
              .outerjoin(Customer, Ticket.customer_id == Customer.id)
              .where(*_open_visible(viewer))).subquery()
    query = (select(ranked.c.caller_key).where(ranked.c.rank == 1)
             .order_by(ranked.c.priority, ranked.c.created_at, ranked.c.id).limit(LIST_LIMIT))
    return list(await session.scalars(query))


async def list_callbacks(database: Database, viewer: Viewer) -> list[dict[str, Any]]:
    """Callback tickets not closed that ``viewer`` may open, most urgent and oldest
    first, with their attempts (the list shows no more than the ticket itself)."""
    async with database.sessions() as session:
        callers = await _first_callers(session, viewer)
        rows = list(await session.execute(
            select(Ticket, Customer).outerjoin(Customer, Ticket.customer_id == Customer.id)
            .where(*_open_visible(viewer), _caller_key().in_(callers))
            .order_by(*_URGENT_FIRST))) if callers else []
        ids = [ticket.id for ticket, _ in rows]
        scheduled = await _schedules(session, ids)
        missed = await _missed_calls(session, ids)
        messages = await voicemails(session, ids)
        attempts: Iterable[CallbackAttempt] = await session.scalars(
            select(CallbackAttempt).where(CallbackAttempt.ticket_id.in_(ids))
            .order_by(CallbackAttempt.started_at, CallbackAttempt.id)) if ids else []
        by_ticket: dict[int, list[dict[str, Any]]] = {}
        for attempt in attempts:
            by_ticket.setdefault(attempt.ticket_id, []).append(attempt_json(attempt))
    return one_per_caller([
        {"ticket": ticket.number, "title": ticket.title, "status": ticket.status,
         "caller": customer.phone_e164 if customer else None,
         "caller_name": customer.name if customer else None,
         "vip": bool(customer and customer.vip), "priority": ticket.priority,
         "queue": ticket.queue, "assignee": ticket.assignee,
         "scheduled_at": scheduled.get(ticket.id),
         "created_at": ticket.created_at.isoformat(),
         "missed_calls": missed.get(ticket.id, 1),
         "voicemail": ({"ticket": ticket.number, **messages[ticket.id].as_json()}
                       if ticket.id in messages else None),
         "attempts": by_ticket.get(ticket.id, [])} for ticket, customer in rows])


async def _missed_calls(session: AsyncSession, ids: list[int]) -> dict[int, int]:
    """How many missed calls each ticket holds (a further missed call of the same
    caller is added to the open callback, see ``tickets.assigning``)."""
    if not ids:
        return {}
    missed = [str(outcome) for outcome in CallOutcome if outcome.missed]
    query = (select(Call.ticket_id, func.count())
             .where(Call.ticket_id.in_(ids), Call.outcome.in_(missed))
             .group_by(Call.ticket_id))
    return {ticket_id: count for ticket_id, count in await session.execute(query)
            if ticket_id is not None}


async def _schedules(session: AsyncSession, ids: list[int]) -> dict[int, str | None]:
    return {ticket_id: when for ticket_id, (_note, when) in
            (await latest_schedules(session, ids)).items()}


async def latest_schedules(session: AsyncSession,
                           ids: list[int]) -> dict[int, tuple[int, str | None]]:
    """Each ticket's latest agreed time to call back (see ``callback_claims.schedule``)
    with the id of the note that set it: only the latest schedule note per ticket is
    read, not every note. The key is looked for in the data's text, as both SQLite and
    PostgreSQL can (a cleared schedule is the key with null, which a JSON path lookup
    cannot tell from none)."""
    if not ids:
        return {}
    newest_first = (TicketActivity.created_at.desc(), TicketActivity.id.desc())
    ranked = (select(TicketActivity.ticket_id, TicketActivity.id, TicketActivity.data,
                     func.row_number().over(
                  partition_by=TicketActivity.ticket_id, order_by=newest_first).label("rank"))
              .where(TicketActivity.ticket_id.in_(ids),
                     TicketActivity.kind == ActivityKind.NOTE,
                     cast(TicketActivity.data, String).contains(f'"{SCHEDULE_KEY}"',
                                                                autoescape=True))).subquery()
    latest = await session.execute(
        select(ranked.c.ticket_id, ranked.c.id, ranked.c.data).where(ranked.c.rank == 1))
    return {ticket_id: (note_id, data[SCHEDULE_KEY]) for ticket_id, note_id, data in latest
            if SCHEDULE_KEY in (data or {})}


def one_per_caller(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per caller: the first (most urgent, oldest) of the caller's open
    callbacks, with how many missed calls wait and the other tickets' numbers (open
    callbacks made before missed calls joined one, or another queue's). A caller who
    rang eight times is one person to call back, not eight."""
    first: dict[str, dict[str, Any]] = {}
    listed: list[dict[str, Any]] = []
    for item in items:
        caller = item["caller"]
        entry = first.get(caller) if caller else None
        if entry is None:
            entry = {**item, "also": []}
            listed.append(entry)
            if caller:
                first[caller] = entry
            continue
        entry["missed_calls"] += item["missed_calls"]
        entry["voicemail"] = entry["voicemail"] or item["voicemail"]
        entry["also"].append(item["ticket"])
        entry["attempts"] = sorted([*entry["attempts"], *item["attempts"]],
                                   key=lambda attempt: (attempt["at"], attempt["id"]))
    return listed
