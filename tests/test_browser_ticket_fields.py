"""A ticket's fields and saved views in real Chromium: the agent fills in description,
category (from the tree), tags and a custom field, sees each change in the history,
sorts the list by a column header, picks the built-in "my open" view and saves her
own filter as a view."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Page

from ccengine.calls.model import Outcome
from ccengine.config import TicketsConfig
from ccengine.ticket_fields.categories import create_category
from ccengine.ticket_fields.custom_fields import create_field
from ccengine.ticket_fields.rules import Choice, FieldDefinition, FieldKind
from ccengine.tickets.service import TicketService
from ccengine.users.models import Role
from tests.browser import Live, login, screenshot
from tests.conftest import build_call

pytestmark = pytest.mark.browser

ROWS = "table.tickets tbody tr"
PLAN = FieldDefinition("plan", FieldKind.CHOICE, "Abonament", "Plan",
                       (Choice("gold", "Złoty", "Gold"), Choice("basic", "Podstawowy", "Basic")))


async def _listed(page: Page) -> list[str]:
    return await page.locator(ROWS).evaluate_all("rows => rows.map(r => r.dataset.number)")


async def _setup(live: Live) -> tuple[str, str, int]:
    now = datetime.now(UTC)
    top = await create_category(live.database, "Reklamacje", None, now)
    leaf = await create_category(live.database, "Uszkodzony towar", top["id"], now)
    await create_field(live.database, PLAN, now)
    recorded = await TicketService(live.database, TicketsConfig()).record_calls([
        build_call("tf.1", started_at=now - timedelta(minutes=20), agent_name="Anna Nowak"),
        build_call("tf.2", Outcome.ABANDONED, started_at=now - timedelta(minutes=10),
                   caller_number="48601222333")])  # queue work: unassigned, hers to see
    return recorded[0].ticket_number, recorded[1].ticket_number, leaf["id"]


async def test_agent_fills_in_fields_and_uses_saved_views(live: Live,
                                                          browser_page: Page) -> None:
    page = browser_page
    await live.user("anna", Role.AGENT, name="Anna Nowak", sip="PJSIP/agent1")
    mine, _other, leaf = await _setup(live)
    await login(page, live, "anna")
    await page.goto(f"{live.url}/#/tickets/{mine}")
    form = page.locator("form[name=fields]")
    await form.wait_for()
    await form.locator("input[name=title]").fill("Zwrot butów, rozmiar 42")
    await form.locator("textarea[name=description]").fill("Podeszwa odkleja się po tygodniu.")
    await form.locator("select[name=category]").select_option(str(leaf))
    await form.locator("input[name=tags]").fill("Pilne, zwrot towaru")
    await form.locator("select[name=custom-plan]").select_option("gold")
    await form.locator("button[type=submit]").click()
    await page.wait_for_selector(".entry.field_change >> nth=4")
    changes = await page.locator(".entry.field_change .content").all_text_contents()
    assert "Kategoria: — → Reklamacje / Uszkodzony towar" in changes
    assert "Tagi: — → pilne, zwrot-towaru" in changes
    assert any(text.startswith("plan: ") and text.endswith("→ gold") for text in changes)
    assert await page.locator(".ticket-header .title").text_content() == (
        "Zwrot butów, rozmiar 42")
    assert await form.locator("input[name=tags]").input_value() == "pilne, zwrot-towaru"
    await screenshot(page, "ticket-fields")

    await page.click("a.back")
    await page.wait_for_selector(ROWS)
    await page.click("th button.column-sort[data-sort=title]")
    await page.wait_for_selector("th[aria-sort=ascending] button[data-sort=title]")
    row = page.locator(f"{ROWS}[data-number='{mine}']")
    assert await row.locator("td.category").text_content() == "Reklamacje / Uszkodzony towar"
    assert await row.locator(".badge.tag").all_text_contents() == ["pilne", "zwrot-towaru"]

    # The built-in view: her own open tickets only.
    await page.locator("select[name=view]").select_option("my-open")
    await page.wait_for_function(
        f"document.querySelectorAll('{ROWS}').length === 1")
    assert await _listed(page) == [mine]

    # Her own view: the filter on screen, saved under a name, chosen again later.
    await page.locator("select[name=view]").select_option("")
    await page.wait_for_function(f"document.querySelectorAll('{ROWS}').length === 2")
    await page.fill("form[name=filters] input[name=tag]", "PILNE")
    await page.click("form[name=filters] button[type=submit]")
    await page.wait_for_function(f"document.querySelectorAll('{ROWS}').length === 1")
    await page.fill("input[name=view-name]", "Pilne zwroty")
    await page.click("form[name=save-view] button[type=submit]")
    await page.wait_for_selector("select[name=view] option:text('Pilne zwroty')",
                                 state="attached")
    await page.click("form[name=filters] .buttons button >> nth=-1")  # Clear
    await page.wait_for_function(f"document.querySelectorAll('{ROWS}').length === 2")
    await page.locator("select[name=view]").select_option(label="Pilne zwroty")
    await page.wait_for_function(f"document.querySelectorAll('{ROWS}').length === 1")
    assert await _listed(page) == [mine]
    await screenshot(page, "ticket-saved-views")
