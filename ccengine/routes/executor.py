"""The executor: walks the route graph for each inbound call over AsyncAGI.

On ``AsyncAGIStart`` in the inbound context it starts one task per call; the
task drives the pure ``walk`` by sending each AGI command as an AMI ``AGI``
action and waiting for the command's ``AsyncAGIExec`` (matched on CommandID).
Calls never wait for each other: one connection carries them all, and a call
sitting in a queue for ten minutes holds nothing but its own task.

The caller can hang up at any step. Asterisk then answers ``result=-1``, or
refuses the next command (``Channel ... does not exist.``), or ends the AGI
session (``AsyncAGIEnd``): each ends that call's walk, keeping its path.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from ccengine.ami import events as ev
from ccengine.ami.connection import ActionResult
from ccengine.ami.errors import AmiError
from ccengine.calls.model import RouteTaken
from ccengine.cancelling import cancel_and_wait
from ccengine.routes.agi import AgiReply
from ccengine.routes.book import RouteBook
from ccengine.routes.walk import (
    CallFacts,
    Command,
    PathStep,
    RouteResult,
    Walk,
    WalkSettings,
    took_vip_branch,
    walk,
)

log = logging.getLogger(__name__)

AGI_EVENTS = frozenset({"AsyncAGIStart", "AsyncAGIExec", "AsyncAGIEnd"})
Key = tuple[str, str]
# Told of a call whose walk ran a survey node: (pbx, linkedid, the walk's result).
SurveyHook = Callable[[str, str, RouteResult], Awaitable[None]]


class ActionSender(Protocol):
    async def send(self, action: Mapping[str, str], timeout: float | None = None) -> ActionResult:
        ...


@dataclass(slots=True)
class RouteRun:
    """One call's walk: live while the call is routed, then its result."""

    graph: str
    version: int | None
    channel: str
    steps: list[PathStep] = field(default_factory=list)
    result: RouteResult | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def taken(self) -> RouteTaken:
        result = self.result
        path = tuple(step.as_json() for step in (result.path if result else self.steps))
        return RouteTaken(
            graph=self.graph, version=self.version,
            ended_by=result.ended_by if result else "routing",
            path=path, digits=result.digits if result else "",
            ticket_priority=result.ticket_priority if result else None,
            voicemail_file=result.voicemail_file if result else None,
            callback_number=result.callback_number if result else None,
            last_node=result.last_node if result else None,
            last_kind=result.last_kind if result else None,
            vip=result.vip if result else took_vip_branch(self.steps),
        )


class _ConnectionLost(Exception):
    """The AMI connection went away: this walk cannot go on."""


