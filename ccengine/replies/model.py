"""The values of a reply: what an agent (or automation) asks to send."""

from __future__ import annotations

from dataclasses import dataclass

from ccengine.mail.composing import Attachment
from ccengine.tickets.enums import TicketStatus
from ccengine.tickets.filters import EVERYONE, Viewer


@dataclass(frozen=True, slots=True)
class Author:
    """Who sends: a user (their signature) or automation (``user_id`` None)."""

    name: str
    email: str
    user_id: int | None = None


@dataclass(frozen=True, slots=True)
class ReplyAsk:
    number: str
    author: Author
    html: str = ""
    to: tuple[str, ...] | None = None  # None: the last inbound sender or the customer
    cc: tuple[str, ...] = ()
    subject: str | None = None  # None: the template's, or "Re:" the thread's
    template_id: int | None = None
    after_status: TicketStatus | None = None  # None: waiting_for_customer where allowed
    keep_status: bool = False
    attachments: tuple[Attachment, ...] = ()
    viewer: Viewer = EVERYONE
    automatic: bool = False  # automation's: auto-generated, no status or first response


@dataclass(frozen=True, slots=True)
class ReplySent:
    activity_id: int
    outgoing_id: int
    mail_message_id: int
    message_id: str
    subject: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    status: str  # the ticket's, after the reply
