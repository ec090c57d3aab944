"""Merging tickets that have e-mail on them: the survivor shows both threads with
their files downloadable from it, and a customer's reply to the merged number lands
on the survivor, not on the merged pointer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from ccengine.config import TicketsConfig, WebConfig
from ccengine.db import Database
from ccengine.mail.intake_tickets import thread_of
from ccengine.mail.parsing import parse_message
from ccengine.mail.routing import number_pattern
from ccengine.mail.storage_models import Mailbox, OutgoingMail
from ccengine.tickets.merging import merge
from ccengine.tickets.models import Ticket
from ccengine.users.models import Role
from ccengine.web.api import setup_api
from tests import mail_samples as s
from tests.mail_tickets import email_ticket, ticket_with_mail
from tests.people import signed_in

Client = TestClient[Any, Any]
NOW = datetime(2026, 12, 5, 9, tzinfo=UTC)
PEOPLE = {"admin": ("Administrator", Role.ADMIN)}
MERGED, SURVIVOR = "TK-2026-000060", "TK-2026-000061"


def _with_files(message_id: str) -> bytes:
    return s.with_files().replace(b"<files@firma-klienta.pl>", message_id.encode())


async def _two_tickets_with_mail(database: Database) -> None:
    await ticket_with_mail(database, email_ticket(MERGED, NOW),
                           parse_message(_with_files("<a@firma-klienta.pl>")), NOW)
    await ticket_with_mail(database, email_ticket(SURVIVOR, NOW),
                           parse_message(_with_files("<b@firma-klienta.pl>")),
                           NOW + timedelta(minutes=1))
    async with database.writer() as session:
        merged_id = await session.scalar(select(Ticket.id).where(Ticket.number == MERGED))
        box = Mailbox(name="bok", queue="sales", address="bok@firma.pl", created_at=NOW,
                      updated_at=NOW)
        session.add(box)
        await session.flush()
        session.add(OutgoingMail(mailbox_id=box.id, ticket_id=merged_id, kind="reply",
                                 message_id="<ours@firma.pl>", sender="bok@firma.pl",
                                 recipients=["zamowienia@firma-klienta.pl"], raw=b"x",
                                 next_attempt_at=NOW, created_at=NOW))
        await session.commit()


async def test_the_survivor_shows_both_threads_with_their_files(database: Database) -> None:
    await _two_tickets_with_mail(database)
    app = web.Application()
    setup_api(app, database, WebConfig(secure_cookie=False))
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    try:
        headers = (await signed_in(database, PEOPLE, NOW))["admin"]
        merged = await client.post(f"/api/v1/tickets/{MERGED}/merge", headers=headers,
                                   json={"into": SURVIVOR})
        assert merged.status == 200, await merged.text()
        shown = await client.get(f"/api/v1/tickets/{SURVIVOR}", headers=headers)
        body = await shown.json()
        entries = [e for e in body["timeline"] if e["kind"] == "email_in"]
        assert len(entries) == 2 and all(e["mail"] is not None for e in entries), entries
        files = [f for e in entries for f in e["mail"]["attachments"]]
        assert len(files) == 8
        for file in files:
            got = await client.get(f"/api/v1/tickets/{SURVIVOR}/attachments/{file['id']}",
                                   headers=headers)
            assert got.status == 200, (file, await got.text())
    finally:
        await client.close()
    async with database.sessions() as session:
        survivor = await session.scalar(select(Ticket.id).where(Ticket.number == SURVIVOR))
        assert list(await session.scalars(select(OutgoingMail.ticket_id))) == [survivor]


async def test_a_reply_to_the_merged_number_lands_on_the_survivor(database: Database) -> None:
    await _two_tickets_with_mail(database)
    async with database.writer() as session:
        source = await session.scalar(select(Ticket).where(Ticket.number == MERGED))
        target = await session.scalar(select(Ticket).where(Ticket.number == SURVIVOR))
        assert source is not None and target is not None
        await merge(session, source, target, "admin", NOW)
        await session.commit()
    reply = parse_message((f"From: zamowienia@firma-klienta.pl\nTo: bok@firma.pl\n"
                           f"Subject: Re: [{MERGED}] Faktura\nMessage-ID: <r@firma-klienta.pl>\n"
                           "Content-Type: text/plain; charset=utf-8\n\nDziękuję\n").encode())
    by_id = parse_message(("From: zamowienia@firma-klienta.pl\nTo: bok@firma.pl\n"
                           "Subject: Re: Faktura\nMessage-ID: <r2@firma-klienta.pl>\n"
                           "In-Reply-To: <ours@firma.pl>\n"
                           "Content-Type: text/plain; charset=utf-8\n\nDziękuję\n").encode())
    pattern = number_pattern(TicketsConfig().number_format)
    async with database.sessions() as session:
        box = await session.scalar(select(Mailbox))
        assert box is not None
        for parsed in (reply, by_id):
            found = await thread_of(session, parsed, box, pattern, NOW)
            assert found is not None and found.number == SURVIVOR