class RouteExecutor:
    def __init__(self, book: RouteBook, settings: WalkSettings, context: str,
                 normalise: Callable[[str | None], str | None],
                 is_vip: Callable[[str | None], bool], remember: int = 10_000) -> None:
        self.book, self.settings, self.context = book, settings, context
        self._normalise, self._is_vip = normalise, is_vip
        self._senders: dict[str, ActionSender] = {}
        self._pending: dict[tuple[str, str], asyncio.Future[AgiReply]] = {}  # (pbx, CommandID)
        self._by_channel: dict[tuple[str, str], set[str]] = {}  # (pbx, channel) → CommandIDs
        self._runs: OrderedDict[Key, RouteRun] = OrderedDict()
        self._remember = remember
        self._tasks: set[asyncio.Task[None]] = set()
        self._ids = itertools.count(1)
        self.on_survey: SurveyHook | None = None  # CSAT keeps the score (ccengine.csat)

    # -- wiring ----------------------------------------------------------------

    def attach(self, pbx: str, sender: ActionSender) -> None:
        self._senders[pbx] = sender

    def on_message(self, pbx: str, headers: Mapping[str, str], received_at: float) -> None:
        """Called for every message of a PBX, in order, without awaiting."""
        if headers.get("Event") not in AGI_EVENTS:
            return
        try:
            event = ev.parse_event(headers, pbx, received_at)
        except AmiError as exc:
            log.warning("AMI %s: bad AGI event skipped (%s)", pbx, exc)
            return
        if isinstance(event, ev.AsyncAgiStarted):
            self._start(event)
        elif isinstance(event, ev.AsyncAgiExecuted):
            self._resolve(pbx, event.command_id, AgiReply(event.code, event.result))
        elif isinstance(event, ev.AsyncAgiEnded):
            self._channel_gone(pbx, event.channel.name)

    def connection_lost(self, pbx: str) -> None:
        """AsyncAGIExec results sent while we are away are lost: end those walks.

        Asterisk keeps the calls (a caller in a queue stays there); the call
        tracker learns what became of them through its resync.
        """
        lost = [key for key in self._pending if key[0] == pbx]
        for key in lost:
            future = self._pending[key]
            if not future.done():
                future.set_exception(_ConnectionLost())
                # The walk may be waiting on the AGI action's own answer instead, which
                # fails too; nobody would then read this one ("never retrieved").
                future.exception()
        if lost:
            log.warning("AMI %s lost: %d route(s) in progress stop here", pbx, len(lost))

    # -- reading ---------------------------------------------------------------

    def live_path(self, pbx: str, linkedid: str) -> tuple[str, tuple[PathStep, ...]] | None:
        """The graph and the steps a call's walk took so far; never waits (screen-pop)."""
        run = self._runs.get((pbx, linkedid))
        if run is None:
            return None
        return run.graph, tuple(run.result.path if run.result else run.steps)

    async def route_of(self, pbx: str, linkedid: str, wait: float) -> RouteTaken | None:
        """The route a call took, waiting up to ``wait`` s for its walk to finish."""
        run = self._runs.get((pbx, linkedid))
        if run is None:
            return None
        if not run.done.is_set():
            try:
                await asyncio.wait_for(run.done.wait(), wait)
            except TimeoutError:
                log.warning("call %s: route still running when the call ended", linkedid)
        self._runs.pop((pbx, linkedid), None)
        return run.taken()

    async def stop(self) -> None:
        await cancel_and_wait(self._tasks)

    # -- one call --------------------------------------------------------------

    def _start(self, event: ev.AsyncAgiStarted) -> None:
        channel = event.channel
        if channel.context != self.context:
            return  # another application's AsyncAGI
        caller = self._normalise(channel.caller_num)
        facts = CallFacts(did=self._normalise(channel.exten), caller=caller, at=event.at,
                          uniqueid=channel.uniqueid, customer_vip=self._is_vip(caller))
        task = asyncio.create_task(self._route(event.pbx, channel, facts),
                                   name=f"route-{channel.linkedid}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _route(self, pbx: str, channel: ev.ChannelInfo, facts: CallFacts) -> None:
        chosen = self.book.select(facts.did, facts.caller)
        graph_name, version = (chosen.graph.name, chosen.version) if chosen else ("", None)
        run = RouteRun(graph_name, version, channel.name)
        self._remember_run((pbx, channel.linkedid), run)
        try:
            if chosen is None:
                log.warning("call %s: no published route takes DID %s", channel.linkedid,
                            facts.did)
                await self._send_command(pbx, channel.name, "ASYNCAGI BREAK")
                run.result = RouteResult(graph="", ended_by="no_route")
            else:
                run.result = await self._drive(pbx, run, walk(chosen.graph, facts, self.settings))
                await self._surveyed(pbx, channel.linkedid, run.result)
        except _ConnectionLost:
            run.result = RouteResult(graph=graph_name, ended_by="connection_lost",
                                     path=tuple(run.steps))
        except Exception:
            log.exception("call %s: routing failed", channel.linkedid)
        finally:
            run.done.set()

    async def _surveyed(self, pbx: str, linkedid: str, result: RouteResult) -> None:
        if result.surveyed and self.on_survey is not None:
            await self.on_survey(pbx, linkedid, result)

    async def _drive(self, pbx: str, run: RouteRun, steps: Walk) -> RouteResult:
        reply: AgiReply | None = None
        while True:
            try:
                instruction = steps.send(reply)
            except StopIteration as finished:
                result: RouteResult = finished.value
                return result
            if isinstance(instruction, Command):
                reply = await self._send_command(pbx, run.channel, instruction.text)
            else:
                run.steps.append(instruction)
                reply = None

    async def _send_command(self, pbx: str, channel: str, command: str) -> AgiReply:
        sender = self._senders.get(pbx)
        if sender is None:
            raise _ConnectionLost
        command_id = f"cc-{next(self._ids)}"
        future: asyncio.Future[AgiReply] = asyncio.get_running_loop().create_future()
        # Registered before sending: the result may arrive right after the response.
        self._pending[(pbx, command_id)] = future
        self._by_channel.setdefault((pbx, channel), set()).add(command_id)
        try:
            answer = await sender.send({"Action": "AGI", "Channel": channel,
                                        "Command": command, "CommandID": command_id})
            if not answer.success:
                return AgiReply.gone()  # "Channel ... does not exist."
            return await future
        except AmiError as exc:
            log.debug("AMI %s: AGI %s on %s failed (%s)", pbx, command.split()[0], channel, exc)
            raise _ConnectionLost from exc
        finally:
            self._pending.pop((pbx, command_id), None)
            ids = self._by_channel.get((pbx, channel))
            if ids is not None:
                ids.discard(command_id)
                if not ids:
                    del self._by_channel[(pbx, channel)]

    def _resolve(self, pbx: str, command_id: str, reply: AgiReply) -> None:
        future = self._pending.get((pbx, command_id))
        if future is not None and not future.done():
            future.set_result(reply)

    def _channel_gone(self, pbx: str, channel: str) -> None:
        for command_id in list(self._by_channel.get((pbx, channel), ())):
            self._resolve(pbx, command_id, AgiReply.gone())

    def _remember_run(self, key: Key, run: RouteRun) -> None:
        self._runs[key] = run
        while len(self._runs) > self._remember:
            self._runs.popitem(last=False)  # calls the tracker never finished

