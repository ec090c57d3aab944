"""Which ticket each fresh call of a batch gets: joined or new, then numbered."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.agents.storage_models import LiveCallTicket
from ccengine.config import TicketsConfig
from ccengine.tickets import numbering
from ccengine.tickets.enums import SourceChannel, TicketStatus
from ccengine.tickets.models import Customer, Ticket
from ccengine.tickets.rows import Key, Prepared, RecordedCall, call_activity, call_row, recorded
from ccengine.tickets.rules import OpenTicket, TicketPlan, plan_ticket, ticket_to_join
from ccengine.transcribe.queue import queued_job

CHUNK = 500  # bound parameters per IN (...), well under every driver's limit


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

    async def load_open_tickets(self) -> None:
        """Joining needs each caller's open tickets; skip the query when it is off."""
        by_id = {c.id: phone for phone, c in self._customers.items() if c.id is not None}
        if self._config.join_open_within_hours <= 0 or not by_id:
            return
        ids = sorted(by_id)
        for start in range(0, len(ids), CHUNK):
            query = select(Ticket).where(
                Ticket.customer_id.in_(ids[start : start + CHUNK]),
                Ticket.status != TicketStatus.CLOSED,
            )
            for ticket in await self._session.scalars(query):
                self._open.setdefault(by_id[ticket.customer_id or 0], []).append(ticket)

    async def load_ring_tickets(self, keys: set[Key]) -> None:
        """Tickets the agent console opened when these calls first rang an agent."""
        linkedids = sorted({linkedid for _, linkedid in keys})
        for start in range(0, len(linkedids), CHUNK):
            query = (select(LiveCallTicket, Ticket)
                     .join(Ticket, LiveCallTicket.ticket_id == Ticket.id)
                     .where(LiveCallTicket.linkedid.in_(linkedids[start : start + CHUNK])))
            for live, ticket in await self._session.execute(query):
                if (live.pbx, live.linkedid) in keys:
                    self._rung[(live.pbx, live.linkedid)] = (ticket, live.created)

    def assign_tickets(self, fresh: Sequence[Prepared]) -> list[tuple[Ticket, bool]]:
        """Per fresh call, its ticket and whether that ticket is new; in call order."""
        return [self._ticket_for(item) for item in fresh]

    def _ticket_for(self, item: Prepared) -> tuple[Ticket, bool]:
        customer = self._customers.get(item.caller or "")
        rung = self._rung.get(item.key)
        if rung is not None:
            ticket, opened_by_call = rung
            if opened_by_call:  # the outcome decides it now, as for a ticket made at the end
                vip = customer.vip if customer else False
                _settle(ticket, plan_ticket(item.call, item.caller, vip))
            ticket.updated_at = self._now
            return ticket, False
        candidates = self._open.get(item.caller or "", []) if customer else []
        joined = self._join(candidates, item.call.started_at)
        if joined is not None:
            joined.updated_at = self._now
            return joined, False
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
        if customer is not None:
            candidates.append(ticket)
            self._open[item.caller or ""] = candidates
        return ticket, True

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
            if call.recording_file:
                # Same transaction as the call: a crash cannot lose the job.
                self._session.add(queued_job(call, self._now))
            created[item.key] = recorded(item, ticket)
        self._session.add_all(self._new)
        return created


def _settle(ticket: Ticket, plan: TicketPlan) -> None:
    """A ticket opened while the call rang takes the outcome's title, kind and priority;
    what an agent already did to it (assigned it, closed it) stays."""
    ticket.title, ticket.kind, ticket.priority = plan.title, plan.kind, plan.priority
    ticket.queue = plan.queue or ticket.queue
    ticket.assignee = ticket.assignee or plan.assignee
    if ticket.status in (TicketStatus.NEW, TicketStatus.IN_PROGRESS):
        ticket.status = plan.status
