"""AmiConnection against a real TCP AMI server: one test per panoramisk sharp edge.

Every test talks over a real socket to ccengine.simulator.server.AmiServer; the
sharp edges are the ones DESIGN.md lists for panoramisk 1.4.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import pytest

from ccengine.ami.connection import ActionResult, AmiConnection
from ccengine.ami.errors import AmiActionTimeout, AmiConnectionLost, AmiNotConnected
from ccengine.ami.frames import render_frame
from ccengine.config import AmiConfig
from ccengine.simulator.server import AmiServer

EOL = "\r\n"

# The first Newchannel of shared/asterisk-traces/queue-answered.jsonl, as recorded.
NEWCHANNEL = (
    "Event: Newchannel\r\nPrivilege: call,all\r\n"
    "Channel: Local/48221110000@lab-inbound-0000000a;1\r\nChannelState: 0\r\n"
    "ChannelStateDesc: Down\r\nCallerIDNum: <unknown>\r\nCallerIDName: <unknown>\r\n"
    "ConnectedLineNum: <unknown>\r\nConnectedLineName: <unknown>\r\nLanguage: en\r\n"
    "AccountCode: \r\nContext: lab-inbound\r\nExten: 48221110000\r\nPriority: 1\r\n"
    "Uniqueid: 1795425074.21\r\nLinkedid: 1795425074.21\r\n\r\n"
)


async def eventually(predicate: Callable[[], bool], timeout: float = 20) -> None:
    """Poll until ``predicate`` holds; fail the test if it does not in ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout}s: {predicate}")
        await asyncio.sleep(0.01)


def newchannel(uniqueid: str, caller_name: str = "<unknown>") -> str:
    return NEWCHANNEL.replace("1795425074.21", uniqueid).replace(
        "CallerIDName: <unknown>", f"CallerIDName: {caller_name}"
    )


class Harness:
    """One AmiConnection under test, what it delivered, and its running task."""

    def __init__(self, port: int, **settings: Any) -> None:
        self.messages: list[Mapping[str, str]] = []
        self.losses = 0
        self.on_login: Callable[[AmiConnection], Awaitable[None]] | None = None
        self.fail_on: Callable[[Mapping[str, str]], bool] = lambda _headers: False
        values: dict[str, Any] = {
            "name": "pbx-test", "port": port, "username": "ccengine", "secret": "ccsecret",
            "action_timeout": 10.0, "ping_interval": 30.0, "ping_timeout": 10.0,
            "reconnect_min": 0.05, "reconnect_max": 0.2,
        }
        self.config = AmiConfig(**(values | settings))
        self.conn = AmiConnection(
            self.config, self._on_message, on_login=self._login, on_loss=self._on_loss
        )
        self.task: asyncio.Task[None] | None = None

    def _on_message(self, headers: Mapping[str, str], received_at: float) -> None:
        if self.fail_on(headers):
            raise RuntimeError("a handler bug")
        self.messages.append(headers)

    async def _login(self, conn: AmiConnection) -> None:
        if self.on_login is not None:
            await self.on_login(conn)

    def _on_loss(self, _conn: AmiConnection) -> None:
        self.losses += 1

    def events(self, name: str) -> list[Mapping[str, str]]:
        return [m for m in self.messages if m.get("Event") == name]

    async def start(self) -> AmiConnection:
        self.task = asyncio.create_task(self.conn.run())
        await self.conn.wait_ready(20)
        return self.conn

    async def close(self) -> None:
        await self.conn.stop()
        if self.task is not None:
            # stop() must end run(); a task still running here is a bug.
            await asyncio.wait_for(self.task, 3)


@pytest.fixture
async def server() -> AsyncIterator[AmiServer]:
    ami = AmiServer()
    yield ami
    ami.resume()
    await ami.stop()


@pytest.fixture
async def port(server: AmiServer) -> int:
    return await server.start()


@pytest.fixture
async def connect(server: AmiServer, port: int) -> AsyncIterator[Callable[..., Harness]]:
    harnesses: list[Harness] = []

    def make(**settings: Any) -> Harness:
        harness = Harness(port, **settings)
        harnesses.append(harness)
        return harness

    yield make
    server.resume()  # a stalled server would make the Logoff of stop() wait
    for harness in harnesses:
        await harness.close()


