"""Routing benchmark: how fast a new call gets its first AGI command, under load.

What it measures, in one run:

- routing latency: the simulated PBX (``AgiPbx`` on an ``AmiServer``, in a
  separate process so its cost stays off the engine's event loop) places
  inbound calls on AsyncAGI over real TCP; a real ``Engine`` with routing (the
  example graph published in a fresh SQLite file) walks each one. Per call,
  the PBX process times from just before it sends ``AsyncAGIStart`` to the
  moment it reads the call's first ``Action: AGI`` (CLOCK_MONOTONIC). First
  ``--in-flight`` calls are placed and left waiting in a queue; then
  ``--measured`` more calls are placed one by one while those stay in flight;
- the baseline: the round trip of a bare ``AGI`` action (``GET VARIABLE`` on a
  live channel, send → ``Response: Success``) from the engine's own AMI
  connection to the same server, in the same run, with the same calls in
  flight.

The last line printed is ``routing p99 / bare AGI round trip p99: X``. These
are figures, not pass/fail checks; the issue's target is p99 < 10 ms.

    .venv/bin/python benchmarks/routing.py [--in-flight 200] [--measured 300] [--quick]

``--quick`` (5 in flight, 10 measured) only proves it still runs.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from zoneinfo import ZoneInfo

from _pbx import PbxProcess  # benchmarks/ is the script's folder, hence on sys.path
from _stats import percentile

from ccengine.config import AmiConfig, DatabaseConfig, RoutesConfig, TicketsConfig
from ccengine.db import Database
from ccengine.engine import Engine
from ccengine.routes.document import parse_graph
from ccengine.routes.routing import Routing
from ccengine.routes.store import RouteStore
from ccengine.simulator.agi_calls import CallerScript, QueuePlan
from ccengine.simulator.agi_pbx import AgiPbx
from ccengine.simulator.server import AmiServer, ClientSession

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ecommerce-routes.yaml"
USERNAME = "bench"
MONDAY_MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Warsaw")).timestamp()
# Callers who wait: an agent "answers" only after an hour, so they stay in flight.
WAITS = QueuePlan(answered_by="Agent", ring_seconds=3600)
PLACE_GAP = 0.01  # seconds between two measured calls
QUICK = (5, 10)  # --quick: calls in flight, calls measured


# -- the simulated PBX, in its own process ------------------------------------------


def serve(secret: str, in_flight: int, measured: int, pipe: Connection) -> None:
    asyncio.run(_serve(secret, in_flight, measured, pipe))


class FirstActionClock:
    """Times each call from AsyncAGIStart to its first AGI action read."""

    def __init__(self, server: AmiServer, pbx: AgiPbx) -> None:
        self.started: dict[str, float] = {}
        self.latency: dict[str, float] = {}
        agi_handler = server._handlers["agi"]  # AgiPbx's own answer, kept

        async def timed(session: ClientSession, action: dict[str, str]) -> None:
            channel = action.get("Channel", "")
            if channel in self.started and channel not in self.latency:
                self.latency[channel] = time.monotonic() - self.started[channel]
            await agi_handler(session, action)

        server.add_action("agi", timed)
        self.pbx = pbx

    async def place(self, number: str) -> str:
        script = CallerScript(number=number, name=None, did="48221110000", digits=("2",),
                              queues=(WAITS,))
        before = time.monotonic()
        placed = await self.pbx.place_call(script, at=MONDAY_MORNING)
        self.started[placed.channel] = before
        return placed.channel


async def _serve(secret: str, in_flight: int, measured: int, pipe: Connection) -> None:
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[str] = asyncio.Queue()
    loop.add_reader(pipe.fileno(), lambda: inbox.put_nowait(pipe.recv()))
    server = AmiServer(USERNAME, secret)
    pipe.send(await server.start())
    pbx = AgiPbx(server, time_scale=1.0)
    clock = FirstActionClock(server, pbx)
    try:
        await server.wait_for_login(timeout=30.0)
        await inbox.get()  # "ramp"
        ramp = [await clock.place(f"48601{i:06d}") for i in range(in_flight)]
        await _until_all_routed(clock, ramp)
        pipe.send(ramp)  # the in-flight channels, for the baseline
        await inbox.get()  # "measure"
        measured_channels = []
        for index in range(measured):
            measured_channels.append(await clock.place(f"48602{index:06d}"))
            await asyncio.sleep(PLACE_GAP)
        await _until_all_routed(clock, measured_channels)
        pipe.send(([clock.latency[c] for c in ramp],
                   [clock.latency[c] for c in measured_channels]))
        await inbox.get()  # "stop"
    finally:
        loop.remove_reader(pipe.fileno())
        await pbx.stop()
        await server.stop()


async def _until_all_routed(clock: FirstActionClock, channels: list[str]) -> None:
    deadline = time.monotonic() + 60
    while any(channel not in clock.latency for channel in channels):
        if time.monotonic() > deadline:
            raise RuntimeError("some calls never got an AGI command")
        await asyncio.sleep(0.05)


# -- the engine side ----------------------------------------------------------------


@dataclass(slots=True)
class Figures:
    ramp: list[float]
    measured: list[float]
    baseline: list[float]


async def benchmark(pbx: PbxProcess, db_path: Path, samples: int) -> Figures:
    database = Database.open(DatabaseConfig(url=f"sqlite+aiosqlite:///{db_path}"))
    await database.migrate()
    store = RouteStore(database)
    graph = parse_graph(EXAMPLE.read_text(encoding="utf-8"))
    await store.publish(graph.name, await store.save_draft(graph))
    routing = Routing(database, RoutesConfig(), region="PL")
    config = AmiConfig(name="bench", host="127.0.0.1", port=pbx.port, username=USERNAME,
                       secret=pbx.secret)
    engine = Engine((config,), TicketsConfig(), database, routing)
    await engine.start()
    try:
        connection = engine.connections[0]
        await connection.wait_ready(10)
        ramp_channels = await pbx.ask("ramp")
        assert isinstance(ramp_channels, list)
        baseline = await bare_round_trips(engine, ramp_channels, samples)
        latencies = await pbx.ask("measure")
        assert isinstance(latencies, tuple)
        ramp, measured = latencies
        return Figures(ramp, measured, baseline)
    finally:
        await engine.stop(drain_timeout=1.0)
        await database.close()


async def bare_round_trips(engine: Engine, channels: list[str], samples: int) -> list[float]:
    """AGI actions sent from the engine's connection, answered by the same server."""
    connection = engine.connections[0]
    times = []
    for index in range(samples):
        action = {"Action": "AGI", "Channel": channels[index % len(channels)],
                  "Command": "GET VARIABLE QUEUESTATUS", "CommandID": f"bench-{index}"}
        started = time.monotonic()
        answer = await connection.send(action)
        times.append(time.monotonic() - started)
        if not answer.success:
            raise RuntimeError(f"bare AGI action refused: {answer.message}")
        await asyncio.sleep(PLACE_GAP)
    return times



