"""Reply templates' and signatures' transactions: admins' CRUD, agents' list (their
queues' and the global ones), a user's own signature."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.db import Database
from ccengine.replies.rules import (
    TemplateNameTaken,
    TemplateNotFound,
    check_template,
    clean_html,
)
from ccengine.replies.storage_models import AgentSignature, ReplyTemplate

MAX_SIGNATURE = 10_000


@dataclass(frozen=True, slots=True)
class TemplateFields:
    name: str
    subject: str
    body_html: str
    queue: str | None
    active: bool = True


def as_json(row: ReplyTemplate) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "subject": row.subject,
            "body_html": row.body_html, "queue": row.queue, "active": row.active}


async def list_templates(database: Database, queue: str | None = None,
                         active_only: bool = False) -> list[dict[str, Any]]:
    """By name; ``queue``: those offered on its tickets (its own and the global ones)."""
    query = select(ReplyTemplate).order_by(ReplyTemplate.name)
    if queue is not None:
        query = query.where(ReplyTemplate.queue.is_(None) | (ReplyTemplate.queue == queue))
    if active_only:
        query = query.where(ReplyTemplate.active.is_(True))
    async with database.sessions() as session:
        return [as_json(row) for row in await session.scalars(query)]


async def create(database: Database, fields: TemplateFields, at: datetime) -> dict[str, Any]:
    name, subject, body = check_template(fields.name, fields.subject, fields.body_html)
    row = ReplyTemplate(name=name, subject=subject, body_html=body, queue=fields.queue,
                        active=fields.active, created_at=at, updated_at=at)
    try:
        async with database.writer() as session:
            session.add(row)
            await session.commit()
    except IntegrityError:
        raise TemplateNameTaken("name", f"a template named {name!r} exists") from None
    return as_json(row)


async def replace(database: Database, template_id: int, fields: TemplateFields,
                  at: datetime) -> dict[str, Any]:
    name, subject, body = check_template(fields.name, fields.subject, fields.body_html)
    try:
        async with database.writer() as session:
            row = await template(session, template_id)
            row.name, row.subject, row.body_html = name, subject, body
            row.queue, row.active, row.updated_at = fields.queue, fields.active, at
            await session.commit()
    except IntegrityError:
        raise TemplateNameTaken("name", f"a template named {name!r} exists") from None
    return as_json(row)


async def delete(database: Database, template_id: int) -> None:
    async with database.writer() as session:
        await session.delete(await template(session, template_id))
        await session.commit()


async def template(session: AsyncSession, template_id: int) -> ReplyTemplate:
    row = await session.get(ReplyTemplate, template_id)
    if row is None:
        raise TemplateNotFound("id", f"no reply template {template_id}")
    return row


async def signature(session: AsyncSession, user_id: int | None) -> str:
    if user_id is None:
        return ""
    row = await session.get(AgentSignature, user_id)
    return "" if row is None else row.html


async def read_signature(database: Database, user_id: int | None) -> str:
    async with database.sessions() as session:
        return await signature(session, user_id)


async def save_signature(database: Database, user_id: int, html: str, at: datetime) -> str:
    cleaned = clean_html(html)
    async with database.writer() as session:
        row = await session.get(AgentSignature, user_id)
        if row is None:
            session.add(AgentSignature(user_id=user_id, html=cleaned, updated_at=at))
        else:
            row.html, row.updated_at = cleaned, at
        await session.commit()
    return cleaned
