"""The ticket side's write operations, each one unit of work in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.calls.model import FinishedCall
from ccengine.config import TicketsConfig
from ccengine.customers.lookup import customer_by_phone, new_customer
from ccengine.db import Database
from ccengine.ticket_fields.applying import apply_fields, refuse_finishing_without_required
from ccengine.tickets.editing import Change, Current, TicketChanges, plan_changes
from ccengine.tickets.enums import (
    ActivityKind,
    ResponseKind,
    TicketStatus,
    can_transition,
    is_finished,
)
from ccengine.tickets.errors import (
    CustomerNotFound,
    InvalidPhoneNumber,
    InvalidTransition,
    TicketNotFound,
)
from ccengine.tickets.filters import EVERYONE, Viewer, can_see, visible
from ccengine.tickets.models import Customer, Ticket, TicketActivity
from ccengine.tickets.phones import is_e164, normalise
from ccengine.tickets.recording import record_batch
from ccengine.tickets.relations_reads import refuse_merged
from ccengine.tickets.rows import RecordedCall
from ccengine.tickets.sla_marks import mark_response, move_status
from ccengine.tickets.sla_sync import DEFAULT_SLA, SlaProvider, sync_sla
from ccengine.tickets.views import (
    ActivityView,
    CustomerView,
    TicketSummary,
    activity_view,
    customer_view,
    ticket_summary,
)

__all__ = ["RecordedCall", "TicketChanges", "TicketService"]

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


VIP_SET = "Customer flagged VIP"
VIP_REMOVED = "Customer's VIP flag removed"


class TicketService:
    def __init__(self, database: Database, config: TicketsConfig, clock: Clock = utc_now,
                 sla: SlaProvider = DEFAULT_SLA) -> None:
        self._database = database
        self._config = config
        self._clock = clock
        self._sla = sla  # the policies and calendars the tickets' clocks run on

    async def record_calls(self, calls: Sequence[FinishedCall]) -> list[RecordedCall]:
        """Store finished calls and their tickets; a call stored before is not stored again.

        Returns one result per input call, in order. The whole batch is one
        transaction; when another process stored some of these calls (or their
        customers) meanwhile, the batch is rolled back and replayed once, and the
        replay finds those rows.
        """
        if not calls:
            return []
        try:
            return await self._record_once(calls)
        except IntegrityError:
            return await self._record_once(calls)

    async def _record_once(self, calls: Sequence[FinishedCall]) -> list[RecordedCall]:
        async with self._database.writer() as session:
            recorded = await record_batch(session, calls, self._config, self._clock(), self._sla)
            await session.commit()
        return recorded

    async def add_customer(self, phone: str, name: str | None,
                           vip: bool | None) -> CustomerView:
        """Create the customer of ``phone``, or update the name and VIP flag of the known
        one; ``vip`` None leaves a known customer's flag as it is (a new one is not VIP)."""
        e164 = normalise(phone, self._config.default_region)
        if e164 is None or not is_e164(e164):
            raise InvalidPhoneNumber(phone)
        async with self._database.writer() as session:
            customer = await customer_by_phone(session, e164)
            if customer is None:
                customer = new_customer(session, e164, name, bool(vip), self._clock())
            else:
                customer.name = name or customer.name
                customer.vip = customer.vip if vip is None else vip
                customer.updated_at = self._clock()
            await session.commit()
        return customer_view(customer)

    async def set_vip(self, phone: str, vip: bool, author: str | None = None,
                      viewer: Viewer = EVERYONE) -> CustomerView:
        """Flag (or unflag) a known customer VIP: every later ticket of theirs is more urgent.

        A customer none of whose tickets ``viewer`` sees is "not found": a plain agent
        learns no name by trying numbers. Who changed the flag is a note on the
        customer's latest ticket.
        """
        e164 = normalise(phone, self._config.default_region)
        if not is_e164(e164):
            raise InvalidPhoneNumber(phone)
        async with self._database.writer() as session:
            customer = await customer_by_phone(session, e164)
            latest = None if customer is None else await session.scalar(
                select(Ticket).where(Ticket.customer_id == customer.id, visible(viewer))
                .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(1))
            if customer is None or (latest is None and not viewer.sees_all):
                raise CustomerNotFound(e164 or phone)
            customer.vip, customer.updated_at = vip, self._clock()
            if latest is not None:
                session.add(self._activity(latest, ActivityKind.NOTE,
                                           VIP_SET if vip else VIP_REMOVED, {"vip": vip}, author))
            await session.commit()
        return customer_view(customer)

    async def add_note(self, number: str, body: str, author: str | None,
                       viewer: Viewer = EVERYONE, public: bool = False) -> ActivityView:
        """A note on the ticket; a ``public`` one reached the customer (a reply), so it
        may be the ticket's first response."""
        async with self._database.writer() as session:
            ticket = await _ticket(session, number, viewer)
            note = self._activity(ticket, ActivityKind.NOTE, body, {"public": public}, author)
            session.add(note)
            ticket.updated_at = note.created_at
            if public:
                mark_response(ticket, ResponseKind.PUBLIC_NOTE, note.created_at,
                              self._config.first_response)
                await sync_sla(session, [ticket], self._sla, note.created_at)
            await session.commit()
        return activity_view(note, None)

    async def update(self, number: str, asked: TicketChanges, author: str | None,
                     viewer: Viewer = EVERYONE) -> list[Change]:
        """Change status, priority and assignee together, each change logged with
        ``author``; all or nothing. Returns what changed."""
        async with self._database.writer() as session:
            ticket = await _ticket(session, number, viewer)
            current = Current(number, TicketStatus(ticket.status), ticket.priority,
                              ticket.assignee, ticket.queue)
            changes = plan_changes(current, asked)
            for change in changes:
                self._apply(ticket, change)
                session.add(self._activity(ticket, change.kind, change.body, change.data,
                                           author))
            if await apply_fields(session, ticket, asked.fields, author, self._clock()):
                ticket.updated_at = self._clock()
            if is_finished(ticket.status) and ticket.status != current.status:
                await refuse_finishing_without_required(session, ticket)
            if changes:
                await sync_sla(session, [ticket], self._sla, ticket.updated_at)
            await session.commit()
        return changes

    def _apply(self, ticket: Ticket, change: Change) -> None:
        if change.kind is ActivityKind.STATUS_CHANGE:
            self._apply_status(ticket, TicketStatus(str(change.new)))
        elif change.kind is ActivityKind.PRIORITY_CHANGE:
            ticket.priority = str(change.new)
        elif change.kind is ActivityKind.QUEUE_CHANGE:
            ticket.queue = change.new
        else:
            ticket.assignee = change.new
        ticket.updated_at = self._clock()

    async def change_status(
        self, number: str, status: TicketStatus, author: str | None = None
    ) -> TicketSummary:
        async with self._database.writer() as session:
            ticket = await _ticket(session, number)
            current = TicketStatus(ticket.status)
            if not can_transition(current, status):
                raise InvalidTransition(number, current, status)
            self._apply_status(ticket, status)
            if is_finished(status) and status != current:  # as a PATCH: fields first
                await refuse_finishing_without_required(session, ticket)
            data = {"from": str(current), "to": str(status)}
            body = f"{current} → {status}"
            session.add(self._activity(ticket, ActivityKind.STATUS_CHANGE, body, data, author))
            await sync_sla(session, [ticket], self._sla, ticket.updated_at)
            caller = await _caller_of(session, ticket)
            await session.commit()
        return ticket_summary(ticket, caller)

    def _apply_status(self, ticket: Ticket, status: TicketStatus) -> None:
        now = self._clock()
        move_status(ticket, status, now)
        ticket.updated_at = now

    def _activity(
        self,
        ticket: Ticket,
        kind: ActivityKind,
        body: str,
        data: Mapping[str, object],
        author: str | None,
    ) -> TicketActivity:
        return TicketActivity(
            ticket=ticket,
            kind=kind,
            body=body,
            data=dict(data),
            author=author,
            created_at=self._clock(),
        )


async def _ticket(session: AsyncSession, number: str, viewer: Viewer = EVERYONE) -> Ticket:
    """The ticket to change; one ``viewer`` may not see is as good as missing, and a
    merged one is only a pointer to its survivor (``TicketMerged``)."""
    ticket = await find_ticket(session, number, viewer)
    await refuse_merged(session, ticket)
    return ticket


async def find_ticket(session: AsyncSession, number: str, viewer: Viewer = EVERYONE) -> Ticket:
    """The ticket ``number`` as ``viewer`` may see it, merged or not."""
    ticket = (
        await session.execute(select(Ticket).where(Ticket.number == number))
    ).scalar_one_or_none()
    if ticket is None or not can_see(viewer, ticket.assignee, ticket.status):
        raise TicketNotFound(number)
    return ticket


async def _caller_of(session: AsyncSession, ticket: Ticket) -> str | None:
    if ticket.customer_id is None:
        return None
    return await session.scalar(
        select(Customer.phone_e164).where(Customer.id == ticket.customer_id)
    )
