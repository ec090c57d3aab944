"""Reply templates over HTTP (admins edit them, agents list them and preview one for a
ticket) and one's own signature. Their schemas are in ``replies.schemas``."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ccengine.mail.outbox import mailbox_for_ticket
from ccengine.mail.templates import VARIABLES, render, unknown_placeholders
from ccengine.replies import replying, rules, service
from ccengine.replies.http import (
    ADMINS,
    EDITORS,
    ReplyRefused,
    author_of,
    now_of,
    who_of,
)
from ccengine.replies.model import ReplyAsk
from ccengine.routes.model import QUEUE_NAME
from ccengine.tickets.filters import viewer_of
from ccengine.tickets.service import find_ticket
from ccengine.users.models import Role
from ccengine.web import body as bodies
from ccengine.web.endpoints import Endpoint, path_param, query
from ccengine.web.errors import InvalidParameter, Unauthorized
from ccengine.web.keys import config_of
from ccengine.web.params import DATABASE, MAX_SQL_INT, checked_text

__all__ = ["ENDPOINTS", "SCHEMAS"]

SCHEMAS: dict[str, dict[str, Any]] = {}  # with the replies' (replies.api)

# -- templates --------------------------------------------------------------------------

async def list_templates(request: web.Request) -> web.Response:
    who = who_of(request)
    queue = _queue(request.query.get("queue") or None, "queue")
    active = who.role is not Role.ADMIN or request.query.get("active") == "true"
    items = await service.list_templates(request.app[DATABASE], queue, active)
    return web.json_response({"items": items, "placeholders": list(VARIABLES)})


async def _fields(request: web.Request) -> service.TemplateFields:
    body = await bodies.json_object(request)
    unknown = set(body) - {"name", "subject", "body_html", "queue", "active"}
    if unknown:
        raise bodies.InvalidBody(sorted(unknown)[0], "unknown field")
    return service.TemplateFields(
        name=bodies.required_text(body, "name", max_length=rules.MAX_NAME),
        subject=bodies.text(body, "subject", max_length=rules.MAX_SUBJECT) or "",
        body_html=bodies.required_text(body, "body_html", max_length=rules.MAX_HTML),
        queue=_queue(bodies.text(body, "queue", max_length=100) or None, "queue"),
        active=bodies.boolean(body, "active", True))


def _queue(raw: str | None, name: str) -> str | None:
    if raw and not QUEUE_NAME.match(raw):
        raise InvalidParameter(name, "a queue name: a-z, 0-9, '_' and '-'")
    return raw


def _id(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not raw.isdigit() or int(raw) > MAX_SQL_INT:
        raise InvalidParameter("id", "a template's id")
    return int(raw)


async def create_template(request: web.Request) -> web.Response:
    fields = await _fields(request)
    try:
        made = await service.create(request.app[DATABASE], fields, now_of(request))
    except rules.ReplyError as exc:
        raise ReplyRefused(exc) from None
    return web.json_response(made, status=201)


async def replace_template(request: web.Request) -> web.Response:
    template_id, fields = _id(request), await _fields(request)
    try:
        changed = await service.replace(request.app[DATABASE], template_id, fields,
                                        now_of(request))
    except rules.ReplyError as exc:
        raise ReplyRefused(exc) from None
    return web.json_response(changed)


async def delete_template(request: web.Request) -> web.Response:
    try:
        await service.delete(request.app[DATABASE], _id(request))
    except rules.ReplyError as exc:
        raise ReplyRefused(exc) from None
    return web.json_response({"ok": True})


async def preview(request: web.Request) -> web.Response:
    """The template rendered for a ticket, as the composer inserts it."""
    who = who_of(request)
    number = request.query.get("ticket")
    if not number:
        raise InvalidParameter("ticket", "the ticket's number is required")
    ask = ReplyAsk(number=checked_text("ticket", number), author=author_of(who),
                   viewer=viewer_of(who))
    try:
        async with request.app[DATABASE].sessions() as session:
            template = await service.template(session, _id(request))
            values = await _values(session, ask, config_of(request.app).tickets.timezone)
    except rules.ReplyError as exc:
        raise ReplyRefused(exc) from None
    return web.json_response({
        "id": template.id, "subject": render(template.subject, values),
        "html": render(template.body_html, values, as_html=True)})


async def _values(session: Any, ask: ReplyAsk, timezone: str) -> Any:
    ticket = await find_ticket(session, ask.number, ask.viewer)
    mailbox = await mailbox_for_ticket(session, ticket.id, ticket.queue)
    if mailbox is None:
        raise rules.NoMailbox("queue", f"queue {ticket.queue!r} has no active mailbox")
    return await replying.values_for(session, ticket, mailbox, ask, timezone)


# -- signatures -------------------------------------------------------------------------

async def my_signature(request: web.Request) -> web.Response:
    who = who_of(request)
    html = await service.read_signature(request.app[DATABASE], who.user_id)
    return web.json_response({"html": html})


async def save_my_signature(request: web.Request) -> web.Response:
    who = who_of(request)
    body = await bodies.json_object(request)
    html = bodies.text(body, "html", required=True, max_length=service.MAX_SIGNATURE) or ""
    unknown = unknown_placeholders(html)
    if unknown:
        raise ReplyRefused(rules.SignatureInvalid(
            "html", f"unknown placeholder {{{{ {unknown[0]} }}}}"))
    if who.user_id is None:
        raise Unauthorized()
    saved = await service.save_signature(request.app[DATABASE], who.user_id, html,
                                         now_of(request))
    return web.json_response({"html": saved})


_ID = path_param("id", "the reply template's id", {"type": "integer"})
TEMPLATES = "/api/v1/reply-templates"

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", TEMPLATES, list_templates, EDITORS,
             "Reply templates by name (agents: the active ones); ?queue= those offered on "
             "its tickets (its own and the global ones); with the placeholders they may use",
             parameters=[query("queue", {"type": "string"}, "only this queue's and global"),
                         query("active", {"type": "boolean"}, "admins: only active ones")],
             result="ReplyTemplateList"),
    Endpoint("POST", TEMPLATES, create_template, ADMINS,
             "Add a reply template (400 invalid-template names the field and an unknown "
             "placeholder; 409 template-name-taken)", body="ReplyTemplateNew",
             result="ReplyTemplate"),
    Endpoint("PUT", TEMPLATES + "/{id}", replace_template, ADMINS,
             "Replace a reply template", parameters=[_ID], body="ReplyTemplateNew",
             result="ReplyTemplate"),
    Endpoint("DELETE", TEMPLATES + "/{id}", delete_template, ADMINS,
             "Delete a reply template", parameters=[_ID]),
    Endpoint("POST", TEMPLATES + "/{id}/preview", preview, EDITORS,
             "The template rendered for a ticket (?ticket=TK-…): subject and HTML",
             parameters=[_ID, query("ticket", {"type": "string"}, "the ticket's number",
                                    required=True)], result="ReplyPreview"),
    Endpoint("GET", "/api/v1/me/signature", my_signature, EDITORS | {Role.QA_LEAD},
             "Your e-mail signature (HTML), appended to your replies", result="Signature"),
    Endpoint("PUT", "/api/v1/me/signature", save_my_signature, EDITORS | {Role.QA_LEAD},
             "Save your e-mail signature (cleaned; placeholders allowed)", body="Signature",
             result="Signature"),
)
