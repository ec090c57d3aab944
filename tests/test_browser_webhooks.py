"""The webhooks page in real Chromium: an admin adds an endpoint (its secret shown
once), sends a test event the receiver refuses, sees the failed delivery in the log,
clicks "send again" and sees it delivered, with the same webhook-id."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Page

from ccengine.config import WebhooksConfig
from ccengine.users.models import Role
from ccengine.webhooks.api import WORKER
from tests.browser import Live, login, screenshot
from tests.webhook_receiver import Receiver, verified_secrets

pytestmark = pytest.mark.browser


async def _until_row(page: Page, selector: str) -> None:
    """Refresh the log until ``selector`` shows (the worker polls every 50 ms here)."""
    deadline = asyncio.get_running_loop().time() + 15
    while not await page.locator(selector).count():
        assert asyncio.get_running_loop().time() < deadline, f"{selector} never showed"
        await page.click(".webhook-log button[name=refresh]")
        await page.wait_for_timeout(100)


async def test_admin_adds_an_endpoint_and_sends_a_failed_delivery_again(
        live: Live, browser_page: Page) -> None:
    page = browser_page
    receiver = await Receiver(fail_first=10**6).start()  # refuses until told otherwise
    live.app[WORKER].config = WebhooksConfig(max_attempts=1, poll_seconds=0.05)
    try:
        await live.user("ewa", Role.ADMIN, name="Ewa Admin")
        await login(page, live, "ewa")
        await page.click("#nav a[data-view=webhooks]")
        await page.wait_for_selector("form[name=new-webhook]")
        assert await page.locator("h1").text_content() == "Webhooki"
        await page.fill("form[name=new-webhook] input[name=url]", receiver.url)
        await page.fill("form[name=new-webhook] input[name=description]", "CRM")
        await page.check("form[name=new-webhook] input[value='ticket.created']")
        await page.click("form[name=new-webhook] button[type=submit]")
        await page.wait_for_selector(".webhook-secret code.secret")
        secret = (await page.locator(".webhook-secret code.secret").text_content()) or ""
        assert secret.startswith("whsec_")
        row = page.locator("tr[data-endpoint]")
        assert "ticket.created" in (await row.text_content() or "")

        await row.locator("button[name=test]").click()
        await _until_row(page, "tr[data-delivery][data-status=failed]")
        assert "HTTP 500" in (await page.locator("tr[data-delivery]").text_content() or "")
        await page.check("input[name=failed-only]")
        await page.wait_for_selector("tr[data-delivery][data-status=failed]")
        assert await page.locator(".webhook-log .status").first.text_content() == "Nieudane"
        await screenshot(page, "webhooks-failed")

        receiver.fail_first = 0
        await page.uncheck("input[name=failed-only]")
        await page.wait_for_selector("tr[data-delivery] button[name=resend]")
        await page.click("tr[data-delivery] button[name=resend]")
        await _until_row(page, "tr[data-delivery][data-status=delivered]")
        assert await page.locator(".webhook-log .status").first.text_content() == "Dostarczone"

        refused, accepted = receiver.requests
        assert (refused.accepted, accepted.accepted) == (False, True)
        assert refused.message_id == accepted.message_id
        assert verified_secrets([secret], accepted.headers, accepted.raw) == [secret]
        assert accepted.body["type"] == "webhook.test"
    finally:
        await receiver.stop()
