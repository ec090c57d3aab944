"""Dispositions end to end (application on TCP, simulated PBX over real AMI, SQLite
and PostgreSQL): admins define reason codes, a queue that requires one refuses a
wrap-up without it, the chosen one is on the ticket and in the report; a queue's
``call_tickets`` policy reaches the pop and the wrap-up's "done" resolves the ticket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from ccengine.routes.document import parse_graph
from ccengine.routes.store import RouteStore
from ccengine.users.models import Role
from tests.browser import EXAMPLE_GRAPH, Live
from tests.test_agent_console import AGENT3, log_in
from tests.test_agent_console import sessions as sessions  # the fixture
from tests.test_agent_wrapup import answered_call


async def publish_queue_rules(live: Live, **rules: Any) -> None:
    """The example graph with ``rules`` on queue posprzedaz, published and live."""
    data = parse_graph(EXAMPLE_GRAPH.read_text()).model_dump(mode="json", by_alias=True)
    data["queues"]["posprzedaz"].update(rules)
    graph = type(parse_graph(EXAMPLE_GRAPH.read_text())).model_validate(data)
    store = RouteStore(live.database)
    version = await store.save_draft(graph, author="tests")
    await store.publish(graph.name, version, None)
    routing = live.engine.routing
    assert routing is not None
    await routing.refresh()
    [route] = [r for r in routing.book.routes if r.graph.name == graph.name]
    assert route.graph.queues["posprzedaz"].model_dump(include=set(rules)) == rules


async def test_admins_define_dispositions_and_bad_input_names_the_field(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    admin = await log_in(live, sessions, "szef", Role.ADMIN, None, "Szef")
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    status, made = await admin.call("POST", "/dispositions", {
        "code": "sold", "label_pl": "Sprzedaż", "label_en": "Sold"})
    assert (status, made) == (201, {"code": "sold", "label_pl": "Sprzedaż",
                                    "label_en": "Sold", "active": True, "queue": None})
    cases = [
        ({"code": "sold", "label_pl": "x", "label_en": "x"}, 409, "disposition-exists", "code"),
        ({"code": "Źle!", "label_pl": "x", "label_en": "x"}, 400, "invalid-disposition",
         "code"),
        ({"code": "ok", "label_pl": " ", "label_en": "x"}, 400, "invalid-body", "label_pl"),
        ({"code": "ok", "label_pl": "x", "label_en": "x", "queue": "Zła kolejka"}, 400,
         "invalid-body", "queue"),
    ]
    for body, want, error, field in cases:
        status, answer = await admin.call("POST", "/dispositions", body)
        assert (status, answer["error"], answer.get("field")) == (want, error, field), body
    status, answer = await agent.call("POST", "/dispositions", {
        "code": "mine", "label_pl": "x", "label_en": "x"})
    assert status == 403
    status, answer = await admin.call("PATCH", "/dispositions/nope", {"active": False})
    assert (status, answer["error"]) == (404, "disposition-not-found")
    await admin.call("POST", "/dispositions", {"code": "return", "label_pl": "Zwrot",
                                               "label_en": "Return", "queue": "reklamacje"})
    status, changed = await admin.call("PATCH", "/dispositions/sold", {"active": False})
    assert (status, changed["active"]) == (200, False)
    status, listed = await agent.call("GET", "/dispositions?queue=posprzedaz&active=true")
    assert (status, listed["items"]) == (200, [])
    status, listed = await agent.call("GET", "/dispositions?queue=reklamacje")
    assert [d["code"] for d in listed["items"]] == ["return", "sold"]


async def test_a_required_disposition_is_chosen_at_wrap_up_and_counted(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    await publish_queue_rules(live, disposition_required=True, call_tickets="customer_only")
    admin = await log_in(live, sessions, "szef", Role.ADMIN, None, "Szef")
    for code, pl, en, queue in (("sold", "Sprzedaż", "Sold", None),
                                ("return", "Zwrot", "Return", "reklamacje")):
        body = {"code": code, "label_pl": pl, "label_en": en, "queue": queue}
        assert (await admin.call("POST", "/dispositions", body))[0] == 201
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    tab = await agent.tab()
    assert (await agent.call("POST", "/agent/login", {}))[0] == 200
    number = await answered_call(live, agent, tab, "48601111222")
    [pop] = [m["pop"] for m in tab.of("pop") if m["pop"] and m["pop"]["state"] == "wrap_up"]
    assert (pop["call_tickets"], pop["disposition_required"]) == ("customer_only", True)

    status, answer = await agent.call("POST", "/agent/wrapup", {})  # no ticket named
    assert (status, answer["error"], answer["field"]) == (400, "disposition-required",
                                                          "disposition")
    [now_shown] = [m["pop"] for m in tab.of("pop")][-1:]
    assert now_shown is not None and now_shown["state"] == "wrap_up", "still in wrap-up"
    for body, error in (({"ticket": number, "status": "resolved", "note": "Gotowe"},
                         "disposition-required"),
                        ({"ticket": number, "status": "resolved", "disposition": "return"},
                         "unknown-disposition"),  # another queue's
                        ({"ticket": number, "disposition": "nope"}, "unknown-disposition")):
        status, answer = await agent.call("POST", "/agent/wrapup", body)
        assert (status, answer["error"], answer["field"]) == (400, error, "disposition")
    _, detail = await agent.call("GET", f"/tickets/{number}")
    assert detail["ticket"]["status"] == "in_progress", "a refused wrap-up writes nothing"
    assert not [a for a in detail["activities"] if a["kind"] in ("note", "disposition")]

    status, answer = await agent.call("POST", "/agent/wrapup", {
        "ticket": number, "status": "resolved", "note": "Gotowe", "disposition": "sold"})
    assert status == 200, answer
    _, detail = await agent.call("GET", f"/tickets/{number}")
    assert detail["ticket"]["status"] == "resolved", "customer_only: done at wrap-up"
    [chosen] = [a for a in detail["activities"] if a["kind"] == "disposition"]
    assert (chosen["body"], chosen["author"]) == ("sold: Sprzedaż / Sold", "Agnieszka Wójcik")

    now = datetime.now(UTC)
    start, end = (now - timedelta(hours=1)).isoformat(), (now + timedelta(hours=1)).isoformat()
    day = f"from={start}&to={end}".replace("+", "%2B")
    status, report = await admin.call("GET", f"/reports/dispositions?{day}")
    assert (status, report["items"]) == (200, [{
        "code": "sold", "queue": "posprzedaz", "count": 1, "label_pl": "Sprzedaż",
        "label_en": "Sold"}])
    status, report = await admin.call("GET", f"/reports/dispositions?{day}&queue=reklamacje")
    assert report["items"] == []
    # A plain agent counts only the tickets she may see.
    other = await log_in(live, sessions, "ewa", Role.AGENT, "PJSIP/agent6", "Ewa Dąbrowska")
    assert (await other.call("GET", f"/reports/dispositions?{day}"))[1]["items"] == []
    status, answer = await admin.call("GET", "/reports/dispositions?from=2026-12-02&to=2026-12-01")
    assert (status, answer["error"]) == (400, "invalid-parameter")
    await tab.close()
