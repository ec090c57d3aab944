"""An agent's day end to end (application on TCP, simulated PBX over real AMI, SQLite
and PostgreSQL): callbacks she may open, attempts only she reports on, one entry per
caller, claims, "reached" closes, no click-to-call during wrap-up."""

from __future__ import annotations

import aiohttp
from sqlalchemy import select

from ccengine.agents.callback_list import LIST_LIMIT
from ccengine.config import TicketsConfig
from ccengine.demo import EXAMPLE_GRAPH, members_of
from ccengine.routes.document import parse_graph
from ccengine.simulator.agi_calls import CallerScript, QueuePlan
from ccengine.simulator.agi_pbx import AgiPbx
from ccengine.tickets.editing import TicketChanges
from ccengine.tickets.enums import TicketKind, TicketStatus
from ccengine.tickets.models import Call, Ticket
from ccengine.tickets.service import TicketService
from ccengine.users.models import Role
from tests.browser import Live
from tests.test_agent_console import AGENT3, AGENT6, MONDAY_10, caller, log_in
from tests.test_agent_console import sessions as sessions  # the fixture
from tests.test_agent_wrapup import answered_call


async def missed_call(live: Live, number: str) -> None:
    pbx = AgiPbx(live.server, time_scale=0.2)
    script = caller(number, "Zofia Wójcik", ("2",), abandon_after=2.0)
    await (await pbx.place_call(script, at=MONDAY_10)).finished(10)
    await live.engine.settle()
    await pbx.stop()


