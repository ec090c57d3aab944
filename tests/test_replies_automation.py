"""The automation action send_reply_template: a rule on new tickets queues the named
template, rendered for the ticket, to its customer from the queue's mailbox; the
sender delivers it to a real SMTP server marked auto-generated. A template that is
gone is logged on the ticket, not a failure."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes
from email.policy import default
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ccengine.automation.runner import AutomationRunner
from ccengine.config import TicketsConfig
from ccengine.customers.storage_models import CustomerEmail
from ccengine.db import Database
from ccengine.mail.sender import MailSender, SenderPolicy
from ccengine.mail.storage_models import OutgoingMail
from ccengine.replies import service
from ccengine.tickets.models import Customer, Ticket, TicketActivity
from ccengine.tickets.relations_models import TicketMerge
from tests.automation_helpers import OPENED, add_rule, add_ticket
from tests.mail_helpers import add_mailbox
from tests.smtp_server import SmtpServer

WELCOME = {"name": "Powitanie", "trigger": {"event": "created"}, "conditions": [],
           "actions": [{"kind": "send_reply_template", "value": "Dziękujemy"}]}


async def _customer(database: Database) -> int:
    async with database.writer() as session:
        customer = Customer(name="Ewa Źródło", vip=False, created_at=OPENED)
        session.add(customer)
        await session.flush()
        session.add(CustomerEmail(customer_id=customer.id, address="ewa@klient.pl"))
        await session.commit()
        return customer.id


async def test_a_rule_sends_the_template_to_the_customer(database: Database,
                                                        smtp_server: SmtpServer) -> None:
    await add_mailbox(database, "bok", smtp_server)
    await service.create(database, service.TemplateFields(
        "Dziękujemy", "Przyjęliśmy {{ ticket.number }}",
        "<p>Dzień dobry {{ customer.name }}, zajmiemy się tym.</p>", None), OPENED)
    await add_rule(database, WELCOME)
    await add_ticket(database, "TK-2026-000100", customer_id=await _customer(database))
    report = await AutomationRunner(database).tick(OPENED)
    assert report.failed == 0 and len(report.executions) == 1
    policy = SenderPolicy(cafile=smtp_server.cafile, timeout_seconds=5)
    assert await MailSender(database, policy, clock=lambda: OPENED).tick() == 1
    [got] = smtp_server.wait_for(1)
    assert got.recipients == ["ewa@klient.pl"]
    assert got.message["Subject"] == "[TK-2026-000100] Przyjęliśmy TK-2026-000100"
    assert got.message["Auto-Submitted"] == "auto-generated"
    body = got.message.get_body(("plain",))
    assert body is not None and "Dzień dobry Ewa Źródło" in body.get_content()
    async with database.sessions() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.number == "TK-2026-000100"))
        assert ticket is not None
        assert (ticket.status, ticket.first_response_at) == ("new", None)  # no person answered
        authors = {row.author for row in await session.scalars(select(TicketActivity).where(
            TicketActivity.kind == "email_out"))}
        assert authors == {"automation"}


async def test_a_missing_template_is_logged_not_failed(database: Database,
                                                       smtp_server: SmtpServer) -> None:
    await add_mailbox(database, "bok", smtp_server)
    await add_rule(database, WELCOME)
    await add_ticket(database, "TK-2026-000101", customer_id=await _customer(database))
    report = await AutomationRunner(database).tick(OPENED)
    assert report.failed == 0
    async with database.sessions() as session:
        assert await session.scalar(select(OutgoingMail.id)) is None
        logged = [row.data for row in await session.scalars(select(TicketActivity).where(
            TicketActivity.kind == "automation"))]
    assert logged[0]["done"][0]["refused"] == "no active template of that name"


async def test_the_rule_renders_due_times_in_the_contact_centers_zone(
        database: Database, smtp_server: SmtpServer) -> None:
    await add_mailbox(database, "bok", smtp_server)
    await service.create(database, service.TemplateFields(
        "Dziękujemy", "Odpowiemy do {{ ticket.sla_due }}", "<p>Dzień dobry.</p>", None),
        OPENED)
    await add_rule(database, WELCOME)
    due = OPENED + timedelta(hours=2)
    await add_ticket(database, "TK-2026-000102", customer_id=await _customer(database),
                     first_response_due_at=due)
    tokyo = TicketsConfig(timezone="Asia/Tokyo")
    report = await AutomationRunner(database, tickets=tokyo).tick(OPENED)
    assert report.failed == 0 and len(report.executions) == 1
    async with database.sessions() as session:
        [raw] = await session.scalars(select(OutgoingMail.raw))
    subject = str(message_from_bytes(raw, policy=default)["Subject"])
    expected = due.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%d %H:%M")
    assert subject.endswith(f"Odpowiemy do {expected}")


async def test_a_ticket_merged_meanwhile_is_logged_not_failed(database: Database,
                                                              smtp_server: SmtpServer) -> None:
    await add_mailbox(database, "bok", smtp_server)
    await service.create(database, service.TemplateFields(
        "Dziękujemy", "Przyjęliśmy", "<p>Dzień dobry</p>", None), OPENED)
    await add_rule(database, WELCOME)
    merged = await add_ticket(database, "TK-2026-000102", customer_id=await _customer(database))
    async with database.writer() as session:  # merged after the event, before the rule ran
        into = Ticket(number="TK-2026-000103", title="B", status="new", priority="P3",
                      kind="call", queue="reklamacje", source_channel="phone",
                      created_at=OPENED, updated_at=OPENED)
        session.add(into)
        await session.flush()
        session.add(TicketMerge(ticket_id=merged, into_id=into.id, author=None,
                                merged_at=OPENED))
        await session.commit()
    report = await AutomationRunner(database).tick(OPENED)
    assert report.failed == 0
    async with database.sessions() as session:
        assert await session.scalar(select(OutgoingMail.id)) is None
        logged = [row.data for row in await session.scalars(select(TicketActivity).where(
            TicketActivity.kind == "automation", TicketActivity.ticket_id == merged))]
    assert "merged into TK-2026-000103" in logged[0]["done"][0]["refused"]
