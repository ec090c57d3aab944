"""Route graph versions, and the route each call ran.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

PUBLISHED_ONLY = "status = 'published'"


def upgrade() -> None:
    _create_route_graphs()
    # Batch mode: SQLite cannot ALTER most things (adding plain nullable
    # columns it can, and batch then issues a plain ALTER TABLE ADD COLUMN).
    with op.batch_alter_table("calls") as calls:
        calls.add_column(sa.Column("route_graph", sa.String(100), nullable=True))
        calls.add_column(sa.Column("route_version", sa.Integer(), nullable=True))
        calls.add_column(sa.Column("route", sa.JSON(), nullable=True))


def _create_route_graphs() -> None:
    op.create_table(
        "route_graphs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("author", sa.String(200), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_route_graphs"),
        sa.UniqueConstraint("name", "version", name="uq_route_graphs_name_version"),
    )
    # At most one published version per name, whatever the writers do.
    op.create_index("ix_route_graphs_one_published", "route_graphs", ["name"], unique=True,
                    sqlite_where=sa.text(PUBLISHED_ONLY),
                    postgresql_where=sa.text(PUBLISHED_ONLY))


def downgrade() -> None:
    with op.batch_alter_table("calls") as calls:
        calls.drop_column("route")
        calls.drop_column("route_version")
        calls.drop_column("route_graph")
    op.drop_index("ix_route_graphs_one_published", table_name="route_graphs")
    op.drop_table("route_graphs")
