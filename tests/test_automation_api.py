"""The automation API over real databases: admins edit, order, switch and dry-run
rules; bad documents are 4xx naming the field; a ticket's time in each status is
shown to whoever may see the ticket."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from ccengine.automation.api import FIELDS
from ccengine.config import WebConfig
from ccengine.db import Database
from ccengine.users import service
from ccengine.users.models import Role
from ccengine.web.api import setup_api
from ccengine.web.auth import COOKIE
from ccengine.web.keys import CLOCK, Clock
from tests.automation_helpers import OPENED, MemoryFields, add_ticket

Client = TestClient[Any, Any]
RULES = "/api/v1/automation/rules"
URGENT = {"name": "Pilne zwroty", "trigger": {"event": "created"},
          "conditions": [{"kind": "subject_has", "value": "zwrot, reklamacja"},
                         {"kind": "priority", "value": ["P3", "P4"]}],
          "actions": [{"kind": "set_priority", "value": "P1"}]}


class Frozen(Clock):
    def now(self) -> Any:
        return OPENED + timedelta(hours=5)


@dataclass
class Api:
    client: Client
    headers: dict[Role, dict[str, str]]
    database: Database

    async def call(self, method: str, path: str, body: Any = None, role: Role = Role.ADMIN,
                   status: int = 200) -> Any:
        response = await self.client.request(method, path, json=body,
                                             headers=self.headers[role])
        assert response.status == status, await response.text()
        return await response.json()


async def _api(database: Database, fields: MemoryFields | None = None) -> Api:
    app = web.Application()
    app[CLOCK] = Frozen()
    if fields is not None:
        app[FIELDS] = fields
    setup_api(app, database, WebConfig(secure_cookie=False))
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    headers = {}
    for role in (Role.AGENT, Role.ADMIN, Role.PRIVILEGED_AGENT):
        user = await service.create_user(database, role.value, "Haslo-Testowe-42", role,
                                         display_name=f"User {role.value}")
        new = await service.create_session(database, user)
        headers[role] = {"Cookie": f"{COOKIE}={new.token}", "X-CSRF-Token": new.csrf_token}
    return Api(client, headers, database)


@pytest.fixture
async def api(database: Database) -> AsyncIterator[Api]:
    made = await _api(database)
    try:
        yield made
    finally:
        await made.client.close()


async def test_rules_are_created_listed_ordered_switched_and_deleted(api: Api) -> None:
    first = await api.call("POST", RULES, URGENT)
    second = await api.call("POST", RULES, {**URGENT, "name": "Drugi", "enabled": False})
    assert (first["position"], second["position"]) == (1, 2)
    assert first["conditions"][0] == {"kind": "subject_has", "value": ["zwrot", "reklamacja"]}
    ordered = await api.call("POST", f"{RULES}/order", {"ids": [second["id"], first["id"]]})
    assert [rule["name"] for rule in ordered["items"]] == ["Drugi", "Pilne zwroty"]
    switched = await api.call("PATCH", f"{RULES}/{second['id']}", {"enabled": True})
    assert switched["enabled"] is True
    replaced = await api.call("PUT", f"{RULES}/{first['id']}", {**URGENT, "name": "Nowa"})
    assert (replaced["name"], replaced["position"]) == ("Nowa", 2)
    await api.call("DELETE", f"{RULES}/{second['id']}")
    listed = await api.call("GET", RULES)
    assert [rule["name"] for rule in listed["items"]] == ["Nowa"]
    await api.call("GET", f"{RULES}/{second['id']}", status=404)


@pytest.mark.parametrize(("document", "status", "error", "field"), [
    ({**URGENT, "name": ""}, 400, "invalid-rule", "name"),
    ({**URGENT, "trigger": {"event": "sometimes"}}, 400, "invalid-rule", "trigger.event"),
    ({**URGENT, "trigger": {"event": "time_in_status", "status": "new", "hours": -1}}, 400,
     "invalid-rule", "trigger.hours"),
    ({**URGENT, "actions": []}, 400, "invalid-rule", "actions"),
    ({**URGENT, "actions": [{"kind": "set_priority", "value": "P9"}]}, 400, "invalid-rule",
     "actions[0].value"),
    ({**URGENT, "conditions": [{"kind": "channel", "value": ["fax"]}]}, 400, "invalid-rule",
     "conditions[0].value[0]"),
    ({**URGENT, "actions": [{"kind": "set_queue", "value": "q" * 101}]}, 400,
     "invalid-rule", "actions[0].value"),  # tickets.queue holds 100
    ({**URGENT, "actions": [{"kind": "set_assignee", "value": "a" * 201}]}, 400,
     "invalid-rule", "actions[0].value"),
    ({**URGENT, "actions": [{"kind": "call_webhook", "value": "crm"}]}, 400,
     "invalid-rule", "actions[0].value"),  # an endpoint's id
    ({**URGENT, "actions": [{"kind": "send_reply_template", "value": ""}]}, 400,
     "invalid-rule", "actions[0].value"),
])
async def test_bad_rules_are_refused_naming_the_field(api: Api, document: dict[str, Any],
                                                      status: int, error: str,
                                                      field: str) -> None:
    answer = await api.call("POST", RULES, document, status=status)
    assert (answer["error"], answer.get("field")) == (error, field)


async def test_names_ids_and_orders_are_checked(api: Api) -> None:
    rule = await api.call("POST", RULES, URGENT)
    taken = await api.call("POST", RULES, URGENT, status=409)
    assert taken["error"] == "rule-name-taken"
    order = await api.call("POST", f"{RULES}/order", {"ids": [rule["id"], rule["id"]]},
                           status=400)
    assert order["error"] == "invalid-order"
    assert (await api.call("PATCH", f"{RULES}/x", {"enabled": True}, status=400)
            )["error"] == "invalid-parameter"
    assert (await api.call("PATCH", f"{RULES}/{rule['id']}", {"enabled": "yes"}, status=400)
            )["error"] == "invalid-body"
    assert (await api.call("PUT", f"{RULES}/999", URGENT, status=404))["error"] == \
        "rule-not-found"


async def test_the_dry_run_says_which_rules_would_fire_and_why(api: Api) -> None:
    await add_ticket(api.database, "T-1", title="Zwrot butów", status="waiting_for_customer")
    await api.call("POST", RULES, URGENT)
    await api.call("POST", RULES, {**URGENT, "name": "Sprzedaż",
                                   "conditions": [{"kind": "queue", "value": ["sprzedaz"]}]})
    await api.call("POST", RULES, {"name": "Milczy", "trigger": {
        "event": "time_in_status", "status": "waiting_for_customer", "hours": 4},
        "actions": [{"kind": "notify_leaders"}]})
    answer = await api.call("POST", f"{RULES}/test", {"ticket": "T-1"})
    assert [(rule["name"], rule["fires"]) for rule in answer["rules"]] == [
        ("Pilne zwroty", True), ("Sprzedaż", False), ("Milczy", True)]
    assert answer["rules"][0]["checks"][0] == {
        "kind": "subject_has", "passed": True, "detail": "found zwrot", "code": "found",
        "params": {"words": "zwrot"}}  # the code and its values: the page translates them
    assert answer["rules"][1]["checks"][0] == {
        "kind": "queue", "passed": False, "detail": "reklamacje in sprzedaz",
        "code": "in_list", "params": {"seen": "reklamacje", "wanted": "sprzedaz"}}
    assert (await api.call("POST", f"{RULES}/test", {"ticket": "T-404"}, status=404)
            )["error"] == "ticket-not-found"
    assert (await api.call("POST", f"{RULES}/test", {}, status=400))["field"] == "ticket"


async def test_time_in_status_is_shown_to_whoever_sees_the_ticket(api: Api) -> None:
    await add_ticket(api.database, "T-2", assignee="User privileged_agent")
    kept = await api.call("GET", "/api/v1/tickets/T-2/time-in-status",
                          role=Role.PRIVILEGED_AGENT)
    assert kept == {"number": "T-2", "status": "new", "since": OPENED.isoformat(),
                    "seconds": {"new": 5 * 3600}}
    detail = await api.call("GET", "/api/v1/tickets/T-2", role=Role.PRIVILEGED_AGENT)
    assert detail["time_in_status"] == kept  # the ticket itself carries it too
    hidden = await api.call("GET", "/api/v1/tickets/T-2/time-in-status", role=Role.AGENT,
                            status=404)
    assert hidden["error"] == "ticket-not-found"


async def test_the_app_wires_the_ticket_fields_for_category_and_tags(api: Api) -> None:
    catalog = await api.call("GET", "/api/v1/automation/catalog")
    offered = {item["kind"]: item["available"] for item in catalog["conditions"]}
    assert offered["tags"] and offered["category"]
    saved = await api.call("POST", RULES, {**URGENT, "conditions": [
        {"kind": "tags", "value": ["VIP klient"]}]})
    assert saved["conditions"] == [{"kind": "tags", "value": ["vip-klient"]}]  # as stored


async def test_category_and_tags_are_offered_once_the_fields_are_wired(
        database: Database) -> None:
    api = await _api(database, MemoryFields())
    try:
        catalog = await api.call("GET", "/api/v1/automation/catalog")
        offered = {item["kind"]: item["available"] for item in catalog["actions"]}
        assert offered["add_tags"] and offered["call_webhook"]
        assert offered["send_reply_template"]
        await api.call("POST", RULES, {**URGENT, "conditions": [
            {"kind": "tags", "value": ["vip"]}], "actions": [
            {"kind": "set_category", "value": "Reklamacje"}]})
    finally:
        await api.client.close()
