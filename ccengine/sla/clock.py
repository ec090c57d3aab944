"""SLA clocks, computed from a ticket's facts rather than ticked.

Two clocks run from the ticket's opening: first response and resolution.

- The first-response clock never pauses: snoozing a ticket or waiting for the
  customer must not hide that nobody has answered the customer yet. A ticket
  resolved without a separate first response counts its resolution as the response.
- The resolution clock pauses while the ticket waits for the customer or is
  snoozed: the open time of each pause that starts before the clock runs out moves
  the due time later. While a pause is still open the due time is the one "if
  resumed now".
- A clock that is done is MET when done by its due time, BREACHED when later (the
  breach stays in the history). A running clock is BREACHED from its due time on,
  PAUSED during a pause, WARNING from ``warning_percent`` and OK before.
- The ticket's overall state is the worse running clock's (breached > warning >
  paused > ok); when both are done, the worse of the two (breached > met).
- Percent = open time used (pauses left out) × 100 / open time allowed, rounded
  down; it goes past 100 once breached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from ccengine.sla.business_time import add_business_time, business_time_between
from ccengine.sla.calendar import BusinessCalendar, CalendarError, require_aware
from ccengine.sla.policy import SlaPolicy, due_after

ALERT_THRESHOLDS = (50, 80, 100)
Span = tuple[datetime, datetime]


class SlaState(StrEnum):
    OK = "ok"
    WARNING = "warning"
    BREACHED = "breached"
    PAUSED = "paused"
    MET = "met"


_SEVERITY = {SlaState.MET: 0, SlaState.OK: 1, SlaState.PAUSED: 2, SlaState.WARNING: 3,
             SlaState.BREACHED: 4}


@dataclass(frozen=True)
class Pause:
    """Waiting for the customer or snoozed; ``end`` None: still paused."""

    start: datetime
    end: datetime | None

    def __post_init__(self) -> None:
        require_aware(self.start, "pause.start")
        if self.end is not None:
            require_aware(self.end, "pause.end")
            if self.end < self.start:
                raise ValueError(f"pause.end: {self.end} is before its start {self.start}")


@dataclass(frozen=True)
class SlaFacts:
    opened_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    pauses: tuple[Pause, ...] = ()

    def __post_init__(self) -> None:
        for name in ("opened_at", "first_response_at", "resolved_at"):
            moment = getattr(self, name)
            if moment is not None:
                require_aware(moment, name)


@dataclass(frozen=True)
class ClockStatus:
    due_at: datetime | None  # while paused: the due time if resumed now
    done_at: datetime | None
    percent: int
    state: SlaState


@dataclass(frozen=True)
class SlaStatus:
    policy: str
    first_response: ClockStatus
    resolution: ClockStatus
    state: SlaState
    percent: int  # of the clock that drives ``state``

    def as_api(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "first_response_due_at": _iso(self.first_response.due_at),
            "resolution_due_at": _iso(self.resolution.due_at),
            "first_response_at": _iso(self.first_response.done_at),
            "resolved_at": _iso(self.resolution.done_at),
            "state": self.state.value,
            "percent": self.percent,
        }


def sla_status(policy: SlaPolicy, calendars: Mapping[str, BusinessCalendar], facts: SlaFacts,
               now: datetime, warning_percent: int = 80) -> SlaStatus:
    require_aware(now, "now")
    calendar = calendar_of(policy, calendars)
    first = _Clock.first_response(policy, calendar, facts)
    resolution = _Clock.resolution(policy, calendar, facts, now)
    clocks = (first.status(now, warning_percent), resolution.status(now, warning_percent))
    running = [clock for clock in clocks if clock.done_at is None] or list(clocks)
    worst = max(running, key=lambda clock: _SEVERITY[clock.state])  # first among equals
    return SlaStatus(policy.name, clocks[0], clocks[1], worst.state, worst.percent)


def threshold_moments(policy: SlaPolicy, calendars: Mapping[str, BusinessCalendar],
                      facts: SlaFacts, thresholds: Sequence[int] = ALERT_THRESHOLDS,
                      ) -> list[tuple[str, int, datetime]]:
    """(clock, percent, moment it is or was reached) for each threshold of each clock.

    Finished pauses are included. Moments a clock never reaches are left out: those at
    or after its done time, and resolution moments from the start of a still-open
    pause on (they will move once it ends; ask again then).
    """
    calendar = calendar_of(policy, calendars)
    moments: list[tuple[str, int, datetime]] = []
    for name, clock in (("first_response", _Clock.first_response(policy, calendar, facts)),
                        ("resolution", _Clock.resolution(policy, calendar, facts, None))):
        for percent in thresholds:
            moment = clock.reached_at(clock.allowed * percent / 100)
            if clock.still_reachable(moment):
                moments.append((name, percent, moment))
    return moments


def calendar_of(policy: SlaPolicy, calendars: Mapping[str, BusinessCalendar]) -> BusinessCalendar:
    try:
        return calendars[policy.calendar]
    except KeyError:
        raise CalendarError("calendar", f"no calendar named {policy.calendar!r}") from None


@dataclass(frozen=True)
class _Clock:
    calendar: BusinessCalendar
    opened_at: datetime
    allowed: timedelta  # open time allowed
    done_at: datetime | None
    pauses: tuple[Span, ...]  # in order, not overlapping, within [opened, done)
    open_pause_from: datetime | None  # start of a pause still going on

    @classmethod
    def first_response(cls, policy: SlaPolicy, calendar: BusinessCalendar,
                       facts: SlaFacts) -> _Clock:
        done = facts.first_response_at or facts.resolved_at
        base_due = due_after(calendar, facts.opened_at, policy.first_response)
        return cls.of(calendar, facts, base_due, done, (), None)

    @classmethod
    def resolution(cls, policy: SlaPolicy, calendar: BusinessCalendar, facts: SlaFacts,
                   now: datetime | None) -> _Clock:
        """``now`` None: leave a still-open pause out (the alert scheduler's view)."""
        done = facts.resolved_at
        open_from = next((p.start for p in facts.pauses if p.end is None), None)
        ended = [(p.start, p.end if p.end is not None else now) for p in facts.pauses]
        spans = [(start, end) for start, end in ended if end is not None]
        base_due = due_after(calendar, facts.opened_at, policy.resolution)
        clipped = _merged(_clip(spans, facts.opened_at, done))
        return cls.of(calendar, facts, base_due, done, clipped, open_from if done is None else None)

    @classmethod
    def of(cls, calendar: BusinessCalendar, facts: SlaFacts, base_due: datetime,
           done_at: datetime | None, pauses: tuple[Span, ...],
           open_pause_from: datetime | None) -> _Clock:
        opened = facts.opened_at.astimezone(UTC)
        allowed = business_time_between(calendar, opened, base_due)
        return cls(calendar, opened, allowed, _utc(done_at), pauses, _utc(open_pause_from))

    def reached_at(self, used: timedelta) -> datetime:
        """When this much open time, pauses left out, has been used."""
        moment = add_business_time(self.calendar, self.opened_at, used)
        for start, end in self.pauses:
            if start >= moment:
                break
            moment = add_business_time(self.calendar, moment,
                                       business_time_between(self.calendar, start, end))
        return moment

    def used(self, until: datetime) -> timedelta:
        paused = sum((business_time_between(self.calendar, start, min(end, until))
                      for start, end in self.pauses), timedelta(0))
        return business_time_between(self.calendar, self.opened_at, until) - paused

    def still_reachable(self, moment: datetime) -> bool:
        if self.done_at is not None and moment >= self.done_at:
            return False
        return self.open_pause_from is None or moment < self.open_pause_from

    def status(self, now: datetime, warning_percent: int) -> ClockStatus:
        due = self.reached_at(self.allowed)
        until = min(now, self.done_at) if self.done_at is not None else now
        percent = self._percent(self.used(until))
        if self.done_at is not None:
            state = SlaState.MET if self.done_at <= due else SlaState.BREACHED
        elif now >= due:
            state = SlaState.BREACHED
        elif self.open_pause_from is not None and self.open_pause_from <= now:
            state = SlaState.PAUSED
        else:
            state = SlaState.WARNING if percent >= warning_percent else SlaState.OK
        return ClockStatus(due, self.done_at, percent, state)

    def _percent(self, used: timedelta) -> int:
        if not self.allowed:
            return 100
        return max(0, int(used * 100 // self.allowed))


def _clip(spans: Sequence[Span], opened: datetime, done: datetime | None) -> list[Span]:
    clipped = []
    for start, end in spans:
        start, end = max(start, opened), min(end, done) if done is not None else end
        if start < end:
            clipped.append((start.astimezone(UTC), end.astimezone(UTC)))
    return clipped


def _merged(spans: list[Span]) -> tuple[Span, ...]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment is not None else None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None

