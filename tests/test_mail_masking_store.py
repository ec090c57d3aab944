"""A mailbox that masks personal data stores no PESEL anywhere: not in a broken
message kept whole, not in a forwarded message's file name or bytes, not in the
sender's name (the customer's name, the activity's author)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, select

from ccengine.config import TicketsConfig
from ccengine.db import Database
from ccengine.mail.ingest import Intake, ingest
from ccengine.mail.masking import masked
from ccengine.mail.model import ParsedAttachment, ParsedMail
from ccengine.mail.parsing import parse_message
from ccengine.mail.storage_models import MailAttachment, MailMessage
from ccengine.tickets.models import Customer, Ticket, TicketActivity
from tests.mail_intake import add_mailbox

PESEL = "90010112345"
NOW = datetime(2026, 12, 5, 9, tzinfo=UTC)

BROKEN = f"""From: "PESEL {PESEL}" <a@x.pl>
Subject: zepsuty
Message-ID: <broken-mask@x.pl>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="nie-ma-go"

--inna-granica
Content-Type: text/plain

Moj PESEL: {PESEL}, prosze o kontakt.
--inna-granica--
""".encode()

FORWARDED = f"""From: Jan Kowalski <jan@x.pl>
Subject: Fwd: dane
Message-ID: <fwd-mask@x.pl>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

Przesylam dalej.
--b1
Content-Type: message/rfc822

From: Ewa <ewa@x.pl>
Subject: PESEL {PESEL}
Content-Type: text/plain; charset=utf-8

Moj PESEL: {PESEL}, prosze o kontakt.
--b1
Content-Type: text/plain; charset=utf-8
Content-Disposition: attachment; filename="PESEL {PESEL}.txt"

Moj PESEL: {PESEL}.
--b1--
""".encode()


def _leaks(value: Any) -> bool:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return PESEL in re.sub(r"\D", "", str(value)) if value is not None else False


async def _leaking(database: Database) -> list[str]:
    found: list[str] = []
    async with database.sessions() as session:
        for model in (MailMessage, MailAttachment, TicketActivity, Ticket, Customer):
            table = model.__table__
            assert isinstance(table, Table)
            for row in (await session.execute(select(table))).all():
                found += [f"{table.name}.{column}={value!r:.200}"
                          for column, value in row._mapping.items() if _leaks(value)]
    return found


async def test_broken_and_forwarded_mail_leave_no_pesel(database: Database) -> None:
    box = await add_mailbox(database, "mask", mask_personal_data=True)
    intake = Intake(tickets=TicketsConfig())
    for raw in (BROKEN, FORWARDED):
        await ingest(database, box, parse_message(raw), intake, NOW)
    async with database.sessions() as session:
        files = (await session.execute(select(MailAttachment.filename, MailAttachment.data)
                                       .order_by(MailAttachment.id))).all()
    assert await _leaking(database) == []
    # kept as masked text: what a person reads in them is not lost
    assert [name for name, _ in files] == [
        "wiadomosc.txt", "PESEL [PESEL].txt", "PESEL [PESEL].txt"], files
    assert all(b"[PESEL]" in data for _, data in files[1:]), files


def test_attachments_and_the_sender_name_are_masked() -> None:
    mail = masked(ParsedMail(
        message_id="<m@x>", subject="", from_address="a@x.pl", from_name=f"PESEL {PESEL}",
        attachments=(ParsedAttachment(f"PESEL {PESEL}.pdf", "application/pdf", b"%PDF-1.4"),
                     ParsedAttachment("list.txt", "text/plain",
                                      f"PESEL: {PESEL}".encode("cp1250")))))
    assert not _leaks(mail.from_name)
    assert [not _leaks(file.filename) and not _leaks(file.data)
            for file in mail.attachments] == [True, True]
    assert mail.attachments[0].data == b"%PDF-1.4"
