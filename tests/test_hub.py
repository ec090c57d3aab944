"""The websocket hub: session auth, the Origin check, sockets closed at logout and
when their session ends, topics, per-user delivery, state on subscribe, a client
that falls behind; and ws.js in real Chromium reconnecting by itself."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from playwright.async_api import Page
from sqlalchemy import update

from ccengine.db import Database
from ccengine.users import service
from ccengine.users.models import Role, User, UserSession
from ccengine.users.service import NewSession, Principal
from ccengine.web.auth import COOKIE, CSRF_HEADER, setup_auth
from ccengine.web.hub import HUB, Hub, setup_hub
from tests.browser import Live, login
from tests.engine_harness import eventually


@pytest.fixture
async def client(database: Database) -> AsyncIterator[TestClient[Any, Any]]:
    app = web.Application()
    setup_auth(app, database, secure_cookie=False)
    hub = setup_hub(app)
    hub.recheck_seconds = 0.1  # the sessions are looked up again almost at once

    async def state(who: Principal) -> list[dict[str, Any]]:
        return [{"type": "hello", "login": who.login}]

    hub.topic("agent", state)
    hub.topic("admins", roles=[Role.ADMIN])
    hub.topic("other")  # no state on subscribe
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def cookie(database: Database, login: str, role: Role = Role.AGENT) -> dict[str, str]:
    user = await service.create_user(database, login, "pw-" + login, role)
    return of(await service.create_session(database, user))


def of(session: NewSession) -> dict[str, str]:
    return {"Cookie": f"{COOKIE}={session.token}"}


def origin(client: TestClient[Any, Any]) -> str:
    """What a browser on a page of this server sends as ``Origin``."""
    return str(client.make_url("/").origin())


async def connect(client: TestClient[Any, Any],
                  headers: dict[str, str]) -> aiohttp.ClientWebSocketResponse:
    return await client.ws_connect("/ws", headers=headers, origin=origin(client))


async def closed_with(socket: aiohttp.ClientWebSocketResponse) -> int:
    """The code of the close frame the server sent.

    Not ``socket.close_code``: aiohttp's server drops the connection right after
    its close frame, and the client then records 1006 for its failed reply (a
    browser reports the code it received).
    """
    message = await asyncio.wait_for(socket.receive(), 5)
    assert message.type is aiohttp.WSMsgType.CLOSE, message
    code: int = message.data
    return code


async def still_open(socket: aiohttp.ClientWebSocketResponse) -> bool:
    await socket.send_json({"type": "ping", "id": "alive"})
    return await receive(socket) == {"type": "pong", "id": "alive"}


async def receive(socket: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    message = await asyncio.wait_for(socket.receive(), 5)
    assert message.type is aiohttp.WSMsgType.TEXT, message
    result: dict[str, Any] = json.loads(message.data)
    return result


async def test_per_user_delivery_reaches_every_tab_of_that_user(
        client: TestClient[Any, Any], database: Database) -> None:
    hub: Hub = client.app[HUB]
    anna, piotr = await cookie(database, "anna"), await cookie(database, "piotr")
    tabs = [await connect(client, anna) for _ in range(2)]
    other = await connect(client, piotr)
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
    socket = await connect(client, await cookie(database, "anna"))
    await socket.send_json({"type": "subscribe", "topics": ["admins"]})
    assert (await receive(socket))["error"] == "forbidden-topic"
    await socket.send_json({"type": "subscribe", "topics": "agent"})
    assert (await receive(socket))["error"] == "invalid-topics"
    await socket.send_json({"type": "subscribe", "topics": ["agnet", "agent"]})
    assert await receive(socket) == {"type": "error", "error": "unknown-topic",
                                     "topic": "agnet", "message": "no such topic"}
    assert (await receive(socket))["type"] == "hello"  # the declared one still subscribes
    [anna] = list(client.app[HUB]._clients)
    assert anna.topics == {"agent"}  # the typo is not kept
    admin = await connect(client, await cookie(database, "boss", Role.ADMIN))
    await admin.send_json({"type": "subscribe", "topics": ["admins"]})
    await admin.send_json({"type": "ping", "id": 1})
    assert await receive(admin) == {"type": "pong", "id": 1}  # subscribed by now
    client.app[HUB].publish("admins", {"type": "alarm"})
    assert await receive(admin) == {"type": "alarm"}
    await socket.close()
    await admin.close()


async def test_no_session_is_closed_with_4401(client: TestClient[Any, Any]) -> None:
    for headers in ({}, {"Cookie": f"{COOKIE}=forged"}):
        socket = await connect(client, headers)
        assert await closed_with(socket) == 4401


async def test_the_handshake_wants_this_servers_origin(
        client: TestClient[Any, Any], database: Database) -> None:
    anna = await cookie(database, "anna")
    own = client.make_url("/")
    foreign = [None, "null", "http://evil.example", f"http://{own.host}:{own.port + 1}",
               f"https://{own.host}:{own.port}", f"http://other.{own.host}:{own.port}",
               "not a url at all"]
    for given in foreign:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await client.ws_connect("/ws", headers=anna, origin=given)
        assert refused.value.status == 403, given
    # Refused before upgrading: a plain JSON answer, as the API gives.
    async with client.get("/ws", headers={**anna, "Origin": "http://evil.example"}) as answer:
        assert (answer.status, (await answer.json())["error"]) == (403, "origin-refused")
    socket = await connect(client, anna)
    assert await still_open(socket)
    await socket.close()


async def test_logout_closes_every_tab_of_that_session(
        client: TestClient[Any, Any], database: Database) -> None:
    user = await service.create_user(database, "anna", "pw-anna", Role.AGENT)
    first, second = [await service.create_session(database, user) for _ in range(2)]
    tabs = [await connect(client, of(first)) for _ in range(2)]
    phone = await connect(client, of(second))  # the same user logged in elsewhere
    for socket in (*tabs, phone):
        assert await still_open(socket)
    async with client.post("/api/v1/logout",
                           headers={**of(first), CSRF_HEADER: first.csrf_token}) as answer:
        assert answer.status == 200
    assert [await closed_with(tab) for tab in tabs] == [4401, 4401]
    assert await still_open(phone)
    await eventually(lambda: len(client.app[HUB]) == 1)
    await phone.close()


async def test_sockets_end_with_their_session_or_their_user(
        client: TestClient[Any, Any], database: Database) -> None:
    anna, piotr = [await service.create_user(database, name, "pw", Role.AGENT)
                   for name in ("anna", "piotr")]
    expiring, deleted, kept = [await service.create_session(database, anna) for _ in range(3)]
    deactivated = await service.create_session(database, piotr)
    sockets = [await connect(client, of(s)) for s in (expiring, deleted, kept, deactivated)]
    for socket in sockets:
        assert await still_open(socket)
    async with database.writer() as session:
        await session.execute(update(UserSession)
                              .where(UserSession.token_hash == service.digest(expiring.token))
                              .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        await session.execute(update(User).where(User.id == piotr.id).values(active=False))
        await session.commit()
    await service.delete_session(database, deleted.token)
    # The periodic recheck (every 0.1 s here) notices all three; the kept one stays.
    codes = [await closed_with(sockets[n]) for n in (0, 1, 3)]
    assert codes == [4401, 4401, 4401]
    assert await still_open(sockets[2])
    await sockets[2].close()


async def test_a_client_that_falls_behind_is_dropped(
        client: TestClient[Any, Any], database: Database) -> None:
    hub: Hub = client.app[HUB]
    socket = await connect(client, await cookie(database, "anna"))
    await socket.send_json({"type": "subscribe", "topics": ["agent"]})
    await receive(socket)
    [slow] = list(hub._clients)
    slow.outbox = asyncio.Queue(2)  # its writer waits on the old one: nothing drains this
    sent = [hub.publish("agent", {"type": "x", "n": n}) for n in range(4)]
    assert sent == [1, 1, 0, 0]  # the third overflowed: dropped, nothing more for it
    assert len(hub) == 0
    await socket.close()


async def test_unsubscribe_stops_one_topic_and_keeps_the_socket(
        client: TestClient[Any, Any], database: Database) -> None:
    """One socket per tab: the view left behind unsubscribes, the bell's topic stays."""
    hub: Hub = client.app[HUB]
    socket = await connect(client, await cookie(database, "anna"))
    await socket.send_json({"type": "subscribe", "topics": ["agent", "other"]})
    assert (await receive(socket))["type"] == "hello"
    await socket.send_json({"type": "unsubscribe", "topics": ["agent"]})
    await socket.send_json({"type": "unsubscribe", "topics": "agent"})
    assert (await receive(socket))["error"] == "invalid-topics"  # handled in order: done
    assert hub.publish("agent", {"type": "pop"}) == 0
    assert hub.publish("other", {"type": "still"}) == 1
    assert await receive(socket) == {"type": "still"}
    assert len(hub) == 1
    await socket.close()


