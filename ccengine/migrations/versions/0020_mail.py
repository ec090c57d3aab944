"""E-mail: mailboxes, the messages on tickets' threads, their attachments and the
outgoing-mail outbox. Four new tables, nothing changed in existing ones.

Revision ID: 0020
Revises: 0017
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0017"
branch_labels: str | None = None
depends_on: str | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    _mailboxes()
    _messages()
    _attachments()
    _outgoing()


def _mailboxes() -> None:
    op.create_table(
        "mailboxes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("queue", sa.String(100), nullable=False),
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("imap_host", sa.String(255), nullable=True),
        sa.Column("imap_port", sa.Integer(), nullable=True),
        sa.Column("imap_security", sa.String(16), nullable=False),
        sa.Column("imap_user", sa.String(320), nullable=True),
        sa.Column("imap_password", sa.String(500), nullable=True),
        sa.Column("imap_folder", sa.String(200), nullable=False),
        sa.Column("imap_done_folder", sa.String(200), nullable=True),
        sa.Column("smtp_host", sa.String(255), nullable=True),
        sa.Column("smtp_port", sa.Integer(), nullable=True),
        sa.Column("smtp_security", sa.String(16), nullable=False),
        sa.Column("smtp_user", sa.String(320), nullable=True),
        sa.Column("smtp_password", sa.String(500), nullable=True),
        sa.Column("filters", sa.JSON(), server_default="[]", nullable=False),
        sa.Column("group_window_minutes", sa.Integer(), server_default="0", nullable=False),
        sa.Column("mask_personal_data", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("ack_enabled", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("ack_subject", sa.String(300), nullable=True),
        sa.Column("ack_body", sa.Text(), nullable=True),
        sa.Column("signature_html", sa.Text(), nullable=True),
        sa.Column("last_ok_at", _WHEN, nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("last_error_at", _WHEN, nullable=True),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", _WHEN, nullable=True),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mailboxes"),
        sa.UniqueConstraint("name", name="uq_mailboxes_name"),
    )
    op.create_index("ix_mailboxes_queue", "mailboxes", ["queue"])


def _messages() -> None:
    op.create_table(
        "mail_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("mailbox_id", sa.Integer(), nullable=True),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("message_id", sa.String(500), nullable=False),
        sa.Column("in_reply_to", sa.String(500), nullable=True),
        sa.Column("references", sa.JSON(), nullable=False),
        sa.Column("from_address", sa.String(320), nullable=True),
        sa.Column("from_name", sa.String(200), nullable=True),
        sa.Column("to", sa.JSON(), nullable=False),
        sa.Column("cc", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(998), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("quoted_text", sa.Text(), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("received_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name="fk_mail_messages_ticket_id_tickets"),
        sa.ForeignKeyConstraint(["activity_id"], ["ticket_activities.id"],
                                name="fk_mail_messages_activity_id_ticket_activities"),
        sa.ForeignKeyConstraint(["mailbox_id"], ["mailboxes.id"],
                                name="fk_mail_messages_mailbox_id_mailboxes"),
        sa.PrimaryKeyConstraint("id", name="pk_mail_messages"),
        sa.UniqueConstraint("message_id", name="uq_mail_messages_message_id"),
    )
    op.create_index("ix_mail_messages_ticket_id", "mail_messages", ["ticket_id"])
    op.create_index("ix_mail_messages_activity_id", "mail_messages", ["activity_id"])
    op.create_index("ix_mail_messages_mailbox_id", "mail_messages", ["mailbox_id"])
    op.create_index("ix_mail_messages_received_at", "mail_messages", ["received_at"])
    op.create_index("ix_mail_messages_from_address_received_at", "mail_messages",
                    ["from_address", "received_at"])


def _attachments() -> None:
    op.create_table(
        "mail_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("mail_message_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(200), nullable=False),
        sa.Column("content_id", sa.String(500), nullable=True),
        sa.Column("inline", sa.Boolean(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name="fk_mail_attachments_ticket_id_tickets"),
        sa.ForeignKeyConstraint(["mail_message_id"], ["mail_messages.id"],
                                name="fk_mail_attachments_mail_message_id_mail_messages"),
        sa.PrimaryKeyConstraint("id", name="pk_mail_attachments"),
    )
    op.create_index("ix_mail_attachments_ticket_id", "mail_attachments", ["ticket_id"])
    op.create_index("ix_mail_attachments_mail_message_id", "mail_attachments",
                    ["mail_message_id"])


def _outgoing() -> None:
    op.create_table(
        "outgoing_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mailbox_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("mail_message_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("message_id", sa.String(500), nullable=False),
        sa.Column("sender", sa.String(320), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _WHEN, nullable=False),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("sent_at", _WHEN, nullable=True),
        sa.ForeignKeyConstraint(["mailbox_id"], ["mailboxes.id"],
                                name="fk_outgoing_mail_mailbox_id_mailboxes"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name="fk_outgoing_mail_ticket_id_tickets"),
        sa.ForeignKeyConstraint(["mail_message_id"], ["mail_messages.id"],
                                name="fk_outgoing_mail_mail_message_id_mail_messages"),
        sa.PrimaryKeyConstraint("id", name="pk_outgoing_mail"),
        sa.UniqueConstraint("message_id", name="uq_outgoing_mail_message_id"),
    )
    op.create_index("ix_outgoing_mail_mailbox_id", "outgoing_mail", ["mailbox_id"])
    op.create_index("ix_outgoing_mail_ticket_id", "outgoing_mail", ["ticket_id"])
    op.create_index("ix_outgoing_mail_status_next_attempt_at", "outgoing_mail",
                    ["status", "next_attempt_at"])


def downgrade() -> None:
    for table in ("outgoing_mail", "mail_attachments", "mail_messages", "mailboxes"):
        op.drop_table(table)