def seen(server: AmiServer, action: str) -> list[dict[str, str]]:
    return [a for a in server.actions_seen if a.get("Action", "").lower() == action.lower()]


# 1. panoramisk decodes as ASCII / per read: Polish letters are lost.
async def test_polish_names_survive_multibyte_characters_split_across_reads(
    server: AmiServer, connect: Callable[..., Harness]
) -> None:
    harness = connect()
    conn = await harness.start()
    reads: list[bytes] = []
    protocol = conn._manager.protocol  # type: ignore[union-attr]
    original = protocol.data_received

    def spy(data: bytes) -> None:  # only watches the reads; the real protocol handles them
        reads.append(data)
        original(data)

    protocol.data_received = spy
    frame = newchannel("1795425074.31", "Łukasz Żółtowski").encode("utf-8")
    for sent, byte in enumerate(frame, start=1):
        server.send_raw(bytes([byte]))
        await server.flush()
        # one byte per read: wait until the client has read it, however busy the machine
        await eventually(lambda sent=sent: sum(map(len, reads)) == sent)
    await eventually(lambda: bool(harness.events("Newchannel")))

    assert any(read[-1] >= 0xC0 for read in reads), "no read ended inside a UTF-8 character"
    assert harness.events("Newchannel")[0]["CallerIDName"] == "Łukasz Żółtowski"

    server.emit(newchannel("1795425074.32", "Małgorzata Gęś"))
    await eventually(lambda: len(harness.events("Newchannel")) == 2)
    assert harness.events("Newchannel")[1]["CallerIDName"] == "Małgorzata Gęś"


# 2. panoramisk actions have no timeout.
async def test_action_times_out_when_the_server_stalls(
    server: AmiServer, connect: Callable[..., Harness]
) -> None:
    conn = await connect().start()
    server.stall()
    started = time.monotonic()
    with pytest.raises(AmiActionTimeout):
        await conn.send({"Action": "Ping"}, timeout=0.3)
    # Only the lower bound is a property: how late the timer fires depends on the load.
    assert time.monotonic() - started >= 0.25


# 3. an action sent while reconnecting waits for ever in panoramisk.
async def test_action_while_not_connected_fails_at_once(
    server: AmiServer, connect: Callable[..., Harness]
) -> None:
    harness = connect()
    # A 60 s timeout, but a 10 s bound: failing at once, never by the timeout.
    with pytest.raises(AmiNotConnected):
        await asyncio.wait_for(harness.conn.send({"Action": "Ping"}, timeout=60), 10)
    conn = await harness.start()
    assert (await conn.send({"Action": "Ping"})).success
    await conn.stop()
    with pytest.raises(AmiNotConnected):
        await asyncio.wait_for(conn.send({"Action": "Ping"}, timeout=60), 10)
    assert len(seen(server, "Ping")) == 1  # only the one sent while connected


# 4. panoramisk re-sends pending actions after a reconnect (an AGI command would run twice).
async def test_pending_action_fails_on_connection_loss_and_is_never_resent(
    server: AmiServer, connect: Callable[..., Harness]
) -> None:
    harness = connect(action_timeout=5.0)
    conn = await harness.start()
    server.stall()
    pending = asyncio.create_task(
        conn.send({"Action": "QueueSummary", "ActionID": "once-only"}, timeout=60)
    )
    await eventually(lambda: bool(seen(server, "QueueSummary")))  # read before the drop
    server.drop_clients()
    server.resume()

    with pytest.raises(AmiConnectionLost):  # failed by the loss, not by its 60 s timeout
        await pending
    await eventually(lambda: conn.logins == 2 and conn.ready)
    assert (await conn.send({"Action": "Ping"})).success  # anything re-sent came before this
    assert [a.get("ActionID") for a in server.actions_seen].count("once-only") == 1
    assert harness.losses == 1


