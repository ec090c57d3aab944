"""SLA alert scheduler: delay from threshold to notification, and CPU, on PostgreSQL.

N open tickets (P1, around the clock) are bulk-inserted with their next alert moment,
as the SLA sync stores it. A share of them (--crossing) reach 50 % of their first
response at moments spread evenly over the run; the rest are answered and far from
any threshold, so the index must keep them out of each tick. The scheduler
(``AlertScheduler``, the app's) ticks every --every seconds for --duration seconds
on the real clock; each notification's publish notes its time.

The baseline, in the same run and on the same rows: a bare poller doing only the
indexed ``SELECT id ... WHERE sla_next_alert_at <= now ORDER BY sla_next_alert_at
LIMIT batch`` at the same ticks (it finds, sends and records nothing). Printed: the
delay threshold → notification p50/p95 (bounded below by the tick interval), and the
CPU seconds of this process per minute of ticking, for both, with their ratio (over
the first half of each run: the lag meter below runs in the second).

Also the event loop's lag (how late a 5 ms sleeper wakes) while each of them ticks,
and for one batch of tickets alone: planned on the loop (how the tick did it before)
against in a thread (``asyncio.to_thread``, how it does now), with its CPU time.

    .venv/bin/python benchmarks/sla.py [--tickets 100000] [--crossing 0.1]
        [--duration 60] [--every 5] [--quick]

Needs PostgreSQL: CCENGINE_TEST_PG_DSN (default postgresql://postgres@127.0.0.1:5432/
postgres); a scratch database is created and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _scratch_pg import scratch_database  # noqa: E402  (benchmarks/ is on sys.path)
from _stats import percentile  # noqa: E402  (benchmarks/ is the script's folder, on sys.path)

from ccengine.db import Database  # noqa: E402
from ccengine.notifications.book import BuiltInBook, BuiltInBookProvider  # noqa: E402
from ccengine.notifications.planning import Snapshot, plans  # noqa: E402
from ccengine.notifications.rules import next_alert_at  # noqa: E402
from ccengine.notifications.scheduler import AlertScheduler  # noqa: E402
from ccengine.notifications.ticket_facts import facts_of, policy_of  # noqa: E402
from ccengine.sla.clock import SlaFacts  # noqa: E402
from ccengine.tickets.models import Ticket, UtcDateTime  # noqa: E402
from ccengine.users.models import Role, User  # noqa: E402
from ccengine.users.service import hash_password  # noqa: E402

AGENT = "Bench Agent"
HALF_OF_FIRST_RESPONSE = timedelta(minutes=7, seconds=30)  # P1: 15 minutes, 24/7
INSERT_CHUNK = 5000


@dataclass
class Measured:
    delays: list[float] = field(default_factory=list)  # seconds, threshold → publish
    tick_seconds: list[float] = field(default_factory=list)
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    loop_lags: list[float] = field(default_factory=list)  # seconds a 5 ms sleep overran

    def cpu_per_minute(self) -> float:
        return self.cpu_seconds * 60 / self.wall_seconds if self.wall_seconds else 0.0


def _row(n: int, opened: datetime, answered: bool, book: BuiltInBook) -> dict[str, Any]:
    policy = next(p for p in book.policies if p.name == "P1")
    facts = SlaFacts(opened, opened if answered else None, None)
    return {"number": f"B-{n:07d}", "title": f"Bench {n}", "status": "new", "priority": "P1",
            "kind": "call", "queue": "bench", "assignee": AGENT, "source_channel": "phone",
            "created_at": opened, "updated_at": opened, "sla_pauses": [],
            "first_response_at": facts.first_response_at, "sla_policy": "P1",
            "sla_next_alert_at": next_alert_at(policy, book.calendars, facts, ())}


async def _fill(database: Database, tickets: int, crossing: int, start: datetime,
                duration: float, book: BuiltInBook) -> None:
    async with database.writer() as session:
        session.add(User(login="bench", display_name=AGENT, role=Role.AGENT,
                         password_hash=hash_password("bench-password"), locale="pl",
                         active=True, created_at=start))
        await session.commit()
    rows = []
    for n in range(tickets):
        if n < crossing:  # 50 % of the first response falls inside the run
            opened = start + timedelta(seconds=duration * n / crossing) - HALF_OF_FIRST_RESPONSE
            rows.append(_row(n, opened, False, book))
        else:  # answered: the resolution clock's 50 % is two hours away
            rows.append(_row(n, start - timedelta(minutes=1), True, book))
    for begin in range(0, len(rows), INSERT_CHUNK):
        async with database.writer() as session:
            await session.execute(insert(Ticket), rows[begin:begin + INSERT_CHUNK])
            await session.commit()


class LagMeter:
    """How late a task that sleeps 5 ms at a time wakes: what any request or websocket
    of the process would wait for the loop meanwhile."""

    STEP = 0.005  # fine enough for stalls of a few ms

    def __init__(self) -> None:
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LagMeter:
        self._task = asyncio.create_task(self._measure())
        await asyncio.sleep(0.01)  # the sleeper is waiting before the work starts
        return self

    async def __aexit__(self, *_: object) -> None:
        await asyncio.sleep(0.01)  # the sleeper's last late wake-up is counted
        assert self._task is not None
        self._task.cancel()

    async def _measure(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(self.STEP)
            self.lags.append(max(0.0, time.monotonic() - before - self.STEP))


async def _tick_for(duration: float, every: float, tick: Any) -> Measured:
    """Ticks for ``duration``: the CPU is measured over the first half, the loop's lag
    over the second (the lag meter's own wake-ups would be counted as CPU)."""
    measured = Measured()
    cpu, wall = time.process_time(), time.monotonic()
    half, end = wall + duration / 2, wall + duration
    await _ticks_until(half, every, tick, measured)
    measured.cpu_seconds = time.process_time() - cpu
    measured.wall_seconds = time.monotonic() - wall
    async with LagMeter() as lag:
        await _ticks_until(end, every, tick, measured)
    measured.loop_lags = lag.lags
    return measured


async def _ticks_until(end: float, every: float, tick: Any, measured: Measured) -> None:
    while time.monotonic() < end:
        began = time.monotonic()
        await tick()
        measured.tick_seconds.append(time.monotonic() - began)
        await asyncio.sleep(max(0.0, min(every - (time.monotonic() - began),
                                         end - time.monotonic())))


@dataclass
class BatchPlanning:
    tickets: int
    cpu_seconds: float  # planning the batch once
    inline_lag: float  # the loop's longest stall, planned on the loop
    thread_lag: float  # the same, planned in a thread


async def measure_planning(database: Database, book: BuiltInBook, batch: int) -> BatchPlanning:
    """One batch's alert planning (every threshold of every clock, nothing fired yet),
    on the loop and in a thread, with the loop's lag during each."""
    async with database.sessions() as session:
        tickets = list(await session.scalars(select(Ticket).order_by(Ticket.id).limit(batch)))
    snapshots = [Snapshot(t.number, policy_of(book, t, False), facts_of(t), frozenset())
                 for t in tickets]
    now = datetime.now(UTC)
    cpu = time.process_time()
    async with LagMeter() as inline:
        plans(book, snapshots, now)
    cpu = time.process_time() - cpu
    async with LagMeter() as threaded:
        await asyncio.to_thread(plans, book, snapshots, now)
    return BatchPlanning(len(snapshots), cpu, max(inline.lags), max(threaded.lags))


async def run_scheduler(database: Database, book: BuiltInBook, duration: float,
                        every: float, batch: int) -> Measured:
    published: list[tuple[float, str]] = []

    def publish(_user: int, message: dict[str, Any]) -> None:
        published.append((time.time(), message["notification"]["data"]["moment"]))

    scheduler = AlertScheduler(database, BuiltInBookProvider(book), None, publish, batch=batch)
    measured = await _tick_for(duration, every, scheduler.tick)
    measured.delays = [at - datetime.fromisoformat(moment).timestamp()
                       for at, moment in published]
    return measured


async def run_bare(database: Database, duration: float, every: float, batch: int,
                   ahead: timedelta) -> Measured:
    """The bare poller, its clock ``ahead`` of the real one: it runs before the scheduler
    and sees the same rows fall due at the same pace."""
    query = (select(Ticket.id)
             .where(Ticket.sla_next_alert_at <= bindparam("now", type_=UtcDateTime()))
             .order_by(Ticket.sla_next_alert_at).limit(batch))

    async def tick() -> None:
        async with database.sessions() as session:
            list(await session.scalars(query, {"now": datetime.now(UTC) + ahead}))

    return await _tick_for(duration, every, tick)


async def benchmark(tickets: int, crossing: float, duration: float, every: float,
                    batch: int) -> tuple[Measured, Measured, int, BatchPlanning]:
    async with scratch_database("ccengine_bench_sla") as database:
        book = BuiltInBook()
        crossing_count = max(1, int(tickets * crossing))
        # The bare poller runs first (on a clock ahead), before any alert moves a row on.
        fill_margin = 5 + tickets / 4000  # seconds the bulk insert may take
        start = datetime.now(UTC) + timedelta(seconds=2 * duration + 5 + fill_margin)
        await _fill(database, tickets, crossing_count, start, duration, book)
        gc.freeze()  # as `ccengine serve` does once the app is built
        bare_start = start - timedelta(seconds=duration + 5)
        await asyncio.sleep(max(0.0, (bare_start - datetime.now(UTC)).total_seconds()))
        bare = await run_bare(database, duration, every, batch, start - bare_start)
        await asyncio.sleep(max(0.0, (start - datetime.now(UTC)).total_seconds()))
        scheduler = await run_scheduler(database, book, duration, every, batch)
        planning = await measure_planning(database, book, batch)
        return scheduler, bare, crossing_count, planning


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--crossing", type=float, default=0.1)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--every", type=float, default=5.0)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--quick", action="store_true",
                        help="2,000 tickets for 6 s, ticking every second (a smoke run)")
    args = parser.parse_args(argv)
    if args.quick:
        args.tickets, args.duration, args.every = 2000, 6.0, 1.0
    scheduler, bare, crossing, planning = asyncio.run(
        benchmark(args.tickets, args.crossing, args.duration, args.every, args.batch))
    print(f"{args.tickets} open tickets on PostgreSQL, {crossing} crossing 50 % over "
          f"{args.duration:.0f} s, a tick every {args.every:g} s, batches of {args.batch}")
    delays = scheduler.delays or [float("nan")]
    print(f"scheduler: {len(scheduler.delays)} notifications, delay threshold → notification "
          f"p50 {percentile(delays, 0.5):.3f} s, p95 {percentile(delays, 0.95):.3f} s; "
          f"tick p50 {percentile(scheduler.tick_seconds, 0.5) * 1000:.1f} ms; "
          f"CPU {scheduler.cpu_per_minute():.3f} s per minute")
    print(f"baseline: bare indexed due query, tick p50 "
          f"{percentile(bare.tick_seconds, 0.5) * 1000:.1f} ms; "
          f"CPU {bare.cpu_per_minute():.3f} s per minute")
    print(f"event loop lag while ticking: scheduler p99 "
          f"{percentile(scheduler.loop_lags, 0.99) * 1000:.1f} ms, max "
          f"{max(scheduler.loop_lags) * 1000:.1f} ms; bare p99 "
          f"{percentile(bare.loop_lags, 0.99) * 1000:.1f} ms, max "
          f"{max(bare.loop_lags) * 1000:.1f} ms")
    print(f"one batch of {planning.tickets} planned ({planning.cpu_seconds * 1000:.0f} ms CPU): "
          f"the loop stalls {planning.inline_lag * 1000:.1f} ms on the loop (before), "
          f"at most {planning.thread_lag * 1000:.1f} ms in a thread (now)")
    ratio = scheduler.cpu_per_minute() / bare.cpu_per_minute() if bare.cpu_seconds else \
        float("inf")
    print(f"scheduler/bare CPU per minute ratio: {ratio:.2f}")


if __name__ == "__main__":
    main()
