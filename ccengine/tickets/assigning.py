"""Which ticket each fresh call of a batch gets: joined or new, then numbered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.agents.storage_models import CallbackAttempt, LiveCallTicket
from ccengine.calls.model import is_own_call
from ccengine.config import TicketsConfig
from ccengine.tickets import numbering
from ccengine.tickets.batch_rows import CHUNK as CHUNK
from ccengine.tickets.batch_rows import SYSTEM_AUTHOR as SYSTEM_AUTHOR
from ccengine.tickets.batch_rows import chunks as chunks
from ccengine.tickets.batch_rows import status_change as status_change
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
from ccengine.tickets.models import Customer, Ticket, TicketActivity
from ccengine.tickets.returning import latest_tickets, link_follow_up, reopen, returning
from ccengine.tickets.rows import Key, Prepared, RecordedCall, call_activity, call_row, recorded
from ccengine.tickets.rules import (
    HIDDEN_CALLER,
    OpenTicket,
    TicketPlan,
    plan_ticket,
    ticket_to_join,
)
from ccengine.tickets.sla_marks import agent_answer, mark_response, move_status
from ccengine.transcribe.queue import audio_of, queued_job


@dataclass(frozen=True, slots=True)
class RingState:
    """What settling a ticket opened at ring time needs to tell the agent's edits apart."""

    title: str  # the title it was opened with
    priority_set_by_agent: bool  # someone changed the priority during the call
    at: datetime


