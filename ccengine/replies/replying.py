"""Sending a reply from a ticket, in one transaction: the outbox row, the thread's
``MailMessage`` with its attachments, the EMAIL_OUT activity, the first response
(``agent_reply``) and the status after it. The sender worker delivers it later."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime
from email.utils import getaddresses

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.config import TicketsConfig
from ccengine.customers.storage_models import CustomerEmail
from ccengine.db import Database
from ccengine.mail.composing import Outgoing, compose
from ccengine.mail.outbox import enqueue, mailbox_for_ticket, message_domain
from ccengine.mail.storage_models import MailAttachment, Mailbox, MailMessage, OutgoingMail
from ccengine.mail.templates import render
from ccengine.replies import service
from ccengine.replies.model import ReplyAsk, ReplySent
from ccengine.replies.rules import (
    Context,
    InvalidAddress,
    NoMailbox,
    NoRecipient,
    clean_html,
    placeholder_values,
    text_of,
    with_signatures,
)
from ccengine.tickets.enums import ActivityKind, ResponseKind, TicketStatus, can_transition
from ccengine.tickets.errors import InvalidTransition
from ccengine.tickets.models import Customer, Ticket, TicketActivity
from ccengine.tickets.relations_reads import refuse_merged
from ccengine.tickets.service import find_ticket
from ccengine.tickets.sla_marks import mark_response, move_status
from ccengine.tickets.sla_sync import SlaProvider, sync_sla
from ccengine.transcribe.masking import mask_text

__all__ = ["default_to", "reply_in", "send_reply", "thread_of", "values_for"]

MAX_RECIPIENTS = 50
AUTOMATIC = {"Auto-Submitted": "auto-generated"}  # RFC 3834: no auto-reply answers it
AUTOMATIC_NOTE = "automatic message"  # how ingest marks a bounce or auto-reply it kept


async def send_reply(database: Database, ask: ReplyAsk, config: TicketsConfig,
                     sla: SlaProvider, now: datetime) -> ReplySent:
    async with database.writer() as session:
        sent = await reply_in(session, ask, config, sla, now)
        await session.commit()
    return sent


async def reply_in(session: AsyncSession, ask: ReplyAsk, config: TicketsConfig,
                   sla: SlaProvider, now: datetime) -> ReplySent:
    """The reply in the caller's transaction (automation sends from its own)."""
    ticket = await find_ticket(session, ask.number, ask.viewer)
    await refuse_merged(session, ticket)
    target = None if ask.automatic else status_after(ticket, ask)
    mailbox = await mailbox_for_ticket(session, ticket.id, ticket.queue)
    if mailbox is None:
        raise NoMailbox("queue", f"queue {ticket.queue!r} has no active mailbox")
    thread = await thread_of(session, ticket.id)
    values = await values_for(session, ticket, mailbox, ask, config.timezone)
    outgoing = await _outgoing(session, ticket, mailbox, thread, ask, values)
    # Attachments make composing (base64) slow: a thread does it, not the event loop.
    composed = await asyncio.to_thread(compose, outgoing, now=now,
                                       domain=message_domain(mailbox))
    row, message = enqueue(session, mailbox, outgoing, kind="reply", now=now,
                           ticket_id=ticket.id, message=composed)
    subject, text = str(message["Subject"]), outgoing.text
    if mailbox.mask_personal_data:  # the thread and timeline keep the masked text only
        subject, text = await asyncio.to_thread(_masked, subject, text)  # CPU work
    activity = TicketActivity(ticket=ticket, kind=ActivityKind.EMAIL_OUT, body=subject,
                              data={}, author=ask.author.name, created_at=now)
    session.add(activity)
    mail = _thread_entry(ticket, mailbox, outgoing, row, subject, text, now)
    session.add(mail)
    await session.flush()
    mail.activity_id, row.mail_message_id = activity.id, mail.id
    activity.data = {"mail_message_id": mail.id, "outgoing_id": row.id,
                     "to": list(outgoing.to), "cc": list(outgoing.cc)}
    session.add_all(_attachments(ticket, mail, outgoing, now))
    if not ask.automatic:
        _after(session, ticket, target, ask.author.name, config, now)
    await sync_sla(session, [ticket], sla, now)
    return ReplySent(activity.id, row.id, mail.id, row.message_id, subject,
                     outgoing.to, outgoing.cc, ticket.status)


async def thread_of(session: AsyncSession, ticket_id: int) -> list[MailMessage]:
    return list(await session.scalars(
        select(MailMessage).where(MailMessage.ticket_id == ticket_id)
        .order_by(MailMessage.received_at, MailMessage.id)))


async def values_for(session: AsyncSession, ticket: Ticket, mailbox: Mailbox,
                     ask: ReplyAsk, timezone: str) -> Mapping[str, str]:
    customer = None if ticket.customer_id is None else await session.get(
        Customer, ticket.customer_id)
    email = await _customer_email(session, ticket)
    due = ticket.first_response_due_at if ticket.first_response_at is None \
        else ticket.resolution_due_at
    return placeholder_values(Context(
        ticket.number, ticket.title, ticket.queue, due, customer.name if customer else None,
        email, ask.author.name, ask.author.email or mailbox.address,
        mailbox.display_name or mailbox.name), timezone)


