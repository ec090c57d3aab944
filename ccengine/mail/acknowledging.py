"""The acknowledgement a customer gets when a ticket is opened for them (by e-mail or
a form): the ticket number, from the mailbox the mail came to (a form: the queue's),
queued in the caller's transaction. Never for a machine-made message (no loops with
auto-replies)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.mail.composing import Outgoing
from ccengine.mail.outbox import enqueue, mailbox_for_queue
from ccengine.mail.storage_models import Mailbox, OutgoingMail
from ccengine.mail.templates import render
from ccengine.tickets.models import Ticket

__all__ = ["DEFAULT_BODY", "DEFAULT_SUBJECT", "acknowledge"]

DEFAULT_SUBJECT = "Przyjęliśmy Twoje zgłoszenie {{ ticket.number }}"
DEFAULT_BODY = (
    "Dzień dobry,\n\n"
    "dziękujemy za wiadomość. Nadaliśmy jej numer {{ ticket.number }}; prosimy podawać go"
    " w dalszej korespondencji (wystarczy odpowiedzieć na tę wiadomość).\n\n"
    "{{ mailbox.name }}")
# RFC 3834: an automatic answer says so, and clients and servers don't answer it back.
AUTOMATIC_HEADERS = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}


async def acknowledge(session: AsyncSession, ticket: Ticket, *, to: str,
                      customer_name: str | None, now: datetime,
                      in_reply_to: str | None = None, kind: str = "acknowledgement",
                      mailbox: Mailbox | None = None) -> OutgoingMail | None:
    """Queue the acknowledgement from ``mailbox`` (the one the mail came to; the
    ticket's queue's when not given), or None where there is no active mailbox or
    its acknowledgements are turned off."""
    if mailbox is None:
        mailbox = await mailbox_for_queue(session, ticket.queue)
    if mailbox is None or not mailbox.ack_enabled:
        return None
    values = _values(ticket, mailbox.display_name or mailbox.name, mailbox.address,
                     customer_name, to)
    mail = Outgoing(
        from_address=mailbox.address, from_name=mailbox.display_name, to=(to,),
        subject=render(mailbox.ack_subject or DEFAULT_SUBJECT, values),
        text=render(mailbox.ack_body or DEFAULT_BODY, values), ticket_number=ticket.number,
        in_reply_to=in_reply_to, headers=AUTOMATIC_HEADERS)
    row, _message = enqueue(session, mailbox, mail, kind=kind, now=now, ticket_id=ticket.id)
    return row


def _values(ticket: Ticket, mailbox_name: str, mailbox_address: str,
            customer_name: str | None, to: str) -> Mapping[str, str]:
    return {"ticket.number": ticket.number, "ticket.title": ticket.title,
            "ticket.queue": ticket.queue or "", "ticket.sla_due": "",
            "customer.name": customer_name or "",
            "customer.email": to, "agent.name": "", "agent.email": mailbox_address,
            "mailbox.name": mailbox_name}
