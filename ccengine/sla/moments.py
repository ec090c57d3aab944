"""When a ticket's SLA state will next change, so lists can filter on time, not on a stale state.

A running ticket's state changes only with time (and with its facts, which are
recomputed whenever they change): it turns WARNING at ``warning_at`` and
BREACHED at ``breach_at``, both fixed by the facts alone. A list comparing
those two stored moments with ``now`` is right at any moment without anyone
rewriting the stored state as clocks run (``state_at`` is that comparison, the
same one SQL makes).

- ``breach_at``: the earliest due time of a running clock; a resolution clock
  paused before its due time cannot fall due while paused (None for it), one
  paused after it already has.
- ``warning_at``: the earliest moment a running, unpaused clock reaches the
  warning percent (a paused clock shows PAUSED, not WARNING, until it breaches).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from ccengine.sla.calendar import BusinessCalendar
from ccengine.sla.clock import SlaFacts, SlaState, threshold_moments
from ccengine.sla.policy import SlaPolicy

FIRST_RESPONSE, RESOLUTION = "first_response", "resolution"
WARNING_PERCENT = 80  # sla_status's default


@dataclass(frozen=True, slots=True)
class StateMoments:
    warning_at: datetime | None
    breach_at: datetime | None


def is_paused(facts: SlaFacts) -> bool:
    return facts.resolved_at is None and any(pause.end is None for pause in facts.pauses)


def running_clocks(facts: SlaFacts) -> frozenset[str]:
    if facts.resolved_at is not None:
        return frozenset()
    if facts.first_response_at is not None:
        return frozenset({RESOLUTION})
    return frozenset({FIRST_RESPONSE, RESOLUTION})


def state_moments(policy: SlaPolicy, calendars: Mapping[str, BusinessCalendar],
                  facts: SlaFacts, warning_percent: int = WARNING_PERCENT) -> StateMoments:
    """The next moments the state of a ticket's running clocks changes (None: never,
    as the facts stand)."""
    running = running_clocks(facts)
    paused = is_paused(facts)
    warnings, breaches = [], []
    for clock, percent, moment in threshold_moments(policy, calendars, facts,
                                                    (warning_percent, 100)):
        if clock not in running:
            continue
        if percent == 100:
            breaches.append(moment)  # a paused clock's due time is here only if passed
        elif not (paused and clock == RESOLUTION):
            warnings.append(moment)
    return StateMoments(min(warnings, default=None), min(breaches, default=None))


def state_at(moments: StateMoments, paused: bool, now: datetime) -> SlaState:
    """The state of a ticket whose clocks are running, at ``now`` (``sla_status`` agrees)."""
    if moments.breach_at is not None and moments.breach_at <= now:
        return SlaState.BREACHED
    if moments.warning_at is not None and moments.warning_at <= now:
        return SlaState.WARNING
    return SlaState.PAUSED if paused else SlaState.OK
