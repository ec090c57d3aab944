"""Agent console: tickets opened while a call rings, callback attempts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "live_call_tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pbx", sa.String(100), nullable=False),
        sa.Column("linkedid", sa.String(100), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("created", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name="fk_live_call_tickets_ticket_id_tickets"),
        sa.PrimaryKeyConstraint("id", name="pk_live_call_tickets"),
        sa.UniqueConstraint("pbx", "linkedid", name="uq_live_call_tickets_pbx_linkedid"),
    )
    op.create_index("ix_live_call_tickets_ticket_id", "live_call_tickets", ["ticket_id"])
    op.create_table(
        "callback_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("agent", sa.String(200), nullable=False),
        sa.Column("interface", sa.String(100), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("action_id", sa.String(100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agent_answered", sa.Boolean(), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name="fk_callback_attempts_ticket_id_tickets"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL",
                                name="fk_callback_attempts_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_callback_attempts"),
        sa.UniqueConstraint("action_id", name="uq_callback_attempts_action_id"),
    )
    op.create_index("ix_callback_attempts_ticket_id", "callback_attempts", ["ticket_id"])


def downgrade() -> None:
    op.drop_index("ix_callback_attempts_ticket_id", table_name="callback_attempts")
    op.drop_table("callback_attempts")
    op.drop_index("ix_live_call_tickets_ticket_id", table_name="live_call_tickets")
    op.drop_table("live_call_tickets")
