"""A customer's tickets, calls, callbacks and transcripts, as the viewer may see them.

A plain agent sees the tickets ``tickets.filters.visible`` gives her and the calls
of those tickets only (a call tells whom the customer talked to and about what).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.customers.model import CustomerHistory
from ccengine.tickets.enums import TicketKind
from ccengine.tickets.filters import Viewer, visible
from ccengine.tickets.models import Call, Ticket
from ccengine.transcribe.storage_models import Transcript

HISTORY_ROWS = 100  # per list, newest first: a page, not an archive


async def customer_history(session: AsyncSession, customer_id: int,
                           viewer: Viewer) -> CustomerHistory:
    tickets = list(await session.scalars(
        select(Ticket).where(Ticket.customer_id == customer_id, visible(viewer))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(HISTORY_ROWS)))
    calls = (await session.execute(
        select(Call, Ticket.number, Transcript.id)
        .outerjoin(Ticket, Call.ticket_id == Ticket.id)
        .outerjoin(Transcript, Transcript.call_id == Call.id)
        .where(Call.customer_id == customer_id, _call_visible(viewer))
        .order_by(Call.started_at.desc(), Call.id.desc()).limit(HISTORY_ROWS))).all()
    return CustomerHistory(
        tickets=[_ticket_row(t) for t in tickets],
        calls=[_call_row(call, number, transcript) for call, number, transcript in calls],
        callbacks=[_ticket_row(t) for t in tickets if t.kind == TicketKind.CALLBACK],
        transcripts=[{"id": transcript, "call_id": call.id, "ticket": number,
                      "started_at": call.started_at.isoformat()}
                     for call, number, transcript in calls if transcript is not None],
    )


def _call_visible(viewer: Viewer) -> ColumnElement[bool]:
    if viewer.sees_all:
        return true()
    return Call.ticket_id.in_(select(Ticket.id).where(visible(viewer)))


def _ticket_row(ticket: Ticket) -> dict[str, object]:
    return {"number": ticket.number, "title": ticket.title, "status": ticket.status,
            "priority": ticket.priority, "kind": ticket.kind, "queue": ticket.queue,
            "assignee": ticket.assignee, "created_at": ticket.created_at.isoformat(),
            "updated_at": ticket.updated_at.isoformat()}


def _call_row(call: Call, ticket: str | None, transcript: int | None) -> dict[str, object]:
    return {"id": call.id, "started_at": call.started_at.isoformat(),
            "outcome": call.outcome, "queue": call.queue, "agent": call.agent_name,
            "talk_seconds": call.talk_seconds, "ticket": ticket,
            "transcript": transcript}