@pytest.mark.browser
async def test_ws_js_reconnects_resubscribes_and_says_so(live: Live, browser_page: Page) -> None:
    await live.user("anna", Role.AGENT, sip="PJSIP/agent3")
    await login(browser_page, live, "anna")
    hub = live.app[HUB]
    await eventually(lambda: len(hub) == 1)  # the console's view and the bell: one socket
    [tab] = list(hub._clients)
    await eventually(lambda: tab.topics == {"notifications", "agent"})
    await browser_page.evaluate("location.hash = '#/customers'")  # the console is left
    await eventually(lambda: tab.topics == {"notifications"})
    await browser_page.evaluate("""async () => {
        const { connect } = await import('/static/ws.js');
        window.got = [];
        window.conn = connect(['agent'], (m) => window.got.push(m));
    }""")
    kinds = "() => window.got.map((m) => m.type)"
    await browser_page.wait_for_function("() => window.got.some((m) => m.type === 'agent')")
    assert len(hub) == 1  # one socket: the bell's topic and ours share it
    assert tab.topics == {"notifications", "agent"}
    await hub.close_all()  # the server side goes away (a restart, a proxy timeout)
    await browser_page.wait_for_function(
        "() => window.got.some((m) => m.type === 'reconnected')", timeout=10_000)
    await browser_page.wait_for_function(
        "() => window.got.filter((m) => m.type === 'agent').length >= 2")
    got = await browser_page.evaluate(kinds)
    assert got.index("reconnected") > got.index("agent")
    assert got[got.index("reconnected"):].count("agent") >= 1  # the state, after resubscribing
    assert await browser_page.evaluate("() => window.conn.connected")
    await eventually(lambda: len(hub) == 1)
    [tab] = list(hub._clients)
    await eventually(lambda: tab.topics == {"notifications", "agent"})  # both resubscribed
    # Our listener closes: its topic is dropped, the socket stays for the bell.
    await browser_page.evaluate("() => window.conn.close()")
    await eventually(lambda: tab.topics == {"notifications"})
    assert len(hub) == 1
    assert not await browser_page.evaluate("() => window.conn.connected")
    assert await browser_page.locator("#bell").is_visible()
