"""The agent console in real Chromium, against the whole application and a simulated PBX.

A consultant logs in through the form, logs in to her queues, and a call
placed on the simulated PBX (AsyncAGI through the example route graph, then
Queue() ringing the logged-in member) pops up on her screen: who calls, what
they chose in the IVR, the ticket it opened; then the active call, wrap-up,
pauses and a reload. Assertions read what a person sees on the page.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Page, expect

from ccengine.config import TicketsConfig
from ccengine.simulator.agi_calls import CallerScript, PlacedCall, QueuePlan
from ccengine.tickets.service import TicketService
from ccengine.users.models import Role
from ccengine.web.hub import HUB
from tests.browser import Live, login, open_app, screenshot

pytestmark = pytest.mark.browser

# A Monday morning, no holiday: the example contact center is open.
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Warsaw")).timestamp()
DID = "48221110000"
# The pop follows the ring within a moment; the call first walks the IVR, and the
# machine running the tests may be busy: this bounds the whole, not the pop alone.
POP_WAIT_MS = 10_000
TICKET_NUMBER = re.compile(r"^TK-\d{4}-\d{6}$")


async def _customer(live: Live, phone: str, name: str, *, vip: bool) -> None:
    await TicketService(live.database, TicketsConfig()).add_customer(phone, name, vip)
    # Routing keeps the VIP numbers in memory, refreshed every couple of seconds: a
    # call placed before that would not know this caller is a VIP yet.
    routing = live.engine.routing
    assert routing is not None  # the live app routes calls
    await routing.refresh()


async def _call(live: Live, number: str, name: str | None, plan: QueuePlan,
                digits: tuple[str, ...] = ()) -> PlacedCall:
    script = CallerScript(number=number, name=name, did=DID, digits=digits, queues=(plan,))
    return await live.agi.place_call(script, at=MONDAY_10)


async def _console(page: Page, live: Live, user: str) -> None:
    await login(page, live, user)
    await open_app(page, live, "/agent")
    await expect(page.locator(".agent-state-label")).to_be_visible()


async def _missed_call(live: Live, page: Page, number: str) -> str:
    """A call that gives up waiting in reklamacje (nobody there): a callback ticket.
    Returns its number, once the console's callback list shows it."""
    plan = QueuePlan(answered_by=None, interface=None, abandon_after=1.0)
    await (await _call(live, number, None, plan, digits=("3",))).finished(timeout=15)
    item = page.locator(".callback").filter(has_text=f"+{number}")
    deadline = asyncio.get_running_loop().time() + 60  # a bound, not an expected time
    while asyncio.get_running_loop().time() < deadline:  # written just after the hang-up
        await page.get_by_role("button", name="Odśwież").click()
        if await item.count():
            break
        await asyncio.sleep(0.2)
    ticket = await item.first.get_attribute("data-ticket")
    assert ticket is not None and TICKET_NUMBER.match(ticket)
    return ticket


async def _go_available(page: Page) -> None:
    await expect(page.locator(".agent-state-label")).to_have_text("Wylogowany")
    await page.get_by_role("button", name="Zaloguj do kolejek").click()
    await expect(page.locator(".agent-state-label")).to_have_text("Dostępny")


