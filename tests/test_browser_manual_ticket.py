"""Opening a ticket by hand in real Chromium: from the list, for a caller's number written
another way, the agent lands on the new ticket's view, and it is that caller's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Page
from sqlalchemy import select

from ccengine.config import TicketsConfig
from ccengine.tickets.models import Ticket
from ccengine.tickets.service import TicketService
from ccengine.users.models import Role
from tests.browser import Live, login, screenshot
from tests.conftest import build_call

pytestmark = pytest.mark.browser


async def test_agent_opens_a_ticket_for_a_phone_from_the_list(live: Live,
                                                              browser_page: Page) -> None:
    page = browser_page
    await live.user("anna", Role.AGENT, name="Anna Nowak", sip="PJSIP/agent3")
    started = datetime.now(UTC) - timedelta(minutes=10)
    [called] = await TicketService(live.database, TicketsConfig()).record_calls(
        [build_call("n.1", started_at=started, caller_number="48602333444")])
    await login(page, live, "anna")
    await page.goto(f"{live.url}/#/tickets")
    await page.click("button[name=new_ticket]")
    form = "form[name=new_ticket]"
    await page.fill(f"{form} input[name=title]", "Korekta faktury")
    await page.select_option(f"{form} select[name=for]", "phone")
    await page.fill(f"{form} input[name=contact]", "602 333 444")
    await page.select_option(f"{form} select[name=priority]", "P2")
    await page.fill(f"{form} textarea[name=description]", "Prosi o korektę")
    await screenshot(page, "ticket-new")
    await page.click(f"{form} button[type=submit]")
    await page.wait_for_selector(".ticket-header h1 .number")
    number = await page.locator(".ticket-header h1 .number").text_content()
    assert number and number != called.ticket_number
    assert page.url.endswith(f"#/tickets/{number}")
    async with live.database.sessions() as session:
        ticket = (await session.scalars(select(Ticket).where(Ticket.number == number))).one()
        caller = await session.scalar(select(Ticket.customer_id)
                                      .where(Ticket.number == called.ticket_number))
    assert (ticket.title, ticket.priority, ticket.assignee, ticket.source_channel) == (
        "Korekta faktury", "P2", "Anna Nowak", "manual")
    assert ticket.customer_id == caller
