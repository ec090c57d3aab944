"""Call tickets end to end (application on TCP, simulated PBX over real AMI, SQLite and
PostgreSQL): a queue's "open_ticket" policy puts a caller's second call on her open
ticket; a call coming back to a resolved ticket opens a follow-up while it rings and,
once answered, ends on the reopened ticket alone (issue 13, items 9 and 7)."""

from __future__ import annotations

import aiohttp

from ccengine.simulator.agi_pbx import AgiPbx
from ccengine.users.models import Role
from tests.browser import Live
from tests.test_agent_console import AGENT3, MONDAY_10, Agent, Tab, caller, log_in
from tests.test_agent_console import sessions as sessions  # the fixture
from tests.test_agent_dispositions import publish_queue_rules


async def answered_call(live: Live, tab: Tab, number: str) -> str:
    """A call she answers and the caller ends (messages from now on only); the number
    of the ticket its ringing pop showed."""
    since = len(tab.messages)
    pbx = AgiPbx(live.server, time_scale=0.2)
    placed = await pbx.place_call(caller(number, "Jan Kowalski", ("2",)), at=MONDAY_10)
    await tab.wait_for("pop", lambda m: m["pop"] and m["pop"]["ticket"], since=since)
    ringing = next(m["pop"] for m in tab.of("pop", since) if m["pop"] and m["pop"]["ticket"])
    await placed.finished(10)
    await tab.wait_for("pop", lambda m: m["pop"] and m["pop"]["state"] == "wrap_up",
                       since=since)
    await live.engine.settle()
    await pbx.stop()
    return str(ringing["ticket"]["number"])


async def _wrap_up(agent: Agent, tab: Tab, number: str, status: str) -> None:
    answer = await agent.call("POST", "/agent/wrapup", {"ticket": number, "status": status})
    assert answer[0] == 200, answer
    await tab.wait_for("pop", lambda m: m["pop"] is None)


async def _calls(agent: Agent, number: str) -> list[str]:
    _, detail = await agent.call("GET", f"/tickets/{number}")
    return [call["outcome"] for call in detail["calls"]]


async def test_open_ticket_policy_puts_the_second_call_on_the_open_ticket(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    await publish_queue_rules(live, call_tickets="open_ticket")
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    tab = await agent.tab()
    assert (await agent.call("POST", "/agent/login", {}))[0] == 200
    first = await answered_call(live, tab, "48601111222")
    await _wrap_up(agent, tab, first, "waiting_for_customer")
    since = len(tab.messages)
    second = await answered_call(live, tab, "48601111222")
    assert second == first, "no flood: the caller's open ticket of this queue"
    assert tab.of("pop", since)[-1]["pop"]["call_tickets"] == "open_ticket"
    assert await _calls(agent, first) == ["answered", "answered"]
    await tab.close()


async def test_an_answered_follow_up_ends_on_the_reopened_ticket_alone(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    tab = await agent.tab()
    assert (await agent.call("POST", "/agent/login", {}))[0] == 200
    first = await answered_call(live, tab, "48601111222")
    await _wrap_up(agent, tab, first, "resolved")

    since = len(tab.messages)
    rung = await answered_call(live, tab, "48601111222")  # the ring-time ticket
    assert rung != first, "while it rang it might be missed: a follow-up"
    wrap = await tab.wait_for("pop", lambda m: m["pop"] and m["pop"]["state"] == "wrap_up",
                              since=since)
    assert wrap["pop"]["ticket"]["number"] == first, "answered: the resolved one reopened"

    _, detail = await agent.call("GET", f"/tickets/{first}")
    assert (detail["ticket"]["status"], detail["ticket"]["assignee"]) == (
        "in_progress", "Agnieszka Wójcik")
    assert await _calls(agent, first) == ["answered", "answered"]
    _, pointer = await agent.call("GET", f"/tickets/{rung}")
    assert pointer["ticket"]["number"] == first, "the pop's number points at the survivor"
    await _wrap_up(agent, tab, first, "resolved")
    await tab.close()
