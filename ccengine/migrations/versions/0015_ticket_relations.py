"""Ties between tickets: merges (the merged ticket's pointer) and links.

Two new tables, no change to ``tickets`` (a new foreign key column there would
rebuild the table on SQLite, which the calls' foreign keys refuse).

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0012"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "ticket_merges",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("into_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(200), nullable=True),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name="fk_ticket_merges_ticket_id_tickets"),
        sa.ForeignKeyConstraint(["into_id"], ["tickets.id"],
                                name="fk_ticket_merges_into_id_tickets"),
        sa.PrimaryKeyConstraint("ticket_id", name="pk_ticket_merges"),
    )
    op.create_index("ix_ticket_merges_into_id", "ticket_merges", ["into_id"])
    op.create_table(
        "ticket_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("low_id", sa.Integer(), nullable=False),
        sa.Column("high_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("author", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["low_id"], ["tickets.id"],
                                name="fk_ticket_links_low_id_tickets"),
        sa.ForeignKeyConstraint(["high_id"], ["tickets.id"],
                                name="fk_ticket_links_high_id_tickets"),
        sa.CheckConstraint("low_id < high_id", name="ck_ticket_links_ordered"),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_links"),
        sa.UniqueConstraint("low_id", "high_id", name="uq_ticket_links_low_id_high_id"),
    )
    op.create_index("ix_ticket_links_high_id", "ticket_links", ["high_id"])


def downgrade() -> None:
    op.drop_index("ix_ticket_links_high_id", table_name="ticket_links")
    op.drop_table("ticket_links")
    op.drop_index("ix_ticket_merges_into_id", table_name="ticket_merges")
    op.drop_table("ticket_merges")
