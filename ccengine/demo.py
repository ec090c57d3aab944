"""`ccengine demo`: the real engine on SQLite against a simulated PBX, in real time.

The simulated PBX is a real AMI TCP server playing calls shaped exactly like
the recorded traces (fresh ids and callers). Tickets appear on the console as
calls end, and at the REST API.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sys

from aiohttp import web

from ccengine.app import create_app
from ccengine.calls.model import FinishedCall
from ccengine.config import AmiConfig, Config
from ccengine.db import Database
from ccengine.engine import Engine
from ccengine.simulator.calls import DEMO_CALLERS, CallFactory, run_demo_calls
from ccengine.simulator.server import AmiServer, close_quietly
from ccengine.tickets.rows import RecordedCall
from ccengine.tickets.service import TicketService


async def run_demo(config: Config, calls: int | None, interval: tuple[float, float],
                   duration: float | None, seed: int | None) -> int:
    server = AmiServer(username="demo", secret=secrets.token_hex(8))
    port = await server.start()
    pbx = AmiConfig(name="demo-pbx", host="127.0.0.1", port=port,
                    username=server.username, secret=server.secret)
    config = config.model_copy(update={"ami": (pbx,)})
    await _seed_customers(config)
    runner = web.AppRunner(create_app(config, on_engine=_print_tickets))
    try:
        await runner.setup()
        site = web.TCPSite(runner, config.web.host, config.web.port)
        await site.start()
        _banner(config)
        await server.wait_for_login()
        traffic = run_demo_calls(server, CallFactory(seed), interval, calls)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(traffic, duration)
        await asyncio.sleep(1.0)  # let the last hangups be stored
    finally:
        await runner.cleanup()
        await close_quietly(server)
    return 0


async def _seed_customers(config: Config) -> None:
    """The demo's VIP customer, so VIP calls get VIP priority."""
    database = Database.open(config.database)
    try:
        await database.migrate()
        service = TicketService(database, config.tickets)
        for caller in DEMO_CALLERS:
            if caller.vip:
                await service.add_customer(caller.number, caller.name, vip=True)
    finally:
        await database.close()


def _print_tickets(engine: Engine) -> None:
    def show(call: FinishedCall, recorded: RecordedCall) -> None:
        print(f"{recorded.ticket_number}  {recorded.ticket_priority}  {call.outcome.value:<13} "
              f"{recorded.caller or '?':<14} {call.caller_name or '':<20} "
              f"{call.queue or '-':<12} {call.agent_name or ''}", flush=True)

    engine.on_recorded(show)


def _banner(config: Config) -> None:
    base = f"http://{config.web.host}:{config.web.port}"
    print(f"ccengine demo: simulated PBX up, database {config.database.url}", file=sys.stderr)
    print(f"ccengine demo: tickets at {base}/api/v1/tickets, calls at {base}/api/v1/calls",
          file=sys.stderr)
    print("ccengine demo: calls become tickets below as they end (Ctrl-C stops)",
          file=sys.stderr, flush=True)
