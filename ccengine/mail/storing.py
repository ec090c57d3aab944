"""A parsed message on its ticket's thread: the ``MailMessage`` (masked where its
mailbox says so), its timeline activity and its files, written in the caller's
transaction (nothing commits here);
and the ticket a Message-ID already belongs to, for threading."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.mail.masking import masked
from ccengine.mail.model import ParsedAttachment, ParsedMail
from ccengine.mail.storage_models import (
    MESSAGE_ID,
    MailAttachment,
    Mailbox,
    MailMessage,
    OutgoingMail,
)
from ccengine.tickets.enums import ActivityKind
from ccengine.tickets.models import Ticket, TicketActivity

__all__ = ["DIRECTIONS", "message_ticket_id", "preview", "store_message"]

DIRECTIONS = {"in": ActivityKind.EMAIL_IN, "out": ActivityKind.EMAIL_OUT}
PREVIEW = 300
MAX_NOTE = 500


async def store_message(session: AsyncSession, *, ticket: Ticket, parsed: ParsedMail,
                        mailbox: Mailbox | None, direction: str, now: datetime,
                        author: str | None, masked_already: bool = False) -> MailMessage:
    """Writes the message, its EMAIL_IN or EMAIL_OUT activity and its attachments;
    flushes for the ids, never commits. When the mailbox masks personal data, the
    masking is done here (in a thread: it is CPU work), so no caller can store an
    unmasked message by forgetting it; a caller that masked ``parsed`` itself (the
    receiver, whose ticket title and routing must see the masked text too) says so:
    masking twice over-masks ("[PESEL]" left behind reads as a trigger word)."""
    if mailbox is not None and mailbox.mask_personal_data and not masked_already:
        parsed = await asyncio.to_thread(masked, parsed)
    activity = TicketActivity(ticket_id=ticket.id, kind=DIRECTIONS[direction],
                              body=preview(parsed), data={}, author=author, created_at=now)
    session.add(activity)
    await session.flush()
    message = _message(ticket, parsed, mailbox, direction, now, activity.id)
    session.add(message)
    await session.flush()
    activity.data = {"mail_message_id": message.id, "subject": parsed.subject}
    session.add_all(_attachment(ticket, message, file, now) for file in parsed.attachments)
    await session.flush()
    return message


def preview(parsed: ParsedMail) -> str:
    """The start of the new text, on one line, for lists and the timeline's summary."""
    words = " ".join(parsed.text.split()) or parsed.subject
    return words if len(words) <= PREVIEW else words[: PREVIEW - 1] + "…"


def _message(ticket: Ticket, parsed: ParsedMail, mailbox: Mailbox | None, direction: str,
             now: datetime, activity_id: int) -> MailMessage:
    return MailMessage(
        ticket_id=ticket.id, activity_id=activity_id,
        mailbox_id=mailbox.id if mailbox else None, direction=direction,
        message_id=parsed.message_id, in_reply_to=_id(parsed.in_reply_to),
        references=[ref for ref in parsed.references if len(ref) <= MESSAGE_ID],
        from_address=(parsed.from_address or "")[:320] or None,
        from_name=(parsed.from_name or "")[:200] or None,
        to=list(parsed.to), cc=list(parsed.cc), subject=parsed.subject[:998],
        body_text=parsed.text, body_html=parsed.html, quoted_text=parsed.quoted_text,
        note=_note(parsed.notes), received_at=now)


def _id(value: str | None) -> str | None:
    return value if value and len(value) <= MESSAGE_ID else None


def _note(notes: Iterable[str]) -> str | None:
    joined = "\n".join(notes)
    if len(joined) > MAX_NOTE:
        joined = joined[: MAX_NOTE - 1] + "…"
    return joined or None


def _attachment(ticket: Ticket, message: MailMessage, file: ParsedAttachment,
                now: datetime) -> MailAttachment:
    return MailAttachment(ticket_id=ticket.id, mail_message_id=message.id,
                          filename=file.filename[:255], content_type=file.content_type,
                          content_id=_id(file.content_id), inline=file.inline,
                          size=len(file.data), data=file.data, created_at=now)


async def message_ticket_id(session: AsyncSession, message_ids: Iterable[str]) -> int | None:
    """The ticket one of ``message_ids`` is on (a message received or sent), the newest
    message first; None when none is known."""
    wanted = [value for value in dict.fromkeys(message_ids) if value]
    if not wanted:
        return None
    found = await session.scalar(
        select(MailMessage.ticket_id).where(MailMessage.message_id.in_(wanted))
        .order_by(MailMessage.id.desc()).limit(1))
    if found is not None:
        return found
    return await session.scalar(
        select(OutgoingMail.ticket_id).where(OutgoingMail.message_id.in_(wanted),
                                             OutgoingMail.ticket_id.is_not(None))
        .order_by(OutgoingMail.id.desc()).limit(1))
