"""An engine wired to a simulated PBX over real TCP, for tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from ccengine.calls.model import FinishedCall
from ccengine.config import AmiConfig, Config, TicketsConfig, load_config
from ccengine.db import Database
from ccengine.engine import Engine
from ccengine.routes.routing import Routing
from ccengine.simulator.scripts import ScriptLine
from ccengine.simulator.server import AmiServer
from ccengine.tickets.rows import RecordedCall


async def eventually(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@dataclass
class Harness:
    server: AmiServer
    engine: Engine
    recorded: list[tuple[FinishedCall, RecordedCall]] = field(default_factory=list)

    def emit(self, lines: list[ScriptLine]) -> None:
        for line in lines:
            self.server.emit(line.raw)

    def outcomes(self) -> dict[str, str]:
        return {call.linkedid: call.outcome.value for call, _ in self.recorded}

    async def settle(self) -> None:
        await self.server.flush()
        await self.engine.settle(timeout=10)


@asynccontextmanager
async def running_engine(database: Database, routing: Routing | None = None,
                         server: AmiServer | None = None, **ami: float) -> AsyncIterator[Harness]:
    """``server``: a simulated PBX already playing calls (an engine restarted mid-call)."""
    server = server or AmiServer(username="test", secret="s3cret")
    port = await server.start()
    pbx = AmiConfig(name="pbx", host="127.0.0.1", port=port, username="test", secret="s3cret",
                    **{"action_timeout": 1.0, "reconnect_min": 0.05, "reconnect_max": 0.2, **ami})
    engine = Engine((pbx,), TicketsConfig(), database, routing)
    harness = Harness(server, engine)
    engine.on_recorded(lambda call, recorded: harness.recorded.append((call, recorded)))
    await engine.start()
    try:
        await server.wait_for_login()
        await engine.connections[0].wait_ready(5)
        yield harness
    finally:
        await engine.stop()
        await server.stop()


def served_config(database_url: str, server: AmiServer, port: int, name: str = "sim",
                  **settings: str) -> Config:
    """What `ccengine serve` would run with: this database, one PBX (the simulated
    ``server`` on ``port``), no transcription worker, plain-HTTP cookies; more
    ``CCENGINE_<SECTION>_<KEY>`` settings as keyword arguments (``WEB_API_TOKEN="t"``)."""
    environ = {
        "CCENGINE_DATABASE_URL": database_url, "CCENGINE_AMI_0_NAME": name,
        "CCENGINE_AMI_0_PORT": str(port), "CCENGINE_AMI_0_USERNAME": server.username,
        "CCENGINE_AMI_0_SECRET": server.secret, "CCENGINE_TRANSCRIBE_WORKERS": "0",
        "CCENGINE_WEB_SECURE_COOKIE": "false",
    }
    environ.update({f"CCENGINE_{key}": value for key, value in settings.items()})
    return load_config(environ=environ)
