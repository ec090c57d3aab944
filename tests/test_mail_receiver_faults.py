"""The receiver when things go wrong, against the real Dovecot: a crash on either side
of the commit, a wrong password, TLS, and how soon IDLE (or polling) delivers."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any, cast

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from ccengine.config import Config, TicketsConfig, WebConfig
from ccengine.db import Database
from ccengine.engine import Engine
from ccengine.mail import receiver as receiver_module
from ccengine.mail import worker as mail_worker
from ccengine.mail.imap_client import ImapSession, connect
from ccengine.mail.ingest import Intake, Outcome, ingest
from ccengine.mail.model import ParsedMail
from ccengine.mail.receiver import MailboxReceiver, imap_settings
from ccengine.mail.worker import RECEIVER
from ccengine.web.api import setup_api
from ccengine.web.keys import CONFIG, ENGINE
from ccengine.web.params import DATABASE
from tests.mail_intake import (
    add_mailbox,
    eventually,
    fast_config,
    mailbox,
    messages,
    outbox,
    receiving,
    tickets,
    update_mailbox,
)
from tests.mail_servers import append, fresh_user, imap_server, mail, server_uids


class Crash(Exception):
    pass


async def _crash() -> None:
    raise Crash


async def _drain_once(database: Database, mailbox_id: int, intake: Intake,
                      after_commit: Any = None) -> int:
    """One receiver's round, on its own connection (a process that may die in it)."""
    config = fast_config()
    settings = imap_settings(await mailbox(database, mailbox_id), config)
    assert settings is not None
    imap = await connect(settings)
    try:
        receiver = MailboxReceiver(database, mailbox_id, config, intake, after_commit)
        return await receiver.drain(imap)
    finally:
        await imap.close()


async def test_a_crash_after_the_commit_before_the_mark_doubles_nothing(
        database: Database) -> None:
    user = fresh_user()
    mailbox_id = await add_mailbox(database, user)
    await append(user, mail("Raz"))
    intake = Intake(tickets=TicketsConfig())
    with pytest.raises(Crash):
        await _drain_once(database, mailbox_id, intake, after_commit=_crash)
    assert len(await tickets(database)) == 1  # committed
    assert len(await server_uids(user)) == 1  # not marked
    assert await _drain_once(database, mailbox_id, intake) == 1  # the restart: only marked
    assert await server_uids(user) == []
    assert len(await tickets(database)) == 1
    assert len(await messages(database)) == 1
    assert len(await outbox(database)) == 1


async def test_a_crash_before_the_commit_loses_nothing(database: Database) -> None:
    user = fresh_user()
    mailbox_id = await add_mailbox(database, user)
    await append(user, mail("Raz"))
    with pytest.raises(Crash):
        await _drain_once(database, mailbox_id,
                          Intake(tickets=TicketsConfig(), before_commit=_crash))
    assert await tickets(database) == []
    assert await outbox(database) == []
    assert len(await server_uids(user)) == 1  # fetched with PEEK: still unseen
    assert await _drain_once(database, mailbox_id, Intake(tickets=TicketsConfig())) == 1
    assert len(await tickets(database)) == 1
    assert len(await outbox(database)) == 1
    assert await server_uids(user) == []


async def test_a_wrong_password_is_on_the_mailbox_and_the_health_then_recovers(
        database: Database) -> None:
    user = fresh_user()
    mailbox_id = await add_mailbox(database, user, imap_password="not-the-password")
    await append(user, mail("Czeka"))
    async with receiving(database):
        failing = await eventually(lambda: mailbox(database, mailbox_id),
                                   lambda row: row.failures >= 2)
        assert failing.last_error is not None and "login" in failing.last_error
        assert "not-the-password" not in failing.last_error
        assert failing.next_attempt_at is not None
        assert failing.next_attempt_at > failing.last_error_at  # type: ignore[operator]
        assert await _health(database) == {"status": "ok", "mail": "degraded",
                                           "mail_failing": 1}
        await update_mailbox(database, mailbox_id, imap_password=imap_server().password)
        healthy = await eventually(lambda: mailbox(database, mailbox_id),
                                   lambda row: row.failures == 0)
        await eventually(lambda: tickets(database), lambda found: len(found) == 1)
    assert healthy.last_error is None and healthy.last_ok_at is not None
    assert await _health(database) == {"status": "ok"}


async def test_an_unreachable_server_backs_off_exponentially(database: Database) -> None:
    mailbox_id = await add_mailbox(database, fresh_user(), imap_port=1)
    config = fast_config(retry_seconds=0.1, retry_max_seconds=0.4)
    async with receiving(database, config):
        row = await eventually(lambda: mailbox(database, mailbox_id),
                               lambda row: row.failures >= 4)
    assert row.last_error is not None and row.last_error.startswith("cannot connect")
    assert row.next_attempt_at is not None and row.last_error_at is not None
    assert (row.next_attempt_at - row.last_error_at).total_seconds() == pytest.approx(0.4)


async def test_a_mark_that_keeps_failing_backs_off_and_doubles_nothing(
        database: Database) -> None:
    user = fresh_user()
    mailbox_id = await add_mailbox(database, user, imap_done_folder="No/Such/Folder")
    await append(user, mail("Nie da się przenieść"))
    async with receiving(database):
        row = await eventually(lambda: mailbox(database, mailbox_id),
                               lambda row: row.failures >= 3)
    assert row.last_error is not None and "move" in row.last_error
    assert row.last_ok_at is None  # logging in is not a success: the round failed
    assert len(await tickets(database)) == 1
    assert len(await outbox(database)) == 1
    assert len(await server_uids(user, "ALL")) == 1


