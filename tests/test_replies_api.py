"""Replying from a ticket over HTTP, delivered to a real SMTP server: the ticket
number in the subject, threading on the last message, CC, the attachment, the
agent's and the queue's signatures, Polish intact; the first response stopped and
the ticket waiting for its customer. Templates: placeholders rendered, unknown ones
refused naming the field; no mailbox is a 409; a too-large file a 413."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from ccengine.config import Config, MailConfig, WebConfig
from ccengine.customers.storage_models import CustomerEmail
from ccengine.db import Database
from ccengine.mail.sender import MailSender, SenderPolicy
from ccengine.mail.storage_models import MailAttachment, MailMessage
from ccengine.tickets.models import Customer, Ticket, TicketActivity
from ccengine.users.models import Role
from ccengine.web.api import setup_api
from ccengine.web.keys import CLOCK, CONFIG, Clock
from tests.automation_helpers import add_ticket
from tests.mail_helpers import NOW, add_mailbox
from tests.people import signed_in
from tests.smtp_server import SmtpServer

Client = TestClient[Any, Any]
NUMBER = "TK-2026-000007"
TEMPLATES = "/api/v1/reply-templates"


class Frozen(Clock):
    def now(self) -> datetime:
        return NOW


@dataclass
class Api:
    client: Client
    headers: dict[str, dict[str, str]]
    database: Database

    async def call(self, method: str, path: str, body: Any = None, who: str = "admin",
                   status: int = 200) -> Any:
        response = await self.client.request(method, path, json=body, headers=self.headers[who])
        assert response.status == status, await response.text()
        return await response.json()

    async def reply(self, number: str, fields: dict[str, str],
                    files: dict[str, bytes] | None = None, who: str = "anna",
                    status: int = 201) -> Any:
        form = aiohttp.FormData()
        for name, value in fields.items():
            form.add_field(name, value)
        for filename, data in (files or {}).items():
            form.add_field("files", data, filename=filename,
                           content_type="application/octet-stream")
        response = await self.client.post(f"/api/v1/tickets/{number}/replies", data=form,
                                          headers=self.headers[who])
        assert response.status == status, await response.text()
        return await response.json()


@pytest.fixture
async def api(database: Database) -> AsyncIterator[Api]:
    app = web.Application()
    app[CLOCK] = Frozen()
    app[CONFIG] = Config(mail=MailConfig(reply_max_attachment_bytes=1000,
                                            reply_max_attachments_bytes=1500))
    setup_api(app, database, WebConfig(secure_cookie=False))
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    headers = await signed_in(database, {"admin": ("Ada Admin", Role.ADMIN),
                                         "anna": ("Anna Żak", Role.AGENT)}, NOW)
    try:
        yield Api(client, headers, database)
    finally:
        await client.close()


async def _ticket_with_thread(database: Database) -> int:
    async with database.writer() as session:
        customer = Customer(name="Jan Łęcki", vip=False, created_at=NOW)
        session.add(customer)
        await session.flush()
        session.add(CustomerEmail(customer_id=customer.id, address="jan@klient.pl"))
        await session.commit()
    ticket_id = await add_ticket(database, NUMBER, customer_id=customer.id, kind="email",
                                 source_channel="email", status="in_progress")
    async with database.writer() as session:
        session.add(MailMessage(ticket_id=ticket_id, direction="in",
                                message_id="<pytanie@klient.pl>", references=["<root@k.pl>"],
                                from_address="jan.lecki@poczta.pl", to=["bok@firma.pl"], cc=[],
                                subject="Zwrot towaru", body_text="Proszę o zwrot.",
                                received_at=NOW))
        await session.commit()
    return ticket_id


async def test_a_reply_with_a_template_and_signatures_reaches_the_customer(
        api: Api, database: Database, smtp_server: SmtpServer) -> None:
    ticket_id = await _ticket_with_thread(database)
    await add_mailbox(database, "bok", smtp_server,
                      signature_html="<p>Zespół {{ mailbox.name }}</p>")
    template = await api.call("POST", TEMPLATES, {
        "name": "Zwrot przyjęty", "subject": "Zwrot w sprawie {{ ticket.number }}",
        "body_html": "<p>Dzień dobry {{ customer.name }}, zwrot przyjęty.</p>"
                     "<script>alert(1)</script>"}, status=201)
    assert "<script>" not in template["body_html"]
    await api.call("PUT", "/api/v1/me/signature",
                   {"html": "<p>Pozdrawiam, {{ agent.name }}</p>"}, who="anna")
    draft = await api.call("GET", f"/api/v1/tickets/{NUMBER}/reply-draft", who="anna")
    assert draft["to"] == ["jan.lecki@poczta.pl"] and draft["subject"] == "Re: Zwrot towaru"
    assert "Pozdrawiam, Anna Żak" in draft["signature_html"]
    assert "Zespół Biuro Obsługi" in draft["queue_signature_html"]
    preview = await api.call("POST", f"{TEMPLATES}/{template['id']}/preview?ticket={NUMBER}",
                             who="anna")
    assert preview["subject"] == f"Zwrot w sprawie {NUMBER}"
    assert "Dzień dobry Jan Łęcki" in preview["html"]
    sent = await api.reply(NUMBER, {"cc": "szef@klient.pl", "template_id": str(template["id"])},
                           {"umowa.pdf": b"%PDF-1.4 zazolc"})
    assert sent["to"] == ["jan.lecki@poczta.pl"] and sent["status"] == "waiting_for_customer"
    mail = await api.call("GET", f"/api/v1/tickets/{NUMBER}/mail", who="anna")
    assert [item["delivery"] for item in mail["items"]] == [None, "queued"]

    policy = SenderPolicy(cafile=smtp_server.cafile, timeout_seconds=5)
    assert await MailSender(database, policy, clock=lambda: NOW).tick() == 1
    [got] = smtp_server.wait_for(1)
    message = got.message
    assert sorted(got.recipients) == ["jan.lecki@poczta.pl", "szef@klient.pl"]
    assert message["Subject"] == f"[{NUMBER}] Zwrot w sprawie {NUMBER}"
    assert message["In-Reply-To"] == "<pytanie@klient.pl>"
    assert str(message["References"]).split() == ["<root@k.pl>", "<pytanie@klient.pl>"]
    html = message.get_body(("html",))
    text = message.get_body(("plain",))
    assert html is not None and text is not None
    for part in (html.get_content(), text.get_content()):
        assert "Dzień dobry Jan Łęcki" in part
        assert "Pozdrawiam, Anna Żak" in part and "Zespół Biuro Obsługi" in part
    [attached] = list(message.iter_attachments())
    assert attached.get_filename() == "umowa.pdf"
    assert attached.get_content() == b"%PDF-1.4 zazolc"

    mail = await api.call("GET", f"/api/v1/tickets/{NUMBER}/mail", who="anna")
    assert [item["delivery"] for item in mail["items"]] == [None, "sent"]
    async with database.sessions() as session:
        ticket = await session.get(Ticket, ticket_id)
        assert ticket is not None and ticket.first_response_at == NOW
        out = await session.get(MailMessage, sent["mail_message_id"])
        assert out is not None and out.message_id == sent["message_id"]
        assert out.direction == "out" and out.activity_id == sent["activity_id"]
        [stored] = (await session.execute(
            MailAttachment.__table__.select())).all()
        assert stored.filename == "umowa.pdf" and stored.mail_message_id == out.id
    detail = await api.call("GET", f"/api/v1/tickets/{NUMBER}", who="anna")
    kinds = [entry["kind"] for entry in detail["timeline"]]
    assert "email_out" in kinds and "status_change" in kinds


async def test_unknown_placeholders_are_refused_naming_the_field(api: Api) -> None:
    refused = await api.call("POST", TEMPLATES, {
        "name": "x", "subject": "ok", "body_html": "<p>{{ ticket.nope }}</p>"}, status=400)
    assert refused["error"] == "invalid-template" and refused["field"] == "body_html"
    assert "ticket.nope" in refused["message"]
    refused = await api.call("PUT", "/api/v1/me/signature", {"html": "{{ agent.phone }}"},
                             who="anna", status=400)
    assert refused["field"] == "html"
    await api.call("POST", TEMPLATES, {"name": "x", "body_html": "<p>a</p>"}, who="anna",
                   status=403)


async def test_no_mailbox_a_too_large_file_and_a_bad_address_are_refused(
        api: Api, database: Database, smtp_server: SmtpServer) -> None:
    await _ticket_with_thread(database)
    refused = await api.reply(NUMBER, {"html": "<p>x</p>"}, status=409)
    assert refused["error"] == "no-mailbox"
    await add_mailbox(database, "bok", smtp_server)
    refused = await api.reply(NUMBER, {"html": "<p>x</p>"}, {"duzy.bin": b"x" * 1001},
                              status=413)
    assert (refused["error"], refused["field"]) == ("attachment-too-large", "files")
    refused = await api.reply(NUMBER, {"html": "<p>x</p>"},
                              {"a.bin": b"x" * 800, "b.bin": b"x" * 800}, status=413)
    assert refused["error"] == "attachments-too-large"
    refused = await api.reply(NUMBER, {"html": "x", "to": "jan@x.pl\r\nBcc: zly@x.pl"},
                              status=400)
    assert (refused["error"], refused["field"]) == ("invalid-address", "to")
    refused = await api.reply(NUMBER, {"html": "x", "after_status": "new"}, status=409)
    assert refused["error"] == "invalid-transition"
    refused = await api.reply(NUMBER, {"html": "x", "after_status": "soon"}, status=400)
    assert refused["field"] == "after_status"
    mail = await api.call("GET", f"/api/v1/tickets/{NUMBER}/mail", who="anna")
    assert len(mail["items"]) == 1  # nothing was queued by the refused ones


async def test_a_masking_mailbox_keeps_no_pesel_on_the_thread(
        api: Api, database: Database, smtp_server: SmtpServer) -> None:
    await _ticket_with_thread(database)
    await add_mailbox(database, "bok", smtp_server, mask_personal_data=True)
    sent = await api.reply(NUMBER, {"html": "<p>Pana PESEL 44051401359 jest w umowie.</p>",
                                    "subject": "Umowa, PESEL 44051401359"})
    async with database.sessions() as session:
        out = await session.get(MailMessage, sent["mail_message_id"])
        assert out is not None and out.body_html is None and out.activity_id is not None
        assert "44051401359" not in out.body_text and "umowie" in out.body_text
        activity = await session.get(TicketActivity, out.activity_id)
    assert activity is not None
    for subject in (out.subject, activity.body, sent["subject"]):
        assert "44051401359" not in subject and "Umowa, PESEL [PESEL]" in subject, subject


async def test_a_reply_goes_out_from_the_mailbox_the_customer_wrote_to(
        api: Api, database: Database, smtp_server: SmtpServer) -> None:
    ticket_id = await _ticket_with_thread(database)
    await add_mailbox(database, "bok", smtp_server)  # the ticket's queue's
    wrote_to = await add_mailbox(database, "faktury", smtp_server, queue="billing")
    async with database.writer() as session:
        session.add(MailMessage(ticket_id=ticket_id, mailbox_id=wrote_to.id, direction="in",
                                message_id="<druga@klient.pl>", references=[],
                                from_address="jan.lecki@poczta.pl", to=["faktury@firma.pl"],
                                cc=[], subject="Zwrot towaru", body_text="I jeszcze.",
                                received_at=NOW))
        await session.commit()
    draft = await api.call("GET", f"/api/v1/tickets/{NUMBER}/reply-draft", who="anna")
    assert draft["mailbox"] == "faktury@firma.pl"
    await api.reply(NUMBER, {"html": "<p>Dzień dobry.</p>"})
    assert await MailSender(database, SenderPolicy(cafile=smtp_server.cafile),
                            clock=lambda: NOW).tick() == 1
    [got] = smtp_server.wait_for(1)
    assert got.sender == "faktury@firma.pl"
    assert got.message["From"].addresses[0].addr_spec == "faktury@firma.pl"
