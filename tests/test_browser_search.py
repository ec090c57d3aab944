"""The advanced search on the ticket list, in real Chromium: folded words in any form,
combined with a date range, and never a ticket the agent could not open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Page

from ccengine.calls.model import Outcome
from ccengine.config import TicketsConfig
from ccengine.tickets import queries
from ccengine.tickets.service import TicketService
from ccengine.users.models import Role
from tests.browser import Live, login, screenshot
from tests.conftest import build_call

pytestmark = pytest.mark.browser

T0 = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


async def _tickets(live: Live) -> dict[str, str]:
    """Anna's ticket, queue work, and Bartek's ticket whose words match too."""
    calls = {"anna": build_call("q.1", started_at=T0, caller_number="+48601000011"),
             "queue": build_call("q.2", Outcome.ABANDONED, started_at=T0 + timedelta(days=2),
                                 caller_number="+48601000012"),
             "bartek": build_call("q.3", started_at=T0, agent_name="Bartek Zieliński",
                                  caller_number="+48601000013")}
    now = [T0]  # each ticket is created when its call ends
    service = TicketService(live.database, TicketsConfig(), clock=lambda: now[0])
    numbers = {}
    for key, call in calls.items():
        now[0] = call.ended_at
        [recorded] = await service.record_calls([call])
        numbers[key] = recorded.ticket_number
    await service.add_note(numbers["anna"], "Żółć na fakturze", "Anna Nowak")
    await service.add_note(numbers["queue"], "Reklamacja faktury za buty", "Anna Nowak")
    await service.add_note(numbers["bartek"], "Reklamacja: żółć na fakturze", "Bartek")
    return numbers


async def test_an_agent_searches_folded_words_and_finds_only_her_tickets(
        live: Live, browser_page: Page) -> None:
    page = browser_page
    await live.user("anna", Role.AGENT, name="Anna Nowak", sip="PJSIP/agent3")
    numbers = await _tickets(live)
    await login(page, live, "anna")
    await page.click("#nav a[data-view=tickets]")
    await page.wait_for_selector("table.tickets tbody tr")
    await page.click("details.advanced-search summary")
    assert await page.locator("details.advanced-search summary").text_content() == (
        "Zaawansowana wyszukiwarka")

    async def rows_for(words: str, count: int) -> list[str | None]:
        await page.fill("input[name=q]", words)
        await page.click("form[name=filters] button[type=submit]")
        await page.wait_for_function(
            f"document.querySelectorAll('table.tickets tbody tr').length === {count}")
        return await page.locator("table.tickets tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.number)")

    assert await rows_for("ZOLC", 1) == [numbers["anna"]]  # not Bartek's, which matches too
    assert sorted(await rows_for("faktura", 2)) == sorted([numbers["anna"], numbers["queue"]])
    assert await rows_for("reklamacji", 1) == [numbers["queue"]]
    await page.fill("input[name=created_to]", "2026-11-24")  # the queue ticket is later
    await page.click("form[name=filters] button[type=submit]")
    await page.wait_for_selector("p.empty")
    await page.fill("input[name=created_to]", "")
    assert await rows_for("faktura buty", 1) == [numbers["queue"]]
    await screenshot(page, "tickets-search")


async def test_a_count_past_the_limit_shows_plus_and_pages_on(
        live: Live, browser_page: Page, monkeypatch: pytest.MonkeyPatch) -> None:
    """27 tickets, a page of 25, the count capped at 1 (so at the page's end, 25): "25+"
    and Next; the second page counts to the end and shows the exact 27."""
    monkeypatch.setattr(queries, "COUNT_LIMIT", 1)
    page = browser_page
    await live.user("admin", Role.ADMIN, name="Administrator")
    service = TicketService(live.database, TicketsConfig(), clock=lambda: T0)
    await service.record_calls([
        build_call(f"c.{n}", started_at=T0 + timedelta(minutes=n),
                   caller_number=f"+486020000{n:02d}") for n in range(27)])
    await login(page, live, "admin")
    await page.click("#nav a[data-view=tickets]")
    await page.wait_for_selector("table.tickets tbody tr")
    pager = page.locator(".pager .page-of")
    assert await pager.text_content() == "Strona 1 · zgłoszeń: 25+"
    await page.click(".pager button[name=next]")
    await page.wait_for_function(
        "document.querySelector('.pager .page-of').textContent.startsWith('Strona 2 z 2')")
    assert await pager.text_content() == "Strona 2 z 2 · zgłoszeń: 27"
    assert await page.locator("table.tickets tbody tr").count() == 2
    assert await page.locator(".pager button[name=next]").is_disabled()
