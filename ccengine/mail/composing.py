"""Building the e-mails a ticket sends; pure.

Every message carries the ticket number in its subject (``[TK-2026-000123]``) and,
when it answers one, ``In-Reply-To`` and ``References``: the customer's client
threads it, and the customer's answer finds its ticket by either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid

__all__ = ["Attachment", "Outgoing", "compose", "ticket_subject"]

# RFC 5322 caps a References header in practice; long threads keep the first and
# the newest ids (the root and the last answers are what clients thread by).
MAX_REFERENCES = 20


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str  # "type/subtype"
    data: bytes


@dataclass(frozen=True, slots=True)
class Outgoing:
    """What a ticket's e-mail says; ``compose`` makes the RFC 5322 message of it."""

    from_address: str
    from_name: str | None
    to: tuple[str, ...]
    subject: str
    text: str
    ticket_number: str
    html: str | None = None  # sanitized already, when given
    cc: tuple[str, ...] = ()
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)  # e.g. Auto-Submitted


def ticket_subject(subject: str, ticket_number: str) -> str:
    """The subject with the ticket's tag, once: "Re: [TK-…] x" stays as it is."""
    tag = f"[{ticket_number}]"
    return subject if tag in subject else f"{tag} {subject}".strip()


def compose(mail: Outgoing, *, now: datetime, domain: str) -> EmailMessage:
    """The message, with a new Message-ID on ``domain``."""
    message = EmailMessage(policy=SMTP)
    message["Message-ID"] = make_msgid(domain=domain)
    message["Date"] = format_datetime(now)
    message["From"] = formataddr((_one_line(mail.from_name or ""), mail.from_address))
    message["To"] = ", ".join(mail.to)
    if mail.cc:
        message["Cc"] = ", ".join(mail.cc)
    message["Subject"] = _one_line(ticket_subject(mail.subject, mail.ticket_number))
    if mail.in_reply_to:
        message["In-Reply-To"] = mail.in_reply_to
        message["References"] = " ".join(_references(mail.references, mail.in_reply_to))
    for name, value in mail.headers.items():
        message[name] = _one_line(value)
    message.set_content(mail.text)
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html")
    for attachment in mail.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(attachment.data, maintype=maintype or "application",
                               subtype=subtype or "octet-stream",
                               filename=attachment.filename)
    return message


def _references(earlier: tuple[str, ...], parent: str) -> list[str]:
    ids = [ref for ref in earlier if ref != parent] + [parent]
    if len(ids) > MAX_REFERENCES:
        ids = ids[:1] + ids[-(MAX_REFERENCES - 1):]
    return ids


def _one_line(value: str) -> str:
    # A header value from a user or a template never carries a line break: no
    # header injection through a subject, and none of the separators the email
    # policy refuses (every one str.splitlines() breaks at: \x0b, \x85, \u2028, …).
    return " ".join(value.splitlines())
