"""Replies over HTTP: an agent's e-mail reply from a ticket (multipart form), the
ticket's sent mail with its delivery state, reply templates (admins edit, agents
list and preview them for a ticket), one's own signature; and the sender worker's
place in the app."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy import select

from ccengine.cancelling import cancel_and_wait
from ccengine.config import MailConfig
from ccengine.mail.delivery import RetryPolicy
from ccengine.mail.outbox import mailbox_for_queue
from ccengine.mail.sender import MailSender, SenderPolicy
from ccengine.mail.storage_models import MailMessage, OutgoingMail
from ccengine.mail.templates import VARIABLES, render, unknown_placeholders
from ccengine.replies import replying, rules, service
from ccengine.replies.model import Author, ReplyAsk
from ccengine.replies.schemas import SCHEMAS
from ccengine.replies.uploads import read_form
from ccengine.routes.model import QUEUE_NAME
from ccengine.tickets.enums import TicketStatus
from ccengine.tickets.filters import viewer_of
from ccengine.tickets.service import find_ticket
from ccengine.users.models import Role
from ccengine.users.service import Principal
from ccengine.web import body as bodies
from ccengine.web.auth import principal
from ccengine.web.endpoints import Endpoint, path_param, query
from ccengine.web.errors import ApiError, InvalidParameter, Unauthorized
from ccengine.web.keys import ENGINE, clock_of, config_of, sla_provider_of
from ccengine.web.params import DATABASE, MAX_SQL_INT, checked_text

__all__ = ["ENDPOINTS", "SCHEMAS", "SENDER", "setup"]

ADMINS = frozenset({Role.ADMIN})
EDITORS = frozenset({Role.ADMIN, Role.AGENT, Role.PRIVILEGED_AGENT})
READERS = EDITORS | {Role.QA_LEAD, Role.INTEGRATION}
SENDER = web.AppKey("ccengine.mail_sender", MailSender)

_REFUSALS: dict[type[rules.ReplyError], tuple[int, str]] = {
    rules.TemplateInvalid: (400, "invalid-template"),
    rules.TemplateNotFound: (404, "template-not-found"),
    rules.TemplateNameTaken: (409, "template-name-taken"),
    rules.NoMailbox: (409, "no-mailbox"),
    rules.NoRecipient: (400, "no-recipient"),
    rules.InvalidAddress: (400, "invalid-address"),
    rules.SignatureInvalid: (400, "invalid-signature"),
}


class ReplyRefused(ApiError):
    def __init__(self, exc: rules.ReplyError) -> None:
        super().__init__(str(exc))
        self.status, self.error_id = _REFUSALS[type(exc)]
        self.field = exc.field


def _who(request: web.Request) -> Principal:
    who = principal(request)
    if who is None:
        raise Unauthorized()
    return who


def _author(who: Principal) -> Author:
    return Author(who.display_name, who.login if "@" in who.login else "", who.user_id)


def _now(request: web.Request) -> datetime:
    return clock_of(request.app).now()


# -- replies ----------------------------------------------------------------------------

async def send_reply(request: web.Request) -> web.Response:
    who = _who(request)
    number = checked_text("number", request.match_info["number"])
    mail = config_of(request.app).mail
    form = await read_form(request, mail.max_attachment_bytes, mail.max_attachments_bytes)
    fields = form.fields
    after, keep = _after_status(fields.get("after_status"))
    ask = ReplyAsk(number=number, author=_author(who), html=fields.get("html", ""),
                   to=_list(fields.get("to")) or None, cc=_list(fields.get("cc")),
                   subject=fields.get("subject") or None,
                   template_id=_template_id(fields.get("template_id")),
                   after_status=after, keep_status=keep, attachments=tuple(form.files),
                   viewer=viewer_of(who))
    try:
        sent = await replying.send_reply(request.app[DATABASE], ask,
                                         config_of(request.app).tickets,
                                         sla_provider_of(request.app), _now(request))
    except rules.ReplyError as exc:
        raise ReplyRefused(exc) from None
    sender = request.app.get(SENDER)
    if sender is not None:
        sender.wake.set()
    return web.json_response({
        "activity_id": sent.activity_id, "outgoing_id": sent.outgoing_id,
        "mail_message_id": sent.mail_message_id, "message_id": sent.message_id,
        "subject": sent.subject, "to": list(sent.to), "cc": list(sent.cc),
        "status": sent.status, "delivery": "queued"}, status=201)


def _list(raw: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (raw or "").replace(";", ",").split(",")
                 if part.strip())


def _template_id(raw: str | None) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > MAX_SQL_INT:
        raise bodies.InvalidBody("template_id", "a template's id")
    return int(raw)


def _after_status(raw: str | None) -> tuple[TicketStatus | None, bool]:
    """"" or absent: waiting for the customer where allowed; "keep": unchanged."""
    if not raw:
        return None, False
    if raw == "keep":
        return None, True
    try:
        return TicketStatus(raw), False
    except ValueError:
        raise bodies.InvalidBody("after_status", "a ticket status or 'keep'") from None


async def list_sent(request: web.Request) -> web.Response:
    """The ticket's e-mails (in and out) with each outgoing one's delivery state."""
    who = _who(request)
    number = checked_text("number", request.match_info["number"])
    async with request.app[DATABASE].sessions() as session:
        ticket = await find_ticket(session, number, viewer_of(who))
        rows = (await session.execute(
            select(MailMessage, OutgoingMail)
            .outerjoin(OutgoingMail, OutgoingMail.mail_message_id == MailMessage.id)
            .where(MailMessage.ticket_id == ticket.id)
            .order_by(MailMessage.received_at, MailMessage.id))).all()
        outgoing = list(await session.scalars(select(OutgoingMail).where(
            OutgoingMail.ticket_id == ticket.id, OutgoingMail.mail_message_id.is_(None))))
    items = [_mail_json(mail, out) for mail, out in rows]
    items += [_outbox_json(out) for out in outgoing]  # e.g. acknowledgements
    return web.json_response({"items": items})


def _delivery(out: OutgoingMail | None) -> str | None:
    if out is None:
        return None
    return {"pending": "queued"}.get(out.status, out.status)


def _mail_json(mail: MailMessage, out: OutgoingMail | None) -> dict[str, Any]:
    return {"mail_message_id": mail.id, "activity_id": mail.activity_id,
            "direction": mail.direction, "message_id": mail.message_id,
            "subject": mail.subject, "from": mail.from_address, "to": mail.to, "cc": mail.cc,
            "at": mail.received_at.isoformat(), "outgoing_id": out.id if out else None,
            "delivery": _delivery(out), "attempts": out.attempts if out else None,
            "last_error": out.last_error if out else None}


def _outbox_json(out: OutgoingMail) -> dict[str, Any]:
    return {"mail_message_id": None, "activity_id": None, "direction": "out",
            "message_id": out.message_id, "subject": out.kind, "from": out.sender,
            "to": out.recipients, "cc": [], "at": out.created_at.isoformat(),
            "outgoing_id": out.id, "delivery": _delivery(out), "attempts": out.attempts,
            "last_error": out.last_error}


async def reply_draft(request: web.Request) -> web.Response:
    """What the composer starts from: the default recipient and subject, the
    signatures that will be appended (rendered), the mailbox it goes out from."""
    who = _who(request)
    ask = ReplyAsk(number=checked_text("number", request.match_info["number"]),
                   author=_author(who), viewer=viewer_of(who))
    async with request.app[DATABASE].sessions() as session:
        ticket = await find_ticket(session, ask.number, ask.viewer)
        mailbox = await mailbox_for_queue(session, ticket.queue)
        if mailbox is None:
            raise ReplyRefused(rules.NoMailbox(
                "queue", f"queue {ticket.queue!r} has no active mailbox"))
        thread = await replying.thread_of(session, ticket.id)
        values = await replying.values_for(session, ticket, mailbox, ask,
                                           config_of(request.app).tickets.timezone)
        try:
            to = list(await replying.default_to(session, ticket, thread))
        except rules.NoRecipient:
            to = []
        mine = await service.signature(session, who.user_id)
    return web.json_response({
        "to": to, "subject": f"Re: {thread[-1].subject}" if thread else ticket.title,
        "mailbox": mailbox.address,
        "signature_html": render(mine, values, as_html=True),
        "queue_signature_html": rules.clean_html(
            render(mailbox.signature_html or "", values, as_html=True))})


# -- templates --------------------------------------------------------------------------

async def list_templates(request: web.Request) -> web.Response:
    who = _who(request)
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
        made = await service.create(request.app[DATABASE], fields, _now(request))
    except rules.ReplyError as exc:
        raise ReplyRefused(exc) from None
    return web.json_response(made, status=201)


async def replace_template(request: web.Request) -> web.Response:
    template_id, fields = _id(request), await _fields(request)
    try:
        changed = await service.replace(request.app[DATABASE], template_id, fields,
                                        _now(request))
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
    who = _who(request)
    number = request.query.get("ticket")
    if not number:
        raise InvalidParameter("ticket", "the ticket's number is required")
    ask = ReplyAsk(number=checked_text("ticket", number), author=_author(who),
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
    mailbox = await mailbox_for_queue(session, ticket.queue)
    if mailbox is None:
        raise rules.NoMailbox("queue", f"queue {ticket.queue!r} has no active mailbox")
    return await replying.values_for(session, ticket, mailbox, ask, timezone)


# -- signatures -------------------------------------------------------------------------

async def my_signature(request: web.Request) -> web.Response:
    who = _who(request)
    html = await service.read_signature(request.app[DATABASE], who.user_id)
    return web.json_response({"html": html})


async def save_my_signature(request: web.Request) -> web.Response:
    who = _who(request)
    body = await bodies.json_object(request)
    html = bodies.text(body, "html", required=True, max_length=service.MAX_SIGNATURE) or ""
    unknown = unknown_placeholders(html)
    if unknown:
        raise ReplyRefused(rules.SignatureInvalid(
            "html", f"unknown placeholder {{{{ {unknown[0]} }}}}"))
    if who.user_id is None:
        raise Unauthorized()
    saved = await service.save_signature(request.app[DATABASE], who.user_id, html,
                                         _now(request))
    return web.json_response({"html": saved})


# -- the sender -------------------------------------------------------------------------

def sender_policy(mail: MailConfig) -> SenderPolicy:
    return SenderPolicy(every_seconds=mail.send_every_seconds, batch=mail.send_batch,
                        per_mailbox=mail.send_per_mailbox,
                        lease_seconds=mail.claim_seconds,
                        timeout_seconds=mail.smtp_timeout_seconds, cafile=mail.smtp_cafile,
                        retry=RetryPolicy(mail.max_attempts, mail.retry_base_seconds,
                                          mail.retry_max_seconds))


def setup(app: web.Application) -> None:
    """The sender lives with the engine (an API-only app leaves the outbox to it)."""
    mail = config_of(app).mail
    if app.get(ENGINE) is None or not mail.sender_enabled:
        return
    sender = MailSender(app[DATABASE], sender_policy(mail))
    app[SENDER] = sender
    app.cleanup_ctx.append(lambda _app: _running(sender))


async def _running(sender: MailSender) -> AsyncIterator[None]:
    task = asyncio.create_task(sender.run(), name="mail-sender")
    yield
    await cancel_and_wait([task])


_NUMBER = path_param("number", "ticket number, e.g. TK-2026-000001")
_ID = path_param("id", "the reply template's id", {"type": "integer"})
TEMPLATES = "/api/v1/reply-templates"

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/api/v1/tickets/{number}/replies", send_reply, EDITORS,
             "Reply to the ticket's customer by e-mail, from its queue's mailbox "
             "(multipart/form-data: to, cc (comma-separated; to defaults to the last "
             "sender or the customer), subject, html (cleaned), template_id, after_status "
             "(a status, 'keep', or empty: waiting_for_customer), files (each and all "
             "bounded: 413 attachment-too-large / attachments-too-large)); the agent's and "
             "the queue's signatures are appended; queued for the sender (201; 409 "
             "no-mailbox)", parameters=[_NUMBER], result="ReplySent"),
    Endpoint("GET", "/api/v1/tickets/{number}/reply-draft", reply_draft, EDITORS,
             "What a reply to the ticket starts from: the default recipient and subject, "
             "the agent's and the queue's signatures (rendered), the mailbox (409 "
             "no-mailbox)", parameters=[_NUMBER], result="ReplyDraft"),
    Endpoint("GET", "/api/v1/tickets/{number}/mail", list_sent, READERS,
             "The ticket's e-mails, oldest first, each outgoing one with its delivery "
             "state (queued, sent, failed)", parameters=[_NUMBER], result="TicketMailList"),
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
