"""The ticket workspace in real Chromium: filter, open, hostile text stays text, edit, note."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.async_api import Page
from sqlalchemy import select

from ccengine.calls.model import Outcome, RouteTaken
from ccengine.config import TicketsConfig
from ccengine.tickets.enums import ActivityKind
from ccengine.tickets.models import Call, TicketActivity
from ccengine.tickets.service import TicketService
from ccengine.users.models import Role
from tests.browser import Live, login, screenshot
from tests.conftest import build_call

pytestmark = pytest.mark.browser

SCRIPT = "<script>alert(1)</script>"
IMAGE = '<img src=x onerror="window.pwned=1;alert(2)">'
T0 = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
ROUTE = RouteTaken(graph="ecommerce", version=1, ended_by="queue", digits="3", path=(
    {"node": "infolinia", "kind": "entry", "branch": "next", "reason": "DID"},
    {"node": "menu", "kind": "menu", "branch": "option 3", "reason": "digit 3"},
    {"node": "kolejka-reklamacje", "kind": "queue", "branch": "ended", "reason": "answered"}))


async def _tickets(live: Live) -> dict[str, str]:
    """Anna's answered call from a hostile caller name, queue work, and Bartek's ticket."""
    calls = [
        build_call("b.1", started_at=T0, caller_name=SCRIPT, queue="reklamacje",
                   recording_file="/var/spool/asterisk/monitor/b.1.wav", route=ROUTE),
        build_call("b.2", Outcome.ABANDONED, started_at=T0 + timedelta(minutes=5),
                   caller_number="+48601222333", caller_name="Jan Kowalski",
                   queue="posprzedaz"),
        build_call("b.3", started_at=T0 + timedelta(minutes=9), caller_number="+48603444555",
                   agent_name="Bartek Zieliński", caller_name=IMAGE),
    ]
    service = TicketService(live.database, TicketsConfig())
    recorded = await service.record_calls(calls)
    numbers = dict(zip(("hostile", "queue", "bartek"), (r.ticket_number for r in recorded),
                       strict=True))
    await service.add_note(numbers["hostile"], IMAGE, "Anna Nowak")
    await _transcript(live, "b.1")
    return numbers


async def _transcript(live: Live, linkedid: str) -> None:
    async with live.database.writer() as session:
        call = (await session.scalars(select(Call).where(Call.linkedid == linkedid))).one()
        session.add(TicketActivity(
            ticket_id=call.ticket_id, call_id=call.id, kind=ActivityKind.TRANSCRIPT,
            body="…", author="transcription", created_at=T0 + timedelta(minutes=4),
            data={"segments": [
                {"speaker": "agent", "start": 0.8, "end": 3.1,
                 "text": "Dzień dobry, dział reklamacji, w czym mogę pomóc?"},
                {"speaker": "klient", "start": 3.6, "end": 9.0,
                 "text": "Buty rozkleiły się po tygodniu, mój PESEL to [PESEL]."}]}))
        await session.commit()


async def _api(page: Page, path: str) -> Any:
    """The REST API as the page itself reaches it (the session cookie)."""
    return await page.evaluate(
        "async (path) => (await fetch('/api/v1' + path)).json()", path)


async def test_agent_filters_opens_edits_and_hostile_text_stays_text(
        live: Live, browser_page: Page) -> None:
    page = browser_page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await live.user("anna", Role.AGENT, name="Anna Nowak", sip="PJSIP/agent3")
    numbers = await _tickets(live)
    await login(page, live, "anna")
    await page.click("#nav a[data-view=tickets]")
    await page.wait_for_selector("table.tickets tbody tr")
    listed = await page.locator("table.tickets tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.number)")
    assert sorted(listed) == sorted([numbers["hostile"], numbers["queue"]])  # not Bartek's
    await screenshot(page, "tickets-list")

    await page.fill("input[name=text]", "ALERT")
    await page.click("form[name=filters] button[type=submit]")
    await page.wait_for_function(
        "document.querySelectorAll('table.tickets tbody tr').length === 1")
    row = page.locator("table.tickets tbody tr")
    assert await row.get_attribute("data-number") == numbers["hostile"]
    assert SCRIPT in (await row.text_content() or "")
    await row.click()

    await page.wait_for_selector(".ticket-header")
    assert await page.locator(".ticket-header .customer-name").text_content() == SCRIPT
    notes = page.locator(".timeline li[data-kind=note] .note-body")
    assert await notes.all_text_contents() == [IMAGE]
    assert await page.locator("main script, main img").count() == 0
    # Recorded, not yet redacted (the server would refuse it): no dead player, a reason.
    call = page.locator(".timeline li[data-kind=call]")
    assert await call.locator("audio").count() == 0
    assert "Nagranie nie jest jeszcze dostępne" in (
        await call.locator(".recording-note").text_content() or "")
    route = await page.locator(".timeline .route").text_content() or ""
    assert "menu (option 3) → kolejka-reklamacje (ended)" in route
    segments = await page.locator(".segment .text").all_text_contents()
    assert segments[1] == "Buty rozkleiły się po tygodniu, mój PESEL to [PESEL]."
    speakers = await page.locator(".segment .speaker").all_text_contents()
    assert speakers == ["Konsultant", "Klient"]

    await page.select_option("form[name=changes] select[name=status]", "waiting_for_customer")
    await page.click("form[name=changes] button[type=submit]")
    await page.wait_for_function(
        "document.querySelector('.ticket-header .status').textContent === 'Czeka na klienta'")
    await page.fill("textarea[name=note]", "Oddzwonię w piątek <b>po 10</b>")
    await page.check("form[name=note] input[name=public]")  # told to the customer
    await page.click("form[name=note] button[type=submit]")
    await page.wait_for_function(
        "document.querySelectorAll('.timeline li[data-kind=note]').length === 2")

    detail = await _api(page, f"/tickets/{numbers['hostile']}")
    assert detail["ticket"]["status"] == "waiting_for_customer"
    changes = [(e["kind"], e["author"], e["data"].get("to")) for e in detail["timeline"]
               if e["kind"] in ("status_change", "note")]
    assert changes[-2:] == [("status_change", "Anna Nowak", "waiting_for_customer"),
                            ("note", "Anna Nowak", None)]
    assert detail["timeline"][-1]["body"] == "Oddzwonię w piątek <b>po 10</b>"
    assert detail["timeline"][-1]["data"] == {"public": True}
    badge = page.locator(".timeline li[data-kind=note] .badge.public")
    assert await badge.all_text_contents() == ["Odpowiedź dla klienta"]
    assert await page.locator("main script, main img, main b").count() == 0
    assert await page.evaluate("window.pwned") is None
    assert dialogs == []
    await page.locator(".ticket-header").scroll_into_view_if_needed()
    await screenshot(page, "tickets-view")


async def test_someone_elses_ticket_is_not_shown(live: Live, browser_page: Page) -> None:
    await live.user("anna", Role.AGENT, name="Anna Nowak")
    numbers = await _tickets(live)
    await login(browser_page, live, "anna")
    await browser_page.goto(f"{live.url}/#/tickets/{numbers['bartek']}")
    await browser_page.wait_for_selector(".ticket p.empty")
    text = await browser_page.locator(".ticket p.empty").text_content()
    assert text == f"Zgłoszenie {numbers['bartek']} nie istnieje albo nie jest Twoje."
    assert await browser_page.locator("main img").count() == 0
