"""An agent's day in real Chromium against the whole application and a simulated PBX:
a wrap-up note survives a visit to the ticket and is saved when time runs out."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from playwright.async_api import Dialog, Page, expect
from sqlalchemy import select

from ccengine.agents.api import CONSOLE
from ccengine.calls.model import Outcome
from ccengine.config import TicketsConfig
from ccengine.simulator.agi_calls import QueuePlan
from ccengine.tickets.models import Ticket, TicketActivity
from ccengine.tickets.service import TicketService
from ccengine.users.models import Role
from tests.browser import Live
from tests.conftest import build_call
from tests.engine_harness import eventually
from tests.test_browser_agent import _call, _console, _go_available, _missed_call
from tests.test_qa_api import write_wav
from tests.test_voicemail_transcription import _transcribed, _voicemail_callback

pytestmark = pytest.mark.browser

NOTE = "Klient prosi o fakturę korygującą."


async def test_a_wrap_up_note_is_never_lost(live: Live, browser_page: Page) -> None:
    page = browser_page
    await live.user("magda", Role.AGENT, name="Magdalena Szymańska", sip="PJSIP/agent5")
    await _console(page, live, "magda")
    await _go_available(page)
    plan = QueuePlan(answered_by="Magdalena Szymańska", interface=None, ring_seconds=1.0,
                     talk_seconds=1.0)
    call = await _call(live, "48601111222", "Jan Kowalski", plan, digits=("3",))
    await call.finished(timeout=15)
    form = page.locator(".pop-wrap_up form.wrapup")
    await expect(form).to_be_visible(timeout=10_000)
    number = await form.locator(".pop-ticket a").text_content()
    await form.locator("textarea[name=note]").fill(NOTE)

    # To the ticket and back: the half-written note is still there.
    await form.locator(".pop-ticket a").click()
    await expect(page.locator(".agent-console")).to_have_count(0)
    await page.go_back()
    await expect(form.locator("textarea[name=note]")).to_have_value(NOTE)

    # Wrap-up time runs out while she is away from the console: the note is saved.
    await page.evaluate("location.hash = '#/tickets'")
    await expect(page.locator(".agent-console")).to_have_count(0)
    console = live.app[CONSOLE]
    clock = console.clock
    console.clock = lambda: clock() + timedelta(hours=1)
    await eventually(lambda: "PJSIP/agent5" not in console.pops)
    console.clock = clock
    await page.go_back()
    await expect(page.locator(".toast")).to_contain_text(f"zapisana w zgłoszeniu {number}")
    await expect(page.locator(".pop")).to_have_count(0)
    assert await notes(page, live, str(number)) == [NOTE]
    await page.reload()  # saved once: a reload sends nothing again
    await expect(page.locator(".agent-state-label")).to_have_text("Dostępny")
    assert await notes(page, live, str(number)) == [NOTE]


async def notes(page: Page, live: Live, number: str) -> list[str]:
    answer = await page.request.get(f"{live.url}/api/v1/tickets/{number}")
    return [a["body"] for a in (await answer.json())["activities"] if a["kind"] == "note"]


async def test_callbacks_one_per_caller_taken_and_refused_in_wrap_up(
        live: Live, browser_page: Page) -> None:
    page = browser_page
    await live.user("piotr", Role.AGENT, name="Piotr Zieliński", sip="PJSIP/agent2")
    await _console(page, live, "piotr")
    await _missed_call(live, page, "48603555666")
    ticket = await _missed_call(live, page, "48603555666")
    items = page.locator(".callback").filter(has_text="+48603555666")
    for _ in range(50):  # the second ticket is written just after the hang-up
        await page.get_by_role("button", name="Odśwież").click()
        if await items.locator(".callback-missed").count():
            break
        await asyncio.sleep(0.2)
    await expect(items).to_have_count(1)
    await expect(items.locator(".callback-missed")).to_contain_text("nieodebrane połączenia: 2")
    await items.get_by_role("button", name="Biorę").click()
    await expect(items.locator(".callback-holder")).to_have_text("Oddzwania: Piotr Zieliński")
    assert ticket  # the list's one entry stands for both tickets
    await items.locator("input[name=callback-at]").fill("2026-11-23T15:00")
    await items.get_by_role("button", name="Ustaw godzinę").click()
    await expect(items.locator(".callback-scheduled")).to_contain_text("15:00")


@pytest.mark.parametrize("leave", [True, False])
async def test_logging_out_of_the_page_asks_about_the_queues(
        live: Live, browser_page: Page, leave: bool) -> None:
    page = browser_page
    await live.user("magda", Role.AGENT, name="Magdalena Szymańska", sip="PJSIP/agent5")
    await _console(page, live, "magda")
    await _go_available(page)
    asked: list[str] = []

    async def answer(dialog: Dialog) -> None:
        asked.append(dialog.message)
        await (dialog.accept() if leave else dialog.dismiss())

    page.on("dialog", answer)
    await page.locator("#logout").click()
    await expect(page.locator(".toast")).to_contain_text(
        "Wylogowano z kolejek." if leave else "Pozostajesz w kolejkach")
    await expect(page.locator("form.login")).to_be_visible()
    assert len(asked) == 1 and "Wylogować także z kolejek?" in asked[0]
    members = {i for (_, i) in live.server.members.members}
    assert ("PJSIP/agent5" in members) is not leave


DRAFT_KEYS = "() => Object.keys(localStorage).filter((k) => k.startsWith('ccengine.wrapup.'))"
KEEP_DRAFTS = """async (ticket) => {
  const drafts = await import('/static/views/agent/drafts.js');
  drafts.keepDraft('ola.1', { ticket, note: 'Notatka Oli' });
  drafts.keepDraft('ola.2', { ticket: 'TK-2026-999999', note: 'Bilet usunięty' });
}"""


async def test_drafts_leave_with_the_user_on_a_shared_browser(
        live: Live, browser_page: Page) -> None:
    page = browser_page
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.dismiss()))
    await live.user("ola", Role.AGENT, name="Ola Lis", sip="PJSIP/agent5")
    await live.user("piotr", Role.AGENT, name="Piotr Kos", sip="PJSIP/agent6")
    tickets = TicketService(live.database, TicketsConfig())
    [recorded] = await tickets.record_calls([build_call(
        "3.d", Outcome.ABANDONED, caller_number="+48601222444")])
    await _console(page, live, "ola")
    await page.evaluate(KEEP_DRAFTS, recorded.ticket_number)
    assert len(await page.evaluate(DRAFT_KEYS)) == 2
    await page.locator("#logout").click()
    await expect(page.locator("form.login")).to_be_visible()
    assert await page.evaluate(DRAFT_KEYS) == []  # the 404 one too: no retrying forever

    await _console(page, live, "piotr")
    await page.wait_for_load_state("networkidle")
    async with live.database.sessions() as session:
        notes = (await session.execute(
            select(TicketActivity.author, TicketActivity.body)
            .join(Ticket, TicketActivity.ticket_id == Ticket.id)
            .where(Ticket.number == recorded.ticket_number,
                   TicketActivity.kind == "note"))).all()
    assert [tuple(note) for note in notes] == [("Ola Lis", "Notatka Oli")]


async def test_the_list_plays_a_voicemail_only_once_redacted(
        live: Live, browser_page: Page) -> None:
    page = browser_page
    await live.user("piotr", Role.AGENT, name="Piotr Zieliński", sip="PJSIP/agent2")
    wav = write_wav(live.recordings / "msg0001.wav")
    number = await _voicemail_callback(live, wav)
    await _console(page, live, "piotr")
    item = page.locator(".callback").filter(has_text=number)
    await expect(item.locator(".callback-voicemail")).to_contain_text(
        "czeka na wyciszenie danych osobowych")
    await expect(item.locator("audio")).to_have_count(0)

    await _transcribed(live, audio_redacted=True)
    await page.get_by_role("button", name="Odśwież").click()
    player = item.locator(".callback-voicemail audio")
    await expect(player).to_have_count(1)
    await expect(player).to_have_attribute("aria-label", "Wiadomość głosowa dzwoniącego")
    src = await player.get_attribute("src")
    answer = await page.request.get(f"{live.url}{src}")
    assert answer.status == 200 and await answer.body() == wav.read_bytes()
