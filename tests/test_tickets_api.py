"""The ticket workspace API on both databases: filters, paging, visibility, edits, bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from ccengine.calls.model import FinishedCall, Outcome, RouteTaken
from ccengine.config import TicketsConfig, WebConfig
from ccengine.db import Database
from ccengine.tickets.editing import Current, plan_changes
from ccengine.tickets.enums import ActivityKind, Priority, TicketStatus
from ccengine.tickets.errors import InvalidTransition
from ccengine.tickets.filters import EVERYONE, Viewer, can_see, glob_pattern
from ccengine.tickets.models import Call, Ticket, TicketActivity
from ccengine.tickets.service import TicketChanges, TicketService
from ccengine.transcribe.storage_models import Transcript
from ccengine.users.models import Role, User
from ccengine.web.api import setup_api
from tests.people import signed_in

Client = TestClient[Any, Any]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# login → (display name, role); agents' names match the calls' agent names
PEOPLE = {
    "admin": ("Administrator", Role.ADMIN),
    "anna": ("Anna Nowak", Role.AGENT),
    "bartek": ("Bartek Zieliński", Role.AGENT),
    "tomasz": ("Tomasz Kamiński", Role.PRIVILEGED_AGENT),
    "qa": ("Ewa QA", Role.QA_LEAD),
}
ROUTE = RouteTaken(graph="ecommerce", version=3, ended_by="queue", digits="2", path=(
    {"node": "menu", "kind": "menu", "branch": "option 2", "reason": "digit 2"},
    {"node": "kolejka", "kind": "queue", "branch": "ended", "reason": "answered"}))


@dataclass
class World:
    client: Client
    database: Database
    headers: dict[str, dict[str, str]]
    numbers: dict[str, str]  # fixture key → ticket number

    async def call(self, who: str, method: str, path: str, status: int = 200,
                   **kwargs: Any) -> Any:
        response = await self.client.request(method, f"/api/v1{path}",
                                             headers=self.headers[who], **kwargs)
        body = await response.json()
        assert response.status == status, body
        return body

    async def keys(self, who: str, query: str = "") -> set[str]:
        body = await self.call(who, "GET", f"/tickets?per_page=200&{query}")
        assert body["total"] == len(body["items"])
        by_number = {number: key for key, number in self.numbers.items()}
        return {by_number[item["number"]] for item in body["items"]}


def _calls(make_call: Callable[..., FinishedCall]) -> dict[str, FinishedCall]:
    at = [T0 + timedelta(minutes=10 * i) for i in range(5)]
    return {
        "anna": make_call("a.1", started_at=at[0], caller_name="Żaneta Wiśniewska",
                          recording_file="/var/spool/asterisk/monitor/a.1.wav", route=ROUTE),
        "bartek": make_call("a.2", started_at=at[1], queue="sales", agent_name="Bartek Zieliński",
                            caller_number="+48601111222"),
        "open1": make_call("m.1", Outcome.ABANDONED, started_at=at[2],
                           caller_number="+48602999888"),
        "open2": make_call("m.2", Outcome.TIMEOUT, started_at=at[3], queue="sales",
                           caller_number="0048603777666"),
        "closed": make_call("m.3", Outcome.ABANDONED, started_at=at[4],
                            caller_number="+48604555444"),
    }


async def _people(database: Database) -> dict[str, dict[str, str]]:
    return await signed_in(database, PEOPLE, T0)


@pytest.fixture
async def world(database: Database,
                make_call: Callable[..., FinishedCall]) -> AsyncIterator[World]:
    calls = _calls(make_call)
    tickets = TicketService(database, TicketsConfig())
    recorded = await tickets.record_calls(list(calls.values()))
    numbers = {key: r.ticket_number for key, r in zip(calls, recorded, strict=True)}
    await tickets.add_note(numbers["bartek"], "Klient zgłasza REKLAMACJĘ butów", "Bartek")
    await tickets.change_status(numbers["closed"], TicketStatus.CLOSED, "Administrator")
    app = web.Application()
    setup_api(app, database, WebConfig(secure_cookie=False))
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    yield World(client, database, await _people(database), numbers)
    await client.close()


EVERY_TICKET = {"anna", "bartek", "open1", "open2", "closed"}


@pytest.mark.parametrize(("query", "expected"), [
    ("", EVERY_TICKET),
    ("status=new", {"open1", "open2"}),
    ("status=closed", {"closed"}),
    ("queue=sales", {"bartek", "open2"}),
    ("priority=P3", {"anna", "bartek"}),
    ("priority=P2", {"open1", "open2", "closed"}),
    ("assignee=Anna%20Nowak", {"anna"}),
    ("assignee=none", {"open1", "open2", "closed"}),
    ("assignee=me", set()),  # the admin takes no tickets
    ("caller=602%20999%20888", {"open1"}),
    ("caller=0048603777666", {"open2"}),
    ("caller=%2B48603777666", {"open2"}),
    ("text=%C5%BCANETA", {"anna"}),  # ŻANETA: the caller's name, Polish letters ignoring case
    ("text=reklamacj%C4%99", {"bartek"}),  # reklamację: in a note
    ("text=ODDZWONI%C4%86", {"open1", "open2", "closed"}),  # ODDZWONIĆ: a title word
    ("text=Oddzwoni%C4%87%20603777666", {"open2"}),  # every word must be found
    ("text=nieznane", set()),
    *[(f"text={wild}", set()) for wild in ("%25", "_", "*", "%3F", "%5B")],  # % _ * ? [ literal
    ("status=new&queue=sales", {"open2"}),
])
async def test_each_filter_filters(world: World, query: str, expected: set[str]) -> None:
    assert await world.keys("admin", query) == expected


async def test_paging_counts_every_match(world: World) -> None:
    pages = [await world.call("admin", "GET", f"/tickets?per_page=2&page={page}")
             for page in (1, 2, 3)]
    assert [len(page["items"]) for page in pages] == [2, 2, 1]
    assert {page["total"] for page in pages} == {5}
    numbers = [item["number"] for page in pages for item in page["items"]]
    assert numbers == sorted(numbers, reverse=True)  # newest first
    filtered = await world.call("admin", "GET", "/tickets?per_page=1&priority=P2&page=2")
    assert (filtered["total"], len(filtered["items"])) == (3, 1)


async def test_list_item_carries_the_customer(world: World) -> None:
    body = await world.call("admin", "GET", "/tickets?text=%C5%BCaneta")
    [item] = body["items"]
    assert (item["caller"], item["caller_name"], item["vip"]) == (
        "+48602333444", "Żaneta Wiśniewska", False)


@pytest.mark.parametrize(("who", "expected"), [
    ("anna", {"anna", "open1", "open2"}),  # hers and open queue work, not a closed unassigned
    ("bartek", {"bartek", "open1", "open2"}),
    ("tomasz", EVERY_TICKET),  # a privileged agent sees every agent's tickets
    ("admin", EVERY_TICKET),
    ("qa", EVERY_TICKET),
    ("crm", EVERY_TICKET),
])
async def test_who_sees_which_tickets(world: World, who: str, expected: set[str]) -> None:
    assert await world.keys(who) == expected
    hidden = EVERY_TICKET - expected
    for key in hidden:
        number = world.numbers[key]
        body = await world.call(who, "GET", f"/tickets/{number}", 404)
        assert body["error"] == "ticket-not-found"
        await world.call(who, "PATCH", f"/tickets/{number}", 404, json={"priority": "P1"})
        await world.call(who, "POST", f"/tickets/{number}/notes", 404, json={"body": "x"})
    for key in expected:
        shown = await world.call(who, "GET", f"/tickets/{world.numbers[key]}")
        assert shown["ticket"]["number"] == world.numbers[key]


@pytest.mark.parametrize(("who", "expected"), [
    ("anna", {"a.1", "m.1", "m.2"}),  # the calls of the tickets she may open
    ("tomasz", {"a.1", "a.2", "m.1", "m.2", "m.3"}),
    ("crm", {"a.1", "a.2", "m.1", "m.2", "m.3"}),
])
async def test_calls_list_follows_ticket_visibility_and_hides_server_paths(
        world: World, who: str, expected: set[str]) -> None:
    body = await world.call(who, "GET", "/calls?per_page=200")
    assert {item["linkedid"] for item in body["items"]} == expected
    assert body["total"] == len(expected)
    recorded = next(item for item in body["items"] if item["linkedid"] == "a.1")
    assert recorded["recording_url"] == f"/api/v1/calls/{recorded['id']}/recording"
    assert "/var/spool" not in repr(body) and "recording_file" not in repr(body)
    detail = await world.call(who, "GET", f"/tickets/{world.numbers['anna']}")
    assert "/var/spool" not in repr(detail)


async def test_a_recording_says_whether_it_can_be_played(world: World) -> None:
    async def state(key: str) -> str:
        detail = await world.call("admin", "GET", f"/tickets/{world.numbers[key]}")
        states = {call["recording_state"] for call in detail["calls"]}
        states |= {e["call"]["recording_state"] for e in detail["timeline"] if e["call"]}
        [only] = states
        return str(only)

    assert await state("bartek") == "none"  # never recorded: the page shows nothing
    assert await state("anna") == "not_redacted"  # no transcript yet: the server refuses it
    async with world.database.writer() as session:
        call = (await session.scalars(select(Call).where(Call.linkedid == "a.1"))).one()
        session.add(Transcript(call_id=call.id, ticket_id=call.ticket_id, language="pl",
                               model="tiny", layout="mono", duration=1.0, segments=[],
                               text="", search_text="", flags=[], audio_redacted=True,
                               created_at=T0))
        await session.commit()
    assert await state("anna") == "ready"


async def test_me_is_the_asker(world: World) -> None:
    assert await world.keys("anna", "assignee=me") == {"anna"}
    assert await world.keys("tomasz", "assignee=me") == set()
    assert await world.keys("tomasz", "assignee=Bartek%20Zieli%C5%84ski") == {"bartek"}
    assert await world.keys("anna", "assignee=Bartek%20Zieli%C5%84ski") == set()


def _changes(detail: dict[str, Any]) -> list[tuple[str, str | None, Any, Any]]:
    return [(e["kind"], e["author"], e["data"].get("from"), e["data"].get("to"))
            for e in detail["timeline"]
            if e["kind"] in ("status_change", "priority_change", "assignment")]


async def test_patch_changes_and_logs_each_field(world: World) -> None:
    number = world.numbers["open1"]
    detail = await world.call("anna", "PATCH", f"/tickets/{number}", json={
        "status": "in_progress", "priority": "P1", "assignee": "me"})
    ticket = detail["ticket"]
    assert (ticket["status"], ticket["priority"], ticket["assignee"]) == (
        "in_progress", "P1", "Anna Nowak")
    assert _changes(detail) == [
        ("status_change", "Anna Nowak", "new", "in_progress"),
        ("priority_change", "Anna Nowak", "P2", "P1"),
        ("assignment", "Anna Nowak", None, "Anna Nowak"),
    ]
    assert "open1" not in await world.keys("bartek")  # taken: no longer queue work for him
    again = await world.call("anna", "PATCH", f"/tickets/{number}", json={
        "status": "in_progress", "priority": "P1"})  # as it is: nothing to log
    assert len(_changes(again)) == 3
    handed = await world.call("tomasz", "PATCH", f"/tickets/{number}", json={
        "assignee": "Bartek Zieliński", "status": "closed"})
    assert handed["ticket"]["closed_at"] is not None
    assert _changes(handed)[-2:] == [("status_change", "Tomasz Kamiński", "in_progress",
                                      "closed"),
                                     ("assignment", "Tomasz Kamiński", "Anna Nowak",
                                      "Bartek Zieliński")]
    assert "open1" not in await world.keys("anna")
    freed = await world.call("admin", "PATCH", f"/tickets/{number}", json={"assignee": None})
    assert freed["ticket"]["assignee"] is None
    assert _changes(freed)[-1] == ("assignment", "Administrator", "Bartek Zieliński", None)


async def test_invalid_transition_changes_nothing(world: World) -> None:
    number = world.numbers["open1"]
    body = await world.call("anna", "PATCH", f"/tickets/{number}", 409, json={
        "status": "waiting_for_customer", "priority": "P1"})
    assert body["error"] == "invalid-transition"
    ticket = (await world.call("anna", "GET", f"/tickets/{number}"))["ticket"]
    assert (ticket["status"], ticket["priority"]) == ("new", "P2")


async def test_notes_are_added_with_their_author(world: World) -> None:
    number = world.numbers["anna"]
    note = await world.call("anna", "POST", f"/tickets/{number}/notes",
                            json={"body": "<script>alert(1)</script> oddzwonię jutro"})
    assert (note["kind"], note["author"]) == ("note", "Anna Nowak")
    await world.call("crm", "POST", f"/tickets/{number}/notes", json={"body": "z CRM"})
    detail = await world.call("admin", "GET", f"/tickets/{number}")
    notes = [(e["author"], e["body"]) for e in detail["timeline"] if e["kind"] == "note"]
    assert notes == [("Anna Nowak", "<script>alert(1)</script> oddzwonię jutro"),
                     ("crm", "z CRM")]
    assert await world.keys("admin", "text=oddzwoni%C4%99") == {"anna"}


async def test_a_public_note_is_marked_and_may_be_the_first_response(world: World) -> None:
    number = world.numbers["open1"]  # a missed call's callback: nobody answered yet
    async with world.database.sessions() as session:
        before = await session.scalar(select(Ticket.first_response_at)
                                      .where(Ticket.number == number))
    assert before is None
    note = await world.call("admin", "POST", f"/tickets/{number}/notes",
                            json={"body": "Oddzwonimy jutro", "public": True})
    assert note["data"] == {"public": True}
    plain = await world.call("admin", "POST", f"/tickets/{number}/notes", json={"body": "x"})
    assert plain["data"] == {"public": False}
    async with world.database.sessions() as session:
        after = await session.scalar(select(Ticket.first_response_at)
                                     .where(Ticket.number == number))
    assert after is not None


async def _transcript(database: Database, linkedid: str) -> None:
    """A masked transcript activity, as the transcription worker attaches it."""
    async with database.writer() as session:
        call = (await session.scalars(select(Call).where(Call.linkedid == linkedid))).one()
        assert call.ticket_id is not None
        session.add(TicketActivity(
            ticket_id=call.ticket_id, call_id=call.id, kind=ActivityKind.TRANSCRIPT,
            body="PESEL [PESEL]", author="transcription", created_at=T0 + timedelta(hours=1),
            data={"segments": [{"speaker": "klient", "start": 1.5, "end": 4.0,
                                "text": "mój PESEL to [PESEL]"}], "needs_qa": False}))
        await session.commit()


async def test_ticket_timeline_in_time_order(world: World) -> None:
    number = world.numbers["anna"]
    await _transcript(world.database, "a.1")
    await world.call("anna", "POST", f"/tickets/{number}/notes", json={"body": "notatka"})
    await world.call("anna", "PATCH", f"/tickets/{number}", json={"status": "closed"})
    detail = await world.call("anna", "GET", f"/tickets/{number}")
    kinds = [entry["kind"] for entry in detail["timeline"]]
    assert kinds == ["call", "transcript", "note", "status_change"]
    times = [datetime.fromisoformat(entry["at"]) for entry in detail["timeline"]]
    assert times == sorted(times) and times[0] == T0
    call = detail["timeline"][0]["call"]
    assert call["recording_url"] == f"/api/v1/calls/{call['id']}/recording"
    assert [step["node"] for step in call["route"]["path"]] == ["menu", "kolejka"]
    assert call["timeline"][0]["kind"] == "start"
    segments = detail["timeline"][1]["data"]["segments"]
    assert segments[0]["text"] == "mój PESEL to [PESEL]"
    assert detail["timeline"][1]["call"]["id"] == call["id"]
    assert detail["customer"]["name"] == "Żaneta Wiśniewska"
    unrecorded = await world.call("admin", "GET", f"/tickets/{world.numbers['bartek']}")
    assert unrecorded["calls"][0]["recording_url"] is None


async def test_assignees_are_the_people_who_take_tickets(world: World) -> None:
    async with world.database.writer() as session:
        bartek = (await session.scalars(select(User).where(User.login == "bartek"))).one()
        bartek.active = False
        await session.commit()
    body = await world.call("anna", "GET", "/assignees")
    assert body["items"] == [{"display_name": "Anna Nowak", "role": "agent"},
                             {"display_name": "Tomasz Kamiński", "role": "privileged_agent"}]
    refused = await world.call("admin", "PATCH", f"/tickets/{world.numbers['open1']}", 400,
                               json={"assignee": "Bartek Zieliński"})  # no longer active
    assert refused["error"] == "invalid-body"


@pytest.mark.parametrize(("who", "method", "path", "status"), [
    ("qa", "PATCH", "/tickets/{n}", 403),
    ("crm", "PATCH", "/tickets/{n}", 403),
    ("qa", "POST", "/tickets/{n}/notes", 403),
    ("crm", "POST", "/tickets/{n}/notes", 200),
    ("nobody", "GET", "/tickets", 401),
    ("nobody", "GET", "/assignees", 401),
])
async def test_roles(world: World, who: str, method: str, path: str, status: int) -> None:
    await world.call(who, method, path.replace("{n}", world.numbers["open1"]), status,
                     json={"body": "x", "priority": "P1"} if method == "PATCH" else {"body": "x"})


BAD_CHANGES: list[Any] = [
    {}, [], "closed", 5, None, {"status": "lost"}, {"status": 3}, {"status": ["closed"]},
    {"priority": "P9"}, {"priority": None}, {"assignee": "Nieznany Ktoś"}, {"assignee": ""},
    {"assignee": 5}, {"assignee": "Anna\u0000Nowak"}, {"status": "closed\u0000"},
    {"colour": "red"}, {"status": "closed", "colour": "red"},
]


@pytest.mark.parametrize("body", BAD_CHANGES)
async def test_bad_changes_are_invalid_body(world: World, body: Any) -> None:
    number = world.numbers["open1"]
    refused = await world.call("admin", "PATCH", f"/tickets/{number}", 400, json=body)
    assert refused["error"] == "invalid-body"
    assert (await world.call("admin", "GET", f"/tickets/{number}"))["timeline"][-1][
        "kind"] == "call"  # nothing was written


@pytest.mark.parametrize("body", [
    {}, [], {"body": ""}, {"body": "   "}, {"body": 5}, {"body": "a\u0000b"},
    {"body": "x" * 10_001}, {"body": "ok", "extra": 1}, {"body": None},
    {"body": "ok", "public": "yes"}, {"body": "ok", "public": None}, {"body": "ok", "public": 1},
])
async def test_bad_notes_are_invalid_body(world: World, body: Any) -> None:
    refused = await world.call("admin", "POST", f"/tickets/{world.numbers['open1']}/notes", 400,
                               json=body)
    assert refused["error"] == "invalid-body"


async def test_malformed_json_is_invalid_body(world: World) -> None:
    for path in ("", "/notes"):
        method = "PATCH" if not path else "POST"
        refused = await world.call("admin", method, f"/tickets/{world.numbers['open1']}{path}",
                                   400, data=b'{"status": ')
        assert refused["error"] == "invalid-body"


@pytest.mark.parametrize(("query", "parameter"), [
    ("status=lost", "status"), ("priority=P0", "priority"), ("page=0", "page"),
    ("per_page=201", "per_page"), ("caller=60%00", "caller"), ("text=a%00", "text"),
    ("assignee=x%00", "assignee"), ("queue=%00", "queue"),
    ("text=" + "+".join(["słowo"] * 11), "text"), ("text=" + "a" * 201, "text"),
])
async def test_bad_parameters_are_invalid_parameter(world: World, query: str,
                                                    parameter: str) -> None:
    refused = await world.call("admin", "GET", f"/tickets?{query}", 400)
    assert refused["error"] == "invalid-parameter"
    assert repr(parameter) in refused["message"]


async def test_unknown_ticket_is_404(world: World) -> None:
    for method, path, body in (("GET", "", None), ("PATCH", "", {"priority": "P1"}),
                               ("POST", "/notes", {"body": "x"})):
        refused = await world.call("admin", method, f"/tickets/TK-1999-000001{path}", 404,
                                   json=body)
        assert refused["error"] == "ticket-not-found"
    nul = await world.call("admin", "GET", "/tickets/TK%00", 400)
    assert nul["error"] == "invalid-parameter"


# The pure rules under the API.

def test_glob_pattern_is_case_blind_and_literal() -> None:
    assert glob_pattern("Żó*?[]x^1") == "*[Żż][Óó][*][?][[]][Xx]^1*"


@pytest.mark.parametrize(("assignee", "status", "anna", "everyone"), [
    ("Anna Nowak", "closed", True, True),
    ("Bartek Zieliński", "new", False, True),
    (None, "new", True, True),
    (None, "waiting_for_customer", True, True),
    (None, "closed", False, True),  # closed before anyone took it: not hers to see
])
def test_can_see(assignee: str | None, status: str, anna: bool, everyone: bool) -> None:
    assert can_see(Viewer("Anna Nowak"), assignee, status) is anna
    assert can_see(EVERYONE, assignee, status) is everyone


def test_plan_changes() -> None:
    current = Current("TK-1", TicketStatus.NEW, "P2", None)
    assert plan_changes(current, TicketChanges(status=TicketStatus.NEW, priority=Priority.P2,
                                               reassign=True)) == []
    with pytest.raises(InvalidTransition):
        plan_changes(current, TicketChanges(status=TicketStatus.WAITING_FOR_CUSTOMER,
                                            priority=Priority.P1))
    [change] = plan_changes(current, TicketChanges(assignee="Anna Nowak", reassign=True))
    assert (change.kind, change.body, change.data) == (
        ActivityKind.ASSIGNMENT, "- → Anna Nowak", {"from": None, "to": "Anna Nowak"})
