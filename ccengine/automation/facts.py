"""What conditions read about one ticket, loaded in the caller's session."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.automation.fields import TicketFields
from ccengine.automation.model import TicketFacts
from ccengine.automation.storage_models import TicketStatusInterval
from ccengine.automation.timing import Stay
from ccengine.sla.calendar import BusinessCalendar
from ccengine.tickets.enums import ActivityKind
from ccengine.tickets.models import Customer, Ticket, TicketActivity

MAX_TEXTS = 50  # the latest notes (and transcripts) a keyword is looked for in


async def stays_of(session: AsyncSession, ticket_id: int) -> list[Stay]:
    query = (select(TicketStatusInterval.status, TicketStatusInterval.started_at)
             .where(TicketStatusInterval.ticket_id == ticket_id)
             .order_by(TicketStatusInterval.started_at, TicketStatusInterval.id))
    return [(status, at) for status, at in await session.execute(query)]


async def load_facts(session: AsyncSession, ticket: Ticket, fields: TicketFields | None,
                     calendars: Mapping[str, BusinessCalendar], now: datetime) -> TicketFacts:
    vip = False
    if ticket.customer_id is not None:
        vip = bool(await session.scalar(select(Customer.vip)
                                        .where(Customer.id == ticket.customer_id)))
    category, tags = (await fields.read(session, ticket) if fields is not None
                      else (None, frozenset[str]()))
    stays = await stays_of(session, ticket.id)
    return refreshed(TicketFacts(
        number=ticket.number, status=ticket.status, priority=ticket.priority,
        queue=ticket.queue, assignee=ticket.assignee, channel=ticket.source_channel,
        title=ticket.title, body=await _texts(session, ticket.id, ActivityKind.NOTE),
        transcript=await _texts(session, ticket.id, ActivityKind.TRANSCRIPT), vip=vip,
        category=category, tags=tags, status_since=stays[-1][1] if stays else None, now=now,
        calendars=calendars), ticket)


def refreshed(facts: TicketFacts, ticket: Ticket) -> TicketFacts:
    """The facts after a rule changed the ticket's own columns."""
    return replace(facts, status=ticket.status, priority=ticket.priority, queue=ticket.queue,
                   assignee=ticket.assignee, title=ticket.title)


async def _texts(session: AsyncSession, ticket_id: int, kind: ActivityKind) -> str:
    query = (select(TicketActivity.body)
             .where(TicketActivity.ticket_id == ticket_id, TicketActivity.kind == kind)
             .order_by(TicketActivity.id.desc()).limit(MAX_TEXTS))
    return "\n".join(await session.scalars(query))
