"""Wrap-up end to end (application on TCP, simulated PBX over real AMI, SQLite and
PostgreSQL): only her own call's ticket, note and status all or nothing, Asterisk
holds her (QueuePause Reason=wrap-up) while the console does; callbacks only on
open callback tickets she may see; pops of a not yet known phone in order."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import aiohttp

from ccengine.agents.api import CONSOLE
from ccengine.agents.console import AgentConsole
from ccengine.agents.directory import Directory, Seat
from ccengine.agents.presence import WRAP_UP_REASON
from ccengine.ami import events as ev
from ccengine.config import AgentsConfig, TicketsConfig
from ccengine.db import Database
from ccengine.simulator.agi_pbx import AgiPbx
from ccengine.tickets.editing import TicketChanges
from ccengine.tickets.enums import TicketStatus
from ccengine.tickets.service import TicketService
from ccengine.users import service as users
from ccengine.users.models import Role
from ccengine.web.hub import Hub
from tests.browser import Live
from tests.engine_harness import eventually
from tests.test_agent_console import AGENT3, MONDAY_10, Agent, Tab, caller, log_in
from tests.test_agent_console import sessions as sessions  # the fixture


def pauses(live: Live, since: int = 0) -> list[dict[str, str]]:
    return [a for a in live.server.actions_seen[since:] if a.get("Action") == "QueuePause"]


def member_paused(live: Live) -> tuple[bool, str]:
    member = live.server.members.members[("posprzedaz", AGENT3)]
    return member.paused, member.reason


def pause_events(live: Live) -> list[ev.MemberPaused]:
    seen: list[ev.MemberPaused] = []
    live.engine.on_event(lambda e: seen.append(e) if isinstance(e, ev.MemberPaused) else None)
    return seen


async def answered_call(live: Live, agent: Agent, tab: Tab, number: str) -> str:
    """A call she answers and the caller ends; her pop in wrap-up; its ticket."""
    pbx = AgiPbx(live.server, time_scale=0.2)
    placed = await pbx.place_call(caller(number, "Jan Kowalski", ("2",)), at=MONDAY_10)
    pop = await tab.wait_for("pop", lambda m: m["pop"] and m["pop"]["ticket"])
    await placed.finished(10)
    await tab.wait_for("pop", lambda m: m["pop"] and m["pop"]["state"] == "wrap_up")
    await live.engine.settle()
    await pbx.stop()
    return str(pop["pop"]["ticket"]["number"])


async def notes(agent: Agent, number: str) -> list[str]:
    _, detail = await agent.call("GET", f"/tickets/{number}")
    return [a["body"] for a in detail["activities"] if a["kind"] == "note"]


async def test_wrap_up_holds_her_on_the_pbx_and_takes_only_her_calls_ticket(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    seen = pause_events(live)
    other = await log_in(live, sessions, "ewa", Role.AGENT, "PJSIP/agent6", "Ewa Dąbrowska")
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    tab = await agent.tab()
    assert (await agent.call("POST", "/agent/login", {}))[0] == 200
    number = await answered_call(live, agent, tab, "48601111222")

    await eventually(lambda: member_paused(live) == (True, WRAP_UP_REASON))
    [held] = pauses(live)
    assert held == {**held, "Interface": AGENT3, "Paused": "true", "Reason": WRAP_UP_REASON}
    assert "Queue" not in held, "every queue she is in"
    assert [(e.interface, e.paused, e.paused_reason) for e in seen] == [
        (AGENT3, True, WRAP_UP_REASON)]
    status, state = await agent.call("GET", "/agent/state")
    assert (state["agent"]["state"], state["agent"]["pause_reason"]) == ("wrap_up", None)

    # Not her call's ticket (another agent's wrap-up, by number): refused, nothing written.
    status, answer = await other.call("POST", "/agent/wrapup", {
        "ticket": number, "status": "closed", "note": "Nie moje"})
    assert (status, answer["error"]) == (409, "not-your-call")
    assert await notes(agent, number) == []

    # A status the workflow refuses: nothing written, still in wrap-up, still held.
    status, answer = await agent.call("POST", "/agent/wrapup", {
        "ticket": number, "status": "new", "note": "Zamówienie wysłane"})
    assert (status, answer["error"]) == (409, "invalid-transition")
    assert await notes(agent, number) == []
    assert member_paused(live) == (True, WRAP_UP_REASON)

    # The form's "still in progress" on a ticket in progress: the note, no change.
    status, answer = await agent.call("POST", "/agent/wrapup", {
        "ticket": number, "status": "in_progress", "note": "Zamówienie wysłane"})
    assert status == 200, answer
    assert answer["agent"]["state"] == "available"
    assert member_paused(live) == (False, "")
    assert (pauses(live)[-1]["Paused"], seen[-1].paused) == ("false", False)
    await tab.wait_for("pop", lambda m: m["pop"] is None)
    status, answer = await agent.call("POST", "/agent/wrapup", {
        "ticket": number, "status": "in_progress", "note": "Zamówienie wysłane"})
    assert (status, answer["error"]) == (409, "not-your-call"), "a retry notes nothing twice"
    assert await notes(agent, number) == ["Zamówienie wysłane"]
    _, detail = await agent.call("GET", f"/tickets/{number}")
    assert detail["ticket"]["status"] == "in_progress"
    await tab.close()


async def test_a_break_taken_in_wrap_up_stays_and_time_out_unpauses(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    tab = await agent.tab()
    assert (await agent.call("POST", "/agent/login", {}))[0] == 200
    console = live.app[CONSOLE]

    # Wrap-up runs out: the console unpauses her by itself.
    await answered_call(live, agent, tab, "48601111222")
    await eventually(lambda: member_paused(live) == (True, WRAP_UP_REASON))
    clock = console.clock
    console.clock = lambda: clock() + timedelta(hours=1)
    await eventually(lambda: member_paused(live) == (False, ""))
    await tab.wait_for("agent", lambda m: m["agent"]["state"] == "available")
    console.clock = clock

    # She takes a break during the next wrap-up: ending the wrap-up keeps her break.
    await answered_call(live, agent, tab, "48601111333")
    await eventually(lambda: member_paused(live) == (True, WRAP_UP_REASON))
    status, answer = await agent.call("POST", "/agent/pause", {"reason": "break"})
    assert status == 200, answer
    seen = len(live.server.actions_seen)
    status, answer = await agent.call("POST", "/agent/wrapup", {})
    assert status == 200, answer
    assert (answer["agent"]["state"], answer["agent"]["pause_reason"]) == ("paused", "break")
    assert pauses(live, seen) == [] and member_paused(live) == (True, "break")
    await tab.close()


async def test_callbacks_only_on_open_callback_tickets_she_may_see(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    pbx = AgiPbx(live.server, time_scale=0.2)
    for number in ("48602333444", "48602333555"):
        script = caller(number, "Zofia Wójcik", ("2",), abandon_after=2.0)
        await (await pbx.place_call(script, at=MONDAY_10)).finished(10)
    await live.engine.settle()
    _, listed = await agent.call("GET", "/callbacks")
    theirs, closed = (item["ticket"] for item in listed["items"])
    tickets = TicketService(live.database, TicketsConfig())
    await tickets.update(theirs, TicketChanges(assignee="Ewa Dąbrowska", reassign=True), None)
    await tickets.update(closed, TicketChanges(status=TicketStatus.CLOSED), None)
    originated = len(live.server.members.originated)

    for path, body in ((f"/callbacks/{theirs}/call", None),
                       (f"/callbacks/{theirs}/outcome", {"attempt": 1, "outcome": "reached"})):
        status, answer = await agent.call("POST", path, body)
        assert (status, answer["error"]) == (404, "ticket-not-found"), path
    status, answer = await agent.call("POST", f"/callbacks/{closed}/call")
    assert (status, answer["error"]) == (404, "ticket-not-found")  # closed unassigned: hidden

    supervisor = await log_in(live, sessions, "ewa", Role.PRIVILEGED_AGENT, "PJSIP/agent6",
                              "Ewa Dąbrowska")
    status, answer = await supervisor.call("POST", f"/callbacks/{closed}/call")
    assert (status, answer["error"]) == (409, "not-a-callback")
    assert len(live.server.members.originated) == originated
    await pbx.stop()


class Recorder(Hub):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[int | None, dict[str, Any]]] = []

    def publish(self, topic: str, message: dict[str, Any], user_id: int | None = None) -> int:
        self.sent.append((user_id, message))
        return 1


async def test_messages_for_a_phone_not_yet_known_keep_their_order(database: Database) -> None:
    user = await users.create_user(database, "agnieszka", "Sekret-haslo-123", Role.AGENT,
                                   display_name="Agnieszka Wójcik", sip_interface=AGENT3)
    hub = Recorder()
    console = AgentConsole(database, TicketsConfig(), AgentsConfig(), hub)
    lookups = 0
    lookup = console.directory.lookup

    async def slow_lookup(interface: str) -> tuple[Seat, ...]:
        nonlocal lookups
        lookups += 1
        await asyncio.sleep(0.05)  # a busy database: later messages come meanwhile
        return await lookup(interface)

    console.directory.lookup = slow_lookup  # type: ignore[method-assign]
    for state in ("ringing", "connected", "wrap_up"):
        console.publish(AGENT3, {"type": "pop", "pop": {"state": state}})
    await eventually(lambda: len(hub.sent) == 3)
    assert [(u, m["pop"]["state"]) for u, m in hub.sent] == [
        (user.id, "ringing"), (user.id, "connected"), (user.id, "wrap_up")]
    assert lookups == 1
    console.publish(AGENT3, {"type": "pop", "pop": None})
    assert hub.sent[-1] == (user.id, {"type": "pop", "pop": None}), "known now: at once"
    await console.stop()


def test_a_user_who_changes_phone_leaves_the_old_one(database: Database) -> None:
    directory = Directory(database)
    directory.remember(Seat(1, "agnieszka", "Agnieszka", "PJSIP/agent3"))
    directory.remember(Seat(2, "ewa", "Ewa", "PJSIP/agent3"))
    directory.remember(Seat(1, "agnieszka", "Agnieszka", "PJSIP/agent9"))
    assert [s.user_id for s in directory.seats("PJSIP/agent3")] == [2]
    assert [s.user_id for s in directory.seats("PJSIP/agent9")] == [1]


async def test_a_ring_in_wrap_up_puts_her_wrap_up_aside_not_away(database: Database) -> None:
    hub = Recorder()
    console = AgentConsole(database, TicketsConfig(), AgentsConfig(), hub)
    console.directory.remember(Seat(1, "agnieszka", "Agnieszka", AGENT3))
    at = console.clock()

    def call(linkedid: str) -> dict[str, Any]:
        channel = ev.ChannelInfo(f"Local/x-{linkedid};2", linkedid, linkedid, "48601111222",
                                 "Jan", "in", "4822")
        return {"pbx": "p", "at": at, "channel": channel, "queue": "posprzedaz",
                "member_name": "A", "interface": AGENT3}

    console.on_event(ev.AgentRang(dest_channel="PJSIP/agent3-1", **call("1.1")))
    console.on_event(ev.AgentConnected(hold_seconds=1, ring_seconds=1, **call("1.1")))
    console.on_event(ev.AgentCompleted(hold_seconds=1, talk_seconds=5, reason="caller",
                                       **call("1.1")))
    assert console.pops[AGENT3].state.value == "wrap_up"
    console.on_event(ev.AgentRang(dest_channel="PJSIP/agent3-2", **call("2.1")))
    assert (console.pops[AGENT3].linkedid, console.pops[AGENT3].state.value) == (
        "2.1", "ringing")
    console.on_event(ev.AgentRingNoAnswer(ring_ms=4000, **call("2.1")))
    assert (console.pops[AGENT3].linkedid, console.pops[AGENT3].state.value) == (
        "1.1", "wrap_up"), "her half-written wrap-up is back"
    await console.end_wrap_up(AGENT3)
    assert AGENT3 not in console.pops
    await console.stop()
