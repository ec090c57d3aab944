"""The automation rules page in real Chromium: an admin writes a rule in the editor's
form rows, the running engine applies it to a new ticket (logged on its history), the
dry run says why it fires (in the page's language), and the rule is switched off;
Polish, then English."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Page

from ccengine.automation import service
from ccengine.users.models import Role
from tests.automation_helpers import add_ticket, history, ticket
from tests.browser import Live, login, screenshot

pytestmark = pytest.mark.browser


async def _until_priority(live: Live, number: str, priority: str) -> None:
    for _ in range(100):  # the runner ticks every 2 s
        if (await ticket(live.database, number)).priority == priority:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{number} never became {priority}")


async def test_admin_writes_tests_and_switches_off_a_rule(live: Live,
                                                          browser_page: Page) -> None:
    page = browser_page
    await live.user("ewa", Role.ADMIN, name="Ewa Admin")
    await login(page, live, "ewa")
    await page.click("#nav a[data-view=automation]")
    await page.wait_for_selector(".automation-test form")
    assert await page.locator("h1").text_content() == "Reguły automatyzacji"
    await page.click("button[name=new-rule]")
    await page.fill(".rule-form input[name=name]", "Pilne zwroty")
    await page.click("button[name=add-condition]")
    condition = page.locator(".conditions .rule-row").first
    await condition.locator("select[name=kind]").select_option("subject_has")
    await condition.locator("input[name=value]").fill("zwrot, reklamacja")
    action = page.locator(".actions .rule-row").first
    await action.locator("select[name=value]").select_option("P1")
    reply = action.locator("select[name=kind] option[value=send_reply_template]")
    assert await reply.get_attribute("disabled") is None  # issue 14 brought reply templates
    await page.click("button[name=save]")
    await page.wait_for_selector('tr[data-rule="Pilne zwroty"]')
    [rule] = await service.list_rules(live.database)
    assert [(c.kind, c.value) for c in rule.spec.conditions] == [
        ("subject_has", ["zwrot", "reklamacja"])]

    await add_ticket(live.database, "T-1", title="Zwrot butów")
    await _until_priority(live, "T-1", "P1")
    assert any(body.startswith("Pilne zwroty:") for _, body, _ in
               await history(live.database, "T-1", {"automation"}))

    await page.fill(".automation-test input[name=ticket]", "T-1")
    await page.click("button[name=test]")
    fired = page.locator('.test-results li.fires[data-rule="Pilne zwroty"]')
    await fired.wait_for()
    said = await fired.text_content() or ""
    assert "znaleziono zwrot" in said and "found" not in said  # the code, said in Polish
    await screenshot(page, "automation-rules")

    async with page.expect_response(lambda response: response.request.method == "PATCH"):
        await page.locator('tr[data-rule="Pilne zwroty"] input[name=enabled]').uncheck()
    assert not (await service.list_rules(live.database))[0].spec.enabled

    await page.select_option("#language", "en")
    await page.wait_for_function("document.querySelector('h1')?.textContent === "
                                 "'Automation rules'")
    await page.fill(".automation-test input[name=ticket]", "T-1")
    await page.click("button[name=test]")
    await page.wait_for_function(  # switched off now, but its checks are still said
        "document.querySelector('.test-results li[data-rule=\"Pilne zwroty\"]')"
        "?.textContent.includes('found zwrot')")
