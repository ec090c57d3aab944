"""Each event type comes from the code path that really makes it: the SLA alert
scheduler, the transcription's attach, a missed call's callback ticket, an
automation rule's call_webhook action."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from ccengine.agents.callback_claims import claim
from ccengine.automation.runner import AutomationRunner
from ccengine.calls.model import FinishedCall, Outcome
from ccengine.config import TicketsConfig
from ccengine.db import Database
from ccengine.tickets.filters import EVERYONE
from ccengine.tickets.models import Call, Ticket
from ccengine.tickets.service import TicketService
from ccengine.webhooks import service
from ccengine.webhooks.storage_models import WebhookDelivery
from tests.automation_helpers import add_rule
from tests.test_sla_alerts import FR_50, FR_100, add_people, scheduler
from tests.test_sla_alerts import add_ticket as add_sla_ticket
from tests.test_ticket_search import say_masked

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def subscribe(database: Database, *types: str) -> int:
    made, _ = await service.create_endpoint(
        database, service.EndpointInput("http://127.0.0.1:9/hook", "", list(types), True), NOW)
    return made.id


async def queued(database: Database) -> list[tuple[str, dict[str, Any]]]:
    async with database.sessions() as session:
        rows = await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))
        return [(row.event_type, json.loads(row.body)) for row in rows]


async def test_sla_thresholds_from_the_alert_scheduler(database: Database) -> None:
    await subscribe(database, "sla.warning", "sla.breached")
    await add_people(database)
    await add_sla_ticket(database, "T-1")
    alerting = scheduler(database)
    await alerting.tick(FR_50)
    await alerting.tick(FR_100)
    events = await queued(database)
    assert [(kind, body["data"]["clock"], body["data"]["threshold"]) for kind, body in events] \
        == [("sla.warning", "first_response", 50), ("sla.warning", "first_response", 80),
            ("sla.breached", "first_response", 100)]  # a late tick sends 80 % too
    assert all(body["data"]["ticket"] == "T-1" and body["type"] == kind
               for kind, body in events)


async def test_a_stored_transcript_is_announced_by_ids_without_its_text(
        database: Database, make_call: Callable[..., FinishedCall]) -> None:
    await TicketService(database, TicketsConfig()).record_calls([make_call("L-1")])
    await subscribe(database, "transcript.ready")
    await say_masked(database, "L-1", "mój pesel to 44051401359 proszę o zwrot")
    [(kind, body)] = await queued(database)
    async with database.sessions() as session:
        call = (await session.scalars(select(Call))).one()
        number = await session.scalar(select(Ticket.number))
    assert kind == "transcript.ready"
    assert body["data"]["call_id"] == call.id and body["data"]["ticket"] == number
    assert isinstance(body["data"]["transcript_id"], int)
    text = json.dumps(body)
    assert "44051401359" not in text and "zwrot" not in text  # no text at all


async def test_a_missed_call_makes_a_callback_due(
        database: Database, make_call: Callable[..., FinishedCall]) -> None:
    await subscribe(database, "callback.due", "ticket.created")
    await TicketService(database, TicketsConfig()).record_calls(
        [make_call("L-1", Outcome.ABANDONED), make_call("L-2", caller_number="48600100200")])
    events = [(kind, body["data"]["ticket"]["kind"]) for kind, body in await queued(database)]
    assert sorted(events) == [("callback.due", "callback"), ("ticket.created", "call"),
                              ("ticket.created", "callback")]


async def test_an_automation_rule_queues_its_event_for_the_named_endpoint(
        database: Database) -> None:
    named = await subscribe(database)  # subscribed to nothing: the rule names it
    await subscribe(database, "ticket.created")
    rule = await add_rule(database, {"name": "Do CRM", "trigger": {"event": "created"},
                                     "actions": [{"kind": "call_webhook", "value": str(named)}]})
    await add_sla_ticket(database, "T-1")
    await AutomationRunner(database).tick(NOW)
    async with database.sessions() as session:
        rows = list(await session.scalars(select(WebhookDelivery).where(
            WebhookDelivery.event_type == "automation.rule")))
    assert [row.endpoint_id for row in rows] == [named]
    data = json.loads(rows[0].body)["data"]
    assert (data["rule_id"], data["rule"], data["event"], data["ticket"]["number"]) == (
        rule.id, "Do CRM", "created", "T-1")


async def test_a_rule_naming_a_deleted_endpoint_notes_it_and_goes_on(
        database: Database) -> None:
    gone = await subscribe(database)
    await service.delete_endpoint(database, gone)
    await add_rule(database, {"name": "Do CRM", "trigger": {"event": "created"},
                              "actions": [{"kind": "call_webhook", "value": gone},
                                          {"kind": "set_priority", "value": "P1"}]})
    await add_sla_ticket(database, "T-1")
    report = await AutomationRunner(database).tick(NOW)
    assert report.failed == 0 and len(report.executions) == 1
    async with database.sessions() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.number == "T-1"))
    assert ticket is not None and ticket.priority == "P1"


async def test_a_callback_claims_bulk_update_is_a_ticket_update_as_stored(
        database: Database, make_call: Callable[..., FinishedCall]) -> None:
    await TicketService(database, TicketsConfig()).record_calls(
        [make_call("L-1", Outcome.ABANDONED)])
    await subscribe(database, "ticket.updated")
    async with database.sessions() as session:
        number = await session.scalar(select(Ticket.number))
    assert number is not None
    await claim(database, number, "Anna Nowak", EVERYONE, NOW)
    [(kind, body)] = await queued(database)
    assert kind == "ticket.updated"
    assert body["data"]["changed"] == ["assignee"]
    assert body["data"]["ticket"]["assignee"] == "Anna Nowak"  # not the loaded None
