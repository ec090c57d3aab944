"""The receiver against a real IMAP server (Dovecot, scripts/ensure-mail.sh): mail
APPENDed to a fresh user becomes tickets, threads, groups, routes and is marked done."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default

from sqlalchemy import select

from ccengine.automation.model import Event
from ccengine.automation.storage_models import AutomationEvent
from ccengine.config import TicketsConfig
from ccengine.customers.storage_models import CustomerEmail
from ccengine.db import Database
from ccengine.mail.ingest import Intake
from ccengine.mail.storage_models import OutgoingMail
from ccengine.replies.replying import default_to, thread_of
from ccengine.tickets.enums import SourceChannel, TicketStatus
from ccengine.tickets.models import Customer, Ticket
from tests.mail_intake import (
    add_mailbox,
    count,
    eventually,
    messages,
    outbox,
    receiving,
    tickets,
)
from tests.mail_servers import append, fresh_user, mail, server_uids


async def test_a_new_message_opens_a_ticket_acknowledged_and_is_marked_seen(
        database: Database) -> None:
    user = fresh_user()
    await add_mailbox(database, user)
    raw = mail("Nie działa internet", message_id="<first@example.com>")
    await append(user, raw)
    async with receiving(database):
        [ticket] = await eventually(lambda: tickets(database), lambda found: len(found) == 1)
        await eventually(lambda: server_uids(user), lambda left: left == [])
    assert ticket.title == "Nie działa internet"
    assert ticket.source_channel == SourceChannel.EMAIL
    assert ticket.queue == "support"
    assert ticket.status == TicketStatus.NEW
    assert ticket.resolution_due_at is not None  # SLA set as for manual tickets
    [ack] = await outbox(database)
    assert ack.kind == "acknowledgement"
    assert ack.recipients == ["jan@example.com"]
    assert ack.ticket_id == ticket.id
    assert b"In-Reply-To: <first@example.com>" in ack.raw
    assert f"[{ticket.number}]".encode() in ack.raw
    async with database.sessions() as session:
        customer = await session.get(Customer, ticket.customer_id)
        address = await session.scalar(select(CustomerEmail.address).where(
            CustomerEmail.customer_id == ticket.customer_id))
    assert customer is not None and customer.name == "Jan Kowalski"
    assert address == "jan@example.com"


async def test_replies_thread_by_subject_tag_and_by_in_reply_to(database: Database) -> None:
    user = fresh_user()
    await add_mailbox(database, user)
    await append(user, mail("Pierwsza", message_id="<one@example.com>"))
    async with receiving(database):
        [ticket] = await eventually(lambda: tickets(database), lambda found: len(found) == 1)
        [ack] = await outbox(database)
        await _set_status(database, ticket.id, TicketStatus.WAITING_FOR_CUSTOMER)
        await append(user, mail(f"Re: [{ticket.number}] coś innego"),
                     mail("Odpowiedź bez numeru", in_reply_to="<one@example.com>"),
                     mail("Odpowiedź na potwierdzenie", in_reply_to=ack.message_id))
        await eventually(lambda: messages(database), lambda found: len(found) == 4)
    assert {m.ticket_id for m in await messages(database)} == {ticket.id}
    assert len(await tickets(database)) == 1
    assert len(await outbox(database)) == 1  # a reply is not acknowledged
    [after] = await tickets(database)
    assert after.status == TicketStatus.IN_PROGRESS  # the waiting ticket is back at work
    async with database.sessions() as session:
        replied = await session.scalars(select(AutomationEvent.event).where(
            AutomationEvent.ticket_id == ticket.id))
        assert list(replied).count(Event.CUSTOMER_REPLIED) == 3


async def test_a_reply_to_a_resolved_ticket_reopens_it(database: Database) -> None:
    user = fresh_user()
    await add_mailbox(database, user)
    await append(user, mail("Pierwsza"))
    async with receiving(database):
        [ticket] = await eventually(lambda: tickets(database), lambda found: len(found) == 1)
        await _set_status(database, ticket.id, TicketStatus.RESOLVED)
        await append(user, mail(f"Re: [{ticket.number}] Pierwsza"))
        await eventually(lambda: messages(database), lambda found: len(found) == 2)
    [after] = await tickets(database)
    assert after.status == TicketStatus.IN_PROGRESS
    assert after.resolved_at is None


async def test_a_reply_after_the_reopen_window_opens_a_follow_up(database: Database) -> None:
    user = fresh_user()
    await add_mailbox(database, user)
    await append(user, mail("Pierwsza"))
    intake = Intake(tickets=TicketsConfig(reopen_within_days=0))
    async with receiving(database, intake=intake):
        [old] = await eventually(lambda: tickets(database), lambda found: len(found) == 1)
        await _set_status(database, old.id, TicketStatus.RESOLVED)
        await append(user, mail(f"Re: [{old.number}] Pierwsza"))
        found = await eventually(lambda: tickets(database), lambda found: len(found) == 2)
    still, follow_up = found
    assert still.status == TicketStatus.RESOLVED
    assert follow_up.follow_up_of_id == old.id
    assert follow_up.queue == "support"
    assert [m.ticket_id for m in await messages(database)] == [old.id, follow_up.id]
    assert [o.ticket_id for o in await outbox(database)] == [old.id, follow_up.id]


async def test_one_senders_messages_within_the_window_group_onto_one_ticket(
        database: Database) -> None:
    user = fresh_user()
    await add_mailbox(database, user, group_window_minutes=10)
    await append(user, mail("Pierwsza"), mail("Druga, inny temat"),
                 mail("Ktoś inny", sender="ola@example.com"))
    async with receiving(database):
        await eventually(lambda: messages(database), lambda found: len(found) == 3)
    found = {t.title: t.id for t in await tickets(database)}
    assert set(found) == {"Pierwsza", "Ktoś inny"}  # the second joined the first
    by_subject = {m.subject: m.ticket_id for m in await messages(database)}
    assert by_subject == {"Pierwsza": found["Pierwsza"], "Druga, inny temat": found["Pierwsza"],
                          "Ktoś inny": found["Ktoś inny"]}


async def test_without_a_window_each_message_opens_its_own_ticket(database: Database) -> None:
    user = fresh_user()
    await add_mailbox(database, user, group_window_minutes=0)
    await append(user, mail("Pierwsza"), mail("Druga"))
    async with receiving(database):
        await eventually(lambda: tickets(database), lambda found: len(found) == 2)


async def test_filters_route_a_new_ticket_first_match_winning(database: Database) -> None:
    user = fresh_user()
    await add_mailbox(database, user, filters=[
        {"field": "subject", "contains": "FAKTURA", "queue": "billing"},
        {"field": "sender", "contains": "@vip.example", "queue": "vip"},
        {"field": "body", "contains": "faktur", "queue": "never"}])
    await append(user, mail("Faktura 12/2026"),
                 mail("Pytanie", sender="Prezes <prezes@vip.example>"),
                 mail("Zwykłe", sender="x@example.com"))
    async with receiving(database):
        found = await eventually(lambda: tickets(database), lambda found: len(found) == 3)
    assert {t.title: t.queue for t in found} == {
        "Faktura 12/2026": "billing", "Pytanie": "vip", "Zwykłe": "support"}


async def test_the_same_message_twice_makes_one_ticket(database: Database) -> None:
    user = fresh_user()
    await add_mailbox(database, user)
    raw = mail("Dwa razy", message_id="<twice@example.com>")
    await append(user, raw, raw)
    async with receiving(database):
        await eventually(lambda: server_uids(user), lambda left: left == [])
    assert len(await tickets(database)) == 1
    assert len(await messages(database)) == 1
    assert len(await outbox(database)) == 1


async def test_an_auto_reply_opens_nothing_and_is_answered_by_nothing(
        database: Database) -> None:
    user = fresh_user()
    await add_mailbox(database, user)
    await append(user, mail("Out of office", Auto_Submitted="auto-replied"),
                 mail("Newsletter", Precedence="bulk", sender="news@example.com"))
    async with receiving(database):
        await eventually(lambda: server_uids(user), lambda left: left == [])
    assert await tickets(database) == []
    assert await count(database, OutgoingMail) == 0


async def test_an_auto_reply_on_a_thread_is_kept_without_reopening(database: Database) -> None:
    user = fresh_user()
    await add_mailbox(database, user)
    await append(user, mail("Pierwsza"))
    async with receiving(database):
        [ticket] = await eventually(lambda: tickets(database), lambda found: len(found) == 1)
        await _set_status(database, ticket.id, TicketStatus.RESOLVED)
        await append(user, mail(f"Auto: [{ticket.number}]", Auto_Submitted="auto-replied"))
        await eventually(lambda: messages(database), lambda found: len(found) == 2)
    [after] = await tickets(database)
    assert after.status == TicketStatus.RESOLVED
    assert (await messages(database))[-1].note is not None
    assert len(await outbox(database)) == 1


async def test_a_done_folder_gets_the_message_moved(database: Database) -> None:
    user = fresh_user()
    await add_mailbox(database, user, imap_done_folder="Done")
    await append(user, mail("Przenieś"))
    async with receiving(database):
        await eventually(lambda: server_uids(user, "ALL"), lambda left: left == [])
    assert len(await server_uids(user, "ALL", folder="Done")) == 1
    assert len(await tickets(database)) == 1


async def test_masking_mailbox_stores_no_pesel(database: Database) -> None:
    user = fresh_user()
    await add_mailbox(database, user, mask_personal_data=True)
    await append(user, mail("PESEL", body="Mój PESEL to 44051401359, proszę o pomoc"))
    async with receiving(database):
        [stored] = await eventually(lambda: messages(database), lambda found: len(found) == 1)
    assert "44051401359" not in stored.body_text


async def _set_status(database: Database, ticket_id: int, status: TicketStatus) -> None:
    async with database.writer() as session:
        ticket = await session.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.status = status
        now = datetime.now(UTC)
        ticket.resolved_at = now if status == TicketStatus.RESOLVED else None
        await session.commit()


async def test_an_overlong_sender_address_still_opens_a_ticket(database: Database) -> None:
    user = fresh_user()
    await add_mailbox(database, user)
    sender = f"{'x' * 290}@example.com"  # over a customer's 254, under RFC 5321's 320
    await append(user, mail("Długi adres", sender=sender))
    async with receiving(database):
        [ticket] = await eventually(lambda: tickets(database), lambda found: len(found) == 1)
    assert ticket.customer_id is None
    assert [m.from_address for m in await messages(database)] == [sender]


async def test_an_outsider_quoting_the_number_opens_a_new_ticket(database: Database) -> None:
    user = fresh_user()
    await add_mailbox(database, user)
    await append(user, mail("Pierwsza"))
    async with receiving(database):
        [ticket] = await eventually(lambda: tickets(database), lambda found: len(found) == 1)
        await _set_status(database, ticket.id, TicketStatus.RESOLVED)
        await append(user, mail(f"Re: [{ticket.number}] wpuśćcie mnie",
                                sender="Obcy <obcy@example.org>"))
        found = await eventually(lambda: tickets(database), lambda found: len(found) == 2)
        await append(user, mail(f"Re: [{ticket.number}] Pierwsza",
                                sender="JAN@example.com"))  # the customer, any case
        await eventually(lambda: messages(database), lambda found: len(found) == 3)
    old, new = found
    assert new.title == f"Re: [{ticket.number}] wpuśćcie mnie" and new.follow_up_of_id is None
    assert [m.ticket_id for m in await messages(database)] == [old.id, new.id, old.id]
    [after, _new] = await tickets(database)
    assert after.status == TicketStatus.IN_PROGRESS  # reopened by the customer only


async def test_a_bounce_or_an_outsider_on_the_thread_is_not_the_default_recipient(
        database: Database) -> None:
    user = fresh_user()
    await add_mailbox(database, user)
    await append(user, mail("Pierwsza", message_id="<one@example.com>"))
    async with receiving(database):
        [ticket] = await eventually(lambda: tickets(database), lambda found: len(found) == 1)
        await append(user, mail("Undelivered Mail", sender="mailer-daemon@example.net",
                                In_Reply_To="<one@example.com>"))
        await eventually(lambda: messages(database), lambda found: len(found) == 2)
        await append(user, mail(f"Fwd: [{ticket.number}]", sender="ola@example.org",
                                In_Reply_To="<one@example.com>"))
        await eventually(lambda: messages(database), lambda found: len(found) == 3)
    assert {m.ticket_id for m in await messages(database)} == {ticket.id}
    async with database.sessions() as session:
        thread = await thread_of(session, ticket.id)
        assert await default_to(session, ticket, thread[:2]) == ("jan@example.com",)
        assert await default_to(session, ticket, thread) == ("jan@example.com",)


async def test_filter_routed_mail_is_acknowledged_from_the_receiving_mailbox(
        database: Database) -> None:
    user = fresh_user()
    receiving_id = await add_mailbox(database, user, ack_subject="Od odbierającej", filters=[
        {"field": "subject", "contains": "FAKTURA", "queue": "billing"}])
    await add_mailbox(database, fresh_user(), queue="billing", address="faktury@firma.example",
                      ack_subject="Od kolejki")  # the routed queue's own mailbox
    await append(user, mail("Faktura 13/2026"))
    async with receiving(database):
        [ticket] = await eventually(lambda: tickets(database), lambda found: len(found) == 1)
        [ack] = await eventually(lambda: outbox(database), lambda found: len(found) == 1)
    assert ticket.queue == "billing"
    assert (ack.mailbox_id, ack.sender) == (receiving_id, "pomoc@firma.example")
    message = message_from_bytes(ack.raw, policy=default)
    assert message["Subject"] == f"[{ticket.number}] Od odbierającej"
    assert message["From"].addresses[0].addr_spec == "pomoc@firma.example"
