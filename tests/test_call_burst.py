"""A burst of new calls (issue 12, item 9): the whole application over a real AMI
TCP connection, SQLite and PostgreSQL. Per-call database work is batched behind
bounded queues, so the pool is never exhausted, the API answers during the burst
and every call still gets its ring-time ticket."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import event, func, select

from ccengine.agents.batcher import Batcher
from ccengine.agents.customer_reader import customers_facts
from ccengine.agents.pop import RECENT_TICKETS
from ccengine.agents.storage_models import LiveCallTicket
from ccengine.config import TicketsConfig
from ccengine.db import Database
from ccengine.simulator.calls import Caller, CallFactory
from ccengine.simulator.scripts import ScriptLine
from ccengine.tickets.service import TicketService
from tests.browser import Live
from tests.conftest import T0, build_call

BURST = 2_000


class PoolWatch:
    """How many pooled connections were checked out at once, at most."""

    def __init__(self, database: Database) -> None:
        self.out = self.peak = 0
        event.listen(database.engine.sync_engine, "checkout", self._checkout)
        event.listen(database.engine.sync_engine, "checkin", self._checkin)

    def _checkout(self, *_: Any) -> None:
        self.out += 1
        self.peak = max(self.peak, self.out)

    def _checkin(self, *_: Any) -> None:
        self.out -= 1


def until_join(lines: list[ScriptLine]) -> list[ScriptLine]:
    """A call's start: its channels, caller id and queue join (then it waits)."""
    join = next(i for i, line in enumerate(lines)
                if line.raw.startswith("Event: QueueCallerJoin\r\n"))
    return lines[: join + 1]


async def tickets_opened(database: Database) -> int:
    async with database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(LiveCallTicket)) or 0)


async def test_a_burst_of_new_calls_stays_within_the_pool(
        live: Live, caplog: pytest.LogCaptureFixture) -> None:
    factory = CallFactory(seed=9)
    starts = [until_join(factory.make("queue-answered", Caller(f"48500{i:06d}", None)).lines)
              for i in range(BURST)]
    watch = PoolWatch(live.database)
    answers: list[tuple[int, int]] = []  # (HTTP status, tickets opened by then)

    async with aiohttp.ClientSession() as http:
        for number, lines in enumerate(starts, start=1):
            for line in lines:
                live.server.emit(line.raw)
            if number % 200 == 0:
                await live.server.flush()
                async with http.get(f"{live.url}/api/v1/health") as response:
                    answers.append((response.status, await tickets_opened(live.database)))
        deadline = asyncio.get_running_loop().time() + 240
        while await tickets_opened(live.database) < BURST:
            assert asyncio.get_running_loop().time() < deadline, "tickets not all opened"
            async with http.get(f"{live.url}/api/v1/health") as response:
                answers.append((response.status, await tickets_opened(live.database)))
            await asyncio.sleep(0.2)

    assert await tickets_opened(live.database) == BURST  # every call got its ticket
    # Within the pool the engine keeps for its workers and the API: no overflow, however
    # many calls (one per background worker at most, not one per call).
    assert watch.peak <= (live.database.pool_size or 1), f"{watch.peak} connections at once"
    assert answers and all(status == 200 for status, _ in answers)
    assert not [r for r in caplog.records
                if r.levelno >= logging.ERROR or "QueuePool limit" in r.getMessage()]


async def test_customers_of_many_callers_come_from_one_batched_read(database: Database) -> None:
    service = TicketService(database, TicketsConfig())
    await service.add_customer("+48601111222", "Jan Kowalski", vip=True)
    await service.add_customer("+48602333444", None, vip=False)
    # Answered calls: each opens its own ticket (missed ones would share one callback).
    calls = [build_call(f"7.{i}", caller_number="48601111222",
                        started_at=T0 + timedelta(minutes=i)) for i in range(8)]
    await service.record_calls(calls)
    async with database.sessions() as session:
        found = await customers_facts(session, ["+48601111222", "+48602333444", "+48699"])
    assert set(found) == {"+48601111222", "+48602333444"}
    jan = found["+48601111222"]
    assert (jan.name, jan.vip, len(jan.recent)) == ("Jan Kowalski", True, RECENT_TICKETS + 1)
    created = [t["created_at"] for t in jan.recent]
    assert created == sorted(created, reverse=True)  # newest first
    assert found["+48602333444"].recent == ()


async def test_a_batcher_runs_one_batch_at_a_time_and_turns_away_past_its_bound() -> None:
    running = peak = 0
    seen: list[list[int]] = []

    async def work(items: Sequence[int]) -> list[int | None]:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        seen.append(list(items))
        await asyncio.sleep(0)
        running -= 1
        if 13 in items:
            raise RuntimeError("a database hiccup")
        return [i * 2 for i in items]

    batcher: Batcher[int, int] = Batcher("test", work, batch_size=4, max_waiting=10)
    futures = [batcher.submit(i) for i in range(12)]
    results = await asyncio.gather(*futures)
    assert results == [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, None, None]  # two turned away
    assert peak == 1 and max(len(batch) for batch in seen) == 4
    assert await batcher.submit(13) is None  # a failed batch answers None, loses no waiter
    assert await batcher.submit(1) == 2
    await batcher.stop()
