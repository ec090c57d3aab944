"""The survey over HTTP (SQLite and PostgreSQL), public: no login, the signed link is
the key. A link answers once (409 survey-used), a forged one is 404 survey-not-found,
a bad score or a long comment is 400 invalid-answer naming the field, and one client
address gets a limited number of tries (429)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from ccengine.config import Config, CsatConfig, TicketsConfig, WebConfig
from ccengine.csat import api as csat_api
from ccengine.csat import rules
from ccengine.db import Database
from ccengine.tickets.enums import TicketStatus
from ccengine.tickets.service import TicketService
from ccengine.web.api import setup_api
from ccengine.web.keys import CONFIG
from tests.csat_helpers import LINK, SECRET, mailbox_for, parsed, surveys_sent, ticket_for

Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def client(database: Database) -> AsyncIterator[Client]:
    app = web.Application()
    app[CONFIG] = Config(csat=CsatConfig(secret=SECRET, public_url="https://cc.example.pl/"))
    setup_api(app, database, WebConfig(secure_cookie=False))
    async with TestClient(TestServer(app)) as client:
        yield client


async def _token(database: Database, number: str) -> str:
    await mailbox_for(database, "posprzedaz")
    ticket_id = await ticket_for(database, number, "posprzedaz")
    await TicketService(database, TicketsConfig()).change_status(number, TicketStatus.RESOLVED)
    [row] = await surveys_sent(database, ticket_id)
    body = parsed(row).get_body(("plain",))
    assert body is not None
    return str(LINK.findall(body.get_content())[0][0])


async def test_a_link_answers_once_and_bad_answers_name_the_field(
        client: Client, database: Database) -> None:
    token = await _token(database, "TK-2026-000100")
    page = await client.get(f"/csat/{token}?score=3")
    assert page.status == 200 and "csat_survey.js" in await page.text()
    read = await client.get(f"/api/v1/csat/{token}")
    assert (read.status, await read.json()) == (200, {"ticket": "TK-2026-000100",
                                                      "answered": False})
    for body, field in (({"score": 6}, "score"), ({"score": "5"}, "score"), ({}, "score"),
                        ({"score": True}, "score"),
                        ({"score": 5, "comment": "x" * 2001}, "comment"),
                        ({"score": 5, "comment": 7}, "comment")):
        answer = await client.post(f"/api/v1/csat/{token}", json=body)
        found = await answer.json()
        assert (answer.status, found["error"], found.get("field")) == (
            400, "invalid-answer", field), body
    answer = await client.post(f"/api/v1/csat/{token}", json={"score": 5, "comment": "Super"})
    assert (answer.status, await answer.json()) == (200, {"ticket": "TK-2026-000100",
                                                          "answered": True})
    again = await client.post(f"/api/v1/csat/{token}", json={"score": 1})
    assert (again.status, (await again.json())["error"]) == (409, "survey-used")
    assert (await (await client.get(f"/api/v1/csat/{token}")).json())["answered"] is True
    public_id, expiry, signature = token.split(".")
    for forged in (f"{public_id}.{int(expiry) + 1}.{signature}", "x", f"{token}x"):
        refused = await client.post(f"/api/v1/csat/{forged}", json={"score": 5})
        found = await refused.json()
        assert (refused.status, found["error"], found["field"]) == (
            404, "survey-not-found", "token")
    expired = rules.sign(SECRET, public_id, datetime.now(UTC) - timedelta(seconds=5))
    late = await client.post(f"/api/v1/csat/{expired}", json={"score": 5})
    assert (late.status, (await late.json())["error"]) == (410, "survey-expired")


async def test_one_address_gets_a_limited_number_of_tries(client: Client) -> None:
    statuses = []
    for _ in range(csat_api.ANSWERS_PER_ADDRESS + 1):
        answer = await client.post("/api/v1/csat/abcdefgh.1999999999.abcdefghijklmnopqrstuvwx",
                                   json={"score": 5})
        statuses.append(answer.status)
    assert statuses == [404] * csat_api.ANSWERS_PER_ADDRESS + [429]
    assert (await answer.json())["error"] == "too-many-answers"
