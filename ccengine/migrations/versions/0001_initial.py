"""Customers, calls, tickets, ticket activities and ticket counters.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

PHONE = 32


def _timestamp(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    _create_customers()
    _create_tickets()
    _create_calls()
    _create_ticket_activities()
    op.create_table(
        "ticket_counters",
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name="pk_ticket_counters"),
    )


def _create_customers() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone_e164", sa.String(PHONE), nullable=True),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("vip", sa.Boolean(), nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_customers"),
        sa.UniqueConstraint("phone_e164", name="uq_customers_phone_e164"),
    )


def _create_tickets() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("priority", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("queue", sa.String(100), nullable=True),
        sa.Column("assignee", sa.String(200), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("source_channel", sa.String(16), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        _timestamp("closed_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_tickets_customer_id_customers"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_tickets"),
        sa.UniqueConstraint("number", name="uq_tickets_number"),
    )
    op.create_index("ix_tickets_status", "tickets", ["status"])
    op.create_index("ix_tickets_queue", "tickets", ["queue"])
    op.create_index("ix_tickets_customer_id", "tickets", ["customer_id"])


def _create_calls() -> None:
    op.create_table(
        "calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pbx", sa.String(100), nullable=False),
        sa.Column("linkedid", sa.String(100), nullable=False),
        sa.Column("caller_number", sa.String(PHONE), nullable=True),
        sa.Column("caller_name", sa.String(200), nullable=True),
        sa.Column("did", sa.String(PHONE), nullable=True),
        sa.Column("queue", sa.String(100), nullable=True),
        sa.Column("queue_priority", sa.Integer(), nullable=True),
        sa.Column("agent_name", sa.String(200), nullable=True),
        sa.Column("agent_interface", sa.String(200), nullable=True),
        sa.Column("external_number", sa.String(PHONE), nullable=True),
        sa.Column("ivr_digits", sa.String(100), nullable=False),
        _timestamp("started_at"),
        _timestamp("answered_at", nullable=True),
        _timestamp("ended_at"),
        sa.Column("hold_seconds", sa.Integer(), nullable=True),
        sa.Column("talk_seconds", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("recording_file", sa.String(500), nullable=True),
        sa.Column("timeline", sa.JSON(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_calls_customer_id_customers"
        ),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name="fk_calls_ticket_id_tickets"),
        sa.PrimaryKeyConstraint("id", name="pk_calls"),
        sa.UniqueConstraint("pbx", "linkedid", name="uq_calls_pbx_linkedid"),
    )
    op.create_index("ix_calls_started_at", "calls", ["started_at"])


def _create_ticket_activities() -> None:
    op.create_table(
        "ticket_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("author", sa.String(200), nullable=True),
        _timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name="fk_ticket_activities_ticket_id_tickets"
        ),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name="fk_ticket_activities_call_id_calls"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_activities"),
    )
    op.create_index("ix_ticket_activities_ticket_id", "ticket_activities", ["ticket_id"])


def downgrade() -> None:
    for table in ("ticket_activities", "calls", "tickets", "ticket_counters", "customers"):
        op.drop_table(table)
