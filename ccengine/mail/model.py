"""What a received e-mail is once parsed (``mail.parsing``), for everyone who stores,
threads or routes it; pure values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

__all__ = ["Automatic", "ParsedAttachment", "ParsedMail"]


class Automatic(StrEnum):
    """Why a message is machine-made: it never opens a ticket and is never answered."""

    AUTO_REPLY = "auto_reply"  # Auto-Submitted, X-Autoreply, an out-of-office
    BULK = "bulk"  # Precedence: bulk | list | junk, List-Id
    BOUNCE = "bounce"  # a DSN (multipart/report), MAILER-DAEMON


@dataclass(frozen=True, slots=True)
class ParsedAttachment:
    filename: str
    content_type: str  # sniffed from the bytes, not the sender's word
    data: bytes
    content_id: str | None = None  # "<...>" of an inline image, referenced as cid:
    inline: bool = False


@dataclass(frozen=True, slots=True)
class ParsedMail:
    message_id: str  # "<...>"; a stable one made from the bytes when the sender gave none
    subject: str
    from_address: str | None  # lower case
    from_name: str | None
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    sent_at: datetime | None = None
    text: str = ""  # the new text, quoted history folded off
    html: str | None = None  # sanitized (nh3); never the sender's raw HTML
    quoted_text: str | None = None  # the folded history, shown collapsed
    attachments: tuple[ParsedAttachment, ...] = ()
    automatic: Automatic | None = None
    notes: tuple[str, ...] = field(default=())  # e.g. broken MIME kept as raw.eml