# 5. QueueAdd hangs on panoramisk 1.4 (its multi-response heuristic misfires).
async def test_queue_add_completes_on_its_response(
    server: AmiServer, connect: Callable[..., Harness]
) -> None:
    harness = connect()
    conn = await harness.start()
    result = await conn.send({
        "Action": "QueueAdd", "Queue": "support", "Interface": "PJSIP/101",
        "MemberName": "Anna Nowak", "Penalty": "0",
    }, timeout=10.0)
    assert isinstance(result, ActionResult)
    assert result.success
    assert result.message == "Added interface to queue"
    await eventually(lambda: bool(harness.events("QueueMemberAdded")))
    assert harness.events("QueueMemberAdded")[0]["Interface"] == "PJSIP/101"


# 6. panoramisk swallows events that carry the ActionID of a pending action.
async def test_async_originate_response_reaches_on_message(
    server: AmiServer, connect: Callable[..., Harness]
) -> None:
    harness = connect()
    conn = await harness.start()
    result = await conn.send({
        "Action": "Originate", "Async": "true", "ActionID": "callback-7",
        "Channel": "Local/48601111222@lab-outbound", "Context": "lab-callers",
        "Exten": "talk", "Priority": "1",
    }, timeout=10.0)
    assert result.success
    assert result.message == "Originate successfully queued"
    await eventually(lambda: bool(harness.events("OriginateResponse")))
    response = harness.events("OriginateResponse")[0]
    assert response["ActionID"] == "callback-7"
    assert response["Response"] == "Success"


# 7. panoramisk never checks its Pong: a half-open connection goes unnoticed.
async def test_ping_watchdog_drops_half_open_connection_and_logs_in_again(
    server: AmiServer, connect: Callable[..., Harness]
) -> None:
    # ping_timeout is long enough that only the stall can miss a Pong, even when busy
    harness = connect(ping_interval=0.2, ping_timeout=2.0, action_timeout=5.0)
    conn = await harness.start()
    server.stall()
    await eventually(lambda: not conn.ready, timeout=20)
    assert harness.losses == 1
    assert conn.logins == 1

    server.resume()
    await eventually(lambda: conn.ready and conn.logins == 2, timeout=20)
    assert server.logins == 2
    assert (await conn.send({"Action": "Ping"})).success


# 8. AMI has no replay: reconnect with backoff and resync after every login.
async def test_reconnects_and_resyncs_with_list_actions_after_every_login(
    server: AmiServer, connect: Callable[..., Harness]
) -> None:
    server.emit(NEWCHANNEL)  # a live call before the engine connects
    harness = connect()
    resyncs: list[tuple[ActionResult, ActionResult]] = []

    async def resync(conn: AmiConnection) -> None:
        channels = await conn.send({"Action": "CoreShowChannels"})
        queues = await conn.send({"Action": "QueueStatus"})
        resyncs.append((channels, queues))

    harness.on_login = resync
    conn = await harness.start()
    await eventually(lambda: len(resyncs) == 1)
    server.drop_clients()
    await eventually(lambda: len(resyncs) == 2)

    assert conn.logins == 2 and server.logins == 2
    assert harness.losses == 1
    assert len(seen(server, "CoreShowChannels")) == 2
    assert len(seen(server, "QueueStatus")) == 2
    for channels, queues in resyncs:
        assert channels.success and queues.success
        assert [e["Event"] for e in channels.events] == [
            "CoreShowChannel", "CoreShowChannelsComplete",
        ]
        assert channels.events[0]["Uniqueid"] == "1795425074.21"
        assert channels.events[0]["Channel"] == "Local/48221110000@lab-inbound-0000000a;1"
        assert channels.events[0]["Linkedid"] == "1795425074.21"
        assert queues.events[-1]["Event"] == "QueueStatusComplete"


# 9. an exception in panoramisk's event callback tears the connection down.
async def test_malformed_frame_and_failing_handler_keep_the_connection(
    server: AmiServer, connect: Callable[..., Harness]
) -> None:
    harness = connect()
    harness.fail_on = lambda headers: headers.get("Uniqueid") == "1795425074.40"
    conn = await harness.start()

    server.send_raw(b"this is not AMI\r\n\r\n")
    # one TCP write: panoramisk would lose the frames after the failing one
    failing, after = newchannel("1795425074.40"), newchannel("1795425074.41")
    server.send_raw((failing + after).encode())
    await eventually(lambda: bool(harness.events("Newchannel")))
    assert [e["Uniqueid"] for e in harness.events("Newchannel")] == ["1795425074.41"]

    server.emit(newchannel("1795425074.42"))
    await eventually(lambda: len(harness.events("Newchannel")) == 2)
    assert conn.ready
    assert conn.logins == 1 and server.logins == 1
    assert harness.losses == 0
    assert (await conn.send({"Action": "Ping"})).success


