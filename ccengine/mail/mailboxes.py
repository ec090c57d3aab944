"""Admins' mailboxes: list, add, change, remove; one transaction each.

Passwords are write-only: ``as_json`` says only whether one is stored. The health
fields are written by the receiver; they are read here, never changed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.db import Database
from ccengine.mail.mailbox_rules import (
    PASSWORDS,
    MailboxExists,
    MailboxInUse,
    MailboxNotFound,
    state,
)
from ccengine.mail.storage_models import Mailbox, MailMessage, OutgoingMail

__all__ = ["as_json", "create", "delete", "get", "list_mailboxes", "update"]

SHOWN = ("id", "name", "queue", "address", "display_name", "active",
         "imap_host", "imap_port", "imap_security", "imap_user", "imap_folder",
         "imap_done_folder", "smtp_host", "smtp_port", "smtp_security", "smtp_user",
         "filters", "group_window_minutes", "mask_personal_data", "ack_enabled",
         "ack_subject", "ack_body", "signature_html", "last_error", "failures")
MOMENTS = ("last_ok_at", "last_error_at", "next_attempt_at", "created_at", "updated_at")


def as_json(row: Mailbox) -> dict[str, Any]:
    shown: dict[str, Any] = {name: getattr(row, name) for name in SHOWN}
    for name in MOMENTS:
        moment = getattr(row, name)
        shown[name] = moment.isoformat() if moment is not None else None
    for name in PASSWORDS:
        shown[f"{name}_set"] = bool(getattr(row, name))
    shown["state"] = state(row.active, row.last_ok_at, row.last_error_at)
    return shown


async def list_mailboxes(database: Database) -> list[dict[str, Any]]:
    async with database.sessions() as session:
        return [as_json(row) for row in
                await session.scalars(select(Mailbox).order_by(Mailbox.name))]


async def get(database: Database, mailbox_id: int) -> dict[str, Any]:
    async with database.sessions() as session:
        return as_json(await _found(session, mailbox_id))


async def create(database: Database, values: dict[str, Any], at: datetime) -> dict[str, Any]:
    row = Mailbox(imap_security="tls", imap_folder="INBOX", smtp_security="starttls",
                  filters=[], group_window_minutes=0, mask_personal_data=False,
                  ack_enabled=True, active=True, failures=0, created_at=at, updated_at=at)
    _apply(row, values)
    try:
        async with database.writer() as session:
            session.add(row)
            await session.commit()
    except IntegrityError:
        raise MailboxExists("name", "a mailbox of this name exists") from None
    return as_json(row)


async def update(database: Database, mailbox_id: int, values: dict[str, Any],
                 at: datetime) -> dict[str, Any]:
    try:
        async with database.writer() as session:
            row = await _found(session, mailbox_id)
            _apply(row, values)
            row.updated_at = at
            await session.commit()
    except IntegrityError:
        raise MailboxExists("name", "a mailbox of this name exists") from None
    return as_json(row)


async def delete(database: Database, mailbox_id: int) -> None:
    """Only a mailbox nothing points at; one with mail is switched off instead."""
    async with database.writer() as session:
        row = await _found(session, mailbox_id)
        for model in (MailMessage, OutgoingMail):
            used = await session.scalar(select(func.count()).select_from(model)
                                        .where(model.mailbox_id == mailbox_id))
            if used:
                raise MailboxInUse("mailbox_id", "its mail is on tickets; switch it off")
        await session.delete(row)
        await session.commit()


def _apply(row: Mailbox, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(row, name, value)


async def _found(session: AsyncSession, mailbox_id: int) -> Mailbox:
    row = await session.get(Mailbox, mailbox_id)
    if row is None:
        raise MailboxNotFound("mailbox_id", f"no mailbox {mailbox_id}")
    return row
