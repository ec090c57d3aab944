"""One supervised AMI connection per PBX, built on panoramisk.

What this adds to panoramisk (each a sharp edge of 1.4, see DESIGN.md):
- every action has a timeout, and an action asked for while disconnected fails
  at once instead of waiting in panoramisk's resend queue for ever;
- actions left pending by a dropped connection fail, and are never re-sent
  after the reconnect (a re-sent AGI command would run twice);
- single-response actions complete on their Response, so ``QueueAdd`` does not
  hang and an async ``Originate`` lets its ``OriginateResponse`` through as an
  event instead of swallowing it;
- a ping watchdog that checks the Pong: a half-open connection is noticed;
- reconnect with exponential backoff and jitter, and a resync hook after every
  login (AMI has no replay: state must be rebuilt from list actions).
Incoming messages leave this module as plain header dicts, in order, through a
synchronous callback that only hands them on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from panoramisk import Manager
from panoramisk.actions import Action

from ccengine.ami.errors import (
    AmiActionTimeout,
    AmiConnectionLost,
    AmiLoginFailed,
    AmiNotConnected,
)
from ccengine.ami.frames import describe_frame
from ccengine.ami.protocol import Utf8AmiProtocol
from ccengine.ami.safe_action import safe_action
from ccengine.config import AmiConfig

log = logging.getLogger(__name__)

NEVER = 10**9  # seconds: switches off panoramisk's own unchecked pinger

# Actions answered by a Response and then a list of events ending in *Complete.
LIST_ACTIONS = frozenset({"coreshowchannels", "queuestatus", "status", "queuesummary"})

MessageSink = Callable[[Mapping[str, str], float], None]
LoginHook = Callable[["AmiConnection"], Awaitable[None]]
LossHook = Callable[["AmiConnection"], None]


@dataclass(frozen=True, slots=True)
class ActionResult:
    success: bool
    message: str
    headers: Mapping[str, str]
    events: tuple[Mapping[str, str], ...] = field(default_factory=tuple)


def headers_of(message: Any) -> dict[str, str]:
    """A panoramisk Message as a plain dict with Asterisk's own header names."""
    store = getattr(message, "_store", None)  # panoramisk 1.4, pinned: keeps (key, value)
    if store is not None:
        return dict(store.values())
    return {key: message[key] for key in message}


class _Manager(Manager):  # type: ignore[misc]
    """panoramisk Manager whose reconnecting is left to AmiConnection."""

    lost: asyncio.Event

    def connection_lost(self, exc: object) -> None:
        self._connected = False
        self.authenticated = False
        self.lost.set()

    def login(self, future: asyncio.Future[Any]) -> bool:
        """panoramisk's Login callback, quiet when the Login failed for a lost connection.

        Its own version calls ``future.result()``, so a Login failed by our
        teardown raised inside a loop callback ("Exception in callback").
        """
        if future.cancelled() or future.exception() is not None:
            self.authenticated = False
            return False
        return bool(super().login(future))


