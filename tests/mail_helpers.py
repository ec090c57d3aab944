"""Mailboxes and queued mail for the mail tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ccengine.db import Database
from ccengine.mail.composing import Attachment, Outgoing
from ccengine.mail.outbox import enqueue
from ccengine.mail.storage_models import Mailbox, OutgoingMail
from tests.smtp_server import PASSWORD, USER, SmtpServer

NOW = datetime(2026, 12, 5, 9, tzinfo=UTC)


async def add_mailbox(database: Database, name: str, server: SmtpServer | None,
                      queue: str = "reklamacje", **fields: Any) -> Mailbox:
    values: dict[str, Any] = {
        "name": name, "queue": queue, "address": f"{name}@firma.pl",
        "display_name": "Biuro Obsługi", "active": True, "smtp_host": "127.0.0.1",
        "smtp_port": server.port if server else 1, "smtp_security": "starttls",
        "smtp_user": USER, "smtp_password": PASSWORD, "created_at": NOW, "updated_at": NOW}
    values.update(fields)
    async with database.writer() as session:
        box = Mailbox(**values)
        session.add(box)
        await session.commit()
    return box


async def queue_mail(database: Database, box: Mailbox, subject: str = "Zamówienie",
                     **fields: Any) -> int:
    mail = Outgoing(**{"from_address": box.address, "from_name": box.display_name,
                       "to": ("jan@klient.pl",), "subject": subject,
                       "text": "Dzień dobry, zażółć gęślą jaźń.",
                       "ticket_number": "TK-2026-000001",
                       "attachments": (Attachment("faktura.pdf", "application/pdf",
                                                  b"%PDF-1.4 ok"),), **fields})
    async with database.writer() as session:
        row, _message = enqueue(session, box, mail, kind="reply", now=NOW)
        await session.commit()
        return row.id


async def outgoing(database: Database, row_id: int) -> OutgoingMail:
    async with database.sessions() as session:
        row = await session.get(OutgoingMail, row_id)
        assert row is not None
        return row
