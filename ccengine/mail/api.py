"""A ticket's e-mail files over HTTP. Whoever may see the ticket may download its
files; to anyone else the file, like the ticket, is not found (404). Every file is
served as a download, sandboxed and never sniffed by the browser; only an image the
sniffer recognised may be shown inline (the message viewer's cid: pictures)."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web
from sqlalchemy import select

from ccengine.mail.schemas import SCHEMAS
from ccengine.mail.sniffing import IMAGE_TYPES
from ccengine.mail.storage_models import MailAttachment
from ccengine.tickets.errors import TicketNotFound
from ccengine.tickets.filters import can_see, viewer_of
from ccengine.tickets.models import Ticket
from ccengine.users.models import Role
from ccengine.web.auth import principal
from ccengine.web.endpoints import Endpoint, path_param, query
from ccengine.web.errors import ApiError, InvalidParameter, Unauthorized
from ccengine.web.params import DATABASE, checked_text, optional, yes_no

__all__ = ["ENDPOINTS", "SCHEMAS", "content_disposition"]

READERS = frozenset({Role.ADMIN, Role.AGENT, Role.PRIVILEGED_AGENT, Role.QA_LEAD,
                     Role.INTEGRATION})
MAX_SQL_INT = 2**31 - 1
HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox",
           "Cache-Control": "private, no-store"}


class AttachmentNotFound(ApiError):
    status, error_id = 404, "attachment-not-found"


def content_disposition(kind: str, filename: str) -> str:
    """RFC 6266: an ASCII fallback name and the real one as RFC 5987 UTF-8."""
    fallback = "".join(char if char.isascii() and char.isprintable() and char not in '"\\'
                       else "_" for char in filename) or "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _attachment_id(request: web.Request) -> int:
    raw = request.match_info["attachment_id"]
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12 or not 1 <= int(raw) <= MAX_SQL_INT:
        raise InvalidParameter("attachment_id", f"expected an attachment id, got {raw[:40]!r}")
    return int(raw)


async def get_attachment(request: web.Request) -> web.Response:
    who = principal(request)
    if who is None:
        raise Unauthorized()
    number = checked_text("number", request.match_info["number"])
    wanted = _attachment_id(request)
    inline = optional(request, "inline", yes_no) or False
    async with request.app[DATABASE].sessions() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.number == number))
        if ticket is None or not can_see(viewer_of(who), ticket.assignee, ticket.status):
            raise TicketNotFound(number)
        file = await session.scalar(select(MailAttachment).where(
            MailAttachment.id == wanted, MailAttachment.ticket_id == ticket.id))
    if file is None:
        raise AttachmentNotFound(f"no attachment {wanted} on ticket {number}")
    shown = inline and file.content_type in IMAGE_TYPES
    return web.Response(body=file.data, content_type=file.content_type, headers={
        **HEADERS,
        "Content-Disposition": content_disposition("inline" if shown else "attachment",
                                                   file.filename)})


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/api/v1/tickets/{number}/attachments/{attachment_id}", get_attachment,
             READERS,
             summary="A file of the ticket's e-mail, as a download with its sniffed type "
                     "(an image inline with ?inline=1)",
             parameters=[
                 path_param("number", "ticket number, e.g. TK-2026-000001"),
                 path_param("attachment_id", "the file's id (from the ticket's timeline)",
                            {"type": "integer", "minimum": 1, "maximum": MAX_SQL_INT}),
                 query("inline", {"type": "string", "enum": ["true", "false", "1", "0"]},
                       "show an image inline instead of downloading it"),
             ],
             result="Attachment"),
)
