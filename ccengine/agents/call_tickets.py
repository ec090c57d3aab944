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

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.agents.storage_models import LiveCallTicket
from ccengine.config import TicketsConfig
from ccengine.customers.lookup import customers_by_phone, new_customer
from ccengine.db import Database
from ccengine.tickets import numbering, rules
from ccengine.tickets.assigning import SYSTEM_AUTHOR, chunks, ring_title, status_change
from ccengine.tickets.enums import (
    FINISHED,
    ActivityKind,
    Priority,
    ResponseKind,
    SourceChannel,
    TicketKind,
    TicketStatus,
)
from ccengine.tickets.life_rules import Return
from ccengine.tickets.merging import merge
from ccengine.tickets.models import Customer, Ticket, TicketActivity
from ccengine.tickets.relations_models import TicketMerge
from ccengine.tickets.returning import latest_tickets, link_follow_up, reopen, returning
from ccengine.tickets.rules import OpenTicket, learned_name, ticket_to_join
from ccengine.tickets.sla_marks import mark_response, move_status
from ccengine.tickets.sla_sync import DEFAULT_SLA, SlaProvider, sync_sla

# A finished ticket the customer comes back to, within the reopen window or after it.
FOLLOWED_UP_AT_RING = frozenset({Return.REOPEN, Return.FOLLOW_UP})
# The queue's policy for its calls' tickets (``routes.model.Queue.call_tickets``).
NEW_TICKET, OPEN_TICKET, CUSTOMER_ONLY = "new", "open_ticket", "customer_only"


@dataclass(frozen=True, slots=True)
class RingFacts:
    pbx: str
    linkedid: str
    caller: str | None  # E.164
    caller_name: str | None
    queue: str | None
    at: datetime
    urgency: Priority | None = None  # a route may ask for more (an outage line: P1)
    vip: bool = False  # VIP by the route graph's list: the same priority as a VIP customer
    policy: str = NEW_TICKET  # the queue's ``call_tickets`` (routes.model.Queue)


@dataclass(frozen=True, slots=True)
class CallTicket:
    id: int
    number: str
    status: str
    priority: str
    created: bool  # False: the call joined the caller's open ticket
    follow_up: bool = False  # it follows up a finished ticket (``fold_into_returned``)

    def as_json(self) -> dict[str, object]:
        return {"number": self.number, "status": self.status, "priority": self.priority}


def _view(ticket: Ticket, created: bool) -> CallTicket:
    return CallTicket(ticket.id, ticket.number, ticket.status, ticket.priority, created,
                      ticket.follow_up_of_id is not None)


async def open_for_calls(database: Database, config: TicketsConfig, batch: Sequence[RingFacts],
                         sla: SlaProvider = DEFAULT_SLA) -> list[CallTicket]:
    """Each call's ticket, in order: many calls in one transaction (a burst costs one
    write, and SQLite has one writer). Replayed once if another process raced us."""
    try:
        return await _open_once(database, config, batch, sla)
    except IntegrityError:
        return await _open_once(database, config, batch, sla)


async def _open_once(database: Database, config: TicketsConfig, batch: Sequence[RingFacts],
                     sla: SlaProvider) -> list[CallTicket]:
    async with database.writer() as session:
        found = await _tickets_of_calls(session, {(f.pbx, f.linkedid) for f in batch})
        fresh = {(f.pbx, f.linkedid): f for f in batch if (f.pbx, f.linkedid) not in found}
        # Rows are numbered before anything is written: no flush in between.
        with session.no_autoflush:
            customers = await _customers(session, list(fresh.values()))
            open_tickets = await _open_tickets(session, config, customers.values(),
                                               any(f.policy == OPEN_TICKET for f in batch))
            latest = await latest_tickets(session, [c.id for c in customers.values() if c.id])
            opened: dict[tuple[str, str], tuple[Ticket, bool]] = {}
            new: list[tuple[RingFacts, Ticket]] = []
            for key, facts in fresh.items():
                customer = customers.get(facts.caller or "")
                before = latest.get(customer.id or 0) if customer else None
                decision = returning(before, facts.at, config)
                joined = _joinable(open_tickets, config, customer, facts)
                ticket = joined or _new_ticket(customer, facts)
                opened[key] = (ticket, joined is None)
                if joined is None:
                    new.append((facts, ticket))
                    # A ringing call may yet be missed (and then needs a callback, not
                    # reopened work): it does not reopen a finished ticket here, it
                    # opens one linked to it, so the pop shows the history at once.
                    if before is not None and decision in FOLLOWED_UP_AT_RING:
                        link_follow_up(session, ticket, before, facts.at)
                    if customer is not None and customer.id is not None:
                        latest[customer.id] = ticket
                ticket.updated_at = facts.at
            await _number(session, config, new)
        await session.flush()
        session.add_all(LiveCallTicket(pbx=key[0], linkedid=key[1], ticket_id=ticket.id,
                                       created=created, created_at=fresh[key].at)
                        for key, (ticket, created) in opened.items())
        if batch:
            await sync_sla(session, [ticket for ticket, _ in opened.values()], sla, batch[-1].at)
        await session.commit()
    found.update({key: _view(ticket, created) for key, (ticket, created) in opened.items()})
    return [found[(f.pbx, f.linkedid)] for f in batch]


