"""Flagging a customer VIP from the API and from the ticket view (issue 12, item 15)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.async_api import Page
from sqlalchemy import select

from ccengine.calls.model import FinishedCall, Outcome
from ccengine.config import TicketsConfig
from ccengine.tickets.models import Customer, Ticket, TicketActivity
from ccengine.tickets.service import TicketService
from ccengine.users.models import Role
from tests.browser import Live, login
from tests.conftest import build_call
from tests.test_tickets_api import World, world  # noqa: F401  (a fixture used below)


async def test_an_agent_flags_a_customer_vip_and_the_next_ticket_is_more_urgent(
        world: World, make_call: Callable[..., FinishedCall]) -> None:  # noqa: F811
    flagged = await world.call("anna", "PATCH", "/customers/602%20999%20888",
                               json={"vip": True})
    assert (flagged["phone"], flagged["vip"]) == ("+48602999888", True)

    tickets = TicketService(world.database, TicketsConfig(join_open_within_hours=0))
    [missed] = await tickets.record_calls([make_call("15.9", Outcome.ABANDONED,
                                                     caller_number="+48602999888")])
    assert missed.ticket_priority == "P1"
    detail = await world.call("anna", "GET", f"/tickets/{missed.ticket_number}")
    assert detail["customer"]["vip"] is True

    unflagged = await world.call("admin", "PATCH", "/customers/%2B48602999888",
                                 json={"vip": False})
    assert unflagged["vip"] is False


async def test_an_agent_flags_only_customers_of_tickets_she_sees(
        world: World) -> None:  # noqa: F811
    # +48601111222 called once, and Bartek took that ticket: Anna sees none of it.
    refused = await world.call("anna", "PATCH", "/customers/%2B48601111222", 404,
                               json={"vip": True})
    assert refused["error"] == "customer-not-found" and "name" not in refused
    assert (await world.call("bartek", "PATCH", "/customers/%2B48601111222",
                             json={"vip": True}))["vip"] is True
    assert (await world.call("tomasz", "PATCH", "/customers/%2B48601111222",
                             json={"vip": False}))["vip"] is False
    async with world.database.sessions() as session:
        notes = (await session.execute(
            select(TicketActivity.author, TicketActivity.data)
            .join(Ticket, TicketActivity.ticket_id == Ticket.id)
            .where(Ticket.number == world.numbers["bartek"], TicketActivity.kind == "note")
            .order_by(TicketActivity.id))).all()
    assert [(author, data) for author, data in notes if "vip" in data] == [
        ("Bartek Zieliński", {"vip": True}), ("Tomasz Kamiński", {"vip": False})]


@pytest.mark.parametrize(("path", "body", "status", "error"), [
    ("/customers/%2B48699000111", {"vip": True}, 404, "customer-not-found"),
    ("/customers/not-a-number", {"vip": True}, 400, "invalid-phone-number"),
    ("/customers/%2B48602999888", {"vip": "yes"}, 400, "invalid-body"),
    ("/customers/%2B48602999888", {}, 400, "invalid-body"),
    ("/customers/%2B48602999888", {"vip": True, "name": "X"}, 400, "invalid-body"),
])
async def test_flagging_vip_refuses_bad_input_with_a_json_error(
        world: World,  # noqa: F811  (test_tickets_api's fixture)
        path: str, body: dict[str, object], status: int, error: str) -> None:
    refused = await world.call("anna", "PATCH", path, status, json=body)
    assert refused["error"] == error


@pytest.mark.browser
async def test_the_ticket_view_flags_the_customer_vip(live: Live, browser_page: Page) -> None:
    page = browser_page
    await live.user("anna", Role.AGENT, name="Anna Nowak", sip="PJSIP/agent3")
    tickets = TicketService(live.database, TicketsConfig())
    [recorded] = await tickets.record_calls([build_call(
        "15.b", Outcome.ABANDONED, caller_number="+48601222333", caller_name="Jan Kowalski")])
    await login(page, live, "anna")
    await page.goto(f"{live.url}/#/tickets/{recorded.ticket_number}")
    await page.wait_for_selector(".ticket-header input[name=vip]")
    assert await page.locator(".ticket-header .badge.vip").count() == 0

    await page.check(".ticket-header input[name=vip]")
    await page.wait_for_selector(".ticket-header .badge.vip")
    assert await page.locator(".ticket-header input[name=vip]").is_checked()
    async with live.database.sessions() as session:
        customer = await session.scalar(select(Customer).where(
            Customer.phone_e164 == "+48601222333"))
    assert customer is not None and customer.vip
