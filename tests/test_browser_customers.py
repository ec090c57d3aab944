"""Customers in Chromium (issue 13, item 12): an unknown caller is named from the ticket
view in two clicks, found as "wojcik" in the directory, and her page shows the call."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from ccengine.calls.model import Outcome
from ccengine.config import TicketsConfig
from ccengine.tickets.service import TicketService
from ccengine.users.models import Role
from tests.browser import Live, login, screenshot
from tests.conftest import build_call

pytestmark = pytest.mark.browser


async def test_an_unknown_caller_is_named_from_the_ticket_and_found_without_accents(
        live: Live, browser_page: Page) -> None:
    page = browser_page
    await live.user("anna", Role.AGENT, name="Anna Nowak", sip="PJSIP/agent3")
    tickets = TicketService(live.database, TicketsConfig())
    [recorded] = await tickets.record_calls([build_call(
        "16.a", Outcome.ABANDONED, caller_number="+48602333444", caller_name=None)])
    await login(page, live, "anna")
    await page.goto(f"{live.url}/#/tickets/{recorded.ticket_number}")

    await page.click(".ticket-header .name-caller-open")
    await page.fill(".ticket-header input[name=caller-name]", "Łucja Wójcik")
    await page.press(".ticket-header input[name=caller-name]", "Enter")
    await page.wait_for_selector(".ticket-header .customer-name:text('Łucja Wójcik')")

    await page.click("#nav a[data-view=customers]")
    await page.fill("form[name=search] input[name=q]", "wojcik")
    await page.press("form[name=search] input[name=q]", "Enter")
    await page.click(".customer-results a.customer-link:text('Łucja Wójcik')")
    await page.wait_for_selector(".customer li.call")
    calls = page.locator(".customer li.call")
    assert await calls.count() == 1
    assert recorded.ticket_number in await calls.first.inner_text()
    assert await page.input_value(".customer-card input[name=phones]") == "+48602333444"
    await screenshot(page, "customer")
