"""E-mail intake: how fast messages on a real IMAP server become tickets, on PostgreSQL.

N messages (from N/10 senders, distinct subjects, a few KB each) are APPENDed to a
fresh user of the test Dovecot (scripts/ensure-mail.sh). The baseline, same run,
same messages: a bare IMAP client that searches the folder and fetches every message
in batches (``BODY.PEEK``: nothing parsed, stored or marked). Then the receiver
(``MailReceiver``, the app's) runs on a mailbox row pointing at that user, and the
clock stops when all N are tickets (each parsed, threaded, routed, stored with its
customer, SLA and acknowledgement, committed one by one, then marked done).

Printed: messages/s both ways and their ratio (the receiver's share of the bare
fetch's speed).

    .venv/bin/python benchmarks/mail_intake.py [--messages 10000] [--batch 50] [--quick]

Needs PostgreSQL (CCENGINE_TEST_PG_DSN, see _scratch_pg) and the test IMAP server.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import aioimaplib
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _scratch_pg import scratch_database  # noqa: E402  (benchmarks/ is on sys.path)

from ccengine.cancelling import cancel_and_wait  # noqa: E402
from ccengine.config import MailConfig, TicketsConfig  # noqa: E402
from ccengine.db import Database  # noqa: E402
from ccengine.mail.imap_client import ImapSettings, connect  # noqa: E402
from ccengine.mail.ingest import Intake  # noqa: E402
from ccengine.mail.receiver import MailReceiver  # noqa: E402
from ccengine.mail.storage_models import Mailbox  # noqa: E402
from ccengine.tickets.models import Ticket  # noqa: E402

HOST, PORT, PASSWORD = "127.0.0.1", 10143, "ccengine-mail"
APPENDERS = 4  # connections appending in parallel (setting up is not measured)
BODY = "Dzień dobry,\n\nmam problem z fakturą i proszę o kontakt.\n" * 40


def _message(n: int) -> bytes:
    message = EmailMessage()
    message["From"] = f"Klient {n % 997} <klient{n % 997}@example.com>"
    message["To"] = "pomoc@firma.example"
    message["Subject"] = f"Zgłoszenie numer {n}"
    message["Message-ID"] = f"<bench-{n}-{uuid.uuid4().hex}@example.com>"
    message["Date"] = "Sat, 05 Dec 2026 10:00:00 +0000"
    message.set_content(BODY)
    return bytes(message)


async def _append(user: str, messages: Sequence[bytes]) -> None:
    client = aioimaplib.IMAP4(host=HOST, port=PORT, timeout=60)
    await client.wait_hello_from_server()
    await client.login(user, PASSWORD)
    for raw in messages:
        response = await client.append(raw, mailbox="INBOX")
        assert response.result == "OK", response
    await client.logout()


async def _bare_fetch(user: str, batch: int) -> int:
    settings = ImapSettings(host=HOST, port=PORT, security="none", user=user,
                            password=PASSWORD, timeout=60)
    imap = await connect(settings)
    try:
        uids = await imap.pending()
        fetched = 0
        for start in range(0, len(uids), batch):
            fetched += len(await imap.fetch(uids[start:start + batch]))
        return fetched
    finally:
        await imap.close()


async def _mailbox(database: Database, user: str) -> None:
    now = datetime.now(UTC)
    async with database.writer() as session:
        session.add(Mailbox(name="bench", queue="support", address="pomoc@firma.example",
                            imap_host=HOST, imap_port=PORT, imap_security="none",
                            imap_user=user, imap_password=PASSWORD, created_at=now,
                            updated_at=now))
        await session.commit()


async def _tickets(database: Database) -> int:
    async with database.sessions() as session:
        return int(await session.scalar(select(func.count(Ticket.id))) or 0)


async def _receive(database: Database, count: int, batch: int) -> float:
    receiver = MailReceiver(database, MailConfig(batch=batch, refresh_seconds=3600),
                            Intake(tickets=TicketsConfig()))
    started = time.perf_counter()
    task = asyncio.create_task(receiver.run())
    try:
        while await _tickets(database) < count:
            if task.done():
                task.result()
            await asyncio.sleep(0.2)
        return time.perf_counter() - started
    finally:
        await cancel_and_wait([task])


async def run(count: int, batch: int) -> None:
    user = f"bench{uuid.uuid4().hex[:10]}"
    messages = [_message(n) for n in range(count)]
    await asyncio.gather(*(_append(user, messages[i::APPENDERS]) for i in range(APPENDERS)))
    started = time.perf_counter()
    fetched = await _bare_fetch(user, batch)
    bare = time.perf_counter() - started
    assert fetched == count, (fetched, count)
    async with scratch_database("ccengine_bench_mail") as database:
        await _mailbox(database, user)
        intake = await _receive(database, count, batch)
    bare_rate, intake_rate = count / bare, count / intake
    print(f"{count} messages ({len(messages[0])} bytes each) on Dovecot, PostgreSQL, "
          f"batch {batch}")
    print(f"bare IMAP fetch: {bare:.2f} s, {bare_rate:.0f} messages/s")
    print(f"receiver to tickets: {intake:.2f} s, {intake_rate:.1f} messages/s")
    print(f"intake/bare fetch throughput ratio: {intake_rate / bare_rate:.4f}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="100 messages: a smoke run")
    args = parser.parse_args(argv)
    asyncio.run(run(100 if args.quick else args.messages, args.batch))


if __name__ == "__main__":
    main()
