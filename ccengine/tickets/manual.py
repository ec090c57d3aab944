"""Tickets an agent (or an integration) opens by hand, for a caller, an e-mail
address, a known customer or nobody yet; one transaction each.

The ticket is numbered from the same counter as the calls' tickets, starts new,
and gets its SLA due times at once like every other writer's. A description is
the ticket's first note, by its creator: tickets have no description column.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.config import TicketsConfig
from ccengine.customers.lookup import customer_by_phone, new_customer
from ccengine.customers.storage_models import CustomerEmail
from ccengine.db import Database
from ccengine.tickets import numbering
from ccengine.tickets.enums import ActivityKind, Priority, SourceChannel, TicketKind, TicketStatus
from ccengine.tickets.models import Customer, Ticket, TicketActivity
from ccengine.tickets.sla_sync import DEFAULT_SLA, SlaProvider, sync_sla

__all__ = ["AlsoDo", "ForCustomer", "ForEmail", "ForPhone", "ManualTicket", "UnknownCustomer",
           "open_ticket"]


@dataclass(frozen=True, slots=True)
class ForPhone:
    e164: str  # already normalised


@dataclass(frozen=True, slots=True)
class ForEmail:
    address: str  # already lower case and checked


@dataclass(frozen=True, slots=True)
class ForCustomer:
    customer_id: int


Recipient = ForPhone | ForEmail | ForCustomer | None


@dataclass(frozen=True, slots=True)
class ManualTicket:
    title: str
    recipient: Recipient = None
    priority: Priority = Priority.P3
    queue: str | None = None
    assignee: str | None = None
    description: str | None = None
    source: SourceChannel = SourceChannel.MANUAL


# Called in the ticket's transaction before its commit (a form's acknowledgement e-mail).
AlsoDo = Callable[[AsyncSession, Ticket], Awaitable[None]]


class UnknownCustomer(LookupError):
    def __init__(self, customer_id: int) -> None:
        super().__init__(f"no customer {customer_id}")
        self.customer_id = customer_id


async def open_ticket(database: Database, asked: ManualTicket, creator: str, how: str,
                      now: datetime, config: TicketsConfig,
                      sla: SlaProvider = DEFAULT_SLA, also: AlsoDo | None = None) -> str:
    """Open the ticket ``asked`` for, by ``creator`` (a display name) ``how`` ("in the
    page", "via the API"); returns its number.

    When another writer created the same new customer (phone or e-mail) meanwhile, the
    transaction is rolled back and replayed once, and the replay finds that customer.
    """
    try:
        return await _open_once(database, asked, creator, how, now, config, sla, also)
    except IntegrityError:
        return await _open_once(database, asked, creator, how, now, config, sla, also)


async def _open_once(database: Database, asked: ManualTicket, creator: str, how: str,
                     now: datetime, config: TicketsConfig, sla: SlaProvider,
                     also: AlsoDo | None) -> str:
    async with database.writer() as session:
        customer = await _customer(session, asked.recipient, now)
        ticket = await _new_ticket(session, asked, customer, now, config)
        session.add(_activity(ticket, ActivityKind.NOTE, f"opened by {creator} {how}",
                              {"opened": asked.source.value}, creator, now))
        if asked.description:
            session.add(_activity(ticket, ActivityKind.NOTE, asked.description,
                                  {"public": False}, creator, now))
        await session.flush()
        await sync_sla(session, [ticket], sla, now)
        if also is not None:
            await also(session, ticket)
        await session.commit()
        return ticket.number


async def _customer(session: AsyncSession, recipient: Recipient,
                    now: datetime) -> Customer | None:
    if recipient is None:
        return None
    if isinstance(recipient, ForCustomer):
        customer = await session.get(Customer, recipient.customer_id)
        if customer is None:
            raise UnknownCustomer(recipient.customer_id)
        return customer
    if isinstance(recipient, ForPhone):
        known = await customer_by_phone(session, recipient.e164)
        return known or new_customer(session, recipient.e164, None, False, now)
    return await _customer_by_email(session, recipient.address, now)


async def _customer_by_email(session: AsyncSession, address: str, now: datetime) -> Customer:
    known = await session.scalar(
        select(Customer).join(CustomerEmail, CustomerEmail.customer_id == Customer.id)
        .where(CustomerEmail.address == address))
    if known is not None:
        return known
    customer = Customer(phone_e164=None, name=None, vip=False, created_at=now, updated_at=now)
    session.add(customer)
    await session.flush()  # the e-mail row needs the customer's id
    session.add(CustomerEmail(customer_id=customer.id, address=address))
    return customer


async def _new_ticket(session: AsyncSession, asked: ManualTicket, customer: Customer | None,
                      now: datetime, config: TicketsConfig) -> Ticket:
    year = now.astimezone(ZoneInfo(config.timezone)).year
    first = await numbering.allocate(session, year, 1)
    number = numbering.format_numbers(config.number_format, year, first, 1)[0]
    ticket = Ticket(number=number, title=asked.title, status=TicketStatus.NEW,
                    priority=asked.priority, kind=TicketKind.CALL, queue=asked.queue,
                    assignee=asked.assignee, customer=customer,
                    source_channel=asked.source, created_at=now, updated_at=now)
    session.add(ticket)
    return ticket


def _activity(ticket: Ticket, kind: ActivityKind, body: str, data: dict[str, object],
              author: str, at: datetime) -> TicketActivity:
    return TicketActivity(ticket=ticket, kind=kind, body=body, data=dict(data), author=author,
                          created_at=at)