async def _tickets_of_calls(session: AsyncSession,
                            keys: set[tuple[str, str]]) -> dict[tuple[str, str], CallTicket]:
    query = (select(Ticket, LiveCallTicket.pbx, LiveCallTicket.linkedid, LiveCallTicket.created)
             .join(LiveCallTicket, LiveCallTicket.ticket_id == Ticket.id)
             .where(LiveCallTicket.linkedid.in_(sorted({linkedid for _, linkedid in keys}))))
    return {(pbx, linkedid): _view(ticket, created)
            for ticket, pbx, linkedid, created in await session.execute(query)
            if (pbx, linkedid) in keys}


async def _customers(session: AsyncSession,
                     batch: Sequence[RingFacts]) -> dict[str, Customer]:
    """The customer of every caller in the batch, created when new."""
    names = {f.caller: learned_name(f.caller_name, f.caller) for f in batch if f.caller}
    phones = sorted(names)  # a fixed order of inserts keeps concurrent writers deadlock-free
    known = await customers_by_phone(session, phones)
    at = batch[0].at if batch else None
    for phone in phones:
        if phone not in known and at is not None:
            known[phone] = new_customer(session, phone, names[phone], False, at)
    return known


async def _open_tickets(session: AsyncSession, config: TicketsConfig,
                        customers: Iterable[Customer], by_queue: bool) -> dict[int, list[Ticket]]:
    """The open tickets of the batch's known callers, by customer id, in chunked queries;
    none when joining is off (by the config and by every queue's policy). A customer new
    in this batch has no id and no tickets yet."""
    ids = sorted({c.id for c in customers if c.id is not None})
    found: dict[int, list[Ticket]] = {}
    if config.join_open_within_hours <= 0 and not by_queue:
        return found
    for chunk in chunks(ids):
        query = select(Ticket).where(Ticket.customer_id.in_(chunk),
                                     Ticket.status.not_in(FINISHED))
        for ticket in await session.scalars(query):
            found.setdefault(ticket.customer_id or 0, []).append(ticket)
    return found


def _joinable(open_tickets: dict[int, list[Ticket]], config: TicketsConfig,
              customer: Customer | None, facts: RingFacts) -> Ticket | None:
    """The open ticket this call joins: by the queue's "open_ticket" policy the caller's
    newest open ticket of that queue (any age), else by the config's time window; a
    "customer_only" queue never joins (its call's ticket lives for one wrap-up)."""
    if customer is None or customer.id is None or facts.policy == CUSTOMER_ONLY:
        return None  # a customer new in this batch has no tickets yet
    candidates = open_tickets.get(customer.id, [])
    if facts.policy == OPEN_TICKET:
        return newest_open_in_queue(candidates, facts.queue)
    if config.join_open_within_hours <= 0:
        return None
    views = [OpenTicket(i, TicketStatus(t.status), t.created_at) for i, t in enumerate(candidates)]
    chosen = ticket_to_join(views, facts.at, config.join_open_within_hours)
    return None if chosen is None else candidates[chosen.ref]


def newest_open_in_queue(tickets: Sequence[Ticket], queue: str | None) -> Ticket | None:
    """The newest ticket of ``queue`` that is not finished (nor resolved): snoozed or
    waiting for the customer is open work the caller is calling about."""
    open_here = [t for t in tickets if t.queue == queue and t.status not in FINISHED]
    return max(open_here, key=lambda t: (t.created_at, t.id or 0), default=None)


def _new_ticket(customer: Customer | None, facts: RingFacts) -> Ticket:
    priority = rules.priority(Priority.P3, facts.vip or (customer is not None and customer.vip))
    if facts.urgency is not None:
        priority = priority.more_urgent(facts.urgency)
    return Ticket(number="", title=ring_title(facts.caller),
                  status=TicketStatus.NEW, priority=priority, kind=TicketKind.CALL,
                  queue=facts.queue, assignee=None, customer=customer,
                  source_channel=SourceChannel.PHONE, created_at=facts.at, updated_at=facts.at)


