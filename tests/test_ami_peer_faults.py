"""AmiConnection against real TCP peers that misbehave around Login, and restarts.

Each fault was seen live (issue 12, item 21, and a flaky test on a busy
machine): the engine must retry quietly, never crash its run() task and never
leave asyncio's "Exception in callback" or "exception was never retrieved"
behind. Loop-level errors are collected with the loop's exception handler,
after a garbage collection so that unretrieved futures report themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import socket
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from ccengine.ami.connection import AmiConnection
from ccengine.ami.errors import AmiError
from ccengine.config import AmiConfig
from ccengine.db import Database
from ccengine.simulator.server import AmiServer, ClientSession
from tests.test_ami_connection import eventually, seen
from tests.test_route_executor import routed

BANNER = b"Asterisk Call Manager/6.0.0\r\n"


class LoopErrors:
    """Everything the running loop's exception handler is given while installed."""

    def __init__(self) -> None:
        self.contexts: list[dict[str, Any]] = []

    def __call__(self, _loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        self.contexts.append(context)

    def messages(self) -> list[str]:
        gc.collect()  # an unretrieved future reports itself when collected
        return [f"{c.get('message')}: {c.get('exception')!r}" for c in self.contexts]


@pytest.fixture
async def loop_errors() -> AsyncIterator[LoopErrors]:
    loop = asyncio.get_running_loop()
    errors = LoopErrors()
    previous = loop.get_exception_handler()
    loop.set_exception_handler(errors)
    yield errors
    loop.set_exception_handler(previous)


class ClosingPeer:
    """A TCP peer that greets like Asterisk, then closes at a chosen moment."""

    def __init__(self, read_login_first: bool) -> None:
        self.read_login_first = read_login_first
        self.connections = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        writer.write(BANNER)
        try:
            if self.read_login_first:
                await reader.readuntil(b"\r\n\r\n")  # the Login, never answered
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


class SlammingPeer:
    """A peer in its own thread that accepts, greets and closes at once.

    Being outside the engine's loop, it closes while the engine is still
    between TCP connect and wiring panoramisk up: the window seen live.
    """

    def __init__(self, greeting: bytes) -> None:
        self.greeting = greeting
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.connections = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> int:
        self._thread.start()
        return int(self.listener.getsockname()[1])

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(5)
        self.listener.close()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                peer, _address = self.listener.accept()
            except TimeoutError:
                continue
            with peer:
                self.connections += 1
                with contextlib.suppress(OSError):
                    peer.sendall(self.greeting)


def config(port: int, **settings: Any) -> AmiConfig:
    values: dict[str, Any] = {
        "name": "pbx-test", "port": port, "username": "ccengine", "secret": "ccsecret",
        "action_timeout": 30.0, "ping_interval": 30.0, "ping_timeout": 1.0,
        "reconnect_min": 0.01, "reconnect_max": 0.05,
    }
    return AmiConfig(**(values | settings))


async def run_until(conn: AmiConnection, done: Callable[[], bool]) -> None:
    task = asyncio.create_task(conn.run())
    try:
        await eventually(done, timeout=20)
    finally:
        await conn.stop()
        await asyncio.wait_for(task, 10)  # run() ends cleanly: no exception escapes it


def noise(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno >= logging.ERROR or r.exc_info is not None]


@pytest.mark.parametrize("read_login_first", [False, True], ids=["at-banner", "after-login"])
async def test_a_peer_closing_before_login_is_retried_quietly(
    read_login_first: bool, loop_errors: LoopErrors, caplog: pytest.LogCaptureFixture
) -> None:
    peer = ClosingPeer(read_login_first)
    port = await peer.start()
    conn = AmiConnection(config(port), lambda _headers, _at: None)
    try:
        # action_timeout is 30 s: five tries in 20 s means each close is noticed
        # at once, not when the Login times out
        await run_until(conn, lambda: peer.connections >= 5)
    finally:
        await peer.stop()
    assert not conn.ready and conn.logins == 0
    assert noise(caplog) == []
    assert loop_errors.messages() == []


async def test_stop_while_login_is_unanswered_ends_run_cleanly(
    loop_errors: LoopErrors, caplog: pytest.LogCaptureFixture
) -> None:
    """The flaky wrong-secret test: stop() landed while a Login was in flight."""
    server = AmiServer()
    port = await server.start()
    server.stall()  # the Login is read, never answered
    conn = AmiConnection(config(port), lambda _headers, _at: None)
    try:
        await run_until(conn, lambda: len(seen(server, "Login")) == 1)
    finally:
        server.resume()
        await server.stop()
    assert noise(caplog) == []
    assert loop_errors.messages() == []


@pytest.mark.parametrize("greeting", [b"", BANNER], ids=["silent", "banner"])
async def test_a_peer_closing_right_after_connect_is_retried_quietly(
    greeting: bytes, loop_errors: LoopErrors, caplog: pytest.LogCaptureFixture
) -> None:
    """panoramisk's protocol had no Manager yet: AttributeError 'connection_lost'."""
    peer = SlammingPeer(greeting)
    port = peer.start()
    conn = AmiConnection(config(port), lambda _headers, _at: None)
    try:
        await run_until(conn, lambda: peer.connections >= 20)
    finally:
        peer.stop()
    assert not conn.ready and conn.logins == 0
    assert noise(caplog) == []
    assert loop_errors.messages() == []


async def test_a_restart_while_an_agi_action_is_unanswered_leaves_no_stray_error(
    database: Database, loop_errors: LoopErrors, caplog: pytest.LogCaptureFixture
) -> None:
    """Asterisk went away between the executor's AGI action and its answer."""
    async with routed(database) as r:
        unanswered: list[dict[str, str]] = []

        async def swallow(_session: ClientSession, action: dict[str, str]) -> None:
            unanswered.append(action)

        r.harness.server.add_action("agi", swallow)
        await r.place()
        await eventually(lambda: bool(unanswered))
        connection = r.harness.engine.connections[0]
        r.harness.server.drop_clients()  # the restart: the engine reconnects and resyncs
        await eventually(lambda: connection.logins == 2 and connection.ready)
    assert noise(caplog) == []
    assert loop_errors.messages() == []


async def test_cancelling_run_while_login_is_unanswered_leaves_no_stray_error(
    loop_errors: LoopErrors, caplog: pytest.LogCaptureFixture
) -> None:
    """run() cancelled (not stopped) mid-Login; the refusal that comes after must
    not leave "Future exception was never retrieved" behind."""
    server = AmiServer(username="ccengine", secret="another-secret")
    port = await server.start()
    server.stall()  # the Login is read, answered only when resumed
    conn = AmiConnection(config(port), lambda _headers, _at: None)
    task = asyncio.create_task(conn.run())
    try:
        await eventually(lambda: len(seen(server, "Login")) == 1)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        server.resume()  # the refusal of the Login reaches the abandoned future
        await asyncio.sleep(0.2)
    finally:
        await conn.stop()
        await server.stop()
    assert not conn.ready
    assert loop_errors.messages() == []


async def test_a_bug_in_a_simulator_handler_is_loud_not_a_silent_hang_up(
    loop_errors: LoopErrors
) -> None:
    """Only a broken read ends a simulated session quietly: a handler's own error
    must surface (it used to end the session like a client leaving, and tests hung)."""
    server = AmiServer()
    port = await server.start()

    async def broken(_session: ClientSession, _action: dict[str, str]) -> None:
        raise ValueError("a bug in the handler")

    server.add_action("Broken", broken)
    conn = AmiConnection(config(port, username=server.username, secret=server.secret,
                                action_timeout=2.0), lambda _headers, _at: None)
    task = asyncio.create_task(conn.run())
    try:
        await eventually(lambda: conn.ready)
        with contextlib.suppress(AmiError):
            await conn.send({"Action": "Broken"})
        await eventually(lambda: any("a bug in the handler" in m
                                     for m in loop_errors.messages()))
    finally:
        await conn.stop()
        await asyncio.wait_for(task, 10)
        await server.stop()
