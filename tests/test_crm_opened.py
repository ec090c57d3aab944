"""Tickets opened by any writer are looked up in the background, once each, from
the newest ticket when the process starts (SQLite and PostgreSQL, a real HTTP CRM)."""

from __future__ import annotations

from datetime import UTC, datetime

from ccengine.config import CrmConfig, TicketsConfig
from ccengine.crm.client import CrmClient
from ccengine.crm.opened import OpenedTickets
from ccengine.db import Database
from ccengine.tickets.manual import ForEmail, ForPhone, ManualTicket, Recipient, open_ticket
from tests.crm_fake import ANNA, FakeCrm
from tests.crm_fake import crm as crm  # the fixture


async def _open(database: Database, recipient: Recipient) -> str:
    return await open_ticket(database, ManualTicket("Paczka", recipient), "Szef", "in the page",
                             datetime.now(UTC), TicketsConfig())


async def test_new_tickets_are_looked_up_once_each(database: Database, crm: FakeCrm) -> None:
    crm.answer("+48601111222", ANNA)
    await _open(database, ForPhone("+48601111000"))  # before the process started
    client = CrmClient(CrmConfig(enabled=True, url=crm.url, concurrency=2))
    opened = OpenedTickets(database, client)
    try:
        assert await opened.once() == 0  # the cursor starts at the newest ticket
        for recipient in (ForPhone("+48601111222"), ForEmail("anna@example.com"), None,
                          ForPhone("+48601111333"), ForPhone("+48601111444")):
            await _open(database, recipient)
        assert await opened.once() == 5
        assert await opened.once() == 0
    finally:
        await client.close()
    asked = sorted(crm.asked, key=str)
    assert asked == sorted([{"phone": "+48601111222"}, {"email": "anna@example.com"},
                            {"phone": "+48601111333"}, {"phone": "+48601111444"}], key=str)


async def test_a_process_with_the_crm_off_reads_nothing(database: Database,
                                                        crm: FakeCrm) -> None:
    opened = OpenedTickets(database, CrmClient(CrmConfig(enabled=False, url=crm.url)))
    await _open(database, ForPhone("+48601111222"))
    assert (await opened.once(), opened.cursor) == (0, None)
    assert crm.asked == []
