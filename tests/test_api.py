from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from ccengine.calls.model import FinishedCall, Outcome
from ccengine.config import TicketsConfig, WebConfig
from ccengine.db import Database
from ccengine.tickets.service import TicketService
from ccengine.web.api import setup_api

MakeCall = Callable[..., FinishedCall]
TOKEN = "s3cret-token"


async def _client(database: Database, send_token: bool = True) -> TestClient[Any, Any]:
    """A client of the API, by default an integration holding the configured token."""
    app = web.Application()
    setup_api(app, database, WebConfig(api_token=TOKEN, secure_cookie=False))
    headers = {"Authorization": f"Bearer {TOKEN}"} if send_token else {}
    client: TestClient[Any, Any] = TestClient(TestServer(app), headers=headers)
    await client.start_server()
    return client


@pytest.fixture
async def recorded(database: Database, make_call: MakeCall) -> list[str]:
    """Five calls: three answered in two queues, two missed from another caller (one
    callback ticket: a further missed call adds to the caller's open callback)."""
    calls = [
        make_call("a.1"),
        make_call("a.2", queue="sales"),
        make_call("a.3"),
        make_call("m.1", Outcome.ABANDONED, caller_number="+48602999888"),
        make_call("m.2", Outcome.TIMEOUT, caller_number="0048602999888"),
    ]
    results = await TicketService(database, TicketsConfig()).record_calls(calls)
    return [r.ticket_number for r in results]


@pytest.fixture
async def client(database: Database, recorded: list[str]) -> AsyncIterator[TestClient[Any, Any]]:
    client = await _client(database)
    yield client
    await client.close()


async def _json(client: TestClient[Any, Any], path: str, status: int = 200) -> Any:
    response = await client.get(path)
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    return await response.json()


async def test_list_tickets(client: TestClient[Any, Any], recorded: list[str]) -> None:
    body = await _json(client, "/api/v1/tickets")
    assert (body["page"], body["per_page"], body["total"]) == (1, 50, 4)
    assert sorted(item["number"] for item in body["items"]) == sorted(set(recorded))
    first = body["items"][0]
    assert first["created_at"].endswith("+00:00")
    assert {"title", "status", "priority", "kind", "queue", "assignee", "caller"} <= set(first)


async def test_paging(client: TestClient[Any, Any]) -> None:
    pages = [await _json(client, f"/api/v1/tickets?per_page=2&page={p}") for p in (1, 2, 3, 4)]
    assert [len(p["items"]) for p in pages] == [2, 2, 0, 0]
    assert {p["total"] for p in pages} == {4}
    numbers = [item["number"] for p in pages for item in p["items"]]
    assert len(set(numbers)) == 4


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=new", 1),
        ("status=in_progress", 3),
        ("status=closed", 0),
        ("queue=sales", 1),
        ("queue=support", 3),
        ("caller=602999888", 1),
        ("caller=%2B48602999888", 1),
        ("caller=48602333444", 3),
        ("status=new&caller=602333444", 0),
    ],
)
async def test_ticket_filters(client: TestClient[Any, Any], query: str, expected: int) -> None:
    body = await _json(client, f"/api/v1/tickets?{query}")
    assert body["total"] == expected
    assert len(body["items"]) == expected


async def test_show_ticket(client: TestClient[Any, Any], recorded: list[str]) -> None:
    body = await _json(client, f"/api/v1/tickets/{recorded[3]}")
    assert body["ticket"]["number"] == recorded[3]
    assert body["ticket"]["kind"] == "callback"
    assert body["customer"]["phone"] == "+48602999888"
    assert recorded[4] == recorded[3]
    assert [a["kind"] for a in body["activities"]] == ["call", "call"]
    assert [c["linkedid"] for c in body["calls"]] == ["m.1", "m.2"]
    assert body["calls"][0]["timeline"][0]["kind"] == "start"


async def test_list_calls_with_outcome_filter(client: TestClient[Any, Any]) -> None:
    everything = await _json(client, "/api/v1/calls")
    assert everything["total"] == 5
    missed = await _json(client, "/api/v1/calls?outcome=abandoned&per_page=10")
    assert [c["linkedid"] for c in missed["items"]] == ["m.1"]
    assert missed["per_page"] == 10


async def test_health(client: TestClient[Any, Any], database: Database) -> None:
    body = await _json(client, "/api/v1/health")
    assert body == {"status": "ok"}  # the database type is not told to anyone


async def test_missing_ticket_is_404(client: TestClient[Any, Any]) -> None:
    body = await _json(client, "/api/v1/tickets/TK-1999-000001", status=404)
    assert body["error"] == "ticket-not-found"
    assert "TK-1999-000001" in body["message"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("/api/v1/tickets?page=0", "page"),
        ("/api/v1/tickets?per_page=1000", "per_page"),
        ("/api/v1/tickets?per_page=0", "per_page"),
        ("/api/v1/tickets?page=abc", "page"),
        ("/api/v1/tickets?status=lost", "status"),
        ("/api/v1/calls?outcome=maybe", "outcome"),
        ("/api/v1/calls?page=-1", "page"),
    ],
)
async def test_bad_parameters_are_400(
    client: TestClient[Any, Any], query: str, parameter: str
) -> None:
    body = await _json(client, query, status=400)
    assert body["error"] == "invalid-parameter"
    assert repr(parameter) in body["message"]


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/nothing", "/api/v2/tickets"])
async def test_unknown_route_is_json_404(client: TestClient[Any, Any], path: str) -> None:
    body = await _json(client, path, status=404)
    assert body["error"] == "not-found"


async def test_wrong_method_is_json_405(client: TestClient[Any, Any]) -> None:
    response = await client.delete("/api/v1/tickets")  # the list takes GET and POST
    assert response.status == 405
    assert (await response.json())["error"] == "method-not-allowed"


async def test_unexpected_errors_do_not_leak(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    async def boom(request: web.Request) -> web.Response:
        raise RuntimeError("password=hunter2 in a stack trace")

    app = web.Application()
    setup_api(app, database, WebConfig())
    app.router.add_get("/boom", boom)  # outside /api/v1: no role needed
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/boom")
        body = await response.json()
    assert response.status == 500
    assert body == {"error": "internal-error", "message": "internal server error"}
    assert "hunter2" in caplog.text  # logged for the operator, not sent to the client


async def test_token_is_required_when_configured(database: Database, recorded: list[str]) -> None:
    client = await _client(database, send_token=False)
    try:
        missing = await _json(client, "/api/v1/tickets", status=401)
        wrong = await client.get("/api/v1/tickets", headers={"Authorization": "Bearer nope"})
        right = await client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {TOKEN}"})
        health = await client.get("/api/v1/health")
        assert missing["error"] == "unauthorized"
        assert wrong.status == 401
        assert right.status == 200
        assert (await right.json())["total"] == 4
        assert health.status == 200
    finally:
        await client.close()
