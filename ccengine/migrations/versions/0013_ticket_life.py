"""The ticket's life after the work: snoozes and follow-ups (``tickets.lifecycle``).

``snoozed_until`` hides a ticket from the lists until the wake sweep brings it
back; ``follow_up_of_id`` links a ticket opened for a customer who came back
after the reopen window to the finished one. Both are added NULL in place (no
table rebuild on SQLite, see 0009) and indexed: the sweep scans the first, the
ticket view looks up the follow-ups of a ticket by the second. The new status
``resolved`` needs nothing: statuses are plain strings.

Revision ID: 0013
Revises: 0015
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0015"
branch_labels: str | None = None
depends_on: str | None = None

FOLLOW_UP_FK = "fk_tickets_follow_up_of_id_tickets"


def upgrade() -> None:
    op.add_column("tickets", sa.Column("snoozed_until", sa.DateTime(timezone=True),
                                       nullable=True))
    _add_follow_up_column()
    op.create_index("ix_tickets_snoozed_until", "tickets", ["snoozed_until"])
    op.create_index("ix_tickets_follow_up_of_id", "tickets", ["follow_up_of_id"])


def _add_follow_up_column() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite alters no constraints, but adds a column with its own named reference.
        op.execute(f"ALTER TABLE tickets ADD COLUMN follow_up_of_id INTEGER "
                   f"CONSTRAINT {FOLLOW_UP_FK} REFERENCES tickets (id)")
        return
    op.add_column("tickets", sa.Column("follow_up_of_id", sa.Integer(), nullable=True))
    op.create_foreign_key(FOLLOW_UP_FK, "tickets", "tickets", ["follow_up_of_id"], ["id"])


def downgrade() -> None:
    op.drop_index("ix_tickets_follow_up_of_id", table_name="tickets")
    op.drop_index("ix_tickets_snoozed_until", table_name="tickets")
    if op.get_bind().dialect.name != "sqlite":  # SQLite drops it with the column
        op.drop_constraint(FOLLOW_UP_FK, "tickets", type_="foreignkey")
    op.drop_column("tickets", "follow_up_of_id")
    op.drop_column("tickets", "snoozed_until")
