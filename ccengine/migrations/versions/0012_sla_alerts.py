"""SLA alerts sent, users' notifications, and tickets' next alert moment.

``sla_alerts`` is unique per (ticket, clock, threshold): schedulers in several
processes insert-or-skip, so each alert goes out once. ``tickets.sla_next_alert_at``
(indexed) is the earliest threshold moment not alerted yet, so a scheduler's tick
is one range scan. The column is added in place (batch mode adds a plain column
on SQLite, no table rebuild: the calls' foreign keys refuse one).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as table:
        table.add_column(sa.Column("sla_next_alert_at", sa.DateTime(timezone=True),
                                   nullable=True))
    op.create_index("ix_tickets_sla_next_alert_at", "tickets", ["sla_next_alert_at"])
    op.create_table(
        "sla_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("clock", sa.String(32), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("due_moment", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE",
                                name="fk_sla_alerts_ticket_id_tickets"),
        sa.PrimaryKeyConstraint("id", name="pk_sla_alerts"),
        sa.UniqueConstraint("ticket_id", "clock", "threshold",
                            name="uq_sla_alerts_ticket_id_clock_threshold"),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("ticket_number", sa.String(64), nullable=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name="fk_notifications_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
    )
    op.create_index("ix_notifications_user_id_read_at_id", "notifications",
                    ["user_id", "read_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_notifications_user_id_read_at_id", table_name="notifications")
    op.drop_table("notifications")
    op.drop_table("sla_alerts")
    op.drop_index("ix_tickets_sla_next_alert_at", table_name="tickets")
    op.drop_column("tickets", "sla_next_alert_at")
