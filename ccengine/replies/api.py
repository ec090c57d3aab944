"""Replies over HTTP: an agent's e-mail reply from a ticket (multipart form), what
the composer starts from, the ticket's mail with its delivery state; and the sender
worker's place in the app. Templates and signatures: ``templates_api``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from sqlalchemy import select

from ccengine.cancelling import cancel_and_wait
from ccengine.config import MailConfig
from ccengine.mail.delivery import RetryPolicy
from ccengine.mail.outbox import mailbox_for_ticket
from ccengine.mail.sender import MailSender, SenderPolicy
from ccengine.mail.storage_models import MailMessage, OutgoingMail
from ccengine.mail.templates import render
from ccengine.replies import replying, rules, service
from ccengine.replies.http import (
    EDITORS,
    READERS,
    SENDER,
    ReplyRefused,
    author_of,
    now_of,
    who_of,
)
from ccengine.replies.model import ReplyAsk
from ccengine.replies.schemas import SCHEMAS
from ccengine.replies.uploads import read_form
from ccengine.tickets.enums import TicketStatus
from ccengine.tickets.filters import viewer_of
from ccengine.tickets.service import find_ticket
from ccengine.web import body as bodies
from ccengine.web.endpoints import Endpoint, path_param
from ccengine.web.keys import ENGINE, config_of, sla_provider_of
from ccengine.web.params import DATABASE, MAX_SQL_INT, checked_text

__all__ = ["ENDPOINTS", "SCHEMAS", "setup"]

# -- replies ----------------------------------------------------------------------------

async def send_reply(request: web.Request) -> web.Response:
    who = who_of(request)
    number = checked_text("number", request.match_info["number"])
    mail = config_of(request.app).mail
    form = await read_form(request, mail.reply_max_attachment_bytes,
                          mail.reply_max_attachments_bytes)
    fields = form.fields
    after, keep = _after_status(fields.get("after_status"))
    ask = ReplyAsk(number=number, author=author_of(who), html=fields.get("html", ""),
                   to=_list(fields.get("to")) or None, cc=_list(fields.get("cc")),
                   subject=fields.get("subject") or None,
                   template_id=_template_id(fields.get("template_id")),
                   after_status=after, keep_status=keep, attachments=tuple(form.files),
                   viewer=viewer_of(who))
    try:
        sent = await replying.send_reply(request.app[DATABASE], ask,
                                         config_of(request.app).tickets,
                                         sla_provider_of(request.app), now_of(request))
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
    who = who_of(request)
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
    who = who_of(request)
    ask = ReplyAsk(number=checked_text("number", request.match_info["number"]),
                   author=author_of(who), viewer=viewer_of(who))
    async with request.app[DATABASE].sessions() as session:
        ticket = await find_ticket(session, ask.number, ask.viewer)
        mailbox = await mailbox_for_ticket(session, ticket.id, ticket.queue)
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


# -- the sender -------------------------------------------------------------------------

def sender_policy(mail: MailConfig) -> SenderPolicy:
    return SenderPolicy(every_seconds=mail.send_every_seconds, batch=mail.send_batch,
                        per_mailbox=mail.send_per_mailbox,
                        lease_seconds=mail.send_claim_seconds,
                        timeout_seconds=mail.smtp_timeout_seconds, cafile=mail.smtp_cafile,
                        retry=RetryPolicy(mail.send_max_attempts, mail.send_retry_base_seconds,
                                          mail.send_retry_max_seconds))


def setup(app: web.Application) -> None:
    """The sender lives with the engine (an API-only app leaves the outbox to it)."""
    mail = config_of(app).mail
    if app.get(ENGINE) is None or not mail.send:
        return
    sender = MailSender(app[DATABASE], sender_policy(mail))
    app[SENDER] = sender
    app.cleanup_ctx.append(lambda _app: _running(sender))


async def _running(sender: MailSender) -> AsyncIterator[None]:
    task = asyncio.create_task(sender.run(), name="mail-sender")
    yield
    await cancel_and_wait([task])


_NUMBER = path_param("number", "ticket number, e.g. TK-2026-000001")

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
)
