"""Queueing a ticket's e-mail: one ``OutgoingMail`` row in the caller's transaction.

The sender worker delivers it through the mailbox's SMTP later; the caller's commit
is the only moment that decides whether the message exists.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import getaddresses

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.mail.composing import Outgoing, compose
from ccengine.mail.storage_models import Mailbox, MailMessage, OutgoingMail

__all__ = ["enqueue", "mailbox_for_queue", "mailbox_for_ticket", "message_domain"]


async def mailbox_for_queue(session: AsyncSession, queue: str | None) -> Mailbox | None:
    """The active mailbox a ticket of ``queue`` answers from (the lowest id when a
    queue has several), or None: that ticket cannot be written to by e-mail."""
    if queue is None:
        return None
    return (await session.execute(
        select(Mailbox).where(Mailbox.queue == queue, Mailbox.active.is_(True))
        .order_by(Mailbox.id).limit(1))).scalar_one_or_none()


async def mailbox_for_ticket(session: AsyncSession, ticket_id: int,
                             queue: str | None) -> Mailbox | None:
    """The active mailbox a ticket is answered from: the one its customer last wrote
    to (a filter may have routed that mail to another queue's ticket), else its
    queue's."""
    last = (select(MailMessage.mailbox_id)
            .where(MailMessage.ticket_id == ticket_id, MailMessage.direction == "in",
                   MailMessage.mailbox_id.is_not(None))
            .order_by(MailMessage.received_at.desc(), MailMessage.id.desc()).limit(1))
    wrote_to = (await session.execute(
        select(Mailbox).where(Mailbox.id == last.scalar_subquery(),
                              Mailbox.active.is_(True)))).scalar_one_or_none()
    return wrote_to or await mailbox_for_queue(session, queue)


def message_domain(mailbox: Mailbox) -> str:
    return mailbox.address.rpartition("@")[2] or "localhost"


def enqueue(session: AsyncSession, mailbox: Mailbox, mail: Outgoing, *, kind: str,
            now: datetime, ticket_id: int | None = None,
            bcc: tuple[str, ...] = (),
            message: EmailMessage | None = None) -> tuple[OutgoingMail, EmailMessage]:
    """Add the message to the outbox (flushed with the caller's transaction);
    ``message``: ``mail`` composed already (off the event loop, for big files)."""
    message = message or compose(mail, now=now, domain=message_domain(mailbox))
    recipients = [address for _name, address in getaddresses([*mail.to, *mail.cc, *bcc])
                  if address]
    row = OutgoingMail(mailbox_id=mailbox.id, ticket_id=ticket_id, kind=kind,
                       message_id=str(message["Message-ID"]), sender=mailbox.address,
                       recipients=recipients, raw=bytes(message), status="pending",
                       attempts=0, next_attempt_at=now, created_at=now)
    session.add(row)
    return row, message
