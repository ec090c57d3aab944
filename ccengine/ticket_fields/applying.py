"""Applying an edit of a ticket's fields inside the ticket update's transaction.

Every field that moves becomes one ``field_change`` activity on the ticket's
history (data: field, from, to), as status and priority changes do. Anything
invalid raises before the transaction commits, so an edit is all or nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.automation.recording import field_changed
from ccengine.ticket_fields.categories import category_nodes
from ccengine.ticket_fields.custom_fields import definition_of, definitions
from ccengine.ticket_fields.errors import (
    CategoryRetired,
    RequiredFieldMissing,
    UnknownCategory,
    UnknownCustomField,
)
from ccengine.ticket_fields.rules import canonical_value, category_path
from ccengine.ticket_fields.storage_models import TicketFieldValue, TicketTag
from ccengine.tickets.enums import ActivityKind
from ccengine.tickets.models import Ticket, TicketActivity

UNSET = object()


@dataclass(frozen=True, slots=True)
class FieldChanges:
    """Fields as asked; ``UNSET`` keeps one. ``custom`` maps keys to a value or None
    (clear it); ``tags`` replaces the ticket's tags, ``add_tags`` and ``remove_tags``
    change them (a bulk edit); all already normalised."""

    title: Any = UNSET
    description: Any = UNSET
    category_id: Any = UNSET
    tags: tuple[str, ...] | None = None
    custom: Mapping[str, Any] = field(default_factory=dict)
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return (self.title is UNSET and self.description is UNSET
                and self.category_id is UNSET and self.tags is None and not self.custom
                and not self.add_tags and not self.remove_tags)

    @property
    def touches_tags(self) -> bool:
        return self.tags is not None or bool(self.add_tags or self.remove_tags)


@dataclass(frozen=True, slots=True)
class Moved:
    field: str
    old: Any
    new: Any

    def activity(self, ticket: Ticket, author: str | None, now: datetime) -> TicketActivity:
        return TicketActivity(ticket=ticket, kind=ActivityKind.FIELD_CHANGE,
                              body=f"{self.field}: {_shown(self.old)} → {_shown(self.new)}",
                              data={"field": self.field, "from": self.old, "to": self.new},
                              author=author, created_at=now)


def _shown(value: Any) -> str:
    if value is None or value == []:
        return "-"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


async def apply_fields(session: AsyncSession, ticket: Ticket, asked: FieldChanges,
                       author: str | None, now: datetime) -> list[Moved]:
    """Write ``asked`` to ``ticket`` and log each field that moved; returns them."""
    if asked.empty:
        return []
    # Two editors of one ticket's tags or values must not both insert the same row
    # (PostgreSQL; SQLite has one writer at a time and ignores FOR UPDATE).
    await session.execute(select(Ticket.id).where(Ticket.id == ticket.id).with_for_update())
    moved = _plain(ticket, asked)
    if asked.category_id is not UNSET:
        moved += await _category(session, ticket, asked.category_id)
    if asked.touches_tags:
        moved += await _tags(session, ticket, asked)
    if asked.custom:
        moved += await _custom(session, ticket, asked.custom)
    for change in moved:
        session.add(change.activity(ticket, author, now))
        if change.field == "tags":  # not a column of the ticket: the rules are told so
            field_changed(session, ticket, "tags")
    return moved


def _plain(ticket: Ticket, asked: FieldChanges) -> list[Moved]:
    moved = []
    if asked.title is not UNSET and asked.title != ticket.title:
        moved.append(Moved("title", ticket.title, asked.title))
        ticket.title = asked.title
    if asked.description is not UNSET and asked.description != ticket.description:
        moved.append(Moved("description", ticket.description, asked.description))
        ticket.description = asked.description
    return moved


async def _category(session: AsyncSession, ticket: Ticket, wanted: int | None) -> list[Moved]:
    if wanted == ticket.category_id:
        return []
    nodes = await category_nodes(session)
    if wanted is not None and wanted not in nodes:
        raise UnknownCategory(wanted)
    if wanted is not None and nodes[wanted].retired:
        raise CategoryRetired(nodes[wanted].name)
    old = " / ".join(category_path(nodes, ticket.category_id)) or None
    ticket.category_id = wanted
    return [Moved("category", old, " / ".join(category_path(nodes, wanted)) or None)]


async def _tags(session: AsyncSession, ticket: Ticket, asked: FieldChanges) -> list[Moved]:
    current = sorted(await session.scalars(select(TicketTag.tag)
                                           .where(TicketTag.ticket_id == ticket.id)))
    base = current if asked.tags is None else list(asked.tags)
    wanted = sorted((set(base) | set(asked.add_tags)) - set(asked.remove_tags))
    if set(current) == set(wanted):
        return []
    await session.execute(delete(TicketTag).where(TicketTag.ticket_id == ticket.id,
                                                  TicketTag.tag.not_in(wanted)))
    session.add_all(TicketTag(ticket_id=ticket.id, tag=tag) for tag in wanted
                    if tag not in current)
    return [Moved("tags", current, wanted)]


async def _custom(session: AsyncSession, ticket: Ticket,
                  asked: Mapping[str, Any]) -> list[Moved]:
    rows = await definitions(session)
    stored = {value.field_id: value for value in await session.scalars(
        select(TicketFieldValue).where(TicketFieldValue.ticket_id == ticket.id))}
    moved = []
    for key in sorted(asked):
        row = rows.get(key)
        if row is None or (row.retired_at is not None and asked[key] is not None):
            raise UnknownCustomField(key)
        definition = definition_of(row)
        if asked[key] is None and definition.required:
            raise RequiredFieldMissing(key)
        new = None if asked[key] is None else canonical_value(definition, asked[key])
        old_row = stored.get(row.id)
        old = old_row.value if old_row is not None else None
        if new == old:
            continue
        await _store(session, ticket, row.id, old_row, new)
        moved.append(Moved(f"custom_fields.{key}", old, new))
    return moved


async def _store(session: AsyncSession, ticket: Ticket, field_id: int,
           old_row: TicketFieldValue | None, new: str | None) -> None:
    if new is None and old_row is not None:
        await session.delete(old_row)
    elif old_row is not None and new is not None:
        old_row.value = new
    elif new is not None:
        session.add(TicketFieldValue(ticket_id=ticket.id, field_id=field_id, value=new))


async def missing_required(session: AsyncSession, ticket: Ticket) -> str | None:
    """The key of a required (not retired) custom field the ticket has no value for."""
    rows = await definitions(session)
    have = set(await session.scalars(select(TicketFieldValue.field_id)
                                     .where(TicketFieldValue.ticket_id == ticket.id)))
    for key, row in rows.items():
        if row.required and row.retired_at is None and row.id not in have:
            return key
    return None


async def refuse_finishing_without_required(session: AsyncSession, ticket: Ticket) -> None:
    key = await missing_required(session, ticket)
    if key is not None:
        raise RequiredFieldMissing(key)
