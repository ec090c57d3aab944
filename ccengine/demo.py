"""`ccengine demo`: the real engine on SQLite against a simulated PBX, in real time.

The simulated PBX is a real AMI TCP server that speaks like the recorded
Asterisk. Callers ring the example contact center (examples/ecommerce-routes.yaml,
published into the database) and the engine routes every call over AsyncAGI:
open hours, holidays, VIP, the menu, queues, the partner, voicemail. Tickets
appear on the console as calls end, and at the REST API.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import signal
import socket
import sys
import time
from collections.abc import Coroutine, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from ccengine.ami.errors import AmiError
from ccengine.app import create_app
from ccengine.calls.model import FinishedCall
from ccengine.cancelling import cancel_and_wait
from ccengine.config import AmiConfig, Config
from ccengine.db import Database
from ccengine.demo_qa import add_sample_qa_call
from ccengine.demo_users import create_sample_users
from ccengine.diagnostics import install_task_dump
from ccengine.engine import Engine
from ccengine.routes.model import RouteGraph
from ccengine.routes.store import RouteNotFound, RouteStore
from ccengine.simulator.agi_pbx import AgiPbx
from ccengine.simulator.calls import DEMO_CALLERS
from ccengine.simulator.demo_calls import RoutedCallFactory, run_routed_calls
from ccengine.simulator.server import AmiServer, close_quietly
from ccengine.tickets.rows import RecordedCall
from ccengine.tickets.service import TicketService
from ccengine.web.keys import ENGINE
from ccengine.web.malformed import HardenedAppRunner

EXAMPLE_GRAPH = Path(__file__).resolve().parents[1] / "examples" / "ecommerce-routes.yaml"
DEMO_RECORDINGS = "demo-recordings"
INTERRUPTED = 130  # the shell's code for a command ended by Ctrl-C
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
SETTLE_SECONDS = 30.0  # at the end: the last calls read and stored, however busy the machine


async def run_demo(config: Config, calls: int | None, interval: tuple[float, float],
                   duration: float | None, seed: int | None, graph: RouteGraph,
                   prompts_dir: Path | None = None, at: datetime | None = None,
                   speed: float = 1.0) -> int:
    install_task_dump()  # `kill -USR1` shows where a demo that will not stop waits
    server = AmiServer(username="demo", secret=secrets.token_hex(8))
    port = await server.start()
    pbx = AmiConfig(name="demo-pbx", host="127.0.0.1", port=port,
                    username=server.username, secret=server.secret)
    # The simulated PBX writes no audio, so there is nothing for a worker to hear:
    # the calls' jobs wait in the database (`ccengine transcripts jobs`).
    # Plain HTTP on this machine: no Secure cookie; a token for curl unless one is set.
    web_config = config.web.model_copy(update={
        "secure_cookie": False, "api_token": config.web.api_token or secrets.token_urlsafe(16)})
    # Recordings beside the demo's database: the QA sample's, and where MixMonitor would
    # put the routed calls' (the simulated PBX writes none for them).
    routes = config.routes.model_copy(update={"recordings_dir": str(Path.cwd() /
                                                                    DEMO_RECORDINGS)})
    config = config.model_copy(update={
        "ami": (pbx,), "web": web_config, "routes": routes,
        "transcribe": config.transcribe.model_copy(update={"workers": 0})})
    if not _port_free(config.web.host, config.web.port):
        await close_quietly(server)
        return _port_taken(config)
    version = await _prepare_database(config, graph, prompts_dir)
    # No access log: the terminal is for the tickets (`ccengine serve` keeps one).
    runner = HardenedAppRunner(create_app(config, on_engine=_print_tickets), access_log=None)
    agi = AgiPbx(server, time_scale=1 / speed)
    try:
        await runner.setup()
        site = web.TCPSite(runner, config.web.host, config.web.port)
        try:
            await site.start()
        except OSError:  # taken between the check and now
            return _port_taken(config)
        _banner(config, graph.name, version, at)
        await server.wait_for_login()
        offset = at.timestamp() - time.time() if at else 0.0
        factory = RoutedCallFactory(seed, own_members=members_of(graph))
        with stop_signals() as stopped:
            if not await _play_calls(run_routed_calls(agi, factory, interval, calls, offset),
                                     duration, stopped):
                return INTERRUPTED
        await _settle(runner.app)
    finally:
        await agi.stop()
        await runner.cleanup()
        await close_quietly(server)
    return 0


async def _play_calls(calls: Coroutine[Any, Any, None], duration: float | None,
                      stopped: asyncio.Event) -> bool:
    """Place the demo's calls until they are done, ``duration`` passes or Ctrl-C;
    False when stopped by Ctrl-C (or SIGTERM).

    Ctrl-C sets an event rather than cancelling the main task: on Python 3.11 a cancel
    that arrives in the same loop pass as a ``wait_for``'s result is lost, and the
    demo once went on ringing so. The calls' task is then ended by cancel_and_wait,
    which cancels until it is gone.
    """
    traffic = asyncio.create_task(calls)
    stop = asyncio.create_task(stopped.wait())
    try:
        await asyncio.wait((traffic, stop), timeout=duration,
                           return_when=asyncio.FIRST_COMPLETED)
        return not stopped.is_set()
    finally:
        await cancel_and_wait([traffic, stop])


@contextlib.contextmanager
def stop_signals() -> Iterator[asyncio.Event]:
    """An event set by Ctrl-C or SIGTERM while the calls play.

    The loop's own handlers wake it through its self-pipe whatever it is doing. Before
    the block (set-up) asyncio.run's handler stops the demo; after it (shutdown) a
    second Ctrl-C is Python's KeyboardInterrupt, which the CLI turns into exit 130.
    """
    loop, stopped = asyncio.get_running_loop(), asyncio.Event()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stopped.set)
    try:
        yield stopped
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)


async def _settle(app: web.Application) -> None:
    """The last hang-ups read and stored before the engine stops: a fixed pause lost
    them on a busy machine (stopping closes the AMI socket with events unread)."""
    engine = app.get(ENGINE)
    if engine is not None:
        with contextlib.suppress(AmiError, TimeoutError):
            await engine.settle(timeout=SETTLE_SECONDS)


def members_of(graph: RouteGraph) -> tuple[tuple[str, str, str], ...]:
    """(queue, name, interface) of every queue member: the demo's agents answer only
    the calls of their own queues, as Asterisk would ring them."""
    return tuple((queue, member.name, member.interface)
                 for queue, settings in graph.queues.items()
                 for tier in settings.tiers for member in tier.members)


def _port_free(host: str, port: int) -> bool:
    """Whether the web application can listen there (checked before any set-up)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _port_taken(config: Config) -> int:
    print(f"ccengine demo: port {config.web.port} on {config.web.host} is in use "
          f"(another demo?); pick a free one: ccengine demo --port 8081", file=sys.stderr)
    return 2


