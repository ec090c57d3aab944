"""The websocket hub: session auth, topics, per-user delivery, state on subscribe,
a client that falls behind; and ws.js in real Chromium reconnecting by itself."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from playwright.async_api import Page

from ccengine.db import Database
from ccengine.users import service
from ccengine.users.models import Role
from ccengine.users.service import Principal
from ccengine.web.auth import COOKIE
from ccengine.web.hub import HUB, Hub, setup_hub
from ccengine.web.params import DATABASE
from tests.browser import Live, login
from tests.engine_harness import eventually


@pytest.fixture
async def client(database: Database) -> AsyncIterator[TestClient[Any, Any]]:
    app = web.Application()
    app[DATABASE] = database
    hub = setup_hub(app)

    async def state(who: Principal) -> list[dict[str, Any]]:
        return [{"type": "hello", "login": who.login}]

    hub.topic("agent", state)
    hub.topic("admins", roles=[Role.ADMIN])
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def cookie(database: Database, login: str, role: Role = Role.AGENT) -> dict[str, str]:
    user = await service.create_user(database, login, "pw-" + login, role)
    session = await service.create_session(database, user)
    return {"Cookie": f"{COOKIE}={session.token}"}


async def receive(socket: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    message = await asyncio.wait_for(socket.receive(), 5)
    assert message.type is aiohttp.WSMsgType.TEXT, message
    result: dict[str, Any] = json.loads(message.data)
    return result


async def test_per_user_delivery_reaches_every_tab_of_that_user(
        client: TestClient[Any, Any], database: Database) -> None:
    hub: Hub = client.app[HUB]
    anna, piotr = await cookie(database, "anna"), await cookie(database, "piotr")
    tabs = [await client.ws_connect("/ws", headers=anna) for _ in range(2)]
    other = await client.ws_connect("/ws", headers=piotr)
    for socket in (*tabs, other):
        await socket.send_json({"type": "subscribe", "topics": ["agent"]})
        assert (await receive(socket))["type"] == "hello"  # the state, on subscribe
    anna_id = next(iter(c.who.user_id for c in hub._clients if c.who.login == "anna"))

    assert hub.publish("agent", {"type": "pop", "n": 1}, user_id=anna_id) == 2
    assert [await receive(tab) for tab in tabs] == [{"type": "pop", "n": 1}] * 2
    hub.publish("agent", {"type": "all"})
    assert (await receive(other)) == {"type": "all"}  # piotr got nothing of anna's
    assert hub.publish("elsewhere", {"type": "x"}) == 0

    await other.send_json({"type": "ping", "id": 7})
    assert await receive(other) == {"type": "pong", "id": 7}
    await other.send_str("not json")
    assert (await receive(other))["error"] == "invalid-message"
    for socket in (*tabs, other):
        await socket.close()
    await eventually(lambda: len(hub) == 0)


async def test_topics_with_roles_and_bad_subscriptions(
        client: TestClient[Any, Any], database: Database) -> None:
    socket = await client.ws_connect("/ws", headers=await cookie(database, "anna"))
    await socket.send_json({"type": "subscribe", "topics": ["admins"]})
    assert (await receive(socket))["error"] == "forbidden-topic"
    await socket.send_json({"type": "subscribe", "topics": "agent"})
    assert (await receive(socket))["error"] == "invalid-topics"
    admin = await client.ws_connect("/ws", headers=await cookie(database, "boss", Role.ADMIN))
    await admin.send_json({"type": "subscribe", "topics": ["admins"]})
    await admin.send_json({"type": "ping", "id": 1})
    assert await receive(admin) == {"type": "pong", "id": 1}  # subscribed by now
    client.app[HUB].publish("admins", {"type": "alarm"})
    assert await receive(admin) == {"type": "alarm"}
    await socket.close()
    await admin.close()


async def test_no_session_is_closed_with_4401(client: TestClient[Any, Any]) -> None:
    for headers in ({}, {"Cookie": f"{COOKIE}=forged"}):
        socket = await client.ws_connect("/ws", headers=headers)
        message = await asyncio.wait_for(socket.receive(), 5)
        assert message.type is aiohttp.WSMsgType.CLOSE
        assert socket.close_code == 4401


async def test_a_client_that_falls_behind_is_dropped(
        client: TestClient[Any, Any], database: Database) -> None:
    hub: Hub = client.app[HUB]
    socket = await client.ws_connect("/ws", headers=await cookie(database, "anna"))
    await socket.send_json({"type": "subscribe", "topics": ["agent"]})
    await receive(socket)
    [slow] = list(hub._clients)
    slow.outbox = asyncio.Queue(2)  # its writer waits on the old one: nothing drains this
    sent = [hub.publish("agent", {"type": "x", "n": n}) for n in range(4)]
    assert sent == [1, 1, 0, 0]  # the third overflowed: dropped, nothing more for it
    assert len(hub) == 0
    await socket.close()


@pytest.mark.browser
async def test_ws_js_reconnects_resubscribes_and_says_so(live: Live, browser_page: Page) -> None:
    await live.user("anna", Role.AGENT, sip="PJSIP/agent3")
    await login(browser_page, live, "anna")
    await browser_page.evaluate("""async () => {
        const { connect } = await import('/static/ws.js');
        window.got = [];
        window.conn = connect(['agent'], (m) => window.got.push(m));
    }""")
    kinds = "() => window.got.map((m) => m.type)"
    await browser_page.wait_for_function("() => window.got.some((m) => m.type === 'agent')")
    hub = live.app[HUB]
    await hub.close_all()  # the server side goes away (a restart, a proxy timeout)
    await browser_page.wait_for_function(
        "() => window.got.some((m) => m.type === 'reconnected')", timeout=10_000)
    await browser_page.wait_for_function(
        "() => window.got.filter((m) => m.type === 'agent').length >= 2")
    got = await browser_page.evaluate(kinds)
    assert got.index("reconnected") > got.index("agent")
    assert got[got.index("reconnected"):].count("agent") >= 1  # the state, after resubscribing
    assert await browser_page.evaluate("() => window.conn.connected")
    open_before = len(hub)  # the page's own views may hold sockets too
    await browser_page.evaluate("() => window.conn.close()")
    await eventually(lambda: len(hub) == open_before - 1)
    assert not await browser_page.evaluate("() => window.conn.connected")
