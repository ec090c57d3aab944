"""The route graph editor's API on SQLite and PostgreSQL, through real HTTP.

Graphs are stored, validated, published, rolled back and simulated as the
editor page does it; bad bodies are 4xx with stable ids, never a 500.
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from ccengine.config import RoutesConfig, WebConfig
from ccengine.db import Database
from ccengine.routes.routing import Routing
from ccengine.users import service
from ccengine.users.models import Role
from ccengine.web.api import setup_api
from ccengine.web.auth import COOKIE

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ecommerce-routes.yaml"
DID, CALLER = "+48221110000", "+48601111222"
CHRISTMAS = "2026-12-25T10:00"
Client = TestClient[Any, Any]


class Admin:
    """An HTTP client logged in with a session cookie, sending the CSRF token."""

    def __init__(self, client: Client, csrf: str, token: str) -> None:
        self.client, self.headers, self.cookies = client, {"X-CSRF-Token": csrf}, {COOKIE: token}

    async def call(self, method: str, path: str, body: Any = None, *,
                   raw: bytes | None = None) -> tuple[int, Any]:
        kwargs: dict[str, Any] = {"headers": self.headers, "cookies": self.cookies}
        if raw is not None:
            kwargs["data"] = raw
        elif body is not None:
            kwargs["json"] = body
        response = await self.client.request(method, f"/api/v1/routes{path}", **kwargs)
        return response.status, await response.json()

    async def ok(self, method: str, path: str, body: Any = None) -> Any:
        status, data = await self.call(method, path, body)
        assert status == 200, data
        return data


async def _session(database: Database, login: str, role: Role) -> tuple[str, str]:
    user = await service.create_user(database, login, "Haslo-Admina-42", role)
    new = await service.create_session(database, user)
    return new.csrf_token, new.token


@pytest.fixture
async def admin(database: Database) -> AsyncIterator[Admin]:
    app = web.Application()
    setup_api(app, database, WebConfig(secure_cookie=False))
    async with TestClient(TestServer(app)) as client:
        yield Admin(client, *await _session(database, "ewa", Role.ADMIN))


def example() -> dict[str, Any]:
    """The example graph as JSON data (YAML's dates as ISO text), as the page sends it."""
    data: dict[str, Any] = json.loads(json.dumps(
        yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")), default=str))
    return data


def broken() -> dict[str, Any]:
    data = example()
    data["nodes"]["menu"]["options"]["2"] = "kolejka-posprzedas"
    return data


async def published(admin: Admin, data: dict[str, Any] | None = None) -> int:
    saved = await admin.ok("POST", "", {"graph": data or example()})
    await admin.ok("POST", f"/ecommerce/versions/{saved['version']}/publish")
    return int(saved["version"])


async def routed_version(database: Database) -> tuple[int | None, str]:
    """The version (and description) the engine would route the next call by."""
    routing = Routing(database, RoutesConfig(), region="PL")
    try:
        await routing.refresh()
        route = routing.book.select(DID, CALLER)
        assert route is not None
        return route.version, route.graph.description
    finally:
        await routing.stop()


# -- list, read, export ------------------------------------------------------------


async def test_list_shows_versions_and_the_published_one(admin: Admin) -> None:
    assert await admin.ok("GET", "") == {"graphs": []}
    first = await published(admin)
    draft = await admin.ok("POST", "", {"yaml": EXAMPLE.read_text(encoding="utf-8"),
                                        "comment": "bez zmian"})
    listing = await admin.ok("GET", "")
    [graph] = listing["graphs"]
    assert (graph["name"], graph["published"], graph["latest"]) == ("ecommerce", first,
                                                                    draft["version"])
    assert [(v["version"], v["status"], v["author"]) for v in graph["versions"]] == [
        (1, "published", "ewa"), (2, "draft", "ewa")]
    assert graph["versions"][1]["comment"] == "bez zmian"
    assert await admin.ok("GET", "/ecommerce") == graph


async def test_a_version_as_json_and_yaml_round_trips(admin: Admin) -> None:
    version = await published(admin)
    stored = await admin.ok("GET", f"/ecommerce/versions/{version}")
    assert (stored["status"], stored["graph"]["nodes"]["swieta"]["kind"]) == ("published",
                                                                              "holiday")
    assert stored["graph"]["nodes"]["swieta"]["custom"] == [
        {"name": "Inwentaryzacja", "date": "2026-12-31", "from": None, "to": None}]
    exported = await admin.ok("GET", f"/ecommerce/versions/{version}/yaml")
    assert exported["filename"] == "ecommerce-v1.yaml"
    assert yaml.safe_load(exported["yaml"])["nodes"]["menu"]["options"]["3"] == \
        "kolejka-reklamacje"
    again = await admin.ok("POST", "", {"yaml": exported["yaml"]})
    from_yaml = await admin.ok("GET", f"/ecommerce/versions/{again['version']}")
    assert from_yaml["graph"] == stored["graph"]
    # The JSON dump goes back in as it came out, too.
    as_json = await admin.ok("POST", "", {"graph": stored["graph"]})
    assert (await admin.ok("GET", f"/ecommerce/versions/{as_json['version']}"))["graph"] == \
        stored["graph"]


# -- validate and save -------------------------------------------------------------


async def test_validation_names_the_node_and_the_field(admin: Admin) -> None:
    assert await admin.ok("POST", "/validate", {"graph": example()}) == {"valid": True,
                                                                          "issues": []}
    found = await admin.ok("POST", "/validate", {"graph": broken()})
    assert found["valid"] is False
    assert found["issues"] == [{"node": "menu", "field": "options.2",
                                "message": "unknown node 'kolejka-posprzedas'"}]


async def test_validation_reports_yaml_and_schema_errors_as_issues(admin: Admin) -> None:
    bad_yaml = await admin.ok("POST", "/validate", {"yaml": "name: [ecommerce\nnodes: {"})
    assert bad_yaml["valid"] is False
    assert bad_yaml["issues"][0]["node"] is None
    assert bad_yaml["issues"][0]["message"].startswith("not valid YAML")
    data = example()
    data["nodes"]["godziny"]["hours"]["mon"] = "8-18"
    data["nodes"]["kolejka-vip"]["max_wait_seconds"] = "długo"
    schema = await admin.ok("POST", "/validate", {"graph": data})
    where = {(issue["node"], issue["field"]) for issue in schema["issues"]}
    assert where == {("godziny", "hours"), ("kolejka-vip", "max_wait_seconds")}


async def test_a_malformed_draft_is_refused_naming_node_and_field(admin: Admin) -> None:
    data = example()
    data["nodes"]["partner"]["number"] = "225550000"
    status, body = await admin.call("POST", "", {"graph": data})
    assert (status, body["error"]) == (400, "graph-malformed")
    assert [(i["node"], i["field"]) for i in body["issues"]] == [("partner", "number")]
    status, body = await admin.call("POST", "", {"yaml": "nodes:\n  - a\n b"})
    assert (status, body["error"]) == (400, "graph-malformed")
    assert await admin.ok("GET", "") == {"graphs": []}  # nothing stored


async def test_a_draft_with_issues_is_kept_but_not_published(admin: Admin,
                                                             database: Database) -> None:
    good = await published(admin)
    draft = await admin.ok("POST", "", {"graph": broken()})
    assert draft["status"] == "draft"
    assert [(i["node"], i["field"]) for i in draft["issues"]] == [("menu", "options.2")]
    status, body = await admin.call("POST", f"/ecommerce/versions/{draft['version']}/publish")
    assert (status, body["error"]) == (409, "graph-invalid")
    assert body["issues"][0] == {"node": "menu", "field": "options.2",
                                 "message": "unknown node 'kolejka-posprzedas'"}
    assert (await admin.ok("GET", "/ecommerce"))["published"] == good
    assert (await routed_version(database))[0] == good


# -- publish and roll back -----------------------------------------------------------


async def test_publish_and_rollback_change_what_routing_uses(admin: Admin,
                                                             database: Database) -> None:
    first = await published(admin)
    changed = example()
    changed["description"] = "Wersja świąteczna"
    second = await published(admin, changed)
    assert await routed_version(database) == (second, "Wersja świąteczna")
    rolled = await admin.ok("POST", "/ecommerce/rollback")
    assert rolled == {"name": "ecommerce", "version": first, "status": "published",
                      "previous": second}
    assert await routed_version(database) == (first, example()["description"])
    statuses = [(v["version"], v["status"]) for v in (await admin.ok("GET", "/ecommerce"))
                ["versions"]]
    assert statuses == [(first, "published"), (second, "retired")]
    # Forward again, by naming the version.
    again = await admin.ok("POST", "/ecommerce/rollback", {"version": second})
    assert (again["version"], again["previous"]) == (second, first)
    assert (await routed_version(database))[0] == second


async def test_rollback_needs_an_earlier_published_version(admin: Admin) -> None:
    await published(admin)
    draft = await admin.ok("POST", "", {"graph": example()})
    status, body = await admin.call("POST", "/ecommerce/rollback")
    assert (status, body["error"]) == (409, "nothing-to-roll-back")
    status, body = await admin.call("POST", "/ecommerce/rollback",
                                    {"version": draft["version"]})
    assert (status, body["error"]) == (409, "nothing-to-roll-back")
    status, body = await admin.call("POST", "/ecommerce/rollback", {"version": 77})
    assert (status, body["error"]) == (404, "route-version-not-found")
    status, body = await admin.call("POST", "/nie-ma/rollback")
    assert (status, body["error"]) == (404, "route-not-found")


# -- simulate ------------------------------------------------------------------------


async def test_christmas_goes_through_the_holiday_branch(admin: Admin) -> None:
    version = await published(admin)
    found = await admin.ok("POST", "/simulate", {"name": "ecommerce", "did": DID,
                                                  "caller": "601 111 222", "at": CHRISTMAS})
    assert (found["graph"], found["version"]) == ("ecommerce", version)
    steps = [(s["node"], s["branch"]) for s in found["path"]]
    assert steps[:3] == [("infolinia", "next"), ("godziny", "open"), ("swieta", "holiday")]
    assert found["path"][2]["reason"] == \
        "holiday: 2026-12-25 Boże Narodzenie (pierwszy dzień)"
    assert steps[-1][0] == "poczta" and found["outcome"]["ended_by"] == "voicemail"
    assert any(action.startswith("EXEC Playback ccengine/holiday") for action in
               found["actions"])


async def test_simulate_an_unsaved_graph_with_a_new_custom_holiday(admin: Admin) -> None:
    data = example()
    data["nodes"]["swieta"]["custom"].append({"name": "Dzień firmy", "date": "2026-11-20"})
    found = await admin.ok("POST", "/simulate", {
        "graph": data, "did": DID, "caller": CALLER, "at": "2026-11-20T10:00:00+01:00"})
    assert found["version"] is None
    assert found["path"][2]["reason"] == "holiday: 2026-11-20 Dzień firmy"
    regular = await admin.ok("POST", "/simulate", {
        "graph": example(), "did": DID, "caller": CALLER, "at": "2026-11-20T10:00",
        "digits": "3", "queue": "timeout"})
    assert [s["node"] for s in regular["path"]][2:6] == ["swieta", "vip", "powitanie", "menu"]
    assert regular["path"][5]["reason"] == "caller pressed 3"
    assert regular["outcome"]["queue"] == "reklamacje"


async def test_simulate_vip_and_an_override(admin: Admin) -> None:
    data = example()
    data["nodes"]["godziny"]["override"] = {"mode": "closed",
                                            "until": "2026-11-21T08:00:00+01:00"}
    closed = await admin.ok("POST", "/simulate", {"graph": data, "did": DID, "caller": CALLER,
                                                   "at": "2026-11-20T10:00"})
    assert (closed["path"][1]["branch"], closed["path"][1]["reason"]) == (
        "closed", "override: forced closed until 2026-11-21T08:00:00+01:00")
    vip = await admin.ok("POST", "/simulate", {"yaml": yaml.safe_dump(example()), "did": DID,
                                                "caller": CALLER, "vip": True,
                                                "at": "2026-11-20T10:00"})
    assert vip["path"][3]["branch"] == "vip" and vip["outcome"]["queue"] == "vip"


async def test_simulate_refuses_a_graph_with_issues(admin: Admin) -> None:
    status, body = await admin.call("POST", "/simulate", {
        "graph": broken(), "did": DID, "at": CHRISTMAS})
    assert (status, body["error"]) == (409, "graph-invalid")
    assert body["issues"][0]["node"] == "menu"


# -- bad requests --------------------------------------------------------------------

SIM = {"name": "ecommerce", "did": DID, "at": CHRISTMAS}
NUL_LABEL = copy.deepcopy(example())
NUL_LABEL["nodes"]["menu"]["label"] = "Menu\x00"

BAD: list[tuple[str, str, Any, int, str]] = [
    ("POST", "", {"graph": [1, 2]}, 400, "graph-malformed"),
    ("POST", "", {"graph": "ecommerce"}, 400, "graph-malformed"),
    ("POST", "", {"yaml": 5}, 400, "invalid-body"),
    ("POST", "", {"yaml": "a: b", "graph": {}}, 400, "invalid-body"),
    ("POST", "", {}, 400, "invalid-body"),
    ("POST", "", [], 400, "invalid-body"),
    ("POST", "", {"yaml": "name: x\x00"}, 400, "invalid-body"),
    ("POST", "", {"graph": NUL_LABEL}, 400, "invalid-body"),
    ("POST", "", {"graph": {"name": "x", "nodes": {f"n{i}": {} for i in range(600)}}},
     400, "invalid-body"),
    ("POST", "", {"graph": example(), "comment": 7}, 400, "invalid-body"),
    ("POST", "/validate", {"graph": 3.5}, 200, ""),
    ("POST", "/validate", {"yaml": ["a"]}, 400, "invalid-body"),
    ("POST", "/simulate", {**SIM, "at": "99999-01-01T00:00"}, 400, "invalid-body"),
    ("POST", "/simulate", {**SIM, "at": "9999-12-31T23:59:59-12:00"}, 400, "invalid-body"),
    ("POST", "/simulate", {**SIM, "at": "0001-01-01T00:00"}, 400, "invalid-body"),
    ("POST", "/simulate", {**SIM, "at": "2026-13-45"}, 400, "invalid-body"),
    ("POST", "/simulate", {**SIM, "at": 20261225}, 400, "invalid-body"),
    ("POST", "/simulate", {**SIM, "at": "2026-12-25\x00"}, 400, "invalid-body"),
    ("POST", "/simulate", {**SIM, "did": "recepcja"}, 400, "invalid-body"),
    ("POST", "/simulate", {**SIM, "did": None}, 400, "invalid-body"),
    ("POST", "/simulate", {**SIM, "digits": "12a"}, 400, "invalid-body"),
    ("POST", "/simulate", {**SIM, "queue": "never"}, 400, "invalid-body"),
    ("POST", "/simulate", {**SIM, "vip": "yes"}, 400, "invalid-body"),
    ("POST", "/simulate", {**SIM, "version": "1"}, 400, "invalid-body"),
    ("POST", "/simulate", {**SIM, "version": 10**30}, 400, "invalid-body"),
    ("POST", "/simulate", {**SIM, "name": "nie-ma"}, 404, "route-not-found"),
    ("POST", "/simulate", {**SIM, "version": 9}, 404, "route-version-not-found"),
    ("GET", "/ecommerce/versions/abc", None, 400, "invalid-parameter"),
    ("GET", "/ecommerce/versions/0", None, 400, "invalid-parameter"),
    ("GET", "/ecommerce/versions/99999999999999999999", None, 400, "invalid-parameter"),
    ("GET", "/ecommerce/versions/9", None, 404, "route-version-not-found"),
    ("GET", "/ecommerce/versions/9/yaml", None, 404, "route-version-not-found"),
    ("GET", "/nie-ma", None, 404, "route-not-found"),
    ("GET", "/nie%00ma", None, 400, "invalid-parameter"),
    ("POST", "/ecommerce/versions/9/publish", None, 404, "route-version-not-found"),
    ("POST", "/ecommerce/versions/-1/publish", None, 400, "invalid-parameter"),
    ("POST", "/ecommerce/rollback", {"version": "1"}, 400, "invalid-body"),
    ("POST", "/ecommerce/rollback", {"version": 10**30}, 400, "invalid-body"),
]


async def test_bad_requests_are_4xx_with_stable_ids(admin: Admin) -> None:
    await published(admin)
    answers = []
    for method, path, body, _status, _error in BAD:
        status, data = await admin.call(method, path, body)
        answers.append((method, path, status, data.get("error", "")))
    assert answers == [(m, p, s, e) for m, p, _b, s, e in BAD]
    status, data = await admin.call("POST", "/simulate", raw=b"{not json")
    assert (status, data["error"]) == (400, "invalid-body")


async def test_only_admins_may_edit_routes(admin: Admin, database: Database) -> None:
    csrf, token = await _session(database, "anna", Role.AGENT)
    agent = Admin(admin.client, csrf, token)
    status, data = await agent.call("GET", "")
    assert (status, data["error"]) == (403, "forbidden")
    status, data = await agent.call("POST", "", {"graph": example()})
    assert status == 403
    assert await admin.ok("GET", "") == {"graphs": []}
