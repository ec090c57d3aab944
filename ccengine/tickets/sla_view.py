"""A ticket's SLA as people see it: computed at read time from its stored facts and now.

The stored ``sla_state`` and due columns are for filtering and sorting; what a
ticket shows is ``sla_status`` of its facts at the moment of the request, so it
is never older than the page. The policy is found by the name the ticket stores,
among the rules in force (``sla_sync.SlaProvider``, the same provider the
writers use: the defaults until the stored, admin-edited book replaces them).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ccengine.sla import (
    BusinessCalendar,
    CalendarError,
    ClockStatus,
    SlaFacts,
    SlaPolicy,
    sla_status,
    threshold_moments,
)
from ccengine.sla.moments import (
    FIRST_RESPONSE,
    RESOLUTION,
    WARNING_PERCENT,
    is_paused,
    running_clocks,
    state_moments,
)
from ccengine.tickets.models import Ticket
from ccengine.tickets.sla_facts import sla_facts_of
from ccengine.tickets.sla_sync import SlaRules


def policy_named(rules: SlaRules, name: str | None) -> SlaPolicy | None:
    return next((policy for policy in rules.policies if policy.name == name), None)


def ticket_sla(ticket: Ticket, rules: SlaRules, now: datetime) -> dict[str, Any] | None:
    """The ``sla`` object of the API; None when the ticket has no policy (or its policy
    or calendar is no longer in force: nothing honest to show)."""
    policy = policy_named(rules, ticket.sla_policy)
    if policy is None:
        return None
    facts = sla_facts_of(ticket)
    try:
        status = sla_status(policy, rules.calendars, facts, now)
        moments = state_moments(policy, rules.calendars, facts)
        warnings = clock_warnings(policy, rules.calendars, facts)
    except CalendarError:
        return None
    clocks = {FIRST_RESPONSE: status.first_response, RESOLUTION: status.resolution}
    return {**status.as_api(), "warning_at": _iso(moments.warning_at),
            "breach_at": _iso(moments.breach_at),
            "clocks": {name: _clock_json(clock, warnings.get(name))
                       for name, clock in clocks.items()}}


def clock_warnings(policy: SlaPolicy, calendars: Mapping[str, BusinessCalendar],
                   facts: SlaFacts) -> dict[str, datetime]:
    """Per running, unpaused clock: when it turns warning (a page turns it amber then)."""
    running = running_clocks(facts) - ({RESOLUTION} if is_paused(facts) else set())
    return {clock: moment for clock, _, moment in
            threshold_moments(policy, calendars, facts, (WARNING_PERCENT,)) if clock in running}


def _clock_json(clock: ClockStatus, warning_at: datetime | None) -> dict[str, Any]:
    return {"due_at": _iso(clock.due_at), "done_at": _iso(clock.done_at),
            "percent": clock.percent, "state": clock.state.value,
            "warning_at": _iso(warning_at)}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