class BatchWriter:
    """Ticket decisions and rows for the fresh calls of one batch."""

    def __init__(
        self,
        session: AsyncSession,
        config: TicketsConfig,
        now: datetime,
        customers: dict[str, Customer],
    ) -> None:
        self._session = session
        self._config = config
        self._now = now
        self._customers = customers
        self._open: dict[str, list[Ticket]] = {}
        self._new: list[Ticket] = []
        self._rung: dict[Key, tuple[Ticket, bool]] = {}  # opened when the call rang
        self._reprioritised: set[int] = set()  # rung tickets whose priority someone changed
        self._callbacks: dict[str, Ticket] = {}  # each caller's open callback ticket
        self._latest: dict[str, Ticket] = {}  # each caller's latest ticket (``returning``)

    async def load_open_callbacks(self) -> None:
        """Each caller's open callback ticket, whatever the joining policy: a further
        missed call adds to it (one caller to call back, not one ticket per ring)."""
        by_id = {c.id: phone for phone, c in self._customers.items() if c.id is not None}
        for chunk in chunks(sorted(by_id)):
            query = (select(Ticket)
                     .where(Ticket.customer_id.in_(chunk), Ticket.kind == TicketKind.CALLBACK,
                            Ticket.status.not_in(FINISHED))
                     .order_by(Ticket.created_at.desc(), Ticket.id.desc()))
            for ticket in await self._session.scalars(query):  # the oldest is kept
                self._callbacks[by_id[ticket.customer_id or 0]] = ticket

    async def load_open_tickets(self) -> None:
        """Joining needs each caller's open tickets; skip the query when it is off."""
        by_id = {c.id: phone for phone, c in self._customers.items() if c.id is not None}
        if self._config.join_open_within_hours <= 0 or not by_id:
            return
        ids = sorted(by_id)
        for chunk in chunks(ids):
            query = select(Ticket).where(
                Ticket.customer_id.in_(chunk),
                Ticket.status.not_in(FINISHED),
            )
            for ticket in await self._session.scalars(query):
                self._open.setdefault(by_id[ticket.customer_id or 0], []).append(ticket)

    async def load_latest_tickets(self) -> None:
        """Each known caller's latest ticket: a call may reopen it, or follow it up."""
        by_id = {c.id: phone for phone, c in self._customers.items() if c.id is not None}
        latest = await latest_tickets(self._session, by_id)
        self._latest = {by_id[customer_id]: ticket for customer_id, ticket in latest.items()}

    async def load_ring_tickets(self, keys: set[Key]) -> None:
        """Tickets the agent console opened when these calls first rang an agent."""
        linkedids = sorted({linkedid for _, linkedid in keys})
        for chunk in chunks(linkedids):
            query = (select(LiveCallTicket, Ticket)
                     .join(Ticket, LiveCallTicket.ticket_id == Ticket.id)
                     .where(LiveCallTicket.linkedid.in_(chunk)))
            for live, ticket in await self._session.execute(query):
                if (live.pbx, live.linkedid) in keys:
                    self._rung[(live.pbx, live.linkedid)] = (ticket, live.created)
        await self._load_own_calls(keys)
        await self._load_priority_changes()

    async def _load_own_calls(self, keys: set[Key]) -> None:
        """A click-to-call the engine made belongs to its callback ticket, never a new one."""
        own = [key for key in keys if is_own_call(key[1])]
        by_linkedid = {linkedid: pbx for pbx, linkedid in own}
        for chunk in chunks(sorted(by_linkedid)):
            query = (select(CallbackAttempt.action_id, Ticket)
                     .join(Ticket, CallbackAttempt.ticket_id == Ticket.id)
                     .where(CallbackAttempt.action_id.in_(chunk)))
            for action_id, ticket in await self._session.execute(query):
                self._rung[(by_linkedid[action_id], action_id)] = (ticket, False)

    async def _load_priority_changes(self) -> None:
        """A priority change logged on a ticket this call opened was made during the call
        (by an agent, or through the API): the outcome must not overwrite it."""
        ids = sorted({ticket.id for ticket, created in self._rung.values() if created})
        for chunk in chunks(ids):
            query = (select(TicketActivity.ticket_id).distinct()
                     .where(TicketActivity.ticket_id.in_(chunk),
                            TicketActivity.kind == ActivityKind.PRIORITY_CHANGE))
            self._reprioritised.update(await self._session.scalars(query))

    def assign_tickets(self, fresh: Sequence[Prepared]) -> list[tuple[Ticket, bool]]:
        """Per fresh call, its ticket and whether that ticket is new; in call order."""
        return [self._ticket_for(item) for item in fresh]

    def _ticket_for(self, item: Prepared) -> tuple[Ticket, bool]:
        chosen = self._ticket_by_policy(item)
        if item.call.outcome.missed and chosen[0].kind == TicketKind.CALLBACK and item.caller:
            self._callbacks.setdefault(item.caller, chosen[0])
        return chosen

    def _ticket_by_policy(self, item: Prepared) -> tuple[Ticket, bool]:
        customer = self._customers.get(item.caller or "")
        rung = self._rung.get(item.key)
        callback = self._open_callback(item, rung)
        if callback is not None:
            plan = plan_ticket(item.call, item.caller, customer.vip if customer else False)
            raised = _raise_priority(callback, Priority(plan.priority), self._now)
            if raised is not None:  # a caller flagged VIP since, an outage line: more urgent
                self._session.add(raised)
            callback.updated_at = self._now
            return callback, False
        if rung is not None:
            ticket, opened_by_call = rung
            if opened_by_call:  # the outcome decides it now, as for a ticket made at the end
                vip = customer.vip if customer else False
                ring = RingState(ring_title(item.caller), ticket.id in self._reprioritised,
                                 self._now)
                activity = _settle(ticket, plan_ticket(item.call, item.caller, vip), ring)
                if activity is not None:
                    self._session.add(activity)
            ticket.updated_at = self._now
            return ticket, False
        candidates = self._open.get(item.caller or "", []) if customer else []
        joined = self._join(candidates, item.call.started_at)
        if joined is not None:
            joined.updated_at = self._now
            return joined, False
        decision, latest = self._return_of(item)
        if decision is Return.REOPEN and latest is not None:
            reopen(self._session, latest, SourceChannel.PHONE, self._now)
            return latest, False
        plan = plan_ticket(item.call, item.caller, customer.vip if customer else False)
        ticket = Ticket(
            number="",  # given by number_new_tickets, once the batch knows how many
            title=plan.title,
            status=plan.status,
            priority=plan.priority,
            kind=plan.kind,
            queue=plan.queue,
            assignee=plan.assignee,
            customer=customer,
            source_channel=SourceChannel.PHONE,
            created_at=self._now,
            updated_at=self._now,
        )
        self._new.append(ticket)
        if decision is Return.FOLLOW_UP and latest is not None:
            link_follow_up(self._session, ticket, latest, self._now)
        if customer is not None:
            candidates.append(ticket)
            self._open[item.caller or ""] = candidates
            self._latest[item.caller or ""] = ticket
        return ticket, True

    def _return_of(self, item: Prepared) -> tuple[Return, Ticket | None]:
        """What this call does with its caller's latest ticket; a missed call opens (or
        adds to) a callback as before: nobody talked to the customer yet."""
        latest = self._latest.get(item.caller or "")
        if latest is None or item.call.outcome.missed:
            return Return.NEW, None
        return returning(latest, item.call.started_at, self._config), latest

    def _open_callback(self, item: Prepared,
                       rung: tuple[Ticket, bool] | None) -> Ticket | None:
        """The caller's open callback ticket a missed call adds to, if any. A ticket this
        call opened while it rang is closed as part of that callback (its number was
        shown in the pop), unless an agent took it: then she answered, whatever the end
        of the call says, and it stays as ``_settle`` leaves it."""
        callback = self._callbacks.get(item.caller or "")
        if callback is None or not item.call.outcome.missed:
            return None
        if rung is not None:
            ticket, opened_by_call = rung
            if ticket is callback:
                return None
            if not opened_by_call or _taken_by_agent(ticket):
                return None  # a click-to-call, or an answered call: it keeps its ticket
            if ticket.status != TicketStatus.CLOSED:
                self._session.add(_merged(ticket, callback, self._now))
                move_status(ticket, TicketStatus.CLOSED, self._now)
                ticket.updated_at = self._now
        return callback

    def _join(self, candidates: list[Ticket], started_at: datetime) -> Ticket | None:
        views = [
            OpenTicket(ref=index, status=TicketStatus(ticket.status), created_at=ticket.created_at)
            for index, ticket in enumerate(candidates)
        ]
        chosen = ticket_to_join(views, started_at, self._config.join_open_within_hours)
        return None if chosen is None else candidates[chosen.ref]

    async def number_new_tickets(self) -> None:
        if not self._new:
            return
        year = self._now.astimezone(ZoneInfo(self._config.timezone)).year
        first = await numbering.allocate(self._session, year, len(self._new))
        numbers = numbering.format_numbers(self._config.number_format, year, first, len(self._new))
        for ticket, number in zip(self._new, numbers, strict=True):
            ticket.number = number

    def store(
        self, fresh: Sequence[Prepared], tickets: Sequence[tuple[Ticket, bool]]
    ) -> dict[Key, RecordedCall]:
        created: dict[Key, RecordedCall] = {}
        for item, (ticket, _is_new) in zip(fresh, tickets, strict=True):
            call = call_row(item, self._customers.get(item.caller or ""), ticket)
            self._session.add(call)
            self._session.add(call_activity(call, ticket, self._now))
            answered = agent_answer(item.call)
            if answered is not None:
                mark_response(ticket, ResponseKind.ANSWERED_CALL, answered,
                              self._config.first_response)
            if audio_of(call):
                # Same transaction as the call: a crash cannot lose the job.
                self._session.add(queued_job(call, self._now))
            created[item.key] = recorded(item, ticket)
        self._session.add_all(self._new)
        return created


