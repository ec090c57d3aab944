"""The notification bell in real Chromium: the count on login, SLA alerts arriving over
the websocket bump it, the list opens, "mark all read" clears it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.async_api import Page
from sqlalchemy import select

from ccengine.notifications.api import SCHEDULER
from ccengine.notifications.service import new_notification
from ccengine.tickets.models import Ticket
from ccengine.users.models import Role, User
from tests.browser import Live, login, screenshot

pytestmark = pytest.mark.browser

OPENED = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # long past: every threshold has passed


async def add_ticket(live: Live, assignee: str) -> None:
    async with live.database.writer() as session:
        session.add(Ticket(number="TK-SLA-1", title="Zwrot towaru", status="new",
                           priority="P2", kind="call", queue="reklamacje", assignee=assignee,
                           source_channel="phone", created_at=OPENED, updated_at=OPENED))
        await session.commit()


async def add_old_notification(live: Live, login_name: str) -> None:
    async with live.database.writer() as session:
        user_id = await session.scalar(select(User.id).where(User.login == login_name))
        assert user_id is not None
        session.add(new_notification(user_id, "sla_alert", None, "Earlier", "body", {},
                                     OPENED))
        await session.commit()


async def unread_is(page: Page, count: int) -> None:
    await page.wait_for_selector(f"#bell[data-unread='{count}']")


async def test_alerts_arrive_over_the_websocket_and_mark_all_read_clears(
        live: Live, browser_page: Page) -> None:
    await live.user("anna", Role.AGENT, name="Anna Nowak")
    await add_old_notification(live, "anna")
    await login(browser_page, live, "anna")
    await unread_is(browser_page, 1)
    await add_ticket(live, "Anna Nowak")
    report = await live.app[SCHEDULER].tick()
    assert report.notifications == 6  # both clocks, 50/80/100 %, to the assignee
    await unread_is(browser_page, 7)
    await browser_page.click("#bell .bell-button")
    await browser_page.wait_for_selector(".bell-panel li.unread")
    heading = await browser_page.locator(".bell-head strong").text_content()
    assert heading == "Powiadomienia"
    titles = await browser_page.locator(".bell-panel li .title").all_text_contents()
    assert len(titles) == 7 and titles[-1] == "Earlier"  # unread, newest first
    assert any("TK-SLA-1" in title for title in titles)
    await screenshot(browser_page, "notification-bell")
    await browser_page.click(".bell-head .mark-all")
    await unread_is(browser_page, 0)
    assert await browser_page.locator(".bell-panel li.unread").count() == 0
    assert await browser_page.locator("#bell .count").is_hidden()
