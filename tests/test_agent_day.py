"""An agent's day end to end (application on TCP, simulated PBX over real AMI, SQLite
and PostgreSQL): callbacks she may open and attempts only she reports on."""

from __future__ import annotations

import aiohttp

from ccengine.config import TicketsConfig
from ccengine.simulator.agi_pbx import AgiPbx
from ccengine.tickets.editing import TicketChanges
from ccengine.tickets.service import TicketService
from ccengine.users.models import Role
from tests.browser import Live
from tests.test_agent_console import AGENT3, AGENT6, MONDAY_10, caller, log_in
from tests.test_agent_console import sessions as sessions  # the fixture


async def missed_call(live: Live, number: str) -> None:
    pbx = AgiPbx(live.server, time_scale=0.2)
    script = caller(number, "Zofia Wójcik", ("2",), abandon_after=2.0)
    await (await pbx.place_call(script, at=MONDAY_10)).finished(10)
    await live.engine.settle()
    await pbx.stop()


async def test_callbacks_list_only_what_she_may_open_and_attempts_are_the_makers(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    other = await log_in(live, sessions, "ewa", Role.AGENT, AGENT6, "Ewa Dąbrowska")
    await missed_call(live, "48602333444")
    _, listed = await agent.call("GET", "/callbacks")
    [number] = [item["ticket"] for item in listed["items"]]
    status, started = await agent.call("POST", f"/callbacks/{number}/call")
    assert status == 200, started

    # Another agent cannot write over how her attempt went.
    status, answer = await other.call("POST", f"/callbacks/{number}/outcome", {
        "attempt": started["attempt"], "outcome": "wrong_number"})
    assert (status, answer["error"]) == (403, "not-your-attempt")
    status, answer = await agent.call("POST", f"/callbacks/{number}/outcome", {
        "attempt": started["attempt"], "outcome": "no_answer", "note": "Poczta"})
    assert status == 200, answer

    # Once the ticket is Ewa's, it leaves Agnieszka's list as it leaves her ticket view.
    tickets = TicketService(live.database, TicketsConfig())
    await tickets.update(number, TicketChanges(assignee="Ewa Dąbrowska", reassign=True), None)
    assert (await agent.call("GET", f"/tickets/{number}"))[0] == 404
    _, listed = await agent.call("GET", "/callbacks")
    assert listed["items"] == []
    _, listed = await other.call("GET", "/callbacks")
    assert [item["ticket"] for item in listed["items"]] == [number]