async def test_a_call_pops_up_then_is_answered_and_wrapped_up(live: Live,
                                                              browser_page: Page) -> None:
    page = browser_page
    await live.user("magda", Role.AGENT, name="Magdalena Szymańska", sip="PJSIP/agent5")
    await _customer(live, "+48601111222", "Jan Kowalski", vip=False)
    await _console(page, live, "magda")
    earlier = await _missed_call(live, page, "48601111222")  # before she logs in
    await expect(page.locator(".queue-choice")).to_contain_text(["reklamacje"])
    await _go_available(page)
    await expect(page.locator(".queue-chips")).to_contain_text("reklamacje")

    plan = QueuePlan(answered_by="Magdalena Szymańska", interface=None, ring_seconds=4.0,
                     talk_seconds=3.0)
    call = await _call(live, "48601111222", "JAN KOWALSKI", plan, digits=("3",))

    pop = page.locator(".pop-ringing")
    await expect(pop).to_be_visible(timeout=POP_WAIT_MS)
    await expect(pop.locator(".pop-name")).to_have_text("Jan Kowalski")
    await expect(pop.locator(".pop-number")).to_have_text("+48601111222")
    await expect(pop.locator(".pop-ivr")).to_have_text("menu 3 → Reklamacje")
    await expect(pop.locator(".pop-queue")).to_have_text("reklamacje")
    await expect(pop.locator(".pop-kind")).to_have_text("Połączenie przychodzące")
    await expect(page.locator(".agent-state-label")).to_have_text("Dzwoni")
    await expect(page).to_have_title("☎ Połączenie przychodzące: Jan Kowalski")
    ticket = pop.locator(".pop-facts .pop-ticket a")
    await expect(ticket).to_have_text(TICKET_NUMBER)
    number = await ticket.text_content()
    assert number is not None
    assert await ticket.get_attribute("href") == f"#/tickets/{number}"
    assert number != earlier
    recent = pop.locator(".pop-history a")
    await expect(recent).to_have_text([earlier])
    assert await recent.get_attribute("href") == f"#/tickets/{earlier}"
    await screenshot(page, "agent-console-pop")

    active = page.locator(".pop-connected")
    await expect(active).to_be_visible(timeout=8_000)
    await expect(active.locator(".pop-kind")).to_have_text("Trwa rozmowa")
    await expect(active.locator(".pop-clock")).to_contain_text("Rozmowa")
    await expect(page).to_have_title("ccengine")
    await expect(page.locator(".agent-state-label")).to_have_text("W rozmowie")

    await call.finished(timeout=15)
    form = page.locator(".pop-wrap_up form.wrapup")
    await expect(form).to_be_visible(timeout=5_000)
    await expect(page.locator(".agent-state-label")).to_have_text("Po rozmowie")
    await expect(page.locator(".pop-wrap_up .pop-clock")).to_contain_text("Pozostało")
    await expect(form.locator(".pop-ticket a")).to_have_text(number)
    await form.locator("textarea[name=note]").fill("Klient zgłasza uszkodzoną paczkę.")
    await form.locator("select[name=status]").select_option("closed")
    await screenshot(page, "agent-console-wrap-up")
    await form.get_by_role("button", name="Zapisz i zakończ").click()
    await expect(page.locator(".toast")).to_contain_text("Podsumowanie zapisane.")
    await expect(page.locator(".pop")).to_have_count(0)
    await expect(page.locator(".agent-state-label")).to_have_text("Dostępny")

    # The ticket, as the ticket workspace reads it through the API.
    answer = await page.request.get(f"{live.url}/api/v1/tickets/{number}")
    detail = await answer.json()
    assert detail["ticket"]["status"] == "closed"
    assert "Klient zgłasza uszkodzoną paczkę." in json.dumps(detail, ensure_ascii=False)
    notes = [a["body"] for a in detail["activities"] if a["kind"] == "note"]
    assert notes == ["Klient zgłasza uszkodzoną paczkę."], "the saved draft is not sent again"


async def test_a_missed_call_is_called_back_and_the_outcome_recorded(
        live: Live, browser_page: Page) -> None:
    page = browser_page
    await live.user("piotr", Role.AGENT, name="Piotr Zieliński", sip="PJSIP/agent2")
    await _customer(live, "+48603555666", "Anna Wiśniewska", vip=False)
    await _console(page, live, "piotr")
    ticket = await _missed_call(live, page, "48603555666")
    item = page.locator(f".callback[data-ticket='{ticket}']")
    await expect(item.locator(".callback-name")).to_have_text("Anna Wiśniewska")
    await expect(item.locator(".callback-attempts")).to_contain_text("jeszcze żadnej")

    await item.get_by_role("button", name="Oddzwoń").click()
    calling = item.locator(".calling")
    await expect(calling).to_have_text("Telefon odebrany: łączymy z klientem.")
    originated = live.server.members.originated
    assert [(o["Channel"], o["Exten"]) for o in originated] == [("PJSIP/agent2", "48603555666")]
    await screenshot(page, "agent-console-callback")

    await item.locator("select[name=outcome]").select_option("reached")
    await item.locator("input[name=note]").fill("Umówiona wymiana towaru.")
    await item.get_by_role("button", name="Zapisz wynik").click()
    # Reached: the callback is done, its ticket closed, and it leaves the list.
    await expect(page.locator(f".callback[data-ticket='{ticket}']")).to_have_count(0)
    answer = await page.request.get(f"{live.url}/api/v1/tickets/{ticket}")
    detail = await answer.json()
    assert detail["ticket"]["status"] == "closed"
    assert any(a["body"] == "Oddzwonienie: reached — Umówiona wymiana towaru."
               for a in detail["activities"])


async def test_pause_with_a_reason_resume_and_reload_keep_the_truth(
        live: Live, browser_page: Page) -> None:
    page = browser_page
    await live.user("tomek", Role.PRIVILEGED_AGENT, name="Tomasz Kamiński", sip="PJSIP/agent4")
    await _console(page, live, "tomek")
    await _go_available(page)

    await page.select_option("select[name=reason]", "lunch")
    await page.get_by_role("button", name="Rozpocznij przerwę").click()
    state = page.locator(".agent-state")
    await expect(state.locator(".agent-state-label")).to_have_text("Przerwa")
    await expect(state.locator(".agent-reason")).to_have_text("Lunch/Obiad")
    reasons = await page.locator("select[name=reason] option").all_text_contents()
    assert reasons == []  # paused: the select gives way to Resume

    await page.reload()
    await page.wait_for_selector("body[data-ready=true]")
    await expect(state.locator(".agent-state-label")).to_have_text("Przerwa")
    await expect(state.locator(".agent-reason")).to_have_text("Lunch/Obiad")
    await expect(state).to_contain_text("od ")

    await page.get_by_role("button", name="Wznów pracę").click()
    await expect(state.locator(".agent-state-label")).to_have_text("Dostępny")
    await expect(state.locator(".agent-reason")).to_have_count(0)
    labels = await page.locator("select[name=reason] option").all_text_contents()
    assert labels[:4] == ["Przerwa", "Lunch/Obiad", "Szkolenie", "Praca biurowa"]

    await page.get_by_role("button", name="Wyloguj z kolejek").click()
    await expect(state.locator(".agent-state-label")).to_have_text("Wylogowany")
    await page.reload()
    await page.wait_for_selector("body[data-ready=true]")
    await expect(page.locator(".agent-state-label")).to_have_text("Wylogowany")


