"""Wallboard: live per-queue figures at GET /api/v1/wallboard and on websocket topic
``wallboard``.

The figures come from the engine's call tracker (callers waiting), the agent
presence (agents by state), the published graphs (which agents belong to
which queue) and today's calls in the database (answered, abandoned, service
level); the maths is in ``ccengine.agents.wallboard_stats``. The board is
published when something changed, at most once a second; today's counts are
read from the database again only when a call was stored or the day turned.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from ccengine.agents import wallboard_stats as stats
from ccengine.agents.api import CONSOLE
from ccengine.agents.presence import Agent, Presence
from ccengine.ami.events import Event
from ccengine.db import Database
from ccengine.engine import Engine
from ccengine.users.models import Role
from ccengine.users.service import Principal
from ccengine.web.endpoints import Endpoint
from ccengine.web.hub import Hub, Message, setup_hub
from ccengine.web.keys import ENGINE, TIMEZONE, config_of
from ccengine.web.params import DATABASE
from ccengine.web.wallboard_data import day_counts, rosters

log = logging.getLogger(__name__)

TOPIC = "wallboard"
ROLES = frozenset({Role.ADMIN, Role.PRIVILEGED_AGENT, Role.QA_LEAD})
MIN_INTERVAL = 1.0  # seconds between two publications
IDLE_CHECK = 2.0  # with no event: wrap-ups that ran out, the day that turned
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Wallboard:
    """Builds the board and publishes it on the hub when it changed."""

    def __init__(self, database: Database, timezone: str, threshold: int,
                 engine: Engine | None, hub: Hub | None, clock: Clock = utc_now) -> None:
        self.database, self.timezone, self.threshold = database, timezone, threshold
        self.engine, self.hub, self.clock = engine, hub, clock
        self.presence: Presence | None = None  # our own, until the console's is handed in
        self.agents: Callable[[], list[Agent]] = list
        self._changed = asyncio.Event()
        # today's counts, with the day and the number of calls stored when read
        self._counts: tuple[datetime, int, list[stats.OutcomeCount]] | None = None
        self._stored = 0
        self._last: object = None

    # -- feeding -------------------------------------------------------------

    def use_own_presence(self, wrap_up_seconds: float) -> None:
        self.presence = Presence(wrap_up_seconds)
        self.agents = self.presence.agents

    def on_event(self, event: Event) -> None:
        if self.presence is not None:
            self.presence.handle(event)
        self._changed.set()

    def on_recorded(self, *_: object) -> None:
        self._stored += 1  # a read in flight now may miss this call: it reads again
        self._changed.set()

    # -- reading -------------------------------------------------------------

    async def snapshot(self, fresh: bool = False) -> dict[str, Any]:
        now = self.clock()
        since = stats.day_start(now, self.timezone)
        counts = self._counts
        if fresh or counts is None or counts[:2] != (since, self._stored):
            stored = self._stored
            async with self.database.sessions() as session:
                counts = (since, stored, await day_counts(session, since, self.threshold))
            self._counts = counts
        calls = self.engine.tracker.live_calls() if self.engine else []
        live = stats.answered_live(calls, since, self.threshold)
        graphs = rosters(self.engine)
        agents = self.agents()
        queues = stats.board(waits=stats.waiting(calls, now),
                             agents=stats.agents_by_queue(agents, graphs),
                             days=stats.tally([*counts[2], *live]))
        total = stats.totals(queues, stats.agents_overall(agents, graphs))
        return {"queues": [q.as_json(self.threshold) for q in queues],
                "totals": total.as_json(self.threshold) | {"queue": None},
                "sl_threshold_seconds": self.threshold, "generated_at": now.isoformat()}

    async def message(self, _who: Principal | None = None) -> list[Message]:
        return [{"type": TOPIC, "wallboard": await self.snapshot()}]

    # -- publishing ----------------------------------------------------------

    async def run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), IDLE_CHECK)
            self._changed.clear()
            try:
                await self.publish_if_changed()
            except Exception:  # a database hiccup must not end the board
                log.exception("wallboard: the board could not be built")
            await asyncio.sleep(MIN_INTERVAL)

    async def publish_if_changed(self) -> bool:
        if self.presence is not None:
            self.presence.expired_wrap_ups(self.clock())
        board = await self.snapshot()
        seen = _without_clock(board)
        if seen == self._last or self.hub is None:
            return False
        self._last = seen
        self.hub.publish(TOPIC, {"type": TOPIC, "wallboard": board})
        return True


def _without_clock(board: dict[str, Any]) -> object:
    """What a change is judged on: not the time, nor waits that merely grew
    (the page counts those up itself); a new longest waiter changes the counts."""
    def strip(queue: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in queue.items() if k != "longest_wait_seconds"}
    return [strip(q) for q in board["queues"]], strip(board["totals"])


# -- the app ---------------------------------------------------------------------

WALLBOARD = web.AppKey("ccengine.wallboard", Wallboard)


def threshold_of(app: web.Application) -> int:
    """``[wallboard] service_level_seconds``; 20 s in an app built without a config."""
    return config_of(app).wallboard.service_level_seconds


def setup(app: web.Application) -> None:
    engine = app.get(ENGINE)
    hub = setup_hub(app)
    board = Wallboard(app[DATABASE], app[TIMEZONE], threshold_of(app),
                      engine, hub)
    app[WALLBOARD] = board
    hub.topic(TOPIC, board.message, roles=ROLES)
    if engine is None:
        return
    console = app.get(CONSOLE)  # the agent console's presence, set up before us
    if console is not None:
        board.agents = console.presence.agents
    else:
        board.use_own_presence(config_of(app).agents.wrapup_seconds)
    engine.on_event(board.on_event)
    engine.on_recorded(board.on_recorded)
    app.cleanup_ctx.append(_publishing)


async def _publishing(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(app[WALLBOARD].run(), name="wallboard")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def get_wallboard(request: web.Request) -> web.Response:
    board = request.app[WALLBOARD]
    return web.json_response(await board.snapshot(fresh=True))


_QUEUE_FIGURES: dict[str, Any] = {
    "type": "object",
    "required": ["queue", "waiting", "longest_wait_seconds", "agents", "answered", "abandoned",
                 "service_level", "sl_threshold_seconds"],
    "properties": {
        "queue": {"type": "string", "nullable": True, "description": "null in the totals"},
        "waiting": {"type": "integer", "description": "callers in the queue now"},
        "longest_wait_seconds": {"type": "integer", "nullable": True,
                                 "description": "the longest wait now; null: nobody waits"},
        "agents": {"type": "object", "description": "agents by state",
                   "properties": {s: {"type": "integer"} for s in stats.AGENT_STATES}},
        "answered": {"type": "integer", "description": "today, by the queue's agents"},
        "answered_within_threshold": {"type": "integer"},
        "abandoned": {"type": "integer", "description": "today: the caller hung up waiting"},
        "timed_out": {"type": "integer", "description": "today: the queue gave up (not abandons)"},
        "service_level": {"type": "number", "nullable": True, "description":
                          "answered within N s / (answered + abandoned after N s + timed out "
                          "after N s), 0..1; null: no call counts yet"},
        "sl_threshold_seconds": {"type": "integer", "description": "N"},
    },
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "WallboardQueue": _QUEUE_FIGURES,
    "Wallboard": {
        "type": "object", "required": ["queues", "totals", "generated_at"],
        "properties": {
            "queues": {"type": "array", "items": {"$ref": "#/components/schemas/WallboardQueue"}},
            "totals": {"$ref": "#/components/schemas/WallboardQueue"},
            "sl_threshold_seconds": {"type": "integer"},
            "generated_at": {"type": "string", "format": "date-time"},
        },
    },
}

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/api/v1/wallboard", get_wallboard, ROLES,
             "Live figures per queue: waiting, agents by state, today's calls and service level",
             result="Wallboard"),
)
