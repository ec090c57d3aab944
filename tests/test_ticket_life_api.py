"""Snoozing over HTTP on both databases (real TCP): the list hides a snoozed ticket, the
sweep wakes it and tells its assignee, bad input is a 4xx naming the field."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from ccengine.calls.model import FinishedCall, Outcome
from ccengine.config import TicketsConfig, WebConfig
from ccengine.db import Database
from ccengine.notifications.api import FOLLOWER
from ccengine.tickets.enums import TicketStatus
from ccengine.tickets.life_api import sweep_once
from ccengine.tickets.service import TicketService
from ccengine.users.models import Role
from ccengine.web.api import setup_api
from ccengine.web.hub import HUB
from ccengine.web.keys import CLOCK, Clock
from tests.people import signed_in

Client = TestClient[Any, Any]
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
PEOPLE = {"admin": ("Administrator", Role.ADMIN), "anna": ("Anna Nowak", Role.AGENT),
          "bartek": ("Bartek Zieliński", Role.AGENT)}


class FixedClock(Clock):
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


@dataclass
class World:
    app: web.Application
    client: Client
    headers: dict[str, dict[str, str]]
    clock: FixedClock
    answered: str  # Anna's ticket
    closed: str

    async def call(self, who: str, method: str, path: str, status: int = 200,
                   **kwargs: Any) -> Any:
        response = await self.client.request(method, f"/api/v1{path}",
                                             headers=self.headers[who], **kwargs)
        body = await response.json()
        assert response.status == status, body
        return body

    async def listed(self, query: str = "") -> list[str]:
        body = await self.call("admin", "GET", f"/tickets?{query}")
        return [item["number"] for item in body["items"]]


@pytest.fixture
async def world(database: Database, make_call: Callable[..., FinishedCall],
                ) -> AsyncIterator[World]:
    tickets = TicketService(database, TicketsConfig())
    answered, missed = await tickets.record_calls(
        [make_call("l.1"), make_call("l.2", Outcome.ABANDONED, caller_number="602999888")])
    await tickets.change_status(missed.ticket_number, TicketStatus.CLOSED)
    app = web.Application()
    setup_api(app, database, WebConfig(secure_cookie=False))
    clock = app[CLOCK] = FixedClock(NOW)
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    headers = await signed_in(database, PEOPLE, NOW)
    yield World(app, client, headers, clock, answered.ticket_number, missed.ticket_number)
    await client.close()


async def test_snooze_hides_the_ticket_until_the_sweep_wakes_it(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    told: list[tuple[str, dict[str, Any], int | None]] = []

    def publish(topic: str, message: dict[str, Any], user_id: int | None = None) -> int:
        told.append((topic, message, user_id))
        return 1

    monkeypatch.setattr(world.app[HUB], "publish", publish)
    follower = world.app[FOLLOWER]  # it publishes what the sweep committed
    monkeypatch.setattr(follower, "wanted", lambda _user_id: True)  # as if all had tabs
    until = NOW + timedelta(hours=2)
    body = await world.call("anna", "POST", f"/tickets/{world.answered}/snooze",
                            json={"until": until.isoformat()})
    assert datetime.fromisoformat(body["ticket"]["snoozed_until"]) == until
    assert body["timeline"][-1]["kind"] == "snooze"
    assert world.answered not in await world.listed()
    assert await world.listed("snoozed=true") == [world.answered]
    assert world.answered in await world.listed("snoozed=all")

    world.clock.at = until
    woken, _ = await sweep_once(world.app)
    assert [ticket.number for ticket in woken] == [world.answered]
    assert woken[0].assignee == "Anna Nowak"
    anna = await world.call("anna", "GET", "/me")
    await follower.poll()
    [(topic, message, user_id)] = told  # only Anna, the assignee, hears of it
    assert (topic, message["type"], user_id) == ("notifications", "notification",
                                                 anna["user"]["id"])
    assert message["notification"]["ticket_number"] == world.answered
    bell = await world.call("anna", "GET", "/notifications")
    assert [item["kind"] for item in bell["items"]] == ["snooze_ended"]
    assert (await world.call("bartek", "GET", "/notifications"))["items"] == []
    assert world.answered in await world.listed()
    shown = await world.call("anna", "GET", f"/tickets/{world.answered}")
    assert (shown["ticket"]["status"], shown["ticket"]["snoozed_until"]) == ("in_progress", None)


async def test_waking_early_over_http(world: World) -> None:
    until = (NOW + timedelta(days=1)).isoformat()
    await world.call("anna", "POST", f"/tickets/{world.answered}/snooze", json={"until": until})
    body = await world.call("anna", "DELETE", f"/tickets/{world.answered}/snooze")
    assert body["ticket"]["snoozed_until"] is None
    assert world.answered in await world.listed()


@pytest.mark.parametrize(("payload", "status", "error"), [
    ({"until": (NOW - timedelta(minutes=1)).isoformat()}, 400, "snooze-in-the-past"),
    ({"until": (NOW + timedelta(days=400)).isoformat()}, 400, "snooze-too-far"),
    ({"until": "2026-03-03T08:00:00"}, 400, "invalid-body"),  # no offset
    ({"until": "tomorrow"}, 400, "invalid-body"),
    ({"until": 5}, 400, "invalid-body"),
    ({}, 400, "invalid-body"),
    ({"until": (NOW + timedelta(hours=1)).isoformat(), "why": "x"}, 400, "invalid-body"),
])
async def test_bad_snoozes_name_the_field(world: World, payload: dict[str, Any], status: int,
                                          error: str) -> None:
    body = await world.call("anna", "POST", f"/tickets/{world.answered}/snooze", status,
                            json=payload)
    assert body["error"] == error
    assert body["field"] in ("until", "why")


async def test_finished_and_invisible_tickets_cannot_be_snoozed(world: World) -> None:
    until = {"until": (NOW + timedelta(hours=1)).isoformat()}
    body = await world.call("admin", "POST", f"/tickets/{world.closed}/snooze", 409, json=until)
    assert body["error"] == "ticket-finished"
    body = await world.call("bartek", "POST", f"/tickets/{world.answered}/snooze", 404,
                            json=until)
    assert body["error"] == "ticket-not-found"  # Anna's ticket: Bartek does not see it


async def test_resolved_is_a_status_the_api_accepts_and_filters(world: World) -> None:
    await world.call("anna", "PATCH", f"/tickets/{world.answered}", json={"status": "resolved"})
    assert await world.listed("status=resolved") == [world.answered]
    shown = await world.call("anna", "GET", f"/tickets/{world.answered}")
    assert shown["ticket"]["sla"] is None or shown["ticket"]["sla"]["resolved_at"] is not None
