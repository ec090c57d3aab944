"""ORM models of the e-mail channel.

A ``Mailbox`` is a queue's address: IMAP to receive, SMTP to send, and the routing
and acknowledgement settings of the seeds. Every message on a ticket's thread, in or
out, is a ``MailMessage`` beside its ``TicketActivity``; its files are
``MailAttachment`` rows. Outgoing mail is written to ``OutgoingMail`` in the same
transaction as the ticket change that caused it (a durable outbox): a sender worker
delivers it later, so a restart or an SMTP outage loses nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ccengine.tickets.models import Base, UtcDateTime

ADDRESS = 320  # RFC 5321: 64 + @ + 255
MESSAGE_ID = 500  # RFC 5322 sets no bound; real ones stay far under this


class Mailbox(Base):
    __tablename__ = "mailboxes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    queue: Mapped[str] = mapped_column(String(100), index=True)  # where its mail lands
    address: Mapped[str] = mapped_column(String(ADDRESS))  # From: of what it sends
    display_name: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    # Receiving. security: "tls" (implicit, 993), "starttls" or "none" (tests, localhost).
    imap_host: Mapped[str | None] = mapped_column(String(255))
    imap_port: Mapped[int | None] = mapped_column(Integer)
    imap_security: Mapped[str] = mapped_column(String(16), default="tls")
    imap_user: Mapped[str | None] = mapped_column(String(ADDRESS))
    imap_password: Mapped[str | None] = mapped_column(String(500))
    imap_folder: Mapped[str] = mapped_column(String(200), default="INBOX")
    # Where a message goes once its ticket is committed; None: it is flagged \Seen.
    imap_done_folder: Mapped[str | None] = mapped_column(String(200))
    # Sending. security: "tls" (implicit, 465), "starttls" (587) or "none".
    smtp_host: Mapped[str | None] = mapped_column(String(255))
    smtp_port: Mapped[int | None] = mapped_column(Integer)
    smtp_security: Mapped[str] = mapped_column(String(16), default="starttls")
    smtp_user: Mapped[str | None] = mapped_column(String(ADDRESS))
    smtp_password: Mapped[str | None] = mapped_column(String(500))
    # Routing (the seeds' "filtr" and "kolejka domyślna"): [{"field": "sender" | "subject"
    # | "body", "contains": str, "queue": str}], first match wins; else ``queue``.
    filters: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list,
                                                          server_default="[]")
    # The seeds' "przedział czasu": one sender's messages within it join one ticket (0: off).
    group_window_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Issue 6's masking of PESEL and card numbers, for e-mail bodies (off by default).
    mask_personal_data: Mapped[bool] = mapped_column(default=False, server_default="0")
    # The acknowledgement a new ticket's customer gets (placeholders: see mail.templates).
    ack_enabled: Mapped[bool] = mapped_column(default=True, server_default="1")
    ack_subject: Mapped[str | None] = mapped_column(String(300))
    ack_body: Mapped[str | None] = mapped_column(Text)
    signature_html: Mapped[str | None] = mapped_column(Text)  # the queue's "stopka"
    # The receiver's health, shown in the page and the health check.
    last_ok_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_error_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class MailMessage(Base):
    """One e-mail on a ticket's thread. ``message_id`` is unique: the same message
    fetched twice (a restart between commit and the IMAP flag) is found, not doubled."""

    __tablename__ = "mail_messages"
    __table_args__ = (Index("ix_mail_messages_from_address_received_at",
                            "from_address", "received_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_activities.id"),
                                                    index=True)
    mailbox_id: Mapped[int | None] = mapped_column(ForeignKey("mailboxes.id"), index=True)
    direction: Mapped[str] = mapped_column(String(8))  # "in" | "out"
    message_id: Mapped[str] = mapped_column(String(MESSAGE_ID), unique=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(MESSAGE_ID))
    references: Mapped[list[str]] = mapped_column(JSON, default=list)
    from_address: Mapped[str | None] = mapped_column(String(ADDRESS))
    from_name: Mapped[str | None] = mapped_column(String(200))
    to: Mapped[list[str]] = mapped_column(JSON, default=list)
    cc: Mapped[list[str]] = mapped_column(JSON, default=list)
    subject: Mapped[str] = mapped_column(String(998))
    body_text: Mapped[str] = mapped_column(Text)  # masked where the mailbox says so
    body_html: Mapped[str | None] = mapped_column(Text)  # sanitized; never raw
    quoted_text: Mapped[str | None] = mapped_column(Text)  # the folded quoted history
    note: Mapped[str | None] = mapped_column(String(500))  # e.g. "broken MIME kept raw"
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class MailAttachment(Base):
    """A file of a message (in or out). Kept in the database: written in the ticket's
    transaction, so a message and its files are stored or not at all."""

    __tablename__ = "mail_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    mail_message_id: Mapped[int | None] = mapped_column(ForeignKey("mail_messages.id"),
                                                        index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(200))  # sniffed, not the sender's word
    content_id: Mapped[str | None] = mapped_column(String(MESSAGE_ID))  # inline images
    inline: Mapped[bool] = mapped_column(default=False)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OutgoingMail(Base):
    """A message waiting to leave (or gone): the whole RFC 5322 message is built when
    it is queued, so its Message-ID is on the thread at once and a retry sends the
    same bytes. ``kind``: reply, acknowledgement, form_acknowledgement, csat, alert."""

    __tablename__ = "outgoing_mail"
    __table_args__ = (Index("ix_outgoing_mail_status_next_attempt_at",
                            "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailboxes.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    mail_message_id: Mapped[int | None] = mapped_column(ForeignKey("mail_messages.id"))
    kind: Mapped[str] = mapped_column(String(32))
    message_id: Mapped[str] = mapped_column(String(MESSAGE_ID), unique=True)
    sender: Mapped[str] = mapped_column(String(ADDRESS))  # the envelope's MAIL FROM
    recipients: Mapped[list[str]] = mapped_column(JSON)  # RCPT TO: To, Cc and Bcc
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
