"""One received e-mail onto its ticket: one transaction, committed before the
receiver marks the message done on the server.

A message whose Message-ID is already on a thread is a duplicate (the same copy
twice, or a restart between this commit and the mark): nothing is written. A
machine-made message (auto-reply, bulk, bounce) opens nothing and is answered by
nothing; when it threads to a ticket it is kept there without reopening it. Any
other message joins its thread (a reply: see ``intake_tickets.replied``) or opens a
ticket in its routed queue with the acknowledgement queued in the same transaction.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.config import TicketsConfig
from ccengine.customers.rules import MAX_EMAIL
from ccengine.db import Database
from ccengine.mail.acknowledging import acknowledge
from ccengine.mail.intake_tickets import customer_for, new_ticket, replied, thread_of
from ccengine.mail.masking import masked
from ccengine.mail.model import ParsedMail
from ccengine.mail.routing import number_pattern, route
from ccengine.mail.storage_models import Mailbox, MailMessage
from ccengine.mail.storing import store_message
from ccengine.tickets.models import Ticket
from ccengine.tickets.sla_sync import DEFAULT_SLA, SlaProvider, sync_sla

__all__ = ["Intake", "Outcome", "ingest"]

AUTHOR = 200  # ticket_activities.author
BeforeCommit = Callable[[], Awaitable[None]]


class Outcome(StrEnum):
    OPENED = "opened"  # a new ticket (acknowledged when the mailbox says so)
    THREADED = "threaded"  # onto an existing ticket (or its follow-up)
    DUPLICATE = "duplicate"  # its Message-ID is already stored
    AUTOMATIC_KEPT = "automatic_kept"  # machine-made, kept on its thread, nothing reopened
    AUTOMATIC_SKIPPED = "automatic_skipped"  # machine-made, no thread: no ticket


@dataclass(frozen=True, slots=True)
class Intake:
    """What every message of a receiver needs besides itself."""

    tickets: TicketsConfig
    sla: SlaProvider = DEFAULT_SLA
    before_commit: BeforeCommit | None = None  # tests: a crash before the commit

    @property
    def pattern(self) -> re.Pattern[str]:
        return number_pattern(self.tickets.number_format)


async def ingest(database: Database, mailbox_id: int, parsed: ParsedMail, intake: Intake,
                 now: datetime) -> Outcome:
    """Store ``parsed`` received by mailbox ``mailbox_id``, committed; a unique clash
    (another writer stored the same message or customer meanwhile) is replayed once."""
    try:
        return await _ingest_once(database, mailbox_id, parsed, intake, now)
    except IntegrityError:
        return await _ingest_once(database, mailbox_id, parsed, intake, now)


async def _ingest_once(database: Database, mailbox_id: int, parsed: ParsedMail,
                       intake: Intake, now: datetime) -> Outcome:
    async with database.writer() as session:
        if await _stored(session, parsed.message_id):
            return Outcome.DUPLICATE
        mailbox = await session.get(Mailbox, mailbox_id)
        if mailbox is None:
            raise LookupError(f"no mailbox {mailbox_id}")
        if mailbox.mask_personal_data:
            # Before threading and routing: the ticket's title and the filters see only
            # the masked text. CPU work (seconds for a long mail), so off the loop.
            parsed = await asyncio.to_thread(masked, parsed)
        outcome = await _place(session, parsed, mailbox, intake, now)
        if intake.before_commit is not None:
            await intake.before_commit()
        await session.commit()
        return outcome


async def _stored(session: AsyncSession, message_id: str) -> bool:
    found = await session.scalar(select(MailMessage.id).where(
        MailMessage.message_id == message_id))
    return found is not None


async def _place(session: AsyncSession, parsed: ParsedMail, mailbox: Mailbox,
                 intake: Intake, now: datetime) -> Outcome:
    thread = await thread_of(session, parsed, mailbox, intake.pattern, now)
    if parsed.automatic is not None:
        if thread is None:
            return Outcome.AUTOMATIC_SKIPPED
        row = await _store(session, thread, parsed, mailbox, now)
        row.note = f"automatic message ({parsed.automatic}): not answered, nothing reopened"
        return Outcome.AUTOMATIC_KEPT
    address = parsed.from_address
    # An address longer than a customer's may be (RFC 5321 allows no more) has none.
    customer = (await customer_for(session, address, parsed.from_name, now)
                if address and len(address) <= MAX_EMAIL else None)
    if thread is not None:
        ticket = await replied(session, thread, parsed, mailbox, customer, now, intake.tickets)
        opened = ticket is not thread
    else:
        queue = route(parsed, mailbox.filters or [], mailbox.queue)
        ticket = await new_ticket(session, parsed, queue, customer, now, intake.tickets)
        opened = True
    await _store(session, ticket, parsed, mailbox, now)
    await sync_sla(session, [ticket], intake.sla, now)
    if not opened:
        return Outcome.THREADED
    if parsed.from_address:
        await acknowledge(session, ticket, to=parsed.from_address,
                          customer_name=parsed.from_name, now=now,
                          in_reply_to=parsed.message_id, mailbox=mailbox)
    return Outcome.OPENED if thread is None else Outcome.THREADED


async def _store(session: AsyncSession, ticket: Ticket, parsed: ParsedMail, mailbox: Mailbox,
                 now: datetime) -> MailMessage:
    await session.flush()  # a new ticket's id
    author = (parsed.from_name or parsed.from_address or "?")[:AUTHOR]
    return await store_message(session, ticket=ticket, parsed=parsed, mailbox=mailbox,
                               direction="in", now=now, author=author,
                               masked_already=mailbox.mask_personal_data)
