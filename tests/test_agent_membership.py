"""Queue membership is dynamic: the graph's tiers say who may take a queue's calls
and with which penalty, and an agent takes them only while logged in at the
console (QueueAdd with her tier's penalty; QueueRemove to log out). The whole
application on a TCP port, over real AMI to the simulated PBX; a static member
of the PBX's own queues.conf cannot log out, and the console says so."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from ccengine.routes.asterisk_conf import render_queuerules_conf
from ccengine.routes.document import parse_graph
from ccengine.users.models import Role
from tests.browser import EXAMPLE_GRAPH, Live
from tests.engine_harness import eventually

AGENT3 = "PJSIP/agent3"  # posprzedaz, tier 1 (penalty 0), in the example graph
AGENT9 = "PJSIP/agent9"  # wsparcie tier 2 (penalty 1); awarie, vip tier 1 (penalty 0)


class Console:
    """One agent's API session, as the console page drives it."""

    def __init__(self, live: Live, session: aiohttp.ClientSession, csrf: str) -> None:
        self.live, self.session, self.csrf = live, session, csrf

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.session.request(method, f"{self.live.url}/api/v1{path}", json=body,
                                        headers={"X-CSRF-Token": self.csrf}) as response:
            return response.status, await response.json()


@pytest.fixture
async def sessions() -> AsyncIterator[list[aiohttp.ClientSession]]:
    opened: list[aiohttp.ClientSession] = []
    yield opened
    for session in opened:
        await session.close()


async def console(live: Live, sessions: list[aiohttp.ClientSession], login: str,
                  sip: str, name: str) -> Console:
    password = await live.user(login, Role.AGENT, sip=sip, name=name)
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    sessions.append(session)
    async with session.post(f"{live.url}/api/v1/login",
                            json={"login": login, "password": password}) as response:
        assert response.status == 200
        return Console(live, session, (await response.json())["csrf_token"])


async def known_to_the_console(agent: Console, timeout: float = 10.0) -> Any:
    """Her state, once the console knows her in some queue."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        state = (await agent.call("GET", "/agent/state"))[1]["agent"]
        if (state and state["queues"]) or loop.time() > deadline:
            return state
        await asyncio.sleep(0.05)


def sent(live: Live, action: str) -> list[dict[str, str]]:
    return [a for a in live.server.actions_seen if a.get("Action") == action]


async def test_log_in_adds_with_the_tier_penalty_and_log_out_removes(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    agent = await console(live, sessions, "marek", AGENT9, "Marek Jankowski")

    status, answer = await agent.call("POST", "/agent/login", {})

    assert status == 200, answer
    added = {a["Queue"]: (a["Interface"], a["Penalty"]) for a in sent(live, "QueueAdd")}
    assert added == {"awarie": (AGENT9, "0"), "vip": (AGENT9, "0"), "wsparcie": (AGENT9, "1")}
    member = live.server.members.members[("wsparcie", AGENT9)]
    assert (member.dynamic, member.penalty) == (True, 1)
    # The tier's rule opens exactly that penalty: queuerules.conf works with her QueueAdd.
    rules = render_queuerules_conf([parse_graph(EXAMPLE_GRAPH.read_text(encoding="utf-8"))])
    # (comment lines between the section and its rule say when the tier rings)
    assert re.search(r"\[wsparcie\]\n(;[^\n]*\n)*penaltychange => 30,1,,1\n", rules), rules

    status, answer = await agent.call("POST", "/agent/logout")

    assert (status, answer["agent"]["state"]) == (200, "logged_out"), answer
    removed = sorted((a["Queue"], a["Interface"]) for a in sent(live, "QueueRemove"))
    assert removed == [("awarie", AGENT9), ("vip", AGENT9), ("wsparcie", AGENT9)]
    assert not [key for key in live.server.members.members if key[1] == AGENT9]


async def test_a_static_member_cannot_log_out_and_is_told_why(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    agent = await console(live, sessions, "agnieszka", AGENT3, "Agnieszka Wójcik")
    # An Asterisk still configured by hand: she is a member => line of queues.conf.
    live.server.members.add_static("posprzedaz", AGENT3, "Agnieszka Wójcik")
    logins = live.server.logins
    live.server.drop_clients()  # the engine reconnects and learns her from QueueStatus
    await eventually(lambda: live.server.logins > logins)
    state = await known_to_the_console(agent)
    assert state["queues"] == [{"queue": "posprzedaz", "penalty": 0, "paused": False}]

    status, answer = await agent.call("POST", "/agent/logout")

    assert (status, answer["error"]) == (409, "static-member"), answer
    assert "queues.conf" in answer["message"] and "posprzedaz" in answer["message"]
    assert sent(live, "QueueRemove") == []  # refused before anything was sent
    assert ("posprzedaz", AGENT3) in live.server.members.members


async def test_a_member_made_static_behind_the_consoles_back_is_a_409_too(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    agent = await console(live, sessions, "agnieszka", AGENT3, "Agnieszka Wójcik")
    assert (await agent.call("POST", "/agent/login", {}))[0] == 200
    # The PBX's config now lists her; the console has not heard (no resync since).
    live.server.members.members[("posprzedaz", AGENT3)].dynamic = False

    status, answer = await agent.call("POST", "/agent/logout")

    assert (status, answer["error"]) == (409, "static-member"), answer
    [remove] = sent(live, "QueueRemove")
    assert remove["Queue"] == "posprzedaz"
    assert ("posprzedaz", AGENT3) in live.server.members.members
