"""The Channels page and a web form in real Chromium: (a) an admin adds a mailbox (a
failing one shows red with its error) and a web form, and copies the form's snippet;
(b) a customer's page on ANOTHER origin (a second small server) holds that snippet,
the customer fills it in, sees the ticket number in place, and the ticket is in the
form's queue."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from playwright.async_api import Page
from sqlalchemy import select

from ccengine.forms import service as forms
from ccengine.forms.rules import parse_form
from ccengine.mail.storage_models import Mailbox
from ccengine.tickets.models import Ticket
from ccengine.users.models import Role
from tests.browser import Live, login, screenshot

pytestmark = pytest.mark.browser
NOW = datetime(2026, 12, 5, 9, tzinfo=UTC)


async def test_admin_adds_a_mailbox_and_a_form_and_copies_the_snippet(
        live: Live, browser_page: Page) -> None:
    page = browser_page
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"],
                                         origin=live.url)
    await live.user("ewa", Role.ADMIN, name="Ewa Admin")
    await login(page, live, "ewa")
    await page.click("#nav a[data-view=channels]")
    await page.wait_for_selector(".channels .mailboxes .empty")
    assert await page.locator("h1").text_content() == "Kanały"

    await page.click("button[name=new-mailbox]")
    form = page.locator("form[name=mailbox]")
    await form.locator("input[name=name]").fill("Reklamacje")
    await form.locator("input[name=queue]").fill("reklamacje")
    await form.locator("input[name=address]").fill("reklamacje@sklep.example")
    await form.locator("input[name=imap_host]").fill("imap.sklep.example")
    await form.locator("input[name=imap_password]").fill("Tajne-Haslo-1")
    await form.locator("button[name=add-filter]").click()
    await form.locator(".filter-row select[name=filter_field]").select_option("subject")
    await form.locator(".filter-row input[name=filter_contains]").fill("zwrot")
    await form.locator(".filter-row input[name=filter_queue]").fill("zwroty")
    await form.locator("input[name=group_window_minutes]").fill("30")
    await form.locator("input[name=ack_subject]").fill("Zgłoszenie {{ ticket.number }}")
    await form.locator("button[type=submit]").click()
    await page.wait_for_selector('tr[data-mailbox="Reklamacje"]')
    async with live.database.writer() as session:
        box = await session.scalar(select(Mailbox))
        assert box is not None
        assert (box.imap_password, box.group_window_minutes, box.filters) == (
            "Tajne-Haslo-1", 30, [{"field": "subject", "contains": "zwrot", "queue": "zwroty"}])
        box.last_error, box.last_error_at, box.failures = "AUTHENTICATIONFAILED", NOW, 2
        await session.commit()
    await page.reload()
    await page.wait_for_selector('tr.failing[data-mailbox="Reklamacje"]')
    row = page.locator('tr[data-mailbox="Reklamacje"]')
    assert "AUTHENTICATIONFAILED" in (await row.text_content() or "")
    colour = await row.locator(".state").evaluate("e => getComputedStyle(e).color")
    assert colour.startswith("rgb(") and colour != "rgb(0, 0, 0)"
    await row.locator("button[name=edit]").click()
    password = page.locator("form[name=mailbox] input[name=imap_password]")
    assert await password.input_value() == ""
    assert await password.get_attribute("placeholder") == "zostaw puste, by nie zmieniać"

    await page.click("button[name=new-form]")
    editor = page.locator("form[name=web-form]")
    await editor.locator("input[name=key]").fill("kontakt")
    await editor.locator("input[name=name]").fill("Kontakt")
    await editor.locator("input[name=queue]").fill("reklamacje")
    first = editor.locator(".field-row").nth(0)
    await first.locator("input[name=field_name]").fill("message")
    await first.locator("input[name=label_pl]").fill("Wiadomość")
    await first.locator("input[name=label_en]").fill("Message")
    await first.locator("select[name=kind]").select_option("textarea")
    await first.locator("input[name=required]").check()
    await editor.locator("button[name=add-field]").click()
    second = editor.locator(".field-row").nth(1)
    await second.locator("input[name=field_name]").fill("email")
    await second.locator("input[name=label_pl]").fill("E-mail")
    await second.locator("input[name=label_en]").fill("E-mail")
    await second.locator("select[name=kind]").select_option("email")
    await editor.locator("textarea[name=allowed_origins]").fill("https://sklep.example")
    await editor.locator("button[type=submit]").click()
    await page.wait_for_selector('.web-form-snippet [data-form="kontakt"] textarea')
    await screenshot(page, "channels")
    await page.click("button[name=copy-snippet]")
    copied = await page.evaluate("navigator.clipboard.readText()")
    assert f"{live.url}/api/v1/forms/kontakt" in copied and 'name="website"' in copied
    [made] = await forms.list_forms(live.database)
    assert [f["kind"] for f in made["fields"]] == ["textarea", "email"]
    assert made["allowed_origins"] == ["https://sklep.example"]


@pytest.fixture
async def shop(live: Live) -> AsyncIterator[str]:
    """A customer's site on its own origin, serving a page with the form's snippet."""
    holder: dict[str, Any] = {}

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<!doctype html><html><head><meta charset='utf-8'>"
                                 f"<title>Sklep</title></head><body><h1>Kontakt</h1>"
                                 f"{holder['snippet']}</body></html>",
                            content_type="text/html")

    app = web.Application()
    app.router.add_get("/kontakt", page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    origin = f"http://127.0.0.1:{port}"
    await forms.create(live.database, parse_form({
        "key": "kontakt", "name": "Kontakt", "queue": "reklamacje",
        "allowed_origins": [origin],
        "fields": [{"name": "email", "label_pl": "E-mail", "label_en": "E-mail",
                    "kind": "email", "required": True},
                   {"name": "message", "label_pl": "Wiadomość", "label_en": "Message",
                    "kind": "textarea", "required": True}]}), NOW)
    async with aiohttp.ClientSession() as client, client.get(
            f"{live.url}/api/v1/forms/kontakt/embed") as response:
        holder["snippet"] = await response.text()
    try:
        yield origin
    finally:
        await runner.cleanup()


async def test_a_customer_on_another_origin_sends_the_form(live: Live, browser_page: Page,
                                                          shop: str) -> None:
    page = browser_page
    assert not shop.startswith(live.url)
    await page.goto(f"{shop}/kontakt")
    await page.fill("form.ccengine-form input[name=email]", "jan@example.com")
    await page.fill("form.ccengine-form textarea[name=message]",
                    "Karta 4111 1111 1111 1111 nie działa")
    assert not await page.locator("input[name=website]").is_visible() or (
        await page.locator("input[name=website]").bounding_box() or {"x": 0})["x"] < 0
    async with page.expect_response(lambda r: r.url.endswith("/api/v1/forms/kontakt")):
        await page.click("form.ccengine-form button[type=submit]")
    result = page.locator(".ccengine-form-result")
    await page.wait_for_function(
        "document.querySelector('.ccengine-form-result').dataset.ticket")
    number = await result.get_attribute("data-ticket")
    assert number and number in (await result.text_content() or "")
    assert page.url.startswith(shop)  # no navigation: the script answered in place
    async with live.database.sessions() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.number == number))
    assert ticket is not None
    assert (ticket.queue, ticket.source_channel) == ("reklamacje", "form")
    await screenshot(page, "web-form-sent")