async def test_a_message_appended_while_idling_becomes_a_ticket_promptly(
        database: Database) -> None:
    user = fresh_user()
    mailbox_id = await add_mailbox(database, user)
    async with receiving(database, fast_config(poll_seconds=600)):
        await eventually(lambda: mailbox(database, mailbox_id),
                         lambda row: row.last_ok_at is not None)
        started = time.monotonic()
        await append(user, mail("W trakcie IDLE"))
        await eventually(lambda: tickets(database), lambda found: len(found) == 1, 10)
    assert time.monotonic() - started < 5


async def test_without_idle_the_receiver_polls(database: Database) -> None:
    user = fresh_user()
    await add_mailbox(database, user)
    async with receiving(database, fast_config(idle=False, poll_seconds=0.2)):
        await append(user, mail("Odpytywanie"))
        await eventually(lambda: tickets(database), lambda found: len(found) == 1)


@pytest.mark.parametrize("security", ["tls", "starttls"])
async def test_tls_with_the_configured_ca(database: Database, security: str) -> None:
    server = imap_server()
    user = fresh_user()
    port = server.tls_port if security == "tls" else server.port
    await add_mailbox(database, user, imap_security=security, imap_port=port)
    await append(user, mail("Przez TLS"))
    async with receiving(database, fast_config(imap_cafile=server.cafile)):
        await eventually(lambda: tickets(database), lambda found: len(found) == 1)


async def test_an_untrusted_certificate_is_refused(database: Database) -> None:
    mailbox_id = await add_mailbox(database, fresh_user(), imap_security="tls",
                                   imap_port=imap_server().tls_port)
    async with receiving(database, fast_config(imap_cafile=None)):
        row = await eventually(lambda: mailbox(database, mailbox_id),
                               lambda row: row.failures >= 1)
    assert row.last_error is not None and "CERTIFICATE_VERIFY_FAILED" in row.last_error
    assert await tickets(database) == []


async def _health(database: Database) -> Any:
    app = web.Application()
    setup_api(app, database, WebConfig(secure_cookie=False))
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/api/v1/health")
        assert response.status == 200
        return await response.json()



async def test_the_app_runs_the_receiver_beside_the_engine(database: Database) -> None:
    user = fresh_user()
    await add_mailbox(database, user)
    app = web.Application()
    app[CONFIG] = Config(mail=fast_config())
    app[ENGINE] = cast(Engine, SimpleNamespace())  # only its presence counts
    app[DATABASE] = database
    mail_worker.setup(app)  # as setup_features does
    assert RECEIVER in app
    async with TestClient(TestServer(app)):
        await append(user, mail("Przez aplikację"))
        await eventually(lambda: tickets(database), lambda found: len(found) == 1)


async def test_an_api_only_app_leaves_the_mailboxes_alone(database: Database) -> None:
    app = web.Application()
    app[CONFIG] = Config(mail=fast_config())
    setup_api(app, database, WebConfig(secure_cookie=False))
    assert RECEIVER not in app


async def test_one_message_that_cannot_be_stored_stops_none_of_the_others(
        database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    async def failing_on_one(database: Database, mailbox_id: int, parsed: ParsedMail,
                             intake: Intake, now: Any) -> Outcome:
        if parsed.subject == "Zepsuta":
            raise Crash("cannot store this one")
        return await ingest(database, mailbox_id, parsed, intake, now)

    monkeypatch.setattr(receiver_module, "ingest", failing_on_one)
    user = fresh_user()
    mailbox_id = await add_mailbox(database, user)
    await append(user, mail("Zepsuta", message_id="<bad@example.com>"),
                 mail("Dobra", sender="ola@example.com"))
    async with receiving(database):
        row = await eventually(lambda: mailbox(database, mailbox_id),
                               lambda row: "could not be stored" in (row.last_error or ""))
        [ticket] = await eventually(lambda: tickets(database), lambda found: len(found) == 1)
    assert ticket.title == "Dobra"
    assert row.failures >= 1 and row.last_error is not None
    assert "<bad@example.com>" in row.last_error and "cannot store this one" in row.last_error
    assert len(await server_uids(user)) == 1  # the bad one is left for a later try
    assert await _health(database) == {"status": "ok", "mail": "degraded", "mail_failing": 1}


async def test_a_message_that_arrives_during_a_round_waits_no_longer_than_a_poll(
        database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server reports a new message's EXISTS once, in the answer to whatever command
    runs then; one that lands while the round lists the folder is not told again in the
    IDLE that follows. The receiver leaves IDLE every poll interval for a new round."""
    user = fresh_user()
    await add_mailbox(database, user)
    listed = ImapSession.pending
    arrived = []

    async def pending_then_one_arrives(self: ImapSession) -> list[int]:
        uids = await listed(self)
        if not arrived:  # right after the first listing, before IDLE begins
            arrived.append(time.monotonic())
            await append(user, mail("W trakcie rundy"))
            await self.client.noop()  # the round's next command: its answer tells EXISTS
        return uids

    monkeypatch.setattr(ImapSession, "pending", pending_then_one_arrives)
    async with receiving(database, fast_config(idle_seconds=1500, poll_seconds=1)):
        await eventually(lambda: tickets(database), lambda found: len(found) == 1, 15)
    assert time.monotonic() - arrived[0] < 10