def _settle(ticket: Ticket, plan: TicketPlan, ring: RingState) -> TicketActivity | None:
    """A ticket opened while the call rang takes the outcome's kind, and its title and
    priority unless an agent set their own during the call; what an agent already did
    (assigned it, closed it) stays. Returns the activity of a status change, if any.

    A ticket an agent took (assigned, in progress) is never turned into a callback:
    the agent answered, whatever the record of the call's end says (a restart may have
    hidden the answer from it)."""
    if _taken_by_agent(ticket) and plan.kind is TicketKind.CALLBACK:
        return None
    ticket.kind = plan.kind
    if ticket.title == ring.title:
        ticket.title = plan.title
    if not ring.priority_set_by_agent:
        # The outcome may raise the ring-time priority (a missed call is a callback), never
        # lower it: the ring saw things the end may not (the queue node's urgency).
        ticket.priority = Priority(ticket.priority).more_urgent(plan.priority)
    ticket.queue = plan.queue or ticket.queue
    ticket.assignee = ticket.assignee or plan.assignee
    open_work = (TicketStatus.NEW, TicketStatus.IN_PROGRESS)  # else an agent moved it on
    if ticket.status not in open_work or ticket.status == plan.status:
        return None
    activity = status_change(ticket, plan.status, SYSTEM_AUTHOR, ring.at)
    move_status(ticket, plan.status, ring.at)
    return activity


def _merged(ticket: Ticket, callback: Ticket, at: datetime) -> TicketActivity:
    """The ring-time ticket of a further missed call closes into the caller's callback."""
    activity = status_change(ticket, TicketStatus.CLOSED, SYSTEM_AUTHOR, at)
    activity.body += f" · kolejne nieodebrane połączenie w {callback.number}"
    activity.data = {**(activity.data or {}), "callback": callback.number}
    return activity


def _raise_priority(ticket: Ticket, wanted: Priority, at: datetime) -> TicketActivity | None:
    """A further call may make a ticket more urgent, never less; logged like an agent's
    change."""
    old = Priority(ticket.priority)
    new = old.more_urgent(wanted)
    if new == old:
        return None
    ticket.priority = new
    return TicketActivity(ticket=ticket, kind=ActivityKind.PRIORITY_CHANGE,
                          body=f"{old} → {new}", data={"from": str(old), "to": str(new)},
                          author=SYSTEM_AUTHOR, created_at=at)


def _taken_by_agent(ticket: Ticket) -> bool:
    return ticket.assignee is not None and ticket.status == TicketStatus.IN_PROGRESS


def ring_title(caller: str | None) -> str:
    """The title a ticket opened at ring time gets; the end of the call replaces it
    by the outcome's unless an agent wrote their own meanwhile."""
    return f"Połączenie od {caller or HIDDEN_CALLER}"
