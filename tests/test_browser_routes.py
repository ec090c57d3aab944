"""The route graph editor in real Chromium: picture, holiday form, publish, simulate, errors."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
import yaml
from playwright.async_api import Dialog, Page

from ccengine.routes.model import HolidayNode
from ccengine.routes.store import RouteStore
from ccengine.users.models import Role
from tests.browser import Live, login, open_app, screenshot

pytestmark = pytest.mark.browser

HOSTILE = '<img src=x onerror="window.pwned=1">'

NODE = "svg.route-graph g.node[data-node='{}']"
EDGE = "svg.route-graph g.edge[data-from='{}'][data-to='{}']"


async def open_editor(page: Page, live: Live) -> None:
    await live.user("ewa", Role.ADMIN, name="Ewa Admin")
    await login(page, live, "ewa")
    # Loaded afresh: the home page that login opens may still be rendering into
    # <main> after a mere hash change, pushing the editor down.
    await open_app(page, live, "/routes")
    await page.reload()
    await page.wait_for_selector("body[data-ready=true]")
    await page.wait_for_selector(NODE.format("swieta"))
    await page.wait_for_selector("svg.route-graph[data-fitted=true]")


async def test_admin_adds_a_holiday_publishes_and_sees_christmas_routed(
        live: Live, browser_page: Page) -> None:
    page = browser_page
    await open_editor(page, live)
    nodes = await page.locator("svg.route-graph g.node").count()
    assert nodes == 18
    assert await page.locator(EDGE.format("swieta", "swieto")).text_content() == "święto"

    await page.click(NODE.format("swieta"))
    form = page.locator("form.node-form[data-node=swieta]")
    await form.get_by_role("button", name="Dodaj datę").click()
    await page.fill("input[name='custom.1.name']", "Dzień firmy")
    await page.fill("input[name='custom.1.date']", "2026-11-20")

    # Leaving with unsaved changes asks first; staying keeps them.
    asked: list[str] = []

    async def stay(dialog: Dialog) -> None:
        asked.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", stay)
    await page.click("#nav a[data-view=tickets]")
    await page.wait_for_function("location.hash === '#/routes'")
    page.remove_listener("dialog", stay)
    assert asked == ["Na tej stronie są niezapisane zmiany. Opuścić ją i je utracić?"]
    assert await page.input_value("input[name='custom.1.name']") == "Dzień firmy"

    await page.click("button[name=save]")
    await page.wait_for_function(
        "document.querySelector('.version-state').textContent.startsWith('wersja 2 (szkic')")
    await page.click("button[name=publish]")
    # Publishing asks, showing what changes against the live version.
    confirm = page.locator("dialog.publish-confirm")
    await confirm.wait_for()
    assert await confirm.locator(".publish-diff li").all_text_contents() == [
        "Zmieniony węzeł swieta: custom"]
    await confirm.locator("button[name=confirm-publish]").click()
    await page.wait_for_function(
        "document.querySelector('.version-state').textContent === 'wersja 2 (opublikowana)'")
    stored = await RouteStore(live.database).get("ecommerce")
    assert stored.version == 2 and stored.status == "published"
    holidays = stored.graph.nodes["swieta"]
    assert isinstance(holidays, HolidayNode)
    assert [(c.name, c.date) for c in holidays.custom] == [
        ("Inwentaryzacja", dt.date(2026, 12, 31)), ("Dzień firmy", dt.date(2026, 11, 20))]

    await page.click("button[data-tab=simulate]")
    await page.fill("input[name=sim-date]", "2026-12-25")
    await page.fill("input[name=sim-time]", "10:00")
    await page.fill("input[name=sim-caller]", "601 111 222")
    await page.get_by_role("button", name="Symuluj", exact=True).click()
    await page.wait_for_selector(f"{NODE.format('swieta')}.on-path")
    on_path = await page.locator("svg.route-graph g.node.on-path").evaluate_all(
        "nodes => nodes.map(n => n.dataset.node)")
    assert sorted(on_path) == ["godziny", "infolinia", "poczta", "swieta", "swieto"]
    assert await page.locator(f"{EDGE.format('swieta', 'swieto')}.on-path").count() == 1
    assert await page.locator(f"{EDGE.format('swieta', 'vip')}.on-path").count() == 0
    reasons = await page.locator(".sim-steps .reason").all_text_contents()
    assert "holiday: 2026-12-25 Boże Narodzenie (pierwszy dzień)" in reasons
    # The toasts of saving and publishing would cover the picture's lower part.
    await page.evaluate("document.querySelectorAll('.toast').forEach(n => n.remove())")
    await screenshot(page, "route-editor")

    # Roll back to the example as it was: version 1 is live again.
    await page.click("button[data-tab=versions]")
    await page.click("tr[data-version='1'] button[name=rollback]")
    await page.wait_for_function(
        "document.querySelector('.version-state').textContent === 'wersja 1 (opublikowana)'")
    assert (await RouteStore(live.database).get("ecommerce")).version == 1


async def test_a_menu_option_pointing_nowhere_shows_on_the_menu_node(
        live: Live, browser_page: Page) -> None:
    page = browser_page
    await open_editor(page, live)
    await page.click(NODE.format("kolejka-reklamacje"))
    await page.get_by_role("button", name="Usuń węzeł").click()
    assert await page.locator(NODE.format("kolejka-reklamacje")).count() == 0
    await page.click("button[name=validate]")
    await page.wait_for_selector(f"{NODE.format('menu')}.has-issue")
    listed = await page.locator(".issues-list li").all_text_contents()
    assert "menu · options.3: unknown node 'kolejka-reklamacje'" in listed
    await page.click(NODE.format("menu"))
    form = page.locator("form.node-form[data-node=menu]")
    assert "unknown node 'kolejka-reklamacje'" in (
        await form.locator(".node-issues").text_content() or "")
    assert await form.locator("select[data-field='options.3'].invalid").count() == 1
    # Publishing is refused, and the live graph stays the one it was.
    await page.click("button[name=publish]")
    confirm = page.locator("dialog.publish-confirm")
    assert "Usunięty węzeł kolejka-reklamacje" in (
        await confirm.locator(".publish-diff").text_content() or "")
    await confirm.locator("button[name=confirm-publish]").click()
    await page.wait_for_selector(".toast.error:has-text('the graph has issues')")
    stored = await RouteStore(live.database).get("ecommerce")
    assert (stored.version, stored.status) == (live.graph_version, "published")

    # Fixed by a new node, connected from the menu's option 3.
    await page.select_option("select[name=new-kind]", "hangup")
    await page.fill("input[name=new-id]", "pozegnanie")
    await page.get_by_role("button", name="Dodaj węzeł").click()
    await page.wait_for_selector("form.node-form[data-node=pozegnanie]")
    await page.click(NODE.format("menu"))
    await page.select_option("form.node-form select[data-field='options.3']", "pozegnanie")
    assert await page.locator(EDGE.format("menu", "pozegnanie")).text_content() == "3"
    await page.click("button[name=validate]")
    await page.wait_for_selector(".toast:has-text('Nie znaleziono problemów.')")
    assert await page.locator("svg.route-graph g.node.has-issue").count() == 0


async def test_the_picture_pans_and_zooms(live: Live, browser_page: Page) -> None:
    page = browser_page
    await open_editor(page, live)
    viewport = page.locator("svg.route-graph g.viewport")
    fitted = await viewport.get_attribute("transform")
    await page.get_by_role("button", name="Powiększ").click()
    zoomed = await viewport.get_attribute("transform")
    assert scale(zoomed) == pytest.approx(scale(fitted) * 1.25, rel=1e-3)
    await page.locator("svg.route-graph").scroll_into_view_if_needed()
    box = await page.locator("svg.route-graph").bounding_box()
    assert box is not None
    await page.mouse.move(box["x"] + 30, box["y"] + box["height"] - 30)  # empty background
    await page.mouse.down()
    await page.mouse.move(box["x"] + 130, box["y"] + box["height"] - 10)
    await page.mouse.up()
    panned = await viewport.get_attribute("transform")
    assert offset(panned) == pytest.approx((offset(zoomed)[0] + 100, offset(zoomed)[1] + 20),
                                           abs=1)
    await page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    await page.mouse.wheel(0, 300)
    await page.wait_for_function(
        "t => document.querySelector('svg.route-graph g.viewport').getAttribute('transform')"
        " !== t", arg=panned)
    assert scale(await viewport.get_attribute("transform")) < scale(panned)


def scale(transform: str | None) -> float:
    assert transform is not None
    return float(transform.split("scale(")[1].rstrip(")"))


def offset(transform: str | None) -> tuple[float, float]:
    assert transform is not None
    x, y = transform.split("translate(")[1].split(")")[0].split()
    return float(x), float(y)


async def test_export_and_import_yaml(live: Live, browser_page: Page) -> None:
    page = browser_page
    await open_editor(page, live)
    async with page.expect_download() as started:
        await page.click("button[name=export]")
    download = await started.value
    assert download.suggested_filename == f"ecommerce-v{live.graph_version}.yaml"
    saved = Path(await download.path())
    exported = yaml.safe_load(await asyncio.to_thread(saved.read_text, encoding="utf-8"))
    assert exported["nodes"]["swieta"]["custom"] == [
        {"name": "Inwentaryzacja", "date": "2026-12-31"}]

    exported["nodes"]["menu"]["label"] = HOSTILE
    await page.click("button[data-tab=import]")
    await page.fill("textarea[name=yaml]", yaml.safe_dump(exported, allow_unicode=True))
    await page.get_by_role("button", name="Importuj", exact=True).click()
    await page.wait_for_function(
        "document.querySelector('.version-state').textContent === 'wersja 2 (szkic)'")
    name = page.locator(f"{NODE.format('menu')} text.name")
    assert await name.text_content() == HOSTILE[:23] + "…"
    assert await page.locator("main img").count() == 0
    assert await page.evaluate("window.pwned") is None
    stored = await RouteStore(live.database).get("ecommerce", 2)
    assert stored.graph.nodes["menu"].label == HOSTILE
