"""Merging one ticket into another, in one transaction.

Everything that points at the merged ticket moves to the survivor: its calls (and
with them their QA reviews, which point at calls), activities (notes, transcripts,
status history), transcripts, its e-mail (messages, attachments, the outbox's rows)
and CSAT surveys, the live calls' and callback attempts' rows, its
links and the pointers of tickets merged into it before (so a pointer is always one
hop), the dispositions chosen at its calls' wrap-ups. Its tags join the survivor's, and
its custom field values are copied where the survivor has none (the survivor's own
win); the merged ticket keeps its own, as it keeps its title. The merged ticket is
closed, keeps a pointer (``TicketMerge``) and a "merge" activity; the survivor gets
one too. The survivor's first response is the earlier of
the two (the customer was answered then), and its SLA clocks are recomputed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.agents.storage_models import CallbackAttempt, LiveCallTicket
from ccengine.csat.storage_models import CsatSurvey
from ccengine.dispositions.storage_models import CallDisposition
from ccengine.mail.storage_models import MailAttachment, MailMessage, OutgoingMail
from ccengine.ticket_fields.storage_models import TicketFieldValue, TicketTag
from ccengine.tickets.enums import ActivityKind, TicketStatus
from ccengine.tickets.linking import move_links
from ccengine.tickets.models import Call, Ticket, TicketActivity
from ccengine.tickets.relations_models import TicketMerge
from ccengine.tickets.relations_reads import survivor_of
from ccengine.tickets.relations_rules import MergeSide, check_merge, earliest
from ccengine.tickets.sla_marks import move_status
from ccengine.transcribe.storage_models import Transcript

# Every row that belongs to a ticket through a ``ticket_id`` column (the e-mail thread
# too: the survivor's timeline shows its messages, their attachments, replies thread).
OWNED: tuple[Any, ...] = (Call, TicketActivity, Transcript, LiveCallTicket, CallbackAttempt,
                          CallDisposition, MailMessage, MailAttachment, OutgoingMail,
                          CsatSurvey)


async def merge_side(session: AsyncSession, ticket: Ticket) -> MergeSide:
    return MergeSide(ticket.id, ticket.number, TicketStatus(ticket.status),
                     await survivor_of(session, ticket.number))


async def merge(session: AsyncSession, source: Ticket, target: Ticket,
                author: str | None, at: datetime) -> None:
    """Merge ``source`` into ``target`` (both loaded in ``session``); the caller syncs
    the SLA columns and commits."""
    check_merge(await merge_side(session, source), await merge_side(session, target))
    for model in OWNED:
        await session.execute(update(model).where(model.ticket_id == source.id)
                              .values(ticket_id=target.id)
                              .execution_options(synchronize_session=False))
    await session.execute(update(TicketMerge).where(TicketMerge.into_id == source.id)
                          .values(into_id=target.id))
    await _share_fields(session, source.id, target.id)
    target.updated_at = at
    await move_links(session, source, target)
    session.add(TicketMerge(ticket_id=source.id, into_id=target.id, author=author,
                            merged_at=at))
    _take_over(source, target)
    if source.status != TicketStatus.CLOSED:
        move_status(source, TicketStatus.CLOSED, at)
    source.updated_at = at
    _log(session, source, f"merged into {target.number}", {"into": target.number}, author, at)
    _log(session, target, f"{source.number} merged into this ticket",
         {"from": source.number}, author, at)


async def _share_fields(session: AsyncSession, source_id: int, target_id: int) -> None:
    """The survivor gets the merged ticket's tags it lacks, and its custom values for
    fields it has no value of; in SQL, one statement each."""
    survivor = literal(target_id, Integer)
    await session.execute(insert(TicketTag).from_select(
        ["ticket_id", "tag"],
        select(survivor, TicketTag.tag).where(
            TicketTag.ticket_id == source_id,
            TicketTag.tag.not_in(select(TicketTag.tag)
                                 .where(TicketTag.ticket_id == target_id)))))
    await session.execute(insert(TicketFieldValue).from_select(
        ["ticket_id", "field_id", "value"],
        select(survivor, TicketFieldValue.field_id, TicketFieldValue.value).where(
            TicketFieldValue.ticket_id == source_id,
            TicketFieldValue.field_id.not_in(select(TicketFieldValue.field_id)
                                             .where(TicketFieldValue.ticket_id == target_id)))))


def _take_over(source: Ticket, target: Ticket) -> None:
    """What the survivor learns from the merged ticket: its earlier first response,
    and its customer where the survivor had none."""
    target.first_response_at = earliest(target.first_response_at, source.first_response_at)
    if target.customer_id is None:
        target.customer_id = source.customer_id


def _log(session: AsyncSession, ticket: Ticket, body: str, data: dict[str, Any],
         author: str | None, at: datetime) -> None:
    session.add(TicketActivity(ticket=ticket, kind=ActivityKind.MERGE, body=body, data=data,
                               author=author, created_at=at))
