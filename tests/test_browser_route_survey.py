"""The route editor in real Chromium: an admin adds a survey node, names it as a
queue's survey after the call, and the graph validates; a survey reached from a menu
is an issue named on the menu node and its field."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from tests.browser import Live, screenshot
from tests.test_browser_routes import EDGE, NODE, open_editor

pytestmark = pytest.mark.browser


async def test_a_queue_names_a_survey_node_and_validation_names_misuse(
        live: Live, browser_page: Page) -> None:
    page = browser_page
    await open_editor(page, live)
    await page.select_option("select[name=new-kind]", "survey")
    await page.fill("input[name=new-id]", "ankieta")
    await page.get_by_role("button", name="Dodaj węzeł").click()
    form = page.locator("form.node-form[data-node=ankieta]")
    await form.wait_for()
    assert "Ankieta satysfakcji" in (await form.locator("h2").text_content() or "")
    await page.click(NODE.format("kolejka-posprzedaz"))
    await page.select_option(
        "form.node-form[data-node=kolejka-posprzedaz] select[data-field=survey]", "ankieta")
    edge = page.locator(EDGE.format("kolejka-posprzedaz", "ankieta"))
    assert await edge.text_content() == "ankieta po rozmowie"
    await page.click("button[name=validate]")
    await page.wait_for_selector(".toast:has-text('Nie znaleziono problemów.')")
    await screenshot(page, "routes-survey")

    await page.click(NODE.format("menu"))
    await page.select_option("form.node-form[data-node=menu] select[data-field=fallback]",
                             "ankieta")
    await page.click("button[name=validate]")
    await page.wait_for_selector(f"{NODE.format('menu')}.has-issue")
    listed = await page.locator(".issues-list li").all_text_contents()
    assert any(item.startswith("menu · fallback: survey node 'ankieta'") for item in listed)
