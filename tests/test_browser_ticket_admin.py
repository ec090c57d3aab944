"""The "Categories and fields" admin page in real Chromium: an admin builds a category
tree (a top-level category and a child, moves the child, retires one), sees a duplicate
name refused on the name input, defines a choice field; the ticket page's category
picker and custom field then offer exactly that, and a choice on the ticket cannot be
taken out of the field afterwards (shown on the choices)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Page

from ccengine.config import TicketsConfig
from ccengine.tickets.service import TicketService
from ccengine.users.models import Role
from tests.browser import Live, login, screenshot
from tests.conftest import build_call

pytestmark = pytest.mark.browser

NEW = "form[name=new-category]"


def _node(name: str) -> str:
    return f".category-node[data-name='{name}']"


async def _add_category(page: Page, name: str) -> None:
    await page.fill(f"{NEW} input[name=name]", name)
    await page.click(f"{NEW} button[type=submit]")
    await page.wait_for_selector(_node(name))


async def _id_of(page: Page, name: str) -> str:
    found = await page.locator(_node(name)).get_attribute("data-id")
    assert found is not None
    return found


async def _build_tree(page: Page) -> None:
    await _add_category(page, "Reklamacje")
    await page.click(f"{_node('Reklamacje')} button[name=add-child]")
    assert await page.locator(f"{NEW} select[name=parent_id]").input_value() == (
        await _id_of(page, "Reklamacje"))
    await _add_category(page, "Zwroty")
    await page.locator(f"{NEW} select[name=parent_id]").select_option("")
    await _add_category(page, "Faktury")
    assert await page.locator(".category-node .category-name").all_text_contents() == [
        "Reklamacje", "Zwroty", "Faktury"]
    assert await page.locator(_node("Zwroty")).evaluate("n => n.style.paddingLeft") == "24px"

    # Move the child under the other top-level category.
    await page.click(f"{_node('Zwroty')} button[name=edit]")
    editor = page.locator("form[name=edit-category]")
    await editor.locator("select[name=parent_id]").select_option(await _id_of(page, "Faktury"))
    await editor.locator("button[type=submit]").click()
    await page.wait_for_function(
        "[...document.querySelectorAll('.category-node .category-name')]"
        ".map(n => n.textContent).join() === 'Reklamacje,Faktury,Zwroty'")
    await page.click(f"{_node('Faktury')} button[name=up]")  # reorder: Faktury first
    await page.wait_for_function(
        "[...document.querySelectorAll('.category-node .category-name')]"
        ".map(n => n.textContent).join() === 'Faktury,Zwroty,Reklamacje'")

    # A sibling already has the name (case-blind): refused on the name input.
    await page.fill(f"{NEW} input[name=name]", "faktury")
    await page.click(f"{NEW} button[type=submit]")
    note = page.locator(f"{NEW} .sla-field:has(input[name=name]) .sla-field-error")
    await note.wait_for()
    assert await note.text_content() == "Inna kategoria na tym poziomie ma już tę nazwę."
    assert "invalid" in (await page.locator(f"{NEW} input[name=name]").get_attribute(
        "class") or "")

    await page.click(f"{_node('Reklamacje')} button[name=retire]")
    await page.wait_for_selector(f"{_node('Reklamacje')}.retired button[name=bring-back]")


async def _add_choice_field(page: Page) -> None:
    form = page.locator("form[name=new-custom-field]")
    await form.locator("input[name=key]").fill("plan")
    await form.locator("select[name=kind]").select_option("choice")
    await form.locator("input[name=label_pl]").fill("Abonament")
    await form.locator("input[name=label_en]").fill("Plan")
    await form.locator("textarea[name=choices]").fill(
        "gold | Złoty | Gold\nbasic | Podstawowy | Basic")
    await form.locator("input[name=required]").check()
    await form.locator("button[type=submit]").click()
    row = page.locator(".custom-field-definitions tr[data-key=plan]")
    await row.wait_for()
    assert await row.locator("td.kind").text_content() == "wybór"
    assert await row.locator("td.choices").text_content() == "Złoty, Podstawowy"


async def test_admin_builds_categories_and_fields_the_ticket_offers(
        live: Live, browser_page: Page) -> None:
    page = browser_page
    await live.user("ewa", Role.ADMIN, name="Ewa Admin")
    now = datetime.now(UTC)
    recorded = await TicketService(live.database, TicketsConfig()).record_calls([
        build_call("ta.1", started_at=now - timedelta(minutes=5), agent_name="Anna Nowak")])
    number = recorded[0].ticket_number
    await login(page, live, "ewa")
    await page.click("#nav a[data-view=ticket_admin]")
    await page.wait_for_selector(f"{NEW} input[name=name]")
    await _build_tree(page)
    await _add_choice_field(page)
    # One "Saved." per action above, each for 5 s: the README's picture shows the page.
    await page.evaluate("document.querySelectorAll('#toasts .toast').forEach(n => n.remove())")
    await screenshot(page, "ticket-admin")

    await page.goto(f"{live.url}/#/tickets/{number}")
    form = page.locator("form[name=fields]")
    await form.wait_for()
    offered = [text.strip() for text in
               await form.locator("select[name=category] option").all_text_contents()]
    assert offered[1:] == ["Faktury", "Zwroty"]  # the retired one is not offered
    assert await form.locator("select[name=custom-plan] option").evaluate_all(
        "options => options.map(o => o.value).filter(Boolean)") == ["gold", "basic"]
    await form.locator("select[name=category]").select_option(
        label="\u00a0\u00a0Zwroty")
    await form.locator("select[name=custom-plan]").select_option("gold")
    await form.locator("button[type=submit]").click()
    await page.wait_for_selector(".entry.field_change >> nth=1")
    changes = await page.locator(".entry.field_change .content").all_text_contents()
    assert "Kategoria: — → Faktury / Zwroty" in changes

    # Back on the admin page: the choice now on the ticket cannot be left out.
    await page.goto(f"{live.url}/#/ticket_admin")
    await page.click(".custom-field-definitions tr[data-key=plan] button[name=edit]")
    editor = page.locator("form[name=edit-custom-field]")
    await editor.locator("input[name=label_pl]").fill("Pakiet")
    await editor.locator("textarea[name=choices]").fill("basic | Podstawowy | Basic")
    await editor.locator("button[type=submit]").click()
    note = editor.locator(".sla-field:has(textarea[name=choices]) .sla-field-error")
    await note.wait_for()
    assert await note.text_content() == (
        "Opcji użytej w zgłoszeniach nie można usunąć; zamiast tego wycofaj pole.")
    await editor.locator("textarea[name=choices]").fill(
        "gold | Złoty | Gold\nbasic | Podstawowy | Basic\nsilver | Srebrny | Silver")
    await editor.locator("button[type=submit]").click()
    await page.wait_for_selector(
        ".custom-field-definitions tr[data-key=plan] td:text-is('Pakiet')")
    assert await page.locator(".custom-field-definitions tr[data-key=plan] td.choices"
                              ).text_content() == "Złoty, Podstawowy, Srebrny"
