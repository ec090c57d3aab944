"""Ticket fields over HTTP on both databases: the category tree (admins only), the
PATCH of title, description, category, tags and custom fields (each change logged,
bad input a 4xx naming the field), the list's filters and its sort on every column."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from ccengine.calls.model import FinishedCall
from ccengine.config import TicketsConfig, WebConfig
from ccengine.db import Database
from ccengine.tickets.service import TicketService
from ccengine.tickets.sla_filters import SORTS
from ccengine.users.models import Role
from ccengine.web.api import setup_api
from tests.conftest import T0
from tests.people import signed_in

Client = TestClient[Any, Any]
PEOPLE = {"admin": ("Administrator", Role.ADMIN), "anna": ("Anna Nowak", Role.AGENT),
          "piotr": ("Piotr Lis", Role.PRIVILEGED_AGENT), "qa": ("Ola QA", Role.QA_LEAD)}
CALLERS = ["48602000001", "48602000002", "48602000003", "48602000004"]


@dataclass
class World:
    client: Client
    headers: dict[str, dict[str, str]]
    numbers: list[str]  # oldest first

    async def call(self, who: str, method: str, path: str, body: Any = None,
                   status: int = 200) -> Any:
        response = await self.client.request(method, f"/api/v1{path}", json=body,
                                             headers=self.headers[who])
        answer = await response.json()
        assert response.status == status, answer
        return answer

    async def patch(self, number: str, body: Any, status: int = 200, who: str = "admin") -> Any:
        return await self.call(who, "PATCH", f"/tickets/{number}", body, status)

    async def listed(self, query: str, who: str = "admin") -> list[str]:
        page = await self.call(who, "GET", f"/tickets?{query}&per_page=200")
        return [item["number"] for item in page["items"]]


@pytest.fixture
async def world(database: Database, make_call: Callable[..., FinishedCall],
                ) -> AsyncIterator[World]:
    calls = [make_call(f"f.{index}", caller_number=caller,
                       started_at=T0 + timedelta(minutes=index))
             for index, caller in enumerate(CALLERS)]
    recorded = await TicketService(database, TicketsConfig()).record_calls(calls)
    app = web.Application()
    setup_api(app, database, WebConfig(secure_cookie=False))
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    headers = await signed_in(database, PEOPLE, T0)
    yield World(client, headers, [r.ticket_number for r in recorded])
    await client.close()


async def _tree(world: World) -> dict[str, int]:
    """Reklamacje > Uszkodzony towar > Kurier; Zwroty."""
    ids: dict[str, int] = {}
    for name, parent in (("Reklamacje", None), ("Uszkodzony towar", "Reklamacje"),
                         ("Kurier", "Uszkodzony towar"), ("Zwroty", None)):
        made = await world.call("admin", "POST", "/ticket-categories",
                                {"name": name, "parent_id": ids.get(parent or "")})
        ids[name] = made["id"]
    return ids


async def _fields(world: World) -> None:
    for body in ({"key": "amount", "kind": "number", "label_pl": "Kwota",
                  "label_en": "Amount"},
                 {"key": "plan", "kind": "choice", "label_pl": "Plan", "label_en": "Plan",
                  "choices": [{"key": "gold", "label_pl": "Złoty", "label_en": "Gold"},
                              {"key": "basic", "label_pl": "Podstawowy",
                               "label_en": "Basic"}]},
                 {"key": "due", "kind": "date", "label_pl": "Termin", "label_en": "Due"}):
        await world.call("admin", "POST", "/ticket-fields", body)


async def test_admins_build_the_tree_others_only_read_it(world: World) -> None:
    ids = await _tree(world)
    await world.call("anna", "POST", "/ticket-categories", {"name": "X"}, status=403)
    await world.call("piotr", "PATCH", f"/ticket-categories/{ids['Zwroty']}",
                     {"name": "Y"}, status=403)
    tree = await world.call("anna", "GET", "/ticket-categories")
    assert [(c["name"], c["depth"]) for c in tree["items"]] == [
        ("Reklamacje", 0), ("Uszkodzony towar", 1), ("Kurier", 2), ("Zwroty", 0)]
    moved = await world.call("admin", "PATCH", f"/ticket-categories/{ids['Kurier']}",
                             {"parent_id": ids["Zwroty"], "name": "Kurier DPD"})
    assert moved["path"] == ["Zwroty", "Kurier DPD"]
    cycle = await world.call("admin", "PATCH", f"/ticket-categories/{ids['Reklamacje']}",
                             {"parent_id": ids["Uszkodzony towar"]}, status=409)
    assert (cycle["error"], cycle["field"]) == ("category-cycle", "parent_id")
    twin = await world.call("admin", "POST", "/ticket-categories",
                            {"name": "zwroty"}, status=409)
    assert twin["error"] == "category-name-taken"
    missing = await world.call("admin", "POST", "/ticket-categories",
                               {"name": "Z", "parent_id": 999}, status=400)
    assert (missing["error"], missing["field"]) == ("unknown-category", "parent_id")


async def test_each_field_edit_is_shown_and_logged(world: World) -> None:
    ids = await _tree(world)
    await _fields(world)
    number = world.numbers[0]
    detail = await world.patch(number, {
        "title": "Zwrot butów", "description": "Klient chce zwrotu.\nRozmiar 42.",
        "category": ids["Kurier"], "tags": ["Pilne", " zwrot  towaru"],
        "custom_fields": {"amount": "249.90", "plan": "gold", "due": "2026-12-24"}})
    assert detail["ticket"]["title"] == "Zwrot butów"
    assert detail["description"] == "Klient chce zwrotu.\nRozmiar 42."
    assert detail["category"]["path"] == ["Reklamacje", "Uszkodzony towar", "Kurier"]
    assert detail["tags"] == ["pilne", "zwrot-towaru"]
    assert detail["custom_fields"] == {"amount": 249.9, "plan": "gold", "due": "2026-12-24"}
    logged = {entry["data"]["field"]: entry for entry in detail["timeline"]
              if entry["kind"] == "field_change"}
    assert set(logged) == {"title", "description", "category", "tags",
                           "custom_fields.amount", "custom_fields.plan", "custom_fields.due"}
    assert logged["category"]["data"]["to"] == "Reklamacje / Uszkodzony towar / Kurier"
    assert logged["tags"]["author"] == "Administrator"
    again = await world.patch(number, {"tags": ["pilne", "ZWROT towaru"],
                                       "custom_fields": {"amount": 249.9}})
    assert len([e for e in again["timeline"] if e["kind"] == "field_change"]) == 7  # no news
    cleared = await world.patch(number, {"custom_fields": {"plan": None}, "tags": [],
                                         "description": "", "category": None})
    assert (cleared["custom_fields"], cleared["tags"]) == ({"amount": 249.9,
                                                            "due": "2026-12-24"}, [])
    assert cleared["category"] is None and cleared["description"] is None


@pytest.mark.parametrize(("body", "error", "field"), [
    ({"category": 999}, "unknown-category", "category"),
    ({"custom_fields": {"colour": "red"}}, "unknown-custom-field", "custom_fields.colour"),
    ({"custom_fields": {"plan": "platinum"}}, "invalid-custom-field-value",
     "custom_fields.plan"),
    ({"custom_fields": {"amount": "12,5"}}, "invalid-custom-field-value",
     "custom_fields.amount"),
    ({"custom_fields": {"due": "31.12.2026"}}, "invalid-custom-field-value",
     "custom_fields.due"),
    ({"custom_fields": {"due": [1]}}, "invalid-body", "custom_fields.due"),
    ({"tags": ["ok", ";"]}, "invalid-tag", "tags[1]"),
    ({"tags": "pilne"}, "invalid-body", "tags"),
    ({"title": ""}, "invalid-body", "title"),
    ({"title": None}, "invalid-body", "title"),
    ({"category": "Reklamacje"}, "invalid-body", "category"),
])
async def test_bad_fields_are_4xx_naming_the_field(world: World, body: dict[str, Any],
                                                   error: str, field: str) -> None:
    await _fields(world)
    refused = await world.patch(world.numbers[0], {"priority": "P1", **body}, status=400)
    assert (refused["error"], refused["field"]) == (error, field)
    detail = await world.call("admin", "GET", f"/tickets/{world.numbers[0]}")
    assert detail["ticket"]["priority"] != "P1"  # all or nothing


async def test_a_retired_category_stays_on_old_tickets_and_takes_no_new(world: World) -> None:
    ids = await _tree(world)
    await world.patch(world.numbers[0], {"category": ids["Zwroty"]})
    await world.call("admin", "PATCH", f"/ticket-categories/{ids['Zwroty']}",
                     {"retired": True})
    kept = await world.call("anna", "GET", f"/tickets/{world.numbers[0]}")
    assert (kept["category"]["name"], kept["category"]["retired"]) == ("Zwroty", True)
    refused = await world.patch(world.numbers[1], {"category": ids["Zwroty"]}, status=400)
    assert (refused["error"], refused["field"]) == ("category-retired", "category")
    assert await world.listed(f"category={ids['Zwroty']}") == [world.numbers[0]]


async def test_a_parent_retires_with_its_subtree_and_comes_back_with_it(
        world: World) -> None:
    ids = await _tree(world)  # Reklamacje > Uszkodzony towar > Kurier; Zwroty
    extra = await world.call("admin", "POST", "/ticket-categories",
                             {"name": "Gwarancja", "parent_id": ids["Reklamacje"]})
    await world.call("admin", "PATCH", f"/ticket-categories/{extra['id']}", {"retired": True})
    await world.patch(world.numbers[0], {"category": ids["Kurier"]})
    await world.call("admin", "PATCH", f"/ticket-categories/{ids['Reklamacje']}",
                     {"retired": True})
    retired = {c["name"]: c["retired"] for c in
               (await world.call("anna", "GET", "/ticket-categories"))["items"]}
    assert retired == {"Reklamacje": True, "Uszkodzony towar": True, "Kurier": True,
                       "Gwarancja": True, "Zwroty": False}  # no active orphan for the picker
    refused = await world.patch(world.numbers[1], {"category": ids["Kurier"]}, status=400)
    assert refused["error"] == "category-retired"
    kept = await world.call("anna", "GET", f"/tickets/{world.numbers[0]}")
    assert kept["category"]["path"] == ["Reklamacje", "Uszkodzony towar", "Kurier"]
    for body, name in (({"retired": False}, "Kurier"), ({"parent_id": ids["Reklamacje"]},
                                                         "Zwroty")):
        orphan = await world.call("admin", "PATCH", f"/ticket-categories/{ids[name]}", body,
                                  status=409)
        assert (orphan["error"], orphan["field"]) == ("category-parent-retired", "parent_id")
    under = await world.call("admin", "POST", "/ticket-categories",
                             {"name": "Nowa", "parent_id": ids["Kurier"]}, status=409)
    assert under["error"] == "category-parent-retired"
    await world.call("admin", "PATCH", f"/ticket-categories/{ids['Reklamacje']}",
                     {"retired": False})
    back = {c["name"]: c["retired"] for c in
            (await world.call("anna", "GET", "/ticket-categories"))["items"]}
    assert back == {"Reklamacje": False, "Uszkodzony towar": False, "Kurier": False,
                    "Gwarancja": True, "Zwroty": False}  # retired on its own before: stays


async def test_a_required_field_blocks_resolving_and_clearing(world: World) -> None:
    await world.call("admin", "POST", "/ticket-fields", {
        "key": "reason", "kind": "text", "label_pl": "Przyczyna", "label_en": "Reason",
        "required": True})
    number = world.numbers[0]
    refused = await world.patch(number, {"status": "resolved"}, status=409)
    assert (refused["error"], refused["field"]) == ("custom-field-required",
                                                    "custom_fields.reason")
    done = await world.patch(number, {"status": "resolved",
                                      "custom_fields": {"reason": "pomyłka"}})
    assert done["ticket"]["status"] == "resolved"
    cleared = await world.patch(number, {"custom_fields": {"reason": None}}, status=409)
    assert cleared["error"] == "custom-field-required"


async def test_choices_on_tickets_stay_and_keys_are_unique(world: World) -> None:
    await _fields(world)
    await world.patch(world.numbers[0], {"custom_fields": {"plan": "gold"}})
    kept = await world.call("admin", "PATCH", "/ticket-fields/plan", {"choices": [
        {"key": "basic", "label_pl": "Podstawowy", "label_en": "Basic"}]}, status=409)
    assert (kept["error"], kept["field"]) == ("choice-in-use", "choices")
    taken = await world.call("admin", "POST", "/ticket-fields", {
        "key": "plan", "kind": "text", "label_pl": "P", "label_en": "P"}, status=409)
    assert taken["error"] == "custom-field-exists"
    await world.call("anna", "POST", "/ticket-fields", {
        "key": "x", "kind": "text", "label_pl": "P", "label_en": "P"}, status=403)
    retired = await world.call("admin", "PATCH", "/ticket-fields/due", {"retired": True})
    assert retired["retired"] is True
    refused = await world.patch(world.numbers[0], {"custom_fields": {"due": "2026-01-01"}},
                                status=400)
    assert refused["error"] == "unknown-custom-field"


async def test_the_list_filters_by_subtree_tag_and_value(world: World) -> None:
    ids = await _tree(world)
    await _fields(world)
    first, second, third, fourth = world.numbers
    await world.patch(first, {"category": ids["Kurier"], "tags": ["pilne"],
                              "custom_fields": {"amount": 12.5}})
    await world.patch(second, {"category": ids["Reklamacje"], "tags": ["pilne", "vip"]})
    await world.patch(third, {"category": ids["Zwroty"], "custom_fields": {"amount": "13"}})
    await world.patch(fourth, {"status": "closed"})
    assert set(await world.listed(f"category={ids['Reklamacje']}")) == {first, second}
    assert await world.listed(f"category={ids['Uszkodzony towar']}") == [first]
    assert set(await world.listed("tag=Pilne")) == {first, second}
    assert await world.listed("tag=pilne&tag=vip") == [second]
    assert await world.listed("custom_field=amount:12.50") == [first]
    await world.patch(fourth, {"description": "Podeszwa ŻÓŁTA odkleja się"})
    assert await world.listed("text=żółta") == [fourth]  # words of the description
    assert fourth not in await world.listed("open=true")
    page = await world.call("admin", "GET", f"/tickets?category={ids['Zwroty']}")
    assert page["items"][0]["category"]["path"] == ["Zwroty"]
    for query, parameter in (("custom_field=colour:red", "custom_field"),
                             ("custom_field=amount:many", "custom_field"),
                             ("category=abc", "category"), ("tag=%3B", "tag")):
        refused = await world.call("admin", "GET", f"/tickets?{query}", status=400)
        assert refused["error"] == "invalid-parameter" and parameter in refused["message"]


async def test_every_column_sorts_stably_and_a_bad_sort_is_400(world: World) -> None:
    ids = await _tree(world)
    first, second, third, fourth = world.numbers
    waiting = "waiting_for_customer"
    for number, body in ((first, {"title": "b", "priority": "P2", "category": ids["Zwroty"],
                                  "status": waiting}),
                         (second, {"title": "a", "priority": "P1", "status": "closed"}),
                         (third, {"title": "c", "priority": "P2", "status": waiting,
                                  "category": ids["Kurier"]}),
                         (fourth, {"title": "d", "priority": "P4", "status": "in_progress"})):
        await world.patch(number, body)
    assert await world.listed("sort=title") == [second, first, third, fourth]
    assert await world.listed("sort=-title") == [fourth, third, first, second]
    assert await world.listed("sort=status") == [fourth, third, first, second]  # workflow
    assert await world.listed("sort=priority") == [second, third, first, fourth]  # ties: newest
    assert (await world.listed("sort=category"))[:2] == [third, first]  # Kurier, Zwroty, none
    for sort in SORTS:
        listed = await world.listed(f"sort={sort}")
        assert sorted(listed) == sorted(world.numbers), sort
        paged = [number for page in (1, 2, 3, 4) for number in
                 [i["number"] for i in (await world.call(
                     "admin", "GET", f"/tickets?sort={sort}&per_page=1&page={page}"))["items"]]]
        assert paged == listed, sort  # pages of one never repeat or skip a ticket
    refused = await world.call("admin", "GET", "/tickets?sort=password", status=400)
    assert refused["error"] == "invalid-parameter" and "sort" in refused["message"]


async def test_tags_in_use_count_only_tickets_the_asker_sees(world: World) -> None:
    first, second, *_ = world.numbers
    await world.patch(first, {"tags": ["pilne", "faktura"], "assignee": "Piotr Lis"})
    await world.patch(second, {"tags": ["pilne"], "assignee": "Anna Nowak"})
    everyone = await world.call("qa", "GET", "/ticket-tags")
    assert everyone["items"] == [{"tag": "pilne", "tickets": 2},
                                 {"tag": "faktura", "tickets": 1}]
    anna = await world.call("anna", "GET", "/ticket-tags?prefix=P")
    assert anna["items"] == [{"tag": "pilne", "tickets": 1}]  # Piotr's ticket is not hers


async def test_bulk_edit_adds_and_removes_tags_and_reports_each_refusal(world: World) -> None:
    first, second, *_ = world.numbers
    await world.patch(first, {"tags": ["stary", "pilne"]})
    await world.call("admin", "POST", "/ticket-fields", {
        "key": "reason", "kind": "text", "label_pl": "Przyczyna", "label_en": "Reason",
        "required": True})
    await world.patch(second, {"custom_fields": {"reason": "duplikat"}})
    answer = await world.call("admin", "POST", "/tickets/bulk", {
        "numbers": [first, second],
        "changes": {"add_tags": ["Reklamacja"], "remove_tags": ["stary"],
                    "status": "resolved"}})
    assert [(item["number"], item.get("error")) for item in answer["items"]] == [
        (first, "custom-field-required"), (second, None)]  # all or nothing per ticket
    tags = {number: (await world.call("admin", "GET", f"/tickets/{number}"))["tags"]
            for number in (first, second)}
    assert tags == {first: ["pilne", "stary"], second: ["reklamacja"]}
    refused = await world.call("admin", "POST", "/tickets/bulk", {
        "numbers": [first], "changes": {"add_tags": ["ok", "a;b"]}}, status=400)
    assert refused["field"] == "changes.add_tags[1]"


async def test_two_editors_tagging_one_ticket_at_once_both_succeed(world: World) -> None:
    number = world.numbers[0]
    await asyncio.gather(*(world.patch(number, {"tags": ["pilne", f"t{index}"]},
                                       who=who)
                           for index, who in enumerate(("admin", "piotr", "admin", "piotr"))))
    tags = (await world.call("admin", "GET", f"/tickets/{number}"))["tags"]
    assert tags[0] == "pilne" and len(tags) == 2  # one of the four, whole


async def test_a_key_taken_by_a_concurrent_admin_is_409_not_500(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two admins create the same key at once: the second's check ran before the first
    committed (simulated: its check sees no fields), so the unique key refuses it."""
    body = {"key": "plan", "kind": "text", "label_pl": "P", "label_en": "P"}
    await world.call("admin", "POST", "/ticket-fields", body)

    async def nothing_yet(_session: object) -> dict[str, object]:
        return {}

    monkeypatch.setattr("ccengine.ticket_fields.custom_fields.definitions", nothing_yet)
    taken = await world.call("admin", "POST", "/ticket-fields", body, status=409)
    assert (taken["error"], taken["field"]) == ("custom-field-exists", "key")


async def test_two_admins_adding_one_name_at_once_make_one_category(world: World) -> None:
    """Sibling names are checked in Python: concurrent creates take turns, so the second
    is refused as a twin instead of both landing (or either failing with a 500)."""
    body = {"name": "Reklamacje", "parent_id": None}
    answers = await asyncio.gather(*(world.client.post(
        "/api/v1/ticket-categories", json=body, headers=world.headers["admin"])
        for _ in range(3)))
    assert sorted(answer.status for answer in answers) == [200, 409, 409]
    tree = await world.call("admin", "GET", "/ticket-categories")
    assert [c["name"] for c in tree["items"]] == ["Reklamacje"]