async def test_a_dropped_socket_comes_back_with_the_truth(live: Live,
                                                          browser_page: Page) -> None:
    page = browser_page
    await live.user("kasia", Role.AGENT, name="Katarzyna Lewandowska", sip="PJSIP/agent1")
    await _console(page, live, "kasia")
    await _go_available(page)
    badge = page.locator(".live-badge")
    await expect(badge).to_have_text("Na żywo")

    # The network goes; the server drops the socket; meanwhile she is paused
    # (here through the API from outside the page): the page cannot hear of it.
    await page.context.set_offline(True)
    await live.app[HUB].close_all()
    await expect(badge).to_have_text("Łączenie ponowne…")
    me = await (await page.request.get(f"{live.url}/api/v1/me")).json()
    paused = await page.request.post(f"{live.url}/api/v1/agent/pause",
                                     data={"reason": "training"},
                                     headers={"X-CSRF-Token": me["csrf_token"]})
    assert paused.ok
    await expect(page.locator(".agent-state-label")).to_have_text("Dostępny")

    await page.context.set_offline(False)
    await expect(badge).to_have_text("Na żywo", timeout=20_000)
    await expect(page.locator(".agent-state-label")).to_have_text("Przerwa")
    await expect(page.locator(".agent-reason")).to_have_text("Szkolenie")


async def test_two_tabs_of_one_agent_both_show_a_vip_pop(live: Live,
                                                         browser_page: Page) -> None:
    # A VIP caller skips the menu and waits in the seniors' queue (vip): Ewa is in it.
    await live.user("ewa", Role.PRIVILEGED_AGENT, name="Ewa Dąbrowska", sip="PJSIP/agent6")
    await _customer(live, "+48602333444", "Grażyna Nowak", vip=True)
    first = browser_page
    await _console(first, live, "ewa")
    await _go_available(first)
    second = await first.context.new_page()
    await open_app(second, live, "/agent")
    await expect(second.locator(".agent-state-label")).to_have_text("Dostępny")

    plan = QueuePlan(answered_by=None, interface=None, member_timeout=20.0)
    call = await _call(live, "48602333444", None, plan)
    for page in (first, second):
        pop = page.locator(".pop-ringing")
        await expect(pop).to_be_visible(timeout=POP_WAIT_MS)
        await expect(pop.locator(".pop-name")).to_have_text("Grażyna Nowak")
        await expect(pop.locator(".pop-vip")).to_have_text("VIP")
        await expect(pop.locator(".pop-queue")).to_have_text("vip")
    await first.bring_to_front()  # a background tab's animations stand still
    await screenshot(first, "agent-console-vip-pop")
    call.hang_up()
    for page in (first, second):
        await expect(page.locator(".pop-missed .pop-note")).to_be_visible(timeout=5_000)
    await second.close()


async def test_a_hostile_caller_name_stays_text(live: Live, browser_page: Page) -> None:
    page = browser_page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await live.user("magda", Role.AGENT, name="Magdalena Szymańska", sip="PJSIP/agent5")
    await _console(page, live, "magda")
    await _go_available(page)
    hostile = "<script>alert(1)</script>"
    plan = QueuePlan(answered_by=None, interface=None, member_timeout=20.0)
    call = await _call(live, "48501987654", hostile, plan, digits=("3",))
    pop = page.locator(".pop-ringing")
    await expect(pop.locator(".pop-name")).to_have_text(hostile, timeout=POP_WAIT_MS)
    assert await page.locator(".pop script").count() == 0
    call.hang_up()
    await asyncio.sleep(0.5)
    assert dialogs == []


async def test_a_user_without_a_phone_is_told_why(live: Live, browser_page: Page) -> None:
    page = browser_page
    await live.user("nowy", Role.AGENT, name="Nowy Konsultant")  # no SIP interface
    await _console(page, live, "nowy")
    await expect(page.locator(".agent-error")).to_have_text(
        "Twoje konto nie ma przypisanego telefonu (interfejsu SIP). Poproś administratora.")
    await expect(page.get_by_role("button", name="Zaloguj do kolejek")).to_be_disabled()
