"""Web forms: the forms admins define (fields, target queue, allowed origins, thank-you
URL) and the count of honeypot posts. One new table, nothing changed in existing ones.

Revision ID: 0023
Revises: 0020
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0020"
branch_labels: str | None = None
depends_on: str | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "web_forms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(60), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("queue", sa.String(100), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("allowed_origins", sa.JSON(), nullable=False),
        sa.Column("thank_you_url", sa.String(2000), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("spam_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_web_forms"),
        sa.UniqueConstraint("key", name="uq_web_forms_key"),
    )


def downgrade() -> None:
    op.drop_table("web_forms")