async def _number(session: AsyncSession, config: TicketsConfig,
                  new: Sequence[tuple[RingFacts, Ticket]]) -> None:
    """Numbers for the batch's new tickets, one block per year."""
    by_year: dict[int, list[Ticket]] = {}
    for facts, ticket in new:
        by_year.setdefault(facts.at.astimezone(ZoneInfo(config.timezone)).year, []).append(ticket)
        session.add(ticket)
    for year, tickets in sorted(by_year.items()):
        first = await numbering.allocate(session, year, len(tickets))
        numbers = numbering.format_numbers(config.number_format, year, first, len(tickets))
        for ticket, number in zip(tickets, numbers, strict=True):
            ticket.number = number


async def assign_on_answer(database: Database, ticket_id: int, agent: str, at: datetime,
                           counted: Collection[ResponseKind],
                           sla: SlaProvider = DEFAULT_SLA,
                           config: TicketsConfig | None = None) -> CallTicket | None:
    """The agent took the call: the ticket is theirs and in progress, and the caller
    heard from us (a first response, when answered calls count). A ring-time follow-up
    of a ticket still inside its reopen window folds into that ticket (``config``)."""
    async with database.writer() as session:
        ticket = await session.get(Ticket, ticket_id)
        if ticket is None:
            return None
        rung = ticket
        if config is not None:
            ticket = await fold_into_returned(session, ticket, config, at)
        if ticket.assignee != agent:
            session.add(TicketActivity(ticket=ticket, kind=ActivityKind.ASSIGNMENT,
                                       body=f"{ticket.assignee or '-'} → {agent}",
                                       data={"from": ticket.assignee, "to": agent},
                                       author=agent, created_at=at))
            ticket.assignee = agent
        if ticket.status == TicketStatus.NEW:
            session.add(status_change(ticket, TicketStatus.IN_PROGRESS, agent, at))
            move_status(ticket, TicketStatus.IN_PROGRESS, at)
        mark_response(ticket, ResponseKind.ANSWERED_CALL, at, counted)
        ticket.updated_at = at
        await sync_sla(session, list({rung.id: rung, ticket.id: ticket}.values()), sla, at)
        await session.commit()
    return _view(ticket, True)


async def fold_answered(database: Database, ticket_id: int, config: TicketsConfig,
                        at: datetime, sla: SlaProvider = DEFAULT_SLA) -> None:
    """Before an answered call is recorded: its ring-time follow-up folds into the
    ticket it followed, as at the answer (which the console may not have seen: a
    restart, a lost event), so the record finds one ticket."""
    async with database.writer() as session:
        ticket = await session.get(Ticket, ticket_id)
        if ticket is None:
            return
        survivor = await fold_into_returned(session, ticket, config, at)
        if survivor is not ticket:
            await sync_sla(session, [ticket, survivor], sla, at)
            await session.commit()


async def fold_into_returned(session: AsyncSession, ticket: Ticket, config: TicketsConfig,
                             at: datetime) -> Ticket:
    """The ticket an answered call belongs to. At ring time a call that comes back to a
    finished ticket opens a follow-up (the call may yet be missed: a callback, not
    reopened work). Once answered, within the reopen window, the finished ticket is the
    one the customer came back to: it reopens and the ring-time ticket is merged into
    it (its number, shown in the pop, stays resolvable), so the call leaves ONE ticket.
    The live call's row then points at the old ticket as joined, not created: the end
    of the call must not retitle or re-kind it."""
    if ticket.follow_up_of_id is None:
        return ticket
    # The answer and the recording's gate may fold one very short call at once: the
    # second waits for the first here (the row locked, re-read) and finds it folded.
    ticket = await session.scalar(select(Ticket).where(Ticket.id == ticket.id)
                                  .with_for_update()
                                  .execution_options(populate_existing=True)) or ticket
    folded_into = await session.scalar(select(TicketMerge.into_id)
                                       .where(TicketMerge.ticket_id == ticket.id))
    if folded_into is not None:
        return await session.get(Ticket, folded_into) or ticket
    if ticket.status != TicketStatus.NEW:
        return ticket
    live = await session.scalar(select(LiveCallTicket).where(
        LiveCallTicket.ticket_id == ticket.id, LiveCallTicket.created.is_(True)))
    old = await session.get(Ticket, ticket.follow_up_of_id)
    if live is None or old is None:
        return ticket
    decision = returning(old, ticket.created_at, config)
    if decision not in (Return.REOPEN, Return.JOIN):
        return ticket  # past the window: the follow-up is the ticket
    if decision is Return.REOPEN:
        reopen(session, old, SourceChannel.PHONE, at)
    await merge(session, ticket, old, SYSTEM_AUTHOR, at)
    await session.execute(update(LiveCallTicket).where(LiveCallTicket.ticket_id == old.id)
                          .values(created=False))
    return old
