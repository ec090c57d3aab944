"""The contact center's own calendar: opening hours, a time zone, public holidays, closed days.

Hours are wall-clock hours in the calendar's zone: 08:00–18:00 stays 08:00–18:00
across a daylight-saving change. A range ending at ``time.max`` ends at midnight
(24:00), so a 24/7 calendar is ``00:00–24:00`` every day and counts real
elapsed time (23 hours on the spring-forward day, 25 on the autumn one).

Everything here is pure; the day walk caches each day's open intervals on the
calendar, because an alert scheduler asks about the same days for many tickets.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from itertools import pairwise
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ccengine.sla.hours import WEEKDAYS, is_supported_country, parse_range, public_holiday

Range = tuple[time, time]
Interval = tuple[datetime, datetime]

# A walk that meets no open minute in this many days gives up instead of looping.
MAX_CLOSED_DAYS = 3660
_DAY_CACHE_LIMIT = 4096


class CalendarError(ValueError):
    """A calendar that cannot be: ``field`` names the culprit, e.g. 'hours.mon[1]'."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ClosedDay:
    """A day (start == end) or a run of days the contact center is closed, both ends included."""

    name: str
    start: date
    end: date

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class BusinessCalendar:
    name: str
    timezone: str  # IANA, e.g. "Europe/Warsaw"
    hours: Mapping[str, tuple[Range, ...]]  # "mon".."sun" → open ranges; missing day: closed
    country: str | None = "PL"  # public holidays of this country; None: none
    closed_days: tuple[ClosedDay, ...] = ()
    _days: dict[date, tuple[Interval, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_zone(self.timezone)
        # Read-only: the day cache below trusts the hours never to change.
        object.__setattr__(self, "hours", MappingProxyType(_checked_hours(self.hours)))
        if self.country is not None and not is_supported_country(self.country):
            raise CalendarError("country", f"no public holidays known for {self.country!r}")
        for index, closed in enumerate(self.closed_days):
            if closed.end < closed.start:
                raise CalendarError(f"closed_days[{index}]",
                                    f"{closed.start}..{closed.end} ends before it starts")

    def __hash__(self) -> int:  # hours is a mapping: hash what it holds
        return hash((self.name, self.timezone, tuple(sorted(self.hours.items())), self.country,
                     self.closed_days))

    @classmethod
    def always_open(cls, name: str = "24/7", timezone: str = "Europe/Warsaw") -> BusinessCalendar:
        """Open every minute of every day, holidays included."""
        whole_day = ((time(0, 0), time.max),)
        return cls(name, timezone, {day: whole_day for day in WEEKDAYS}, country=None)

    @classmethod
    def from_hours_text(cls, name: str, timezone: str, hours: Mapping[str, Sequence[str]],
                        country: str | None = "PL",
                        closed_days: Sequence[ClosedDay] = ()) -> BusinessCalendar:
        """Hours as route graphs write them: {"mon": ["08:00-12:00", "13:00-18:00"], ...}."""
        parsed: dict[str, tuple[Range, ...]] = {}
        for day, texts in hours.items():
            _check_weekday(day)
            listed = [texts] if isinstance(texts, str) else list(texts)
            parsed[day] = tuple(_parsed(text, f"hours.{day}[{i}]") for i, text in enumerate(listed))
        return cls(name, timezone, parsed, country, tuple(closed_days))

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_open(self, at: datetime) -> bool:
        require_aware(at, "at")
        local_day = at.astimezone(self.zone).date()
        return any(start <= at < end for start, end in self.day_intervals(local_day))

    def closed_reason(self, day: date) -> str | None:
        """Why this whole day is closed: a custom closed day's name, 'holiday: <name>', or None."""
        for closed in self.closed_days:
            if closed.covers(day):
                return closed.name
        name = public_holiday(self.country, day) if self.country else None
        return f"holiday: {name}" if name else None

    def open_intervals(self, start: datetime, end: datetime) -> Iterator[Interval]:
        """The open stretches of [start, end) in order, as aware UTC intervals."""
        require_aware(start, "start")
        require_aware(end, "end")
        if end <= start or not any(self.hours.values()):
            return
        end = end.astimezone(UTC)
        for open_start, open_end in self._raw_intervals_from(start.astimezone(UTC)):
            if open_start >= end:
                return
            yield open_start, min(open_end, end)

    def intervals_from(self, start: datetime) -> Iterator[Interval]:
        """Open stretches from ``start`` on, for ever, in order (one or more per open day).

        Raises CalendarError('hours') when no open time comes within MAX_CLOSED_DAYS.
        """
        require_aware(start, "start")
        if not any(self.hours.values()):
            raise CalendarError("hours", "the calendar is never open")
        return self._raw_intervals_from(start.astimezone(UTC))

    def _raw_intervals_from(self, start: datetime) -> Iterator[Interval]:
        day = start.astimezone(self.zone).date()
        closed_in_a_row = 0
        while True:
            intervals = self.day_intervals(day)
            closed_in_a_row = 0 if intervals else closed_in_a_row + 1
            if closed_in_a_row > MAX_CLOSED_DAYS:
                raise CalendarError(
                    "hours", f"no open hours in {MAX_CLOSED_DAYS} days from {start.date()}")
            for open_start, open_end in intervals:
                if open_end > start:
                    yield max(open_start, start), open_end
            day += timedelta(days=1)

    def day_intervals(self, day: date) -> tuple[Interval, ...]:
        """This local day's open intervals in UTC (none on a holiday or closed day)."""
        cached = self._days.get(day)
        if cached is None:
            if len(self._days) >= _DAY_CACHE_LIMIT:
                self._days.clear()
            cached = self._days[day] = self._compute_day(day)
        return cached

    def _compute_day(self, day: date) -> tuple[Interval, ...]:
        if self.closed_reason(day) is not None:
            return ()
        intervals = (self._utc_interval(day, start, end)
                     for start, end in self.hours.get(WEEKDAYS[day.weekday()], ()))
        # A range inside the skipped spring-forward hour has no length: drop it.
        return tuple((start, end) for start, end in intervals if start < end)

    def _utc_interval(self, day: date, start: time, end: time) -> Interval:
        local_end = (datetime.combine(day + timedelta(days=1), time(0), self.zone)
                     if end == time.max else datetime.combine(day, end, self.zone))
        local_start = datetime.combine(day, start, self.zone)
        return local_start.astimezone(UTC), local_end.astimezone(UTC)


def _check_zone(timezone: str) -> None:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise CalendarError("timezone", f"unknown time zone {timezone!r}") from error


def _check_weekday(day: str) -> None:
    if day not in WEEKDAYS:
        raise CalendarError(f"hours.{day}", f"{day!r} is not a weekday ({', '.join(WEEKDAYS)})")


def _parsed(text: str, where: str) -> Range:
    try:
        return parse_range(text)
    except ValueError as error:
        raise CalendarError(where, str(error)) from error


def _checked_hours(hours: Mapping[str, Sequence[Range]]) -> dict[str, tuple[Range, ...]]:
    """Hours with each day's ranges sorted; CalendarError on a bad or overlapping range."""
    checked: dict[str, tuple[Range, ...]] = {}
    for day, ranges in hours.items():
        _check_weekday(day)
        for index, (start, end) in enumerate(ranges):
            if end <= start:
                raise CalendarError(f"hours.{day}[{index}]", f"{start}-{end} ends before it starts")
        _check_overlaps(day, ranges)
        checked[day] = tuple(sorted(ranges))
    return checked


def _check_overlaps(day: str, ranges: Sequence[Range]) -> None:
    """Names the later-listed of two overlapping ranges: the one most likely just added."""
    order = sorted(range(len(ranges)), key=lambda index: ranges[index])
    for before, after in pairwise(order):
        if ranges[after][0] < ranges[before][1]:
            culprit = max(before, after)
            start, end = ranges[culprit]
            raise CalendarError(f"hours.{day}[{culprit}]",
                                f"{start:%H:%M}-{end:%H:%M} overlaps another range")


def require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name}: give an aware datetime (with its time zone), not {moment}")


DEFAULT_BUSINESS = BusinessCalendar.from_hours_text(
    "business", "Europe/Warsaw",
    {day: ("08:00-18:00",) for day in ("mon", "tue", "wed", "thu", "fri")})
