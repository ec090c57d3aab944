"""Splitting a call off a ticket: the call (with its activities, transcript and live
call row) goes to a new ticket, linked "related" to the old one.

The new ticket starts when the call did (the customer has waited since then), in the
old ticket's queue unless the call came through its own, with the old ticket's
priority, assignee and customer (the call's own customer first). An agent's answer of
the call is its first response. The old ticket keeps its first response: an answer
once given stays given.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.agents.storage_models import LiveCallTicket
from ccengine.calls.model import Outcome, is_own_call
from ccengine.config import TicketsConfig
from ccengine.tickets import numbering
from ccengine.tickets.enums import ActivityKind, ResponseKind, SourceChannel, TicketStatus
from ccengine.tickets.errors import CallNotOnTicket, OnlyCall
from ccengine.tickets.linking import add_link
from ccengine.tickets.models import Call, Ticket, TicketActivity
from ccengine.tickets.relations_rules import LinkKind
from ccengine.tickets.sla_marks import mark_response
from ccengine.transcribe.storage_models import Transcript


async def split_call(session: AsyncSession, ticket: Ticket, call_id: int, config: TicketsConfig,
                     author: str | None, at: datetime) -> Ticket:
    """A new ticket for the call ``call_id`` of ``ticket``; the caller syncs the SLA
    columns and commits."""
    call = await session.scalar(select(Call).where(Call.id == call_id,
                                                   Call.ticket_id == ticket.id))
    if call is None:
        raise CallNotOnTicket(ticket.number, call_id)
    calls = await session.scalar(select(func.count(Call.id)).where(Call.ticket_id == ticket.id))
    if calls == 1:
        raise OnlyCall(ticket.number)
    new = await _new_ticket(session, ticket, call, config, at)
    await _move_call(session, ticket, call, new)
    ticket.updated_at = at
    await add_link(session, ticket, new, LinkKind.RELATED, author, at)
    data = {"call_id": call.id}
    _log(session, ticket, f"call split off into {new.number}", {**data, "into": new.number},
         author, at)
    _log(session, new, f"split off {ticket.number}", {**data, "from": ticket.number}, author, at)
    return new


async def _new_ticket(session: AsyncSession, old: Ticket, call: Call, config: TicketsConfig,
                      at: datetime) -> Ticket:
    year = at.astimezone(ZoneInfo(config.timezone)).year
    first = await numbering.allocate(session, year, 1)
    [number] = numbering.format_numbers(config.number_format, year, first, 1)
    new = Ticket(number=number, title=old.title, status=TicketStatus.NEW, priority=old.priority,
                 kind=old.kind, queue=call.queue or old.queue, assignee=old.assignee,
                 customer_id=call.customer_id or old.customer_id,
                 source_channel=SourceChannel.PHONE, created_at=call.started_at,
                 updated_at=at, sla_pauses=[])
    answered = _agent_answer(call)
    if answered is not None:
        mark_response(new, ResponseKind.ANSWERED_CALL, answered, config.first_response)
    session.add(new)
    await session.flush()
    return new


def _agent_answer(call: Call) -> datetime | None:
    """As ``sla_marks.agent_answer``, for a stored call."""
    if call.outcome != Outcome.ANSWERED or is_own_call(call.linkedid):
        return None
    return call.answered_at


async def _move_call(session: AsyncSession, old: Ticket, call: Call, new: Ticket) -> None:
    call.ticket_id = new.id
    for statement in (
        update(TicketActivity).where(TicketActivity.ticket_id == old.id,
                                     TicketActivity.call_id == call.id),
        update(Transcript).where(Transcript.call_id == call.id),
        update(LiveCallTicket).where(LiveCallTicket.pbx == call.pbx,
                                     LiveCallTicket.linkedid == call.linkedid),
    ):
        await session.execute(statement.values(ticket_id=new.id)
                              .execution_options(synchronize_session=False))


def _log(session: AsyncSession, ticket: Ticket, body: str, data: dict[str, object],
         author: str | None, at: datetime) -> None:
    session.add(TicketActivity(ticket=ticket, kind=ActivityKind.SPLIT, body=body, data=data,
                               author=author, created_at=at))
