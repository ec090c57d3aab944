"""A burst of new calls: API latency and memory against the idle baseline, same run.

Two processes, as deployed: the simulated PBX (a real AMI TCP server) plays the
start of --calls calls (channels, caller id, queue join: each call then waits in
its queue) as fast as the socket takes them; the application (``create_app``:
engine, API, agent console) on SQLite opens each call's ring-time ticket and
reads its caller's customer. Meanwhile the health endpoint (one database query)
is asked every 50 ms. Prints health latency p50/p99/max idle and during the
burst, RSS idle and at its peak, the most pooled connections out at once, pool
timeouts, and how long until every call had its ticket.

    .venv/bin/python benchmarks/call_burst.py [--calls 2000] [--quick]

The last line is ``health p99 burst/idle ratio: X``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web
from sqlalchemy import event, func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _pbx import PbxProcess  # noqa: E402  (benchmarks/ is the script's folder, on sys.path)
from _stats import percentile  # noqa: E402  (benchmarks/ is the script's folder, on sys.path)

from ccengine.agents.storage_models import LiveCallTicket  # noqa: E402
from ccengine.app import create_app  # noqa: E402
from ccengine.config import DatabaseConfig, load_config  # noqa: E402
from ccengine.db import Database  # noqa: E402
from ccengine.web.params import DATABASE  # noqa: E402

POLL_SECONDS = 0.05
DEADLINE_SECONDS = 300.0  # for each step of the burst: a stuck run fails, never hangs


def pbx_process(secret: str, calls: int, pipe: Any) -> None:
    asyncio.run(_pbx(secret, calls, pipe))


async def _pbx(secret: str, calls: int, pipe: Any) -> None:
    from ccengine.simulator.calls import Caller, CallFactory
    from ccengine.simulator.server import AmiServer

    server = AmiServer(username="bench", secret=secret)
    pipe.send(await server.start())
    factory = CallFactory(seed=1)
    starts = []
    for n in range(calls):
        lines = factory.make("queue-answered", Caller(f"48500{n:06d}", None)).lines
        join = next(i for i, line in enumerate(lines)
                    if line.raw.startswith("Event: QueueCallerJoin\r\n"))
        starts.append([line.raw for line in lines[: join + 1]])
    await server.wait_for_login(30)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, pipe.recv)  # go
    for n, raws in enumerate(starts, start=1):
        for raw in raws:
            server.emit(raw)
        if n % 100 == 0:
            await server.flush()
    await server.flush()
    pipe.send("sent")
    await loop.run_in_executor(None, pipe.recv)  # stop
    await server.stop()


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class Watch:
    """Pool connections out at once, and pool timeouts logged."""

    def __init__(self, database: Database) -> None:
        self.out = self.peak = self.timeouts = 0
        event.listen(database.engine.sync_engine, "checkout", self._checkout)
        event.listen(database.engine.sync_engine, "checkin", self._checkin)
        watch = self

        class Timeouts(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                if "QueuePool limit" in record.getMessage():
                    watch.timeouts += 1

        logging.getLogger().addHandler(Timeouts())

    def _checkout(self, *_: Any) -> None:
        self.out += 1
        self.peak = max(self.peak, self.out)

    def _checkin(self, *_: Any) -> None:
        self.out -= 1


async def poll(http: ClientSession, url: str, seconds: float | None,
               until: asyncio.Event | None, rss: list[float]) -> list[float]:
    latencies: list[float] = []
    end = time.monotonic() + (seconds or 0)
    while (until is None and time.monotonic() < end) or (until is not None and not until.is_set()):
        start = time.monotonic()
        async with http.get(url) as response:
            await response.read()
            assert response.status == 200, response.status
        latencies.append((time.monotonic() - start) * 1000)
        rss.append(rss_mib())
        await asyncio.sleep(POLL_SECONDS)
    return latencies


async def loop_lag(lags: list[tuple[float, float]], until: asyncio.Event) -> None:
    """How late a 10 ms sleep wakes up: time the event loop was blocked."""
    while not until.is_set():
        start = time.monotonic()
        await asyncio.sleep(0.01)
        lags.append((start, (time.monotonic() - start - 0.01) * 1000))


async def tickets_opened(database: Database) -> int:
    async with database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(LiveCallTicket)) or 0)



def summary(name: str, values: list[float]) -> str:
    return (f"{name}: n={len(values)} p50 {percentile(values, 0.5):.1f} ms, "
            f"p99 {percentile(values, 0.99):.1f} ms, max {max(values):.1f} ms")


async def main(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="call-burst-"))
    url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    database = Database.open(DatabaseConfig(url=url))
    await database.migrate()
    await database.close()
    pbx = PbxProcess.start(pbx_process, args.calls, name="call-burst-pbx", context="spawn")
    port, secret = pbx.port, pbx.secret
    config = load_config(environ={
        "CCENGINE_DATABASE_URL": url, "CCENGINE_AMI_0_NAME": "bench",
        "CCENGINE_AMI_0_PORT": str(port), "CCENGINE_AMI_0_USERNAME": "bench",
        "CCENGINE_AMI_0_SECRET": secret, "CCENGINE_TRANSCRIBE_WORKERS": "0",
        "CCENGINE_WEB_SECURE_COOKIE": "false"})
    app = create_app(config)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    health = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/api/v1/health"  # type: ignore[union-attr]
    try:
        async with ClientSession() as http:
            watch = Watch(app[DATABASE])
            idle_rss: list[float] = []
            idle = await poll(http, health, args.idle_seconds, None, idle_rss)
            done = asyncio.Event()
            burst_rss: list[float] = []
            poller = asyncio.create_task(poll(http, health, None, done, burst_rss))
            lags: list[tuple[float, float]] = []
            lagger = asyncio.create_task(loop_lag(lags, done))
            started = time.monotonic()
            await pbx.ask("go", timeout=DEADLINE_SECONDS)  # every call start written
            deadline = time.monotonic() + DEADLINE_SECONDS
            while await tickets_opened(app[DATABASE]) < args.calls:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"tickets not all opened in {DEADLINE_SECONDS:.0f} s")
                await asyncio.sleep(0.2)
            took = time.monotonic() - started
            done.set()
            burst = await poller
            await lagger
    finally:
        await runner.cleanup()
        pbx.stop()
    print(f"{args.calls} call starts; every call had its ticket after {took:.1f} s")
    print(summary("health idle ", idle))
    print(summary("health burst", burst))
    worst = max(lags, key=lambda lag: lag[1])
    print(f"event loop blocked at most {worst[1]:.0f} ms ({worst[0] - started:.1f} s in)")
    print(f"RSS idle {max(idle_rss):.0f} MiB, peak during the burst {max(burst_rss):.0f} MiB")
    print(f"pooled connections out at once: {watch.peak}; pool timeouts: {watch.timeouts}")
    ratio = percentile(burst, 0.99) / percentile(idle, 0.99)
    print(f"health p99 burst/idle ratio: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--idle-seconds", type=float, default=5.0,
                        help="how long the idle baseline is measured")
    parser.add_argument("--quick", action="store_true",
                        help="100 calls, 1 s of idle baseline: proves it still runs")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.calls, arguments.idle_seconds = 100, 1.0
    sys.exit(asyncio.run(main(arguments)))
