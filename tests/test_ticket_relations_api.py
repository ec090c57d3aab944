"""Merge, link, split a call off and bulk edit over HTTP, on both databases.

What holds: a merge moves the calls, history and transcripts in one go and the old
number still opens (the survivor, with ``merged_from``); links show both ways under
the viewer's visibility; a split call takes its history to a new, linked ticket; a
bulk edit changes each ticket on its own and says per ticket what happened.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from ccengine.calls.model import FinishedCall, Outcome
from ccengine.config import TicketsConfig, WebConfig
from ccengine.db import Database
from ccengine.dispositions.storage_models import CallDisposition, Disposition
from ccengine.ticket_fields.storage_models import (
    CustomFieldDefinition,
    TicketFieldValue,
    TicketTag,
)
from ccengine.tickets.enums import TicketStatus
from ccengine.tickets.errors import TicketMerged
from ccengine.tickets.models import Call, Ticket, TicketActivity
from ccengine.tickets.relations import TicketRelations
from ccengine.tickets.relations_models import TicketMerge
from ccengine.tickets.service import TicketService
from ccengine.transcribe.storage_models import Transcript
from ccengine.web.api import setup_api
from tests.test_tickets_api import T0, World, _people

Client = TestClient[Any, Any]
CONFIG = TicketsConfig(join_open_within_hours=8)  # a caller's second call joins her ticket


def _calls(make_call: Callable[..., FinishedCall]) -> dict[str, FinishedCall]:
    at = [T0 + timedelta(minutes=10 * i) for i in range(6)]
    return {
        "anna": make_call("a.1", started_at=at[0]),
        "bartek": make_call("a.2", started_at=at[1], agent_name="Bartek Zieliński",
                            caller_number="+48601111222"),
        "open1": make_call("m.1", Outcome.ABANDONED, started_at=at[2],
                           caller_number="+48602999888"),
        "open2": make_call("m.2", Outcome.TIMEOUT, started_at=at[3],
                           caller_number="+48603777666"),
        "open3": make_call("m.4", Outcome.ABANDONED, started_at=at[4],
                           caller_number="+48605000111"),
        "closed": make_call("m.3", Outcome.ABANDONED, started_at=at[5],
                            caller_number="+48604555444"),
    }


@pytest.fixture
async def world(database: Database,
                make_call: Callable[..., FinishedCall]) -> AsyncIterator[World]:
    tickets = TicketService(database, CONFIG)
    calls = _calls(make_call)
    recorded = await tickets.record_calls(list(calls.values()))
    numbers = {key: r.ticket_number for key, r in zip(calls, recorded, strict=True)}
    [again] = await tickets.record_calls([make_call("a.9", started_at=T0 + timedelta(hours=1))])
    assert again.ticket_number == numbers["anna"]  # Anna's ticket now has two calls
    await tickets.add_note(numbers["open1"], "Klient prosi o zwrot", "Anna Nowak")
    await tickets.change_status(numbers["closed"], TicketStatus.CLOSED, "Administrator")
    app = web.Application()
    setup_api(app, database, WebConfig(secure_cookie=False))
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    yield World(client, database, await _people(database), numbers)
    await client.close()


async def _transcript(database: Database, linkedid: str) -> None:
    async with database.writer() as session:
        call = (await session.scalars(select(Call).where(Call.linkedid == linkedid))).one()
        session.add(Transcript(call_id=call.id, ticket_id=call.ticket_id, language="pl",
                               model="tiny", layout="mono", duration=1.0, segments=[],
                               text="", search_text="", flags=[], created_at=T0))
        await session.commit()


async def _owned(database: Database, number: str) -> dict[str, int]:
    """How many calls, activities and transcripts point at the ticket ``number``."""
    async with database.sessions() as session:
        ticket_id = await session.scalar(select(Ticket.id).where(Ticket.number == number))
        return {model.__tablename__: int(await session.scalar(
            select(func.count()).select_from(model).where(model.ticket_id == ticket_id)) or 0)
            for model in (Call, TicketActivity, Transcript)}


async def test_merge_moves_the_history_and_the_old_number_opens_the_survivor(
        world: World) -> None:
    old, survivor = world.numbers["open1"], world.numbers["open2"]
    await _transcript(world.database, "m.1")
    before = await _owned(world.database, old)
    assert before["calls"] == 1 and before["transcripts"] == 1
    body = await world.call("tomasz", "POST", f"/tickets/{old}/merge", json={"into": survivor})
    assert body == {"merged": old, "into": survivor}
    assert await _owned(world.database, old) == {"calls": 0, "ticket_activities": 1,
                                                 "transcripts": 0}
    shown = await world.call("anna", "GET", f"/tickets/{old}")
    assert shown["ticket"]["number"] == survivor and shown["merged_from"] == old
    assert shown["merged"] == [old]
    assert {call["linkedid"] for call in shown["calls"]} == {"m.1", "m.2"}
    assert "Klient prosi o zwrot" in [entry["body"] for entry in shown["timeline"]]
    merges = [e["data"] for e in shown["timeline"] if e["kind"] == "merge"]
    assert merges == [{"from": old}]
    async with world.database.sessions() as session:
        merged = await session.scalar(select(Ticket).where(Ticket.number == old))
    assert merged is not None and merged.status == TicketStatus.CLOSED
    direct = await world.call("tomasz", "GET", f"/tickets/{survivor}")
    assert direct["merged_from"] is None and direct["merged"] == [old]


async def test_writes_to_a_merged_number_are_refused_with_the_survivor_named(
        world: World) -> None:
    old, survivor = world.numbers["open1"], world.numbers["open2"]
    await world.call("admin", "POST", f"/tickets/{old}/merge", json={"into": survivor})
    for method, path, body in (("PATCH", "", {"status": "in_progress"}),
                               ("POST", "/notes", {"body": "x"}),
                               ("POST", "/merge", {"into": world.numbers["open3"]})):
        refused = await world.call("admin", method, f"/tickets/{old}{path}", 409, json=body)
        assert refused["error"] == "ticket-merged" and survivor in refused["message"]
    into_merged = await world.call("admin", "POST", f"/tickets/{world.numbers['open3']}/merge",
                                   409, json={"into": old})
    assert into_merged["error"] == "ticket-merged"


async def test_a_survivor_merged_in_turn_takes_the_old_pointers_along(world: World) -> None:
    first, second, third = (world.numbers[k] for k in ("open1", "open2", "open3"))
    await world.call("admin", "POST", f"/tickets/{first}/merge", json={"into": second})
    await world.call("admin", "POST", f"/tickets/{second}/merge", json={"into": third})
    shown = await world.call("admin", "GET", f"/tickets/{first}")
    assert (shown["ticket"]["number"], shown["merged_from"]) == (third, first)
    assert sorted(shown["merged"]) == sorted([first, second])
    assert {call["linkedid"] for call in shown["calls"]} == {"m.1", "m.2", "m.4"}


async def test_merge_keeps_the_earliest_first_response(world: World) -> None:
    answered, missed = world.numbers["bartek"], world.numbers["open2"]
    await world.call("admin", "POST", f"/tickets/{answered}/merge", json={"into": missed})
    shown = await world.call("admin", "GET", f"/tickets/{missed}")
    sla = shown["ticket"]["sla"]
    assert sla is not None
    assert sla["first_response_at"] == (T0 + timedelta(minutes=10, seconds=20)).isoformat()


@pytest.mark.parametrize(("who", "source", "into", "status", "error"), [
    ("admin", "open1", "open1", 409, "merge-into-itself"),
    ("admin", "open1", "closed", 409, "merge-into-closed"),
    ("anna", "open1", "bartek", 404, "ticket-not-found"),  # Bartek's ticket is not hers to see
    ("anna", "bartek", "open1", 404, "ticket-not-found"),
    ("qa", "open1", "open2", 403, "forbidden"),
])
async def test_merge_refusals(world: World, who: str, source: str, into: str, status: int,
                              error: str) -> None:
    body = await world.call(who, "POST", f"/tickets/{world.numbers[source]}/merge", status,
                            json={"into": world.numbers[into]})
    assert body["error"] == error


@pytest.mark.parametrize("body", [{}, {"into": 5}, {"into": ""}, {"into": "x", "also": 1},
                                  {"into": "TK-" + "9" * 70}])
async def test_a_bad_merge_body_names_the_field(world: World, body: dict[str, Any]) -> None:
    answer = await world.call("admin", "POST", f"/tickets/{world.numbers['open1']}/merge", 400,
                              json=body)
    assert answer["error"] == "invalid-body" and answer["field"] in ("into", "also")


async def test_links_show_both_ways_and_only_to_who_may_see_the_other(world: World) -> None:
    parent, child, hidden = (world.numbers[k] for k in ("open1", "open2", "bartek"))
    ties = await world.call("admin", "POST", f"/tickets/{parent}/links",
                            json={"number": child, "kind": "child"})
    assert [(link["number"], link["kind"]) for link in ties["links"]] == [(child, "child")]
    await world.call("admin", "POST", f"/tickets/{parent}/links",
                     json={"number": hidden, "kind": "related"})
    seen_by_child = await world.call("anna", "GET", f"/tickets/{child}")
    assert [(link["number"], link["kind"]) for link in seen_by_child["links"]] == [
        (parent, "parent")]
    seen_by_anna = await world.call("anna", "GET", f"/tickets/{parent}")
    assert [link["number"] for link in seen_by_anna["links"]] == [child]  # not Bartek's
    seen_by_admin = await world.call("admin", "GET", f"/tickets/{parent}")
    assert {link["number"] for link in seen_by_admin["links"]} == {child, hidden}
    again = await world.call("admin", "POST", f"/tickets/{child}/links", 409,
                             json={"number": parent, "kind": "related"})
    assert again["error"] == "link-exists"
    ties = await world.call("anna", "DELETE", f"/tickets/{child}/links/{parent}")
    assert ties["links"] == []
    gone = await world.call("anna", "DELETE", f"/tickets/{child}/links/{parent}", 404)
    assert gone["error"] == "link-not-found"
    history = [e["data"] for e in seen_by_admin["timeline"] if e["kind"] == "link"]
    assert {"number": child, "kind": "child", "removed": False} in history


@pytest.mark.parametrize(("body", "status", "error"), [
    ({"number": "SELF", "kind": "related"}, 409, "link-to-itself"),
    ({"number": "TK-0000-000000", "kind": "related"}, 404, "ticket-not-found"),
    ({"number": "OTHER", "kind": "sibling"}, 400, "invalid-body"),
    ({"number": "OTHER"}, 400, "invalid-body"),
])
async def test_link_refusals(world: World, body: dict[str, Any], status: int,
                             error: str) -> None:
    number = world.numbers["open1"]
    other = {"SELF": number, "OTHER": world.numbers["open2"]}
    body = {**body, "number": other.get(body["number"], body["number"])}
    answer = await world.call("admin", "POST", f"/tickets/{number}/links", status, json=body)
    assert answer["error"] == error


async def test_a_merged_tickets_links_move_to_the_survivor(world: World) -> None:
    old, survivor, linked = (world.numbers[k] for k in ("open1", "open2", "open3"))
    await world.call("admin", "POST", f"/tickets/{old}/links",
                     json={"number": linked, "kind": "parent"})
    await world.call("admin", "POST", f"/tickets/{old}/links",
                     json={"number": survivor, "kind": "related"})
    await world.call("admin", "POST", f"/tickets/{old}/merge", json={"into": survivor})
    shown = await world.call("admin", "GET", f"/tickets/{survivor}")
    assert [(link["number"], link["kind"]) for link in shown["links"]] == [(linked, "parent")]


async def test_split_takes_the_call_and_its_history_to_a_linked_ticket(world: World) -> None:
    number = world.numbers["anna"]
    await _transcript(world.database, "a.9")
    detail = await world.call("anna", "GET", f"/tickets/{number}")
    [call] = [call for call in detail["calls"] if call["linkedid"] == "a.9"]
    body = await world.call("anna", "POST", f"/tickets/{number}/split",
                            json={"call_id": call["id"]})
    new = body["number"]
    assert body["from"] == number and new != number
    split = await world.call("anna", "GET", f"/tickets/{new}")
    assert [c["linkedid"] for c in split["calls"]] == ["a.9"]
    assert split["ticket"]["assignee"] == "Anna Nowak"
    assert split["ticket"]["created_at"] == (T0 + timedelta(hours=1)).isoformat()
    assert split["links"][0]["number"] == number and split["links"][0]["kind"] == "related"
    assert (await _owned(world.database, new))["transcripts"] == 1
    old = await world.call("anna", "GET", f"/tickets/{number}")
    assert [c["linkedid"] for c in old["calls"]] == ["a.1"]
    assert all(entry["call"] is None or entry["call"]["linkedid"] == "a.1"
               for entry in old["timeline"])
    last = await world.call("anna", "POST", f"/tickets/{new}/split", 409,
                            json={"call_id": call["id"]})
    assert last["error"] == "split-only-call"
    elsewhere = await world.call("anna", "POST", f"/tickets/{number}/split", 404,
                                 json={"call_id": call["id"]})
    assert elsewhere["error"] == "call-not-on-ticket"


@pytest.mark.parametrize("body", [{}, {"call_id": "1"}, {"call_id": 0}, {"call_id": True}])
async def test_a_bad_split_body_names_the_field(world: World, body: dict[str, Any]) -> None:
    answer = await world.call("anna", "POST", f"/tickets/{world.numbers['anna']}/split", 400,
                              json=body)
    assert (answer["error"], answer["field"]) == ("invalid-body", "call_id")


async def test_bulk_edit_changes_each_ticket_and_answers_per_ticket(world: World) -> None:
    keys = ("open1", "open2", "open3", "closed", "bartek")
    numbers = [world.numbers[key] for key in keys]
    body = await world.call("anna", "POST", "/tickets/bulk", json={
        "numbers": numbers,
        "changes": {"status": "in_progress", "priority": "P1", "queue": "vip"}})
    assert [(item["number"], item["error"]) for item in body["items"]] == [
        (numbers[0], None), (numbers[1], None), (numbers[2], None),
        (numbers[3], "ticket-not-found"),  # closed and unassigned: not Anna's to see
        (numbers[4], "ticket-not-found")]
    for number in numbers[:3]:
        shown = await world.call("anna", "GET", f"/tickets/{number}")
        ticket = shown["ticket"]
        assert (ticket["status"], ticket["priority"], ticket["queue"]) == (
            "in_progress", "P1", "vip")
        kinds = [e["kind"] for e in shown["timeline"]
                 if e["author"] == "Anna Nowak" and e["kind"].endswith("_change")]
        assert sorted(kinds) == ["priority_change", "queue_change", "status_change"]
    refused = await world.call("admin", "POST", "/tickets/bulk", json={
        "numbers": [world.numbers["open1"], world.numbers["closed"]],
        "changes": {"status": "waiting_for_customer"}})
    assert [item["error"] for item in refused["items"]] == [None, "invalid-transition"]


@pytest.mark.parametrize(("body", "field"), [
    ({"numbers": [], "changes": {"priority": "P1"}}, "numbers"),
    ({"numbers": ["a"] * 2, "changes": {"priority": "P1"}}, "numbers"),
    ({"numbers": [f"TK-{i}" for i in range(501)], "changes": {"priority": "P1"}}, "numbers"),
    ({"numbers": [5], "changes": {"priority": "P1"}}, "numbers"),
    ({"numbers": ["a"], "changes": {}}, "changes"),
    ({"numbers": ["a"], "changes": {"priority": "P9"}}, "changes.priority"),
    ({"numbers": ["a"], "changes": {"tags": ["x"]}}, "changes.tags"),
    ({"numbers": ["a"], "changes": {"assignee": "Nikt"}}, "changes.assignee"),
    ({"numbers": ["a"], "changes": {"queue": ""}}, "changes.queue"),
    ({"numbers": ["a"], "changes": []}, "changes"),
])
async def test_a_bad_bulk_body_names_the_field(world: World, body: dict[str, Any],
                                               field: str) -> None:
    answer = await world.call("admin", "POST", "/tickets/bulk", 400, json=body)
    assert (answer["error"], answer["field"]) == ("invalid-body", field)


async def test_two_opposite_merges_at_once_never_make_a_cycle(world: World) -> None:
    one, two = world.numbers["open1"], world.numbers["open2"]
    relations = TicketRelations(world.database, CONFIG)
    results = await asyncio.gather(relations.merge(one, two, "a"), relations.merge(two, one, "b"),
                                   return_exceptions=True)
    refused = [result for result in results if isinstance(result, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], TicketMerged)
    async with world.database.sessions() as session:
        pointers = (await session.execute(select(TicketMerge.ticket_id, TicketMerge.into_id))).all()
    assert len(pointers) == 1


async def test_patch_moves_the_queue_as_the_bulk_edit_does(world: World) -> None:
    number = world.numbers["open1"]
    shown = await world.call("anna", "PATCH", f"/tickets/{number}", json={"queue": "vip"})
    assert shown["ticket"]["queue"] == "vip"
    [change] = [e for e in shown["timeline"] if e["kind"] == "queue_change"]
    assert (change["author"], change["data"]) == ("Anna Nowak", {"from": "support", "to": "vip"})
    blank = await world.call("anna", "PATCH", f"/tickets/{number}", 400, json={"queue": " "})
    assert blank["field"] == "queue"


async def _ticket_id(database: Database, number: str) -> int:
    async with database.sessions() as session:
        found = await session.scalar(select(Ticket.id).where(Ticket.number == number))
    assert found is not None
    return found


async def test_merge_brings_dispositions_tags_and_custom_values_to_the_survivor(
        world: World) -> None:
    """The wrap-up's disposition moves; tags are unioned; a custom value is copied only
    where the survivor has none (its own wins); the merged ticket keeps its own."""
    old, survivor = world.numbers["open1"], world.numbers["open2"]
    old_id, survivor_id = (await _ticket_id(world.database, old),
                           await _ticket_id(world.database, survivor))
    async with world.database.writer() as session:
        sold = Disposition(code="sold", label_pl="S", label_en="S", created_at=T0,
                           updated_at=T0)
        plan, amount = (CustomFieldDefinition(key=key, kind="text", label_pl=key,
                                              label_en=key, created_at=T0)
                        for key in ("plan", "amount"))
        session.add_all([sold, plan, amount])
        await session.flush()
        session.add_all([
            CallDisposition(ticket_id=old_id, disposition_id=sold.id, code="sold",
                            queue="q", linkedid="m.1", author="Anna Nowak", chosen_at=T0),
            TicketTag(ticket_id=old_id, tag="vip"), TicketTag(ticket_id=old_id, tag="zwrot"),
            TicketTag(ticket_id=survivor_id, tag="zwrot"),
            TicketFieldValue(ticket_id=old_id, field_id=plan.id, value="gold"),
            TicketFieldValue(ticket_id=old_id, field_id=amount.id, value="10"),
            TicketFieldValue(ticket_id=survivor_id, field_id=amount.id, value="99")])
        await session.commit()
        fields = {plan.id: "plan", amount.id: "amount"}
    await world.call("tomasz", "POST", f"/tickets/{old}/merge", json={"into": survivor})
    async with world.database.sessions() as session:
        chosen = list(await session.scalars(select(CallDisposition.ticket_id)))
        tags = {(ticket_id, tag) for ticket_id, tag in await session.execute(
            select(TicketTag.ticket_id, TicketTag.tag))}
        values = {(ticket_id, fields[field_id], value)
                  for ticket_id, field_id, value in await session.execute(select(
                      TicketFieldValue.ticket_id, TicketFieldValue.field_id,
                      TicketFieldValue.value))}
    assert chosen == [survivor_id]
    assert {tag for ticket_id, tag in tags if ticket_id == survivor_id} == {"vip", "zwrot"}
    assert {tag for ticket_id, tag in tags if ticket_id == old_id} == {"vip", "zwrot"}
    assert {(f, v) for t, f, v in values if t == survivor_id} == {("plan", "gold"),
                                                                  ("amount", "99")}
    assert {(f, v) for t, f, v in values if t == old_id} == {("plan", "gold"),
                                                             ("amount", "10")}
