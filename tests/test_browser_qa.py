"""A QA lead searches a word, opens the call, follows the transcript with the audio, scores it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Page

from ccengine.config import TicketsConfig
from ccengine.tickets.service import TicketService
from ccengine.users.models import Role
from tests.browser import Live, login, screenshot
from tests.conftest import build_call
from tests.test_qa_api import CARD, add_transcript, segment, write_wav

pytestmark = pytest.mark.browser


async def _calls(live: Live, folder: Path) -> None:
    wav = write_wav(folder / "zwrot.wav", seconds=8.0)
    started = datetime.now(UTC) - timedelta(hours=1)
    await TicketService(live.database, TicketsConfig()).record_calls([
        build_call("qa.1", started_at=started, queue="reklamacje", recording_file=str(wav),
                   caller_name="Jan Kowalski"),
        build_call("qa.2", started_at=started + timedelta(minutes=5), queue="sprzedaz"),
    ])
    await add_transcript(live.database, "qa.1", [
        segment("klient", 0.3, 2.0, "Dzień dobry, chciałbym zwrócić towar"),
        segment("agent", 2.2, 4.0, "Oczywiście, proszę podać numer karty"),
        segment("klient", 4.5, 7.5, f"numer karty {CARD}"),
    ], needs_qa=True, flags=[{"reason": "pii_number_lost", "kind": "CARD",
                              "speaker": "klient", "at": 4.5}])
    await add_transcript(live.database, "qa.2", [
        segment("klient", 0.5, 2.5, "Kiedy przyjdzie dostawa?"),
    ])


async def test_qa_lead_searches_a_word_opens_the_call_and_scores_it(
        live: Live, browser_page: Page) -> None:
    page = browser_page
    await _calls(live, live.recordings)
    await live.user("lidia", Role.QA_LEAD, name="Lidia Kowalska")
    await login(page, live, "lidia")
    await page.wait_for_selector("table.qa-calls")
    assert await page.locator("table.qa-calls tr.clickable").count() == 2

    await page.fill("input[name=q]", "zwrócić")
    await page.press("input[name=q]", "Enter")
    await page.wait_for_function(
        "document.querySelectorAll('table.qa-calls tr.clickable').length === 1")
    assert await page.locator("tr.qa-match mark").text_content() == "zwrócić"
    await screenshot(page, "qa-search")
    await page.click("table.qa-calls tr.clickable")

    await page.wait_for_selector(".qa-segment")
    speakers = await page.locator(".qa-segment .qa-speaker").all_text_contents()
    assert speakers == ["Klient", "Konsultant", "Klient"]
    texts = await page.locator(".qa-segment .qa-text").all_text_contents()
    assert texts[2] == "numer karty [CARD]"
    assert "Numer zgubiony po słowie CARD" in (await page.locator(".qa-flags").inner_text())
    await page.wait_for_function("document.querySelector('audio').readyState >= 1")
    assert await page.evaluate("document.querySelector('audio').duration") == pytest.approx(8.0)

    await page.click(".qa-segment >> nth=2")
    await page.wait_for_function("document.querySelector('audio').currentTime >= 4.4")
    await page.wait_for_selector(".qa-segment.playing[data-index='2']")
    await page.click(".qa-segment >> nth=0")
    await page.wait_for_function("document.querySelector('audio').currentTime < 2.0")
    await page.wait_for_selector(".qa-segment.playing[data-index='0']")
    await page.evaluate("document.querySelector('audio').pause()")

    for name, points in (("greeting", 2), ("identification", 3), ("resolution", 4),
                         ("tone", 3), ("closing", 1)):
        await page.fill(f".qa-score input[name={name}]", str(points))
    assert await page.locator(".qa-total").text_content() == "Razem: 13 / 15"
    await page.fill(".qa-score textarea", "Uprzejmie, karta podana przez telefon")
    await page.click(".qa-score button[type=submit]")
    await page.wait_for_selector(".qa-review-list li")
    review = await page.locator(".qa-review-list li").inner_text()
    assert "13 / 15" in review and "Lidia Kowalska" in review
    assert not re.search(r"5555|4444", await page.locator("main").inner_text())
    await screenshot(page, "qa-view")


HOSTILE = '<img src=x onerror="window.pwned=1">'


async def test_the_flagged_tab_and_hostile_text(live: Live, browser_page: Page) -> None:
    page = browser_page
    await _calls(live, live.recordings)
    await TicketService(live.database, TicketsConfig()).record_calls([
        build_call("qa.3", caller_name=HOSTILE, queue="sprzedaz")])
    await add_transcript(live.database, "qa.3", [segment("klient", 0.1, 1.0, HOSTILE)])
    await live.user("ola", Role.QA_LEAD, locale="en")
    await login(page, live, "ola")
    await page.wait_for_selector("table.qa-calls")
    assert await page.locator("table.qa-calls tr.clickable").count() == 3
    await page.click(".qa-tabs [data-tab=flagged]")
    await page.wait_for_function(
        "document.querySelectorAll('table.qa-calls tr.clickable').length === 1")
    assert "Jan Kowalski" in await page.locator("table.qa-calls").inner_text()
    assert await page.locator(".qa-tabs [data-tab=flagged]").inner_text() == "Flagged for QA 1"
    await page.click(".qa-tabs [data-tab=all]")
    await page.wait_for_function(
        "document.querySelectorAll('table.qa-calls tr.clickable').length === 3")
    await page.click(f"table.qa-calls tr.clickable:has-text('{HOSTILE}')")
    await page.wait_for_selector(".qa-segment")
    assert await page.locator(".qa-segment .qa-text").text_content() == HOSTILE
    assert await page.locator("main h1").text_content() == HOSTILE
    assert await page.locator("main img").count() == 0
    assert await page.evaluate("window.pwned") is None
    assert await page.locator(".qa-player .empty").inner_text() == "This call was not recorded."
