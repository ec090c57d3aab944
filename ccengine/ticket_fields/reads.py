"""The read side: a ticket's fields for its page, the list's category and tags per row,
and the tags in use (for autocomplete) among the tickets a viewer may see."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.ticket_fields.categories import category_json, category_nodes
from ccengine.ticket_fields.custom_fields import definition_of, definitions
from ccengine.ticket_fields.rules import CategoryNode, normalise_tag, typed_value
from ccengine.ticket_fields.storage_models import TicketFieldValue, TicketTag
from ccengine.tickets.filters import Viewer, visible
from ccengine.tickets.models import Ticket

MAX_TAG_SUGGESTIONS = 50


def _category(nodes: dict[int, CategoryNode], category_id: int | None) -> dict[str, Any] | None:
    node = nodes.get(category_id) if category_id is not None else None
    return category_json(node, nodes) if node is not None else None


async def ticket_fields(session: AsyncSession, number: str) -> dict[str, Any]:
    """``description``, ``category``, ``tags`` and ``custom_fields`` of one ticket."""
    row = (await session.execute(select(Ticket.id, Ticket.description, Ticket.category_id)
                                 .where(Ticket.number == number))).one_or_none()
    if row is None:
        return {}
    ticket_id, description, category_id = row
    nodes = await category_nodes(session)
    tags = await session.scalars(select(TicketTag.tag).where(TicketTag.ticket_id == ticket_id)
                                 .order_by(TicketTag.tag))
    by_id = {field.id: field for field in (await definitions(session)).values()}
    values = await session.execute(select(TicketFieldValue.field_id, TicketFieldValue.value)
                                   .where(TicketFieldValue.ticket_id == ticket_id))
    custom = {by_id[field_id].key: typed_value(definition_of(by_id[field_id]), value)
              for field_id, value in values if field_id in by_id}
    return {"description": description, "category": _category(nodes, category_id),
            "tags": list(tags), "custom_fields": custom}


async def list_fields(session: AsyncSession,
                      numbers: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per ticket number on a list page: its ``category`` and ``tags`` (two queries)."""
    if not numbers:
        return {}
    rows = (await session.execute(select(Ticket.number, Ticket.id, Ticket.category_id)
                                  .where(Ticket.number.in_(numbers)))).all()
    tags: dict[int, list[str]] = {}
    for ticket_id, tag in await session.execute(
            select(TicketTag.ticket_id, TicketTag.tag)
            .where(TicketTag.ticket_id.in_([row.id for row in rows])).order_by(TicketTag.tag)):
        tags.setdefault(ticket_id, []).append(tag)
    nodes = await category_nodes(session)
    return {number: {"category": _category(nodes, category_id), "tags": tags.get(ticket_id, [])}
            for number, ticket_id, category_id in rows}


async def tags_in_use(session: AsyncSession, viewer: Viewer, prefix: str | None,
                      limit: int = MAX_TAG_SUGGESTIONS) -> list[dict[str, Any]]:
    """Tags on tickets ``viewer`` may see, most used first (a tag only on tickets hidden
    from her tells her nothing)."""
    count = func.count().label("tickets")
    query = (select(TicketTag.tag, count).join(Ticket, Ticket.id == TicketTag.ticket_id)
             .where(visible(viewer)).group_by(TicketTag.tag)
             .order_by(count.desc(), TicketTag.tag).limit(limit))
    if prefix:
        query = query.where(TicketTag.tag.startswith(_prefix(prefix), autoescape=True))
    return [{"tag": tag, "tickets": tickets} for tag, tickets in await session.execute(query)]


def _prefix(raw: str) -> str:
    try:
        return normalise_tag(raw)
    except ValueError:
        return raw.strip().casefold()
