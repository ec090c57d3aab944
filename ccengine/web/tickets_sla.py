"""The ticket list's SLA query parameters and the ``sla`` object's reader, for ``tickets_api``.

(Ticket endpoints still live in web/; DESIGN.md asks to move them into the
tickets package when next touched: left for one change that moves them all,
since several people edit them at once now.)
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import partial

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.sla import SlaState
from ccengine.tickets.queries import SlaOf
from ccengine.tickets.sla_filters import AT_RISK_SORT, DEFAULT_SORT, SORTS, SlaFilter
from ccengine.tickets.sla_view import ticket_sla
from ccengine.web.endpoints import query
from ccengine.web.errors import InvalidParameter
from ccengine.web.keys import clock_of, sla_provider_of
from ccengine.web.params import optional, yes_no

STATES = [state.value for state in SlaState]
SYNC_SORT = "updated_at"
_DURATION = re.compile(r"(\d{1,5})([mhd])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
MAX_DUE_WITHIN = timedelta(days=366)


def now_of(request: web.Request) -> datetime:
    return clock_of(request.app).now()


async def sla_reader(request: web.Request, session: AsyncSession, now: datetime) -> SlaOf:
    """Each ticket's ``sla`` object as of ``now``, by the rules in force."""
    rules = await sla_provider_of(request.app).rules(session)
    return partial(ticket_sla, rules=rules, now=now)


def sla_filter(request: web.Request, now: datetime) -> SlaFilter | None:
    states = _states(request.query.get("sla_state"))
    within = _due_within(request.query.get("due_within"))
    at_risk = optional(request, "at_risk", yes_no) or False
    if not states and within is None and not at_risk:
        return None
    return SlaFilter(now=now, states=states, at_risk=at_risk,
                     due_by=now + within if within is not None else None)


def sort_of(request: web.Request) -> str:
    raw = request.query.get("sort")
    if not raw and request.query.get("updated_since"):
        return SYNC_SORT  # oldest change first: a client resumes from the last it saw
    if not raw:
        at_risk = optional(request, "at_risk", yes_no)
        return AT_RISK_SORT if at_risk else DEFAULT_SORT
    if raw not in SORTS:
        raise InvalidParameter("sort", f"unknown value {raw!r}; one of {', '.join(SORTS)}")
    return raw


def _states(raw: str | None) -> frozenset[SlaState]:
    if not raw:
        return frozenset()
    try:
        return frozenset(SlaState(value.strip()) for value in raw.split(","))
    except ValueError:
        raise InvalidParameter("sla_state", f"{raw!r}: comma-separated values of "
                                            f"{', '.join(STATES)}") from None


def _due_within(raw: str | None) -> timedelta | None:
    if not raw:
        return None
    match = _DURATION.fullmatch(raw)
    if match is None:
        raise InvalidParameter("due_within", f"{raw!r}: a number and m, h or d, e.g. 2h")
    within = timedelta(**{_UNITS[match[2]]: int(match[1])})
    if not timedelta(0) < within <= MAX_DUE_WITHIN:
        raise InvalidParameter("due_within", f"{raw!r}: more than 0 and at most 366d")
    return within


SLA_PARAMETERS = [
    query("sla_state", {"type": "string", "example": "warning,breached"},
          f"comma-separated SLA states ({', '.join(STATES)}) as of now; any of them"),
    query("due_within", {"type": "string", "pattern": r"^\d{1,5}[mhd]$", "example": "2h"},
          "only tickets whose running SLA clock falls due within this time (m, h or d), "
          "overdue ones included; with at_risk, adds these to the at-risk ones"),
    query("at_risk", {"type": "boolean"},
          "open tickets whose SLA is warning or breached now, soonest due first unless "
          "sort says otherwise"),
    query("sort", {"type": "string", "enum": list(SORTS), "default": DEFAULT_SORT},
          "order: created_at, updated_at, first_response_due_at, resolution_due_at or "
          "breach_at (the next due time of a running clock); \"-\" first for descending; "
          "tickets without the value last; updated_at by default with updated_since"),
    query("updated_since", {"type": "string", "format": "date-time"},
          "for sync: only tickets changed at or after this moment (inclusive; UTC when "
          "no offset is given), oldest change first unless sort says otherwise"),
]
