"""Named business calendars and SLA policies, seeded with the defaults (issue 13).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

The seeds are written out here, not imported: a migration must mean the same
thing whatever the code becomes. tests/test_sla_store.py checks they equal the
core's ``BusinessCalendar.always_open()``, ``DEFAULT_BUSINESS`` and ``default_policies()``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None

WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SEEDED_AT = datetime(2026, 12, 4, tzinfo=UTC)

CALENDARS: list[dict[str, Any]] = [
    {"name": "24/7", "timezone": "Europe/Warsaw", "country": None, "closed_days": [],
     "hours": {day: ["00:00-24:00"] for day in WEEK}},
    {"name": "business", "timezone": "Europe/Warsaw", "country": "PL", "closed_days": [],
     "hours": {day: ["08:00-18:00"] for day in WEEK[:5]}},
]

# name, priority, first response (amount, unit), resolution (amount, unit), calendar
POLICIES = [
    ("P1", "P1", (15, "minutes"), (4, "hours"), "24/7"),
    ("P2", "P2", (1, "hours"), (8, "hours"), "business"),
    ("P3", "P3", (4, "hours"), (3, "business_days"), "business"),
    ("P4", "P4", (1, "business_days"), (7, "business_days"), "business"),
]


def upgrade() -> None:
    calendars = op.create_table(
        "sla_calendars",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("hours", sa.JSON(), nullable=False),
        sa.Column("country", sa.String(8), nullable=True),
        sa.Column("closed_days", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sla_calendars"),
        sa.UniqueConstraint("name", name="uq_sla_calendars_name"),
    )
    policies = op.create_table(
        "sla_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("priority", sa.String(2), nullable=False),
        sa.Column("queue", sa.String(100), nullable=True),
        sa.Column("category", sa.String(100), nullable=True),
        sa.Column("vip", sa.Boolean(), nullable=True),
        sa.Column("first_response_amount", sa.Integer(), nullable=False),
        sa.Column("first_response_unit", sa.String(16), nullable=False),
        sa.Column("resolution_amount", sa.Integer(), nullable=False),
        sa.Column("resolution_unit", sa.String(16), nullable=False),
        sa.Column("calendar", sa.String(100), nullable=False),
        sa.Column("escalation", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sla_policies"),
        sa.UniqueConstraint("name", name="uq_sla_policies_name"),
    )
    op.create_index("ix_sla_policies_calendar", "sla_policies", ["calendar"])
    op.bulk_insert(calendars, [{**row, "updated_at": SEEDED_AT, "version": 1}
                               for row in CALENDARS])
    op.bulk_insert(policies, [_policy_row(position, *row)
                              for position, row in enumerate(POLICIES, start=1)])


def _policy_row(position: int, name: str, priority: str, first: tuple[int, str],
                resolution: tuple[int, str], calendar: str) -> dict[str, Any]:
    return {"name": name, "priority": priority, "queue": None, "category": None, "vip": None,
            "first_response_amount": first[0], "first_response_unit": first[1],
            "resolution_amount": resolution[0], "resolution_unit": resolution[1],
            "calendar": calendar, "escalation": [], "position": position,
            "updated_at": SEEDED_AT, "version": 1}


def downgrade() -> None:
    op.drop_index("ix_sla_policies_calendar", table_name="sla_policies")
    op.drop_table("sla_policies")
    op.drop_table("sla_calendars")
