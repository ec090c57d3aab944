"""The websocket hub: ``GET /ws``, topics, per-user delivery, state on subscribe.

A browser tab connects with its session cookie (no session: the socket is
closed with code 4401) and sends ``{"type": "subscribe", "topics": [...]}``
(and ``{"type": "unsubscribe", ...}`` when a view that wanted a topic is left:
one socket per tab serves the bell and the page's view together).
``Hub.publish(topic, message, user_id=None)`` reaches every tab subscribed
to the topic, or only the tabs of that user; two tabs of one agent both get
everything. A topic may name a provider whose messages (the current state)
each tab gets right after it subscribes, so a reload or a reconnect starts
from the truth. ``{"type": "ping", "id": x}`` is answered with a pong.

Publishing never awaits: the message is encoded once and queued per client;
each client has its own writer task, so a slow tab holds up nobody, and one
that falls too far behind is closed (it reconnects and resubscribes).

Guarding a socket that outlives its handshake:

* The handshake is refused (403 ``origin-refused``, before upgrading) unless
  ``Origin`` names this very server (scheme, host, port of the request). The
  session cookie is SameSite=Strict, but that does not stop a page of the same
  *site* (another port, a sibling subdomain, plain HTTP) from opening /ws with
  the victim's cookie and reading the pops. ``X-Forwarded-*`` headers are not
  trusted (the app trusts no proxy anywhere: login limiting keys on the peer
  address), so a reverse proxy must pass ``Host`` through unchanged and speak
  the same scheme as the browser, or terminate TLS on the same scheme+port.
* Each client keeps its session's token digest: logout closes that session's
  sockets at once (close code 4401), and every ``recheck_seconds`` the open
  sessions are looked up again, so expiry, deletion or a deactivated user end
  the sockets too.
* Only declared topics may be subscribed to; a typo gets ``unknown-topic``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web
from sqlalchemy import select
from yarl import URL

from ccengine.db import Database
from ccengine.tickets.assigning import chunks
from ccengine.users import service
from ccengine.users.models import Role, User, UserSession
from ccengine.users.service import Principal
from ccengine.web.auth import COOKIE, LOGOUT_HOOKS
from ccengine.web.errors import error_response
from ccengine.web.params import DATABASE

log = logging.getLogger(__name__)

WS_PATH = "/ws"
UNAUTHORIZED = 4401  # a close code of the application range: log in first
TOO_SLOW = 4408  # the client did not read its messages; it may reconnect
BACKLOG = 1000  # messages a client may fall behind before it is dropped
MAX_TOPICS = 20
RECHECK_SECONDS = 60.0  # how long a socket may outlive its session at most
RECHECK_BATCH = 500  # session digests per query
CLOSE_GRACE = 15.0  # seconds a tab has to answer our close (aiohttp waits 10 for it)

Message = dict[str, Any]
Provider = Callable[[Principal], Awaitable[list[Message]]]


@dataclass(frozen=True, slots=True)
class Topic:
    provider: Provider | None = None
    roles: frozenset[Role] | None = None  # None: every logged-in user


@dataclass(eq=False)
class Client:
    socket: web.WebSocketResponse
    who: Principal
    session: str  # digest of the session token: logout and the recheck find the socket by it
    topics: set[str] = field(default_factory=set)
    outbox: asyncio.Queue[str | None] = field(default_factory=lambda: asyncio.Queue(BACKLOG))
    farewell: tuple[int, bytes] = (TOO_SLOW, b"fell behind")  # what the writer closes with

    def put(self, text: str) -> bool:
        try:
            self.outbox.put_nowait(text)
        except asyncio.QueueFull:
            return False
        return True


class Hub:
    def __init__(self, recheck_seconds: float = RECHECK_SECONDS) -> None:
        self.recheck_seconds = recheck_seconds  # read before each pause: tests shorten it
        self._topics: dict[str, Topic] = {}
        self._clients: set[Client] = set()
        self._by_user: dict[int, set[Client]] = {}

    # -- what features use -----------------------------------------------------

    def topic(self, name: str, provider: Provider | None = None,
              roles: Iterable[Role] | None = None) -> None:
        """Declare a topic: its state on subscribe, and who may subscribe (default all)."""
        self._topics[name] = Topic(provider, frozenset(roles) if roles is not None else None)

    def publish(self, topic: str, message: Message, user_id: int | None = None) -> int:
        """Queue ``message`` for the subscribers (of ``user_id`` only, when given)."""
        clients = self._by_user.get(user_id, set()) if user_id is not None else self._clients
        text = ""
        sent = 0
        for client in list(clients):
            if topic not in client.topics:
                continue
            text = text or json.dumps(message, ensure_ascii=False)
            if client.put(text):
                sent += 1
            else:
                log.warning("websocket of %s fell %d messages behind; closing it",
                            client.who.login, BACKLOG)
                self._drop(client)
        return sent

    def clients_of(self, user_id: int) -> int:
        return len(self._by_user.get(user_id, ()))

    def __len__(self) -> int:
        return len(self._clients)

    async def close_all(self, _app: web.Application | None = None) -> None:
        for client in list(self._clients):
            with contextlib.suppress(Exception):
                await client.socket.close(code=1001, message=b"server shutdown")

    # -- sessions that end while their sockets are open ------------------------

    def drop_session(self, token: str) -> int:
        """Close (4401) every socket of the session whose cookie is ``token``; how many."""
        session = service.digest(token)
        gone = [client for client in self._clients if client.session == session]
        for client in gone:
            self._drop(client, (UNAUTHORIZED, b"logged out"))
        return len(gone)

    async def recheck(self, database: Database) -> int:
        """Close (4401) the sockets whose session expired or went; how many."""
        sessions = {client.session for client in self._clients}
        if not sessions:
            return 0
        alive = await _live_sessions(database, sessions)
        # A socket opened during the lookup was not asked about: it stays.
        gone = [client for client in self._clients
                if client.session in sessions and client.session not in alive]
        for client in gone:
            self._drop(client, (UNAUTHORIZED, b"session ended"))
        return len(gone)

    async def rechecking(self, app: web.Application) -> AsyncIterator[None]:
        """Cleanup context: the periodic recheck runs while the app does."""
        task = asyncio.create_task(self._recheck_forever(app[DATABASE]), name="ws-recheck")
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _recheck_forever(self, database: Database) -> None:
        while True:
            await asyncio.sleep(self.recheck_seconds)
            try:
                await self.recheck(database)
            except Exception:  # the database away: keep the sockets, try again later
                log.exception("websocket session recheck failed")

    # -- one connection --------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if not _same_origin(request):
            return error_response(403, "origin-refused",
                                  "the Origin header must name this server")
        socket = web.WebSocketResponse(heartbeat=30.0, max_msg_size=64 * 1024)
        await socket.prepare(request)
        cookie = request.cookies.get(COOKIE, "")
        who = await service.lookup_session(request.app[DATABASE], cookie) if cookie else None
        if who is None or who.user_id is None:
            await socket.close(code=UNAUTHORIZED, message=b"log in first")
            return socket
        client = Client(socket, who, service.digest(cookie))
        self._add(client)
        writer = asyncio.create_task(self._write(client), name=f"ws-{who.login}")
        try:
            async for message in socket:
                if message.type is not WSMsgType.TEXT:
                    continue
                await self._receive(client, message.data)
        finally:
            self._drop(client)
            # The writer may be closing the socket itself (fell behind, session ended):
            # let it finish the closing handshake so the tab reads our close code.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(writer, CLOSE_GRACE)
        return socket

    async def _write(self, client: Client) -> None:
        while True:
            text = await client.outbox.get()
            if text is None or client.socket.closed:
                code, reason = client.farewell
                with contextlib.suppress(Exception):
                    await client.socket.close(code=code, message=reason)
                return
            try:
                await client.socket.send_str(text)
            except (ConnectionError, RuntimeError):
                return

    async def _receive(self, client: Client, data: str) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            message = None
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "ping" and isinstance(message, dict):
            client.put(json.dumps({"type": "pong", "id": message.get("id")}))
        elif kind == "subscribe" and isinstance(message, dict):
            await self._subscribe(client, message.get("topics"))
        elif kind == "unsubscribe" and isinstance(message, dict):
            self._unsubscribe(client, message.get("topics"))
        else:
            client.put(json.dumps({"type": "error", "error": "invalid-message",
                                   "message": "expected subscribe, unsubscribe or ping"}))

    async def _subscribe(self, client: Client, topics: object) -> None:
        names = _topic_names(client, topics)
        for name in names or ():
            topic = self._topics.get(name)
            if topic is None:
                client.put(json.dumps({"type": "error", "error": "unknown-topic",
                                       "topic": name, "message": "no such topic"}))
                continue
            if topic.roles is not None and client.who.role not in topic.roles:
                client.put(json.dumps({"type": "error", "error": "forbidden-topic",
                                       "topic": name, "message": "not for your role"}))
                continue
            client.topics.add(name)
            await self._send_state(client, name, topic)

    def _unsubscribe(self, client: Client, topics: object) -> None:
        """The tab's view that wanted these topics is gone; its other listeners stay."""
        client.topics.difference_update(_topic_names(client, topics) or ())

    async def _send_state(self, client: Client, name: str, topic: Topic) -> None:
        if topic.provider is None:
            return
        try:
            messages = await topic.provider(client.who)
        except Exception:
            log.exception("websocket topic %s: state for %s failed", name, client.who.login)
            return
        for message in messages:
            client.put(json.dumps(message, ensure_ascii=False))

    def _add(self, client: Client) -> None:
        self._clients.add(client)
        assert client.who.user_id is not None
        self._by_user.setdefault(client.who.user_id, set()).add(client)

    def _drop(self, client: Client, farewell: tuple[int, bytes] | None = None) -> None:
        if farewell is not None and client in self._clients:
            client.farewell = farewell
        self._clients.discard(client)
        user_id = client.who.user_id
        mine = self._by_user.get(user_id or 0)
        if mine is not None:
            mine.discard(client)
            if not mine:
                self._by_user.pop(user_id or 0, None)
        while not client.outbox.empty():  # nothing more for it: its writer closes it
            client.outbox.get_nowait()
        client.outbox.put_nowait(None)


