"""Helpers of the receiver's tests: a mailbox row on the test IMAP server, the
receiver running for a block, polling the database with a deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import func, select

from ccengine.cancelling import cancel_and_wait
from ccengine.config import MailConfig, TicketsConfig
from ccengine.db import Database
from ccengine.mail.ingest import Intake
from ccengine.mail.receiver import MailReceiver
from ccengine.mail.storage_models import Mailbox, MailMessage, OutgoingMail
from ccengine.tickets.models import Ticket
from tests.mail_servers import imap_server

T = TypeVar("T")

def fast_config(**changes: Any) -> MailConfig:
    server = imap_server()
    values: dict[str, Any] = {"poll_seconds": 0.3, "retry_seconds": 0.2,
                              "retry_max_seconds": 1.0, "refresh_seconds": 0.3,
                              "timeout_seconds": 10, "imap_cafile": server.cafile}
    return MailConfig(**(values | changes))


async def add_mailbox(database: Database, user: str, **fields: Any) -> int:
    server = imap_server()
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "name": f"box-{user}", "queue": "support", "address": "pomoc@firma.example",
        "display_name": "Pomoc", "imap_host": server.host, "imap_port": server.port,
        "imap_security": "none", "imap_user": user, "imap_password": server.password,
        "created_at": now, "updated_at": now}
    async with database.writer() as session:
        mailbox = Mailbox(**(values | fields))
        session.add(mailbox)
        await session.commit()
        return mailbox.id


async def update_mailbox(database: Database, mailbox_id: int, **fields: Any) -> None:
    async with database.writer() as session:
        mailbox = await session.get(Mailbox, mailbox_id)
        assert mailbox is not None
        for name, value in fields.items():
            setattr(mailbox, name, value)
        await session.commit()


@asynccontextmanager
async def receiving(database: Database, config: MailConfig | None = None,
                    intake: Intake | None = None) -> AsyncIterator[MailReceiver]:
    receiver = MailReceiver(database, config or fast_config(),
                            intake or Intake(tickets=TicketsConfig()))
    task = asyncio.create_task(receiver.run())
    try:
        yield receiver
    finally:
        await cancel_and_wait([task])


async def eventually(probe: Callable[[], Awaitable[T]], check: Callable[[T], bool],
                     seconds: float = 20.0) -> T:
    """Poll ``probe`` until ``check`` holds; fail with the last value at the deadline."""
    deadline = time.monotonic() + seconds
    while True:
        value = await probe()
        if check(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in {seconds} s: {value!r}")
        await asyncio.sleep(0.1)


async def tickets(database: Database) -> list[Ticket]:
    async with database.sessions() as session:
        return list(await session.scalars(select(Ticket).order_by(Ticket.id)))


async def messages(database: Database) -> list[MailMessage]:
    async with database.sessions() as session:
        return list(await session.scalars(select(MailMessage).order_by(MailMessage.id)))


async def outbox(database: Database) -> list[OutgoingMail]:
    async with database.sessions() as session:
        return list(await session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)))


async def count(database: Database, model: Any) -> int:
    async with database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def mailbox(database: Database, mailbox_id: int) -> Mailbox:
    async with database.sessions() as session:
        row = await session.get(Mailbox, mailbox_id)
        assert row is not None
        return row
