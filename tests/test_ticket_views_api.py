"""Saved views of the ticket list over HTTP on both databases: the built-ins, a user's
own, shared ones (admins and privileged agents share), the list applying a view, and
a view's query checked as the list checks it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import update

from ccengine.calls.model import FinishedCall
from ccengine.config import TicketsConfig, WebConfig
from ccengine.db import Database
from ccengine.routes.document import parse_graph
from ccengine.routes.store import RouteStore
from ccengine.tickets.service import TicketService
from ccengine.users.models import Role, User
from ccengine.web.api import setup_api
from tests.browser import EXAMPLE_GRAPH
from tests.conftest import T0
from tests.people import signed_in
from tests.test_ticket_fields_api import World

Client = TestClient[Any, Any]
PEOPLE = {"admin": ("Administrator", Role.ADMIN), "anna": ("Anna Nowak", Role.AGENT),
          "piotr": ("Piotr Lis", Role.PRIVILEGED_AGENT), "qa": ("Ola QA", Role.QA_LEAD)}
# Queues of the example graph: sprzedaz (PJSIP/agent1 is a member), posprzedaz, ...
QUEUES = ["sprzedaz", "posprzedaz", "sprzedaz", "sprzedaz"]


@pytest.fixture
async def world(database: Database, make_call: Callable[..., FinishedCall],
                ) -> AsyncIterator[World]:
    calls = [make_call(f"v.{index}", caller_number=f"4860200000{index}", queue=queue,
                       started_at=T0 + timedelta(minutes=index))
             for index, queue in enumerate(QUEUES)]
    recorded = await TicketService(database, TicketsConfig()).record_calls(calls)
    store = RouteStore(database)
    await store.publish("ecommerce", await store.save_draft(
        parse_graph(EXAMPLE_GRAPH.read_text())), None)
    app = web.Application()
    setup_api(app, database, WebConfig(secure_cookie=False))
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    headers = await signed_in(database, PEOPLE, T0)
    async with database.writer() as session:
        await session.execute(update(User).where(User.login == "anna")
                              .values(sip_interface="PJSIP/agent1"))
        await session.commit()
    yield World(client, headers, [r.ticket_number for r in recorded])
    await client.close()


async def test_the_built_in_views_come_first_for_everyone(world: World) -> None:
    views = await world.call("qa", "GET", "/ticket-views")
    assert [(v["id"], v["built_in"]) for v in views["items"]] == [
        ("my-open", True), ("at-risk", True), ("unassigned-in-my-queues", True)]
    await world.call("crm", "GET", "/ticket-views", status=403)  # views belong to people


async def test_my_open_and_unassigned_in_my_queues(world: World) -> None:
    first, second, third, fourth = world.numbers
    await world.patch(first, {"assignee": "Anna Nowak"})
    await world.patch(second, {"assignee": None})  # posprzedaz: not Anna's queue
    await world.patch(third, {"assignee": None})  # sprzedaz, open
    await world.patch(fourth, {"assignee": None, "status": "closed"})
    assert await world.listed("view=my-open", who="anna") == [first]
    assert await world.listed("view=unassigned-in-my-queues", who="anna") == [third]
    # Piotr has no SIP interface: no queue is his.
    assert await world.listed("view=unassigned-in-my-queues", who="piotr") == []
    # A parameter beside the view wins over the view's.
    assert set(await world.listed("view=my-open&assignee=none&open=false",
                                  who="admin")) == {second, third, fourth}


async def test_own_views_are_private_until_shared(world: World) -> None:
    await world.patch(world.numbers[1], {"priority": "P1"})
    mine = await world.call("anna", "POST", "/ticket-views", {
        "name": "Pilne", "query": {"priority": "P1"}, "sort": "-created_at"})
    assert (mine["mine"], mine["shared"], mine["owner"]) == (True, False, "Anna Nowak")
    assert await world.listed(f"view={mine['id']}", who="anna") == [world.numbers[1]]
    refused = await world.call("piotr", "GET", f"/tickets?view={mine['id']}", status=404)
    assert (refused["error"], refused["field"]) == ("view-not-found", "view")
    sharing = await world.call("anna", "PATCH", f"/ticket-views/{mine['id']}",
                               {"shared": True}, status=403)
    assert (sharing["error"], sharing["field"]) == ("view-sharing-refused", "shared")
    team = await world.call("piotr", "POST", "/ticket-views", {
        "name": "Zespół: P1", "query": {"priority": "P1"}, "shared": True})
    seen = await world.call("anna", "GET", "/ticket-views")
    assert [v["name"] for v in seen["items"] if not v["built_in"]] == ["Pilne", "Zespół: P1"]
    await world.call("anna", "PATCH", f"/ticket-views/{team['id']}", {"name": "Moje"},
                     status=403)
    await world.call("anna", "DELETE", f"/ticket-views/{team['id']}", status=403)
    await world.call("admin", "DELETE", f"/ticket-views/{team['id']}")
    twin = await world.call("anna", "POST", "/ticket-views", {"name": "Pilne"}, status=409)
    assert twin["error"] == "view-name-taken"
    await world.call("anna", "DELETE", "/ticket-views/my-open", status=403)


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "x", "query": {"status": "lost"}}, "query.status"),
    ({"name": "x", "query": {"password": "1"}}, "query.password"),
    ({"name": "x", "query": {"custom_field": "colour:red"}}, "query.custom_field"),
    ({"name": "x", "query": {"due_within": "soon"}}, "query.due_within"),
    ({"name": "x", "sort": "salary"}, "sort"),
    ({"name": "", "query": {}}, "name"),
    ({"name": "x", "query": ["status"]}, "query"),
])
async def test_a_view_the_list_would_refuse_is_not_saved(world: World, body: dict[str, Any],
                                                         field: str) -> None:
    refused = await world.call("anna", "POST", "/ticket-views", body, status=400)
    assert (refused["error"], refused["field"]) == ("invalid-body", field)
