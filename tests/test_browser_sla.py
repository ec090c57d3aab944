"""The calendars and SLA page in real Chromium: the 14-day strip and the policies table."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from ccengine.users.models import Role
from tests.browser import Live, login, screenshot

pytestmark = pytest.mark.browser


async def test_admin_sees_each_calendar_over_14_days_and_the_policies(
        live: Live, browser_page: Page) -> None:
    page = browser_page
    await live.user("ewa", Role.ADMIN, name="Ewa Admin")
    await login(page, live, "ewa")
    await page.click("#nav a[data-view=sla]")
    await page.wait_for_selector(".sla-policy-table")
    assert await page.locator("h1").text_content() == "Kalendarze i SLA"
    business = page.locator('section.sla-calendar[data-calendar="business"]')
    assert await business.locator("li.sla-day").count() == 14
    # Every day is open with hours shown, or closed with the reason the server gave.
    for cell in await business.locator("li.sla-day").all():
        classes = await cell.get_attribute("class") or ""
        text = await cell.text_content() or ""
        assert ("08:00–18:00" in text) if "open" in classes.split() else ("closed" in classes)
    always = page.locator('section.sla-calendar[data-calendar="24/7"] li.sla-day')
    assert await always.count() == 14
    assert await always.first.text_content() is not None
    assert "00:00–24:00" in (await always.first.text_content() or "")
    rows = page.locator(".sla-policy-table tbody tr")
    assert await rows.count() == 4
    assert await rows.first.locator("td").all_text_contents() == [
        "P1", "P1", "każde zgłoszenie o tym priorytecie", "15 min", "4 godz.", "24/7"]
    await screenshot(page, "sla-calendars")


async def test_the_page_is_not_in_an_agents_menu(live: Live, browser_page: Page) -> None:
    await live.user("ola", Role.AGENT, name="Ola Agent", sip="PJSIP/agent1")
    await login(browser_page, live, "ola")
    assert await browser_page.locator("#nav a[data-view=sla]").count() == 0
