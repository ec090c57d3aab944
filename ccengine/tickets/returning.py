"""A customer comes back: their finished ticket reopens, or a follow-up opens.

``life_rules.on_return`` decides from the customer's latest ticket (the highest
id: tickets are numbered as they are opened). The call paths (``assigning`` at a
call's end, ``agents.call_tickets`` when it rings) load the latest tickets of a
whole batch with ``latest_tickets``; the mail receiver threads first and applies
``on_return``, ``reopen`` and ``link_follow_up`` to the ticket it found; a single
contact may call ``contact_for_customer``. Nothing here commits: each runs in the
caller's transaction, with the contact it records.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.automation.recording import customer_replied
from ccengine.config import TicketsConfig
from ccengine.tickets import numbering
from ccengine.tickets.batch_rows import SYSTEM_AUTHOR, chunks, status_change
from ccengine.tickets.enums import ActivityKind, Priority, SourceChannel, TicketKind, TicketStatus
from ccengine.tickets.life_rules import (
    REOPENED_STATUS,
    Latest,
    Return,
    on_return,
    reopened_body,
)
from ccengine.tickets.models import Customer, Ticket, TicketActivity
from ccengine.tickets.sla_marks import move_status
from ccengine.tickets.sla_sync import DEFAULT_SLA, SlaProvider, sync_sla

__all__ = ["contact_for_customer", "latest_tickets", "link_follow_up", "reopen", "returning"]


async def latest_tickets(session: AsyncSession, customer_ids: Iterable[int]) -> dict[int, Ticket]:
    """Each customer's latest ticket, by customer id, in chunked queries."""
    found: dict[int, Ticket] = {}
    for chunk in chunks(sorted(set(customer_ids))):
        newest = (select(func.max(Ticket.id)).where(Ticket.customer_id.in_(chunk))
                  .group_by(Ticket.customer_id))
        for ticket in await session.scalars(select(Ticket).where(Ticket.id.in_(newest))):
            found[ticket.customer_id or 0] = ticket
    return found


def returning(latest: Ticket | None, at: datetime, config: TicketsConfig) -> Return:
    """What a contact ``at`` does with the customer's ``latest`` ticket."""
    facts = None if latest is None else Latest(latest.status, latest.resolved_at,
                                               latest.updated_at)
    return on_return(facts, at, config.reopen_within_days)


def reopen(session: AsyncSession, ticket: Ticket, channel: str, at: datetime) -> None:
    """The customer answered a finished ticket: it is open work again, its resolution
    clock running on (``move_status`` clears ``resolved_at``)."""
    change = status_change(ticket, REOPENED_STATUS, SYSTEM_AUTHOR, at)
    change.body += f" · {reopened_body(channel)}"
    change.data = {**change.data, "reopened_by": channel}
    session.add(change)
    move_status(ticket, REOPENED_STATUS, at)
    ticket.updated_at = at


def link_follow_up(session: AsyncSession, new: Ticket, old: Ticket, at: datetime) -> None:
    """``new`` follows up ``old`` (the customer came back after the reopen window)."""
    new.follow_up_of_id = old.id
    session.add(TicketActivity(ticket=new, kind=ActivityKind.FOLLOW_UP,
                               body=f"follow-up of {old.number}",
                               data={"follow_up_of": old.number}, author=SYSTEM_AUTHOR,
                               created_at=at))


async def contact_for_customer(session: AsyncSession, customer_id: int, channel: SourceChannel,
                               at: datetime, *, config: TicketsConfig | None = None,
                               sla: SlaProvider = DEFAULT_SLA,
                               title: str | None = None) -> Ticket:
    """The ticket a customer's new contact on ``channel`` belongs to: their open latest
    ticket, their finished one reopened (within ``reopen_within_days``), or a new one
    (a follow-up of the finished one after the window). Flushed, not committed."""
    config = config or TicketsConfig()
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise LookupError(f"no customer {customer_id}")
    latest = (await latest_tickets(session, [customer_id])).get(customer_id)
    decision = returning(latest, at, config)
    if decision is Return.JOIN and latest is not None:
        ticket = latest
        ticket.updated_at = at
    elif decision is Return.REOPEN and latest is not None:
        ticket = latest
        reopen(session, ticket, channel, at)
    else:
        ticket = await _new_ticket(session, customer, channel, at, config, title)
        if latest is not None:
            link_follow_up(session, ticket, latest, at)
    if ticket is latest:  # a new ticket is "created" for the automation rules
        customer_replied(session, ticket, channel)
    await session.flush()
    await sync_sla(session, [ticket], sla, at)
    return ticket


async def _new_ticket(session: AsyncSession, customer: Customer, channel: SourceChannel,
                      at: datetime, config: TicketsConfig, title: str | None) -> Ticket:
    year = at.astimezone(ZoneInfo(config.timezone)).year
    first = await numbering.allocate(session, year, 1)
    number = numbering.format_numbers(config.number_format, year, first, 1)[0]
    who = customer.name or customer.phone_e164 or f"#{customer.id}"
    priority = Priority.P3.raised() if customer.vip else Priority.P3
    ticket = Ticket(number=number, title=title or f"Kontakt ({channel}) od {who}",
                    status=TicketStatus.NEW, priority=priority, kind=TicketKind.CALL,
                    queue=None, assignee=None, customer_id=customer.id,
                    source_channel=channel, created_at=at, updated_at=at)
    session.add(ticket)
    return ticket
