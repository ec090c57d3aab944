"""A real AMI TCP server that speaks like the recorded Asterisk.

It logs clients in, answers Ping, CoreShowChannels, QueueStatus, QueueAdd,
QueuePause, QueueRemove and Originate in the shape of the real traces (queue
members: agents.SimMembers), and broadcasts the events it is
given to every logged-in client. Like Asterisk, it keeps no backlog: events
emitted while a client is away are lost for it. Faults can be injected: drop
every connection, stall (stop reading and writing, leaving the socket
half-open), or send raw bytes. More actions can be added (``add_action``):
agi_pbx.AgiPbx adds ``AGI`` and plays AsyncAGI-driven inbound calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping

from ccengine.ami.frames import EOL, parse_frame, render_frame
from ccengine.simulator.agents import SimMembers
from ccengine.simulator.pbx_state import PbxState

log = logging.getLogger(__name__)

BANNER = f"Asterisk Call Manager/13.0.0{EOL}"
Fields = list[tuple[str, str]]
ActionHandler = Callable[["ClientSession", dict[str, str]], Awaitable[None]]


class ClientSession:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.logged_in = False

    def send(self, text: str) -> None:
        if not self.writer.is_closing():
            self.writer.write(text.encode("utf-8"))

    def close(self) -> None:
        self.writer.close()


class AmiServer:
    """Simulated Asterisk Manager Interface on 127.0.0.1 (port 0 picks a free one)."""

    def __init__(self, username: str = "ccengine", secret: str = "ccsecret",
                 timestamps: bool = True) -> None:
        self.username, self.secret = username, secret
        self.timestamps = timestamps  # as Asterisk with timestampevents=yes
        self.state = PbxState()
        self.members = SimMembers(self)
        self.sessions: set[ClientSession] = set()
        self.actions_seen: list[dict[str, str]] = []
        self.logins = 0
        self._login_event = asyncio.Event()
        self._stalled = asyncio.Event()
        self._stalled.set()  # set means "running"
        self._server: asyncio.Server | None = None
        self._handlers: dict[str, ActionHandler] = {
            "login": self._login, "logoff": self._logoff, "ping": self._ping,
            "coreshowchannels": self._core_show_channels, "queuestatus": self._queue_status,
            "queueadd": self.members.queue_add, "queuepause": self.members.queue_pause,
            "queueremove": self.members.queue_remove, "originate": self.members.originate,
        }

    # -- lifecycle -------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self._server = await asyncio.start_server(self._serve, host, port)
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        self.drop_clients()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def add_action(self, name: str, handler: ActionHandler) -> None:
        """Answer one more action (its name in any case): AgiPbx adds AGI this way."""
        self._handlers[name.lower()] = handler

    async def wait_for_login(self, timeout: float = 10.0) -> None:
        await asyncio.wait_for(self._login_event.wait(), timeout)
        self._login_event.clear()

    # -- what the PBX says -----------------------------------------------------

    def emit(self, raw: str, at: float | None = None) -> None:
        """One event happens on the PBX: its state changes, logged-in clients hear it."""
        headers = parse_frame(raw)
        self.state.apply(headers, at)
        self.members.apply(headers)
        if self._stalled.is_set():
            self.broadcast(self._stamp(raw, at))

    def broadcast(self, text: str) -> None:
        for session in list(self.sessions):
            if session.logged_in:
                session.send(text)

    async def flush(self) -> None:
        """Wait while clients' send buffers are full: back-pressure for fast playback."""
        for session in list(self.sessions):
            with contextlib.suppress(ConnectionError):
                await session.writer.drain()

    def send_raw(self, data: bytes) -> None:
        for session in list(self.sessions):
            session.writer.write(data)

    def _stamp(self, raw: str, at: float | None) -> str:
        if not self.timestamps or "Timestamp: " in raw:
            return raw
        first, _, rest = raw.partition(EOL)
        return f"{first}{EOL}Timestamp: {at if at is not None else time.time():.6f}{EOL}{rest}"

    # -- faults ----------------------------------------------------------------

    def drop_clients(self) -> None:
        for session in list(self.sessions):
            session.close()
        self.sessions.clear()

    def stall(self) -> None:
        """Go silent without closing: a half-open connection as clients see it."""
        self._stalled.clear()

    def resume(self) -> None:
        self._stalled.set()

    # -- one client ------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = ClientSession(reader, writer)
        self.sessions.add(session)
        session.send(BANNER)
        try:
            while (action := await _next_action(reader)) is not None:
                self.actions_seen.append(action)
                await self._stalled.wait()
                if session not in self.sessions:
                    break  # dropped while stalled: a real server never saw it answered
                await self._answer(session, action)  # a handler's bug must be loud
        except ConnectionError:
            pass
        finally:
            self.sessions.discard(session)
            session.close()

    async def _answer(self, session: ClientSession, action: dict[str, str]) -> None:
        name = action.get("Action", "").lower()
        handler = self._handlers.get(name)
        if name != "login" and not session.logged_in:
            reply(session, action, "Error", [("Message", "Permission denied")])
        elif handler is None:
            reply(session, action, "Error", [("Message", "Invalid/unknown command")])
        else:
            await handler(session, action)

    async def _login(self, session: ClientSession, action: dict[str, str]) -> None:
        if (action.get("Username"), action.get("Secret")) != (self.username, self.secret):
            reply(session, action, "Error", [("Message", "Authentication failed")])
            return
        reply(session, action, "Success", [("Message", "Authentication accepted")])
        session.logged_in = True
        session.send(render_frame([("Event", "FullyBooted"), ("Privilege", "system,all"),
                                   ("Uptime", "100"), ("LastReload", "10"),
                                   ("Status", "Fully Booted")]))
        self.logins += 1
        self._login_event.set()

    async def _logoff(self, session: ClientSession, action: dict[str, str]) -> None:
        reply(session, action, "Goodbye", [("Message", "Thanks for all the fish.")])
        session.logged_in = False

    async def _ping(self, session: ClientSession, action: dict[str, str]) -> None:
        reply(session, action, "Success", [("Ping", "Pong"), ("Timestamp", f"{time.time():.6f}")])

    async def _core_show_channels(self, session: ClientSession, action: dict[str, str]) -> None:
        items = self.state.core_show_channels(action.get("ActionID", ""), time.time())
        _list_reply(session, action, "Channels will follow", "CoreShowChannelsComplete", items)

    async def _queue_status(self, session: ClientSession, action: dict[str, str]) -> None:
        items = self.members.listed(
            self.state.queue_status(action.get("ActionID", ""), time.time()), action)
        _list_reply(session, action, "Queue status will follow", "QueueStatusComplete", items)


