"""In Chromium: an agent sets her signature, inserts a reply template into the ticket's
composer and sends it with a file; the real SMTP server receives it (template,
signature, ticket number, CC, attachment) and the timeline shows it, then "sent".
An admin keeps reply templates: an unknown placeholder is refused, a good one listed."""

from __future__ import annotations

import dataclasses

from playwright.async_api import Page

from ccengine.customers.storage_models import CustomerEmail
from ccengine.replies import service
from ccengine.replies.http import SENDER
from ccengine.tickets.models import Customer
from ccengine.users.models import Role
from tests.automation_helpers import add_ticket
from tests.browser import Live, login, screenshot
from tests.mail_helpers import NOW, add_mailbox
from tests.smtp_server import SmtpServer

NUMBER = "TK-2026-000321"


async def _ticket(live: Live) -> None:
    async with live.database.writer() as session:
        customer = Customer(name="Jan Łęcki", vip=False, created_at=NOW)
        session.add(customer)
        await session.flush()
        session.add(CustomerEmail(customer_id=customer.id, address="jan@klient.pl"))
        await session.commit()
    await add_ticket(live.database, NUMBER, customer_id=customer.id, title="Zwrot towaru",
                     status="in_progress")


async def test_an_agent_replies_with_a_template_and_her_signature(
        live: Live, browser_page: Page, smtp_server: SmtpServer) -> None:
    sender = live.app[SENDER]
    sender.policy = dataclasses.replace(sender.policy, cafile=smtp_server.cafile)
    await add_mailbox(live.database, "bok", smtp_server,
                      signature_html="<p>Zespół {{ mailbox.name }}</p>")
    await service.create(live.database, service.TemplateFields(
        "Zwrot przyjęty", "Zwrot {{ ticket.number }} przyjęty",
        "<p>Dzień dobry {{ customer.name }}, zwrot przyjęliśmy.</p>", None), NOW)
    await _ticket(live)
    await live.user("anna", Role.AGENT, name="Anna Żak")
    await login(browser_page, live, "anna")
    await browser_page.goto(f"{live.url}/#/tickets/{NUMBER}")
    page = browser_page
    await page.wait_for_selector("form[name=reply] select[name=template] option >> nth=1",
                                 state="attached")
    await page.click("button[name=edit-signature]")
    await page.locator(".signature-edit .editor").fill("Pozdrawiam, {{ agent.name }}")
    await page.click("button[name=save-signature]")
    await page.wait_for_selector(".signature.mine:has-text('Pozdrawiam, Anna Żak')")
    await page.select_option("select[name=template]", label="Zwrot przyjęty")
    await page.wait_for_selector(".reply-composer .editor:has-text('Dzień dobry Jan Łęcki')")
    assert await page.input_value("input[name=subject]") == f"Zwrot {NUMBER} przyjęty"
    await page.fill("input[name=cc]", "szef@klient.pl")
    await page.set_input_files("input[name=files]", files=[{
        "name": "umowa.txt", "mimeType": "text/plain", "buffer": "Umowa źdźbło".encode()}])
    await screenshot(page, "ticket-reply-composer")
    await page.click("form[name=reply] button[type=submit]")
    await page.wait_for_selector("li[data-kind=email_out]")

    [got] = await smtp_server.arrived(1)
    message = got.message
    assert sorted(got.recipients) == ["jan@klient.pl", "szef@klient.pl"]
    assert message["Subject"] == f"[{NUMBER}] Zwrot {NUMBER} przyjęty"
    text = message.get_body(("plain",))
    assert text is not None
    content = text.get_content()
    assert "Dzień dobry Jan Łęcki" in content and "Pozdrawiam, Anna Żak" in content
    assert "Zespół Biuro Obsługi" in content
    [attached] = list(message.iter_attachments())
    assert attached.get_filename() == "umowa.txt"

    await page.reload()
    await page.wait_for_selector("li[data-kind=email_out] [data-delivery=sent]")
    await page.locator("li[data-kind=email_out]").scroll_into_view_if_needed()
    await screenshot(page, "ticket-reply-sent")


async def test_an_admin_keeps_reply_templates(live: Live, browser_page: Page) -> None:
    await live.user("ada", Role.ADMIN, name="Ada Admin")
    await login(browser_page, live, "ada")
    page = browser_page
    await page.goto(f"{live.url}/#/reply_templates")
    await page.wait_for_selector("form[name=template] .placeholders code")
    await page.fill("form[name=template] input[name=name]", "Podziękowanie")
    await page.fill("form[name=template] input[name=subject]", "Dziękujemy")
    await page.fill("form[name=template] textarea[name=body_html]",
                    "<p>Dzień dobry {{ klient.imie }}</p>")
    await page.click("form[name=template] button[type=submit]")
    await page.wait_for_selector(".toast.error:has-text('body_html')")
    await page.fill("form[name=template] textarea[name=body_html]",
                    "<p>Dzień dobry {{ customer.name }}</p>")
    await page.click("form[name=template] button[type=submit]")
    await page.wait_for_selector(".template-list tr:has-text('Podziękowanie')")
    await screenshot(page, "reply-templates")