async def test_a_malformed_frame_is_logged_without_what_it_says(
    server: AmiServer, connect: Callable[..., Harness], caplog: pytest.LogCaptureFixture
) -> None:
    """A frame with no Event/Response header can still carry a caller's number and
    name: the log names only its size and Event (personal data never in logs)."""
    conn = await connect().start()
    caplog.set_level(logging.DEBUG)
    server.send_raw("Event:Newchannel\r\nCallerIDNum: 48512345678\r\n"
                    "CallerIDName: Łukasz Żółtowski\r\n\r\n".encode())
    await eventually(lambda: "malformed" in caplog.text)
    assert "48512345678" not in caplog.text and "Żółtowski" not in caplog.text
    assert "Newchannel" in caplog.text  # what kind of frame it was, still told
    assert conn.ready


# 10. a refused login: keep retrying with backoff, never ready.
async def test_wrong_secret_keeps_retrying_and_never_becomes_ready(
    server: AmiServer, connect: Callable[..., Harness]
) -> None:
    harness = connect(secret="not-the-secret")
    conn = harness.conn
    harness.task = asyncio.create_task(conn.run())
    ready_seen = False

    def retried() -> bool:
        nonlocal ready_seen
        ready_seen = ready_seen or conn.ready
        return len(seen(server, "Login")) >= 3

    await eventually(retried, timeout=20)
    assert not ready_seen and not conn.ready
    assert server.logins == 0 and conn.logins == 0
    assert harness.losses == 0
    with pytest.raises(AmiNotConnected):
        await conn.send({"Action": "Ping"})

    await conn.stop()
    await asyncio.wait_for(harness.task, 2)
    logins_tried = len(seen(server, "Login"))
    await asyncio.sleep(0.3)  # longer than the backoff: a live loop would try again
    assert len(seen(server, "Login")) == logins_tried


# 11. events of one connection arrive in the order Asterisk sent them.
async def test_events_keep_their_order(
    server: AmiServer, connect: Callable[..., Harness]
) -> None:
    harness = connect()
    await harness.start()
    expected = [f"1795425100.{n}" for n in range(200)]
    for uniqueid in expected:
        server.emit(newchannel(uniqueid))
    server.emit(render_frame([("Event", "UserEvent"), ("UserEvent", "end-of-burst")]))
    await server.flush()
    await eventually(lambda: bool(harness.events("UserEvent")))
    assert [e["Uniqueid"] for e in harness.events("Newchannel")] == expected
    assert harness.messages[-1]["UserEvent"] == "end-of-burst"


async def test_list_action_answered_with_error_completes(
    server: AmiServer, connect: Callable[..., Harness]
) -> None:
    """An Error answer has no list after it: waiting for *Complete would hang."""
    conn = await connect().start()
    result = await conn.send({"Action": "QueueSummary", "Queue": "support"}, timeout=10)
    assert not result.success
    assert result.message == "Invalid/unknown command"


async def test_unsubscribed_events_are_dropped_before_parsing(server: AmiServer, port: int) -> None:
    seen: list[Mapping[str, str]] = []
    conn = AmiConnection(
        AmiConfig(name="pbx", port=port, username="ccengine", secret="ccsecret"),
        lambda headers, _at: seen.append(headers), events=frozenset({"Hangup"}),
    )
    task = asyncio.create_task(conn.run())
    try:
        await conn.wait_ready(5)
        server.emit(newchannel("1795425074.30"))
        server.emit(newchannel("1795425074.31").replace("Newchannel", "Hangup"))
        await eventually(lambda: len(seen) >= 1)
        await conn.send({"Action": "Ping"}, timeout=10)  # everything before it has arrived
    finally:
        await conn.stop()
        await asyncio.wait_for(task, 3)
    assert [h["Event"] for h in seen] == ["Hangup"]
    assert seen[0]["Uniqueid"] == "1795425074.31"
