"""Opening tickets by hand over HTTP on both databases (real TCP): for a phone number
(any written form finds the known caller), an e-mail address, a customer or nobody;
SLA due times set at once; who may; bad bodies are a 400 naming the field."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from ccengine.calls.model import FinishedCall
from ccengine.config import TicketsConfig, WebConfig
from ccengine.customers.storage_models import CustomerEmail
from ccengine.db import Database
from ccengine.tickets.models import Customer, Ticket
from ccengine.tickets.service import TicketService
from ccengine.users.models import Role
from ccengine.web.api import setup_api
from ccengine.web.keys import CLOCK, Clock
from tests.people import signed_in

Client = TestClient[Any, Any]
WARSAW = ZoneInfo("Europe/Warsaw")
NOW = datetime(2026, 12, 23, 10, 0, tzinfo=WARSAW).astimezone(UTC)  # a Wednesday, 10:00
PEOPLE = {"admin": ("Administrator", Role.ADMIN), "anna": ("Anna Nowak", Role.AGENT),
          "piotr": ("Piotr Lis", Role.PRIVILEGED_AGENT), "qa": ("Ola QA", Role.QA_LEAD)}


class FixedClock(Clock):
    def now(self) -> datetime:
        return NOW


@dataclass
class World:
    client: Client
    headers: dict[str, dict[str, str]]
    database: Database
    caller_id: int  # the customer of +48 602 333 444, met on a call

    async def open(self, who: str, body: Any, status: int = 201) -> Any:
        response = await self.client.post("/api/v1/tickets", json=body,
                                          headers=self.headers[who])
        answer = await response.json()
        assert response.status == status, answer
        return answer

    async def row(self, number: str) -> Ticket:
        async with self.database.sessions() as session:
            return (await session.scalars(select(Ticket).where(Ticket.number == number))).one()


@pytest.fixture
async def world(database: Database, make_call: Callable[..., FinishedCall],
                ) -> AsyncIterator[World]:
    [call] = await TicketService(database, TicketsConfig()).record_calls([make_call("m.1")])
    async with database.sessions() as session:
        caller = await session.scalar(select(Ticket.customer_id)
                                      .where(Ticket.number == call.ticket_number))
    assert caller is not None
    app = web.Application()
    setup_api(app, database, WebConfig(secure_cookie=False))
    app[CLOCK] = FixedClock()
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    headers = await signed_in(database, PEOPLE, NOW)
    yield World(client, headers, database, caller)
    await client.close()


async def test_a_phone_in_another_format_finds_the_known_caller(world: World) -> None:
    body = await world.open("anna", {"title": "Faktura", "for": {"phone": "602 333 444"},
                                     "description": "Prosi o korektę"})
    ticket = body["ticket"]
    assert (ticket["status"], ticket["priority"], ticket["assignee"]) == (
        "new", "P3", "Anna Nowak")  # an agent who opens it works on it
    assert body["customer"]["id"] == world.caller_id
    row = await world.row(ticket["number"])
    assert (row.source_channel, row.kind) == ("manual", "call")
    notes = [activity["body"] for activity in body["activities"]]
    assert "opened by Anna Nowak in the page" in notes
    assert "Prosi o korektę" in notes


async def test_a_new_phone_makes_a_new_customer(world: World) -> None:
    body = await world.open("admin", {"title": "Oddzwonić", "for": {"phone": "+48 601 000 111"}})
    assert body["customer"]["phone"] == "+48601000111"
    assert body["customer"]["id"] != world.caller_id
    assert body["ticket"]["assignee"] is None  # an admin opens it for the queue


async def test_an_email_finds_or_makes_one_customer(world: World) -> None:
    first = await world.open("piotr", {"title": "Mail", "for": {"email": "Jan@Example.com"}})
    again = await world.open("piotr", {"title": "Mail 2", "for": {"email": "jan@example.com"}})
    assert first["customer"]["id"] == again["customer"]["id"]
    async with world.database.sessions() as session:
        owners = (await session.scalars(select(CustomerEmail.customer_id)
                                        .where(CustomerEmail.address == "jan@example.com"))).all()
    assert owners == [first["customer"]["id"]]


async def test_a_customer_by_id_or_nobody(world: World) -> None:
    known = await world.open("crm", {"title": "Z CRM", "for": {"customer": world.caller_id}})
    assert known["customer"]["id"] == world.caller_id
    assert "opened by crm via the API" in [a["body"] for a in known["activities"]]
    nobody = await world.open("anna", {"title": "Nie wiadomo kto", "queue": "sales"})
    assert nobody["customer"] is None
    assert nobody["ticket"]["queue"] == "sales"
    async with world.database.sessions() as session:
        customers = (await session.scalars(select(Customer.id))).all()
    assert customers == [world.caller_id]


async def test_the_sla_due_times_are_set_at_once(world: World) -> None:
    body = await world.open("admin", {"title": "Pilne", "priority": "P2"})
    row = await world.row(body["ticket"]["number"])
    assert (row.sla_policy, row.sla_state) == ("P2", "ok")
    assert row.first_response_due_at == datetime(2026, 12, 23, 11, 0, tzinfo=WARSAW)


async def test_numbers_come_from_the_ticket_counter(world: World) -> None:
    one = (await world.open("admin", {"title": "A"}))["ticket"]["number"]
    two = (await world.open("admin", {"title": "B"}))["ticket"]["number"]
    assert one.startswith("TK-2026-") and two.startswith("TK-2026-")
    assert int(two.rsplit("-", 1)[1]) == int(one.rsplit("-", 1)[1]) + 1


@pytest.mark.parametrize(("who", "status"), [("qa", 403), ("nobody", 401)])
async def test_who_may_not(world: World, who: str, status: int) -> None:
    await world.open(who, {"title": "Nie"}, status)


@pytest.mark.parametrize(("body", "field"), [
    ({}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "x" * 301}, "title"),
    ({"title": "x", "priority": "P5"}, "priority"),
    ({"title": "x", "queue": "q" * 101}, "queue"),
    ({"title": "x", "for": {"phone": "not a phone"}}, "for.phone"),
    ({"title": "x", "for": {"phone": 602333444}}, "for.phone"),
    ({"title": "x", "for": {"email": "no-at-sign"}}, "for.email"),
    ({"title": "x", "for": {"customer": "1"}}, "for.customer"),
    ({"title": "x", "for": {"customer": 999999}}, "for.customer"),
    ({"title": "x", "for": {"phone": "602333444", "email": "a@b.pl"}}, "for"),
    ({"title": "x", "for": "602333444"}, "for"),
    ({"title": "x", "number": "TK-1"}, "number"),
])
async def test_bad_bodies_name_the_field(world: World, body: dict[str, Any], field: str) -> None:
    answer = await world.open("admin", body, 400)
    assert answer["error"] == "invalid-body"
    assert repr(field) in answer["message"]


async def test_two_at_once_for_a_new_number_share_one_customer(world: World) -> None:
    """The loser of the race for the new customer's row replays and finds the winner's."""
    body = {"title": "Naraz", "for": {"phone": "+48 601 222 333"}}
    one, two = await asyncio.gather(world.open("admin", body), world.open("piotr", body))
    assert one["ticket"]["number"] != two["ticket"]["number"]
    assert one["customer"]["id"] == two["customer"]["id"]
