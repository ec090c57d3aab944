"""Route graphs that name a calendar: the IVR and the SLA clocks share one definition.

Pure walks first (the calendars given as WalkSettings), then through the real
API on SQLite and PostgreSQL: validation names the node and field of an unknown
calendar, a simulated call follows the stored 'business' calendar, and a
calendar a published graph uses cannot be deleted.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import ValidationError

from ccengine.config import RoutesConfig, WebConfig
from ccengine.db import Database
from ccengine.routes.document import GraphIssue, graph_from_data
from ccengine.routes.evaluate import Evaluation, evaluate
from ccengine.routes.model import RouteGraph
from ccengine.routes.routing import Routing
from ccengine.routes.validate import validate_graph
from ccengine.routes.walk import CallFacts, WalkSettings
from ccengine.sla import DEFAULT_BUSINESS, BusinessCalendar, ClosedDay
from ccengine.users import service
from ccengine.users.models import Role
from ccengine.web.api import setup_api
from tests.people import SessionClient as Admin

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ecommerce-routes.yaml"
WARSAW = ZoneInfo("Europe/Warsaw")
DID, CALLER = "+48221110000", "+48601111222"
CHRISTMAS_EVE = datetime(2026, 12, 24, 10, 0, tzinfo=WARSAW)
MONDAY_AFTER = datetime(2026, 12, 28, 10, 0, tzinfo=WARSAW)
CALENDARS = {"business": DEFAULT_BUSINESS, "24/7": BusinessCalendar.always_open()}
Client = TestClient[Any, Any]


def example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(
        yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")), default=str))
    return data


def on_calendar(name: str = "business", holidays: str | None = None) -> dict[str, Any]:
    """The example graph with its opening hours (and maybe holidays) from a calendar."""
    data = example()
    hours = data["nodes"]["godziny"]
    del hours["hours"]
    hours["calendar"] = name
    if holidays is not None:
        data["nodes"]["swieta"] = {"kind": "holiday", "calendar": holidays,
                                   "holiday": "swieto", "regular": "vip"}
    return data


def run(graph: RouteGraph, at: datetime, calendars: Any = CALENDARS) -> Evaluation:
    facts = CallFacts(did=DID, caller=CALLER, at=at)
    return evaluate(graph, facts, settings=WalkSettings(calendars=calendars))


def step(evaluation: Evaluation, node: str) -> tuple[str, str]:
    found = next(s for s in evaluation.path if s.node == node)
    return found.branch, found.reason


# -- pure ----------------------------------------------------------------------------


def test_christmas_eve_is_closed_by_the_business_calendar() -> None:
    result = run(graph_from_data(on_calendar()), CHRISTMAS_EVE)
    assert step(result, "godziny") == (
        "closed", "calendar business: closed (holiday: Wigilia Bożego Narodzenia)")
    assert result.result.ended_by == "voicemail"


def test_the_monday_after_is_open() -> None:
    result = run(graph_from_data(on_calendar()), MONDAY_AFTER)
    assert step(result, "godziny") == (
        "open", "calendar business: open (mon 10:00 within 08:00-18:00, Europe/Warsaw)")
    assert [s.node for s in result.path][:3] == ["infolinia", "godziny", "swieta"]


def test_outside_the_calendars_hours_is_closed() -> None:
    saturday = datetime(2026, 12, 19, 10, 0, tzinfo=WARSAW)
    assert step(run(graph_from_data(on_calendar()), saturday), "godziny") == (
        "closed", "calendar business: closed (sat 10:00, no opening hours, Europe/Warsaw)")


def test_a_holiday_node_uses_the_calendars_closed_days() -> None:
    inventory = BusinessCalendar.from_hours_text(
        "sklep", "Europe/Warsaw", {"mon": ["08:00-18:00"]},
        closed_days=[ClosedDay("Inwentaryzacja", MONDAY_AFTER.date(), MONDAY_AFTER.date())])
    graph = graph_from_data(on_calendar("24/7", holidays="sklep"))
    result = run(graph, MONDAY_AFTER, {**CALENDARS, "sklep": inventory})
    assert step(result, "godziny")[0] == "open"  # 24/7 is open on holidays too
    assert step(result, "swieta") == (
        "holiday", "calendar sklep: 2026-12-28 closed (Inwentaryzacja)")
    regular = run(graph, datetime(2026, 12, 21, 10, 0, tzinfo=WARSAW),
                  {**CALENDARS, "sklep": inventory})
    assert step(regular, "swieta")[0] == "regular"


def test_a_calendar_missing_at_run_time_counts_as_closed() -> None:
    result = run(graph_from_data(on_calendar()), MONDAY_AFTER, calendars={})
    assert step(result, "godziny") == ("closed", "calendar business: unknown, taken as closed")


def test_existing_graphs_without_a_calendar_work_unchanged() -> None:
    graph = graph_from_data(example())
    assert step(run(graph, CHRISTMAS_EVE, {}), "godziny")[0] == "open"


def test_an_unknown_calendar_is_an_issue_naming_node_and_field() -> None:
    graph = graph_from_data(on_calendar("biznes", holidays="brak"))
    issues = validate_graph(graph, None, CALENDARS.keys())
    assert [(i.node, i.field) for i in issues] == [("godziny", "calendar"),
                                                   ("swieta", "calendar")]
    assert "calendar 'biznes' does not exist (calendars: 24/7, business)" in issues[0].message
    assert validate_graph(graph, None, None) == []  # no database at hand: not checked


@pytest.mark.parametrize(("change", "problem"), [
    ({"hours": {"mon": ["08:00-18:00"]}, "calendar": "business"}, "not both"),
    ({}, "give hours, or a calendar"),
    ({"calendar": "../x"}, "pattern"),
])
def test_hours_or_a_calendar_not_both(change: dict[str, Any], problem: str) -> None:
    data = example()
    node = data["nodes"]["godziny"]
    del node["hours"]
    node.update(change)
    with pytest.raises(ValidationError, match=problem):
        RouteGraph.model_validate(data)


def test_an_editors_empty_hours_beside_a_calendar_are_no_hours() -> None:
    data = on_calendar()
    data["nodes"]["godziny"]["hours"] = {}
    assert graph_from_data(data).nodes["godziny"].kind == "time_condition"


# -- through the API and the database ------------------------------------------------



@pytest.fixture
async def admin(database: Database) -> AsyncIterator[Admin]:
    app = web.Application()
    setup_api(app, database, WebConfig(secure_cookie=False))
    async with TestClient(TestServer(app)) as client:
        user = await service.create_user(database, "ewa", "Haslo-Admina-42", Role.ADMIN)
        new = await service.create_session(database, user)
        yield Admin(client, new.csrf_token, new.token)


async def test_the_api_validates_calendar_names_against_the_store(admin: Admin) -> None:
    found = await admin.ok("POST", "/routes/validate", {"graph": on_calendar("biznes")})
    assert found["issues"] == [{"node": "godziny", "field": "calendar", "message":
                                "calendar 'biznes' does not exist (calendars: 24/7, business)"}]
    saved = await admin.ok("POST", "/routes", {"graph": on_calendar("biznes")})
    status, refused = await admin.call(
        "POST", f"/routes/ecommerce/versions/{saved['version']}/publish")
    assert (status, refused["error"]) == (409, "graph-invalid")
    assert GraphIssue(**refused["issues"][0]) == GraphIssue(
        "godziny", "calendar", "calendar 'biznes' does not exist (calendars: 24/7, business)")


async def test_a_simulated_call_follows_the_stored_calendar(admin: Admin) -> None:
    simulate = {"graph": on_calendar(), "did": DID, "caller": CALLER}
    eve = await admin.ok("POST", "/routes/simulate", {**simulate, "at": "2026-12-24T10:00"})
    assert eve["path"][1]["branch"] == "closed"
    assert eve["path"][1]["reason"] == \
        "calendar business: closed (holiday: Wigilia Bożego Narodzenia)"
    monday = await admin.ok("POST", "/routes/simulate", {**simulate, "at": "2026-12-28T10:00"})
    assert monday["path"][1]["branch"] == "open"
    # An admin opens the calendar on Saturdays: the next simulation follows at once.
    business = await admin.ok("GET", "/sla/calendars/business")
    business["hours"]["sat"] = ["09:00-14:00"]
    await admin.ok("PUT", "/sla/calendars/business", {
        key: business[key] for key in ("timezone", "hours", "country", "closed_days")})
    saturday = await admin.ok("POST", "/routes/simulate", {**simulate, "at": "2026-12-19T10:00"})
    assert saturday["path"][1]["branch"] == "open"


async def test_a_calendar_a_published_graph_uses_cannot_be_deleted(
        admin: Admin, database: Database) -> None:
    await admin.ok("POST", "/sla/calendars", {"name": "sklep", "timezone": "Europe/Warsaw",
                                              "hours": {"mon": ["08:00-18:00"]}})
    saved = await admin.ok("POST", "/routes", {"graph": on_calendar("sklep")})
    # A draft does not hold it (it cannot be published until the name exists again).
    assert await admin.ok("DELETE", "/sla/calendars/sklep") == {"deleted": "sklep"}
    await admin.ok("POST", "/sla/calendars", {"name": "sklep", "timezone": "Europe/Warsaw",
                                              "hours": {"mon": ["08:00-18:00"]}})
    await admin.ok("POST", f"/routes/ecommerce/versions/{saved['version']}/publish")
    status, error = await admin.call("DELETE", "/sla/calendars/sklep")
    assert (status, error["error"]) == (409, "calendar-in-use")
    assert "route ecommerce v1 node godziny" in error["message"]
    routing = Routing(database, RoutesConfig(), region="PL")
    try:
        await routing.refresh()
        assert set(routing.executor.settings.calendars) == {"24/7", "business", "sklep"}
    finally:
        await routing.stop()
