"""The delivery worker: takes due deliveries in bounded batches and POSTs them.

A claim is a short transaction: due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
so several workers share them) get ``next_attempt_at`` pushed one lease ahead
(longer than a POST may take), then the POSTs run outside any transaction and
each result is written in its own. A worker stopped mid-way leaves its rows
pending: they are due again when the lease ends and go out with the same
``webhook-id`` (at least once; receivers dedupe on it).

Each endpoint has at most ``per_endpoint`` POSTs in flight and the worker
``max_concurrency`` in all; an endpoint at its limit is left out of the next claim,
so a dead or slow one (each POST ends by ``timeout_seconds``) holds its own slots
only, never the others'. No redirect is followed (a 3xx is a failed attempt).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import aiohttp
from sqlalchemy import Row, Select, delete, select

from ccengine.cancelling import cancel_and_wait
from ccengine.config import WebhooksConfig
from ccengine.db import Database
from ccengine.webhooks import rules, signing
from ccengine.webhooks.callbacks_due import SWEEP_EVERY, sweep
from ccengine.webhooks.model import MAX_EXCERPT_BYTES, DeliveryStatus, Outcome
from ccengine.webhooks.storage_models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)
LEASE_MARGIN = 30.0  # seconds beyond the POST timeout before a claim lapses
PRUNE_EVERY = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Job:
    delivery_id: int
    endpoint_id: int
    url: str
    message_id: str
    body: str
    secrets: tuple[str, ...]


@dataclass
class DeliveryWorker:
    database: Database
    config: WebhooksConfig = field(default_factory=WebhooksConfig)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    rand: random.Random = field(default_factory=random.Random)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    _flying: Counter[int] = field(default_factory=Counter)  # endpoint id → POSTs in flight
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _http: aiohttp.ClientSession | None = None
    _pruned_at: datetime | None = None
    _swept_at: datetime | None = None

    async def run(self) -> None:
        try:
            while True:
                try:
                    await self.tick()
                except Exception:
                    log.exception("webhook tick failed")
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), self.config.poll_seconds)
        finally:
            await self.close()

    async def close(self) -> None:
        await cancel_and_wait(list(self._tasks))
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def tick(self) -> int:
        """Prune when due, claim what is due and start its POSTs; how many started."""
        now = self.clock()
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            await prune(self.database, now - timedelta(days=self.config.retention_days))
            self._pruned_at = now
        if self._swept_at is None or now - self._swept_at >= SWEEP_EVERY:
            await sweep(self.database, now)  # agreed callback times come: callback.due
            self._swept_at = now
        jobs = await self._claim(now)
        for job in jobs:
            self._flying[job.endpoint_id] += 1
            task = asyncio.create_task(self._deliver(job), name=f"webhook-{job.delivery_id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(jobs)

    async def drain(self) -> None:
        """Tests: tick until nothing is due or in flight, then close."""
        try:
            while await self.tick() or self._tasks:
                if self._tasks:
                    await asyncio.wait(set(self._tasks))
        finally:
            await self.close()

    # -- claiming -------------------------------------------------------------------

    async def _claim(self, now: datetime) -> list[Job]:
        room = self.config.max_concurrency - sum(self._flying.values())
        if room <= 0:
            return []
        busy = [ep for ep, n in self._flying.items() if n >= self.config.per_endpoint]
        async with self.database.sessions() as session:  # idle: no write lock taken
            if await session.scalar(self._due(now, busy).limit(1)) is None:
                return []
        async with self.database.writer() as session:
            query = self._due(now, busy).limit(self.config.batch)
            if self.database.dialect_name == "postgresql":
                query = query.with_for_update(skip_locked=True, of=WebhookDelivery)
            rows = list(await session.execute(query))
            jobs = self._choose(rows, room, now)
            lease = now + timedelta(seconds=self.config.timeout_seconds + LEASE_MARGIN)
            chosen = {job.delivery_id for job in jobs}
            for delivery, _ in rows:
                if delivery.id in chosen:
                    delivery.next_attempt_at = lease
            await session.commit()
        return jobs

    def _due(self, now: datetime,
             busy: list[int]) -> Select[WebhookDelivery, WebhookEndpoint]:
        query = (select(WebhookDelivery, WebhookEndpoint)
                 .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                 .where(WebhookDelivery.status == DeliveryStatus.PENDING,
                        WebhookDelivery.next_attempt_at <= now,
                        WebhookEndpoint.active.is_(True))
                 .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id))
        return query.where(WebhookDelivery.endpoint_id.not_in(busy)) if busy else query

    def _choose(self, rows: Sequence[Row[WebhookDelivery, WebhookEndpoint]],
                room: int, now: datetime) -> list[Job]:
        counts, jobs = Counter(self._flying), list[Job]()
        for delivery, endpoint in rows:
            if len(jobs) >= room:
                break
            if counts[endpoint.id] >= self.config.per_endpoint:
                continue
            counts[endpoint.id] += 1
            secrets = rules.signing_secrets(endpoint.secret, endpoint.previous_secret,
                                            endpoint.previous_until, now)
            jobs.append(Job(delivery.id, endpoint.id, endpoint.url, delivery.message_id,
                            delivery.body, tuple(secrets)))
        return jobs

    # -- sending --------------------------------------------------------------------

    async def _deliver(self, job: Job) -> None:
        try:
            outcome = await self.post(job)
            await self._record(job, outcome)
        except Exception:
            log.exception("webhook delivery %s could not be recorded", job.delivery_id)
        finally:
            self._flying[job.endpoint_id] -= 1
            if self._flying[job.endpoint_id] <= 0:
                del self._flying[job.endpoint_id]
            self.wake.set()

    async def post(self, job: Job) -> Outcome:
        if self._http is None:
            self._http = aiohttp.ClientSession()
        timestamp = int(self.clock().timestamp())
        headers = signing.headers(job.secrets, job.message_id, timestamp, job.body)
        started = time.monotonic()
        try:
            async with self._http.post(
                    job.url, data=job.body.encode(), headers=headers, allow_redirects=False,
                    timeout=aiohttp.ClientTimeout(total=self.config.timeout_seconds)) as answer:
                content = await answer.content.read(MAX_EXCERPT_BYTES)
                return Outcome(answer.status, _ms(started), None, rules.excerpt(content))
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as error:
            return Outcome(None, _ms(started), rules.error_text(error), None)

    async def _record(self, job: Job, outcome: Outcome) -> None:
        now = self.clock()
        async with self.database.writer() as session:
            delivery = await session.get(WebhookDelivery, job.delivery_id)
            if delivery is None:  # its endpoint was deleted meanwhile
                return
            delivery.attempts += 1
            delivery.last_attempt_at, delivery.last_status_code = now, outcome.status_code
            delivery.last_error = outcome.error
            self._settle(delivery, outcome, now)
            session.add(WebhookAttempt(
                delivery_id=delivery.id, attempted_at=now, status_code=outcome.status_code,
                duration_ms=outcome.duration_ms, error=outcome.error,
                response_excerpt=outcome.excerpt))
            await session.commit()

    def _settle(self, delivery: WebhookDelivery, outcome: Outcome, now: datetime) -> None:
        if outcome.delivered:
            delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, now
        elif delivery.attempts >= self.config.max_attempts:
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.next_attempt_at = rules.next_attempt(
                now, delivery.attempts, self.config.schedule_seconds, self.config.jitter,
                self.rand)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


async def prune(database: Database, before: datetime) -> None:
    """The log older than the retention period, and the finished deliveries too."""
    async with database.writer() as session:
        await session.execute(delete(WebhookAttempt).where(WebhookAttempt.attempted_at < before))
        await session.execute(delete(WebhookDelivery).where(
            WebhookDelivery.created_at < before,
            WebhookDelivery.status.in_([DeliveryStatus.DELIVERED, DeliveryStatus.FAILED])))
        await session.commit()
