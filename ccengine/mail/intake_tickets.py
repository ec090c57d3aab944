"""The tickets side of a received e-mail, in the receiver's transaction: which ticket
it threads to, the ticket it opens, and what a customer's reply does to a ticket.

Threading, in order: the ticket number in the subject, only from a participant of that
ticket (its customer's addresses, or one in from/to/cc of its messages: the number is
sequential, anyone could guess it); the In-Reply-To and References ids of messages
already on a thread (or sent from the outbox: those ids are not guessable); the seeds'
grouping (the same sender within the mailbox's ``group_window_minutes``, onto their
still open ticket). A merged ticket found is followed to its survivor (a merged one is
only a pointer). Nothing commits here.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from email.utils import getaddresses
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.automation.recording import customer_replied
from ccengine.config import TicketsConfig
from ccengine.customers.storage_models import CustomerEmail
from ccengine.mail.model import ParsedMail
from ccengine.mail.routing import number_in_subject
from ccengine.mail.storage_models import Mailbox, MailMessage, OutgoingMail
from ccengine.mail.storing import message_ticket_id
from ccengine.tickets import numbering
from ccengine.tickets.batch_rows import SYSTEM_AUTHOR, status_change
from ccengine.tickets.enums import (
    Priority,
    SourceChannel,
    TicketKind,
    TicketStatus,
    is_finished,
)
from ccengine.tickets.life_rules import Latest, Return, on_return
from ccengine.tickets.models import Customer, Ticket
from ccengine.tickets.relations_models import TicketMerge
from ccengine.tickets.returning import link_follow_up, reopen
from ccengine.tickets.sla_marks import move_status

__all__ = ["customer_for", "is_participant", "new_ticket", "replied", "thread_addresses",
           "thread_of"]

CHANNEL = SourceChannel.EMAIL
NO_SUBJECT = "(bez tematu)"


async def thread_of(session: AsyncSession, parsed: ParsedMail, mailbox: Mailbox,
                    pattern: re.Pattern[str], now: datetime) -> Ticket | None:
    """The existing ticket this message belongs to, or None (it opens one)."""
    number = number_in_subject(parsed.subject, pattern)
    if number is not None and parsed.from_address:
        tagged = await session.scalar(select(Ticket).where(Ticket.number == number))
        if tagged is not None:
            tagged = await _survivor(session, tagged)
            if await is_participant(session, tagged, parsed.from_address):
                return tagged
    ids = [i for i in (parsed.in_reply_to, *parsed.references) if i]
    ticket_id = await message_ticket_id(session, ids) or await _sent_ticket_id(session, ids)
    if ticket_id is not None:
        found = await session.get(Ticket, ticket_id)
        return None if found is None else await _survivor(session, found)
    grouped = await _grouped(session, parsed, mailbox, now)
    return None if grouped is None else await _survivor(session, grouped)


async def _survivor(session: AsyncSession, ticket: Ticket) -> Ticket:
    """The ticket ``ticket`` was merged into (pointers are one hop), else itself."""
    into = await session.scalar(select(TicketMerge.into_id).where(
        TicketMerge.ticket_id == ticket.id))
    survivor = None if into is None else await session.get(Ticket, into)
    return ticket if survivor is None else survivor


async def is_participant(session: AsyncSession, ticket: Ticket, address: str) -> bool:
    """Whether ``address`` is the ticket's customer's or on its thread (from/to/cc)."""
    wanted = address.strip().lower()
    if ticket.customer_id is not None:
        known = await session.scalars(select(CustomerEmail.address).where(
            CustomerEmail.customer_id == ticket.customer_id))
        if any(item.strip().lower() == wanted for item in known):
            return True
    return wanted in await thread_addresses(session, ticket.id)


async def thread_addresses(session: AsyncSession, ticket_id: int,
                           direction: str | None = None) -> set[str]:
    """Every address (lower case) in from/to/cc of the ticket's messages."""
    query = select(MailMessage.from_address, MailMessage.to, MailMessage.cc).where(
        MailMessage.ticket_id == ticket_id)
    if direction is not None:
        query = query.where(MailMessage.direction == direction)
    found: set[str] = set()
    for sender, to, cc in await session.execute(query):
        raw = [sender or "", *(to or []), *(cc or [])]
        found.update(a.strip().lower() for _n, a in getaddresses([str(r) for r in raw]) if a)
    return found


