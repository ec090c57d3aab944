"""Notifications reach their owner's tabs on every process, exactly once, over real
SQLite and PostgreSQL: two app instances on one database, as two ``ccengine serve``
processes run; the alerts are written by one of them, the tabs sit on both.

And the follower alone: rows committed out of id order (a hole that fills later) are
delivered once each; a hole that never fills (a rolled-back insert) is given up.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from ccengine.automation.api import publisher
from ccengine.automation.runner import AutomationRunner
from ccengine.config import DatabaseConfig, WebConfig
from ccengine.db import Database
from ccengine.notifications.api import FOLLOW_SECONDS, FOLLOWER, notified
from ccengine.notifications.book import BuiltInBookProvider
from ccengine.notifications.follower import NotificationFollower
from ccengine.notifications.model import NotificationView
from ccengine.notifications.scheduler import AlertScheduler
from ccengine.notifications.service import new_notification
from ccengine.notifications.storage_models import Notification
from ccengine.users import service
from ccengine.users.models import User
from ccengine.web.api import setup_api
from ccengine.web.auth import COOKIE
from tests.automation_helpers import add_rule
from tests.test_sla_alerts import FR_100, OPENED, Members, add_people, add_ticket

Client = TestClient[Any, Any]
POLL = 0.05  # seconds between the followers' polls here
QUIET = 10 * POLL  # long enough for a duplicate to show up if there were one


@dataclass
class Process:
    app: web.Application
    client: Client

    async def tab(self, database: Database, login: str) -> aiohttp.ClientWebSocketResponse:
        async with database.sessions() as session:
            user = await session.scalar(select(User).where(User.login == login))
        assert user is not None
        token = (await service.create_session(database, user)).token
        origin = str(self.client.make_url("")).rstrip("/")
        socket = await self.client.ws_connect("/ws", headers={"Cookie": f"{COOKIE}={token}"},
                                              origin=origin)
        await socket.send_json({"type": "subscribe", "topics": ["notifications"]})
        first = await socket.receive_json(timeout=10)
        assert first == {"type": "notifications", "unread": 0}
        return socket


async def start(database: Database) -> Process:
    app = web.Application()
    setup_api(app, database, WebConfig(secure_cookie=False))
    app[FOLLOW_SECONDS] = POLL
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    return Process(app, client)


@pytest.fixture
async def pair(database: Database) -> AsyncIterator[tuple[Process, Process]]:
    """Process A on the test's database handle, B on its own engine and pool."""
    other = Database.open(DatabaseConfig(
        url=database.engine.url.render_as_string(hide_password=False)))
    first, second = await start(database), await start(other)
    try:
        yield first, second
    finally:
        await first.client.close()
        await second.client.close()
        await other.close()


async def heard(socket: aiohttp.ClientWebSocketResponse, quiet: float) -> list[dict[str, Any]]:
    """Every notification message until the socket stays quiet for ``quiet`` seconds."""
    found = []
    while True:
        try:
            message = await socket.receive_json(timeout=quiet)
        except TimeoutError:
            return found
        assert message["type"] == "notification"
        found.append(message["notification"])


async def ids_of(database: Database, user_id: int) -> list[int]:
    async with database.sessions() as session:
        query = select(Notification.id).where(Notification.user_id == user_id)
        return sorted(await session.scalars(query))


async def test_alerts_written_by_one_process_reach_tabs_on_both_once(
        database: Database, pair: tuple[Process, Process]) -> None:
    a, b = pair
    people = await add_people(database)
    for n in range(3):
        await add_ticket(database, f"T-{n}", created_at=OPENED + timedelta(minutes=n))
    tabs = {"anna@b": await b.tab(database, "anna"), "anna@a": await a.tab(database, "anna"),
            "lider@b": await b.tab(database, "lider"), "obcy@b": await b.tab(database, "obcy")}
    # A's scheduler, wired as the app wires it: it only nudges A's follower.
    scheduler = AlertScheduler(database, BuiltInBookProvider(),
                               Members({"reklamacje": frozenset({"PJSIP/lider"})}),
                               lambda _user, _message: notified(a.app))
    report = await scheduler.tick(FR_100 + timedelta(hours=1))
    assert report.alerts == 9 and report.notifications == 18  # 3 tickets × 3 thresholds
    got = dict(zip(tabs, await asyncio.gather(*(heard(tab, QUIET * 4) for tab in tabs.values())),
                   strict=True))
    for name, user in (("anna@b", "anna"), ("anna@a", "anna"), ("lider@b", "lider")):
        assert sorted(item["id"] for item in got[name]) == await ids_of(database, people[user])
        assert len(got[name]) == 9, name  # each once, on each of the user's tabs
    assert all(item["kind"] == "sla_alert" for item in got["anna@b"])
    assert got["obcy@b"] == []  # a leader of another queue hears nothing of them