class AmiConnection:
    """Keeps one PBX connected, logged in and resynced; sends actions safely."""

    def __init__(
        self,
        config: AmiConfig,
        on_message: MessageSink,
        on_login: LoginHook | None = None,
        on_loss: LossHook | None = None,
        events: frozenset[str] | None = None,
    ) -> None:
        self.config = config
        self._events = events  # None: every event; else only these are parsed
        self.name = config.name
        self._on_message = on_message
        self._on_login = on_login
        self._on_loss = on_loss
        self._manager: _Manager | None = None
        self._ready = asyncio.Event()
        self._stopping = False
        self.logins = 0

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    async def wait_ready(self, timeout: float) -> None:
        await asyncio.wait_for(self._ready.wait(), timeout)

    async def run(self) -> None:
        """Connect, log in, resync, watch; on any loss back off and start over."""
        delay = self.config.reconnect_min
        while not self._stopping:
            started = time.monotonic()
            try:
                await self._session()
            except (OSError, AmiLoginFailed, AmiActionTimeout, AmiConnectionLost,
                    TimeoutError) as exc:
                # AmiConnectionLost: the peer closed, or stop() tore down, before Login
                log.warning("AMI %s (%s:%s): %s", self.name, self.config.host,
                            self.config.port, exc or type(exc).__name__)
            finally:
                self._teardown()
            if self._stopping:
                break
            if time.monotonic() - started > self.config.reconnect_max:
                delay = self.config.reconnect_min  # it had been up a while
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, self.config.reconnect_max)

    async def stop(self) -> None:
        self._stopping = True
        if self._manager is not None and self.ready:
            with contextlib.suppress(Exception):
                await self.send({"Action": "Logoff"}, timeout=1.0)
        self._teardown()

    async def send(self, action: Mapping[str, Any], timeout: float | None = None) -> ActionResult:
        """Send an action and wait for its answer (a list action: all its events)."""
        manager = self._live_manager()
        return await self._send(manager, action, timeout or self.config.action_timeout)

    async def send_streamed(self, action: Mapping[str, Any]) -> ActionResult:
        """A list action whose events also reach on_message, in stream order."""
        manager = self._live_manager()
        action_id = f"ccengine-list-{uuid.uuid4().hex}"
        streamed: set[str] = manager.protocol.streamed_actions
        streamed.add(action_id)
        try:
            return await self._send(manager, {**action, "ActionID": action_id},
                                    self.config.action_timeout)
        finally:
            streamed.discard(action_id)

    def _live_manager(self) -> _Manager:
        manager = self._manager
        if manager is None or not self.ready:
            raise AmiNotConnected(f"AMI {self.name} is not connected")
        return manager

    async def _send(
        self, manager: _Manager, action: Mapping[str, Any], timeout: float
    ) -> ActionResult:
        name = str(action["Action"])
        # A list action is left to panoramisk's EventList detection, so that an
        # Error answer (no list follows) completes it; any other action
        # completes on its Response.
        # safe_action: the one check of every header that reaches the socket.
        request = Action(safe_action(action),
                         as_list=None if name.lower() in LIST_ACTIONS else False)
        # as_list must be passed again: panoramisk's send() overwrites it (None brings back
        # its multi-response guess, which hangs QueueAdd and swallows OriginateResponse)
        future = manager.send_action(request, as_list=request.as_list)
        try:
            answer = await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            self._forget(manager, request)
            message = f"AMI {self.name}: no answer to {name} in {timeout:g}s"
            raise AmiActionTimeout(message) from None
        return _result(answer)

    @staticmethod
    def _forget(manager: _Manager, request: Action) -> None:
        responses = getattr(manager.protocol, "responses", {})
        responses.pop(request.id, None)
        if not request.future.done():
            request.future.cancel()

    async def _session(self) -> None:
        manager = self._manager = await self._connect()
        await self._login(manager)
        self.logins += 1
        self._ready.set()
        log.info("AMI %s logged in to %s:%s", self.name, self.config.host, self.config.port)
        watchdog = asyncio.create_task(self._watchdog(manager), name=f"ami-{self.name}-watchdog")
        try:
            if self._on_login is not None:
                await self._on_login(self)
            await manager.lost.wait()
            log.warning("AMI %s: connection lost", self.name)
        finally:
            watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watchdog

    async def _connect(self) -> _Manager:
        loop = asyncio.get_running_loop()
        manager = _Manager(
            loop=loop, host=self.config.host, port=self.config.port,
            username=self.config.username, secret=self.config.secret,
            encoding="utf8", ping_delay=NEVER, ping_interval=NEVER,
            protocol_factory=Utf8AmiProtocol,
        )
        manager.lost = asyncio.Event()
        manager.register_event("*", self._deliver)
        connected = await asyncio.wait_for(
            loop.create_connection(Utf8AmiProtocol, self.config.host, self.config.port),
            self.config.action_timeout,
        )
        protocol = connected[1]
        if protocol.closed:  # the peer closed before panoramisk's Manager was wired to it
            raise AmiConnectionLost(f"AMI {self.name}: connection closed before Login")
        protocol.on_malformed = self._malformed
        protocol.on_event = self._deliver_headers
        protocol.wanted_events = self._events
        protocol.max_frame_bytes = self.config.max_frame_bytes
        protocol.on_overflow = self._overflow
        done: asyncio.Future[Any] = loop.create_future()
        done.set_result(connected)
        manager.connection_made(done)  # sets the protocol up and sends Login
        return manager

    async def _login(self, manager: _Manager) -> None:
        answer = await self._login_answer(manager)
        if not answer.success:
            reason = answer.message or "no reason"
            raise AmiLoginFailed(f"AMI {self.name}: login refused ({reason})")

    async def _login_answer(self, manager: _Manager) -> Any:
        """Login's answer; a peer that closes first fails it at once, not at the timeout.

        panoramisk forgets a pending Login when the connection drops (it is a
        "forgetable" action), so its future alone would wait the whole timeout.
        """
        login: asyncio.Future[Any] = manager.authenticated_future
        answer = asyncio.ensure_future(asyncio.shield(login))
        lost = asyncio.ensure_future(manager.lost.wait())
        try:
            await asyncio.wait({answer, lost}, timeout=self.config.action_timeout,
                               return_when=asyncio.FIRST_COMPLETED)
        except BaseException:  # cancelled: nobody will read the answer
            _abandon(answer)
            raise
        finally:
            lost.cancel()
        if answer.done():
            return answer.result()
        answer.cancel()
        if manager.lost.is_set():
            raise AmiConnectionLost(f"AMI {self.name}: connection closed before Login")
        raise AmiActionTimeout(f"AMI {self.name}: no answer to Login")

    async def _watchdog(self, manager: _Manager) -> None:
        """panoramisk never checks its Pong; a half-open socket would go unnoticed."""
        while True:
            await asyncio.sleep(self.config.ping_interval)
            try:
                await self._send(manager, {"Action": "Ping"}, self.config.ping_timeout)
            except AmiActionTimeout:
                log.warning("AMI %s: no Pong in %gs, dropping the half-open connection",
                            self.name, self.config.ping_timeout)
                _abort(manager)
                return

    def _deliver(self, _manager: Any, message: Any) -> None:
        self._deliver_headers(headers_of(message))

    def _deliver_headers(self, headers: dict[str, str]) -> None:
        # Synchronous and thin on purpose: an exception here would close the
        # connection inside panoramisk, and awaiting here would reorder events.
        try:
            self._on_message(headers, time.time())
        except Exception:
            log.exception("AMI %s: event hand-off failed", self.name)

    def _malformed(self, frame: str) -> None:
        log.warning("AMI %s: malformed frame ignored (%s)", self.name, describe_frame(frame))

    def _overflow(self, limit: int) -> None:
        log.warning("AMI %s: a frame passed %d bytes without ending; dropping the connection "
                    "(it reconnects and resyncs)", self.name, limit)

    def _teardown(self) -> None:
        was_ready = self.ready
        self._ready.clear()
        manager, self._manager = self._manager, None
        if manager is None:
            return
        # Taken before close(): panoramisk's close forgets some pending actions
        # (Ping, Login, half-answered lists) without failing them.
        pending = list(getattr(manager.protocol, "responses", {}).values())
        manager.close()
        manager.lost.set()  # a close of our own never reaches connection_lost: wake _session
        _fail_pending(manager, pending)
        if was_ready and self._on_loss is not None:
            self._on_loss(self)


