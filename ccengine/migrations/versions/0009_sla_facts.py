"""SLA facts on tickets: first response, resolution, pauses, and the clocks' results.

Columns are added and dropped in place, never by rebuilding the table (on
SQLite that drops ``tickets``, which the calls' foreign keys refuse): batch mode
issues a plain ADD COLUMN there as long as a default is a plain string, and
SQLite (3.35 and later) drops a column in place. ``sla_pauses`` is NOT NULL
with the server default ``[]``, which existing rows get as it is added.

Existing tickets get the facts the history already holds, by the rules the
code applies from now on (``tickets.sla_facts``): the first response is the
earliest answer of an inbound call an agent took on the ticket, or the earliest
callback attempt reported "reached"; a closed ticket was resolved when it
closed; the pauses are replayed from the status changes in its history (a
ticket waiting for its customer now has its pause open). Public notes did not
exist before. The policy and the due times are left NULL: the clocks compute
them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

WAITING = "waiting_for_customer"
OWN_CALL_PREFIX = "ccengine-callback-"  # the engine's click-to-call: not an inbound call
INDEXED = ("first_response_due_at", "resolution_due_at", "sla_state")

tickets = sa.table(
    "tickets", sa.column("id", sa.Integer()), sa.column("status", sa.String()),
    sa.column("closed_at", sa.DateTime(timezone=True)),
    sa.column("first_response_at", sa.DateTime(timezone=True)),
    sa.column("resolved_at", sa.DateTime(timezone=True)),
    sa.column("sla_paused_since", sa.DateTime(timezone=True)),
    sa.column("sla_pauses", sa.JSON()))
calls = sa.table(
    "calls", sa.column("ticket_id", sa.Integer()), sa.column("outcome", sa.String()),
    sa.column("linkedid", sa.String()), sa.column("answered_at", sa.DateTime(timezone=True)))
attempts = sa.table(
    "callback_attempts", sa.column("ticket_id", sa.Integer()), sa.column("outcome", sa.String()),
    sa.column("finished_at", sa.DateTime(timezone=True)))
activities = sa.table(
    "ticket_activities", sa.column("id", sa.Integer()), sa.column("ticket_id", sa.Integer()),
    sa.column("kind", sa.String()), sa.column("data", sa.JSON()),
    sa.column("created_at", sa.DateTime(timezone=True)))


def upgrade() -> None:
    with op.batch_alter_table("tickets") as table:
        for name in ("first_response_at", "resolved_at", "sla_paused_since"):
            table.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("sla_pauses", sa.JSON(), nullable=False,
                                   server_default="[]"))
        table.add_column(sa.Column("sla_policy", sa.String(100), nullable=True))
        table.add_column(sa.Column("first_response_due_at", sa.DateTime(timezone=True),
                                   nullable=True))
        table.add_column(sa.Column("resolution_due_at", sa.DateTime(timezone=True),
                                   nullable=True))
        table.add_column(sa.Column("sla_state", sa.String(16), nullable=True))
    for name in INDEXED:
        op.create_index(f"ix_tickets_{name}", "tickets", [name])
    connection = op.get_bind()
    _backfill_first_responses(connection)
    connection.execute(sa.update(tickets).where(tickets.c.status == "closed")
                       .values(resolved_at=tickets.c.closed_at))
    _backfill_pauses(connection)


def _backfill_first_responses(connection: sa.Connection) -> None:
    answered = (sa.select(calls.c.ticket_id, calls.c.answered_at.label("at"))
                .where(calls.c.outcome == "answered", calls.c.answered_at.is_not(None),
                       calls.c.ticket_id.is_not(None),
                       sa.not_(calls.c.linkedid.startswith(OWN_CALL_PREFIX, autoescape=True))))
    reached = (sa.select(attempts.c.ticket_id, attempts.c.finished_at.label("at"))
               .where(attempts.c.outcome == "reached", attempts.c.finished_at.is_not(None)))
    responses = sa.union_all(answered, reached).subquery()
    first = (sa.select(responses.c.ticket_id, sa.func.min(responses.c.at))
             .group_by(responses.c.ticket_id))
    rows = [{"ticket": ticket_id, "at": at} for ticket_id, at in connection.execute(first)]
    if rows:
        connection.execute(sa.update(tickets).where(tickets.c.id == sa.bindparam("ticket"))
                           .values(first_response_at=sa.bindparam("at")), rows)


def _backfill_pauses(connection: sa.Connection) -> None:
    """Replay each ticket's status changes: entering waiting opens a pause, leaving
    it closes one."""
    query = (sa.select(activities.c.ticket_id, activities.c.data, activities.c.created_at)
             .where(activities.c.kind == "status_change")
             .order_by(activities.c.ticket_id, activities.c.created_at, activities.c.id))
    by_ticket: dict[int, list[tuple[Any, datetime]]] = {}
    for ticket_id, data, at in connection.execute(query):
        by_ticket.setdefault(ticket_id, []).append((data, _utc(at)))
    current = dict(connection.execute(sa.select(tickets.c.id, tickets.c.status)).all())
    rows = [_pause_row(ticket_id, changes, current.get(ticket_id))
            for ticket_id, changes in by_ticket.items()]
    rows = [row for row in rows if row["since"] is not None or row["pauses"]]
    if rows:
        connection.execute(sa.update(tickets).where(tickets.c.id == sa.bindparam("ticket"))
                           .values(sla_paused_since=sa.bindparam("since"),
                                   sla_pauses=sa.bindparam("pauses", type_=sa.JSON())), rows)


def _pause_row(ticket_id: int, changes: Iterable[tuple[Any, datetime]],
               status: str | None) -> dict[str, Any]:
    since: datetime | None = None
    pauses: list[list[str]] = []
    for data, at in changes:
        target = data.get("to") if isinstance(data, dict) else None
        if target == WAITING and since is None:
            since = at
        elif target != WAITING and since is not None:
            pauses.append(_pause(since, at))
            since = None
    # A pause is open only on a ticket waiting now: the status is what the clocks see.
    if since is not None and status != WAITING:
        since = None
    return {"ticket": ticket_id, "since": since, "pauses": pauses}


def _pause(start: datetime, end: datetime) -> list[str]:
    return [start.isoformat(), max(start, end).isoformat()]


def _utc(at: datetime) -> datetime:
    # SQLite keeps no offset: the values were written in UTC.
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def downgrade() -> None:
    for name in reversed(INDEXED):
        op.drop_index(f"ix_tickets_{name}", table_name="tickets")
    for name in reversed(_ADDED):
        op.drop_column("tickets", name)


_ADDED: Sequence[str] = ("first_response_at", "resolved_at", "sla_paused_since", "sla_pauses",
                         "sla_policy", "first_response_due_at", "resolution_due_at",
                         "sla_state")
