"""Tickets with received e-mail on them, stored as the receiver stores it."""

from __future__ import annotations

from datetime import datetime

from ccengine.db import Database
from ccengine.mail.model import ParsedMail
from ccengine.mail.storage_models import Mailbox
from ccengine.mail.storing import store_message
from ccengine.tickets.models import Ticket


def email_ticket(number: str, at: datetime, assignee: str | None = None,
                 status: str = "new") -> Ticket:
    return Ticket(number=number, title="E-mail", status=status, priority="P3", kind="call",
                  queue="sales", assignee=assignee, source_channel="email",
                  created_at=at, updated_at=at)


async def ticket_with_mail(database: Database, ticket: Ticket, parsed: ParsedMail,
                           at: datetime, mailbox: Mailbox | None = None) -> int:
    """Stores the ticket and ``parsed`` on it in one transaction; the message's row id."""
    async with database.writer() as session:
        session.add(ticket)
        if mailbox is not None:
            session.add(mailbox)
        await session.flush()
        message = await store_message(session, ticket=ticket, parsed=parsed, mailbox=mailbox,
                                      direction="in", now=at, author=parsed.from_address)
        await session.commit()
        return message.id
