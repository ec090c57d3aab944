"""Custom field definitions, the admin side: list, define, relabel, change choices, retire.

A field's key and kind never change (values stored under them would lose their
meaning); a choice on tickets cannot be taken away.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.db import Database
from ccengine.ticket_fields.errors import ChoiceInUse, FieldKeyTaken, UnknownCustomField
from ccengine.ticket_fields.rules import Choice, FieldDefinition, FieldKind
from ccengine.ticket_fields.storage_models import CustomFieldDefinition, TicketFieldValue


@dataclass(frozen=True, slots=True)
class DefinitionChanges:
    label_pl: str | None = None
    label_en: str | None = None
    choices: tuple[Choice, ...] | None = None
    required: bool | None = None
    retired: bool | None = None
    position: int | None = None


def definition_of(row: CustomFieldDefinition) -> FieldDefinition:
    return FieldDefinition(
        key=row.key, kind=FieldKind(row.kind), label_pl=row.label_pl, label_en=row.label_en,
        choices=tuple(Choice(c["key"], c["label_pl"], c["label_en"]) for c in row.choices),
        required=row.required, retired=row.retired_at is not None)


def field_json(row: CustomFieldDefinition) -> dict[str, Any]:
    return {"key": row.key, "kind": row.kind, "label_pl": row.label_pl,
            "label_en": row.label_en, "choices": list(row.choices), "required": row.required,
            "position": row.position, "retired": row.retired_at is not None}


async def definitions(session: AsyncSession) -> dict[str, CustomFieldDefinition]:
    rows = await session.scalars(select(CustomFieldDefinition)
                                 .order_by(CustomFieldDefinition.position,
                                           CustomFieldDefinition.id))
    return {row.key: row for row in rows}


async def list_fields(database: Database) -> list[dict[str, Any]]:
    async with database.sessions() as session:
        return [field_json(row) for row in (await definitions(session)).values()]


def _choices_json(choices: tuple[Choice, ...]) -> list[dict[str, str]]:
    return [{"key": c.key, "label_pl": c.label_pl, "label_en": c.label_en} for c in choices]


async def create_field(database: Database, definition: FieldDefinition,
                       now: datetime) -> dict[str, Any]:
    async with database.writer() as session:
        known = await definitions(session)
        if definition.key in known:
            raise FieldKeyTaken(definition.key)
        row = CustomFieldDefinition(
            key=definition.key, kind=definition.kind.value, label_pl=definition.label_pl,
            label_en=definition.label_en, choices=_choices_json(definition.choices),
            required=definition.required, position=len(known), created_at=now)
        session.add(row)
        try:
            await session.commit()
        except IntegrityError:  # another admin's same key committed after our check
            raise FieldKeyTaken(definition.key) from None
    return field_json(row)


async def update_field(database: Database, key: str, changes: DefinitionChanges,
                       now: datetime) -> dict[str, Any]:
    async with database.writer() as session:
        row = (await definitions(session)).get(key)
        if row is None:
            raise UnknownCustomField(key)
        if changes.choices is not None:
            await _keep_used_choices(session, row, changes.choices)
            row.choices = _choices_json(changes.choices)
        row.label_pl = changes.label_pl or row.label_pl
        row.label_en = changes.label_en or row.label_en
        row.required = row.required if changes.required is None else changes.required
        row.position = row.position if changes.position is None else changes.position
        if changes.retired is not None:
            row.retired_at = (row.retired_at or now) if changes.retired else None
        await session.commit()
    return field_json(row)


async def _keep_used_choices(session: AsyncSession, row: CustomFieldDefinition,
                             choices: tuple[Choice, ...]) -> None:
    dropped = {c["key"] for c in row.choices} - {c.key for c in choices}
    if not dropped:
        return
    used = await session.scalar(select(TicketFieldValue.value).where(
        TicketFieldValue.field_id == row.id, TicketFieldValue.value.in_(sorted(dropped)))
        .limit(1))
    if used is not None:
        raise ChoiceInUse(row.key, used)
