"""The CRM card in real Chromium, a real HTTP server as the CRM: the agent's pop
shows it loading, then the customer's orders and links (opening in a new tab
without an opener); a CRM too slow shows "look-up failed (timeout)" while the pop
stays; the ticket page shows the card, and an answer with a javascript: link
shows as failed with nothing of it on the page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.async_api import Page, expect

from ccengine.config import TicketsConfig
from ccengine.simulator.agi_calls import QueuePlan
from ccengine.tickets.manual import ForPhone, ManualTicket, open_ticket
from ccengine.users.models import Role
from tests.browser import Live, login, open_app, screenshot
from tests.crm_fake import ANNA, FakeCrm
from tests.crm_fake import crm as crm  # the fixture
from tests.engine_harness import eventually
from tests.test_browser_agent import POP_WAIT_MS, _call, _console, _go_available
from tests.test_crm_api import use_crm

pytestmark = pytest.mark.browser

HOSTILE_NAME = '<img src=x onerror="document.title=1">Anna'


async def test_the_pop_shows_the_crm_card_after_loading(
        live: Live, browser_page: Page, crm: FakeCrm) -> None:
    page = browser_page
    crm.answer("+48501222333", ANNA)
    crm.hold = True
    use_crm(live, crm, timeout_seconds=10.0)
    await live.user("magda", Role.AGENT, name="Magdalena Szymańska", sip="PJSIP/agent5")
    await _console(page, live, "magda")
    await _go_available(page)
    plan = QueuePlan(answered_by=None, interface=None, member_timeout=20.0)
    call = await _call(live, "48501222333", None, plan, digits=("3",))
    pop = page.locator(".pop-ringing")
    await expect(pop.locator(".pop-name")).to_be_visible(timeout=POP_WAIT_MS)
    await expect(pop.locator(".crm-card .crm-loading")).to_have_text("Wyszukiwanie w CRM…")
    crm.release.set()
    card = pop.locator(".crm-card.crm-state-found")
    await expect(card.locator(".crm-name")).to_have_text("Anna Nowak")
    await expect(card.locator(".crm-segment")).to_have_text("gold")
    await expect(card.locator(".crm-order-status")).to_have_text(["shipped", "delivered"])
    order = card.locator(".crm-order a")
    await expect(order).to_have_attribute("href", "https://shop.example/o/Z-501")
    await expect(order).to_have_attribute("target", "_blank")
    await expect(order).to_have_attribute("rel", "noopener noreferrer")
    await expect(card.locator(".crm-links a")).to_have_text("Open in CRM")
    await screenshot(page, "agent-pop-crm")
    await page.reload()  # a page opened during the call missed the socket's message
    await expect(page.locator(".pop .crm-card.crm-state-found .crm-name")).to_have_text(
        "Anna Nowak", timeout=POP_WAIT_MS)
    assert len(crm.asked) == 1, "the reloaded page's answer came from the cache"
    call.hang_up()


async def test_a_crm_too_slow_shows_failed_in_the_pop(
        live: Live, browser_page: Page, crm: FakeCrm) -> None:
    page = browser_page
    crm.answer("+48501222333", ANNA, delay=5.0)
    use_crm(live, crm, timeout_seconds=0.5)
    await live.user("magda", Role.AGENT, name="Magdalena Szymańska", sip="PJSIP/agent5")
    await _console(page, live, "magda")
    await _go_available(page)
    plan = QueuePlan(answered_by=None, interface=None, member_timeout=20.0)
    call = await _call(live, "48501222333", None, plan, digits=("3",))
    pop = page.locator(".pop-ringing")
    await expect(pop.locator(".crm-failed")).to_have_text(
        "Wyszukiwanie nie powiodło się (limit czasu)", timeout=POP_WAIT_MS)
    await expect(pop.locator(".pop-name")).to_be_visible()
    call.hang_up()


async def test_the_ticket_page_shows_the_crm_card_and_a_failed_answer(
        live: Live, browser_page: Page, crm: FakeCrm) -> None:
    page = browser_page
    crm.answer("+48601111222", ANNA)
    crm.answer("+48601111333", {**ANNA, "links": [{"label": "klik",
                                                   "url": "javascript:alert(1)"}]})
    crm.answer("+48601111444", {**ANNA, "name": HOSTILE_NAME})
    use_crm(live, crm)
    await live.user("szef", Role.ADMIN, name="Szef")
    await login(page, live, "szef")
    numbers = [await open_ticket(live.database, ManualTicket("Paczka", ForPhone(phone)),
                                 "Szef", "in the page", datetime.now(UTC), TicketsConfig())
               for phone in ("+48601111222", "+48601111333", "+48601111444")]
    await eventually(lambda: len(crm.asked) == 3)
    await open_app(page, live, f"/tickets/{numbers[0]}")
    card = page.locator(".crm-card.crm-state-found")
    await expect(card.locator(".crm-name")).to_have_text("Anna Nowak")
    await expect(card.locator(".crm-order")).to_have_count(2)
    await expect(card.locator(".crm-links a")).to_have_attribute("rel", "noopener noreferrer")
    await screenshot(page, "ticket-crm")
    await open_app(page, live, f"/tickets/{numbers[1]}")
    await expect(page.locator(".crm-card .crm-failed")).to_have_text(
        "Wyszukiwanie nie powiodło się (nieprawidłowa odpowiedź)")
    assert await page.locator("a[href^=javascript]").count() == 0
    await open_app(page, live, f"/tickets/{numbers[2]}")
    card = page.locator(".crm-card.crm-state-found")
    await expect(card.locator(".crm-name")).to_have_text(HOSTILE_NAME)  # as text
    await expect(card.locator("img")).to_have_count(0)
    assert len(crm.asked) == 3, "the pages' answers came from the cache"
