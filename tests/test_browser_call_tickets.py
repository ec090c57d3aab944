"""Call tickets in real Chromium (issue 13, items 9 and 11): the agent chooses a
disposition in the wrap-up form of a queue that requires one, sees it on the ticket,
and calls the customer from the ticket's page; the call appears on the ticket."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import Page, expect

from ccengine.agents import ticket_calls
from ccengine.calls.model import Outcome, TimelineEntry
from ccengine.config import TicketsConfig
from ccengine.dispositions import service as dispositions
from ccengine.simulator.agi_calls import QueuePlan
from ccengine.tickets.service import TicketService
from ccengine.users.models import Role
from tests.browser import Live, login, open_app, screenshot
from tests.conftest import T0, build_call
from tests.test_agent_dispositions import publish_queue_rules
from tests.test_browser_agent import POP_WAIT_MS, _call, _console, _customer, _go_available

pytestmark = pytest.mark.browser


async def test_a_disposition_at_wrap_up_and_a_call_from_the_ticket(
        live: Live, browser_page: Page) -> None:
    page = browser_page
    await publish_queue_rules(live, disposition_required=True)
    for code, pl, en in (("sold", "Sprzedaż", "Sold"), ("info", "Informacja", "Information")):
        await dispositions.create(live.database, code, pl, en, None, T0)
    await live.user("agnieszka", Role.AGENT, name="Agnieszka Wójcik", sip="PJSIP/agent3")
    await _customer(live, "+48601111222", "Jan Kowalski", vip=False)
    await _console(page, live, "agnieszka")
    await _go_available(page)

    plan = QueuePlan(answered_by="Agnieszka Wójcik", interface=None, ring_seconds=2.0,
                     talk_seconds=2.0)
    call = await _call(live, "48601111222", "JAN KOWALSKI", plan, digits=("2",))
    await expect(page.locator(".pop-ringing, .pop-connected")).to_be_visible(
        timeout=POP_WAIT_MS)
    await call.finished(timeout=15)
    form = page.locator(".pop-wrap_up form.wrapup")
    await expect(form).to_be_visible(timeout=5_000)
    number = await form.locator(".pop-ticket a").text_content()
    assert number
    choice = form.locator("select[name=disposition]")
    await expect(choice.locator("option")).to_have_text(["— wybierz —", "Informacja",
                                                         "Sprzedaż"])
    await form.locator("textarea[name=note]").fill("Zamówienie złożone.")
    await form.locator("select[name=status]").select_option("resolved")
    await choice.select_option("sold")
    await screenshot(page, "agent-wrap-up-disposition")
    await form.get_by_role("button", name="Zapisz i zakończ").click()
    await expect(page.locator(".toast")).to_contain_text("Podsumowanie zapisane.")

    await open_app(page, live, f"/tickets/{number}")
    entry = page.locator(".timeline .entry.disposition")
    await expect(entry.locator("strong")).to_have_text("Kod zakończenia")
    await expect(entry.locator(".content")).to_have_text("sold: Sprzedaż / Sold")

    await page.get_by_role("button", name="Zadzwoń do klienta").click()
    await expect(page.locator(".toast").last).to_contain_text("Dzwoni Twój telefon")
    originate = live.server.members.originated[-1]
    assert (originate["Exten"], originate["Variable"]) == (
        "48601111222", f"CCENGINE_TICKET={number}")
    await expect(page.locator(".timeline .entry.note").last).to_contain_text(
        "Połączenie wychodzące do +48601111222")
    # The call ends (the tracker's record of the Originate): it lands on the ticket.
    dialled = TimelineEntry(T0 + timedelta(seconds=5), "dial_end",
                            {"number": "+48601111222", "status": "ANSWER"})
    own = build_call(originate["ActionID"], Outcome.EXTERNAL, caller_number="48601111222",
                     queue=None, talk_seconds=75, external_number="+48601111222",
                     timeline=(TimelineEntry(T0, "start", {}), dialled))
    await TicketService(live.database, TicketsConfig()).record_calls([own])
    await ticket_calls.log_end(live.database, own, T0 + timedelta(minutes=2))
    await page.reload()
    await expect(page.locator(".timeline .entry.note").filter(
        has_text="Połączenie wychodzące: answered, 1:15")).to_have_count(1)
    await expect(page.locator(".timeline .entry.call")).to_have_count(2)
    await screenshot(page, "ticket-outbound-call")


async def test_admins_keep_the_dispositions_in_their_page(live: Live,
                                                         browser_page: Page) -> None:
    page = browser_page
    await live.user("szef", Role.ADMIN, name="Szef")
    await login(page, live, "szef")
    await open_app(page, live, "/dispositions")
    await expect(page.locator("h1")).to_have_text("Kody zakończenia")
    form = page.locator("form[name=new-disposition]")
    await form.locator("input[name=code]").fill("complaint")
    await form.locator("input[name=label_pl]").fill("Reklamacja")
    await form.locator("input[name=label_en]").fill("Complaint")
    await form.get_by_role("button", name="Dodaj kod zakończenia").click()
    row = page.locator("tr[data-code=complaint]")
    await expect(row).to_contain_text("Reklamacja")
    await expect(row).to_contain_text("każda kolejka")
    async with page.expect_response(lambda answer: answer.request.method == "PATCH") as sent:
        await row.locator("input[name=active]").uncheck()
    assert (await sent.value).status == 200
    assert await dispositions.list_dispositions(live.database, active_only=True) == []
    await screenshot(page, "dispositions-admin")
