"""Calendars and SLA policies over HTTP: every logged-in role reads, admins write.

Bodies are checked for shape by the pydantic schemas, then for meaning by the
pure core (an overlapping range: 400 ``invalid-calendar`` with field
'hours.mon[1]'). Every write invalidates the process's SLA book, so the route
walk and the SLA clocks see it on their next read.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from ccengine.sla import service
from ccengine.sla.book import StoredSlaBook
from ccengine.sla.calendar import BusinessCalendar
from ccengine.sla.documents import calendar_from_document, policy_from_document
from ccengine.sla.hours import MAX_NAME
from ccengine.sla.policy import SlaPolicy
from ccengine.sla.schemas import (
    MAX_PREVIEW_DAYS,
    NAME,
    PREVIEW_DAYS,
    SCHEMAS,
    CalendarInput,
    PolicyInput,
)
from ccengine.sla.views import calendar_json, policy_json, preview_json
from ccengine.users.models import Role
from ccengine.web.body import InvalidBody, json_object
from ccengine.web.endpoints import Endpoint, path_param, query
from ccengine.web.errors import InvalidParameter
from ccengine.web.keys import SLA_BOOK
from ccengine.web.params import DATABASE, checked_text, integer

READERS = frozenset(Role)
ADMINS = frozenset({Role.ADMIN})
FIRST_YEAR, LAST_YEAR = 1970, 2100  # beyond, holiday rules mean little
CALENDARS, POLICIES = "/api/v1/sla/calendars", "/api/v1/sla/policies"
Input = TypeVar("Input", bound=BaseModel)

__all__ = ["ENDPOINTS", "SCHEMAS", "setup"]


def setup(app: web.Application) -> None:
    """One SLA book per application (create_app shares its own with the routing)."""
    if SLA_BOOK not in app:
        app[SLA_BOOK] = StoredSlaBook(app[DATABASE])


# -- calendars ---------------------------------------------------------------------------


async def list_calendars(request: web.Request) -> web.Response:
    found = await service.list_calendars(request.app[DATABASE])
    return web.json_response({"items": [calendar_json(stored) for stored in found]})


async def show_calendar(request: web.Request) -> web.Response:
    stored = await service.get_calendar(request.app[DATABASE], _name(request))
    return web.json_response(calendar_json(stored))


async def create_calendar(request: web.Request) -> web.Response:
    calendar = await _calendar_body(request, None)
    stored = await service.create_calendar(request.app[DATABASE], calendar)
    _changed(request)
    return web.json_response(calendar_json(stored))


async def replace_calendar(request: web.Request) -> web.Response:
    calendar = await _calendar_body(request, _name(request))
    stored = await service.replace_calendar(request.app[DATABASE], calendar)
    _changed(request)
    return web.json_response(calendar_json(stored))


async def delete_calendar(request: web.Request) -> web.Response:
    name = _name(request)
    await service.delete_calendar(request.app[DATABASE], name)
    _changed(request)
    return web.json_response({"deleted": name})


async def preview_calendar(request: web.Request) -> web.Response:
    stored = await service.get_calendar(request.app[DATABASE], _name(request))
    days = integer(request, "days", PREVIEW_DAYS, minimum=1, maximum=MAX_PREVIEW_DAYS)
    first = _first_day(request, stored.calendar)
    return web.json_response(preview_json(stored.calendar, first, days))


async def _calendar_body(request: web.Request, path_name: str | None) -> BusinessCalendar:
    body = _checked(CalendarInput, await json_object(request))
    name = _body_name(body.name, path_name)
    return calendar_from_document(name, body.model_dump(mode="json", by_alias=True))


def _first_day(request: web.Request, calendar: BusinessCalendar) -> date:
    raw = request.query.get("from")
    if not raw:
        return datetime.now(calendar.zone).date()
    try:
        first = date.fromisoformat(raw)
    except ValueError:
        raise InvalidParameter("from", f"expected a date (YYYY-MM-DD), got {raw!r}") from None
    if not FIRST_YEAR <= first.year <= LAST_YEAR:
        raise InvalidParameter("from", f"the year must be {FIRST_YEAR}..{LAST_YEAR}")
    return first


# -- policies ----------------------------------------------------------------------------


async def list_policies(request: web.Request) -> web.Response:
    found = await service.list_policies(request.app[DATABASE])
    return web.json_response({"items": [policy_json(stored) for stored in found]})


async def show_policy(request: web.Request) -> web.Response:
    stored = await service.get_policy(request.app[DATABASE], _name(request))
    return web.json_response(policy_json(stored))


async def create_policy(request: web.Request) -> web.Response:
    stored = await service.create_policy(request.app[DATABASE], await _policy_body(request, None))
    _changed(request)
    return web.json_response(policy_json(stored))


async def replace_policy(request: web.Request) -> web.Response:
    policy = await _policy_body(request, _name(request))
    stored = await service.replace_policy(request.app[DATABASE], policy)
    _changed(request)
    return web.json_response(policy_json(stored))


async def delete_policy(request: web.Request) -> web.Response:
    name = _name(request)
    await service.delete_policy(request.app[DATABASE], name)
    _changed(request)
    return web.json_response({"deleted": name})


async def _policy_body(request: web.Request, path_name: str | None) -> SlaPolicy:
    body = _checked(PolicyInput, await json_object(request))
    name = _body_name(body.name, path_name)
    return policy_from_document(name, body.model_dump(mode="json", by_alias=True))


# -- plumbing ----------------------------------------------------------------------------


def _name(request: web.Request) -> str:
    return checked_text("name", request.match_info["name"])


def _body_name(given: str | None, path_name: str | None) -> str:
    """Create: the body names it. Replace: the path does (no renames: policies name it)."""
    if path_name is None:
        if given is None:
            raise InvalidBody("name", "is required")
        return given
    if given is not None and given != path_name:
        raise InvalidBody("name", f"a replace keeps the name {path_name!r} (no renames)")
    return path_name


def _checked(model: type[Input], body: dict[str, Any]) -> Input:
    _refuse_nul(body, "")
    try:
        return model.model_validate(body)
    except ValidationError as error:
        first = error.errors()[0]
        raise InvalidBody(field_path(first["loc"]), first["msg"]) from None


def _refuse_nul(value: object, where: str) -> None:
    """PostgreSQL text cannot hold NUL: a 400 naming the field, not a 500 at the insert."""
    if isinstance(value, str) and "\x00" in value:
        raise InvalidBody(where, "must not contain NUL characters")
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(key, where)
            _refuse_nul(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_nul(item, f"{where}[{index}]")


def field_path(location: tuple[int | str, ...]) -> str:
    """('closed_days', 3, 'from') → 'closed_days[3].from', the core's way of naming."""
    path = ""
    for part in location:
        if part == "[key]":  # pydantic's marker for a bad dict key: the key names it
            continue
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


