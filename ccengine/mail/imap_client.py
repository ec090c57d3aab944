"""The receiver's IMAP edge (aioimaplib): connect with the mailbox's security, list
the messages not yet done, fetch them in bounded batches without touching their
flags (``BODY.PEEK``), and mark them done (``\\Seen`` or moved to the done folder)
only once their tickets are committed. Between rounds it waits in IDLE when the
server offers it (re-issued every ``idle_seconds``), else it sleeps a poll interval.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import aioimaplib

__all__ = ["ImapError", "ImapSession", "ImapSettings", "connect", "uid_set"]

_UID = re.compile(rb"UID (\d+)")
_EXISTS = re.compile(rb"^\d+ EXISTS$")


class ImapError(Exception):
    """The server said no (or never answered); the text names the step, never a secret."""


@dataclass(frozen=True, slots=True)
class ImapSettings:
    host: str
    port: int
    security: str  # "tls" | "starttls" | "none"
    user: str
    password: str = field(repr=False)  # never in a log line or a traceback's locals
    folder: str = "INBOX"
    done_folder: str | None = None
    cafile: str | None = None  # None: the system's CAs
    timeout: float = 30.0


async def connect(settings: ImapSettings) -> ImapSession:
    """Logged in, the folder selected; raises ImapError or OSError (TLS, refused)."""
    context = _tls_context(settings.cafile) if settings.security != "none" else None
    if settings.security == "tls":
        client = aioimaplib.IMAP4_SSL(host=settings.host, port=settings.port,
                                      timeout=settings.timeout, ssl_context=context)
    else:
        client = aioimaplib.IMAP4(host=settings.host, port=settings.port,
                                  timeout=settings.timeout)
    session = ImapSession(client, settings)
    try:
        await client.wait_hello_from_server()
        if settings.security == "starttls":
            assert context is not None
            await session.starttls(context)
        _check(await client.login(settings.user, settings.password), "login")
        _check(await client.select(settings.folder), f"select {settings.folder}")
    except BaseException:
        await session.close()
        raise
    return session


def _tls_context(cafile: str | None) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=cafile)


def _check(response: aioimaplib.Response, step: str) -> aioimaplib.Response:
    if response.result != "OK":
        raise ImapError(f"IMAP {step} refused: {response.result}")
    return response


def uid_set(uids: Iterable[int]) -> str:
    return ",".join(str(uid) for uid in uids)


class ImapSession:
    def __init__(self, client: aioimaplib.IMAP4, settings: ImapSettings) -> None:
        self.client = client
        self.settings = settings

    async def starttls(self, context: ssl.SSLContext) -> None:
        """aioimaplib has no STARTTLS: the command, then the transport upgraded in place."""
        protocol = self.client.protocol
        if "STARTTLS" not in protocol.capabilities:
            raise ImapError("IMAP server offers no STARTTLS")
        command = aioimaplib.Command("STARTTLS", protocol.new_tag(), loop=protocol.loop)
        _check(await asyncio.wait_for(protocol.execute(command), self.settings.timeout),
               "starttls")
        protocol.transport = await protocol.loop.start_tls(
            protocol.transport, protocol, context, server_hostname=self.settings.host)
        await asyncio.wait_for(protocol.capability(), self.settings.timeout)

    def offers(self, capability: str) -> bool:
        return capability in self.client.protocol.capabilities

    async def pending(self) -> list[int]:
        """UIDs not done yet: unseen ones, or (with a done folder) all still here."""
        criteria = "UNDELETED" if self.settings.done_folder else "UNSEEN"
        response = _check(await self.client.uid_search(criteria, charset=None), "search")
        found: list[int] = []
        for line in response.lines[:-1]:
            found.extend(int(word) for word in bytes(line).split() if word.isdigit())
        return sorted(found)

    async def fetch(self, uids: Sequence[int]) -> list[tuple[int, bytes]]:
        """The raw messages of ``uids`` (a bounded batch), flags untouched."""
        if not uids:
            return []
        response = _check(await self.client.uid("fetch", uid_set(uids), "(UID BODY.PEEK[])"),
                          "fetch")
        return _messages(response.lines)

    async def mark_done(self, uids: Sequence[int]) -> None:
        """Called only after the messages' tickets are committed."""
        if not uids:
            return
        wanted = uid_set(uids)
        folder = self.settings.done_folder
        if folder is None:
            _check(await self.client.uid("store", wanted, "+FLAGS.SILENT", r"(\Seen)"), "store")
        elif self.offers("MOVE"):
            _check(await self.client.uid("move", wanted, folder), "move")
        else:
            _check(await self.client.uid("copy", wanted, folder), "copy")
            _check(await self.client.uid("store", wanted, "+FLAGS.SILENT", r"(\Deleted)"),
                   "store")
            if self.offers("UIDPLUS"):
                _check(await self.client.uid("expunge", wanted), "expunge")
            else:
                _check(await self.client.expunge(), "expunge")

    async def wait_for_new(self, idle_seconds: float, poll_seconds: float,
                           use_idle: bool = True) -> None:
        """Return when new mail may be there: IDLE's EXISTS, or its time is up."""
        if not (use_idle and self.offers("IDLE")):
            await asyncio.sleep(poll_seconds)
            _check(await self.client.noop(), "noop")  # a dead connection shows here
            return
        idle = await self.client.idle_start(timeout=idle_seconds)
        try:
            while True:
                push = await self.client.wait_server_push(timeout=idle_seconds + 5)
                if push == aioimaplib.STOP_WAIT_SERVER_PUSH or _exists(push):
                    break
        finally:
            if self.client.has_pending_idle():
                self.client.idle_done()
            await asyncio.wait_for(idle, self.settings.timeout)

    async def close(self) -> None:
        try:
            if self.client.protocol is not None and self.client.get_state() in ("AUTH",
                                                                                "SELECTED"):
                await self.client.logout()
        except (TimeoutError, OSError, aioimaplib.Abort, aioimaplib.CommandTimeout):
            pass
        transport = getattr(self.client.protocol, "transport", None)
        if transport is not None:
            transport.close()


def _exists(push: object) -> bool:
    lines = push if isinstance(push, list) else [push]
    return any(isinstance(line, bytes | bytearray) and _EXISTS.match(bytes(line).strip())
               for line in lines)


def _messages(lines: Sequence[bytes | bytearray]) -> list[tuple[int, bytes]]:
    """Pair each literal (a bytearray: the message) with the UID on its FETCH line."""
    found: list[tuple[int, bytes]] = []
    uid: int | None = None
    for index, line in enumerate(lines):
        if isinstance(line, bytearray):
            if uid is None and index + 1 < len(lines):  # "BODY[] {n} ... UID 7)"
                match = _UID.search(bytes(lines[index + 1]))
                uid = int(match.group(1)) if match else None
            if uid is not None:
                found.append((uid, bytes(line)))
            uid = None
            continue
        match = _UID.search(line)
        uid = int(match.group(1)) if match else None
    return found
