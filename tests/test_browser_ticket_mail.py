"""A received e-mail on a ticket in real Chromium: the headers and the body show, the
picture the HTML names by cid: shows from the ticket's files, nothing in the message
runs (not even HTML that escaped the cleaner: the frame is sandboxed), the quoted
history is folded, a note is visible, and a file downloads as an attachment."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from playwright.async_api import Page

from ccengine.mail.parsing import parse_message
from ccengine.users.models import Role
from tests import mail_samples as s
from tests.browser import Live, login, screenshot
from tests.mail_tickets import email_ticket, ticket_with_mail

pytestmark = pytest.mark.browser

NUMBER = "TK-2026-000077"
# As if the cleaner had let it all through: only the frame's sandbox stands in the way.
RAW_HOSTILE = ('<p>Wiadomość <b>ważna</b></p><script>parent.pwned = 1</script>'
               '<img src="x" onerror="parent.pwned = 1"><img src="cid:logo@firma">'
               '<a href="javascript:parent.pwned = 1" id="js">kliknij</a>')


async def _store(live: Live) -> None:
    at = datetime.now(UTC)
    parsed = parse_message(s.with_files())
    reply = replace(parsed, html=RAW_HOSTILE, quoted_text="> Czy przesłał Pan fakturę?",
                    notes=("Attachment “skan.pdf” (25.0 MB) was not kept: over the "
                           "20.0 MB limit.",))
    await ticket_with_mail(live.database, email_ticket(NUMBER, at, assignee="Anna Nowak",
                                                       status="in_progress"), reply, at)


async def _frame_value(page: Page, expression: str) -> object:
    return await page.evaluate(
        f"() => {{ const doc = document.querySelector('iframe.mail-html').contentDocument;"
        f" return {expression}; }}")


async def test_an_email_shows_safely_and_its_file_downloads(live: Live,
                                                             browser_page: Page) -> None:
    page = browser_page
    await live.user("anna", Role.AGENT, name="Anna Nowak")
    await _store(live)
    await login(page, live, "anna")
    await page.goto(f"{live.url}/#/tickets/{NUMBER}")
    entry = page.locator("li.entry.email_in")
    await entry.wait_for()
    assert await entry.locator(".meta strong").text_content() == "E-mail od klienta"
    assert "zamowienia@firma-klienta.pl" in (
        await entry.locator("[data-field=from] dd").text_content() or "")
    assert await entry.locator("[data-field=subject] dd").text_content() == "Faktura"
    assert await entry.locator("[data-field=to] dd").text_content() == "bok@firma.pl"

    await page.wait_for_function(
        "() => { const d = document.querySelector('iframe.mail-html')?.contentDocument;"
        " const img = d && d.querySelector('img[src*=\"/attachments/\"]');"
        " return img && img.complete && img.naturalWidth === 1; }")
    assert "Wiadomość ważna" in str(await _frame_value(page, "doc.body.innerText"))
    assert await _frame_value(page, "doc.querySelectorAll('img[src*=\"inline=1\"]').length") \
        == 1
    await page.frame_locator("iframe.mail-html").locator("#js").click()
    assert await page.evaluate("() => window.pwned") is None

    quoted = entry.locator("details.mail-quoted")
    assert await quoted.get_attribute("open") is None
    assert not await quoted.locator("pre").is_visible()
    await quoted.locator("summary").click()
    assert "Czy przesłał Pan fakturę?" in (await quoted.locator("pre").text_content() or "")
    notes = await entry.locator(".mail-notes").text_content() or ""
    assert "Załącznik „skan.pdf” (25.0 MB) nie został zapisany" in notes
    await screenshot(page, "ticket-mail")

    link = entry.locator("a.mail-file", has_text="faktura.pdf")
    async with page.expect_download() as waiting:
        await link.click()
    download = await waiting.value
    assert download.suggested_filename == "faktura.pdf"
    assert (await download.path()).read_bytes() == s.PDF
    answer = await page.request.get(f"{live.url}{await link.get_attribute('href')}")
    assert answer.headers["content-disposition"].startswith("attachment;")
    assert answer.headers["content-security-policy"] == "sandbox"
    assert await page.evaluate("() => window.pwned") is None
