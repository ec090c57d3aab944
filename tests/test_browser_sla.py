"""The calendars and SLA page in real Chromium: the 14-day strip and the policies table,
and an admin editing a calendar (an overlap refused on the day's field) and a policy,
with the server's due-time preview following the edit."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from playwright.async_api import Dialog, Page

from ccengine.sla import service
from ccengine.users.models import Role
from tests.browser import Live, login, screenshot

pytestmark = pytest.mark.browser


async def test_admin_sees_each_calendar_over_14_days_and_the_policies(
        live: Live, browser_page: Page) -> None:
    page = browser_page
    await live.user("ewa", Role.ADMIN, name="Ewa Admin")
    await login(page, live, "ewa")
    await page.click("#nav a[data-view=sla]")
    await page.wait_for_selector(".sla-policy-table")
    assert await page.locator("h1").text_content() == "Kalendarze i SLA"
    business = page.locator('section.sla-calendar[data-calendar="business"]')
    assert await business.locator("li.sla-day").count() == 14
    # Every day is open with hours shown, or closed with the reason the server gave.
    for cell in await business.locator("li.sla-day").all():
        classes = await cell.get_attribute("class") or ""
        text = await cell.text_content() or ""
        assert ("08:00–18:00" in text) if "open" in classes.split() else ("closed" in classes)
    always = page.locator('section.sla-calendar[data-calendar="24/7"] li.sla-day')
    assert await always.count() == 14
    assert await always.first.text_content() is not None
    assert "00:00–24:00" in (await always.first.text_content() or "")
    rows = page.locator(".sla-policy-table tbody tr")
    assert await rows.count() == 4
    assert await rows.first.locator("td").all_text_contents() == [
        "P1", "P1", "każde zgłoszenie o tym priorytecie", "15 min", "4 godz.", "24/7", "",
        "Edytuj"]
    await screenshot(page, "sla-calendars")


async def test_the_page_is_not_in_an_agents_menu(live: Live, browser_page: Page) -> None:
    await live.user("ola", Role.AGENT, name="Ola Agent", sip="PJSIP/agent1")
    await login(browser_page, live, "ola")
    assert await browser_page.locator("#nav a[data-view=sla]").count() == 0


async def due(page: Page, which: str) -> timedelta:
    """How long after "now" the preview's clock falls due (the server's answer)."""
    answer = page.locator(".sla-preview-answer")
    opened = await answer.get_attribute("data-opened")
    at = await answer.locator(f".due-{which}").get_attribute("data-at")
    assert opened and at
    return datetime.fromisoformat(at) - datetime.fromisoformat(opened)


async def test_admin_edits_a_calendar_and_a_policy_and_the_preview_follows(
        live: Live, browser_page: Page) -> None:
    page = browser_page
    await live.user("ewa", Role.ADMIN, name="Ewa Admin")
    await login(page, live, "ewa")
    await page.click("#nav a[data-view=sla]")
    await page.wait_for_selector(".sla-preview-answer[data-policy=P2]")
    assert await page.locator(".sla-preview h2").text_content() == "Podgląd terminów"

    business = page.locator('section.sla-calendar[data-calendar="business"]')
    await business.locator("h3 .edit").click()
    form = page.locator("form.sla-calendar-form")
    monday = form.locator("input[name=hours-mon]")
    assert await monday.input_value() == "08:00-18:00"
    year = (await form.locator(".sla-holidays h4").text_content() or "").split()[-1]
    await form.locator(f'.sla-holiday-list li[data-date="{year}-11-11"]').wait_for()
    assert "Niepodległości" in (await form.locator(".sla-holiday-list").text_content() or "")
    await monday.fill("08:00-12:00, 11:00-18:00")
    await form.locator("button[type=submit]").click()
    await form.locator("input[name=hours-mon].invalid").wait_for()
    note = form.locator("input[name=hours-mon] ~ .sla-field-error")
    assert await note.text_content() == "11:00-18:00 overlaps another range"
    await screenshot(page, "sla-calendar-editor")
    await monday.fill("08:00-12:00, 13:00-18:00")
    await form.locator("button.add-closed-day").click()
    await form.locator("[name=closed-name]").fill("Inwentaryzacja")
    await form.locator("[name=closed-from]").fill("2030-01-07")
    await form.locator("button[type=submit]").click()
    await page.wait_for_selector("form.sla-calendar-form", state="detached")
    await business.locator("p.muted", has_text="dni zamknięte: 1").wait_for()
    stored = (await service.get_calendar(live.database, "business")).calendar
    assert [(c.name, str(c.start), str(c.end)) for c in stored.closed_days] == [
        ("Inwentaryzacja", "2030-01-07", "2030-01-07")]
    assert [f"{a:%H:%M}-{b:%H:%M}" for a, b in stored.hours["mon"]] == [
        "08:00-12:00", "13:00-18:00"]

    await page.locator('.sla-policy-table tr[data-policy="P2"] .edit').click()
    policy = page.locator("form.sla-policy-form")
    await policy.locator("[name=first-response-amount]").fill("30")
    await policy.locator("[name=first-response-unit]").select_option("minutes")
    await policy.locator("[name=calendar]").select_option("24/7")
    await policy.locator("[name=raise-priority]").check()
    await policy.locator("[name=move-queue]").fill("eskalacje")
    await policy.locator("button[type=submit]").click()
    row = page.locator('.sla-policy-table tr[data-policy="P2"]')
    await row.locator("td", has_text="30 min").wait_for()
    cells = await row.locator("td").all_text_contents()
    assert cells[5:7] == ["24/7", "podnieś priorytet, przenieś do kolejki eskalacje"]
    # 24/7 now: a P2 ticket opened now is due for its first response in 30 minutes flat.
    await page.wait_for_function(
        "document.querySelector('.sla-preview-answer .due-first') !== null")
    assert await due(page, "first") == timedelta(minutes=30)
    assert await due(page, "resolution") == timedelta(hours=8)
    await screenshot(page, "sla-policies")

    await page.locator('.sla-policy-table tr[data-policy="P4"] .edit').click()
    await page.locator("form.sla-policy-form [name=resolution-amount]").fill("-1")
    await page.locator("form.sla-policy-form [name=resolution-amount]").evaluate(
        "(input) => input.form.noValidate = true")
    await page.locator("form.sla-policy-form button[type=submit]").click()
    await page.wait_for_selector("form.sla-policy-form [name=resolution-amount].invalid")
    # The refused edit is unsaved: leaving the page asks first, and staying keeps it.
    asked: list[str] = []

    async def stay(dialog: Dialog) -> None:
        asked.append(dialog.message)
        await dialog.dismiss()

    page.once("dialog", stay)
    await page.click("#nav a[data-view=tickets]")
    await page.wait_for_function("location.hash === '#/sla'")
    assert len(asked) == 1
    assert await page.locator("form.sla-policy-form").count() == 1


async def test_others_read_the_page_without_editors(live: Live, browser_page: Page) -> None:
    page = browser_page
    await live.user("ola", Role.QA_LEAD, name="Ola QA")
    await login(page, live, "ola")
    await page.goto(f"{live.url}/#/sla")
    await page.wait_for_selector(".sla-preview-answer[data-policy=P2]")
    assert await page.locator(".sla-policy-table").count() == 1
    assert await page.locator(".edit, .new-policy, .new-calendar").count() == 0