async def _next_action(reader: asyncio.StreamReader) -> dict[str, str] | None:
    """The client's next action; None when it left or sent what cannot be read
    (a line over the stream's limit: ValueError)."""
    try:
        return parse_frame(await read_action(reader))
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        return None


async def read_action(reader: asyncio.StreamReader) -> str:
    """One action's lines, read as Asterisk's manager reads them: a line ends at a
    line feed (a carriage return before it is dropped), an empty line ends the
    action. So a bare LF inside a value starts a new header here, as on a real PBX."""
    lines: list[str] = []
    while True:
        raw = await reader.readline()
        if not raw.endswith(b"\n"):
            raise asyncio.IncompleteReadError(raw, None)
        line = raw[:-1].removesuffix(b"\r").decode("utf-8", "replace")
        if line:
            lines.append(line)
        elif lines:
            return EOL.join(lines)


def reply(session: ClientSession, action: Mapping[str, str], response: str,
          fields: Fields) -> None:
    head = [("Response", response), ("ActionID", action.get("ActionID", ""))]
    session.send(render_frame(head + fields))


def _list_reply(session: ClientSession, action: Mapping[str, str], message: str,
                complete: str, items: Iterable[Fields]) -> None:
    reply(session, action, "Success", [("EventList", "start"), ("Message", message)])
    count = 0
    for item in items:
        session.send(render_frame(item))
        count += 1
    session.send(render_frame([("Event", complete), ("ActionID", action.get("ActionID", "")),
                               ("EventList", "Complete"), ("ListItems", str(count))]))


async def close_quietly(server: AmiServer) -> None:
    with contextlib.suppress(Exception):
        await server.stop()
