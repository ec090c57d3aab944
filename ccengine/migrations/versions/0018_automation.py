"""Automation rules, their events, the time trigger's fired rows and each ticket's
status intervals (time in status, "eskalacja łączna").

Existing tickets get their intervals from their history: the first status (the
"from" of their first status change, else the status they have) from when they
were opened, then one interval per status change. Only new tables: nothing in
``tickets`` changes.

Revision ID: 0018
Revises: 0014
Create Date: 2026-12-04
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0014"
branch_labels: str | None = None
depends_on: str | None = None

BATCH = 1000


def upgrade() -> None:
    _create_rules()
    _create_events()
    _create_intervals()
    _create_fired()
    _backfill_intervals()


def _create_rules() -> None:
    op.create_table(
        "automation_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("trigger", sa.JSON(), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_automation_rules"),
        sa.UniqueConstraint("name", name="uq_automation_rules_name"),
    )
    op.create_index("ix_automation_rules_position", "automation_rules", ["position"])
    op.create_index("ix_automation_rules_event", "automation_rules", ["event"])


def _create_events() -> None:
    op.create_table(
        "automation_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("chain", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE",
                                name="fk_automation_events_ticket_id_tickets"),
        sa.PrimaryKeyConstraint("id", name="pk_automation_events"),
    )
    op.create_index("ix_automation_events_ticket_id", "automation_events", ["ticket_id"])


def _create_intervals() -> None:
    op.create_table(
        "ticket_status_intervals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE",
                                name="fk_ticket_status_intervals_ticket_id_tickets"),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_status_intervals"),
    )
    op.create_index("ix_ticket_status_intervals_ticket_id_started_at",
                    "ticket_status_intervals", ["ticket_id", "started_at"])
    op.create_index("ix_ticket_status_intervals_status_started_at",
                    "ticket_status_intervals", ["status", "started_at"])


def _create_fired() -> None:
    op.create_table(
        "automation_time_fired",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("interval_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["rule_id"], ["automation_rules.id"], ondelete="CASCADE",
                                name="fk_automation_time_fired_rule_id_automation_rules"),
        sa.ForeignKeyConstraint(
            ["interval_id"], ["ticket_status_intervals.id"], ondelete="CASCADE",
            name="fk_automation_time_fired_interval_id_ticket_status_intervals"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE",
                                name="fk_automation_time_fired_ticket_id_tickets"),
        sa.PrimaryKeyConstraint("id", name="pk_automation_time_fired"),
        sa.UniqueConstraint("rule_id", "interval_id",
                            name="uq_automation_time_fired_rule_id_interval_id"),
    )
    op.create_index("ix_automation_time_fired_ticket_id", "automation_time_fired",
                    ["ticket_id"])


_TICKETS = sa.table("tickets", sa.column("id", sa.Integer()), sa.column("status", sa.String()),
                    sa.column("created_at", sa.DateTime(timezone=True)))
_ACTIVITIES = sa.table("ticket_activities", sa.column("id", sa.Integer()),
                       sa.column("ticket_id", sa.Integer()), sa.column("kind", sa.String()),
                       sa.column("data", sa.JSON()),
                       sa.column("created_at", sa.DateTime(timezone=True)))
_INTERVALS = sa.table("ticket_status_intervals", sa.column("ticket_id", sa.Integer()),
                      sa.column("status", sa.String()),
                      sa.column("started_at", sa.DateTime(timezone=True)))


def _backfill_intervals() -> None:
    """Batches of tickets by id: memory stays bounded on a large database."""
    bind = op.get_bind()
    after = 0
    while True:
        tickets = bind.execute(sa.select(_TICKETS).where(_TICKETS.c.id > after)
                               .order_by(_TICKETS.c.id).limit(BATCH)).all()
        if not tickets:
            return
        changes = _status_changes(bind, [row.id for row in tickets])
        rows = [row for ticket in tickets
                for row in _intervals(ticket, changes.get(ticket.id, []))]
        bind.execute(sa.insert(_INTERVALS), rows)
        after = tickets[-1].id


def _status_changes(bind: Any, ids: list[int]) -> dict[int, list[tuple[Any, datetime]]]:
    query = (sa.select(_ACTIVITIES.c.ticket_id, _ACTIVITIES.c.data, _ACTIVITIES.c.created_at)
             .where(_ACTIVITIES.c.ticket_id.in_(ids),
                    _ACTIVITIES.c.kind == "status_change")
             .order_by(_ACTIVITIES.c.ticket_id, _ACTIVITIES.c.id))
    found: dict[int, list[tuple[Any, datetime]]] = {}
    for ticket_id, data, at in bind.execute(query):
        found.setdefault(ticket_id, []).append((data or {}, at))
    return found


def _intervals(ticket: Any, changes: list[tuple[Any, datetime]]) -> list[dict[str, Any]]:
    first = changes[0][0].get("from") if changes else None
    rows = [{"ticket_id": ticket.id, "status": first or ticket.status,
             "started_at": ticket.created_at}]
    rows += [{"ticket_id": ticket.id, "status": data.get("to") or ticket.status,
              "started_at": at} for data, at in changes]
    return rows


def downgrade() -> None:
    op.drop_table("automation_time_fired")
    op.drop_table("ticket_status_intervals")
    op.drop_table("automation_events")
    op.drop_table("automation_rules")
