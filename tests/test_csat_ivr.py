"""The IVR survey end to end (application on TCP, simulated PBX over real AMI, SQLite
and PostgreSQL): the published graph names a survey after queue posprzedaz's calls;
the agent answers, hangs up first, the caller stays on the line, presses 4, and the
score is stored for that call, its agent and its ticket, on the ticket's timeline."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from sqlalchemy import select

from ccengine.csat.storage_models import CsatSurvey
from ccengine.routes.store import RouteStore
from ccengine.simulator.agi_pbx import AgiPbx
from ccengine.tickets.models import Call, Ticket
from ccengine.users.models import Role
from tests.browser import Live
from tests.test_agent_console import AGENT3, MONDAY_10, caller, log_in
from tests.test_agent_console import sessions as sessions  # the fixture
from tests.test_route_survey import surveyed


async def publish_survey(live: Live) -> None:
    graph = surveyed()
    store = RouteStore(live.database)
    version = await store.save_draft(graph, author="tests")
    await store.publish(graph.name, version, None)
    routing = live.engine.routing
    assert routing is not None
    await routing.refresh()
    [route] = [r for r in routing.book.routes if r.graph.name == graph.name]
    assert route.graph.nodes["kolejka-posprzedaz"].model_dump()["survey"] == "ankieta"


async def _surveys(live: Live, linkedid: str) -> list[CsatSurvey]:
    async with live.database.sessions() as session:
        return list(await session.scalars(select(CsatSurvey).where(
            CsatSurvey.linkedid == linkedid)))


async def _stored(live: Live, linkedid: str, timeout: float = 10.0) -> list[CsatSurvey]:
    deadline = asyncio.get_running_loop().time() + timeout
    while not (found := await _surveys(live, linkedid)):
        assert asyncio.get_running_loop().time() < deadline, "no survey stored in time"
        await asyncio.sleep(0.05)
    return found


async def test_the_caller_presses_4_after_the_agent_hangs_up(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    await publish_survey(live)
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    tab = await agent.tab()
    assert (await agent.call("POST", "/agent/login", {}))[0] == 200
    pbx = AgiPbx(live.server, time_scale=0.2)
    placed = await pbx.place_call(caller("48601111222", "Jan Kowalski", ("2", "4"),
                                         agent_hangs_up=True), at=MONDAY_10)
    pop: Any = await tab.wait_for("pop", lambda m: m["pop"] and m["pop"]["ticket"])
    await placed.finished(20)
    await live.engine.settle()
    await pbx.stop()
    assert any(c.startswith("EXEC Queue posprzedaz,tc,") for c in placed.commands)
    assert any(c.startswith("GET DATA ccengine/survey ") for c in placed.commands)
    assert placed.commands[-1] == "HANGUP"  # the walk, not the agent, ended the call

    [survey] = await _stored(live, placed.linkedid)
    number = pop["pop"]["ticket"]["number"]
    async with live.database.sessions() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.number == number))
        call = await session.scalar(select(Call).where(Call.linkedid == placed.linkedid))
    assert ticket is not None and call is not None
    # Still an answered call of hers on that ticket: the survey only lengthened it.
    assert (call.outcome, call.agent_name, call.ticket_id) == (
        "answered", "Agnieszka Wójcik", ticket.id)
    assert (survey.channel, survey.score, survey.ticket_id, survey.agent, survey.queue) == (
        "ivr", 4, ticket.id, "Agnieszka Wójcik", "posprzedaz")
    status, detail = await agent.call("GET", f"/tickets/{number}")
    assert status == 200
    [entry] = [a for a in detail["activities"] if a["kind"] == "csat"]
    assert entry["data"]["score"] == 4 and entry["data"]["channel"] == "ivr"
    # The report counts it for her and her queue.
    admin = await log_in(live, sessions, "szef", Role.ADMIN, None, "Szef")
    status, report = await admin.call("GET", "/reports/csat?queue=posprzedaz")
    assert status == 200
    assert (report["count"], report["average"], report["distribution"]["4"]) == (1, 4.0, 1)
    assert [(g["agent"], g["count"]) for g in report["by_agent"]] == [("Agnieszka Wójcik", 1)]