def _changed(request: web.Request) -> None:
    request.app[SLA_BOOK].invalidate()


NAME_PARAM = path_param("name", "the calendar's or policy's name ('/' written %2F)",
                        {**NAME, "maxLength": MAX_NAME})
FROM = query("from", {"type": "string", "format": "date"},
             "first day (YYYY-MM-DD); default: today in the calendar's zone")
DAYS = query("days", {"type": "integer", "minimum": 1, "maximum": MAX_PREVIEW_DAYS,
                      "default": PREVIEW_DAYS}, "how many days")
ONE_CALENDAR, ONE_POLICY = f"{CALENDARS}/{{name}}", f"{POLICIES}/{{name}}"

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", CALENDARS, list_calendars, READERS, result="SlaCalendarList",
             summary="Named business calendars: hours, time zone, holidays, closed days"),
    Endpoint("POST", CALENDARS, create_calendar, ADMINS, body="SlaCalendarInput",
             result="SlaCalendar", summary="Create a calendar"),
    Endpoint("GET", ONE_CALENDAR, show_calendar, READERS, parameters=[NAME_PARAM],
             result="SlaCalendar", summary="One calendar"),
    Endpoint("PUT", ONE_CALENDAR, replace_calendar, ADMINS, parameters=[NAME_PARAM],
             body="SlaCalendarInput", result="SlaCalendar",
             summary="Replace a calendar (route graphs and SLA clocks use it at once)"),
    Endpoint("DELETE", ONE_CALENDAR, delete_calendar, ADMINS, parameters=[NAME_PARAM],
             summary="Delete a calendar no policy and no published route graph uses"),
    Endpoint("GET", f"{ONE_CALENDAR}/preview", preview_calendar, READERS,
             parameters=[NAME_PARAM, FROM, DAYS], result="SlaCalendarPreview",
             summary="The calendar day by day: open intervals and why closed days are closed"),
    Endpoint("GET", POLICIES, list_policies, READERS, result="SlaPolicyList",
             summary="SLA policies in order (the first of equally specific ones wins)"),
    Endpoint("POST", POLICIES, create_policy, ADMINS, body="SlaPolicyInput",
             result="SlaPolicy", summary="Create a policy (it goes last)"),
    Endpoint("GET", ONE_POLICY, show_policy, READERS, parameters=[NAME_PARAM],
             result="SlaPolicy", summary="One SLA policy"),
    Endpoint("PUT", ONE_POLICY, replace_policy, ADMINS, parameters=[NAME_PARAM],
             body="SlaPolicyInput", result="SlaPolicy", summary="Replace a policy"),
    Endpoint("DELETE", ONE_POLICY, delete_policy, ADMINS, parameters=[NAME_PARAM],
             summary="Delete a policy"),
)
