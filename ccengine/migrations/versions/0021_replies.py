"""Replies: admins' reply templates and agents' signatures. Two new tables.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0024"
branch_labels: str | None = None
depends_on: str | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reply_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("queue", sa.String(100), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reply_templates"),
        sa.UniqueConstraint("name", name="uq_reply_templates_name"),
    )
    op.create_index("ix_reply_templates_queue", "reply_templates", ["queue"])
    op.create_table(
        "agent_signatures",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name="fk_agent_signatures_user_id_users"),
        sa.PrimaryKeyConstraint("user_id", name="pk_agent_signatures"),
    )


def downgrade() -> None:
    op.drop_table("agent_signatures")
    op.drop_index("ix_reply_templates_queue", table_name="reply_templates")
    op.drop_table("reply_templates")
