"""The organisations page in real Chromium (issue 13, item 12): a plain agent finds an
organisation without Polish letters, sees its people and the open tickets she may see
(not a colleague's, not a closed one), edits its card (a bad NIP refused on the
field), and makes every customer VIP at once."""

from __future__ import annotations

import pytest
from playwright.async_api import Page
from sqlalchemy import select

from ccengine.calls.model import Outcome
from ccengine.config import TicketsConfig
from ccengine.customers.organisations import OrganisationService
from ccengine.customers.service import utc_now
from ccengine.tickets.enums import TicketStatus
from ccengine.tickets.models import Customer
from ccengine.tickets.service import TicketService
from ccengine.users.models import Role
from tests.browser import Live, login, screenshot
from tests.conftest import build_call

pytestmark = pytest.mark.browser


async def world(live: Live) -> tuple[int, dict[str, str]]:
    """Żabka with three people: an unassigned open ticket, Bartek's own, a closed one."""
    tickets = TicketService(live.database, TicketsConfig())
    recorded = await tickets.record_calls([
        build_call("o.1", Outcome.ABANDONED, caller_number="+48602111001", caller_name="Łucja"),
        build_call("o.2", caller_number="+48602111002", caller_name="Marek",
                   agent_name="Bartek Zieliński"),
        build_call("o.3", Outcome.ABANDONED, caller_number="+48602111003", caller_name="Ola")])
    numbers = dict(zip(("open", "bartek", "closed"), (r.ticket_number for r in recorded),
                       strict=True))
    await tickets.change_status(numbers["closed"], TicketStatus.CLOSED, "Administrator")
    organisation = await OrganisationService(live.database, utc_now).save(
        None, {"name": "Żabka Polska", "nip": "5260250274", "address": "Poznań"})
    async with live.database.writer() as session:
        for customer in await session.scalars(select(Customer)):
            customer.organisation_id = organisation.id
        await session.commit()
    return organisation.id, numbers


async def test_an_agent_sees_an_organisations_people_and_her_open_tickets(
        live: Live, browser_page: Page) -> None:
    page = browser_page
    await live.user("anna", Role.AGENT, name="Anna Nowak", sip="PJSIP/agent3")
    organisation_id, numbers = await world(live)
    await login(page, live, "anna")
    await page.click("#nav a[data-view=organisations]")
    assert await page.locator("h1").text_content() == "Organizacje"
    await page.fill("form[name=search] input[name=q]", "zabka")
    await page.press("form[name=search] input[name=q]", "Enter")
    await page.click(".organisation-results a.organisation-link:text('Żabka Polska')")
    await page.wait_for_selector(".organisation-people tbody tr")
    assert page.url.endswith(f"#/organisations/{organisation_id}")
    assert await page.locator(".organisation-people tbody tr").count() == 3
    shown = await page.locator(".open-tickets li").evaluate_all(
        "(items) => items.map((item) => item.dataset.number)")
    assert shown == [numbers["open"]]  # not Bartek's own, not the closed one

    card = page.locator("form.organisation-card")
    await card.locator("input[name=nip]").fill("5260250275")
    await card.locator("button[type=submit]").click()
    await card.locator("input[name=nip].invalid").wait_for()
    assert "NIP" in (await card.locator(".error").text_content() or "").upper()
    await card.locator("input[name=nip]").fill("526-025-02-74")
    await card.locator("textarea[name=notes]").fill("Centrala, faktury do 10.")
    await card.locator("button[type=submit]").click()
    await page.wait_for_selector(".toast:text('Zapisano.')")  # after the PATCH answered
    assert await card.locator(".error").text_content() == ""
    detail = await OrganisationService(live.database, utc_now).read(organisation_id)
    assert (detail[0].nip, detail[0].notes) == ("5260250274", "Centrala, faktury do 10.")
    await screenshot(page, "organisation")
    await page.click(".organisation-people a.customer-link:text('Łucja')")
    await page.click(".customer a.organisation-link")  # and back from the customer's page
    await page.wait_for_selector("h1:text('Żabka Polska')")


async def test_an_admin_makes_every_customer_vip_and_creates_one(
        live: Live, browser_page: Page) -> None:
    page = browser_page
    await live.user("ewa", Role.ADMIN, name="Ewa Admin")
    organisation_id, _ = await world(live)
    await login(page, live, "ewa")
    await page.goto(f"{live.url}/#/organisations/{organisation_id}")
    await page.wait_for_selector(".organisation-vip[data-vips='0']")
    assert await page.locator(".open-tickets li").count() == 2  # an admin sees Bartek's too
    await page.click(".organisation-vip .vip-all")
    await page.wait_for_selector(".organisation-vip[data-vips='3']")
    assert await page.locator(".organisation-people .badge.vip").count() == 3
    async with live.database.sessions() as session:
        assert set(await session.scalars(select(Customer.vip))) == {True}

    await page.goto(f"{live.url}/#/organisations")
    await page.click(".new-organisation")
    await page.fill("form.organisation-card input[name=name]", "Łódzka Spółdzielnia")
    await page.click("form.organisation-card button[type=submit]")
    await page.wait_for_selector("h1:text('Łódzka Spółdzielnia')")
    await page.wait_for_selector(".organisation .empty")
