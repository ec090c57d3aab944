"""The customers API over real TCP, on SQLite and PostgreSQL (issue 13, items 12 and 14):
search by any phone form, e-mail, folded name and company; create, edit, merge; roles."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_tickets_api import World, world  # noqa: F401  (a fixture used below)

LUCJA = {"name": "Łucja Wójcik", "company": "Żabka Polska", "phones": ["501 222 333"],
         "emails": ["Lucja.Wojcik@Example.PL"], "nip": "526-025-02-74",
         "notes": "Woli kontakt po 16.", "external_id": "crm-17"}


async def _ids(world: World, query: str, who: str = "anna") -> list[int]:  # noqa: F811
    body = await world.call(who, "GET", f"/customers?{query}")
    return [item["id"] for item in body["items"]]


async def _by_phone(world: World, phone: str) -> dict[str, Any]:  # noqa: F811
    [found] = (await world.call("admin", "GET", f"/customers?q={phone}"))["items"]
    assert isinstance(found, dict)
    return found


@pytest.mark.parametrize("written", ["602 999 888", "%2B48602999888", "0048602999888",
                                     "48-602-999-888", "602999888"])
async def test_a_caller_is_found_by_any_written_form_of_the_number(
        world: World, written: str) -> None:  # noqa: F811
    [found] = (await world.call("qa", "GET", f"/customers?q={written}"))["items"]
    assert found["phones"] == ["+48602999888"]


async def test_a_new_customer_is_found_by_folded_name_company_email_and_part_of_a_number(
        world: World) -> None:  # noqa: F811
    created = await world.call("anna", "POST", "/customers", json=LUCJA)
    assert (created["phones"], created["emails"], created["nip"]) == (
        ["+48501222333"], ["lucja.wojcik@example.pl"], "5260250274")
    for query in ("wojcik", "ŁUCJA%20WÓJCIK", "zabka", "lucja.wojcik@", "222%20333",
                  "0048501222333"):
        assert await _ids(world, f"q={query}") == [created["id"]], query
    assert await _ids(world, "q=kowalczyk") == []


async def test_editing_validates_each_field_and_refuses_another_customers_number(
        world: World) -> None:  # noqa: F811
    created = await world.call("anna", "POST", "/customers", json=LUCJA)
    path = f"/customers/{created['id']}"
    refused = await world.call("anna", "PATCH", path, 400, json={"nip": "5260250275"})
    assert (refused["error"], refused["field"]) == ("invalid-body", "nip")
    refused = await world.call("anna", "PATCH", path, 400, json={"phones": ["501", "x"]})
    assert (refused["error"], refused["field"]) == ("invalid-body", "phones[0]")
    other = await _by_phone(world, "%2B48602999888")
    taken = await world.call("anna", "PATCH", path, 409, json={"phones": ["602 999 888"]})
    assert (taken["error"], taken["field"]) == ("phone-taken", "phones")
    assert f"customer {other['id']}" in taken["message"]
    changed = await world.call("tomasz", "PATCH", path, json={
        "phones": ["+48 501 222 333", "22 123 45 67"], "company": None, "vip": True})
    assert (changed["phones"], changed["company"], changed["vip"], changed["name"]) == (
        ["+48501222333", "+48221234567"], None, True, "Łucja Wójcik")
    assert changed["updated_at"] >= created["updated_at"]


async def test_a_named_caller_keeps_her_calls_and_the_next_call_finds_her(
        world: World) -> None:  # noqa: F811
    unknown = await _by_phone(world, "%2B48602999888")
    named = await world.call("anna", "PATCH", f"/customers/{unknown['id']}",
                             json={"name": "Anna Wójcik"})
    assert named["phone"] == "+48602999888"
    detail = await world.call("tomasz", "GET", f"/customers/{unknown['id']}")
    assert [call["ticket"] for call in detail["calls"]] == [world.numbers["open1"]]
    assert [ticket["number"] for ticket in detail["tickets"]] == [world.numbers["open1"]]
    assert await _ids(world, "q=wojcik") == [unknown["id"]]


async def test_a_plain_agent_reads_a_customer_without_the_tickets_she_may_not_see(
        world: World) -> None:  # noqa: F811
    bartek_s = await _by_phone(world, "%2B48601111222")
    hidden = await world.call("anna", "GET", f"/customers/{bartek_s['id']}")
    assert (hidden["tickets"], hidden["calls"]) == ([], [])
    refused = await world.call("anna", "PATCH", f"/customers/{bartek_s['id']}", 403,
                               json={"vip": True, "name": "Ktoś"})
    assert (refused["error"], refused["field"]) == ("vip-not-yours", "vip")
    assert (await world.call("anna", "PATCH", f"/customers/{bartek_s['id']}",
                             json={"name": "Ktoś"}))["name"] == "Ktoś"
    shown = await world.call("bartek", "GET", f"/customers/{bartek_s['id']}")
    assert [t["number"] for t in shown["tickets"]] == [world.numbers["bartek"]]
    assert len(shown["calls"]) == 1


async def test_merging_moves_numbers_emails_calls_and_tickets(
        world: World) -> None:  # noqa: F811
    kept = await _by_phone(world, "%2B48602999888")
    duplicate = await _by_phone(world, "%2B48603777666")
    await world.call("admin", "PATCH", f"/customers/{duplicate['id']}", json={
        "vip": True, "notes": "Dzwoni z pracy.", "emails": ["a@b.pl"], "name": "A. Wójcik"})
    await world.call("admin", "PATCH", f"/customers/{kept['id']}", json={"notes": "Stała."})
    merged = await world.call("tomasz", "POST", f"/customers/{duplicate['id']}/merge",
                              json={"into": kept["id"]})
    assert (merged["id"], merged["vip"], merged["notes"], merged["name"], merged["emails"]) == (
        kept["id"], True, "Stała.\n\nDzwoni z pracy.", "A. Wójcik", ["a@b.pl"])
    assert sorted(merged["phones"]) == ["+48602999888", "+48603777666"]
    assert merged["phone"] == "+48602999888"
    detail = await world.call("admin", "GET", f"/customers/{kept['id']}")
    assert {t["number"] for t in detail["tickets"]} == {world.numbers["open1"],
                                                        world.numbers["open2"]}
    assert len(detail["calls"]) == 2
    gone = await world.call("admin", "GET", f"/customers/{duplicate['id']}", 404)
    assert gone["error"] == "customer-not-found"
    assert await _ids(world, "q=603%20777%20666") == [kept["id"]]


async def test_merging_into_itself_or_by_a_plain_agent_is_refused(
        world: World) -> None:  # noqa: F811
    kept = await _by_phone(world, "%2B48602999888")
    path = f"/customers/{kept['id']}/merge"
    itself = await world.call("admin", "POST", path, 409, json={"into": kept["id"]})
    assert (itself["error"], itself["field"]) == ("merge-into-itself", "into")
    assert (await world.call("anna", "POST", path, 403, json={"into": 1}))["error"] == (
        "forbidden")
    missing = await world.call("admin", "POST", path, 404, json={"into": 999_999})
    assert missing["error"] == "customer-not-found"
    bad = await world.call("admin", "POST", path, 400, json={"into": "1"})
    assert (bad["error"], bad["field"]) == ("invalid-body", "into")


async def test_updated_since_lists_changes_oldest_first_inclusive(
        world: World) -> None:  # noqa: F811
    first = await world.call("crm", "POST", "/customers", json={"name": "Pierwszy"})
    second = await world.call("crm", "POST", "/customers", json={"name": "Drugi"})
    since = first["updated_at"].replace("+", "%2B")
    listed = await _ids(world, f"updated_since={since}&per_page=200", who="crm")
    assert listed == [first["id"], second["id"]]  # the fixture's callers changed before
    refused = await world.call("crm", "GET", "/customers?updated_since=yesterday", 400)
    assert refused["error"] == "invalid-parameter"


@pytest.mark.parametrize(("body", "field"), [
    ({"phones": "501222333"}, "phones"), ({"emails": ["nie-mail"]}, "emails[0]"),
    ({"vip": "tak"}, "vip"), ({"surname": "X"}, "surname"), ({"name": 5}, "name"),
])
async def test_bad_customer_bodies_are_400_naming_the_field(
        world: World, body: dict[str, object], field: str) -> None:  # noqa: F811
    refused = await world.call("anna", "POST", "/customers", 400, json=body)
    assert (refused["error"], refused["field"]) == ("invalid-body", field)


async def test_qa_reads_but_does_not_edit(world: World) -> None:  # noqa: F811
    assert (await world.call("qa", "POST", "/customers", 403, json={}))["error"] == "forbidden"
    assert (await world.call("qa", "GET", "/customers"))["total"] == 5


@pytest.mark.parametrize("path", ["/customers/%C2%B2", "/customers/99999999999",
                                  "/organisations/%C2%B2", "/organisations/" + "9" * 5000])
async def test_odd_ids_in_the_path_are_not_found(world: World, path: str) -> None:  # noqa: F811
    assert (await world.call("admin", "GET", path, 404))["error"] in (
        "customer-not-found", "organisation-not-found")