def _topic_names(client: Client, topics: object) -> list[str] | None:
    """``topics`` when it is a short list of names; else None, and the client is told."""
    if (isinstance(topics, list) and len(topics) <= MAX_TOPICS
            and all(isinstance(t, str) and 0 < len(t) <= 50 for t in topics)):
        return topics
    client.put(json.dumps({"type": "error", "error": "invalid-topics",
                           "message": "topics must be a list of names"}))
    return None


def _same_origin(request: web.Request) -> bool:
    """Whether ``Origin`` is this server as the request reached it (scheme, host, port)."""
    given = request.headers.get("Origin")
    if not given:
        return False
    try:
        origin, own = URL(given), URL(f"{request.scheme}://{request.host}")
    except ValueError:
        return False
    return (origin.scheme, origin.host, origin.port) == (own.scheme, own.host, own.port) \
        and origin.host is not None


async def _live_sessions(database: Database, digests: set[str]) -> set[str]:
    """Those of ``digests`` whose session is unexpired and whose user is active.

    One query for every open socket: ``service.lookup_session`` wants the raw
    token, which the hub does not keep.
    """
    ordered, alive = sorted(digests), set[str]()
    async with database.sessions() as session:
        for chunk in chunks(ordered, RECHECK_BATCH):  # bound parameters are limited
            query = (select(UserSession.token_hash)
                     .join(User, UserSession.user_id == User.id)
                     .where(UserSession.token_hash.in_(chunk),
                            UserSession.expires_at > datetime.now(UTC), User.active))
            alive.update((await session.execute(query)).scalars())
    return alive


HUB = web.AppKey("ccengine.hub", Hub)


def setup_hub(app: web.Application) -> Hub:
    """The app's hub, made and routed at ``GET /ws`` on first use (any feature may ask)."""
    hub = app.get(HUB)
    if hub is None:
        hub = app[HUB] = Hub()
        app.router.add_get(WS_PATH, hub.handle)
        app.on_shutdown.append(hub.close_all)
        app.cleanup_ctx.append(hub.rechecking)
        app.setdefault(LOGOUT_HOOKS, []).append(hub.drop_session)
    return hub
