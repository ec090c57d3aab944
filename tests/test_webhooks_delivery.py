"""Webhooks end to end over both databases: real changes queue deliveries in their own
transaction, a real receiver (its own signature check) gets them, retries keep the
webhook-id, a dead endpoint does not hold a healthy one back, nothing is lost when
the worker stops mid-way, and a rotated secret signs beside the new one for a while."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from ccengine.calls.model import FinishedCall
from ccengine.config import TicketsConfig, WebhooksConfig
from ccengine.db import Database
from ccengine.tickets.enums import TicketStatus
from ccengine.tickets.models import Ticket
from ccengine.tickets.service import TicketService
from ccengine.webhooks import service
from ccengine.webhooks.model import DeliveryStatus
from ccengine.webhooks.storage_models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from ccengine.webhooks.worker import DeliveryWorker
from tests.webhook_receiver import Receiver, verified_secrets

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FAST = WebhooksConfig(schedule_seconds=(0,), jitter=0, max_attempts=5, timeout_seconds=2,
                      poll_seconds=0.05)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    started = await Receiver().start()
    yield started
    await started.stop()


async def endpoint(database: Database, url: str, *types: str) -> tuple[int, str]:
    made, secret = await service.create_endpoint(
        database, service.EndpointInput(url, "test", list(types), True), NOW)
    return made.id, secret


def worker(database: Database, config: WebhooksConfig = FAST, **kw: Any) -> DeliveryWorker:
    return DeliveryWorker(database, config, **kw)


async def deliveries(database: Database) -> list[WebhookDelivery]:
    async with database.sessions() as session:
        return list(await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


async def record(database: Database, *calls: FinishedCall) -> None:
    await TicketService(database, TicketsConfig()).record_calls(list(calls))


async def test_a_recorded_call_is_signed_and_delivered_to_its_subscribers_only(
        database: Database, receiver: Receiver,
        make_call: Callable[..., FinishedCall]) -> None:
    first, secret = await endpoint(database, receiver.url, "ticket.created", "call.finished")
    await endpoint(database, receiver.url + "?other=1", "sla.breached")  # not subscribed
    await record(database, make_call("L-1"))
    queued = await deliveries(database)
    assert {(d.endpoint_id, d.event_type) for d in queued} == {
        (first, "ticket.created"), (first, "call.finished")}

    await worker(database).drain()

    assert sorted(r.body["type"] for r in receiver.accepted()) == [
        "call.finished", "ticket.created"]
    for request in receiver.accepted():
        assert verified_secrets([secret], request.headers, request.raw) == [secret]
    assert "48602333444" not in receiver.of_type("call.finished")[0].raw.decode()  # no caller
    call = receiver.of_type("call.finished")[0].body["data"]
    ticket = receiver.of_type("ticket.created")[0].body["data"]["ticket"]
    assert call["ticket"] == ticket["number"] and call["call"]["outcome"] == "answered"
    assert {d.status for d in await deliveries(database)} == {DeliveryStatus.DELIVERED}


async def test_ticket_updates_and_closing_come_from_the_ticket_service(
        database: Database, receiver: Receiver,
        make_call: Callable[..., FinishedCall]) -> None:
    await endpoint(database, receiver.url, "ticket.updated", "ticket.closed")
    await record(database, make_call("L-1"))
    tickets = TicketService(database, TicketsConfig())
    async with database.sessions() as session:
        number = await session.scalar(select(Ticket.number))
    assert number is not None
    await tickets.change_status(number, TicketStatus.WAITING_FOR_CUSTOMER, "anna")
    await tickets.change_status(number, TicketStatus.CLOSED, "anna")
    await worker(database).drain()

    updated = [r.body["data"] for r in receiver.of_type("ticket.updated")]
    assert [(u["ticket"]["status"], "status" in u["changed"]) for u in updated] == [
        ("waiting_for_customer", True), ("closed", True)]
    [closed] = receiver.of_type("ticket.closed")
    assert closed.body["data"]["ticket"]["number"] == number


async def test_a_rolled_back_change_queues_nothing(database: Database,
                                                   receiver: Receiver) -> None:
    await endpoint(database, receiver.url, "ticket.created")
    async with database.writer() as session:
        session.add(Ticket(number="T-1", title="x", status="new", priority="P3", kind="call",
                           source_channel="phone", created_at=NOW, updated_at=NOW))
        await session.flush()  # the hook ran: its row is in this transaction
        assert await session.scalar(select(func.count()).select_from(WebhookDelivery)) == 1
        await session.rollback()
    assert await deliveries(database) == []


async def test_retries_keep_the_webhook_id_until_one_is_accepted(
        database: Database, receiver: Receiver) -> None:
    receiver.fail_first = 2
    endpoint_id, secret = await endpoint(database, receiver.url)
    await service.send_test(database, endpoint_id, NOW)
    await worker(database).drain()

    assert [r.accepted for r in receiver.requests] == [False, False, True]
    assert len({r.message_id for r in receiver.requests}) == 1  # duplicates detectable
    assert len({r.raw for r in receiver.requests}) == 1  # the same bytes each time
    assert all(verified_secrets([secret], r.headers, r.raw) for r in receiver.requests)
    [row] = await deliveries(database)
    assert (row.status, row.attempts, row.last_status_code) == (DeliveryStatus.DELIVERED, 3, 204)
    items, total = await service.deliveries(database, endpoint_id, None, 1, 10)
    assert total == 1 and [a["status_code"] for a in items[0]["log"]] == [204, 500, 500]
    assert all(len((a["response_excerpt"] or "").encode()) <= 1024 for a in items[0]["log"])


async def test_it_gives_up_after_max_attempts_and_send_again_delivers_the_same_id(
        database: Database, receiver: Receiver) -> None:
    receiver.fail_first = 3
    endpoint_id, _ = await endpoint(database, receiver.url)
    await service.send_test(database, endpoint_id, NOW)
    config = WebhooksConfig(schedule_seconds=(0,), jitter=0, max_attempts=3, poll_seconds=0.05)
    await worker(database, config).drain()
    [row] = await deliveries(database)
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 3)
    failed, _ = await service.deliveries(database, endpoint_id, DeliveryStatus.FAILED, 1, 10)
    assert [item["id"] for item in failed] == [row.id]

    await service.resend(database, endpoint_id, row.id, datetime.now(UTC))
    await worker(database, config).drain()
    assert [r.accepted for r in receiver.requests] == [False, False, False, True]
    assert len({r.message_id for r in receiver.requests}) == 1
    [row] = await deliveries(database)
    assert row.status == DeliveryStatus.DELIVERED


async def test_a_dead_endpoint_does_not_delay_a_healthy_one(
        database: Database, receiver: Receiver) -> None:
    hanging = await Receiver(hang=True).start()
    refused = "http://127.0.0.1:9/hook"  # discard port: nothing listens
    try:
        hung_id, _ = await endpoint(database, hanging.url)
        refused_id, _ = await endpoint(database, refused)
        healthy_id, _ = await endpoint(database, receiver.url)
        for _ in range(5):
            await service.send_test(database, hung_id, NOW)
            await service.send_test(database, refused_id, NOW)
        await service.send_test(database, healthy_id, NOW)
        config = WebhooksConfig(schedule_seconds=(60,), jitter=0, timeout_seconds=30,
                                per_endpoint=2, max_concurrency=4, poll_seconds=0.05)
        running = worker(database, config)
        task = asyncio.create_task(running.run())
        deadline = asyncio.get_running_loop().time() + 5  # far below the 30 s timeout
        while not receiver.accepted():
            assert asyncio.get_running_loop().time() < deadline, "the healthy one waited"
            await asyncio.sleep(0.05)
        assert hanging.arrived.is_set()  # the hanging one was being tried meanwhile
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    finally:
        await hanging.stop()


async def test_a_worker_stopped_mid_way_loses_nothing(database: Database,
                                                      receiver: Receiver) -> None:
    receiver.hang = True  # the first POSTs never finish: the worker is stopped meanwhile
    endpoint_id, _ = await endpoint(database, receiver.url)
    for _ in range(3):
        await service.send_test(database, endpoint_id, NOW)
    first = worker(database, WebhooksConfig(timeout_seconds=30, poll_seconds=0.05))
    task = asyncio.create_task(first.run())
    await asyncio.wait_for(receiver.arrived.wait(), 10)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert {d.status for d in await deliveries(database)} == {DeliveryStatus.PENDING}

    receiver.hang = False
    later = datetime.now(UTC) + timedelta(minutes=2)  # past the claim's lease
    await worker(database, FAST, clock=lambda: later).drain()
    ids = {d.message_id for d in await deliveries(database)}
    assert {r.message_id for r in receiver.accepted()} == ids and len(ids) == 3
    assert {d.status for d in await deliveries(database)} == {DeliveryStatus.DELIVERED}


async def test_a_rotated_secret_signs_beside_the_new_one_during_the_grace_period(
        database: Database, receiver: Receiver) -> None:
    endpoint_id, old = await endpoint(database, receiver.url)
    _, new = await service.rotate_secret(database, endpoint_id, timedelta(hours=1), NOW)
    await service.send_test(database, endpoint_id, NOW)
    await worker(database, clock=lambda: NOW + timedelta(minutes=30)).drain()
    await service.send_test(database, endpoint_id, NOW)
    await worker(database, clock=lambda: NOW + timedelta(hours=2)).drain()

    during, after = receiver.accepted()
    assert len(during.signatures) == 2
    assert verified_secrets([old, new], during.headers, during.raw) == [old, new]
    assert len(after.signatures) == 1
    assert verified_secrets([old, new], after.headers, after.raw) == [new]


async def test_the_log_is_pruned_after_the_retention_period(database: Database,
                                                            receiver: Receiver) -> None:
    endpoint_id, _ = await endpoint(database, receiver.url)
    await service.send_test(database, endpoint_id, NOW)
    await worker(database, clock=lambda: NOW).drain()
    await service.send_test(database, endpoint_id, NOW + timedelta(days=40))  # recent, pending
    await worker(database, clock=lambda: NOW + timedelta(days=40)).tick()
    async with database.sessions() as session:
        kept = list(await session.scalars(select(WebhookDelivery.created_at)))
        attempts = await session.scalar(select(func.count()).select_from(WebhookAttempt))
    assert kept == [NOW + timedelta(days=40)] and attempts in (0, 1)  # the old one's gone


async def test_deleting_an_endpoint_removes_its_deliveries(database: Database,
                                                           receiver: Receiver) -> None:
    endpoint_id, _ = await endpoint(database, receiver.url)
    await service.send_test(database, endpoint_id, NOW)
    await service.delete_endpoint(database, endpoint_id)
    async with database.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0
    assert await deliveries(database) == []
