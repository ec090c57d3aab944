"""Links between tickets (related, parent, child): adding, removing, and moving a
merged ticket's links to the ticket that took its history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.tickets.enums import ActivityKind
from ccengine.tickets.errors import LinkExists, LinkNotFound
from ccengine.tickets.models import Ticket, TicketActivity
from ccengine.tickets.relations_models import TicketLink
from ccengine.tickets.relations_rules import LinkKind, StoredLink, other_is, stored_link


async def link_between(session: AsyncSession, a: int, b: int) -> TicketLink | None:
    low, high = sorted((a, b))
    return await session.scalar(
        select(TicketLink).where(TicketLink.low_id == low, TicketLink.high_id == high))


async def add_link(session: AsyncSession, ticket: Ticket, other: Ticket, kind: LinkKind,
                   author: str | None, at: datetime) -> None:
    """``other`` is ``kind`` to ``ticket``; both histories say so."""
    if await link_between(session, ticket.id, other.id) is not None:
        raise LinkExists(ticket.number, other.number)
    stored = stored_link(ticket.id, other.id, kind)
    session.add(TicketLink(low_id=stored.low_id, high_id=stored.high_id, kind=stored.kind,
                           author=author, created_at=at))
    _log_both(session, ticket, other, kind, author, at, removed=False)


async def remove_link(session: AsyncSession, ticket: Ticket, other: Ticket,
                      author: str | None, at: datetime) -> None:
    link = await link_between(session, ticket.id, other.id)
    if link is None:
        raise LinkNotFound(ticket.number, other.number)
    _, kind = other_is(_stored(link), ticket.id)
    await session.delete(link)
    _log_both(session, ticket, other, kind, author, at, removed=True)


async def move_links(session: AsyncSession, source: Ticket, target: Ticket) -> None:
    """The merged ``source``'s links become ``target``'s; one to ``target`` itself, or to
    a ticket ``target`` is already linked with, is dropped (a pair is linked once)."""
    rows = list(await session.scalars(select(TicketLink).where(
        or_(TicketLink.low_id == source.id, TicketLink.high_id == source.id))))
    moved = []
    for row in rows:
        moved.append(other_is(_stored(row), source.id))
        await session.delete(row)
    await session.flush()
    for other_id, kind in moved:
        if other_id != target.id and await link_between(session, target.id, other_id) is None:
            stored = stored_link(target.id, other_id, kind)
            session.add(TicketLink(low_id=stored.low_id, high_id=stored.high_id,
                                   kind=stored.kind, author=None, created_at=target.updated_at))


def _stored(row: TicketLink) -> StoredLink:
    return StoredLink(row.low_id, row.high_id, LinkKind(row.kind))


def _log_both(session: AsyncSession, ticket: Ticket, other: Ticket, kind: LinkKind,
              author: str | None, at: datetime, removed: bool) -> None:
    verb = "unlinked" if removed else "linked"
    for one, two, what in ((ticket, other, kind), (other, ticket, kind.seen_from_other())):
        session.add(TicketActivity(
            ticket=one, kind=ActivityKind.LINK, body=f"{verb} {two.number} ({what})",
            data={"number": two.number, "kind": str(what), "removed": removed},
            author=author, created_at=at))
