"""The engine: AMI connections → event pipeline → call tracker → ticket writer.

Built from the config and a database handed in; started and stopped by its
owner (the aiohttp app, the replay command, a test). After every login to a
PBX it rebuilds what it knows from CoreShowChannels and QueueStatus, because
AMI has no replay of what was missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from ccengine.ami.connection import ActionResult, AmiConnection
from ccengine.ami.errors import AmiError, AmiNotConnected
from ccengine.ami.events import EVENT_PARSERS, Event
from ccengine.calls.model import FinishedCall, Outcome
from ccengine.calls.pipeline import EventPipeline
from ccengine.calls.tracker import CallTracker
from ccengine.calls.writer import CallWriter
from ccengine.cancelling import cancel_and_wait
from ccengine.config import AmiConfig, TicketsConfig
from ccengine.db import Database
from ccengine.routes.routing import Routing
from ccengine.tickets.lost_calls import close_lost_calls
from ccengine.tickets.rows import RecordedCall
from ccengine.tickets.service import TicketService

log = logging.getLogger(__name__)

RecordedListener = Callable[[FinishedCall, RecordedCall], None]
FinishGate = Callable[[FinishedCall], Awaitable[None]]

# How long a finished call waits for its route walk to record its last step.
ROUTE_SETTLE_SECONDS = 2.0


class Engine:
    def __init__(self, pbxs: tuple[AmiConfig, ...], tickets: TicketsConfig,
                 database: Database, routing: Routing | None = None) -> None:
        self.tickets = TicketService(database, tickets)
        self.routing = routing
        self._listeners: list[RecordedListener] = []
        self._gates: list[FinishGate] = []
        self.writer: CallWriter[RecordedCall] = CallWriter(
            self.tickets.record_calls, self._announce)
        self.tracker = CallTracker(self._finished)
        self.pipeline = EventPipeline(self.tracker, on_synced=self._synced)
        self._database = database
        self.resyncs = 0  # resyncs whose lists are applied, since start
        self.connections = [self._connection(pbx) for pbx in pbxs]
        self._tasks: list[asyncio.Task[None]] = []
        self._joining: set[asyncio.Task[None]] = set()

    def on_recorded(self, listener: RecordedListener) -> None:
        self._listeners.append(listener)

    def on_event(self, listener: Callable[[Event], None]) -> None:
        """Every typed event, in order, after the call tracker (the agent console)."""
        self.pipeline.add_listener(listener)

    def before_recording(self, gate: FinishGate) -> None:
        """A finished call is stored only once ``gate(call)`` returns (a ticket the
        console opened when the call rang must be written before the call's own)."""
        self._gates.append(gate)

    async def send_action(self, action: Mapping[str, Any], pbx: str | None = None,
                          timeout: float | None = None) -> ActionResult:
        """An action on the named PBX's connection (the first when unnamed)."""
        found = [c for c in self.connections if pbx is None or c.name == pbx]
        if not found:
            raise AmiNotConnected(f"no PBX named {pbx!r}" if pbx else "no PBX configured")
        return await found[0].send(action, timeout)

    def _connection(self, pbx: AmiConfig) -> AmiConnection:
        executor = self.routing.executor if self.routing else None

        def feed(headers: Mapping[str, str], received_at: float) -> None:
            if executor is not None:
                executor.on_message(pbx.name, headers, received_at)  # first: it is waited for
            self.pipeline.feed(pbx.name, headers, received_at)

        connection = AmiConnection(pbx, on_message=feed, on_login=self._resync,
                                   on_loss=self._lost, events=frozenset(EVENT_PARSERS))
        if executor is not None:
            executor.attach(pbx.name, connection)
        return connection

    async def start(self) -> None:
        if self.routing is not None:
            await self.routing.start()
        self._tasks = [
            asyncio.create_task(self.pipeline.run(), name="event-pipeline"),
            asyncio.create_task(self.writer.run(), name="call-writer"),
            *(asyncio.create_task(c.run(), name=f"ami-{c.name}") for c in self.connections),
        ]

    async def stop(self, drain_timeout: float = 10.0) -> None:
        for connection in self.connections:
            await connection.stop()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.drained(), drain_timeout)
        await cancel_and_wait([*self._tasks, *self._joining])
        self._tasks = []
        if self.routing is not None:
            await self.routing.stop()

    async def drained(self) -> None:
        await self.pipeline.drained()
        while self._joining:
            await asyncio.gather(*self._joining, return_exceptions=True)
        await self.writer.drained()

    def _finished(self, call: FinishedCall) -> None:
        """A call is over: with routing on, it carries the route it took to its ticket."""
        if self.routing is None and not self._gates:
            self.writer.submit(call)
            return
        task = asyncio.create_task(self._settled(call))
        self._joining.add(task)
        task.add_done_callback(self._joining.discard)

    async def _settled(self, call: FinishedCall) -> None:
        """The gates and the wait for the call's route run at once; the call is stored
        (with its route) once all of them are done."""
        gates = asyncio.gather(*(self._passed(gate, call) for gate in self._gates))
        if self.routing is not None:
            call, _ = await asyncio.gather(self._with_route(call, self.routing), gates)
        else:
            await gates
        self.writer.submit(call)

    @staticmethod
    async def _passed(gate: FinishGate, call: FinishedCall) -> None:
        try:
            await gate(call)
        except Exception:  # a gate's failure must not lose the call
            log.exception("call %s: a pre-recording step failed", call.linkedid)

    async def _with_route(self, call: FinishedCall, routing: Routing) -> FinishedCall:
        route = await routing.executor.route_of(call.pbx, call.linkedid, ROUTE_SETTLE_SECONDS)
        if route is None:
            return call
        # Asterisk's events show a caller hanging up; only the route knows a message was left.
        took_message = route.voicemail_file is not None and call.outcome.missed
        outcome = Outcome.VOICEMAIL if took_message else call.outcome
        return replace(call, route=route, outcome=outcome)

    async def settle(self, timeout: float = 30.0) -> None:
        """Everything each PBX has said so far is handled and stored.

        AMI answers in order: once a Ping is answered, every event sent before
        it has been read and queued.
        """
        for connection in self.connections:
            if connection.ready:
                await connection.send({"Action": "Ping"}, timeout=timeout)
        await asyncio.wait_for(self.drained(), timeout)

    async def _resync(self, connection: AmiConnection) -> None:
        name = connection.name
        self.pipeline.mark("resync", name, time.time())
        try:
            # The list events reach the pipeline through the event stream itself.
            await connection.send_streamed({"Action": "CoreShowChannels"})
            await connection.send_streamed({"Action": "QueueStatus"})
            self.pipeline.mark("synced", name, time.time())
        except AmiError as exc:
            log.warning("AMI %s: resync failed (%s); live calls may be incomplete", name, exc)
        log.info("AMI %s resynced: %d live call(s) tracked", name, len(self.tracker))

    def _synced(self, pbx: str, at: datetime) -> None:
        """The resync's lists are applied: ring-time tickets of calls lost meanwhile
        (a restart, a link drop) are reconciled; stored calls wait for it like for a gate."""
        self.resyncs += 1
        task = asyncio.create_task(self._close_lost_calls(pbx, at), name=f"lost-calls-{pbx}")
        self._joining.add(task)
        task.add_done_callback(self._joining.discard)

    async def _close_lost_calls(self, pbx: str, at: datetime) -> None:
        try:
            lost = await close_lost_calls(self._database, pbx, at, self.tracker.knows, at)
        except Exception:  # the next login tries again
            log.exception("AMI %s: ring-time tickets of lost calls could not be reconciled", pbx)
            return
        if lost:
            log.info("AMI %s: %d ticket(s) of calls lost while disconnected reconciled",
                     pbx, len(lost))

    def _lost(self, connection: AmiConnection) -> None:
        self.pipeline.mark("lost", connection.name, time.time())
        if self.routing is not None:
            self.routing.executor.connection_lost(connection.name)

    def _announce(self, call: FinishedCall, recorded: RecordedCall) -> None:
        for listener in self._listeners:
            listener(call, recorded)