async def _outgoing(session: AsyncSession, ticket: Ticket, mailbox: Mailbox,
                    thread: Sequence[MailMessage], ask: ReplyAsk,
                    values: Mapping[str, str]) -> Outgoing:
    body, subject = clean_html(ask.html), ask.subject
    if ask.template_id is not None:
        template = await service.template(session, ask.template_id)
        body = body or render(template.body_html, values, as_html=True)
        subject = subject or render(template.subject, values)
    last = thread[-1] if thread else None
    subject = (subject or "").strip() or (f"Re: {last.subject}" if last else ticket.title)
    agent_signature = render(await service.signature(session, ask.author.user_id), values,
                             as_html=True)
    queue_signature = render(mailbox.signature_html or "", values, as_html=True)
    html = with_signatures(body, agent_signature, clean_html(queue_signature))
    to = ask.to if ask.to else await default_to(session, ticket, thread)
    return Outgoing(
        from_address=mailbox.address, from_name=mailbox.display_name,
        to=_addresses("to", to), cc=_addresses("cc", ask.cc), subject=subject,
        text=text_of(html), html=html, ticket_number=ticket.number,
        in_reply_to=last.message_id if last else None,
        references=tuple(last.references or []) if last else (),
        attachments=ask.attachments, headers=AUTOMATIC if ask.automatic else {})


async def default_to(session: AsyncSession, ticket: Ticket,
                      thread: Sequence[MailMessage]) -> tuple[str, ...]:
    """Whoever wrote last, unless that was an automatic message (a bounce, an
    out-of-office) or someone not a participant (who threaded by a message id):
    then the customer, else whoever opened the thread."""
    inbound = [mail for mail in thread if mail.direction == "in" and mail.from_address
               and not (mail.note or "").startswith(AUTOMATIC_NOTE)]
    email = await _customer_email(session, ticket)
    if inbound:
        last = str(inbound[-1].from_address)
        if last.lower() in _participants(thread, inbound[0], email):
            return (last,)
    if email is not None:
        return (email,)
    if inbound:
        return (str(inbound[0].from_address),)
    raise NoRecipient("to", "the ticket has no customer e-mail: give 'to'")


def _participants(thread: Sequence[MailMessage], first: MailMessage,
                  email: str | None) -> set[str]:
    """The customer, who opened the thread, and whom the agents wrote to (to/cc)."""
    raw = [email or "", first.from_address or ""]
    for mail in thread:
        if mail.direction == "out":
            raw.extend(str(item) for item in [*(mail.to or []), *(mail.cc or [])])
    return {address.lower() for _name, address in getaddresses(raw) if address}


async def _customer_email(session: AsyncSession, ticket: Ticket) -> str | None:
    if ticket.customer_id is None:
        return None
    return await session.scalar(select(CustomerEmail.address).where(
        CustomerEmail.customer_id == ticket.customer_id).order_by(CustomerEmail.id).limit(1))


def _addresses(field: str, raw: Sequence[str]) -> tuple[str, ...]:
    """Each address checked: one "@", no line breaks, at most ``MAX_RECIPIENTS``."""
    if any("\r" in item or "\n" in item for item in raw):
        raise InvalidAddress(field, "no line breaks in addresses")
    found = [address for _name, address in getaddresses(list(raw))]
    if len(found) > MAX_RECIPIENTS:
        raise InvalidAddress(field, f"at most {MAX_RECIPIENTS} addresses")
    for address in found:
        local, at, domain = address.partition("@")
        if not (local and at and "." in domain) or any(c in address for c in "\r\n <>,"):
            raise InvalidAddress(field, f"not an e-mail address: {address[:100]!r}")
    return tuple(found)


def _masked(subject: str, text: str) -> tuple[str, str]:
    return mask_text(subject).text, mask_text(text).text


def _thread_entry(ticket: Ticket, mailbox: Mailbox, mail: Outgoing, row: OutgoingMail,
                  subject: str, text: str, now: datetime) -> MailMessage:
    # Where the mailbox masks personal data, ``subject`` and ``text`` come masked.
    masked = mailbox.mask_personal_data
    return MailMessage(ticket_id=ticket.id, mailbox_id=mailbox.id, direction="out",
                       message_id=row.message_id, in_reply_to=mail.in_reply_to,
                       references=[*mail.references, *([mail.in_reply_to]
                                                       if mail.in_reply_to else [])],
                       from_address=mail.from_address, from_name=mail.from_name,
                       to=list(mail.to), cc=list(mail.cc), subject=subject[:998],
                       body_text=text, body_html=None if masked else mail.html,
                       received_at=now)


def _attachments(ticket: Ticket, mail: MailMessage, outgoing: Outgoing,
                 now: datetime) -> list[MailAttachment]:
    return [MailAttachment(ticket_id=ticket.id, mail_message_id=mail.id,
                           filename=file.filename, content_type=file.content_type,
                           size=len(file.data), data=file.data, created_at=now)
            for file in outgoing.attachments]


def status_after(ticket: Ticket, ask: ReplyAsk) -> TicketStatus | None:
    """The status the reply moves the ticket to: the one asked (refused when the
    workflow forbids it), else waiting for the customer where allowed, else none."""
    current = TicketStatus(ticket.status)
    if ask.keep_status:
        return None
    if ask.after_status is not None:
        if ask.after_status != current and not can_transition(current, ask.after_status):
            raise InvalidTransition(ticket.number, current, ask.after_status)
        return ask.after_status if ask.after_status != current else None
    waiting = TicketStatus.WAITING_FOR_CUSTOMER
    return waiting if current != waiting and can_transition(current, waiting) else None


def _after(session: AsyncSession, ticket: Ticket, target: TicketStatus | None,
           author: str, config: TicketsConfig, now: datetime) -> None:
    """The first response, and the status after the reply (logged like any change)."""
    mark_response(ticket, ResponseKind.AGENT_REPLY, now, config.first_response)
    ticket.updated_at = now
    if target is None:
        return
    current = ticket.status
    move_status(ticket, target, now)
    session.add(TicketActivity(ticket=ticket, kind=ActivityKind.STATUS_CHANGE,
                               body=f"{current} → {target}",
                               data={"from": str(current), "to": str(target)},
                               author=author, created_at=now))