async def test_a_row_written_on_b_reaches_only_its_owner_on_a(
        database: Database, pair: tuple[Process, Process]) -> None:
    a, b = pair
    people = await add_people(database)
    anna, obcy = await a.tab(database, "anna"), await a.tab(database, "obcy")
    async with b.app[FOLLOWER].database.writer() as session:  # B's own engine
        session.add(new_notification(people["anna"], "snooze_ended", "T-9", "Back", "body",
                                     {}, OPENED))
        await session.commit()
    notified(b.app)
    [item] = await heard(anna, QUIET * 4)  # A found it by its poll alone
    assert (item["ticket_number"], item["title"]) == ("T-9", "Back")
    assert await heard(obcy, QUIET) == []


class Recorder:
    def __init__(self) -> None:
        self.delivered: list[tuple[int, int]] = []  # (user id, notification id)
        self.now = 0.0

    def deliver(self, user_id: int, view: NotificationView) -> None:
        self.delivered.append((user_id, view.id))


async def insert(database: Database, user_id: int, row_id: int) -> None:
    async with database.writer() as session:
        row = new_notification(user_id, "sla_alert", None, f"n{row_id}", "body", {}, OPENED)
        row.id = row_id
        session.add(row)
        await session.commit()


async def test_rows_committed_out_of_id_order_are_each_delivered_once(
        database: Database) -> None:
    people = await add_people(database)
    seen = Recorder()
    follower = NotificationFollower(database, seen.deliver, monotonic=lambda: seen.now,
                                    hole_seconds=30)
    await insert(database, people["anna"], 10)
    await follower.start()
    assert follower.low == 10  # what was there before is not pushed
    await insert(database, people["anna"], 12)  # 11 is still in another transaction
    await follower.poll()
    seen.now = 5.0
    await insert(database, people["lider"], 11)  # ... which commits now
    await follower.poll()
    await follower.poll()
    assert seen.delivered == [(people["anna"], 12), (people["lider"], 11)]
    assert follower.low == 12


async def test_a_hole_that_never_fills_is_given_up(database: Database) -> None:
    people = await add_people(database)
    seen = Recorder()
    follower = NotificationFollower(database, seen.deliver, monotonic=lambda: seen.now,
                                    hole_seconds=30)
    await follower.start()
    await insert(database, people["anna"], 3)  # 1 and 2 rolled back
    await follower.poll()
    assert follower.low == 0
    seen.now = 31.0
    await follower.poll()
    assert follower.low == 3 and seen.delivered == [(people["anna"], 3)]


async def test_users_without_a_tab_here_are_not_read(database: Database) -> None:
    people = await add_people(database)
    seen = Recorder()
    follower = NotificationFollower(database, seen.deliver,
                                    wanted=lambda user_id: user_id == people["lider"])
    await follower.start()
    await insert(database, people["anna"], 1)
    await insert(database, people["lider"], 2)
    await follower.poll()
    assert seen.delivered == [(people["lider"], 2)] and follower.low == 2


async def test_polls_at_once_deliver_each_row_once(database: Database) -> None:
    people = await add_people(database)
    seen = Recorder()
    follower = NotificationFollower(database, seen.deliver)
    await follower.start()
    await insert(database, people["anna"], 1)
    await asyncio.gather(*(follower.poll() for _ in range(4)))
    assert seen.delivered == [(people["anna"], 1)]


async def test_an_automation_notification_reaches_the_tab_once(database: Database) -> None:
    """The runner, wired as the app wires it, only nudges the follower: the follower
    alone publishes the row (before, the runner also published it: two messages)."""
    process = await start(database)
    try:
        people = await add_people(database)
        await add_rule(database, {"name": "Powiadom Annę", "trigger": {"event": "created"},
                                  "actions": [{"kind": "notify_user", "value": "anna"}]})
        await add_ticket(database, "T-A1")
        tab = await process.tab(database, "anna")
        runner = AutomationRunner(database, publish=publisher(process.app))
        assert len((await runner.tick(OPENED)).executions) == 1
        got = await heard(tab, QUIET * 4)
        assert [item["id"] for item in got] == await ids_of(database, people["anna"])
        assert len(got) == 1 and got[0]["kind"] == "automation"
        await tab.close()
    finally:
        await process.client.close()


async def test_a_held_hole_under_more_than_a_page_neither_spins_nor_stalls(
        database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hole kept open below more than a page of rows: the catch-up loop (``run``'s)
    reads each page once and stops, every row is delivered, the hole's row later once."""
    monkeypatch.setattr("ccengine.notifications.follower.PAGE", 3)
    people = await add_people(database)
    seen = Recorder()
    follower = NotificationFollower(database, seen.deliver, monotonic=lambda: seen.now,
                                    hole_seconds=30)
    await follower.start()
    for row_id in range(2, 10):  # 1 is still in another transaction
        await insert(database, people["anna"], row_id)
    rounds = 1
    while await follower.poll() >= 3:
        rounds += 1
        assert rounds < 10, "the follower re-reads the same page"
    assert [row_id for _, row_id in seen.delivered] == list(range(2, 10))
    assert follower.low == 0  # the hole is still waited for
    await insert(database, people["lider"], 1)
    await follower.poll()
    await follower.poll()
    assert seen.delivered[8:] == [(people["lider"], 1)] and follower.low == 9