async def _prepare_database(config: Config, graph: RouteGraph, prompts_dir: Path | None) -> int:
    """The demo's VIP customer, and the route graph published (a new version
    only when the file changed). Returns the published version."""
    database = Database.open(config.database)
    try:
        await database.migrate()
        service = TicketService(database, config.tickets)
        for caller in DEMO_CALLERS:
            if caller.vip:
                await service.add_customer(caller.number, caller.name, vip=True)
        await create_sample_users(database)
        version = await _publish(RouteStore(database), graph, prompts_dir)
        print(f"ccengine demo: {await add_sample_qa_call(database, config)}", file=sys.stderr)
        return version
    finally:
        await database.close()


async def _publish(store: RouteStore, graph: RouteGraph, prompts_dir: Path | None) -> int:
    with contextlib.suppress(RouteNotFound):
        current = await store.get(graph.name)
        if current.graph == graph and current.status == "published":
            return current.version
    version = await store.save_draft(graph, author="ccengine demo")
    await store.publish(graph.name, version, prompts_dir)
    return version


def _print_tickets(engine: Engine) -> None:
    def show(call: FinishedCall, recorded: RecordedCall) -> None:
        route = " → ".join(step["node"] for step in call.route.path[4:]) if call.route else ""
        print(f"{recorded.ticket_number}  {recorded.ticket_priority}  {call.outcome.value:<13} "
              f"{recorded.caller or '?':<14} {call.caller_name or '':<20} "
              f"{call.queue or '-':<12} {call.agent_name or '':<22} {route}", flush=True)

    engine.on_recorded(show)


def _banner(config: Config, graph_name: str, version: int, at: datetime | None) -> None:
    base = f"http://{config.web.host}:{config.web.port}"
    print(f"ccengine demo: simulated PBX up, database {config.database.url}", file=sys.stderr)
    when = f"calls ring as if at {at.isoformat()}" if at else "calls ring now (real time)"
    print(f"ccengine demo: routing by graph {graph_name!r} (published v{version}); {when}",
          file=sys.stderr)
    print(f"ccengine demo: the web application at {base}/ (log in as a sample user above)",
          file=sys.stderr)
    print(f"ccengine demo: tickets at {base}/api/v1/tickets, calls at {base}/api/v1/calls",
          file=sys.stderr)
    if config.web.api_token:
        print(f"ccengine demo: API token for curl: -H 'Authorization: Bearer "
              f"{config.web.api_token}'", file=sys.stderr)
    print("ccengine demo: calls become tickets below as they end (Ctrl-C stops)",
          file=sys.stderr, flush=True)
