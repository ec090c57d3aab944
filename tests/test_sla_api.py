"""Calendars and SLA policies through real HTTP, on SQLite and PostgreSQL.

The migration's seeds are the core's defaults; admins create, replace and
delete; every other role reads and is refused writes; bad calendars are a 400
naming the field; a calendar in use cannot go.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from ccengine.config import WebConfig
from ccengine.db import Database
from ccengine.sla import DEFAULT_BUSINESS, BusinessCalendar, default_policies
from ccengine.sla.book import StoredSlaBook
from ccengine.sla.documents import calendar_document, policy_document
from ccengine.users import service
from ccengine.users.models import Role
from ccengine.web.api import setup_api
from ccengine.web.keys import SLA_BOOK
from tests.people import SessionClient as User

Client = TestClient[Any, Any]
STAMPS = ("version", "updated_at", "position")



async def login(client: Client, database: Database, name: str, role: Role) -> User:
    user = await service.create_user(database, name, "Haslo-Testowe-42", role)
    new = await service.create_session(database, user)
    return User(client, new.csrf_token, new.token, "/api/v1/sla")


@pytest.fixture
async def client(database: Database) -> AsyncIterator[Client]:
    app = web.Application()
    setup_api(app, database, WebConfig(secure_cookie=False))
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


@pytest.fixture
async def admin(client: Client, database: Database) -> User:
    return await login(client, database, "ewa", Role.ADMIN)


def without_stamps(item: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in item.items() if key not in STAMPS}


def summer_hours(**changes: Any) -> dict[str, Any]:
    body = {"name": "lato", "timezone": "Europe/Warsaw",
            "hours": {"mon": ["08:00-12:00", "13:00-16:00"], "sat": ["10:00-14:00"]},
            "country": "PL",
            "closed_days": [{"name": "Inwentaryzacja", "from": "2026-07-01",
                             "to": "2026-07-02"}]}
    return {**body, **changes}


def a_policy(**changes: Any) -> dict[str, Any]:
    body = {"name": "VIP P2", "priority": "P2", "vip": True, "calendar": "business",
            "first_response": {"amount": 30, "unit": "minutes"},
            "resolution": {"amount": 1, "unit": "business_days"},
            "escalation": ["raise_priority", {"move_queue": "vip"}]}
    return {**body, **changes}


async def test_the_migration_seeds_the_cores_defaults(admin: User) -> None:
    calendars = (await admin.ok("GET", "/calendars"))["items"]
    assert [without_stamps(c) for c in calendars] == [
        calendar_document(BusinessCalendar.always_open()), calendar_document(DEFAULT_BUSINESS)]
    policies = (await admin.ok("GET", "/policies"))["items"]
    assert [without_stamps(p) for p in policies] == [policy_document(p)
                                                     for p in default_policies()]


async def test_the_book_is_the_seeds_and_follows_writes(client: Client, admin: User) -> None:
    app = client.app
    assert app is not None
    book = await app[SLA_BOOK].current()
    assert set(book.calendars) == {"24/7", "business"}
    assert book.calendars["business"] == DEFAULT_BUSINESS
    assert book.policies == default_policies()
    await admin.ok("POST", "/calendars", summer_hours())
    await admin.ok("POST", "/policies", a_policy(calendar="lato"))
    book = await app[SLA_BOOK].current()
    assert "lato" in book.calendars and book.policies[-1].name == "VIP P2"


async def test_another_process_write_is_seen_by_the_stamp(database: Database,
                                                         admin: User) -> None:
    book = StoredSlaBook(database, recheck_seconds=0)
    before = await book.current()
    assert await book.current() is before  # nothing changed: the same snapshot
    await admin.ok("PUT", "/calendars/business", {**calendar_document(DEFAULT_BUSINESS),
                                                  "country": None})
    after = await book.current()
    assert after is not before and after.calendars["business"].country is None


async def test_create_read_replace_delete_a_calendar(admin: User) -> None:
    created = await admin.ok("POST", "/calendars", summer_hours())
    assert created["hours"] == {"mon": ["08:00-12:00", "13:00-16:00"], "sat": ["10:00-14:00"]}
    assert created["version"] == 1
    assert await admin.ok("GET", "/calendars/lato") == created
    replaced = await admin.ok("PUT", "/calendars/lato", summer_hours(
        name=None, hours={"mon": ["00:00-24:00"]}, closed_days=[]))
    assert (replaced["version"], replaced["hours"]) == (2, {"mon": ["00:00-24:00"]})
    assert await admin.ok("DELETE", "/calendars/lato") == {"deleted": "lato"}
    status, error = await admin.call("GET", "/calendars/lato")
    assert (status, error["error"]) == (404, "calendar-not-found")


async def test_a_name_with_a_slash_is_reached_encoded(admin: User) -> None:
    found = await admin.ok("GET", f"/calendars/{quote('24/7', safe='')}")
    assert found["name"] == "24/7" and found["country"] is None


@pytest.mark.parametrize(("hours", "field"), [
    ({"mon": ["08:00-12:00", "11:00-14:00"]}, "hours.mon[1]"),
    ({"tue": ["08:00-12:00", "13:00-18:00", "07:00-08:30"]}, "hours.tue[2]"),
    ({"wed": ["18:00-08:00"]}, "hours.wed[0]"),
    ({"thu": ["8-18"]}, "hours.thu[0]"),
])
async def test_bad_hours_are_a_400_naming_the_field(admin: User, hours: dict[str, Any],
                                                    field: str) -> None:
    status, error = await admin.call("POST", "/calendars", summer_hours(hours=hours))
    assert status == 400, error
    assert (error["error"], error["field"]) == ("invalid-calendar", field)
    assert field in error["message"]


@pytest.mark.parametrize(("changes", "error_id", "field"), [
    ({"timezone": "Europe/Atlantyda"}, "invalid-calendar", "timezone"),
    ({"country": "XX"}, "invalid-calendar", "country"),
    ({"closed_days": [{"name": "x", "from": "2026-07-02", "to": "2026-07-01"}]},
     "invalid-calendar", "closed_days[0]"),
    ({"hours": {"mon": ["08:00-09:00"] * 9}}, "invalid-body", "hours.mon"),
    ({"hours": {"xyz": []}}, "invalid-body", "hours.xyz"),
    ({"closed_days": [{"name": "x", "from": "2026-01-01"}] * 367}, "invalid-body",
     "closed_days"),
    ({"closed_days": [{"name": "x", "from": "jutro"}]}, "invalid-body", "closed_days[0].from"),
    ({"name": "../x"}, "invalid-body", "name"),
    ({"name": None}, "invalid-body", "name"),
    ({"name": "business"}, "name-taken", "name"),
    ({"closed_days": [{"name": "a\x00b", "from": "2026-01-01"}]}, "invalid-body",
     "closed_days[0].name"),
])
async def test_bad_calendars_are_4xx_with_stable_ids(admin: User, changes: dict[str, Any],
                                                     error_id: str, field: str) -> None:
    status, error = await admin.call("POST", "/calendars", summer_hours(**changes))
    assert 400 <= status < 500, error
    assert (error["error"], error["field"]) == (error_id, field)


async def test_a_replace_cannot_rename(admin: User) -> None:
    status, error = await admin.call("PUT", "/calendars/business", summer_hours(name="inna"))
    assert (status, error["error"], error["field"]) == (400, "invalid-body", "name")
    status, error = await admin.call("PUT", "/calendars/brak", summer_hours(name=None))
    assert (status, error["error"]) == (404, "calendar-not-found")


async def test_policies_crud_and_their_calendar_must_exist(admin: User) -> None:
    created = await admin.ok("POST", "/policies", a_policy())
    assert without_stamps(created) == {**a_policy(), "queue": None, "category": None}
    assert created["position"] == 5  # after the four seeded ones
    replaced = await admin.ok("PUT", f"/policies/{quote('VIP P2')}",
                              a_policy(name=None, calendar="24/7", escalation=[]))
    assert (replaced["calendar"], replaced["version"]) == ("24/7", 2)
    status, error = await admin.call("POST", "/policies", a_policy(name="x", calendar="brak"))
    assert (status, error["error"], error["field"]) == (400, "invalid-policy", "calendar")
    status, error = await admin.call("POST", "/policies", a_policy(name="z", queue="a\x00"))
    assert (status, error["error"], error["field"]) == (400, "invalid-body", "queue")
    status, error = await admin.call("POST", "/policies", a_policy(
        name="y", first_response={"amount": -1, "unit": "hours"}))
    assert (status, error["error"], error["field"]) == (
        400, "invalid-body", "first_response.amount")
    assert await admin.ok("DELETE", f"/policies/{quote('VIP P2')}") == {"deleted": "VIP P2"}
    status, error = await admin.call("GET", f"/policies/{quote('VIP P2')}")
    assert (status, error["error"]) == (404, "policy-not-found")


async def test_a_policys_calendar_must_have_opening_hours(admin: User) -> None:
    status, error = await admin.call("PUT", "/calendars/business",
                                     {**calendar_document(DEFAULT_BUSINESS), "hours": {}})
    assert (status, error["error"], error["field"]) == (400, "invalid-calendar", "hours")
    assert "policy P2" in error["message"]
    await admin.ok("POST", "/calendars", summer_hours(hours={}))  # fine for a route graph
    status, error = await admin.call("POST", "/policies", a_policy(calendar="lato"))
    assert (status, error["error"], error["field"]) == (400, "invalid-policy", "calendar")


async def test_a_calendar_a_policy_uses_cannot_be_deleted(admin: User) -> None:
    status, error = await admin.call("DELETE", "/calendars/business")
    assert (status, error["error"]) == (409, "calendar-in-use")
    assert "policy P2" in error["message"] and "policy P4" in error["message"]
    assert (await admin.ok("GET", "/calendars/business"))["name"] == "business"


@pytest.mark.parametrize("role", [Role.AGENT, Role.PRIVILEGED_AGENT, Role.QA_LEAD])
async def test_every_role_reads_only_admins_write(client: Client, database: Database,
                                                  role: Role) -> None:
    user = await login(client, database, "kto", role)
    assert len((await user.ok("GET", "/calendars"))["items"]) == 2
    assert (await user.ok("GET", "/policies/P1"))["calendar"] == "24/7"
    assert (await user.ok("GET", "/calendars/business/preview?from=2026-12-21"))["days"]
    for method, path, body in [("POST", "/calendars", summer_hours()),
                               ("PUT", "/calendars/business", summer_hours(name=None)),
                               ("DELETE", "/calendars/business", None),
                               ("POST", "/policies", a_policy()),
                               ("DELETE", "/policies/P1", None)]:
        status, error = await user.call(method, path, body)
        assert (status, error["error"]) == (403, "forbidden"), (method, path)


async def test_the_preview_shows_open_intervals_and_closed_reasons(admin: User) -> None:
    preview = await admin.ok("GET", "/calendars/business/preview?from=2026-12-21&days=14")
    days = {day["date"]: day for day in preview["days"]}
    assert len(days) == 14
    assert days["2026-12-21"]["open"] == [{"start": "2026-12-21T08:00:00+01:00",
                                           "end": "2026-12-21T18:00:00+01:00"}]
    assert days["2026-12-24"]["closed"] == "holiday: Wigilia Bożego Narodzenia"
    # A Saturday that is also a holiday: the holiday is the reason given.
    assert days["2026-12-26"]["closed"].startswith("holiday: ")
    assert days["2026-12-27"] == {"date": "2026-12-27", "weekday": "sun",
                                  "closed": "no opening hours", "open": []}
    assert all(day["open"] == [] for day in days.values() if day["closed"])


@pytest.mark.parametrize("query", ["from=jutro", "from=1900-01-01", "days=0", "days=63",
                                   "days=x"])
async def test_a_bad_preview_query_is_a_400(admin: User, query: str) -> None:
    status, error = await admin.call("GET", f"/calendars/business/preview?{query}")
    assert (status, error["error"]) == (400, "invalid-parameter")
