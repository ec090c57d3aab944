"""The next moments a ticket's SLA state changes: warning and breach (``sla.moments``).

Lists filter "warning" and "breached" by comparing these with the time of the
request, so they stay right between recomputations of the stored state. Both
are indexed: the "at risk" view is a range scan on ``sla_breach_at``. They are
added NULL and filled as each ticket's facts are next recomputed (a ticket with
no policy yet has none either).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None

COLUMNS = ("sla_warning_at", "sla_breach_at")


def upgrade() -> None:
    # Plain ADD COLUMN in place (batch mode would rebuild tickets on SQLite, see 0009).
    with op.batch_alter_table("tickets") as table:
        for name in COLUMNS:
            table.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    for name in COLUMNS:
        op.create_index(f"ix_tickets_{name}", "tickets", [name])


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.drop_index(f"ix_tickets_{name}", table_name="tickets")
        op.drop_column("tickets", name)  # in place: SQLite 3.35+ drops a column itself
