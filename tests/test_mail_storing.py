"""Received e-mail on a ticket: the message, its timeline entry and its files are
written together; its files are served only to who may see the ticket, always as a
sandboxed download with the sniffed type; threading finds a ticket by Message-ID."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from ccengine.config import WebConfig
from ccengine.db import Database
from ccengine.mail.parsing import parse_message
from ccengine.mail.storage_models import MailAttachment, Mailbox, MailMessage, OutgoingMail
from ccengine.mail.storing import message_ticket_id
from ccengine.tickets.models import Ticket, TicketActivity
from ccengine.users.models import Role
from ccengine.web.api import setup_api
from tests import mail_samples as s
from tests.mail_tickets import email_ticket, ticket_with_mail
from tests.people import signed_in

Client = TestClient[Any, Any]
NOW = datetime(2026, 12, 5, 9, tzinfo=UTC)
PEOPLE = {"admin": ("Administrator", Role.ADMIN), "anna": ("Anna Nowak", Role.AGENT),
          "ewa": ("Ewa Lis", Role.AGENT), "qa": ("Ola QA", Role.QA_LEAD)}
NUMBER = "TK-2026-000042"


@dataclass
class World:
    client: Client
    headers: dict[str, dict[str, str]]
    database: Database
    message_id: int

    async def get(self, who: str, path: str) -> Any:
        return await self.client.get(path, headers=self.headers[who])

    async def files(self) -> dict[str, MailAttachment]:
        async with self.database.sessions() as session:
            rows = await session.scalars(select(MailAttachment))
            return {row.filename: row for row in rows}


@pytest.fixture
async def world(database: Database) -> AsyncIterator[World]:
    parsed = parse_message(s.with_files())
    message_id = await ticket_with_mail(database, email_ticket(NUMBER, NOW, assignee="Anna Nowak",
                                                               status="open"), parsed, NOW)
    app = web.Application()
    setup_api(app, database, WebConfig(secure_cookie=False))
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    headers = await signed_in(database, PEOPLE, NOW)
    yield World(client, headers, database, message_id)
    await client.close()


async def test_the_message_its_activity_and_files_are_stored_together(world: World) -> None:
    async with world.database.sessions() as session:
        message = await session.get(MailMessage, world.message_id)
        assert message is not None and message.activity_id is not None
        activity = await session.get(TicketActivity, message.activity_id)
        count = await session.scalar(select(func.count()).select_from(MailAttachment)
                                     .where(MailAttachment.mail_message_id == message.id))
    assert activity is not None and activity.kind == "email_in"
    assert activity.data == {"mail_message_id": message.id, "subject": "Faktura"}
    assert activity.body.startswith("W załączniku faktura.")
    assert message.body_html is not None and "cid:logo@firma" in message.body_html
    assert message.from_address == "zamowienia@firma-klienta.pl" and count == 4


async def test_the_timeline_entry_carries_the_message(world: World) -> None:
    response = await world.get("anna", f"/api/v1/tickets/{NUMBER}")
    body = await response.json()
    assert response.status == 200, body
    [entry] = [entry for entry in body["timeline"] if entry["kind"] == "email_in"]
    mail = entry["mail"]
    assert mail["subject"] == "Faktura" and mail["text"].startswith("W załączniku")
    assert mail["from_address"] == "zamowienia@firma-klienta.pl" and mail["to"] == ["bok@firma.pl"]
    files = {file["filename"]: file for file in mail["attachments"]}
    assert files["logo.png"]["inline"] and files["logo.png"]["content_id"] == "<logo@firma>"
    assert files["faktura.pdf"]["content_type"] == "application/pdf"
    assert files["faktura.pdf"]["size"] == len(s.PDF)
    assert "data" not in files["faktura.pdf"]


async def test_a_file_downloads_sandboxed_with_its_sniffed_type(world: World) -> None:
    files = await world.files()
    pdf = files["faktura.pdf"]
    response = await world.get("anna", f"/api/v1/tickets/{NUMBER}/attachments/{pdf.id}")
    assert response.status == 200
    assert await response.read() == s.PDF
    assert response.content_type == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="faktura.pdf"')
    docx = files["Umowa żółta.docx"]
    named = (await world.get("qa", f"/api/v1/tickets/{NUMBER}/attachments/{docx.id}"))
    disposition = named.headers["Content-Disposition"]
    assert 'filename="Umowa ___ta.docx"' in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "Umowa żółta.docx"


async def test_only_a_recognised_image_is_shown_inline(world: World) -> None:
    files = await world.files()
    logo = await world.get("anna", f"/api/v1/tickets/{NUMBER}/attachments/"
                                   f"{files['logo.png'].id}?inline=1")
    assert logo.headers["Content-Disposition"].startswith("inline;")
    assert logo.content_type == "image/png"
    pdf = await world.get("anna", f"/api/v1/tickets/{NUMBER}/attachments/"
                                  f"{files['faktura.pdf'].id}?inline=1")
    assert pdf.headers["Content-Disposition"].startswith("attachment;")


async def test_who_may_not_see_the_ticket_gets_not_found(world: World) -> None:
    pdf = (await world.files())["faktura.pdf"]
    path = f"/api/v1/tickets/{NUMBER}/attachments/{pdf.id}"
    hidden = await world.get("ewa", path)  # another agent's ticket
    assert hidden.status == 404 and (await hidden.json())["error"] == "ticket-not-found"
    assert (await world.get("nobody", path)).status == 401
    elsewhere = await world.get("admin", f"/api/v1/tickets/TK-2026-000999/attachments/{pdf.id}")
    assert elsewhere.status == 404
    missing = await world.get("admin", f"/api/v1/tickets/{NUMBER}/attachments/999999")
    assert missing.status == 404 and (await missing.json())["error"] == "attachment-not-found"
    bad = await world.get("admin", f"/api/v1/tickets/{NUMBER}/attachments/x")
    body = await bad.json()
    assert bad.status == 400 and body["error"] == "invalid-parameter", body


async def test_threading_finds_the_ticket_by_a_message_id(world: World) -> None:
    async with world.database.writer() as session:
        ticket_id = await session.scalar(select(Ticket.id).where(Ticket.number == NUMBER))
        session.add(OutgoingMail(mailbox_id=await _mailbox(session), ticket_id=ticket_id,
                                 kind="reply", message_id="<ours@firma.pl>",
                                 sender="bok@firma.pl", recipients=["a@x.pl"], raw=b"x",
                                 next_attempt_at=NOW, created_at=NOW))
        await session.commit()
    async with world.database.sessions() as session:
        assert await message_ticket_id(session, ["<nope@x>", "<files@firma-klienta.pl>"]) \
            == ticket_id
        assert await message_ticket_id(session, ["<ours@firma.pl>"]) == ticket_id
        assert await message_ticket_id(session, ["<nope@x>"]) is None
        assert await message_ticket_id(session, []) is None


async def _mailbox(session: Any) -> int:
    box = Mailbox(name="bok", queue="sales", address="bok@firma.pl", created_at=NOW,
                  updated_at=NOW)
    session.add(box)
    await session.flush()
    return box.id


async def test_a_broken_message_and_a_bounce_store_whole(database: Database) -> None:
    broken = parse_message(s.BROKEN_MIME)
    message_id = await ticket_with_mail(database, email_ticket("TK-2026-000050", NOW),
                                        broken, NOW)
    async with database.sessions() as session:
        message = await session.get(MailMessage, message_id)
        raw = await session.scalar(select(MailAttachment.data).where(
            MailAttachment.mail_message_id == message_id,
            MailAttachment.filename == "wiadomosc.eml"))
    assert message is not None and message.note and "wiadomosc.eml" in message.note
    assert raw == s.BROKEN_MIME


async def test_a_masking_mailbox_stores_no_pesel(database: Database) -> None:
    raw = ("From: a@x.pl\nSubject: PESEL 90010112345\nContent-Type: text/plain; "
           "charset=utf-8\n\nMój PESEL: 90010112345, karta 4111 1111 1111 1111\n").encode()
    box = Mailbox(name="bok", queue="sales", address="bok@firma.pl", mask_personal_data=True,
                  created_at=NOW, updated_at=NOW)
    message_id = await ticket_with_mail(database, email_ticket("TK-2026-000051", NOW),
                                        parse_message(raw), NOW, box)
    async with database.sessions() as session:
        message = await session.get(MailMessage, message_id)
        assert message is not None and message.activity_id is not None
        activity = await session.get(TicketActivity, message.activity_id)
    assert activity is not None
    for value in (message.subject, message.body_text, activity.body,
                  str(activity.data)):
        assert "90010112345" not in value and "4111" not in value, value
    assert "[PESEL]" in message.body_text and "[CARD]" in message.body_text
