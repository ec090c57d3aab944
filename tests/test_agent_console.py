"""The agent console end to end: the whole application (engine, API, websocket) on a
TCP port, a simulated PBX over real AMI, routed calls over AsyncAGI, SQLite and
PostgreSQL. An agent logs in to her queues, a call rings her, the pop reaches
both her tabs, she answers, wraps up; AMI reconnects keep her state right."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from ccengine.config import TicketsConfig
from ccengine.simulator.agi_calls import CallerScript, QueuePlan
from ccengine.simulator.agi_pbx import AgiPbx
from ccengine.tickets.service import TicketService
from ccengine.users.models import Role
from tests.browser import Live
from tests.engine_harness import eventually

MONDAY_10 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC).timestamp()  # 10:00 in Warsaw: open
AGENT3 = "PJSIP/agent3"  # posprzedaz, tier 0, in the example graph
AGENT6 = "PJSIP/agent6"  # ksiegowosc and vip


class Tab:
    """One browser tab's websocket."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket
        self.messages: list[dict[str, Any]] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.socket:
            if message.type is aiohttp.WSMsgType.TEXT:
                self.messages.append(json.loads(message.data))

    def of(self, kind: str, since: int = 0) -> list[dict[str, Any]]:
        return [m for m in self.messages[since:] if m["type"] == kind]

    async def wait_for(self, kind: str, check: Any, timeout: float = 10.0,
                       since: int = 0) -> dict[str, Any]:
        """The latest message of ``kind`` passing ``check``, from message ``since`` on."""
        found: list[dict[str, Any]] = []

        def seen() -> bool:
            found[:] = [m for m in self.of(kind, since) if check(m)]
            return bool(found)

        await eventually(seen, timeout)
        return found[-1]

    async def close(self) -> None:
        await self.socket.close()
        await self._reader


class Agent:
    """A logged-in user of the console, as the page drives the API."""

    def __init__(self, live: Live, session: aiohttp.ClientSession, csrf: str) -> None:
        self.live, self.session, self.csrf = live, session, csrf

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {"X-CSRF-Token": self.csrf}
        async with self.session.request(method, f"{self.live.url}/api/v1{path}", json=body,
                                        headers=headers) as response:
            return response.status, await response.json()

    async def tab(self, topics: tuple[str, ...] = ("agent",)) -> Tab:
        socket = await self.session.ws_connect(f"{self.live.url}/ws", origin=self.live.url)
        await socket.send_json({"type": "subscribe", "topics": list(topics)})
        return Tab(socket)


@pytest.fixture
async def sessions() -> AsyncIterator[list[aiohttp.ClientSession]]:
    opened: list[aiohttp.ClientSession] = []
    yield opened
    for session in opened:
        await session.close()


async def log_in(live: Live, sessions: list[aiohttp.ClientSession], login: str, role: Role,
                 sip: str | None, name: str) -> Agent:
    password = await live.user(login, role, sip=sip, name=name)
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    sessions.append(session)
    async with session.post(f"{live.url}/api/v1/login",
                            json={"login": login, "password": password}) as response:
        assert response.status == 200
        csrf = (await response.json())["csrf_token"]
    return Agent(live, session, csrf)


def caller(number: str, name: str, digits: tuple[str, ...] = (), **plan: Any) -> CallerScript:
    queue = QueuePlan(interface=None, answered_by="whoever", ring_seconds=5.0,
                      talk_seconds=3.0, **plan)
    return CallerScript(number, name, "48221110000", digits=digits, queues=(queue,))


