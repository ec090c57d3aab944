"""Screen-pop latency: N agents on websockets, calls arriving over a real AMI TCP connection.

Three processes on one machine, as they would be deployed:
- the simulated PBX (a real AMI TCP server) plays calls at --rate calls/s: the
  caller's channel and queue join, --queue-wait seconds later AgentCalled for one
  agent's interface, then AgentConnect, AgentComplete, Hangup; it notes the moment
  each AgentCalled frame is written on the socket;
- the application (``create_app``: engine, API, websocket hub, agent console) on
  SQLite, opening each call's ticket at ring time and recording each call at its end;
- N websocket clients (one per agent, each logged in with its own session) that note
  when the pop for each call arrives, and meanwhile measure the same sockets' ping
  round trip (``{"type": "ping"}`` → pong), at the same rate as the calls.

Times are CLOCK_MONOTONIC, which all processes share. Prints p50/p99 of
AgentCalled-written → pop-received, of the ping round trip, and their ratio.

    .venv/bin/python benchmarks/screenpop.py [--agents 500] [--rate 20] [--duration 30]
        [--quick]

The simulated PBX is spawned, not forked with benchmarks/_pbx.py: it starts from
inside the running event loop, where a fork is unsafe.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, TCPConnector, WSMsgType, web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _stats import percentile  # noqa: E402  (benchmarks/ is the script's folder, on sys.path)

from ccengine.ami.frames import render_frame  # noqa: E402
from ccengine.app import create_app  # noqa: E402
from ccengine.config import DatabaseConfig, load_config  # noqa: E402
from ccengine.db import Database  # noqa: E402
from ccengine.users.models import Role, User, UserSession  # noqa: E402
from ccengine.users.service import digest, hash_password  # noqa: E402
from ccengine.web.auth import COOKIE  # noqa: E402

QUEUE = "bench"
DID = "48221110000"


def interface(n: int) -> str:
    return f"PJSIP/bench{n:04d}"


# -- the simulated PBX, in its own process -----------------------------------------

def _channel(name: str, uniqueid: str, linkedid: str, number: str, exten: str) -> list[
        tuple[str, str]]:
    return [("Channel", name), ("ChannelState", "6"), ("ChannelStateDesc", "Up"),
            ("CallerIDNum", number), ("CallerIDName", f"Klient {number[-4:]}"),
            ("ConnectedLineNum", number), ("ConnectedLineName", f"Klient {number[-4:]}"),
            ("Language", "pl"), ("AccountCode", ""), ("Context", "ccengine-inbound"),
            ("Exten", exten), ("Priority", "5"), ("Uniqueid", uniqueid), ("Linkedid", linkedid)]


def _event(name: str, fields: list[tuple[str, str]]) -> str:
    return render_frame([("Event", name), ("Privilege", "agent,all"),
                         ("Timestamp", f"{time.time():.6f}"), *fields])


class CallPlayer:
    def __init__(self, server: Any, agents: int, rate: float, duration: float,
                 queue_wait: float) -> None:
        self.server, self.agents, self.rate, self.duration = server, agents, rate, duration
        self.queue_wait = queue_wait
        self.sent: dict[str, tuple[int, float]] = {}  # linkedid → (agent, written at)
        self.epoch = int(time.time())
        self.tasks: set[asyncio.Task[None]] = set()

    async def play(self) -> None:
        calls = int(self.rate * self.duration)
        order = list(range(self.agents))
        random.Random(7).shuffle(order)
        start = time.monotonic()
        for k in range(calls):
            await asyncio.sleep(max(0.0, start + k / self.rate - time.monotonic()))
            task = asyncio.create_task(self.call(k, order[k % self.agents]))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        while self.tasks:
            await asyncio.gather(*list(self.tasks))

    async def call(self, k: int, agent: int) -> None:
        linkedid = f"{self.epoch}.{k + 1}"
        number = f"48600{k:06d}"
        caller = _channel(f"PJSIP/trunk-{k:08x}", linkedid, linkedid, number, DID)
        agent_leg = [("DestChannel", f"{interface(agent)}-{k:08x}"),
                     ("Queue", QUEUE), ("Interface", interface(agent)),
                     ("MemberName", f"Agent {agent}")]
        emit = self.server.emit
        emit(_event("Newchannel", caller))
        emit(_event("QueueCallerJoin", [*caller, ("Queue", QUEUE), ("Position", "1"),
                                        ("Count", "1")]))
        await asyncio.sleep(self.queue_wait)  # in the IVR and the queue
        frame = _event("AgentCalled", [*caller, *agent_leg])
        written = time.monotonic()
        emit(frame)
        self.sent[linkedid] = (agent, written)
        await asyncio.sleep(1.0)  # rings
        emit(_event("QueueCallerLeave", [*caller, ("Queue", QUEUE), ("Position", "1"),
                                         ("Count", "0")]))
        emit(_event("AgentConnect", [*caller, *agent_leg, ("HoldTime", "2"),
                                     ("RingTime", "1")]))
        await asyncio.sleep(2.0)  # talks
        emit(_event("AgentComplete", [*caller, *agent_leg, ("HoldTime", "2"),
                                      ("TalkTime", "2"), ("Reason", "caller")]))
        emit(_event("Hangup", [*caller, ("Cause", "16"), ("Cause-txt", "Normal Clearing")]))


def pbx_process(secret: str, agents: int, rate: float, duration: float, queue_wait: float,
                pipe: Any) -> None:
    asyncio.run(_pbx(secret, agents, rate, duration, queue_wait, pipe))


async def _pbx(secret: str, agents: int, rate: float, duration: float, queue_wait: float,
               pipe: Any) -> None:
    from ccengine.simulator.server import AmiServer

    server = AmiServer(username="bench", secret=secret)
    pipe.send(await server.start())
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, pipe.recv)  # go
    player = CallPlayer(server, agents, rate, duration, queue_wait)
    await player.play()
    pipe.send(player.sent)
    await loop.run_in_executor(None, pipe.recv)  # stop (the engine has logged off)
    await server.stop()
    await asyncio.sleep(0.1)  # the sessions' tasks end on their own


# -- the agents' websocket clients, in their own process ------------------------------

class Tab:
    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.pops: dict[str, float] = {}
        self.tickets: dict[str, float] = {}  # the pop with the call's ticket number
        self.pings: dict[int, float] = {}
        self.rtts: list[float] = []
        self.states = 0

    async def read(self) -> None:
        async for message in self.socket:
            now = time.monotonic()
            if message.type is not WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            kind = data.get("type")
            if kind == "pop" and data.get("pop"):
                self.pops.setdefault(data["pop"]["linkedid"], now)
                if data["pop"].get("ticket"):
                    self.tickets.setdefault(data["pop"]["linkedid"], now)
            elif kind == "pong":
                sent = self.pings.pop(data.get("id"), None)
                if sent is not None:
                    self.rtts.append(now - sent)
            elif kind == "agent":
                self.states += 1


def clients_process(url: str, tokens: list[str], pipe: Any) -> None:
    asyncio.run(_clients(url, tokens, pipe))


async def _clients(url: str, tokens: list[str], pipe: Any) -> None:
    loop = asyncio.get_running_loop()
    async with ClientSession(connector=TCPConnector(limit=0)) as session:
        tabs = []
        for token in tokens:
            # Origin as a browser on the console page sends it: the hub refuses others.
            socket = await session.ws_connect(f"{url}/ws", headers={"Cookie": f"{COOKIE}={token}"},
                                              origin=url, heartbeat=None, autoping=True)
            await socket.send_json({"type": "subscribe", "topics": ["agent"]})
            tabs.append(Tab(socket))
        readers = [asyncio.create_task(tab.read()) for tab in tabs]
        while sum(1 for tab in tabs if tab.states) < len(tabs):  # noqa: ASYNC110 - a count
            await asyncio.sleep(0.05)
        pipe.send("ready")
        rate = float(await loop.run_in_executor(None, pipe.recv))
        pinger = asyncio.create_task(_ping(tabs, rate))
        await loop.run_in_executor(None, pipe.recv)  # stop
        pinger.cancel()
        pops: dict[str, float] = {}
        tickets: dict[str, float] = {}
        for tab in tabs:
            pops.update(tab.pops)
            tickets.update(tab.tickets)
        pipe.send((pops, tickets, [rtt for tab in tabs for rtt in tab.rtts]))
        for tab in tabs:
            await tab.socket.close()
        for reader in readers:
            reader.cancel()


async def _ping(tabs: list[Tab], rate: float) -> None:
    chooser = random.Random(11)
    start = time.monotonic()
    for n in range(1, 10**9):
        await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
        tab = chooser.choice(tabs)
        tab.pings[n] = time.monotonic()
        await tab.socket.send_json({"type": "ping", "id": n})


# -- the application, here ---------------------------------------------------------

async def seed(database: Database, agents: int) -> list[str]:
    """N agents, each with a SIP interface and a session (one transaction, one hash)."""
    await database.migrate()
    shared_hash = hash_password(secrets.token_hex(8))
    now = datetime.now(UTC)
    tokens = [secrets.token_urlsafe(24) for _ in range(agents)]
    async with database.writer() as session:
        users = [User(login=f"bench{n:04d}", display_name=f"Agent {n}", role=Role.AGENT.value,
                      password_hash=shared_hash, sip_interface=interface(n), locale="pl",
                      active=True, created_at=now) for n in range(agents)]
        session.add_all(users)
        await session.flush()
        session.add_all(UserSession(token_hash=digest(token), user_id=user.id, csrf_token="x",
                                    created_at=now, expires_at=now + timedelta(hours=2))
                        for user, token in zip(users, tokens, strict=True))
        await session.commit()
    return tokens



async def main(args: argparse.Namespace) -> int:
    spawn = multiprocessing.get_context("spawn")
    workdir = Path(tempfile.mkdtemp(prefix="screenpop-"))
    url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    database = Database.open(DatabaseConfig(url=url))
    tokens = await seed(database, args.agents)
    await database.close()

    secret = secrets.token_hex(8)
    pbx_pipe, pbx_end = spawn.Pipe()
    pbx = spawn.Process(target=pbx_process, daemon=True,
                        args=(secret, args.agents, args.rate, args.duration, args.queue_wait,
                              pbx_end))
    pbx.start()
    port = pbx_pipe.recv()
    config = load_config(environ={
        "CCENGINE_DATABASE_URL": url, "CCENGINE_AMI_0_NAME": "bench",
        "CCENGINE_AMI_0_PORT": str(port), "CCENGINE_AMI_0_USERNAME": "bench",
        "CCENGINE_AMI_0_SECRET": secret, "CCENGINE_TRANSCRIBE_WORKERS": "0",
        "CCENGINE_WEB_SECURE_COOKIE": "false",
    }, overrides={"agents.wrapup_seconds": 1.0})
    app = create_app(config)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    web_port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    loop = asyncio.get_running_loop()
    try:
        clients_pipe, clients_end = spawn.Pipe()
        clients = spawn.Process(target=clients_process, daemon=True,
                                args=(f"http://127.0.0.1:{web_port}", tokens, clients_end))
        clients.start()
        connected = time.monotonic()
        await loop.run_in_executor(None, clients_pipe.recv)  # every agent connected
        print(f"{args.agents} agents connected by websocket in "
              f"{time.monotonic() - connected:.1f} s", flush=True)
        clients_pipe.send(args.rate)  # start pinging
        pbx_pipe.send("go")
        sent: dict[str, tuple[int, float]] = await loop.run_in_executor(None, pbx_pipe.recv)
        await asyncio.sleep(2.0)  # the last pops arrive
        clients_pipe.send("stop")
        pops, tickets, rtts = await loop.run_in_executor(None, clients_pipe.recv)
    finally:
        await runner.cleanup()
        pbx_pipe.send("stop")
        pbx.join(5)
    report(args, sent, pops, tickets, rtts)
    return 0


def report(args: argparse.Namespace, sent: dict[str, tuple[int, float]],
           pops: dict[str, float], tickets: dict[str, float], rtts: list[float]) -> None:
    # A pop that never arrived counts as infinitely late: it can only make p99 worse.
    latencies = [(pops[linkedid] - written) * 1000 if linkedid in pops else math.inf
                 for linkedid, (_, written) in sent.items()]
    received = sum(1 for latency in latencies if latency != math.inf)
    with_ticket = [(tickets[linkedid] - written) * 1000
                   for linkedid, (_, written) in sent.items() if linkedid in tickets]
    pings = [rtt * 1000 for rtt in rtts]
    print(f"calls {len(sent)} at {args.rate:g}/s over one AMI TCP connection; "
          f"pops received {received}/{len(sent)}")
    if not latencies or not pings:
        print("nothing measured")
        return
    pop50, pop99 = statistics.median(latencies), percentile(latencies, 0.99)
    ping50, ping99 = statistics.median(pings), percentile(pings, 0.99)
    print(f"screen-pop (AgentCalled written -> pop received): p50 {pop50:.1f} ms, "
          f"p99 {pop99:.1f} ms, max {max(latencies):.1f} ms")
    if with_ticket:
        print(f"  ... with the call's ticket number ({len(with_ticket)}): "
              f"p50 {statistics.median(with_ticket):.1f} ms, "
              f"p99 {percentile(with_ticket, 0.99):.1f} ms")
    print(f"websocket ping round trip (same clients, same run, {len(pings)} pings): "
          f"p50 {ping50:.1f} ms, p99 {ping99:.1f} ms")
    met = pop99 < 100 and received == len(sent)
    print(f"pop/ping ratio: p50 {pop50 / ping50:.1f}, p99 {pop99 / ping99:.1f}; "
          f"target p99 < 100 ms with every pop: {'met' if met else 'NOT met'}")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--rate", type=float, default=20.0, help="calls per second")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of calls")
    parser.add_argument("--queue-wait", type=float, default=0.5,
                        help="seconds from the caller's first event to AgentCalled (the IVR "
                             "and the queue; the console reads the customer and opens the "
                             "ticket meanwhile)")
    parser.add_argument("--quick", action="store_true",
                        help="5 agents, 5 calls/s for 2 s: proves it still runs (the tests)")
    args = parser.parse_args(argv)
    if args.quick:
        args.agents, args.rate, args.duration = 5, 5.0, 2.0
    return args


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))
