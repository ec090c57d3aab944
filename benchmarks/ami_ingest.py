"""Ingest benchmark: thousands of recorded-AMI calls through the whole engine.

What it measures, in one run:

- the pipeline: a stream built from the real AMI traces (``CallFactory``:
  every call a recorded call with fresh Uniqueids/Linkedids, a new call every
  ``--gap`` seconds of script time so calls overlap) is sent by the simulated
  PBX (``AmiServer``, in a separate process so its cost stays off the engine's
  event loop) over real TCP to a real ``Engine``: panoramisk connection, typed
  events, call tracker, ticket writes into a fresh SQLite file. The clock runs
  from the first event emitted until every call is stored and
  ``engine.settle()`` returns. Its events/s counts EVERY AMI event frame sent,
  not only the ones the engine subscribes to, so it compares with the baseline;
- the baseline: panoramisk's own ``AMIProtocol.data_received`` parsing the very
  same bytes, fed in 64 KiB chunks to a protocol whose ``handle_message`` only
  counts (best of 3);
- memory: peak RSS, RSS sampled at 25/50/75/100 % of calls stored and its growth
  from 25 % to 100 %, and the calls the tracker still holds live at the end.

The last line printed is ``pipeline/raw parse ratio: X`` (pipeline events/s
divided by panoramisk parse events/s). These are figures, not pass/fail checks.

    .venv/bin/python benchmarks/ami_ingest.py --calls 3000 [--seed 7] [--db PATH] [--quick]

``--quick`` (20 calls) only proves it still runs.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import heapq
import logging
import os
import resource
import shutil
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from types import SimpleNamespace

from _pbx import PbxProcess  # benchmarks/ is the script's folder, hence on sys.path
from panoramisk.ami_protocol import AMIProtocol
from sqlalchemy import text

from ccengine.ami.frames import EOL
from ccengine.config import AmiConfig, DatabaseConfig, TicketsConfig
from ccengine.db import Database
from ccengine.engine import Engine
from ccengine.simulator.calls import CallFactory
from ccengine.simulator.scripts import ScriptLine
from ccengine.simulator.server import AmiServer

CHUNK = 64 * 1024  # bytes per data_received call in the baseline
FLUSH_EVERY = 64  # frames between back-pressure waits on the server side
QUARTILES = (25, 50, 75, 100)
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
USERNAME = "bench"
QUICK_CALLS = 20  # --quick: proves the benchmark still runs, measures nothing


# -- the stream ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stream:
    """Every frame as it goes on the wire (Timestamp header included), in order."""

    frames: list[tuple[float, str]]  # (event epoch seconds, stamped raw frame)
    calls: int
    scenarios: dict[str, int]

    def blob(self) -> bytes:
        return "".join(raw for _, raw in self.frames).encode("utf-8")


def build_stream(calls: int, seed: int, gap: float, base: float) -> Stream:
    """N overlapping calls from the recorded templates, merged by script time."""
    factory = CallFactory(seed=seed)
    scripts: list[Iterator[tuple[float, str]]] = []
    scenarios: dict[str, int] = {}
    for index in range(calls):
        call = factory.make()
        scenarios[call.scenario] = scenarios.get(call.scenario, 0) + 1
        scripts.append(_shifted(call.lines, index * gap))
    merged = heapq.merge(*scripts, key=lambda item: item[0])
    frames = [(base + t, _stamp(raw, base + t)) for t, raw in merged]
    return Stream(frames, calls, scenarios)


def _shifted(lines: Sequence[ScriptLine], offset: float) -> Iterator[tuple[float, str]]:
    return ((offset + line.t, line.raw) for line in lines)


def _stamp(raw: str, at: float) -> str:
    """The Timestamp header the server would add (timestampevents=yes)."""
    first, _, rest = raw.partition(EOL)
    return f"{first}{EOL}Timestamp: {at:.6f}{EOL}{rest}"


# -- the baseline: panoramisk parsing the same bytes ------------------------------


class _CountingProtocol(AMIProtocol):  # type: ignore[misc]
    """panoramisk 1.4's protocol, unconnected, whose messages are only counted."""

    def __init__(self) -> None:
        self.encoding = "utf8"
        self.queue: deque[str] = deque()
        self.version = "x"
        self.factory = SimpleNamespace(save_stream=None)
        self.log = logging.getLogger("panoramisk.baseline")
        self.events = 0

    def handle_message(self, message: object) -> None:
        if "event" in message:  # type: ignore[operator]
            self.events += 1


