"""The page shell in real Chromium: logging in, the menu per role, language, escaping."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from ccengine.users.models import Role
from tests.browser import Live, login, open_app, screenshot

pytestmark = pytest.mark.browser

HOSTILE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'


async def test_wrong_password_shows_an_error_and_no_menu(live: Live,
                                                         browser_page: Page) -> None:
    await live.user("anna", Role.AGENT)
    await open_app(browser_page, live, "/login")
    await browser_page.fill("input[name=login]", "anna")
    await browser_page.fill("input[name=password]", "not-her-password")
    await browser_page.click("button[type=submit]")
    await browser_page.wait_for_function(
        "document.querySelector('p[role=alert]')?.textContent.length > 0")
    alert = await browser_page.locator("p[role=alert]").text_content()
    assert alert == "Błędny login lub hasło."
    assert await browser_page.locator("#top").is_hidden()


async def test_a_hostile_name_renders_as_text(live: Live, browser_page: Page) -> None:
    dialogs: list[str] = []
    browser_page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await live.user("mallory", Role.QA_LEAD, name=HOSTILE)
    await login(browser_page, live, "mallory")
    who = await browser_page.locator("#who").text_content()
    assert who is not None and who.startswith(HOSTILE)
    assert await browser_page.evaluate("window.pwned") is None
    assert await browser_page.locator("#who img, #who script").count() == 0
    assert dialogs == []


async def test_menu_follows_the_role_and_language_switches(live: Live,
                                                           browser_page: Page) -> None:
    await live.user("ewa", Role.ADMIN, name="Ewa Admin")
    await login(browser_page, live, "ewa")
    polish = await browser_page.locator("#nav a").all_text_contents()
    assert polish == ["Zgłoszenia", "Klienci", "Organizacje", "Trasy połączeń",
                      "Kalendarze i SLA", "Tablica", "Ocena jakości", "Automatyzacja",
                      "Kody zakończenia", "Kategorie i pola", "Kanały", "Satysfakcja",
                      "Webhooki", "Szablony odpowiedzi"]
    await browser_page.select_option("#language", "en")
    await browser_page.wait_for_function(
        "document.querySelector('#nav a').textContent === 'Tickets'")
    await browser_page.reload()
    await browser_page.wait_for_selector("body[data-ready=true]")
    english = await browser_page.locator("#nav a").all_text_contents()
    assert english == ["Tickets", "Customers", "Organisations", "Routes", "Calendars and SLA",
                       "Wallboard", "QA review", "Automation", "Dispositions",
                       "Categories and fields", "Channels", "Satisfaction", "Webhooks",
                       "Reply templates"]
    await screenshot(browser_page, "shell-admin")
