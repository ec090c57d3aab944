"""Tickets' SLA in real Chromium: badges, the at-risk filter, the sort, both clocks, and a
badge turning amber then red as the page's (frozen, then moved) clock passes its moments."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Locator, Page, expect

from ccengine.sla import Pause
from ccengine.users.models import Role
from tests.browser import Live, login, screenshot
from tests.sla_tickets import SlaTicket, minutes, store

pytestmark = pytest.mark.browser

WARSAW = ZoneInfo("Europe/Warsaw")


def _tickets(now: datetime) -> list[SlaTicket]:
    """P1 (24/7): first response due 15 min after opening, warning from 12 min."""
    return [
        SlaTicket("TK-SLA-1", now - minutes(5), title="Na czas"),  # warns +7, due +10 min
        SlaTicket("TK-SLA-2", now - minutes(13), title="Zagrożone"),  # due +2 min
        SlaTicket("TK-SLA-3", now - minutes(60), status="waiting_for_customer",
                  responded=now - minutes(55), pauses=(Pause(now - minutes(30), None),),
                  title="Czeka na klienta"),
        SlaTicket("TK-SLA-4", now - minutes(120), status="closed", responded=now - minutes(110),
                  resolved=now - minutes(60), title="Załatwione"),
    ]


def _badge(page: Page, number: str) -> Locator:
    return page.locator(f"tr[data-number='{number}'] td.sla .sla-badge")


async def _numbers(page: Page) -> list[str]:
    rows = page.locator("table.tickets tbody tr")
    return [str(await rows.nth(i).get_attribute("data-number")) for i in range(await rows.count())]


async def test_sla_badges_filter_sort_and_turn_amber_then_red(live: Live,
                                                             browser_page: Page) -> None:
    page = browser_page
    now = datetime.now(UTC).replace(microsecond=0)
    await store(live.database, _tickets(now))
    await live.user("szef", Role.ADMIN, name="Szef Zmiany")
    # The page's clock starts at the server's "now" and moves only when the test says so.
    await page.clock.install(time=now)
    await page.clock.pause_at(now)
    await login(page, live, "szef")
    await page.click("#nav a[data-view=tickets]")
    await page.wait_for_selector("table.tickets")

    states = {number: await _badge(page, number).get_attribute("data-state")
              for number in ("TK-SLA-1", "TK-SLA-2", "TK-SLA-3", "TK-SLA-4")}
    assert states == {"TK-SLA-1": "ok", "TK-SLA-2": "warning", "TK-SLA-3": "paused",
                      "TK-SLA-4": "met"}
    due = (now + minutes(10)).astimezone(WARSAW).strftime("%H:%M")
    await expect(page.locator("tr[data-number='TK-SLA-1'] .sla-due")).to_contain_text(due)
    await expect(page.locator("th.sla")).to_have_text("SLA")

    await page.click("button[name=at_risk]")
    await expect(page.locator("table.tickets tbody tr")).to_have_count(1)
    assert await _numbers(page) == ["TK-SLA-2"]
    await page.click("button[name=at_risk]")
    await expect(page.locator("table.tickets tbody tr")).to_have_count(4)

    await page.click("button[name=sort_sla]")  # soonest due first, tickets without last
    await expect(page.locator("th.sla")).to_contain_text("↑")
    assert (await _numbers(page))[:2] == ["TK-SLA-2", "TK-SLA-1"]

    await page.clock.fast_forward("08:00")  # +8 min: TK-SLA-1 past 80 %, TK-SLA-2 due
    await expect(_badge(page, "TK-SLA-1")).to_have_attribute("data-state", "warning")
    await expect(_badge(page, "TK-SLA-2")).to_have_attribute("data-state", "breached")
    await expect(_badge(page, "TK-SLA-1")).to_have_text("Ostrzeżenie")
    await page.clock.fast_forward("03:00")  # +11 min: TK-SLA-1 due too
    await expect(_badge(page, "TK-SLA-1")).to_have_attribute("data-state", "breached")
    await expect(_badge(page, "TK-SLA-1")).to_have_text("Przekroczone")
    await screenshot(page, "tickets-sla")

    await page.click("tr[data-number='TK-SLA-1']")
    first = page.locator(".sla-clocks tr[data-clock=first_response]")
    await expect(first.locator(".sla-badge")).to_have_attribute("data-state", "breached")
    await expect(first.locator(".due")).to_contain_text(due)
    await expect(first.locator(".done")).to_have_text("—")
    resolution = page.locator(".sla-clocks tr[data-clock=resolution]")
    await expect(resolution.locator(".sla-badge")).to_have_attribute("data-state", "ok")
    await expect(page.locator(".sla-policy")).to_contain_text("P1")


async def test_the_ticket_view_shows_both_clocks_of_a_paused_ticket(
        live: Live, browser_page: Page) -> None:
    page = browser_page
    now = datetime.now(UTC).replace(microsecond=0)
    await store(live.database, _tickets(now))
    await live.user("szef", Role.ADMIN, name="Szef Zmiany")
    await login(page, live, "szef")
    await page.goto(f"{live.url}/#/tickets/TK-SLA-3")
    first = page.locator(".sla-clocks tr[data-clock=first_response]")
    await expect(first.locator(".sla-badge")).to_have_attribute("data-state", "met")
    await expect(first.locator(".sla-badge")).to_contain_text("✓")
    responded = (now - minutes(55)).astimezone(WARSAW).strftime("%H:%M")
    await expect(first.locator(".done")).to_contain_text(responded)
    resolution = page.locator(".sla-clocks tr[data-clock=resolution]")
    await expect(resolution.locator(".sla-badge")).to_have_attribute("data-state", "paused")
    await expect(resolution.locator(".percent")).to_have_text("12 %")  # 30 of 240 minutes
    await screenshot(page, "ticket-sla")
