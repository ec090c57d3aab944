"""SLA policies: what a ticket is promised, which policy it gets, when each promise falls due.

Business days (``Duration(n, "business_days")``) keep the wall-clock position:
the due time is the same local time of day N open days later, where an open day
is a day with any open hours (holidays and closed days do not count). So a
ticket opened Wednesday 17:30 with 1 business day is due Thursday 17:30. The
start is first moved to the next open moment (a Saturday ticket counts from
Monday's opening). When the target day has no open time at that position, the
due time is pulled back to where the target day's open time ends before it (the
day's closing when it closes earlier, the start of a lunch break), or to its
opening when it opens later. Finally the due time is the *earliest* moment with
that much open time: a position on an opening boundary (Tuesday 08:00) becomes
the previous closing (Monday 18:00), so the due time and "100 % used" agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from ccengine.sla.business_time import (
    add_business_time,
    business_time_between,
    next_open_moment,
)
from ccengine.sla.calendar import BusinessCalendar, CalendarError
from ccengine.tickets.enums import Priority

DurationUnit = Literal["minutes", "hours", "business_days"]
# At 100 %: raise the priority, hand to the queue's leader, or move to another queue.
EscalationAction = Literal["raise_priority", "assign_leader"] | tuple[Literal["move_queue"], str]


class PolicyError(ValueError):
    """A policy that cannot be: ``field`` names the culprit, e.g. 'resolution.amount'."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Duration:
    amount: int
    unit: DurationUnit

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise PolicyError("amount", f"must not be negative, got {self.amount}")
        if self.unit not in ("minutes", "hours", "business_days"):
            raise PolicyError("unit", f"{self.unit!r} is not minutes, hours or business_days")

    def as_timedelta(self) -> timedelta | None:
        """The open time it stands for; None for business days (a calendar position)."""
        if self.unit == "minutes":
            return timedelta(minutes=self.amount)
        if self.unit == "hours":
            return timedelta(hours=self.amount)
        return None


@dataclass(frozen=True)
class SlaPolicy:
    name: str
    priority: Priority
    first_response: Duration
    resolution: Duration
    calendar: str  # a BusinessCalendar's name
    queue: str | None = None  # None: any queue
    category: str | None = None  # None: any category
    vip: bool | None = None  # None: VIP or not
    escalation: tuple[EscalationAction, ...] = ()

    def specificity(self) -> int:
        return sum(condition is not None for condition in (self.queue, self.category, self.vip))

    def matches(self, priority: Priority, queue: str | None, category: str | None,
                vip: bool) -> bool:
        return (self.priority == priority
                and self.queue in (None, queue)
                and self.category in (None, category)
                and self.vip in (None, vip))


def default_policies() -> tuple[SlaPolicy, ...]:
    """The seeds' promises: P1 around the clock, the rest on business hours."""
    return (
        SlaPolicy("P1", Priority.P1, Duration(15, "minutes"), Duration(4, "hours"), "24/7"),
        SlaPolicy("P2", Priority.P2, Duration(1, "hours"), Duration(8, "hours"), "business"),
        SlaPolicy("P3", Priority.P3, Duration(4, "hours"), Duration(3, "business_days"),
                  "business"),
        SlaPolicy("P4", Priority.P4, Duration(1, "business_days"),
                  Duration(7, "business_days"), "business"),
    )


def choose_policy(policies: Sequence[SlaPolicy], priority: Priority, queue: str | None,
                  category: str | None, vip: bool) -> SlaPolicy | None:
    """The most specific matching policy (each of vip, queue, category counts one); the
    first listed among equally specific ones; None when none matches."""
    best: SlaPolicy | None = None
    for policy in policies:
        if not policy.matches(priority, queue, category, vip):
            continue
        if best is None or policy.specificity() > best.specificity():
            best = policy
    return best


def due_after(calendar: BusinessCalendar, start: datetime, duration: Duration) -> datetime:
    """When ``duration`` counted on ``calendar`` from ``start`` runs out (UTC)."""
    open_time = duration.as_timedelta()
    if open_time is not None:
        return add_business_time(calendar, start, open_time)
    if duration.amount == 0:
        return start.astimezone(UTC)
    begin = next_open_moment(calendar, start)
    local = begin.astimezone(calendar.zone)
    target_day = _open_day_after(calendar, local.date(), duration.amount)
    position = _clamped(calendar, target_day, local.time().replace(tzinfo=None))
    return add_business_time(calendar, begin, business_time_between(calendar, begin, position))


def _open_day_after(calendar: BusinessCalendar, day: date, count: int) -> date:
    """The ``count``-th day after ``day`` that has open time."""
    for _ in range(count):
        day = _next_open_day(calendar, day)
    return day


def _next_open_day(calendar: BusinessCalendar, day: date) -> date:
    for offset in range(1, 3661):
        candidate = day + timedelta(days=offset)
        if calendar.day_intervals(candidate):
            return candidate
    raise CalendarError("hours", f"no open day in ten years after {day}")


def _clamped(calendar: BusinessCalendar, day: date, wall: time) -> datetime:
    """This wall-clock time on ``day``, pulled into the day's open time (see the module)."""
    wanted = datetime.combine(day, wall, calendar.zone).astimezone(UTC)
    intervals = calendar.day_intervals(day)
    if wanted <= intervals[0][0]:
        return intervals[0][0]
    earlier_ends = [end for start, end in intervals if start <= wanted]
    last_end = earlier_ends[-1]
    return min(wanted, last_end)
