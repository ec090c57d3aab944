"""CSAT: the surveys (e-mail and IVR) with their answers, and the generated key that
signs the survey links. Two new tables, nothing changed in existing ones.

Revision ID: 0026
Revises: 0020
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0023"
branch_labels: str | None = None
depends_on: str | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "csat_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("queue", sa.String(100), nullable=True),
        sa.Column("agent", sa.String(200), nullable=True),
        sa.Column("linkedid", sa.String(100), nullable=True),
        sa.Column("outgoing_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("expires_at", _WHEN, nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_at", _WHEN, nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name="fk_csat_surveys_ticket_id_tickets"),
        sa.ForeignKeyConstraint(["outgoing_id"], ["outgoing_mail.id"],
                                name="fk_csat_surveys_outgoing_id_outgoing_mail"),
        sa.PrimaryKeyConstraint("id", name="pk_csat_surveys"),
        sa.UniqueConstraint("public_id", name="uq_csat_surveys_public_id"),
    )
    op.create_index("ix_csat_surveys_answered_at", "csat_surveys", ["answered_at"])
    op.create_index("ix_csat_surveys_ticket_id_created_at", "csat_surveys",
                    ["ticket_id", "created_at"])
    op.create_index("ix_csat_surveys_linkedid", "csat_surveys", ["linkedid"])
    op.create_table(
        "csat_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_csat_keys"),
    )


def downgrade() -> None:
    op.drop_table("csat_keys")
    op.drop_table("csat_surveys")
