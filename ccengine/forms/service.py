"""Web forms' transactions: admins' definitions, and a post made into a ticket with the
customer's acknowledgement queued in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.config import TicketsConfig
from ccengine.db import Database
from ccengine.forms.model import FormSpec, Submission
from ccengine.forms.rules import FormExists, FormNotFound, spec_of
from ccengine.forms.storage_models import WebForm
from ccengine.mail.acknowledging import acknowledge
from ccengine.tickets.enums import SourceChannel
from ccengine.tickets.manual import ForEmail, ForPhone, ManualTicket, Recipient, open_ticket
from ccengine.tickets.models import Ticket
from ccengine.tickets.sla_sync import SlaProvider

__all__ = ["as_json", "count_spam", "create", "delete", "find_active", "get",
           "list_forms", "replace", "submit"]


def as_json(row: WebForm) -> dict[str, Any]:
    return {"key": row.key, "name": row.name, "queue": row.queue, "fields": row.fields,
            "allowed_origins": row.allowed_origins, "thank_you_url": row.thank_you_url,
            "active": row.active, "spam_count": row.spam_count,
            "created_at": row.created_at.isoformat(), "updated_at": row.updated_at.isoformat()}


def _write(row: WebForm, spec: FormSpec, at: datetime) -> None:
    row.name, row.queue, row.active = spec.name, spec.queue, spec.active
    row.fields = [field.as_json() for field in spec.fields]
    row.allowed_origins = list(spec.allowed_origins)
    row.thank_you_url = spec.thank_you_url
    row.updated_at = at


async def list_forms(database: Database) -> list[dict[str, Any]]:
    async with database.sessions() as session:
        return [as_json(row) for row in await session.scalars(select(WebForm)
                                                               .order_by(WebForm.key))]


async def get(database: Database, key: str) -> dict[str, Any]:
    async with database.sessions() as session:
        return as_json(await _found(session, key))


async def find_active(database: Database, key: str) -> FormSpec | None:
    async with database.sessions() as session:
        row = await session.scalar(select(WebForm).where(WebForm.key == key))
    return spec_of(row) if row is not None and row.active else None


async def create(database: Database, spec: FormSpec, at: datetime) -> dict[str, Any]:
    row = WebForm(key=spec.key, spam_count=0, created_at=at)
    _write(row, spec, at)
    try:
        async with database.writer() as session:
            session.add(row)
            await session.commit()
    except IntegrityError:
        raise FormExists("key", f"a form {spec.key!r} exists") from None
    return as_json(row)


async def replace(database: Database, spec: FormSpec, at: datetime) -> dict[str, Any]:
    async with database.writer() as session:
        row = await _found(session, spec.key)
        _write(row, spec, at)
        await session.commit()
    return as_json(row)


async def delete(database: Database, key: str) -> None:
    async with database.writer() as session:
        await session.delete(await _found(session, key))
        await session.commit()


async def count_spam(database: Database, key: str) -> None:
    """One more honeypot post (atomic: a flood of them counts every one)."""
    async with database.writer() as session:
        await session.execute(update(WebForm).where(WebForm.key == key)
                              .values(spam_count=WebForm.spam_count + 1))
        await session.commit()


async def _found(session: AsyncSession, key: str) -> WebForm:
    row = await session.scalar(select(WebForm).where(WebForm.key == key))
    if row is None:
        raise FormNotFound("key", f"no form {key!r}")
    return row


@dataclass(frozen=True, slots=True)
class Opening:
    """Where a post's ticket is opened: the engine's ticket settings and SLA."""

    config: TicketsConfig
    sla: SlaProvider
    now: datetime


async def submit(database: Database, spec: FormSpec, post: Submission,
                 opening: Opening) -> str:
    """Open the post's ticket in the form's queue (source: form) for the customer its
    e-mail or phone finds (or a new one); queue the acknowledgement with it."""
    asked = ManualTicket(title=post.title, recipient=_recipient(post), queue=spec.queue,
                         description=post.note, source=SourceChannel.FORM)

    async def acknowledged(session: AsyncSession, ticket: Ticket) -> None:
        if post.email is not None:
            await acknowledge(session, ticket, to=post.email, customer_name=post.customer_name,
                              now=opening.now, kind="form_acknowledgement")

    return await open_ticket(database, asked, f"web form {spec.name!r}", "from the website",
                             opening.now, opening.config, opening.sla, also=acknowledged)


def _recipient(post: Submission) -> Recipient:
    if post.email is not None:
        return ForEmail(post.email)
    if post.phone is not None:
        return ForPhone(post.phone)
    return None
