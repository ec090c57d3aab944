"""The SLA page's server-side answers through real HTTP, on SQLite and PostgreSQL: when
a ticket opened now would be due (the issue's worked example on a frozen clock, and
the effect of an edit at once), and a calendar's public holidays of a year."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from ccengine.config import WebConfig
from ccengine.db import Database
from ccengine.users import service
from ccengine.users.models import Role
from ccengine.web.api import setup_api
from ccengine.web.keys import CLOCK, Clock
from tests.people import SessionClient as User

Client = TestClient[Any, Any]
WEDNESDAY_1730 = datetime(2026, 12, 23, 16, 30, tzinfo=UTC)  # 17:30 in Warsaw


class FixedClock(Clock):
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


@pytest.fixture
async def client(database: Database) -> AsyncIterator[Client]:
    app = web.Application()
    setup_api(app, database, WebConfig(secure_cookie=False))
    app[CLOCK] = FixedClock(WEDNESDAY_1730)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def person(client: Client, database: Database, name: str, role: Role) -> User:
    user = await service.create_user(database, name, "Haslo-Testowe-42", role)
    new = await service.create_session(database, user)
    return User(client, new.csrf_token, new.token, "/api/v1/sla")


async def test_a_p2_ticket_opened_now_is_due_as_the_worked_example_says(
        client: Client, database: Database) -> None:
    agent = await person(client, database, "ola", Role.AGENT)
    preview = await agent.ok("GET", "/due-preview?priority=P2")
    assert preview["policy"] == "P2" and preview["calendar"] == "business"
    assert preview["opened_at"] == "2026-12-23T16:30:00+00:00"
    # Thursday 24 December is a public holiday from 2025; Friday is Christmas.
    assert preview["first_response_due_at"] == "2026-12-28T07:30:00+00:00"  # Mon 08:30
    assert preview["resolution_due_at"] == "2026-12-28T14:30:00+00:00"  # Mon 15:30
    p1 = await agent.ok("GET", "/due-preview?priority=P1&vip=true&queue=reklamacje")
    assert p1["first_response_due_at"] == "2026-12-23T16:45:00+00:00"  # 24/7: 15 min


async def test_an_edited_policy_moves_the_preview_at_once(client: Client,
                                                           database: Database) -> None:
    admin = await person(client, database, "ewa", Role.ADMIN)
    vip_policy = {"name": "VIP P2", "priority": "P2", "vip": True, "calendar": "24/7",
                  "first_response": {"amount": 30, "unit": "minutes"},
                  "resolution": {"amount": 2, "unit": "hours"}}
    await admin.ok("POST", "/policies", vip_policy)
    vip = await admin.ok("GET", "/due-preview?priority=P2&vip=1")
    assert (vip["policy"], vip["resolution_due_at"]) == ("VIP P2", "2026-12-23T18:30:00+00:00")
    plain = await admin.ok("GET", "/due-preview?priority=P2&vip=false")
    assert plain["policy"] == "P2"
    await admin.ok("DELETE", "/policies/P4")
    assert (await admin.ok("GET", "/due-preview?priority=P4"))["policy"] is None


async def test_bad_questions_are_400_naming_the_parameter(client: Client,
                                                          database: Database) -> None:
    agent = await person(client, database, "ola", Role.AGENT)
    for query, field in (("", "priority"), ("?priority=P9", "priority"),
                         ("?priority=P1&vip=maybe", "vip"), (f"?priority=P1&queue={'q' * 101}",
                                                             "queue")):
        status, body = await agent.call("GET", f"/due-preview{query}")
        assert status == 400, body
        assert field in body["message"] or body.get("field") == field, body
    status, body = await agent.call("GET", "/calendars/business/holidays?year=3000")
    assert status == 400 and "year" in str(body)
    status, body = await agent.call("GET", "/calendars/nope/holidays")
    assert status == 404, body


async def test_a_calendars_public_holidays_of_a_year(client: Client,
                                                     database: Database) -> None:
    agent = await person(client, database, "ola", Role.AGENT)
    found = await agent.ok("GET", "/calendars/business/holidays?year=2026")
    assert (found["country"], found["year"]) == ("PL", 2026)
    days = {item["date"]: item["name"] for item in found["items"]}
    assert "2026-12-24" in days and "2026-04-06" in days  # Wigilia; Easter Monday moves
    assert days["2026-11-11"] == "Narodowe Święto Niepodległości"
    assert list(days) == sorted(days)
    default_year = await agent.ok("GET", "/calendars/business/holidays")
    assert default_year["year"] == 2026  # the app's clock, in the calendar's zone
    none = await agent.ok("GET", "/calendars/24%2F7/holidays?year=2026")
    assert (none["country"], none["items"]) == (None, [])
