"""Naming "Nieznany rozmówca" from the agent console's pop in two clicks (issue 13,
item 12), in real Chromium against the simulated PBX: the button, then the name and
Enter; the pop shows the name at once and offers no second naming, the customer is
stored with it, and the ticket this call opened shows it too, with VIP switched from
the ticket by the customer's id."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select

from ccengine.customers.storage_models import CustomerPhone
from ccengine.simulator.agi_calls import QueuePlan
from ccengine.tickets.models import Customer
from ccengine.users.models import Role
from tests.browser import Live, screenshot
from tests.test_browser_agent import POP_WAIT_MS, _call, _console, _go_available

pytestmark = pytest.mark.browser


async def stored_customer(live: Live, e164: str) -> Customer:
    async with live.database.sessions() as session:
        customer = await session.scalar(
            select(Customer).join(CustomerPhone, CustomerPhone.customer_id == Customer.id)
            .where(CustomerPhone.e164 == e164))
        assert customer is not None
        return customer


async def test_an_unknown_caller_is_named_from_the_pop_in_two_clicks(
        live: Live, browser_page: Page) -> None:
    page = browser_page
    await live.user("magda", Role.AGENT, name="Magdalena Szymańska", sip="PJSIP/agent5")
    await _console(page, live, "magda")
    await _go_available(page)
    plan = QueuePlan(answered_by=None, interface=None, member_timeout=20.0)
    call = await _call(live, "48501222333", None, plan, digits=("3",))
    pop = page.locator(".pop-ringing")
    await expect(pop.locator(".pop-name")).to_have_text("Nieznany rozmówca",
                                                        timeout=POP_WAIT_MS)
    await pop.locator(".name-caller-open").click()  # one
    await pop.locator("input[name=caller-name]").fill("Zofia Żak")
    await pop.locator("input[name=caller-name]").press("Enter")  # two
    await expect(pop.locator(".pop-name")).to_have_text("Zofia Żak")
    await expect(pop.locator("form[name=name-caller]")).to_have_count(0)
    await expect(pop.locator(".name-caller-open")).to_have_count(0)
    await expect(pop.locator(".pop-unknown")).to_have_count(0)  # a known customer now
    await screenshot(page, "agent-pop-named")
    assert (await stored_customer(live, "+48501222333")).name == "Zofia Żak"
    ticket = await pop.locator(".pop-facts a").first.get_attribute("href")
    call.hang_up()

    assert ticket is not None
    await page.goto(f"{live.url}/{ticket}")
    header = page.locator(".ticket-header")
    await expect(header.locator(".customer-name")).to_have_text("Zofia Żak")
    await expect(header.locator(".name-caller-open")).to_have_count(0)  # named already
    await header.locator("input[name=vip]").check()
    await expect(header.locator(".badge.vip")).to_be_visible()
    assert (await stored_customer(live, "+48501222333")).vip is True
