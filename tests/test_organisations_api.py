"""Organisations over real TCP on both databases (issue 13, item 12): created with a
checked NIP, found by folded name or NIP, listing the customers linked to them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import event

from ccengine.customers.organisations import OPEN_TICKETS, OrganisationService
from ccengine.db import Database
from ccengine.tickets.filters import Viewer
from ccengine.tickets.models import Customer, Ticket
from tests.test_sla_alerts import OPENED, add_ticket
from tests.test_tickets_api import World, world  # noqa: F401  (a fixture used below)

ZABKA = {"name": "Żabka Polska", "nip": "526-025-02-74", "address": "Poznań",
         "external_id": "erp-9"}


async def test_an_organisation_is_found_by_folded_name_or_nip_and_lists_its_customers(
        world: World) -> None:  # noqa: F811
    created = await world.call("anna", "POST", "/organisations", json=ZABKA)
    assert (created["name"], created["nip"]) == ("Żabka Polska", "5260250274")
    for query in ("zabka", "ŻABKA%20pol", "5260250274"):
        found = (await world.call("qa", "GET", f"/organisations?q={query}"))["items"]
        assert [o["id"] for o in found] == [created["id"]], query
    customer = await world.call("anna", "POST", "/customers", json={
        "name": "Łucja Wójcik", "organisation_id": created["id"]})
    assert customer["organisation_id"] == created["id"]
    detail = await world.call("qa", "GET", f"/organisations/{created['id']}")
    assert [c["name"] for c in detail["customers"]] == ["Łucja Wójcik"]
    renamed = await world.call("anna", "PATCH", f"/organisations/{created['id']}",
                               json={"name": "Żabka sp. z o.o.", "notes": "Centrala"})
    assert (renamed["name"], renamed["nip"], renamed["notes"]) == (
        "Żabka sp. z o.o.", "5260250274", "Centrala")


async def test_organisation_mistakes_are_named(world: World) -> None:  # noqa: F811
    created = await world.call("anna", "POST", "/organisations", json=ZABKA)
    taken = await world.call("anna", "POST", "/organisations", 409,
                             json={"name": "Inna", "nip": "5260250274"})
    assert (taken["error"], taken["field"]) == ("organisation-taken", "nip")
    assert f"organisation {created['id']}" in taken["message"]
    bad_nip = await world.call("anna", "POST", "/organisations", 400,
                               json={"name": "Inna", "nip": "5260250275"})
    assert (bad_nip["error"], bad_nip["field"]) == ("invalid-body", "nip")
    nameless = await world.call("anna", "POST", "/organisations", 400, json={"nip": None})
    assert (nameless["error"], nameless["field"]) == ("invalid-body", "name")
    missing = await world.call("anna", "POST", "/customers", 404,
                               json={"name": "X", "organisation_id": 999_999})
    assert (missing["error"], missing["field"]) == ("organisation-not-found",
                                                    "organisation_id")
    gone = await world.call("anna", "GET", "/organisations/999999", 404)
    assert gone["error"] == "organisation-not-found"
    assert (await world.call("qa", "POST", "/organisations", 403, json=ZABKA))["error"] == (
        "forbidden")


async def customer_of(world: World, number: str) -> int:  # noqa: F811
    found = await world.call("admin", "GET", f"/customers?q={number}")
    [customer] = found["items"]
    return int(customer["id"])


async def test_the_organisation_shows_its_peoples_open_tickets_by_the_list_rule(
        world: World) -> None:  # noqa: F811
    """Bartek's ticket (his own) and the unassigned open one; the closed one never. Anna,
    a plain agent, sees only the queue's unassigned one, as in the ticket list."""
    created = await world.call("admin", "POST", "/organisations", json=ZABKA)
    people = {key: await customer_of(world, number) for key, number in (
        ("bartek", "48601111222"), ("open1", "48602999888"), ("closed", "48604555444"))}
    for customer_id in people.values():
        await world.call("admin", "PATCH", f"/customers/{customer_id}",
                         json={"organisation_id": created["id"]})

    def tickets(detail: dict[str, Any]) -> dict[int, list[str]]:
        return {c["id"]: [t["number"] for t in c["open_tickets"]] for c in detail["customers"]}

    path = f"/organisations/{created['id']}"
    everything = tickets(await world.call("qa", "GET", path))
    assert everything == {people["bartek"]: [world.numbers["bartek"]],
                          people["open1"]: [world.numbers["open1"]], people["closed"]: []}
    assert tickets(await world.call("anna", "GET", path)) == {
        people["bartek"]: [], people["open1"]: [world.numbers["open1"]], people["closed"]: []}
    assert tickets(await world.call("bartek", "GET", path))[people["bartek"]] == [
        world.numbers["bartek"]]
    detail = await world.call("anna", "GET", path)
    assert {c["vip"] for c in detail["customers"]} == {False}


async def test_each_customers_open_tickets_are_cut_in_sql_not_after_loading(
        database: Database) -> None:
    """A customer with more open tickets than the page shows: only the newest
    ``OPEN_TICKETS`` are loaded (not all, cut in Python), the other customer's too."""
    async with database.writer() as session:
        many, few = Customer(name="Dużo", created_at=OPENED), Customer(name="Mało",
                                                                       created_at=OPENED)
        session.add_all([many, few])
        await session.commit()
        many_id, few_id = many.id, few.id
    numbers = [f"T-{i}" for i in range(OPEN_TICKETS + 5)]
    for i, number in enumerate(numbers):
        await add_ticket(database, number, customer_id=many_id,
                         created_at=OPENED + timedelta(minutes=i))
    await add_ticket(database, "F-1", customer_id=few_id)
    await add_ticket(database, "F-2", customer_id=few_id, status="closed")
    loaded: list[str] = []

    def count(target: Ticket, _context: object) -> None:
        loaded.append(target.number)

    event.listen(Ticket, "load", count)
    try:
        found = await OrganisationService(database, lambda: OPENED).open_tickets(
            [many_id, few_id], Viewer())
    finally:
        event.remove(Ticket, "load", count)
    assert [t.number for t in found[many_id]] == numbers[::-1][:OPEN_TICKETS]
    assert [t.number for t in found[few_id]] == ["F-1"]
    assert len(loaded) == OPEN_TICKETS + 1
