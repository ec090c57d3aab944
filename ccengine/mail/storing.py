# TEMPORARY: replaced by wip/parse at merge (a minimal stand-in with the same signatures).
"""A parsed message on a ticket's thread: its activity and its MailMessage row."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.mail.model import ParsedMail
from ccengine.mail.storage_models import Mailbox, MailMessage
from ccengine.tickets.enums import ActivityKind
from ccengine.tickets.models import Ticket, TicketActivity

__all__ = ["message_ticket_id", "store_message"]


async def store_message(session: AsyncSession, *, ticket: Ticket, parsed: ParsedMail,
                        mailbox: Mailbox | None, direction: str, now: datetime,
                        author: str) -> MailMessage:
    kind = ActivityKind.EMAIL_IN if direction == "in" else ActivityKind.EMAIL_OUT
    activity = TicketActivity(ticket=ticket, kind=kind, body=parsed.text[:4000], data={},
                              author=author, created_at=now)
    session.add(activity)
    await session.flush()
    row = MailMessage(
        ticket_id=ticket.id, activity_id=activity.id,
        mailbox_id=mailbox.id if mailbox is not None else None, direction=direction,
        message_id=parsed.message_id, in_reply_to=parsed.in_reply_to,
        references=list(parsed.references), from_address=parsed.from_address,
        from_name=parsed.from_name, to=list(parsed.to), cc=list(parsed.cc),
        subject=parsed.subject[:998], body_text=parsed.text, body_html=parsed.html,
        quoted_text=parsed.quoted_text, received_at=now)
    session.add(row)
    await session.flush()
    activity.data = {"mail_message_id": row.id}
    return row


async def message_ticket_id(session: AsyncSession, ids: Iterable[str]) -> int | None:
    wanted = [i for i in ids if i]
    if not wanted:
        return None
    return (await session.execute(
        select(MailMessage.ticket_id).where(MailMessage.message_id.in_(wanted))
        .order_by(MailMessage.id.desc()).limit(1))).scalar_one_or_none()
