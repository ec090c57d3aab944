"""Writers that change tickets outside an agent's edit feed automation too, on real
SQLite and PostgreSQL: the auto-close sweep records the ``closed`` stay and an
``updated`` event; a callback claim (a guarded bulk UPDATE) an ``updated`` event."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from ccengine.agents.callback_claims import claim
from ccengine.automation.runner import AutomationRunner
from ccengine.automation.service import time_in_status
from ccengine.db import Database
from ccengine.tickets.closing import close_resolved
from ccengine.tickets.filters import EVERYONE
from ccengine.tickets.models import Customer
from tests.automation_helpers import (
    OPENED,
    add_rule,
    add_ticket,
    history,
    ticket,
    waiting_events,
)

DAY = timedelta(days=1)


async def test_an_auto_close_records_the_closed_stay_and_fires_updated_rules(
        database: Database) -> None:
    await add_rule(database, {"name": "Zamknięte", "trigger": {"event": "updated"},
                              "conditions": [{"kind": "status", "value": ["closed"]}],
                              "actions": [{"kind": "set_priority", "value": "P4"}]})
    await add_ticket(database, "T-C1", status="resolved", resolved_at=OPENED)
    runner = AutomationRunner(database)
    await runner.tick(OPENED)  # its created event: no rule
    closed_at = OPENED + 8 * DAY
    assert await close_resolved(database, closed_at, after_days=7) == ["T-C1"]
    kept = await time_in_status(database, "T-C1", EVERYONE, closed_at + timedelta(hours=1))
    assert (kept.status, kept.since) == ("closed", closed_at)
    assert kept.seconds == {"resolved": 8 * 86400, "closed": 3600}
    report = await runner.tick(closed_at)
    assert [(number, rule) for number, rule, _ in report.executions] == [("T-C1", "Zamknięte")]
    assert (await ticket(database, "T-C1")).priority == "P4"


async def test_a_callback_claim_is_an_updated_event_of_each_ticket_it_takes(
        database: Database) -> None:
    await add_rule(database, {"name": "Zmieniony", "trigger": {"event": "updated"},
                              "actions": [{"kind": "set_priority", "value": "P2"}]})
    async with database.writer() as session:
        customer = Customer(phone_e164="+48600111222", created_at=OPENED)
        session.add(customer)
        await session.commit()
        customer_id = customer.id
    for number in ("CB-1", "CB-2"):  # one caller's two open callbacks: one claim holds both
        await add_ticket(database, number, kind="callback", customer_id=customer_id)
    runner = AutomationRunner(database)
    await runner.tick(OPENED)  # the created events: no rule
    assert await claim(database, "CB-1", "Anna Nowak", EVERYONE, OPENED) == "Anna Nowak"
    report = await runner.tick(OPENED)
    assert sorted(number for number, _, _ in report.executions) == ["CB-1", "CB-2"]
    assert [(await ticket(database, n)).priority for n in ("CB-1", "CB-2")] == ["P2", "P2"]
    again = await claim(database, "CB-1", "Anna Nowak", EVERYONE, OPENED)  # hers already
    assert again == "Anna Nowak" and (await runner.tick(OPENED)).executions == []


async def test_racing_sweeps_close_a_ticket_once(database: Database) -> None:
    """The rows are locked (SKIP LOCKED on PostgreSQL) and re-checked, not claimed by a
    conditional UPDATE any more: still one close, one stay, one event."""
    await add_ticket(database, "T-C2", status="resolved", resolved_at=OPENED)
    await AutomationRunner(database).tick(OPENED)
    at = OPENED + 8 * DAY
    closed = await asyncio.gather(*(close_resolved(database, at, after_days=7)
                                    for _ in range(3)))
    assert [number for numbers in closed for number in numbers] == ["T-C2"]
    assert len(await history(database, "T-C2", {"status_change"})) == 1
    assert await waiting_events(database) == 1