def baseline_parse(blob: bytes, runs: int = 3) -> tuple[float, int]:
    """panoramisk's best parse rate (events/s) over the stream, and events counted."""
    chunks = [blob[i : i + CHUNK] for i in range(0, len(blob), CHUNK)]
    best, events = float("inf"), 0
    for _ in range(runs):
        protocol = _CountingProtocol()
        started = time.perf_counter()
        for chunk in chunks:
            protocol.data_received(chunk)
        best = min(best, time.perf_counter() - started)
        events = protocol.events
    return events / best, events


# -- the simulated PBX, in its own process ------------------------------------------


def serve(secret: str, frames: list[tuple[float, str]], pipe: Connection) -> None:
    """Child process: serve AMI, emit the stream on "go", serve on until "stop"."""
    asyncio.run(_serve(secret, frames, pipe))


async def _serve(secret: str, frames: list[tuple[float, str]], pipe: Connection) -> None:
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[str] = asyncio.Queue()
    loop.add_reader(pipe.fileno(), lambda: inbox.put_nowait(pipe.recv()))
    server = AmiServer(USERNAME, secret, timestamps=True)
    pipe.send(await server.start())
    try:
        await server.wait_for_login(timeout=30.0)
        while await inbox.get() != "go":
            pass
        started = time.perf_counter()
        for count, (at, raw) in enumerate(frames, start=1):
            server.emit(raw, at=at)  # already stamped: sent byte for byte as in the blob
            if count % FLUSH_EVERY == 0:
                await server.flush()
        await server.flush()
        pipe.send(time.perf_counter() - started)
        while await inbox.get() != "stop":
            pass
    finally:
        loop.remove_reader(pipe.fileno())
        await server.stop()


# -- the pipeline run -----------------------------------------------------------------


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE


@dataclass(slots=True)
class PipelineRun:
    wall: float = 0.0
    cpu: float = 0.0  # this process, all threads, over the wall time
    emit_wall: float = 0.0
    typed_events: int = 0
    written: int = 0
    live_left: int = 0
    rss: dict[int, int] = field(default_factory=dict)  # % of calls stored -> bytes


async def sample_rss(engine: Engine, calls: int, run: PipelineRun,
                     interval: float = 0.01) -> None:
    """RSS when the calls stored first reach each quartile."""
    pending = list(QUARTILES)
    while pending:
        done = engine.writer.written
        while pending and done * 100 >= pending[0] * calls:
            run.rss[pending.pop(0)] = rss_bytes()
        await asyncio.sleep(interval)


async def wait_stored(engine: Engine, calls: int, idle_limit: float = 15.0) -> None:
    """Until all calls are stored, or nothing has moved for ``idle_limit`` seconds."""
    last, idle_since = (-1, -1), time.monotonic()
    while engine.writer.written < calls:
        progress = (engine.pipeline.stats.events, engine.writer.written)
        if progress != last:
            last, idle_since = progress, time.monotonic()
        elif time.monotonic() - idle_since > idle_limit:
            return
        await asyncio.sleep(0.02)


async def run_pipeline(pbx: PbxProcess, calls: int, database: Database) -> PipelineRun:
    config = AmiConfig(name="bench", host="127.0.0.1", port=pbx.port,
                       username=USERNAME, secret=pbx.secret, ping_interval=60.0)
    engine = Engine((config,), TicketsConfig(), database)
    run = PipelineRun()
    await engine.start()
    try:
        await engine.connections[0].wait_ready(30.0)
        await engine.settle(30.0)  # login resync done: the clock starts on an idle engine
        sampler = asyncio.create_task(sample_rss(engine, calls, run))
        started, cpu_started = time.perf_counter(), time.process_time()
        pbx.pipe.send("go")
        await wait_stored(engine, calls)
        await engine.settle(120.0)
        run.wall = time.perf_counter() - started
        run.cpu = time.process_time() - cpu_started
        sampler.cancel()
        run.rss.setdefault(100, rss_bytes())
        if pbx.pipe.poll(5.0):
            run.emit_wall = float(pbx.pipe.recv())
        run.typed_events = engine.pipeline.stats.events
        run.written = engine.writer.written
        run.live_left = len(engine.tracker)
    finally:
        # The Logoff at stop makes the server hang up; that "connection lost" is expected.
        logging.getLogger("ccengine.ami.connection").setLevel(logging.ERROR)
        await engine.stop()
    return run


async def count_rows(database: Database) -> dict[str, int]:
    async with database.engine.connect() as connection:
        return {table: int((await connection.execute(
                    text(f"SELECT count(*) FROM {table}"))).scalar_one())
                for table in ("tickets", "calls", "customers")}


