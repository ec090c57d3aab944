"""Dispositions: the reason codes admins define and the ones agents chose at wrap-up.

Two new tables, nothing changed in existing ones (a queue's ``call_tickets`` policy
lives in the route graphs' documents, whose old versions default to "new").

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0019"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "dispositions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("label_pl", sa.String(100), nullable=False),
        sa.Column("label_en", sa.String(100), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("queue", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_dispositions"),
        sa.UniqueConstraint("code", name="uq_dispositions_code"),
    )
    op.create_table(
        "call_dispositions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("disposition_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("queue", sa.String(100), nullable=True),
        sa.Column("linkedid", sa.String(100), nullable=True),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("chosen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name="fk_call_dispositions_ticket_id_tickets"),
        sa.ForeignKeyConstraint(["disposition_id"], ["dispositions.id"],
                                name="fk_call_dispositions_disposition_id_dispositions"),
        sa.PrimaryKeyConstraint("id", name="pk_call_dispositions"),
    )
    op.create_index("ix_call_dispositions_ticket_id", "call_dispositions", ["ticket_id"])
    op.create_index("ix_call_dispositions_chosen_at", "call_dispositions", ["chosen_at"])


def downgrade() -> None:
    op.drop_index("ix_call_dispositions_chosen_at", table_name="call_dispositions")
    op.drop_index("ix_call_dispositions_ticket_id", table_name="call_dispositions")
    op.drop_table("call_dispositions")
    op.drop_table("dispositions")
