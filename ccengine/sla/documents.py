"""Calendars and policies as JSON documents (the API's and the tables' shape), and back.

Pure. Reading a document goes through the core's own checks, so a stored row,
a request and the migration's seeds mean exactly what ``BusinessCalendar`` and
``SlaPolicy`` say; a bad one raises CalendarError or PolicyError naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time
from typing import Any, cast

from ccengine.sla.calendar import BusinessCalendar, CalendarError, ClosedDay, Range
from ccengine.sla.hours import WEEKDAYS
from ccengine.sla.policy import Duration, DurationUnit, EscalationAction, PolicyError, SlaPolicy
from ccengine.tickets.enums import Priority

Document = dict[str, Any]
SIMPLE_ESCALATIONS = ("raise_priority", "assign_leader")


def calendar_from_document(name: str, document: Mapping[str, Any]) -> BusinessCalendar:
    """A calendar from {"timezone", "hours", "country", "closed_days"}; CalendarError if bad."""
    closed = tuple(_closed_day(index, raw)
                   for index, raw in enumerate(document.get("closed_days") or ()))
    return BusinessCalendar.from_hours_text(
        name, document["timezone"], document.get("hours") or {},
        country=document.get("country"), closed_days=closed)


def calendar_document(calendar: BusinessCalendar) -> Document:
    return {
        "name": calendar.name,
        "timezone": calendar.timezone,
        "hours": {day: [range_text(r) for r in calendar.hours[day]]
                  for day in WEEKDAYS if day in calendar.hours},
        "country": calendar.country,
        "closed_days": [{"name": c.name, "from": c.start.isoformat(), "to": c.end.isoformat()}
                        for c in calendar.closed_days],
    }


def range_text(opening: Range) -> str:
    start, end = opening
    return f"{start:%H:%M}-{'24:00' if end == time.max else f'{end:%H:%M}'}"


def _closed_day(index: int, raw: Mapping[str, Any]) -> ClosedDay:
    start = _day(raw.get("from"), f"closed_days[{index}].from")
    end = _day(raw.get("to") or raw.get("from"), f"closed_days[{index}].to")
    return ClosedDay(str(raw.get("name") or ""), start, end)


def _day(value: object, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CalendarError(where, f"{value!r} is not a date (YYYY-MM-DD)") from None


def policy_from_document(name: str, document: Mapping[str, Any]) -> SlaPolicy:
    """A policy from its document; PolicyError naming the field if bad."""
    try:
        priority = Priority(document["priority"])
    except ValueError:
        raise PolicyError("priority", f"{document['priority']!r} is not P1..P4") from None
    return SlaPolicy(
        name, priority,
        _duration(document["first_response"], "first_response"),
        _duration(document["resolution"], "resolution"),
        document["calendar"],
        queue=document.get("queue"), category=document.get("category"),
        vip=document.get("vip"),
        escalation=tuple(_escalation(index, raw)
                         for index, raw in enumerate(document.get("escalation") or ())))


def policy_document(policy: SlaPolicy) -> Document:
    return {
        "name": policy.name,
        "priority": policy.priority.value,
        "queue": policy.queue,
        "category": policy.category,
        "vip": policy.vip,
        "first_response": _duration_document(policy.first_response),
        "resolution": _duration_document(policy.resolution),
        "calendar": policy.calendar,
        "escalation": [escalation_document(action) for action in policy.escalation],
    }


def _duration(raw: Mapping[str, Any], where: str) -> Duration:
    try:
        return Duration(int(raw["amount"]), cast(DurationUnit, raw["unit"]))
    except PolicyError as error:
        raise PolicyError(f"{where}.{error.field}", error.message) from None


def _duration_document(duration: Duration) -> Document:
    return {"amount": duration.amount, "unit": duration.unit}


def _escalation(index: int, raw: object) -> EscalationAction:
    """'raise_priority', 'assign_leader', or {"move_queue": "<queue>"}."""
    if raw in SIMPLE_ESCALATIONS:
        return cast(EscalationAction, raw)
    if isinstance(raw, Mapping) and set(raw) == {"move_queue"} and raw["move_queue"]:
        return ("move_queue", str(raw["move_queue"]))
    raise PolicyError(f"escalation[{index}]", "raise_priority, assign_leader, or "
                                              '{"move_queue": "<queue>"}')


def escalation_document(action: EscalationAction) -> str | Document:
    return action if isinstance(action, str) else {"move_queue": action[1]}

