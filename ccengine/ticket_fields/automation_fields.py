"""The ticket fields as automation rules see them (``automation.fields.TicketFields``).

A rule names a category by its path as an admin reads it in the picker
("Reklamacje/Zwroty", case-blind); its changes go through ``apply_fields`` like an
agent's edit, so they have the same history entries and "updated" events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.automation.conditions import path_parts
from ccengine.automation.errors import RuleInvalid
from ccengine.ticket_fields.applying import FieldChanges, apply_fields
from ccengine.ticket_fields.categories import category_nodes
from ccengine.ticket_fields.rules import CategoryNode, category_path
from ccengine.ticket_fields.storage_models import TicketTag
from ccengine.tickets.models import Ticket

SEPARATOR = "/"


def path_text(nodes: Mapping[int, CategoryNode], category_id: int | None) -> str | None:
    return SEPARATOR.join(category_path(nodes, category_id)) or None


def find_category(nodes: Mapping[int, CategoryNode], path: str) -> CategoryNode | None:
    """The category at ``path``; an active one before a retired namesake (a retired
    category's name may be taken again by its successor)."""
    wanted = path_parts(path)
    found = [node for node in nodes.values()
             if path_parts(SEPARATOR.join(category_path(nodes, node.id))) == wanted]
    return min(found, key=lambda node: (node.retired, node.id), default=None)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class StoredTicketFields:
    clock: Callable[[], datetime] = field(default=_now)

    async def read(self, session: AsyncSession,
                   ticket: Ticket) -> tuple[str | None, frozenset[str]]:
        nodes = await category_nodes(session) if ticket.category_id is not None else {}
        tags = await session.scalars(select(TicketTag.tag)
                                     .where(TicketTag.ticket_id == ticket.id))
        return path_text(nodes, ticket.category_id), frozenset(tags)

    async def check_category(self, session: AsyncSession, category: str, where: str,
                             new_tickets: bool) -> None:
        """Refuse (``RuleInvalid`` naming ``where``) a category that does not exist or,
        for one given to tickets (``new_tickets``), one that is retired."""
        node = find_category(await category_nodes(session), category)
        if node is None:
            raise RuleInvalid(where, f"no category {category!r}")
        if new_tickets and node.retired:
            raise RuleInvalid(where, f"category {category!r} is retired")

    async def set_category(self, session: AsyncSession, ticket: Ticket, category: str,
                           author: str) -> bool:
        node = find_category(await category_nodes(session), category)
        if node is None or node.retired:
            raise RuleInvalid("set_category", f"no category {category!r} in use")
        moved = await apply_fields(session, ticket, FieldChanges(category_id=node.id),
                                   author, self.clock())
        return bool(moved)

    async def change_tags(self, session: AsyncSession, ticket: Ticket, add: Iterable[str],
                          remove: Iterable[str], author: str) -> bool:
        # apply_fields writes the history entry and the "updated" event of the tags.
        moved = await apply_fields(session, ticket, FieldChanges(
            add_tags=tuple(add), remove_tags=tuple(remove)), author, self.clock())
        return bool(moved)
