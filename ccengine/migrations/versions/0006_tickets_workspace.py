"""Ticket workspace: unique display names; whether a transcript's audio was redacted.

Tickets are assigned to, and shown to, agents by display name, so two users
may not share one. Uniqueness is a unique index, not a constraint: SQLite adds
an index in place, while a constraint would need batch mode to rebuild the
users table, and dropping the old table under ``PRAGMA foreign_keys=ON``
cascades into the sessions that refer to it.

The QA recording endpoint plays audio only once it is known to be redacted;
transcripts stored before this revision cannot say so, and count as not.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

NAME_CHARS = 200  # users.display_name


def upgrade() -> None:
    _rename_duplicate_display_names()
    op.create_index("ix_users_display_name", "users", ["display_name"], unique=True)
    with op.batch_alter_table("transcripts") as transcripts:
        # Batch mode issues a plain ADD COLUMN on SQLite: no table rebuild.
        transcripts.add_column(sa.Column("audio_redacted", sa.Boolean(), nullable=False,
                                         server_default=sa.false()))


def _rename_duplicate_display_names() -> None:
    """Users who share a display name keep it only for the first created; the others
    get their login added, so the unique index can be built over existing data."""
    users = sa.table("users", sa.column("id", sa.Integer()), sa.column("login", sa.String()),
                     sa.column("display_name", sa.String()))
    connection = op.get_bind()
    seen: set[str] = set()
    rows = connection.execute(sa.select(users.c.id, users.c.login, users.c.display_name)
                              .order_by(users.c.id))
    for user_id, login, name in list(rows):
        if name not in seen:
            seen.add(name)
            continue
        renamed = f"{name} ({login})"[:NAME_CHARS]
        seen.add(renamed)
        connection.execute(sa.update(users).where(users.c.id == user_id)
                           .values(display_name=renamed))


def downgrade() -> None:
    with op.batch_alter_table("transcripts") as transcripts:
        transcripts.drop_column("audio_redacted")
    op.drop_index("ix_users_display_name", table_name="users")
