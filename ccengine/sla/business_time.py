"""Arithmetic on open time: how far ``duration`` of open time reaches, how much lies between.

Both walk the calendar's open intervals (one or two a day), never minute by minute.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ccengine.sla.calendar import BusinessCalendar, require_aware


def add_business_time(calendar: BusinessCalendar, start: datetime,
                      duration: timedelta) -> datetime:
    """The first moment when ``duration`` of open time has passed since ``start`` (UTC).

    ``start`` may lie outside open hours (the count starts at the next opening); a zero
    duration gives ``start`` itself. A result that lands on a closing time is that
    closing time, not the next opening: the earliest moment the time has run out.
    """
    require_aware(start, "start")
    if duration < timedelta(0):
        raise ValueError(f"duration: must not be negative, got {duration}")
    start = start.astimezone(UTC)
    if not duration:
        return start
    remaining = duration
    for open_start, open_end in calendar.intervals_from(start):
        length = open_end - open_start
        if remaining <= length:
            return open_start + remaining
        remaining -= length
    raise AssertionError("intervals_from never ends")  # pragma: no cover


def business_time_between(calendar: BusinessCalendar, start: datetime,
                          end: datetime) -> timedelta:
    """Open time in [start, end); zero when end <= start."""
    return sum((stop - begin for begin, stop in calendar.open_intervals(start, end)),
               timedelta(0))


def next_open_moment(calendar: BusinessCalendar, moment: datetime) -> datetime:
    """``moment`` itself when open, else the next opening (UTC)."""
    open_start, _ = next(iter(calendar.intervals_from(moment)))
    return open_start