def _abandon(answer: asyncio.Future[Any]) -> None:
    """An answer no one will wait for: a Login failing later would otherwise log
    "Future exception was never retrieved"."""
    if not answer.done():
        answer.cancel()
    elif not answer.cancelled():
        answer.exception()  # retrieved, so never reported


def _abort(manager: _Manager) -> None:
    transport = getattr(manager.protocol, "transport", None)
    if transport is not None:
        transport.abort()
    manager.lost.set()


def _fail_pending(manager: _Manager, pending: list[Action]) -> None:
    """Fail what the dropped connection left unanswered; never re-send it later.

    ``pending`` was taken before our close(); when the peer dropped the
    connection, panoramisk's own close() ran first and moved the actions to
    awaiting_actions, to re-send after the next login: they fail instead.
    """
    pending = pending + list(manager.awaiting_actions)
    manager.awaiting_actions.clear()
    for action in pending:
        if not action.future.done():
            lost = AmiConnectionLost(f"connection lost before {action['Action']}")
            action.future.set_exception(lost)
            action.future.exception()  # mark retrieved: nobody may be awaiting it any more


def _result(answer: Any) -> ActionResult:
    if isinstance(answer, list):
        first, rest = answer[0], answer[1:]
        return ActionResult(
            success=bool(first.success), message=first.get("Message", ""),
            headers=headers_of(first), events=tuple(headers_of(m) for m in rest),
        )
    return ActionResult(
        success=bool(answer.success), message=answer.get("Message", ""), headers=headers_of(answer)
    )
