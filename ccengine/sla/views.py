"""The SLA endpoints' JSON: stored calendars and policies, and a calendar's preview."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ccengine.sla.calendar import BusinessCalendar
from ccengine.sla.documents import calendar_document, policy_document
from ccengine.sla.hours import WEEKDAYS
from ccengine.sla.model import StoredCalendar, StoredPolicy

Json = dict[str, Any]


def calendar_json(stored: StoredCalendar) -> Json:
    return {**calendar_document(stored.calendar), "version": stored.version,
            "updated_at": stored.updated_at.isoformat()}


def policy_json(stored: StoredPolicy) -> Json:
    return {**policy_document(stored.policy), "position": stored.position,
            "version": stored.version, "updated_at": stored.updated_at.isoformat()}


def preview_json(calendar: BusinessCalendar, first: date, days: int) -> Json:
    """What the calendar means day by day: open intervals (local), or why it is closed."""
    return {"name": calendar.name, "timezone": calendar.timezone,
            "days": [_day_json(calendar, first + timedelta(days=n)) for n in range(days)]}


def _day_json(calendar: BusinessCalendar, day: date) -> Json:
    intervals = calendar.day_intervals(day)
    closed = calendar.closed_reason(day)
    if closed is None and not intervals:
        closed = "no opening hours"
    return {"date": day.isoformat(), "weekday": WEEKDAYS[day.weekday()], "closed": closed,
            "open": [{"start": start.astimezone(calendar.zone).isoformat(),
                      "end": end.astimezone(calendar.zone).isoformat()}
                     for start, end in intervals]}
