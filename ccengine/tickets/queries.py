"""The read side of tickets and calls, for the CLI and the API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVarTuple

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from ccengine.customers.storage_models import CustomerPhone
from ccengine.tickets.enums import ActivityKind
from ccengine.tickets.errors import CallNotFound, TicketNotFound
from ccengine.tickets.filters import (
    EVERYONE,
    TicketFilter,
    Viewer,
    caller_key,
    can_see,
    narrowed,
    visible,
)
from ccengine.tickets.models import Call, Customer, Ticket, TicketActivity
from ccengine.tickets.search_query import resolved
from ccengine.tickets.sla_filters import DEFAULT_SORT, ordering
from ccengine.tickets.timeline import timeline
from ccengine.tickets.views import (
    AssigneeView,
    CallView,
    Page,
    TicketDetail,
    TicketSummary,
    activity_view,
    call_view,
    customer_view,
    ticket_summary,
)
from ccengine.users.models import Role, User

DEFAULT_REGION = "PL"
TAKERS = frozenset({Role.AGENT, Role.PRIVILEGED_AGENT})  # the roles that work tickets
# A ticket list counts its matches exactly up to this many (or to the end of the page
# asked for, when deeper); beyond, ``total`` is that bound and ``total_exact`` False.
# An exact count of a common word's matches at 1M tickets took 1-2 s where its page
# took 45 ms; large helpdesks answer "1000+" for the same reason.
COUNT_LIMIT = 1000
# Orders an index walks (tickets.created_at): a common word's page is then found by
# checking tickets in that order; any other order sorts the word's matches instead.
WALKED_SORTS = frozenset({"created_at", "-created_at"})
_Ts = TypeVarTuple("_Ts")
SlaOf = Callable[[Ticket], dict[str, Any] | None]  # a ticket's ``sla`` object, read now


def _no_sla(ticket: Ticket) -> None:
    return None


async def list_tickets(
    session: AsyncSession,
    *,
    status: str | None = None,
    queue: str | None = None,
    caller: str | None = None,
    page: int = 1,
    per_page: int = 50,
    region: str = DEFAULT_REGION,
) -> Page[TicketSummary]:
    """Tickets newest first; ``caller`` may be written in any phone form."""
    filters = TicketFilter(status=status, queue=queue,
                           caller=caller_key(caller, region))
    return await find_tickets(session, filters, page=page, per_page=per_page)


async def find_tickets(session: AsyncSession, filters: TicketFilter, *,
                       viewer: Viewer = EVERYONE, page: int = 1, per_page: int = 50,
                       sort: str = DEFAULT_SORT, sla_of: SlaOf = _no_sla,
                       ) -> Page[TicketSummary]:
    """The tickets ``viewer`` may see that pass ``filters``, in ``sort`` order
    (``sla_filters.SORTS``; newest first by default)."""
    query = (select(Ticket, Customer.phone_e164, Customer.name, Customer.vip)
             .outerjoin(Customer, Ticket.customer_id == Customer.id)
             .where(visible(viewer)))
    filters = await resolved(session, filters)  # a rare word's tickets, looked up first
    dialect = session.get_bind().dialect.name
    rows = await session.execute(
        _paged(narrowed(query, filters, dialect, walk=sort in WALKED_SORTS)
               .order_by(*ordering(sort)), page, per_page))
    items = tuple(ticket_summary(ticket, phone, name, bool(vip), sla_of(ticket))
                  for ticket, phone, name, vip in rows)
    bound = max(COUNT_LIMIT, page * per_page)
    total = await _count(session, narrowed(query, filters, dialect).limit(bound + 1))
    if total > bound:
        return Page(items=items, page=page, per_page=per_page, total=bound, total_exact=False)
    return Page(items=items, page=page, per_page=per_page, total=total)


async def get_ticket(session: AsyncSession, number: str,
                     viewer: Viewer = EVERYONE, sla_of: SlaOf = _no_sla) -> TicketDetail:
    """The ticket with its history; one ``viewer`` may not see is not found."""
    query = (
        select(Ticket)
        .where(Ticket.number == number)
        .options(
            selectinload(Ticket.customer),
            selectinload(Ticket.activities).selectinload(TicketActivity.call),
        )
    )
    ticket = (await session.execute(query)).scalar_one_or_none()
    if ticket is None or not can_see(viewer, ticket.assignee, ticket.status):
        raise TicketNotFound(number)
    customer = ticket.customer
    activities = tuple(
        activity_view(activity, activity.call.linkedid if activity.call else None)
        for activity in ticket.activities
    )
    seen = _unique(tuple(call_view(activity.call) for activity in ticket.activities
                         if activity.call is not None))
    calls = tuple(call for call in seen if any(
        a.call_id == call.id and a.kind == ActivityKind.CALL for a in activities))
    return TicketDetail(
        ticket=ticket_summary(ticket, customer.phone_e164 if customer else None,
                              customer.name if customer else None,
                              customer.vip if customer else False, sla_of(ticket)),
        customer=customer_view(customer) if customer else None,
        activities=activities,
        calls=calls,
        timeline=timeline(activities, seen),
        follow_up_of=await _number_of(session, ticket.follow_up_of_id),
        follow_ups=tuple(await session.scalars(
            select(Ticket.number).where(Ticket.follow_up_of_id == ticket.id)
            .order_by(Ticket.id))),
    )


async def _number_of(session: AsyncSession, ticket_id: int | None) -> str | None:
    if ticket_id is None:
        return None
    return await session.scalar(select(Ticket.number).where(Ticket.id == ticket_id))


def _unique(calls: tuple[CallView, ...]) -> tuple[CallView, ...]:
    return tuple({call.id: call for call in calls}.values())


async def assignees(session: AsyncSession) -> tuple[AssigneeView, ...]:
    """The active people who take tickets, by name."""
    query = (select(User.display_name, User.role)
             .where(User.active.is_(True), User.role.in_([r.value for r in TAKERS]))
             .order_by(User.display_name, User.id))
    return tuple(AssigneeView(name, role) for name, role in await session.execute(query))


async def list_calls(
    session: AsyncSession,
    *,
    outcome: str | None = None,
    page: int = 1,
    per_page: int = 50,
    viewer: Viewer = EVERYONE,
    updated_since: datetime | None = None,
) -> Page[CallView]:
    """Calls newest first (with ``updated_since``, for sync: those written at or after
    it, oldest write first); a viewer who does not see every ticket sees the calls of
    the tickets she may open (a call is no more public than its ticket)."""
    query = select(Call)
    if not viewer.sees_all:
        query = query.join(Ticket, Call.ticket_id == Ticket.id).where(visible(viewer))
    if outcome is not None:
        query = query.where(Call.outcome == outcome)
    order: tuple[Any, ...] = (Call.started_at.desc(), Call.id.desc())
    if updated_since is not None:
        query = query.where(Call.updated_at >= updated_since)
        order = (Call.updated_at.asc(), Call.id.asc())
    total = await _count(session, query)
    rows = await session.scalars(_paged(query.order_by(*order), page, per_page))
    return Page(
        items=tuple(call_view(call) for call in rows), page=page, per_page=per_page, total=total
    )


async def get_call(session: AsyncSession, pbx: str, linkedid: str) -> CallView:
    query = select(Call).where(Call.pbx == pbx, Call.linkedid == linkedid)
    call = (await session.execute(query)).scalar_one_or_none()
    if call is None:
        raise CallNotFound(pbx, linkedid)
    return call_view(call)


async def _count(session: AsyncSession, query: Select[*_Ts]) -> int:
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    return int((await session.execute(counted)).scalar_one())


def _paged(query: Select[*_Ts], page: int, per_page: int) -> Select[*_Ts]:
    if page < 1 or per_page < 1:
        raise ValueError(f"page and per_page start at 1, got {page} and {per_page}")
    return query.limit(per_page).offset((page - 1) * per_page)


async def vip_numbers(session: AsyncSession) -> frozenset[str]:
    """E.164 numbers of the customers flagged VIP (routing reads them from memory)."""
    rows = await session.scalars(
        select(CustomerPhone.e164).join(Customer, CustomerPhone.customer_id == Customer.id)
        .where(Customer.vip.is_(True)))
    return frozenset(rows)