def line(name: str, values: Sequence[float]) -> str:
    ms = [value * 1000 for value in values]
    return (f"{name:<34} n={len(ms):<4} p50 {percentile(ms, 0.5):6.2f} ms   "
            f"p99 {percentile(ms, 0.99):6.2f} ms   max {max(ms):6.2f} ms   "
            f"mean {statistics.fmean(ms):6.2f} ms")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--in-flight", type=int, default=200)
    parser.add_argument("--measured", type=int, default=300)
    parser.add_argument("--quick", action="store_true",
                        help="a few seconds, tiny inputs (the test suite runs this)")
    args = parser.parse_args(argv)
    if args.quick:
        args.in_flight, args.measured = QUICK
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    pbx = PbxProcess.start(serve, args.in_flight, args.measured, name="agi-pbx")
    try:
        with tempfile.TemporaryDirectory() as folder:
            figures = asyncio.run(benchmark(pbx, Path(folder) / "bench.db", args.measured))
    finally:
        pbx.stop()
    print(f"routing over one AMI connection, {args.in_flight} calls in flight, "
          f"example graph (ANSWER is the first command)")
    print(line(f"ramp: {args.in_flight} calls at once", figures.ramp))
    print(line(f"routing with {args.in_flight} in flight", figures.measured))
    print(line("baseline: bare AGI round trip", figures.baseline))
    ratio = percentile(figures.measured, 0.99) / percentile(figures.baseline, 0.99)
    print(f"routing p99 / bare AGI round trip p99: {ratio:.2f}")


if __name__ == "__main__":
    main()
