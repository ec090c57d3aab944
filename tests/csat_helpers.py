"""Shared set-up of the CSAT tests: a queue's mailbox, a customer with an e-mail and
a ticket of theirs, and the survey links read back from the outbox's raw message."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

from sqlalchemy import select

from ccengine.csat.mailing import MailSettings
from ccengine.customers.storage_models import CustomerEmail
from ccengine.db import Database
from ccengine.mail.storage_models import Mailbox, OutgoingMail
from ccengine.tickets.enums import Priority, SourceChannel, TicketKind, TicketStatus
from ccengine.tickets.models import Customer, Ticket

SECRET = "test-secret-for-csat-links"
SETTINGS = MailSettings(secret=SECRET, public_url="https://cc.example.pl",
                        link_for=timedelta(days=14), resend_after=timedelta(days=30),
                        off_queues=frozenset({"bez_ankiet"}))
LINK = re.compile(r"https://cc\.example\.pl/csat/([A-Za-z0-9_.-]+)\?score=([1-5])")


async def mailbox_for(database: Database, queue: str) -> None:
    now = datetime.now(UTC)
    async with database.writer() as session:
        session.add(Mailbox(name=f"box-{queue}", queue=queue, address=f"{queue}@sklep.pl",
                            display_name="Sklep Obsługa", active=True, created_at=now,
                            updated_at=now))
        await session.commit()


async def ticket_for(database: Database, number: str, queue: str, *,
                     email: str | None = "jan.kowalski@example.com",
                     assignee: str | None = "Anna Nowak") -> int:
    now = datetime.now(UTC)
    async with database.writer() as session:
        customer = Customer(name="Jan Kowalski", created_at=now)
        session.add(customer)
        await session.flush()
        if email is not None:
            session.add(CustomerEmail(customer_id=customer.id, address=email))
        ticket = Ticket(number=number, title="Zwrot", status=TicketStatus.IN_PROGRESS,
                        priority=Priority.P3, kind=TicketKind.CALL, queue=queue,
                        assignee=assignee, customer_id=customer.id,
                        source_channel=SourceChannel.PHONE, created_at=now, updated_at=now)
        session.add(ticket)
        await session.commit()
        return ticket.id


async def surveys_sent(database: Database, ticket_id: int) -> list[OutgoingMail]:
    async with database.sessions() as session:
        return list(await session.scalars(select(OutgoingMail).where(
            OutgoingMail.ticket_id == ticket_id, OutgoingMail.kind == "csat")))


def parsed(row: OutgoingMail) -> EmailMessage:
    message = message_from_bytes(row.raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def links_of(row: OutgoingMail) -> list[tuple[str, int]]:
    body = parsed(row).get_body(("plain",))
    assert body is not None
    return [(token, int(score)) for token, score in LINK.findall(body.get_content())]
