"""Snoozing in real Chromium: the agent snoozes her ticket with a preset, it leaves the
list with a badge on the way, the sweep wakes it, and it is back in the list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Page

from ccengine.config import TicketsConfig
from ccengine.tickets.service import TicketService
from ccengine.tickets.snoozing import wake_due
from ccengine.users.models import Role
from tests.browser import Live, login, screenshot
from tests.conftest import build_call

pytestmark = pytest.mark.browser

ROWS = "table.tickets tbody tr"


async def _listed(page: Page) -> list[str]:
    return await page.locator(ROWS).evaluate_all("rows => rows.map(r => r.dataset.number)")


async def test_agent_snoozes_a_ticket_and_it_comes_back(live: Live, browser_page: Page) -> None:
    page = browser_page
    await live.user("anna", Role.AGENT, name="Anna Nowak", sip="PJSIP/agent3")
    started = datetime.now(UTC) - timedelta(minutes=10)
    [recorded] = await TicketService(live.database, TicketsConfig()).record_calls(
        [build_call("z.1", started_at=started, agent_name="Anna Nowak")])
    number = recorded.ticket_number
    await login(page, live, "anna")
    await page.goto(f"{live.url}/#/tickets/{number}")
    await page.wait_for_selector("form[name=snooze]")
    await page.click("form[name=snooze] button[data-preset=hour]")
    await page.wait_for_selector(".ticket-header .badge.snoozed")
    badge = await page.locator(".ticket-header .badge.snoozed").text_content() or ""
    assert badge.startswith("Odłożone do")
    assert await page.locator("form[name=snooze] button[name=wake]").count() == 1
    await screenshot(page, "ticket-snoozed")

    await page.click("a.back")
    await page.wait_for_selector("table.tickets, .ticket-results p.empty")
    assert number not in await _listed(page)

    # An hour later the sweep wakes it (called here rather than waited for).
    [woken] = await wake_due(live.database, datetime.now(UTC) + timedelta(hours=1, minutes=1))
    assert woken.number == number
    await page.click("form[name=filters] button[type=submit]")
    await page.wait_for_selector(f"{ROWS}[data-number='{number}']")
    row = page.locator(f"{ROWS}[data-number='{number}']")
    assert await row.locator(".badge.snoozed").count() == 0
    assert await row.locator(".status").text_content() == "W toku"
