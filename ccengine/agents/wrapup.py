"""The paperwork that ends an agent's wrap-up: a note, the ticket's status and the
call's disposition (reason code), together.

One transaction: a status the workflow refuses (or a disposition missing or
unknown) leaves no note behind, so the agent's retry does not write the note twice.
A status equal to the current one changes nothing (the form offers "in progress"
for a ticket already in progress).
Resolving or closing here needs the required custom fields, as every agent's edit does
(409 ``custom-field-required``; the agent fills them on the ticket and retries).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ccengine.db import Database
from ccengine.dispositions import rules as dispositions
from ccengine.dispositions import service as disposition_service
from ccengine.ticket_fields.applying import refuse_finishing_without_required
from ccengine.tickets.editing import Current, TicketChanges, plan_changes
from ccengine.tickets.enums import ActivityKind, TicketStatus, is_finished
from ccengine.tickets.errors import TicketNotFound
from ccengine.tickets.filters import Viewer, can_see
from ccengine.tickets.models import Ticket, TicketActivity
from ccengine.tickets.sla_marks import move_status
from ccengine.tickets.sla_sync import DEFAULT_SLA, SlaProvider, sync_sla


@dataclass(frozen=True, slots=True)
class WrappedCall:
    """The call a wrap-up is about, as its queue's rules need it."""

    queue: str | None = None
    linkedid: str | None = None
    disposition: str | None = None  # the code the agent chose
    disposition_required: bool = False  # the queue's rule


async def write_wrap_up(database: Database, number: str, status: TicketStatus | None,
                        note: str | None, author: str, viewer: Viewer, at: datetime,
                        sla: SlaProvider = DEFAULT_SLA,
                        call: WrappedCall = WrappedCall()) -> None:
    async with database.writer() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.number == number))
        if ticket is None or not can_see(viewer, ticket.assignee, ticket.status):
            raise TicketNotFound(number)
        found = await disposition_service.offered(session, call.disposition)
        chosen = dispositions.chosen(call.disposition, found, call.queue,
                                     call.disposition_required)
        if chosen is not None:
            await disposition_service.record(session, ticket, chosen, call.queue,
                                             call.linkedid, author, at)
        current = Current(number, TicketStatus(ticket.status), ticket.priority, ticket.assignee)
        for change in plan_changes(current, TicketChanges(status=status)):
            new = TicketStatus(str(change.new))
            if is_finished(new):  # "done" at wrap-up is the agent's act, as a PATCH is
                await refuse_finishing_without_required(session, ticket)
            move_status(ticket, new, at)
            session.add(_activity(ticket, change.kind, change.body, change.data, author, at))
        if note and note.strip():
            session.add(_activity(ticket, ActivityKind.NOTE, note, {}, author, at))
        ticket.updated_at = at
        await sync_sla(session, [ticket], sla, at)
        await session.commit()


def _activity(ticket: Ticket, kind: ActivityKind, body: str, data: dict[str, str | None],
              author: str, at: datetime) -> TicketActivity:
    return TicketActivity(ticket=ticket, kind=kind, body=body, data=dict(data), author=author,
                          created_at=at)