async def test_a_call_rings_a_logged_in_agent_and_pops_on_both_tabs(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    tickets = TicketService(live.database, TicketsConfig())
    await tickets.add_customer("+48601111222", "Jan Kowalski", vip=False)
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    first, second = await agent.tab(), await agent.tab()
    await first.wait_for("agent", lambda m: m["agent"]["state"] == "logged_out")

    status, state = await agent.call("GET", "/agent/state")
    assert status == 200
    assert state["queues"] == [{"queue": "posprzedaz", "penalty": 0}]
    assert state["pause_reasons"] == ["break", "lunch", "training", "back_office"]

    status, answer = await agent.call("POST", "/agent/login", {})
    assert status == 200, answer
    assert answer["agent"]["state"] == "available"
    assert answer["agent"]["queues"] == [{"queue": "posprzedaz", "penalty": 0, "paused": False}]
    add = next(a for a in live.server.actions_seen if a.get("Action") == "QueueAdd")
    assert (add["Queue"], add["Interface"], add["Penalty"], add["MemberName"]) == (
        "posprzedaz", AGENT3, "0", "Agnieszka Wójcik")
    for tab in (first, second):
        await tab.wait_for("agent", lambda m: m["agent"]["state"] == "available")

    pbx = AgiPbx(live.server, time_scale=0.2)
    placed = await pbx.place_call(caller("48601111222", "Jan Kowalski", ("2",)), at=MONDAY_10)
    pops = []
    for tab in (first, second):
        pops.append(await tab.wait_for("pop", lambda m: m["pop"] and m["pop"]["ticket"]))
        await tab.wait_for("agent", lambda m: m["agent"]["state"] == "ringing")
    pop = pops[0]["pop"]
    assert pops[1]["pop"] == pop
    assert (pop["caller_number"], pop["caller_name"], pop["did"]) == (
        "+48601111222", "Jan Kowalski", "+48221110000")
    assert pop["customer"] == {"name": "Jan Kowalski", "vip": False}
    assert pop["queue"] == "posprzedaz"
    assert pop["ivr_path"] == ["Menu główne: 2", "Obsługa posprzedażowa (status zamówienia)"]
    assert pop["ivr_summary"] == "menu 2 → Obsługa posprzedażowa (status zamówienia)"
    assert pop["state"] == "ringing"
    number = pop["ticket"]["number"]
    assert number.startswith("TK-")

    connected = await first.wait_for("pop", lambda m: m["pop"] and m["pop"]["state"] ==
                                     "connected" and m["pop"]["ticket"]["status"] ==
                                     "in_progress")
    assert connected["pop"]["ticket"]["number"] == number
    await first.wait_for("agent", lambda m: m["agent"]["state"] == "in_call")
    await placed.finished(10)
    await first.wait_for("pop", lambda m: m["pop"] and m["pop"]["state"] == "wrap_up")
    await second.wait_for("agent", lambda m: m["agent"]["state"] == "wrap_up")

    await live.engine.settle()
    status, detail = await agent.call("GET", f"/tickets/{number}")
    assert status == 200
    assert detail["ticket"]["assignee"] == "Agnieszka Wójcik"
    assert detail["ticket"]["status"] == "in_progress"
    assert [c["outcome"] for c in detail["calls"]] == ["answered"]
    status, listed = await agent.call("GET", "/tickets?caller=%2B48601111222")
    assert [t["number"] for t in listed["items"]] == [number], "one ticket for the call"

    status, answer = await agent.call("POST", "/agent/wrapup", {
        "ticket": number, "status": "closed", "note": "Zamówienie wysłane"})
    assert status == 200, answer
    assert answer["agent"]["state"] == "available"
    for tab in (first, second):
        await tab.wait_for("pop", lambda m: m["pop"] is None)
    status, detail = await agent.call("GET", f"/tickets/{number}")
    assert detail["ticket"]["status"] == "closed"
    assert any(a["body"] == "Zamówienie wysłane" for a in detail["activities"])

    # A reload: a new tab gets the state at once.
    third = await agent.tab()
    await third.wait_for("agent", lambda m: m["agent"]["state"] == "available")
    for tab in (first, second, third):
        await tab.close()
    await pbx.stop()


async def test_a_vip_caller_pops_with_the_badge_and_the_vip_path(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    tickets = TicketService(live.database, TicketsConfig())
    await tickets.add_customer("+48604777888", "Anna Nowak", vip=True)
    routing = live.engine.routing
    assert routing is not None
    await routing.refresh()  # the route's VIP list, without waiting
    agent = await log_in(live, sessions, "ewa", Role.PRIVILEGED_AGENT, AGENT6, "Ewa Dąbrowska")
    tab = await agent.tab()
    status, answer = await agent.call("POST", "/agent/login", {"queues": ["vip"]})
    assert status == 200, answer
    pbx = AgiPbx(live.server, time_scale=0.2)
    await pbx.place_call(caller("48604777888", "Anna Nowak"), at=MONDAY_10)
    pop = (await tab.wait_for("pop", lambda m: m["pop"] and m["pop"]["ticket"]))["pop"]
    assert pop["customer"] == {"name": "Anna Nowak", "vip": True}
    assert pop["ivr_path"] == ["VIP", "VIP – zespół seniorów"]
    assert pop["ticket"]["priority"] == "P2"  # P3 raised one step for a VIP
    await tab.close()
    await pbx.stop()


async def test_pause_and_ami_reconnects_keep_the_state_right(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    tab = await agent.tab()
    assert (await agent.call("POST", "/agent/login", {"queues": ["posprzedaz"]}))[0] == 200
    status, answer = await agent.call("POST", "/agent/pause", {"reason": "lunch"})
    assert status == 200, answer
    assert (answer["agent"]["state"], answer["agent"]["pause_reason"]) == ("paused", "lunch")
    pause = next(a for a in live.server.actions_seen if a.get("Action") == "QueuePause")
    assert (pause["Interface"], pause["Paused"], pause["Reason"]) == (AGENT3, "true", "lunch")

    # The PBX connection drops; meanwhile a supervisor unpauses her on the PBX.
    logins, seen = live.server.logins, len(tab.messages)
    live.server.drop_clients()
    member = live.server.members.members[("posprzedaz", AGENT3)]
    member.paused, member.reason = False, ""
    await eventually(lambda: live.server.logins > logins)
    await tab.wait_for("agent", lambda m: m["agent"]["state"] == "available", since=seen)

    status, answer = await agent.call("POST", "/agent/logout")
    assert (status, answer["agent"]["state"]) == (200, "logged_out")
    assert ("posprzedaz", AGENT3) not in live.server.members.members
    await tab.close()


async def test_callbacks_originate_and_record_the_attempt(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    tab = await agent.tab()
    pbx = AgiPbx(live.server, time_scale=0.2)
    script = caller("48602333444", "Zofia Wójcik", ("2",), abandon_after=2.0)
    await (await pbx.place_call(script, at=MONDAY_10)).finished(10)  # nobody logged in
    await live.engine.settle()

    status, listed = await agent.call("GET", "/callbacks")
    assert status == 200
    [item] = listed["items"]
    assert (item["caller"], item["priority"], item["attempts"]) == ("+48602333444", "P2", [])
    number = item["ticket"]

    status, started = await agent.call("POST", f"/callbacks/{number}/call")
    assert status == 200, started
    originate = live.server.members.originated[-1]
    assert (originate["Channel"], originate["Context"], originate["Exten"]) == (
        AGENT3, "ccengine-callback", "48602333444")
    assert originate["CallerID"] == '"Zofia Wójcik" <+48602333444>'
    message = await tab.wait_for("callback", lambda m: True)
    assert message["attempt"]["agent_answered"] is True

    status, recorded = await agent.call("POST", f"/callbacks/{number}/outcome", {
        "attempt": started["attempt"], "outcome": "reached", "note": "Oddzwoniono"})
    assert status == 200, recorded
    assert (recorded["attempt"]["outcome"], recorded["attempt"]["agent"],
            recorded["attempt"]["note"]) == ("reached", "Agnieszka Wójcik", "Oddzwoniono")
    status, listed = await agent.call("GET", "/callbacks")
    assert listed["items"] == []  # reached: the callback is closed, nothing left to call
    status, detail = await agent.call("GET", f"/tickets/{number}")
    assert any("Oddzwonienie: reached" in a["body"] for a in detail["activities"])
    await tab.close()
    await pbx.stop()


async def test_bad_requests_and_a_lost_pbx_answer_with_stable_ids(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    cases = [
        ("POST", "/agent/pause", {"reason": "coffee"}, 400, "invalid-reason"),
        ("POST", "/agent/pause", [], 400, "invalid-body"),
        ("POST", "/agent/pause", {"reason": "break"}, 409, "not-logged-in"),
        ("POST", "/agent/login", {"queues": ["vip"]}, 400, "unknown-queue"),
        ("POST", "/agent/login", {"queues": "posprzedaz"}, 400, "invalid-body"),
        ("POST", "/agent/wrapup", {"status": "closed"}, 400, "invalid-body"),
        ("POST", "/agent/wrapup", {"ticket": "TK-0", "status": "bogus"}, 400, "invalid-body"),
        ("POST", "/agent/wrapup", {"ticket": "TK-0", "note": "x"}, 409, "not-your-call"),
        ("POST", "/callbacks/TK-0/call", None, 404, "ticket-not-found"),
        ("POST", "/callbacks/TK-0/outcome", {"attempt": 1, "outcome": "reached"}, 404,
         "ticket-not-found"),
        ("POST", "/callbacks/TK-0/outcome", {"attempt": "1", "outcome": "reached"}, 400,
         "invalid-body"),
    ]
    for method, path, body, status, error in cases:
        got, answer = await agent.call(method, path, body)
        assert (got, answer["error"]) == (status, error), (path, body, answer)

    nobody = await log_in(live, sessions, "marek", Role.AGENT, None, "Marek")
    got, answer = await nobody.call("POST", "/agent/login", {})
    assert (got, answer["error"]) == (409, "no-sip-interface")
    got, state = await nobody.call("GET", "/agent/state")
    assert (got, state["agent"]) == (200, None)

    live.server.stall()  # the PBX stops answering: the action times out
    await live.server.stop()
    await eventually(lambda: not live.engine.connections[0].ready, timeout=15)
    got, answer = await agent.call("POST", "/agent/login", {})
    assert (got, answer["error"]) == (503, "pbx-unavailable")


async def test_the_websocket_wants_a_session(live: Live) -> None:
    async with aiohttp.ClientSession() as anonymous:
        socket = await anonymous.ws_connect(f"{live.url}/ws", origin=live.url)
        message = await socket.receive()
        assert message.type is aiohttp.WSMsgType.CLOSE
        assert socket.close_code == 4401


async def test_a_ring_without_answer_is_a_missed_pop_and_its_ticket_the_callback(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    tab = await agent.tab()
    assert (await agent.call("POST", "/agent/login", {}))[0] == 200
    pbx = AgiPbx(live.server, time_scale=0.2)
    script = CallerScript("48691234567", "Zofia Wójcik", "48221110000", digits=("2",),
                          queues=(QueuePlan(
                              interface=None, answered_by=None, member_timeout=4.0,
                              retry_seconds=30.0, abandon_after=8.0),))
    placed = await pbx.place_call(script, at=MONDAY_10)
    ringing = await tab.wait_for("pop", lambda m: m["pop"] and m["pop"]["ticket"])
    number = ringing["pop"]["ticket"]["number"]
    await tab.wait_for("pop", lambda m: m["pop"] and m["pop"]["state"] == "missed")
    await tab.wait_for("agent", lambda m: m["agent"]["state"] == "available")
    await placed.finished(15)
    await live.engine.settle()

    status, detail = await agent.call("GET", f"/tickets/{number}")
    assert status == 200
    assert (detail["ticket"]["kind"], detail["ticket"]["priority"]) == ("callback", "P2")
    assert detail["ticket"]["assignee"] is None
    status, listed = await agent.call("GET", "/callbacks")
    assert [item["ticket"] for item in listed["items"]] == [number]
    await tab.close()
    await pbx.stop()


async def test_a_demo_plan_rings_a_logged_in_agent_first(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    tab = await agent.tab()
    pbx = AgiPbx(live.server, time_scale=0.2)
    plan = QueuePlan(answered_by="Agent One", interface="Local/agent1@lab-agents/n",
                     logged_in_first=True, ring_seconds=2.0, talk_seconds=1.0)
    script = CallerScript("48512345678", "Łukasz Żółtowski", "48221110000", digits=("2",),
                          queues=(plan,))
    # Nobody logged in: the plan's own member rings (no pop for anyone here).
    await (await pbx.place_call(script, at=MONDAY_10)).finished(15)
    rung = [e for e in pbx.calls[0].events if e.startswith("Event: AgentCalled")]
    assert rung and all("Interface: Local/agent1@lab-agents/n" in e for e in rung)

    assert (await agent.call("POST", "/agent/login", {}))[0] == 200
    placed = await pbx.place_call(script, at=MONDAY_10)
    pop = (await tab.wait_for("pop", lambda m: m["pop"] and m["pop"]["ticket"]))["pop"]
    assert (pop["caller_name"], pop["queue"]) == ("Łukasz Żółtowski", "posprzedaz")
    await placed.finished(15)
    member = live.server.members.members[("posprzedaz", AGENT3)]
    assert member.calls_taken == 1
    await tab.close()
    await pbx.stop()


async def test_a_call_that_ends_while_ami_is_down_ends_the_ring_and_the_pop(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    tab = await agent.tab()
    assert (await agent.call("POST", "/agent/login", {}))[0] == 200
    pbx = AgiPbx(live.server, time_scale=0.2)
    script = CallerScript("48501987654", "Małgorzata Gęś", "48221110000", digits=("2",),
                          queues=(QueuePlan(interface=None, answered_by=None,
                                            member_timeout=100.0),))
    placed = await pbx.place_call(script, at=MONDAY_10)
    await tab.wait_for("pop", lambda m: m["pop"] and m["pop"]["state"] == "ringing")
    await tab.wait_for("agent", lambda m: m["agent"]["state"] == "ringing")

    logins, seen = live.server.logins, len(tab.messages)
    live.server.drop_clients()
    placed.hang_up()  # the caller gives up while the engine cannot hear it
    await placed.finished(10)
    await eventually(lambda: live.server.logins > logins)
    await tab.wait_for("agent", lambda m: m["agent"]["state"] == "available", since=seen)
    await tab.wait_for("pop", lambda m: m["pop"] and m["pop"]["state"] == "missed",
                       since=seen)
    await tab.close()
    await pbx.stop()
