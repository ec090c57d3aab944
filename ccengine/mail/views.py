"""A ticket's e-mail as its timeline shows it: each message with its sanitized
HTML, text, quoted history, notes and its files' metadata (never their bytes)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.mail.storage_models import MailAttachment, MailMessage
from ccengine.tickets.models import Ticket

__all__ = ["attachment_url", "messages_of_ticket"]


def attachment_url(number: str, attachment_id: int) -> str:
    return f"/api/v1/tickets/{quote(number, safe='')}/attachments/{attachment_id}"


async def messages_of_ticket(session: AsyncSession, number: str) -> dict[int, dict[str, Any]]:
    """The ticket's messages by ``MailMessage.id`` (what an activity's
    ``data.mail_message_id`` names), as JSON."""
    rows = (await session.scalars(
        select(MailMessage).join(Ticket, Ticket.id == MailMessage.ticket_id)
        .where(Ticket.number == number).order_by(MailMessage.id))).all()
    files = await _files(session, [row.id for row in rows])
    return {row.id: _message_json(row, number, files[row.id]) for row in rows}


async def _files(session: AsyncSession, message_ids: list[int]
                 ) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not message_ids:
        return found
    rows = await session.execute(
        select(MailAttachment.id, MailAttachment.mail_message_id, MailAttachment.filename,
               MailAttachment.content_type, MailAttachment.size, MailAttachment.inline,
               MailAttachment.content_id)
        .where(MailAttachment.mail_message_id.in_(message_ids)).order_by(MailAttachment.id))
    for file_id, message_id, filename, kind, size, inline, content_id in rows:
        found[message_id or 0].append({"id": file_id, "filename": filename, "content_type": kind,
                                  "size": size, "inline": inline, "content_id": content_id})
    return found


def _message_json(row: MailMessage, number: str,
                  files: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": row.id, "direction": row.direction, "message_id": row.message_id,
        "subject": row.subject, "from_address": row.from_address, "from_name": row.from_name,
        "to": list(row.to or []), "cc": list(row.cc or []), "text": row.body_text,
        "html": row.body_html, "quoted_text": row.quoted_text,
        "notes": row.note.split("\n") if row.note else [],
        "received_at": row.received_at.isoformat(),
        "attachments": [{**file, "url": attachment_url(number, file["id"])} for file in files],
    }