async def benchmark(pbx: PbxProcess, calls: int, db_path: Path,
                    profile: cProfile.Profile | None) -> tuple[PipelineRun, dict[str, int]]:
    database = Database.open(DatabaseConfig(url=f"sqlite+aiosqlite:///{db_path}"))
    try:
        await database.migrate()
        if profile is not None:
            profile.enable()
        try:
            run = await run_pipeline(pbx, calls, database)
        finally:
            if profile is not None:
                profile.disable()
        return run, await count_rows(database)
    finally:
        await database.close()


# -- report ---------------------------------------------------------------------------


def mib(value: float) -> str:
    return f"{value / 2**20:,.1f} MiB"


def report(stream: Stream, blob_size: int, run: PipelineRun, rows: dict[str, int],
           baseline_rate: float, baseline_events: int, pbx_cpu: float) -> None:
    frames = len(stream.frames)
    pipeline_rate = frames / run.wall
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    growth = run.rss.get(100, 0) - run.rss.get(25, 0)
    print(f"calls                      {stream.calls:,}  "
          + ", ".join(f"{name} {n}" for name, n in sorted(stream.scenarios.items())))
    print(f"AMI event frames sent      {frames:,}  ({mib(blob_size)})")
    print(f"pipeline wall time         {run.wall:.2f} s  (first event emitted -> settle() "
          f"returned; the PBX process needed {run.emit_wall:.2f} s to emit)")
    print(f"CPU time                   engine process {run.cpu:.2f} s "
          f"({100 * run.cpu / run.wall:.0f} % of wall, all threads), PBX process {pbx_cpu:.2f} s "
          f"(its whole life), {os.cpu_count()} CPUs")
    print(f"pipeline events/s          {pipeline_rate:,.0f}  (all AMI event frames sent / wall; "
          f"{run.typed_events:,} of them subscribed and typed)")
    print(f"pipeline calls/s           {run.written / run.wall:,.0f}  "
          f"({run.written:,} calls stored)")
    print(f"panoramisk parse events/s  {baseline_rate:,.0f}  (AMIProtocol.data_received on the "
          f"same bytes, {CHUNK // 1024} KiB chunks, best of 3; {baseline_events:,} events)")
    print(f"rows in DB                 tickets {rows['tickets']:,}, calls {rows['calls']:,}, "
          f"customers {rows['customers']:,}")
    print("RSS at calls stored        "
          + ", ".join(f"{q} %: {mib(run.rss[q])}" for q in QUARTILES if q in run.rss))
    print(f"RSS growth 25 % -> 100 %   {mib(growth)}  "
          f"({growth / max(1, run.written * 3 // 4):,.0f} B per call)")
    print(f"peak RSS                   {mib(peak)}  (this process, stream and baseline included)")
    print(f"live calls left in tracker {run.live_left}")
    print(f"pipeline/raw parse ratio: {pipeline_rate / baseline_rate:.2f}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=3000, help="calls to replay (3000)")
    parser.add_argument("--seed", type=int, default=7, help="CallFactory seed (7)")
    parser.add_argument("--gap", type=float, default=0.05,
                        help="script seconds between call starts (0.05)")
    parser.add_argument("--db", type=Path, default=None,
                        help="SQLite file to write (default: a temporary file)")
    parser.add_argument("--profile", type=Path, default=None,
                        help="write a cProfile of the engine side of the run to this file")
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_CALLS} calls: a few seconds (the test suite runs this)")
    args = parser.parse_args(argv)
    if args.quick:
        args.calls = QUICK_CALLS
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    stream = build_stream(args.calls, args.seed, args.gap, base=time.time())
    blob = stream.blob()
    baseline_rate, baseline_events = baseline_parse(blob)
    temp_dir = None if args.db else Path(tempfile.mkdtemp(prefix="ccengine-bench-"))
    db_path = (args.db or temp_dir / "bench.db").resolve()  # type: ignore[operator]
    if args.db and args.db.exists():
        sys.exit(f"{args.db} exists; the benchmark writes a fresh database")
    profile = cProfile.Profile() if args.profile else None
    pbx = PbxProcess.start(serve, stream.frames, name="ami-pbx")
    try:
        run, rows = asyncio.run(benchmark(pbx, args.calls, db_path, profile))
    finally:
        pbx.stop()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)
    if profile is not None:
        profile.dump_stats(args.profile)
    report(stream, len(blob), run, rows, baseline_rate, baseline_events,
           children.ru_utime + children.ru_stime)


if __name__ == "__main__":
    main()
