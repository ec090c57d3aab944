"""Automation rules with the real ticket fields on both databases: a PATCH of tags or
category is an "updated" event, rules test and set category (by its path) and tags
with the same history entries as an agent's edit, and a rule naming a category that
does not exist is refused when saved."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from ccengine.automation.api import FIELDS
from ccengine.automation.runner import AutomationRunner
from ccengine.automation.storage_models import AutomationEvent
from ccengine.calls.model import FinishedCall
from ccengine.config import TicketsConfig, WebConfig
from ccengine.db import Database
from ccengine.tickets.service import TicketService
from ccengine.users.models import Role
from ccengine.web.api import setup_api
from tests.conftest import T0
from tests.people import signed_in

Client = TestClient[Any, Any]
RULES = "/automation/rules"
LATER = T0 + timedelta(hours=1)


@dataclass
class World:
    client: Client
    headers: dict[str, dict[str, str]]
    numbers: list[str]
    runner: AutomationRunner
    database: Database

    async def call(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        response = await self.client.request(method, f"/api/v1{path}", json=body,
                                             headers=self.headers["admin"])
        answer = await response.json()
        assert response.status == status, answer
        return answer

    async def changed(self) -> list[list[str]]:
        """The fields each waiting "updated" event names."""
        async with self.database.sessions() as session:
            rows = await session.scalars(select(AutomationEvent)
                                         .where(AutomationEvent.event == "updated")
                                         .order_by(AutomationEvent.id))
            return [sorted(row.data["changed"]) for row in rows]


@pytest.fixture
async def world(database: Database, make_call: Callable[..., FinishedCall],
                ) -> AsyncIterator[World]:
    calls = [make_call(f"a.{index}", caller_number=f"4860200000{index}",
                       started_at=T0 + timedelta(minutes=index)) for index in range(2)]
    recorded = await TicketService(database, TicketsConfig()).record_calls(calls)
    app = web.Application()
    setup_api(app, database, WebConfig(secure_cookie=False))
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    headers = await signed_in(database, {"admin": ("Administrator", Role.ADMIN)}, T0)
    runner = AutomationRunner(database, fields=app[FIELDS])
    await runner.tick(T0)  # the tickets' "created" events: no rules yet
    yield World(client, headers, [r.ticket_number for r in recorded], runner, database)
    await client.close()


async def _tree(world: World) -> dict[str, int]:
    ids: dict[str, int] = {}
    for name, parent in (("Reklamacje", None), ("Uszkodzony towar", "Reklamacje"),
                         ("Zwroty", None)):
        made = await world.call("POST", "/ticket-categories",
                                {"name": name, "parent_id": ids.get(parent or "")})
        ids[name] = made["id"]
    return ids


async def test_a_tag_edit_is_an_update_and_a_tag_rule_moves_the_queue(world: World) -> None:
    ids = await _tree(world)
    await world.call("POST", RULES, {
        "name": "Faktury", "trigger": {"event": "updated"},
        "conditions": [{"kind": "tags", "value": ["Faktura VAT"]}],  # spelt as typed
        "actions": [{"kind": "set_queue", "value": "ksiegowosc"}]})
    first, second = world.numbers
    await world.call("PATCH", f"/tickets/{first}", {"tags": ["faktura  vat", "pilne"]})
    await world.call("PATCH", f"/tickets/{second}", {"category": ids["Zwroty"],
                                                     "description": "Zwrot paragonu"})
    assert await world.changed() == [["tags"], ["category", "description"]]
    report = await world.runner.tick(LATER)
    assert [(number, rule) for number, rule, _ in report.executions] == [(first, "Faktury")]
    moved = await world.call("GET", f"/tickets/{first}")
    assert moved["ticket"]["queue"] == "ksiegowosc"
    assert (await world.call("GET", f"/tickets/{second}"))["ticket"]["queue"] != "ksiegowosc"


async def test_a_rule_sets_category_by_path_and_tags_like_an_agent(world: World) -> None:
    await _tree(world)
    await world.call("POST", RULES, {
        "name": "Uszkodzenia", "trigger": {"event": "updated"},
        "conditions": [{"kind": "subject_has", "value": ["zbite"]}],
        "actions": [{"kind": "set_category", "value": "reklamacje / USZKODZONY towar"},
                    {"kind": "add_tags", "value": ["Szkoda", "kurier"]},
                    {"kind": "remove_tags", "value": ["nowe"]}]})
    await world.call("POST", RULES, {  # sees the first rule's category and tags
        "name": "Reklamacje pilne", "trigger": {"event": "updated"},
        "conditions": [{"kind": "category", "value": ["Reklamacje"]},
                       {"kind": "tags", "value": ["szkoda"]}],
        "actions": [{"kind": "set_priority", "value": "P1"}]})
    number = world.numbers[0]
    await world.call("PATCH", f"/tickets/{number}", {"title": "Zbite lustro",
                                                     "tags": ["nowe"]})
    report = await world.runner.tick(LATER)
    ran = [rule for _, rule, _ in report.executions]
    # each answers the other's changes once more (changing nothing), then it stops
    assert ran == ["Uszkodzenia", "Reklamacje pilne", "Reklamacje pilne", "Uszkodzenia"]
    detail = await world.call("GET", f"/tickets/{number}")
    assert detail["category"]["path"] == ["Reklamacje", "Uszkodzony towar"]
    assert detail["tags"] == ["kurier", "szkoda"]
    assert detail["ticket"]["priority"] == "P1"
    by_rule = {entry["data"]["field"]: entry["author"] for entry in detail["timeline"]
               if entry["kind"] == "field_change" and entry["author"].startswith("automation")}
    assert by_rule == {"category": "automation: Uszkodzenia", "tags": "automation: Uszkodzenia"}
    assert await world.changed() == []  # the rules' own changes ran out, no loop
    again = await world.runner.tick(LATER)
    assert again.executions == []


async def test_a_rule_naming_an_unknown_category_is_refused_when_saved(world: World) -> None:
    ids = await _tree(world)
    await world.call("PATCH", f"/ticket-categories/{ids['Zwroty']}", {"retired": True})
    base = {"name": "Kategoria", "trigger": {"event": "created"},
            "actions": [{"kind": "set_priority", "value": "P2"}]}
    unknown = await world.call("POST", RULES, {**base, "actions": [
        {"kind": "set_category", "value": "Reklamacje/Nie ma"}]}, status=400)
    assert (unknown["error"], unknown["field"]) == ("invalid-rule", "actions[0].value")
    retired = await world.call("POST", RULES, {**base, "actions": [
        {"kind": "set_priority", "value": "P2"}, {"kind": "set_category", "value": "Zwroty"}]},
        status=400)
    assert (retired["error"], retired["field"]) == ("invalid-rule", "actions[1].value")
    tested = await world.call("POST", RULES, {**base, "conditions": [
        {"kind": "category", "value": ["Reklamacje", "Brak"]}]}, status=400)
    assert (tested["error"], tested["field"]) == ("invalid-rule", "conditions[0].value[1]")
    bad_tag = await world.call("POST", RULES, {**base, "conditions": [
        {"kind": "tags", "value": ["ok", ";"]}]}, status=400)
    assert (bad_tag["error"], bad_tag["field"]) == ("invalid-rule", "conditions[0].value[1]")
    # old tickets keep a retired category: a rule may still test it
    kept = await world.call("POST", RULES, {**base, "conditions": [
        {"kind": "category", "value": ["Zwroty"]}]})
    rule_id = kept["id"]
    replaced = await world.call("PUT", f"{RULES}/{rule_id}", {**base, "actions": [
        {"kind": "set_category", "value": "Nie ma"}]}, status=400)
    assert replaced["field"] == "actions[0].value"
