"""The ticket list's SLA filters and sorts, as SQL conditions on the stored moments.

Why they stay right: a running ticket's state changes with time alone at two
moments fixed by its facts (``sla.moments``: ``sla_warning_at``,
``sla_breach_at``, recomputed whenever its facts change). The conditions compare
those with the request's ``now`` exactly as ``moments.state_at`` does, never
trusting ``sla_state`` for a running ticket (that value is as old as the last
change). A resolved ticket's state (met or breached) no longer changes with
time, so for it the stored ``sla_state`` is final and used as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, not_, or_, true

from ccengine.sla import SlaState
from ccengine.ticket_fields.filtering import FIELD_SORT_COLUMNS
from ccengine.tickets.models import Ticket

AT_RISK = frozenset({SlaState.WARNING, SlaState.BREACHED})


@dataclass(frozen=True, slots=True)
class SlaFilter:
    """``states``: any of them (empty: any); ``due_by``: a running clock falls due by
    then; ``at_risk``: running and warning or breached, or due by ``due_by`` when given."""

    now: datetime
    states: frozenset[SlaState] = frozenset()
    due_by: datetime | None = None
    at_risk: bool = False


def sla_condition(sla: SlaFilter) -> ColumnElement[bool]:
    conditions = []
    if sla.states:
        conditions.append(or_(*(state_condition(state, sla.now) for state in sla.states)))
    if sla.at_risk:
        conditions.append(at_risk(sla.now, sla.due_by))
    elif sla.due_by is not None:
        conditions.append(_due_by(sla.due_by))
    return and_(*conditions) if conditions else true()


def state_condition(state: SlaState, now: datetime) -> ColumnElement[bool]:
    """Tickets whose SLA is in ``state`` at ``now`` (``moments.state_at`` in SQL)."""
    breached, warning = _breached(now), _warning(now)
    paused = Ticket.sla_paused_since.is_not(None)
    if state is SlaState.BREACHED:
        return or_(and_(_running(), breached), _resolved_as(state))
    if state is SlaState.WARNING:
        return and_(_running(), not_(breached), warning)
    if state is SlaState.PAUSED:
        return and_(_running(), not_(breached), not_(warning), paused)
    if state is SlaState.OK:
        return and_(_running(), not_(breached), not_(warning), not_(paused))
    if state is SlaState.MET:
        return _resolved_as(state)
    return false()


def at_risk(now: datetime, due_by: datetime | None) -> ColumnElement[bool]:
    """Running, and warning or breached at ``now`` (or falling due by ``due_by``)."""
    risky = [_breached(now), _warning(now)]
    if due_by is not None:
        risky.append(Ticket.sla_breach_at <= due_by)
    return and_(_running(), or_(*risky))


def _due_by(moment: datetime) -> ColumnElement[bool]:
    return and_(_running(), Ticket.sla_breach_at <= moment)


def _running() -> ColumnElement[bool]:
    return and_(Ticket.sla_policy.is_not(None), Ticket.resolved_at.is_(None))


def _breached(now: datetime) -> ColumnElement[bool]:
    return and_(Ticket.sla_breach_at.is_not(None), Ticket.sla_breach_at <= now)


def _warning(now: datetime) -> ColumnElement[bool]:
    return and_(Ticket.sla_warning_at.is_not(None), Ticket.sla_warning_at <= now)


def _resolved_as(state: SlaState) -> ColumnElement[bool]:
    return and_(Ticket.sla_policy.is_not(None), Ticket.resolved_at.is_not(None),
                Ticket.sla_state == state.value)


# The list's orders by name; "-" first: descending. Tickets without the value come last
# either way, and ties fall back to the newest first so pages never overlap.
SORT_COLUMNS: dict[str, Any] = {
    "created_at": Ticket.created_at,
    "updated_at": Ticket.updated_at,  # a sync's order (with updated_since)
    "first_response_due_at": Ticket.first_response_due_at,
    "resolution_due_at": Ticket.resolution_due_at,
    "breach_at": Ticket.sla_breach_at,
    **FIELD_SORT_COLUMNS,  # every other column of the list (ticket_fields.filtering)
}
SORTS = tuple(f"{sign}{name}" for name in SORT_COLUMNS for sign in ("", "-"))
DEFAULT_SORT = "-created_at"
AT_RISK_SORT = "breach_at"  # soonest first


def ordering(sort: str) -> tuple[ColumnElement[Any], ...]:
    """ORDER BY for a name of ``SORTS`` (a ValueError for any other)."""
    name = sort.removeprefix("-")
    if sort not in SORTS:
        raise ValueError(sort)
    column = SORT_COLUMNS[name]
    first = column.desc() if sort.startswith("-") else column.asc()
    tie = (Ticket.created_at.desc(), Ticket.id.desc())
    if name in ("created_at", "updated_at"):  # unique with the id: a stable page order
        return (first, Ticket.id.desc() if sort.startswith("-") else Ticket.id.asc())
    return (first.nulls_last(), *tie)
