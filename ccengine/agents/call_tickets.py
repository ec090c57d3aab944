"""The ticket a live call opens before an agent's phone rings, and what the agent does to it.

The screen-pop shows "the ticket this call opened" while the phone rings, so
the ticket cannot wait for the end of the call as it used to. A call that
reaches a queue gets a ticket whatever happens next (answered or missed), so it
is opened when the call joins the queue (or at its first AgentCalled, if the
join was not seen), or the caller's open ticket is joined by the same policy as
at the end; once per PBX + Linkedid (``live_call_tickets``). When the call
ends, its record reuses that ticket (``tickets.assigning``), setting status,
kind and priority by the outcome as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.agents.storage_models import LiveCallTicket
from ccengine.config import TicketsConfig
from ccengine.db import Database
from ccengine.tickets import numbering
from ccengine.tickets.enums import ActivityKind, Priority, SourceChannel, TicketKind, TicketStatus
from ccengine.tickets.models import Customer, Ticket, TicketActivity
from ccengine.tickets.rules import HIDDEN_CALLER, OpenTicket, learned_name, ticket_to_join


@dataclass(frozen=True, slots=True)
class RingFacts:
    pbx: str
    linkedid: str
    caller: str | None  # E.164
    caller_name: str | None
    queue: str | None
    at: datetime
    urgency: Priority | None = None  # a route may ask for more (an outage line: P1)


@dataclass(frozen=True, slots=True)
class CallTicket:
    id: int
    number: str
    status: str
    priority: str
    created: bool  # False: the call joined the caller's open ticket

    def as_json(self) -> dict[str, object]:
        return {"number": self.number, "status": self.status, "priority": self.priority}


def _view(ticket: Ticket, created: bool) -> CallTicket:
    return CallTicket(ticket.id, ticket.number, ticket.status, ticket.priority, created)


async def open_for_call(database: Database, config: TicketsConfig, facts: RingFacts) -> CallTicket:
    """The call's ticket, opened now unless it was already (idempotent)."""
    try:
        return await _open_once(database, config, facts)
    except IntegrityError:  # another process opened it (or its customer) meanwhile
        return await _open_once(database, config, facts)


async def _open_once(database: Database, config: TicketsConfig, facts: RingFacts) -> CallTicket:
    async with database.writer() as session:
        found = await ticket_of_call(session, facts.pbx, facts.linkedid)
        if found is not None:
            return found
        customer = await _customer(session, facts)
        ticket = await _joinable(session, config, customer, facts.at)
        created = ticket is None
        if ticket is None:
            ticket = await _new_ticket(session, config, customer, facts)
        ticket.updated_at = facts.at
        await session.flush()
        session.add(LiveCallTicket(pbx=facts.pbx, linkedid=facts.linkedid, ticket_id=ticket.id,
                                   created=created, created_at=facts.at))
        await session.commit()
    return _view(ticket, created)


async def ticket_of_call(session: AsyncSession, pbx: str, linkedid: str) -> CallTicket | None:
    query = (select(Ticket, LiveCallTicket.created)
             .join(LiveCallTicket, LiveCallTicket.ticket_id == Ticket.id)
             .where(LiveCallTicket.pbx == pbx, LiveCallTicket.linkedid == linkedid))
    row = (await session.execute(query)).first()
    return None if row is None else _view(row[0], row[1])


async def _customer(session: AsyncSession, facts: RingFacts) -> Customer | None:
    if facts.caller is None:
        return None
    customer = await session.scalar(select(Customer).where(Customer.phone_e164 == facts.caller))
    if customer is None:
        customer = Customer(phone_e164=facts.caller, vip=False, created_at=facts.at,
                            name=learned_name(facts.caller_name, facts.caller))
        session.add(customer)
        await session.flush()
    return customer


async def _joinable(session: AsyncSession, config: TicketsConfig, customer: Customer | None,
                    at: datetime) -> Ticket | None:
    if customer is None or config.join_open_within_hours <= 0:
        return None
    query = select(Ticket).where(Ticket.customer_id == customer.id,
                                 Ticket.status != TicketStatus.CLOSED)
    candidates = list(await session.scalars(query))
    views = [OpenTicket(i, TicketStatus(t.status), t.created_at) for i, t in enumerate(candidates)]
    chosen = ticket_to_join(views, at, config.join_open_within_hours)
    return None if chosen is None else candidates[chosen.ref]


async def _new_ticket(session: AsyncSession, config: TicketsConfig, customer: Customer | None,
                      facts: RingFacts) -> Ticket:
    year = facts.at.astimezone(ZoneInfo(config.timezone)).year
    first = await numbering.allocate(session, year, 1)
    [number] = numbering.format_numbers(config.number_format, year, first, 1)
    priority = Priority.P3.raised() if customer is not None and customer.vip else Priority.P3
    if facts.urgency is not None and list(Priority).index(facts.urgency) < list(
            Priority).index(priority):
        priority = facts.urgency
    ticket = Ticket(number=number, title=f"Połączenie od {facts.caller or HIDDEN_CALLER}",
                    status=TicketStatus.NEW, priority=priority, kind=TicketKind.CALL,
                    queue=facts.queue, assignee=None, customer=customer,
                    source_channel=SourceChannel.PHONE, created_at=facts.at,
                    updated_at=facts.at)
    session.add(ticket)
    return ticket


async def assign_on_answer(database: Database, ticket_id: int, agent: str,
                           at: datetime) -> CallTicket | None:
    """The agent took the call: the ticket is theirs and in progress."""
    async with database.writer() as session:
        ticket = await session.get(Ticket, ticket_id)
        if ticket is None:
            return None
        if ticket.assignee != agent:
            session.add(TicketActivity(ticket=ticket, kind=ActivityKind.ASSIGNMENT,
                                       body=f"{ticket.assignee or '-'} → {agent}",
                                       data={"from": ticket.assignee, "to": agent},
                                       author=agent, created_at=at))
            ticket.assignee = agent
        if ticket.status == TicketStatus.NEW:
            ticket.status = TicketStatus.IN_PROGRESS
        ticket.updated_at = at
        await session.commit()
        created = True
    return _view(ticket, created)
