"""The sender worker against a real SMTP server (STARTTLS with a self-signed
certificate, AUTH): mail arrives once with its headers, bytes and envelope; a wrong
password is retried with backoff, then failed, never quoted; a dead mailbox holds up
no other; a claimed row is left alone by a second sender; 5xx fails at once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import select

from ccengine.cancelling import cancel_and_wait
from ccengine.db import Database
from ccengine.mail.acknowledging import acknowledge
from ccengine.mail.delivery import RetryPolicy, after_failure, backoff
from ccengine.mail.sender import MailSender, SenderPolicy
from ccengine.mail.smtp_client import SmtpConnection, SmtpSettings, connect
from ccengine.mail.storage_models import OutgoingMail
from ccengine.tickets.models import Ticket
from tests.automation_helpers import add_ticket
from tests.mail_helpers import NOW, add_mailbox, outgoing, queue_mail
from tests.smtp_server import PASSWORD, SmtpServer


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _sender(database: Database, server: SmtpServer, clock: Clock, **policy: int
            ) -> MailSender:
    settings = SenderPolicy(cafile=server.cafile, timeout_seconds=5,
                            retry=RetryPolicy(max_attempts=3, base_seconds=60))
    return MailSender(database, replace(settings, **policy), clock=clock)


async def test_a_queued_message_arrives_once_over_starttls_with_auth(
        database: Database, smtp_server: SmtpServer) -> None:
    box = await add_mailbox(database, "bok", smtp_server)
    row_id = await queue_mail(database, box, cc=("szef@klient.pl",),
                              in_reply_to="<ostatnia@klient.pl>")
    sender = _sender(database, smtp_server, Clock(NOW))
    assert await sender.tick() == 1
    assert await sender.tick() == 0  # sent: never again
    [got] = smtp_server.wait_for(1)
    message = got.message
    assert got.sender == "bok@firma.pl"
    assert sorted(got.recipients) == ["jan@klient.pl", "szef@klient.pl"]
    assert message["Subject"] == "[TK-2026-000001] Zamówienie"
    assert message["In-Reply-To"] == "<ostatnia@klient.pl>"
    body = message.get_body(("plain",))
    assert body is not None and "zażółć gęślą jaźń" in body.get_content()
    [attached] = list(message.iter_attachments())
    assert attached.get_filename() == "faktura.pdf"
    row = await outgoing(database, row_id)
    assert (row.status, row.sent_at, row.attempts) == ("sent", NOW, 1)


async def test_a_wrong_password_is_retried_with_backoff_then_failed_unquoted(
        database: Database, smtp_server: SmtpServer) -> None:
    wrong = "Zle-Haslo-123"
    box = await add_mailbox(database, "bok", smtp_server, smtp_password=wrong)
    row_id = await queue_mail(database, box)
    clock = Clock(NOW)
    sender = _sender(database, smtp_server, clock)
    await sender.tick()
    row = await outgoing(database, row_id)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at == NOW + timedelta(seconds=60)
    assert row.last_error and wrong not in row.last_error and PASSWORD not in row.last_error
    assert await sender.tick() == 0  # not due yet
    clock.at = row.next_attempt_at
    await sender.tick()
    row = await outgoing(database, row_id)
    assert (row.attempts, row.next_attempt_at) == (2, clock.at + timedelta(seconds=120))
    clock.at = row.next_attempt_at
    await sender.tick()
    row = await outgoing(database, row_id)
    assert (row.status, row.attempts) == ("failed", 3)
    assert row.last_error and wrong not in row.last_error
    assert smtp_server.received == []


async def test_a_dead_mailbox_blocks_no_other(database: Database,
                                              smtp_server: SmtpServer) -> None:
    dead = await add_mailbox(database, "martwa", None, queue="sprzedaz", smtp_port=1)
    alive = await add_mailbox(database, "bok", smtp_server)
    dead_ids = [await queue_mail(database, dead, f"stara {n}") for n in range(3)]
    alive_id = await queue_mail(database, alive, "nowa")
    sender = _sender(database, smtp_server, Clock(NOW), batch=10)
    await sender.tick()
    [got] = smtp_server.wait_for(1)
    assert "nowa" in got.message["Subject"]
    assert (await outgoing(database, alive_id)).status == "sent"
    for row_id in dead_ids:
        row = await outgoing(database, row_id)
        assert (row.status, row.attempts) == ("pending", 1) and row.last_error


async def test_a_mailbox_backlog_leaves_room_for_the_others(database: Database,
                                                           smtp_server: SmtpServer) -> None:
    dead = await add_mailbox(database, "martwa", None, queue="sprzedaz", smtp_port=1)
    alive = await add_mailbox(database, "bok", smtp_server)
    for n in range(5):
        await queue_mail(database, dead, f"stara {n}")
    alive_id = await queue_mail(database, alive, "nowa")  # the newest of all
    sender = _sender(database, smtp_server, Clock(NOW), batch=3, per_mailbox=2)
    assert await sender.tick() == 3  # two of the backlog and the other mailbox's one
    assert (await outgoing(database, alive_id)).status == "sent"


async def test_a_hanging_server_delays_no_other_mailbox(database: Database,
                                                      smtp_server: SmtpServer) -> None:
    async def silent(_reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(60)  # accepts, never greets

    hanging = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = hanging.sockets[0].getsockname()[1]
    try:
        stuck = await add_mailbox(database, "wisi", None, queue="sprzedaz", smtp_port=port)
        alive = await add_mailbox(database, "bok", smtp_server)
        stuck_id = await queue_mail(database, stuck, "stara")
        alive_id = await queue_mail(database, alive, "nowa")
        sender = _sender(database, smtp_server, Clock(NOW), batch=10, timeout_seconds=3)
        tick = asyncio.create_task(sender.tick())
        [got] = await smtp_server.arrived(1, timeout=2.5)  # before the stuck one times out
        assert "nowa" in got.message["Subject"] and not tick.done()
        for _ in range(100):
            if (await outgoing(database, alive_id)).status == "sent":
                break
            await asyncio.sleep(0.05)
        assert (await outgoing(database, alive_id)).status == "sent" and not tick.done()
        await tick
        row = await outgoing(database, stuck_id)
        assert (row.status, row.attempts) == ("pending", 1) and "Timeout" in (row.last_error or "")
    finally:
        hanging.close()


async def test_claimed_rows_are_sent_once_by_two_senders_and_after_a_restart(
        database: Database, smtp_server: SmtpServer) -> None:
    box = await add_mailbox(database, "bok", smtp_server)
    ids = [await queue_mail(database, box, f"m{n}") for n in range(6)]
    clock = Clock(NOW)
    first, second = (_sender(database, smtp_server, clock, batch=2) for _ in range(2))
    # A sender dies after its claim: its rows are left alone until the lease runs out.
    claimed, _settings = await first._claim(clock.at)
    assert len(claimed) == 2
    await asyncio.gather(*(second.tick() for _ in range(3)))
    smtp_server.wait_for(4)
    assert await second.tick() == 0
    clock.at = NOW + timedelta(seconds=SenderPolicy().lease_seconds)
    assert await second.tick() == 2  # the dead claim's rows, once
    received = smtp_server.wait_for(6)
    subjects = sorted(str(got.message["Subject"]) for got in received)
    assert subjects == sorted(f"[TK-2026-000001] m{n}" for n in range(6))
    assert {(await outgoing(database, row_id)).status for row_id in ids} == {"sent"}


async def test_a_permanent_refusal_fails_at_once(database: Database,
                                                 smtp_server: SmtpServer) -> None:
    box = await add_mailbox(database, "bok", smtp_server, smtp_user=None, smtp_password=None)
    row_id = await queue_mail(database, box)  # AUTH required: 530 to MAIL FROM
    await _sender(database, smtp_server, Clock(NOW)).tick()
    row = await outgoing(database, row_id)
    assert (row.status, row.attempts) == ("failed", 1) and "530" in (row.last_error or "")


async def test_an_acknowledgement_from_main_is_delivered(database: Database,
                                                         smtp_server: SmtpServer) -> None:
    await add_mailbox(database, "bok", smtp_server)
    ticket_id = await add_ticket(database, "TK-2026-000042")
    async with database.writer() as session:
        ticket = await session.get(Ticket, ticket_id)
        assert ticket is not None
        row = await acknowledge(session, ticket, to="anna@klient.pl", customer_name="Anna",
                                now=NOW)
        await session.commit()
    assert row is not None
    await _sender(database, smtp_server, Clock(NOW)).tick()
    [got] = smtp_server.wait_for(1)
    assert "TK-2026-000042" in got.message["Subject"]
    assert got.message["Auto-Submitted"] == "auto-replied"


async def test_an_untrusted_certificate_is_refused(smtp_server: SmtpServer) -> None:
    settings = SmtpSettings("127.0.0.1", smtp_server.port, "starttls", None, None, timeout=5)
    try:
        await connect(settings)
    except Exception as exc:
        assert "certificate" in str(exc).lower()
    else:
        raise AssertionError("a self-signed certificate was trusted without its CA")


def test_backoff_doubles_up_to_its_cap_and_the_last_attempt_fails() -> None:
    policy = RetryPolicy(max_attempts=4, base_seconds=10, max_seconds=30)
    assert [backoff(n, policy).total_seconds() for n in (1, 2, 3, 4)] == [10, 20, 30, 30]
    assert after_failure(2, False, policy, NOW).status == "pending"
    assert after_failure(3, False, policy, NOW).status == "failed"
    assert after_failure(0, True, policy, NOW).status == "failed"


def test_the_mail_section_configures_the_sender() -> None:
    from ccengine.config import MailConfig
    from ccengine.replies.api import sender_policy

    policy = sender_policy(MailConfig(send_batch=7, send_per_mailbox=2, smtp_cafile="/ca.pem",
                                      send_max_attempts=3, send_retry_base_seconds=5))
    assert (policy.batch, policy.per_mailbox, policy.cafile) == (7, 2, "/ca.pem")
    assert (policy.retry.max_attempts, policy.retry.base_seconds) == (3, 5)


async def test_a_masking_mailbox_keeps_no_copy_of_a_sent_message(
        database: Database, smtp_server: SmtpServer) -> None:
    masking = await add_mailbox(database, "bok", smtp_server, mask_personal_data=True)
    plain = await add_mailbox(database, "sklep", smtp_server, queue="sklep")
    masked_id = await queue_mail(database, masking, subject="PESEL 44051401359")
    plain_id = await queue_mail(database, plain)
    assert await _sender(database, smtp_server, Clock(NOW)).tick() == 2
    smtp_server.wait_for(2)
    masked_row, plain_row = await outgoing(database, masked_id), await outgoing(database, plain_id)
    assert (masked_row.status, masked_row.raw) == ("sent", b"")
    assert plain_row.status == "sent" and b"Subject:" in plain_row.raw


class _Proxy:
    """The real connection, but its second send hangs (or raises ``fail``) after the
    first message reached the server."""

    def __init__(self, real: SmtpConnection, first_sent: asyncio.Event,
                 fail: Exception | None) -> None:
        self.real, self.first_sent, self.fail, self.sends = real, first_sent, fail, 0

    async def __aenter__(self) -> _Proxy:
        await self.real.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.real.__aexit__(*exc)  # type: ignore[arg-type]

    async def send(self, sender: str, recipients: Sequence[str], raw: bytes) -> None:
        self.sends += 1
        if self.sends > 1:
            if self.fail is not None:
                raise self.fail
            await asyncio.Event().wait()
        await self.real.send(sender, recipients, raw)
        self.first_sent.set()


async def _interrupted(database: Database, smtp_server: SmtpServer,
                       fail: Exception | None) -> list[str]:
    box = await add_mailbox(database, "bok", smtp_server)
    for n in range(3):
        await queue_mail(database, box, f"m{n}")
    clock, first_sent = Clock(NOW), asyncio.Event()

    async def proxied(settings: SmtpSettings) -> SmtpConnection:
        return cast(SmtpConnection, _Proxy(await connect(settings), first_sent, fail))

    tick = asyncio.create_task(replace(_sender(database, smtp_server, clock),
                                       connect=proxied).tick())
    await asyncio.wait_for(first_sent.wait(), 10)
    if fail is None:
        await cancel_and_wait([tick])  # shutdown mid-batch
    else:
        await tick
    clock.at = NOW + timedelta(seconds=SenderPolicy().lease_seconds + 3600)  # lease, backoff
    assert await _sender(database, smtp_server, clock).tick() >= 2
    await smtp_server.arrived(3)
    await asyncio.sleep(0.3)  # a resend would arrive now
    return sorted(str(got.message["Subject"]) for got in smtp_server.received)


async def test_a_cancelled_batch_never_resends_what_reached_the_server(
        database: Database, smtp_server: SmtpServer) -> None:
    subjects = await _interrupted(database, smtp_server, None)
    assert subjects == [f"[TK-2026-000001] m{n}" for n in range(3)]


async def test_an_unexpected_error_mid_batch_never_resends_what_was_sent(
        database: Database, smtp_server: SmtpServer) -> None:
    subjects = await _interrupted(database, smtp_server, RuntimeError("a bug"))
    assert subjects == [f"[TK-2026-000001] m{n}" for n in range(3)]
    async with database.sessions() as session:
        rows = list(await session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)))
    # The bug counted as an attempt on the unsent rows too, the failing one included:
    # a send that always raises ends failed, not retried forever.
    assert [row.attempts for row in rows] == [1, 2, 2]
