"""The read side of merges and links: where a merged number points, and the ties a
ticket shows. A link to a ticket the viewer may not see is left out, as lists leave
it out. The numbers merged into a ticket are shown to whoever sees it: a merged
ticket is only a pointer now (its number opens the survivor), its history is the
survivor's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ccengine.tickets.errors import TicketMerged
from ccengine.tickets.filters import Viewer, visible
from ccengine.tickets.models import Ticket
from ccengine.tickets.relations_models import TicketLink, TicketMerge
from ccengine.tickets.relations_rules import LinkKind, StoredLink, other_is


async def survivor_of(session: AsyncSession, number: str) -> str | None:
    """The number ``number`` was merged into; None when it was not merged (or is unknown)."""
    merged, survivor = aliased(Ticket), aliased(Ticket)
    return await session.scalar(
        select(survivor.number).select_from(TicketMerge)
        .join(merged, merged.id == TicketMerge.ticket_id)
        .join(survivor, survivor.id == TicketMerge.into_id)
        .where(merged.number == number))


async def refuse_merged(session: AsyncSession, ticket: Ticket) -> None:
    """A merged ticket is kept only as a pointer: nothing is written to it any more."""
    into = await survivor_of(session, ticket.number)
    if into is not None:
        raise TicketMerged(ticket.number, into)


async def ticket_ties(session: AsyncSession, number: str, viewer: Viewer) -> dict[str, Any]:
    """``merged`` (numbers merged into this one) and ``links`` (both directions) of the
    ticket ``number``, a link only where ``viewer`` may see the other ticket."""
    ticket_id = await session.scalar(select(Ticket.id).where(Ticket.number == number))
    if ticket_id is None:
        return {"merged": [], "links": []}
    return {"merged": await _merged_into(session, ticket_id),
            "links": await _links(session, ticket_id, viewer)}


async def _merged_into(session: AsyncSession, ticket_id: int) -> list[str]:
    rows = await session.scalars(
        select(Ticket.number).join(TicketMerge, TicketMerge.ticket_id == Ticket.id)
        .where(TicketMerge.into_id == ticket_id).order_by(Ticket.id))
    return list(rows)


async def _links(session: AsyncSession, ticket_id: int,
                 viewer: Viewer) -> list[dict[str, Any]]:
    rows = await session.scalars(select(TicketLink).where(
        or_(TicketLink.low_id == ticket_id, TicketLink.high_id == ticket_id)))
    kinds = dict(other_is(StoredLink(r.low_id, r.high_id, LinkKind(r.kind)), ticket_id)
                 for r in rows)
    if not kinds:
        return []
    others = await session.execute(
        select(Ticket.id, Ticket.number, Ticket.title, Ticket.status)
        .where(Ticket.id.in_(kinds), visible(viewer)).order_by(Ticket.id))
    return [{"number": number, "kind": str(kinds[other_id]), "title": title, "status": status}
            for other_id, number, title, status in others]
