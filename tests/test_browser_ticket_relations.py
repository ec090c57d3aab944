"""Merge, split and bulk edit in real Chromium: a merged number opens the survivor; a
call split off opens its new, linked ticket; three tickets change at once from the list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.async_api import Page

from ccengine.calls.model import Outcome
from ccengine.config import TicketsConfig
from ccengine.tickets.relations import TicketRelations
from ccengine.tickets.service import TicketService
from ccengine.users.models import Role
from tests.browser import Live, login, screenshot
from tests.conftest import build_call

pytestmark = pytest.mark.browser

T0 = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


async def _open_tickets(live: Live, count: int, same_caller: bool = False) -> list[str]:
    """``count`` open tickets, oldest first: missed calls each from its own caller, or
    answered calls all from one (a caller's missed calls share one callback ticket)."""
    outcome = Outcome.ANSWERED if same_caller else Outcome.ABANDONED
    calls = [build_call(f"r.{i}", outcome, started_at=T0 + timedelta(minutes=i),
                        caller_number=f"+4860100000{0 if same_caller else i}",
                        queue="reklamacje")
             for i in range(count)]
    recorded = await TicketService(live.database, TicketsConfig()).record_calls(calls)
    return [r.ticket_number for r in recorded]


async def _api(page: Page, path: str) -> Any:
    return await page.evaluate(
        "async (path) => (await fetch('/api/v1' + path)).json()", path)


async def test_merge_then_the_old_number_opens_the_survivor(
        live: Live, browser_page: Page) -> None:
    page = browser_page
    await live.user("tomasz", Role.PRIVILEGED_AGENT, name="Tomasz Kamiński")
    old, survivor = await _open_tickets(live, 2, same_caller=True)
    await login(page, live, "tomasz")
    await page.goto(f"{live.url}/#/tickets/{old}")
    await page.wait_for_selector("form[name=merge]")
    offered = page.locator("#merge-candidates option")
    await offered.first.wait_for(state="attached")  # the caller's other open ticket
    assert await offered.evaluate_all("options => options.map(o => o.value)") == [survivor]
    await page.fill("input[name=merge_into]", survivor)
    await page.click("form[name=merge] button[type=submit]")
    question = page.locator(".merge-confirm p")
    await question.wait_for()
    text = await question.text_content() or ""
    assert old in text and survivor in text  # the confirmation names both tickets
    await page.click("button[name=confirm_merge]")
    await page.wait_for_function(
        "(n) => document.querySelector('.ticket-header .number')?.textContent === n",
        arg=survivor)
    await page.goto(f"{live.url}/#/tickets/{old}")
    await page.wait_for_selector(".merged-banner")
    assert await page.locator(".ticket-header .number").text_content() == survivor
    banner = await page.locator(".merged-banner").text_content() or ""
    assert old in banner and "scalone" in banner
    calls = page.locator(".timeline li[data-kind=call]")
    assert await calls.count() == 2  # the merged ticket's call moved here
    assert await page.locator(".ticket-relations .merged").text_content() == (
        f"Scalone z tym zgłoszeniem: {old}")
    assert await page.locator("button[name=split]").count() == 2  # two calls: each may go
    await page.locator(".ticket-relations").scroll_into_view_if_needed()
    await screenshot(page, "tickets-merged")


async def test_bulk_bar_changes_three_tickets(live: Live, browser_page: Page) -> None:
    page = browser_page
    await live.user("tomasz", Role.PRIVILEGED_AGENT, name="Tomasz Kamiński")
    numbers = await _open_tickets(live, 4)
    await login(page, live, "tomasz")
    await page.click("#nav a[data-view=tickets]")
    await page.wait_for_selector("table.tickets tbody tr")
    assert not await page.locator("form[name=bulk]").is_visible()
    for number in numbers[:3]:
        await page.check(f"tr[data-number='{number}'] input[name=pick]")
    assert page.url.endswith("#/tickets")  # checking a row does not open it
    assert await page.locator(".bulk-count").text_content() == "Zaznaczono: 3"
    await page.select_option("select[name=bulk_status]", "in_progress")
    await page.select_option("select[name=bulk_priority]", "P1")
    await page.select_option("select[name=bulk_assignee]", "Tomasz Kamiński")
    await page.click("form[name=bulk] button[type=submit]")
    await page.wait_for_function(
        "document.querySelectorAll('table.tickets tbody .badge.P1').length === 3")
    for number in numbers:
        ticket = (await _api(page, f"/tickets/{number}"))["ticket"]
        changed = number in numbers[:3]
        assert (ticket["status"] == "in_progress") is changed
        assert (ticket["priority"] == "P1") is changed
        assert (ticket["assignee"] == "Tomasz Kamiński") is changed
    await screenshot(page, "tickets-bulk")

    for number in numbers[2:]:  # the list was reloaded: nothing is checked any more
        await page.check(f"tr[data-number='{number}'] input[name=pick]")
    await page.click("button[name=merge_selected]")
    question = await page.locator(".bulk-bar .merge-confirm p").text_content() or ""
    assert numbers[2] in question and numbers[3] in question
    assert await page.input_value("select[name=merge_target]") == numbers[2]  # the oldest
    await page.click(".bulk-bar button[name=confirm_merge]")
    await page.wait_for_function(
        "document.querySelectorAll('table.tickets tbody .status.closed').length === 1")
    shown = await _api(page, f"/tickets/{numbers[3]}")
    assert (shown["ticket"]["number"], shown["merged_from"]) == (numbers[2], numbers[3])


async def test_split_a_call_off_opens_the_new_linked_ticket(
        live: Live, browser_page: Page) -> None:
    page = browser_page
    await live.user("tomasz", Role.PRIVILEGED_AGENT, name="Tomasz Kamiński")
    old, kept = await _open_tickets(live, 2, same_caller=True)
    await TicketRelations(live.database, TicketsConfig()).merge(old, kept, "Tomasz Kamiński")
    await login(page, live, "tomasz")
    await page.goto(f"{live.url}/#/tickets/{kept}")
    await page.wait_for_selector("button[name=split]")
    await page.locator("li[data-kind=call] button[name=split]").last.click()
    await page.wait_for_function(
        "(n) => { const shown = document.querySelector('.ticket-header .number');"
        " return shown && shown.textContent !== n; }", arg=kept)
    new = await page.locator(".ticket-header .number").text_content() or ""
    links = page.locator(".ticket-relations ul.links li")
    assert await links.evaluate_all("items => items.map(i => [i.dataset.number, i.dataset.kind])"
                                    ) == [[kept, "related"]]
    assert await page.locator("li[data-kind=call]").count() == 1
    assert await page.locator("button[name=split]").count() == 0  # its only call stays
    detail = await _api(page, f"/tickets/{kept}")
    assert [link["number"] for link in detail["links"]] == [new]
    assert len(detail["calls"]) == 1