async def _sent_ticket_id(session: AsyncSession, ids: list[str]) -> int | None:
    """A reply to what the outbox sent (an acknowledgement not stored on the thread)."""
    if not ids:
        return None
    return await session.scalar(select(OutgoingMail.ticket_id).where(
        OutgoingMail.message_id.in_(ids), OutgoingMail.ticket_id.is_not(None))
        .order_by(OutgoingMail.id.desc()).limit(1))


async def _grouped(session: AsyncSession, parsed: ParsedMail, mailbox: Mailbox,
                   now: datetime) -> Ticket | None:
    if mailbox.group_window_minutes <= 0 or not parsed.from_address:
        return None
    since = now - timedelta(minutes=mailbox.group_window_minutes)
    candidates = await session.scalars(
        select(Ticket).join(MailMessage, MailMessage.ticket_id == Ticket.id)
        .where(MailMessage.direction == "in", MailMessage.mailbox_id == mailbox.id,
               MailMessage.from_address == parsed.from_address,
               MailMessage.received_at >= since)
        .order_by(MailMessage.received_at.desc(), MailMessage.id.desc()).limit(5))
    for ticket in candidates:
        if not is_finished(ticket.status):
            return ticket
    return None


async def customer_for(session: AsyncSession, address: str, name: str | None,
                       now: datetime) -> Customer:
    """The customer with this e-mail address, or a new one with the sender's name."""
    known = await session.scalar(
        select(Customer).join(CustomerEmail, CustomerEmail.customer_id == Customer.id)
        .where(CustomerEmail.address == address))
    if known is not None:
        return known
    customer = Customer(phone_e164=None, name=(name or None) and name[:200], vip=False,
                        created_at=now, updated_at=now)
    session.add(customer)
    await session.flush()  # the e-mail row needs the customer's id
    session.add(CustomerEmail(customer_id=customer.id, address=address))
    return customer


async def new_ticket(session: AsyncSession, parsed: ParsedMail, queue: str,
                     customer: Customer | None, now: datetime,
                     config: TicketsConfig) -> Ticket:
    year = now.astimezone(ZoneInfo(config.timezone)).year
    first = await numbering.allocate(session, year, 1)
    number = numbering.format_numbers(config.number_format, year, first, 1)[0]
    priority = Priority.P3.raised() if customer is not None and customer.vip else Priority.P3
    ticket = Ticket(number=number, title=(parsed.subject.strip() or NO_SUBJECT)[:300],
                    status=TicketStatus.NEW, priority=priority, kind=TicketKind.CALL,
                    queue=queue, assignee=None, customer=customer,
                    source_channel=CHANNEL, created_at=now, updated_at=now)
    session.add(ticket)
    return ticket


async def replied(session: AsyncSession, ticket: Ticket, parsed: ParsedMail, mailbox: Mailbox,
                  customer: Customer | None, now: datetime,
                  config: TicketsConfig) -> Ticket:
    """The customer wrote on ``ticket``: the ticket the message goes on. A finished one
    reopens within the reopen window, else a follow-up opens (returned, new); a waiting
    one is back in progress; the automation rules hear "customer replied"."""
    if is_finished(ticket.status):
        facts = Latest(ticket.status, ticket.resolved_at, ticket.updated_at)
        if on_return(facts, now, config.reopen_within_days) is Return.REOPEN:
            reopen(session, ticket, CHANNEL, now)
        else:
            follow_up = await new_ticket(session, parsed, ticket.queue or mailbox.queue,
                                         customer, now, config)
            if customer is None and ticket.customer_id is not None:
                follow_up.customer_id = ticket.customer_id
            link_follow_up(session, follow_up, ticket, now)
            return follow_up
    elif ticket.status == TicketStatus.WAITING_FOR_CUSTOMER:
        session.add(status_change(ticket, TicketStatus.IN_PROGRESS, SYSTEM_AUTHOR, now))
        move_status(ticket, TicketStatus.IN_PROGRESS, now)
    ticket.updated_at = now
    customer_replied(session, ticket, CHANNEL)
    return ticket