async def test_callbacks_list_only_what_she_may_open_and_attempts_are_the_makers(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    # Privileged: she still sees the callback Agnieszka's call claimed.
    other = await log_in(live, sessions, "ewa", Role.PRIVILEGED_AGENT, AGENT6, "Ewa Dąbrowska")
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


async def test_one_entry_per_caller_a_claim_holds_it_and_reached_closes_it(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    other = await log_in(live, sessions, "ewa", Role.AGENT, AGENT6, "Ewa Dąbrowska")
    boss = await log_in(live, sessions, "tomasz", Role.PRIVILEGED_AGENT, "PJSIP/agent4",
                        "Tomasz Kamiński")
    for _ in range(2):
        await missed_call(live, "48602333444")
    await missed_call(live, "48602333555")
    _, listed = await agent.call("GET", "/callbacks")
    by_caller = {item["caller"]: item for item in listed["items"]}
    assert len(listed["items"]) == 2, "the caller who rang twice is one entry"
    twice = by_caller["+48602333444"]
    assert (twice["missed_calls"], twice["also"]) == (2, [])
    assert by_caller["+48602333555"]["missed_calls"] == 1
    number = twice["ticket"]

    status, answer = await agent.call("POST", f"/callbacks/{number}/claim")
    assert (status, answer["holder"]) == (200, "Agnieszka Wójcik")
    status, answer = await boss.call("POST", f"/callbacks/{number}/claim")
    assert (status, answer["error"]) == (409, "callback-held")
    assert "Agnieszka Wójcik" in answer["message"]
    status, answer = await other.call("POST", f"/callbacks/{number}/claim")
    assert (status, answer["error"]) == (404, "ticket-not-found")  # hers now: hidden
    _, listed = await boss.call("GET", "/callbacks")
    held = next(item for item in listed["items"] if item["ticket"] == number)
    assert held["assignee"] == "Agnieszka Wójcik"

    status, started = await agent.call("POST", f"/callbacks/{number}/call")
    assert status == 200, started
    status, answer = await agent.call("POST", f"/callbacks/{number}/outcome", {
        "attempt": started["attempt"], "outcome": "reached"})
    assert status == 200, answer
    _, detail = await agent.call("GET", f"/tickets/{number}")
    assert detail["ticket"]["status"] == "closed"
    _, listed = await agent.call("GET", "/callbacks")
    assert number not in [item["ticket"] for item in listed["items"]]


async def test_click_to_call_takes_the_claim_so_one_agent_rings_at_a_time(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    boss = await log_in(live, sessions, "tomasz", Role.PRIVILEGED_AGENT, "PJSIP/agent4",
                        "Tomasz Kamiński")
    await missed_call(live, "48602333444")
    _, listed = await agent.call("GET", "/callbacks")
    [number] = [item["ticket"] for item in listed["items"]]
    status, started = await agent.call("POST", f"/callbacks/{number}/call")
    assert status == 200, started
    _, listed = await boss.call("GET", "/callbacks")
    assert [item["assignee"] for item in listed["items"]] == ["Agnieszka Wójcik"]
    status, answer = await boss.call("POST", f"/callbacks/{number}/call")
    assert (status, answer["error"]) == (409, "callback-held"), answer
    assert "Agnieszka Wójcik" in answer["message"]
    status, started = await agent.call("POST", f"/callbacks/{number}/call")
    assert status == 200, "her own claim does not stop her calling again"


async def legacy_duplicate(live: Live, number: str, copies: int = 1) -> str:
    """Further open callbacks of the same caller, as data made before missed calls
    joined the caller's open callback holds; the first copy's number."""
    async with live.database.sessions() as session:
        first = await session.scalar(select(Ticket).where(Ticket.number == number))
        assert first is not None
        session.add_all(
            Ticket(number=f"{number}-OLD{n or ''}", title=first.title, status=first.status,
                   priority=first.priority, kind=first.kind, queue=first.queue,
                   assignee=None, customer_id=first.customer_id,
                   source_channel=first.source_channel, created_at=first.created_at,
                   updated_at=first.updated_at) for n in range(copies))
        await session.commit()
    return f"{number}-OLD"


async def test_a_caller_with_many_open_callbacks_hides_nobody_else(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    await missed_call(live, "48602333444")
    _, listed = await agent.call("GET", "/callbacks")
    [number] = [item["ticket"] for item in listed["items"]]
    await legacy_duplicate(live, number, copies=LIST_LIMIT)
    await missed_call(live, "48602333555")
    _, listed = await agent.call("GET", "/callbacks")
    assert [item["caller"] for item in listed["items"]] == ["+48602333444", "+48602333555"]
    assert len(listed["items"][0]["also"]) == LIST_LIMIT


async def test_a_claim_holds_and_reached_closes_every_open_callback_of_the_caller(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    other = await log_in(live, sessions, "ewa", Role.AGENT, AGENT6, "Ewa Dąbrowska")
    await missed_call(live, "48602333444")
    _, listed = await agent.call("GET", "/callbacks")
    [number] = [item["ticket"] for item in listed["items"]]
    old = await legacy_duplicate(live, number)
    _, listed = await other.call("GET", "/callbacks")
    assert [(item["ticket"], item["also"]) for item in listed["items"]] == [(number, [old])]

    status, answer = await agent.call("POST", f"/callbacks/{number}/claim")
    assert status == 200, answer
    _, listed = await other.call("GET", "/callbacks")
    assert listed["items"] == [], "the caller is Agnieszka's, with every open callback"
    status, started = await agent.call("POST", f"/callbacks/{number}/call")
    assert status == 200, started
    status, answer = await agent.call("POST", f"/callbacks/{number}/outcome", {
        "attempt": started["attempt"], "outcome": "reached"})
    assert status == 200, answer
    _, listed = await other.call("GET", "/callbacks")
    assert listed["items"] == []
    assert await open_callbacks(live) == [], "reached: nothing is left to call this caller"


async def open_callbacks(live: Live) -> list[Ticket]:
    async with live.database.sessions() as session:
        return list(await session.scalars(select(Ticket).where(
            Ticket.kind == TicketKind.CALLBACK, Ticket.status != TicketStatus.CLOSED)))


async def test_a_further_missed_call_adds_to_the_callers_open_callback(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    for _ in range(2):
        await missed_call(live, "48602333444")
    [callback] = await open_callbacks(live)
    async with live.database.sessions() as session:
        calls = list(await session.scalars(select(Call)))
    assert len(calls) == 2 and {c.ticket_id for c in calls} == {callback.id}
    async with live.database.sessions() as session:
        others = list(await session.scalars(select(Ticket).where(Ticket.id != callback.id)))
    # The second call's ring-time ticket (shown in the pop) is closed into the callback.
    assert [(t.status, t.kind) for t in others] == [("closed", "call")]
    _, detail = await agent.call("GET", f"/tickets/{callback.number}")
    on_timeline = [a for a in detail["activities"] if a["kind"] == "call"]
    assert len(on_timeline) == 2, "both missed calls are on the callback's timeline"

    status, started = await agent.call("POST", f"/callbacks/{callback.number}/call")
    assert status == 200, started
    status, answer = await agent.call("POST", f"/callbacks/{callback.number}/outcome", {
        "attempt": started["attempt"], "outcome": "reached"})
    assert status == 200, answer
    assert await open_callbacks(live) == []
    await missed_call(live, "48602333444")
    [fresh] = await open_callbacks(live)
    assert fresh.number != callback.number, "a closed callback is not reopened by a new ring"


async def test_click_to_call_is_refused_during_wrap_up(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    await missed_call(live, "48602333444")
    _, listed = await agent.call("GET", "/callbacks")
    [number] = [item["ticket"] for item in listed["items"]]
    tab = await agent.tab()
    assert (await agent.call("POST", "/agent/login", {}))[0] == 200
    await answered_call(live, agent, tab, "48601111222")
    originated = len(live.server.members.originated)
    status, answer = await agent.call("POST", f"/callbacks/{number}/call")
    assert (status, answer["error"]) == (409, "in-wrap-up")
    assert "wrap-up" in answer["message"]
    assert len(live.server.members.originated) == originated
    await tab.close()


async def test_the_pop_links_only_tickets_she_may_open(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    boss = await log_in(live, sessions, "tomasz", Role.PRIVILEGED_AGENT, "PJSIP/agent3x",
                        "Tomasz Kamiński")
    await missed_call(live, "48602333444")
    _, listed = await boss.call("GET", "/callbacks")
    [item] = listed["items"]
    theirs = item["ticket"]
    tickets = TicketService(live.database, TicketsConfig())
    await tickets.update(theirs, TicketChanges(assignee="Ewa Dąbrowska", reassign=True), None)
    await tickets.change_status(theirs, TicketStatus.CLOSED)
    await missed_call(live, "48602333444")
    _, listed = await boss.call("GET", "/callbacks")
    [item] = listed["items"]
    open_one = item["ticket"]
    assert open_one != theirs

    tab = await agent.tab()
    assert (await agent.call("POST", "/agent/login", {}))[0] == 200
    number = await answered_call(live, agent, tab, "48602333444")
    pops = [m["pop"] for m in tab.of("pop") if m["pop"]]
    shown = {t["number"] for pop in pops for t in pop["recent_tickets"]}
    assert shown == {open_one}, "Ewa's ticket would be a 404 for her"
    _, state = await agent.call("GET", "/agent/state")
    assert [t["number"] for t in state["pop"]["recent_tickets"]] == [open_one]
    for listed_number in shown:
        assert (await agent.call("GET", f"/tickets/{listed_number}"))[0] == 200
    assert number not in shown
    await tab.close()


async def test_a_callback_is_scheduled_in_the_contact_centers_time(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    await missed_call(live, "48602333444")
    _, listed = await agent.call("GET", "/callbacks")
    [item] = listed["items"]
    assert item["scheduled_at"] is None
    number = item["ticket"]
    status, answer = await agent.call("POST", f"/callbacks/{number}/schedule",
                                      {"at": "2026-11-23T15:00"})
    assert (status, answer["scheduled_at"]) == (200, "2026-11-23T15:00:00+01:00"), answer
    _, listed = await agent.call("GET", "/callbacks")
    assert listed["items"][0]["scheduled_at"] == "2026-11-23T15:00:00+01:00"
    status, answer = await agent.call("POST", f"/callbacks/{number}/schedule", {"at": "15"})
    assert (status, answer["error"]) == (400, "invalid-body")
    status, answer = await agent.call("POST", f"/callbacks/{number}/schedule", {"at": None})
    assert (status, answer["scheduled_at"]) == (200, None)
    _, listed = await agent.call("GET", "/callbacks")
    assert listed["items"][0]["scheduled_at"] is None


async def test_a_demo_call_is_answered_by_a_member_of_its_queue(live: Live) -> None:
    graph = parse_graph(EXAMPLE_GRAPH.read_text(encoding="utf-8"))
    # The demo's plan names an agent of another queue; nobody is logged in.
    plan = QueuePlan(answered_by="Marek Jankowski", interface="PJSIP/agent1",
                     ring_seconds=1.0, talk_seconds=1.0, logged_in_first=True,
                     own_members=members_of(graph))
    pbx = AgiPbx(live.server, time_scale=0.2)
    script = CallerScript("48601111222", "Jan Kowalski", "48221110000", digits=("3",),
                          queues=(plan,))
    await (await pbx.place_call(script, at=MONDAY_10)).finished(15)
    await live.engine.settle()
    await pbx.stop()
    async with live.database.sessions() as session:
        [call] = (await session.scalars(select(Call))).all()
    assert (call.queue, call.agent_name, call.agent_interface) == (
        "reklamacje", "Magdalena Szymańska", "PJSIP/agent5")
