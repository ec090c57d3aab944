"""CSAT in real Chromium (SQLite and PostgreSQL): the customer opens the survey link
from the e-mail queued when their ticket was resolved, finds the score they clicked
chosen, writes a comment and sends it, and is thanked; the link then says it was
used; the ticket shows the score (the comment's card number masked), and the report
page draws the distribution."""

from __future__ import annotations

import re

from playwright.async_api import Page

from ccengine.config import TicketsConfig
from ccengine.tickets.enums import TicketStatus
from ccengine.tickets.service import TicketService
from ccengine.users.models import Role
from tests.browser import Live, login, screenshot
from tests.csat_helpers import mailbox_for, parsed, surveys_sent, ticket_for

LINK = re.compile(r"https?://\S+/csat/([A-Za-z0-9_.-]+)\?score=([1-5])")
NUMBER = "TK-2026-000077"


async def _survey_token(live: Live) -> str:
    await mailbox_for(live.database, "posprzedaz")
    ticket_id = await ticket_for(live.database, NUMBER, "posprzedaz",
                                 assignee="Agnieszka Wójcik")
    tickets = TicketService(live.database, TicketsConfig())
    await tickets.change_status(NUMBER, TicketStatus.RESOLVED, "Agnieszka Wójcik")
    [row] = await surveys_sent(live.database, ticket_id)
    body = parsed(row).get_body(("plain",))
    assert body is not None
    [token] = {token for token, _score in LINK.findall(body.get_content())}
    return token


async def test_the_customer_answers_and_the_ticket_shows_the_score(
        live: Live, browser_page: Page) -> None:
    page = browser_page
    token = await _survey_token(live)
    await page.goto(f"{live.url}/csat/{token}?score=4")
    await page.wait_for_selector("form.csat-card")
    assert await page.locator("h1").text_content() == "Jak oceniasz naszą pomoc?"
    assert NUMBER in (await page.locator(".csat-ticket").text_content() or "")
    assert await page.is_checked("input[name=score][value='4']")
    assert not await page.is_checked("input[name=score][value='5']")
    await page.fill("textarea[name=comment]", "Szybko i miło. Karta 4111 1111 1111 1111.")
    await screenshot(page, "csat-survey")
    await page.click("button[type=submit]")
    await page.wait_for_selector(".csat-card.done")
    assert await page.locator(".csat-card.done").text_content() == "Dziękujemy za odpowiedź!"
    await page.goto(f"{live.url}/csat/{token}?score=1")  # the link works once
    await page.wait_for_selector(".csat-card.done")
    assert "już wypełniona" in (await page.locator(".csat-card").text_content() or "")
    await page.goto(f"{live.url}/csat/{token[:-2]}xx?score=1")  # forged
    await page.wait_for_selector(".csat-card.refused")
    assert "nieprawidłowy" in (await page.locator(".csat-card").text_content() or "")

    await live.user("szef", Role.ADMIN)
    await login(page, live, "szef")
    await page.goto(f"{live.url}/#/tickets/{NUMBER}")
    await page.wait_for_selector(".ticket-header .badge.csat")
    assert "4/5" in (await page.locator(".ticket-header .badge.csat").text_content() or "")
    entry = page.locator(".timeline li[data-kind=csat]")
    text = await entry.text_content() or ""
    assert "Satysfakcja" in text and "ankieta e-mail" in text and "Szybko i miło" in text
    assert "1111" not in text
    await screenshot(page, "csat-ticket")

    await page.goto(f"{live.url}/#/csat")
    await page.wait_for_selector(".csat-chart")
    bars = page.locator(".csat-chart .csat-bar")
    counts = [await bars.nth(i).get_attribute("data-count") for i in range(5)]
    assert counts == ["0", "0", "0", "1", "0"]
    assert "Średnia 4" in (await page.locator(".csat-summary").text_content() or "")
    assert await page.locator("tr[data-name='Agnieszka Wójcik']").count() == 1
    await screenshot(page, "csat-report")
