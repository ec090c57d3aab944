"""What the admins' SLA page shows beside the editors, computed by the server.

* ``GET /api/v1/sla/due-preview?priority=P2[&queue=..][&vip=true]``: the policy a
  ticket opened now would get, and when its first response and resolution would
  fall due. It reads the very rules the tickets use (``sync_sla``'s provider), so an
  edit shows its effect at once, and "now" is the app's clock (a test's frozen one).
* ``GET /api/v1/sla/calendars/{name}/holidays?year=2026``: the public holidays that
  close the calendar that year (from ``holidays``; Polish names for Poland).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from ccengine.sla import service
from ccengine.sla.clock import SlaFacts, sla_status
from ccengine.sla.hours import MAX_NAME, public_holidays
from ccengine.sla.policy import choose_policy
from ccengine.tickets.enums import Priority
from ccengine.users.models import Role
from ccengine.web.endpoints import Endpoint, Schema, nullable, path_param, query
from ccengine.web.errors import InvalidParameter
from ccengine.web.keys import clock_of, sla_provider_of
from ccengine.web.params import DATABASE, checked_text, integer, text_param, yes_no

READERS = frozenset(Role)
FIRST_YEAR, LAST_YEAR = 1970, 2100
PRIORITIES = tuple(priority.value for priority in Priority)

__all__ = ["ENDPOINTS", "SCHEMAS"]


async def due_preview(request: web.Request) -> web.Response:
    priority = _priority(request)
    queue = text_param(request, "queue")
    if queue is not None and len(queue) > MAX_NAME:
        raise InvalidParameter("queue", f"must be at most {MAX_NAME} characters")
    vip = _vip(request)
    now = clock_of(request.app).now()
    async with request.app[DATABASE].sessions() as session:
        rules = await sla_provider_of(request.app).rules(session)
    policy = choose_policy(rules.policies, priority, queue, None, vip)
    body: dict[str, Any] = {"priority": priority.value, "queue": queue, "vip": vip,
                            "opened_at": now.isoformat(), "policy": None, "calendar": None,
                            "first_response_due_at": None, "resolution_due_at": None}
    if policy is not None:
        status = sla_status(policy, rules.calendars, SlaFacts(now, None, None), now)
        body.update(policy=policy.name, calendar=policy.calendar,
                    first_response_due_at=_iso(status.first_response.due_at),
                    resolution_due_at=_iso(status.resolution.due_at))
    return web.json_response(body)


async def calendar_holidays(request: web.Request) -> web.Response:
    name = checked_text("name", request.match_info["name"])
    stored = await service.get_calendar(request.app[DATABASE], name)
    calendar = stored.calendar
    year = integer(request, "year", clock_of(request.app).now().astimezone(calendar.zone).year,
                   minimum=FIRST_YEAR, maximum=LAST_YEAR)
    found = public_holidays(calendar.country, year) if calendar.country else []
    return web.json_response({"name": calendar.name, "country": calendar.country, "year": year,
                              "items": [{"date": day.isoformat(), "name": holiday}
                                        for day, holiday in found]})


def _priority(request: web.Request) -> Priority:
    raw = request.query.get("priority", "")
    if raw not in PRIORITIES:
        raise InvalidParameter("priority", f"expected one of {', '.join(PRIORITIES)}")
    return Priority(raw)


def _vip(request: web.Request) -> bool:
    raw = request.query.get("vip")
    if not raw:
        return False
    try:
        return yes_no(raw)
    except ValueError:
        raise InvalidParameter("vip", f"expected true or false, got {raw[:20]!r}") from None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


MOMENT = nullable("string", format="date-time")
SCHEMAS: dict[str, Schema] = {
    "SlaDuePreview": {"type": "object", "properties": {
        "priority": {"type": "string", "enum": list(PRIORITIES)},
        "queue": nullable("string"), "vip": {"type": "boolean"},
        "opened_at": {"type": "string", "format": "date-time"},
        "policy": nullable("string", description="null: no policy applies"),
        "calendar": nullable("string"),
        "first_response_due_at": MOMENT, "resolution_due_at": MOMENT}},
    "SlaHolidays": {"type": "object", "properties": {
        "name": {"type": "string"}, "country": nullable("string"), "year": {"type": "integer"},
        "items": {"type": "array", "items": {"type": "object", "properties": {
            "date": {"type": "string", "format": "date"}, "name": {"type": "string"}}}}}},
}
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/api/v1/sla/due-preview", due_preview, READERS,
             parameters=[query("priority", {"type": "string", "enum": list(PRIORITIES)},
                               "the new ticket's priority", required=True),
                         query("queue", {"type": "string", "maxLength": MAX_NAME},
                               "its queue (default: none)"),
                         query("vip", {"type": "boolean"}, "a VIP customer's (default false)")],
             result="SlaDuePreview",
             summary="When a ticket opened now would be due, under the policies in force"),
    Endpoint("GET", "/api/v1/sla/calendars/{name}/holidays", calendar_holidays, READERS,
             parameters=[path_param("name", "the calendar's name ('/' written %2F)",
                                    {"type": "string", "minLength": 1, "maxLength": MAX_NAME}),
                         query("year", {"type": "integer", "minimum": FIRST_YEAR,
                                        "maximum": LAST_YEAR}, "default: this year")],
             result="SlaHolidays",
             summary="The public holidays that close a calendar in a year"),
)
