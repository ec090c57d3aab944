"""The e-mail receiver: one task per active mailbox with an IMAP server.

Each round lists the messages not yet done, fetches them in bounded batches, and
for each: parse (off the loop), ``ingest`` (committed), and only then marks the
batch done on the server (the messages of one ticket number or one sender in order,
up to ``parallel`` such lanes at once). A restart anywhere loses nothing and doubles nothing: an
uncommitted message is still not done on the server and is fetched again; a
committed one not yet marked is found by its Message-ID and only marked.

A failure (a wrong password, a server down, a TLS error) is written on the mailbox
row and the task tries again after an exponential back-off; success clears it.
The supervisor re-reads the mailboxes every ``refresh_seconds``: a new, edited,
deactivated or deleted mailbox starts, restarts or stops its task.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy import select

from ccengine.cancelling import cancel_and_wait
from ccengine.config import MailConfig
from ccengine.db import Database
from ccengine.mail.health import describe, record_failure, record_ok, record_stuck
from ccengine.mail.imap_client import ImapSession, ImapSettings, connect
from ccengine.mail.ingest import Intake, ingest
from ccengine.mail.intake_parse import parse
from ccengine.mail.model import ParsedMail
from ccengine.mail.routing import number_in_subject
from ccengine.mail.storage_models import Mailbox

__all__ = ["MailReceiver", "MailboxReceiver", "imap_settings", "lane_of"]

log = logging.getLogger(__name__)

MESSAGE_ATTEMPTS = 3  # rounds one message may fail before it is given up on
AfterCommit = Callable[[], Awaitable[None]]


def _now() -> datetime:
    return datetime.now(UTC)


def lane_of(parsed: ParsedMail, pattern: re.Pattern[str]) -> str:
    """Messages of one lane are ingested in order: one ticket number, else one sender
    (a sender's messages group and thread onto each other)."""
    number = number_in_subject(parsed.subject, pattern)
    if number is not None:
        return f"ticket:{number}"
    return f"from:{parsed.from_address or parsed.message_id}"


def imap_settings(mailbox: Mailbox, config: MailConfig) -> ImapSettings | None:
    """How to reach the mailbox's IMAP, or None: it does not receive."""
    if not mailbox.active or not mailbox.imap_host or not mailbox.imap_user:
        return None
    security = mailbox.imap_security
    port = mailbox.imap_port or (993 if security == "tls" else 143)
    return ImapSettings(host=mailbox.imap_host, port=port, security=security,
                        user=mailbox.imap_user, password=mailbox.imap_password or "",
                        folder=mailbox.imap_folder or "INBOX",
                        done_folder=mailbox.imap_done_folder or None,
                        cafile=config.imap_cafile, timeout=config.timeout_seconds)


class MailboxReceiver:
    """One mailbox's loop. ``after_commit`` (tests) runs between a message's commit
    and the batch's mark: a crash injected there."""

    def __init__(self, database: Database, mailbox_id: int, config: MailConfig,
                 intake: Intake, after_commit: AfterCommit | None = None) -> None:
        self.database = database
        self.mailbox_id = mailbox_id
        self.config = config
        self.intake = intake
        self.after_commit = after_commit
        self.failures: dict[str, tuple[int, str]] = {}  # Message-ID: (rounds, last error)

    async def run(self) -> None:
        """Until the mailbox stops receiving (deactivated, deleted, no IMAP)."""
        while True:
            settings = await self._settings()
            if settings is None:
                return
            try:
                await self._session(settings)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                await self._failed(error, settings.password)

    async def _settings(self) -> ImapSettings | None:
        async with self.database.sessions() as session:
            mailbox = await session.get(Mailbox, self.mailbox_id)
            return None if mailbox is None else imap_settings(mailbox, self.config)

    async def _session(self, settings: ImapSettings) -> None:
        imap = await connect(settings)
        try:
            while True:
                while await self.drain(imap):
                    pass  # mail that came meanwhile may be told only in a response read
                    # as part of another command, which IDLE would not repeat
                # After a whole round, not at login: a mailbox that logs in but cannot
                # store or mark keeps counting its failures (and backing off).
                if self.stuck:
                    await record_stuck(self.database, self.mailbox_id, self.stuck, _now())
                else:
                    await record_ok(self.database, self.mailbox_id, _now())
                # IDLE is left at least every poll interval for a round: a message that
                # arrived while the round's own commands ran was announced in their
                # answers (the server reports each EXISTS once), and IDLE would not tell
                # of it again until it is re-issued, up to idle_seconds later.
                await imap.wait_for_new(min(self.config.idle_seconds, self.config.poll_seconds),
                                        self.config.poll_seconds, self.config.idle)
        finally:
            await imap.close()

    async def drain(self, imap: ImapSession) -> int:
        """Every message not yet done, onto tickets, then marked; how many."""
        handled = 0
        uids = await imap.pending()
        for start in range(0, len(uids), self.config.batch):
            done = await self._batch(imap, uids[start:start + self.config.batch])
            await imap.mark_done(done)
            handled += len(done)
        return handled

    @property
    def stuck(self) -> dict[str, str]:
        """Messages given up on in this process (Message-ID: why), left on the server."""
        return {message_id: error for message_id, (count, error) in self.failures.items()
                if count >= MESSAGE_ATTEMPTS}

    async def _batch(self, imap: ImapSession, uids: Sequence[int]) -> list[int]:
        """Fetch, parse and ingest one batch; lanes (one per thread key) run side by
        side, each in order. Any failure fails the batch: nothing of it is marked.
        The UIDs stored, to be marked."""
        lanes: dict[str, list[tuple[int, ParsedMail]]] = {}
        for uid, raw in await imap.fetch(uids):
            parsed = await parse(raw)
            lanes.setdefault(lane_of(parsed, self.intake.pattern), []).append((uid, parsed))
        gate = asyncio.Semaphore(self.config.parallel)
        done: list[int] = []
        try:
            async with asyncio.TaskGroup() as group:
                for lane in lanes.values():
                    group.create_task(self._lane(lane, gate, done))
        except ExceptionGroup as failed:  # the first failure stands for the batch
            raise failed.exceptions[0] from None
        return sorted(done)

    async def _lane(self, lane: list[tuple[int, ParsedMail]], gate: asyncio.Semaphore,
                    done: list[int]) -> None:
        async with gate:
            for uid, parsed in lane:
                if parsed.message_id in self.stuck or not await self._ingest(uid, parsed):
                    continue
                if self.after_commit is not None:
                    await self.after_commit()
                done.append(uid)

    async def _ingest(self, uid: int, parsed: ParsedMail) -> bool:
        """A message that fails ``MESSAGE_ATTEMPTS`` rounds in a row is given up on
        (left unseen, tried again after a restart): one bad message does not stop
        the mailbox's others. Until then its failure fails the round. True: stored."""
        try:
            outcome = await ingest(self.database, self.mailbox_id, parsed, self.intake, _now())
        except Exception as error:
            count = self.failures.get(parsed.message_id, (0, ""))[0] + 1
            self.failures[parsed.message_id] = (count, describe(error, None))
            if count < MESSAGE_ATTEMPTS:
                raise
            log.error("mailbox %s: UID %s %s given up on: %s", self.mailbox_id, uid,
                      parsed.message_id, self.failures[parsed.message_id][1])
            return False
        self.failures.pop(parsed.message_id, None)
        log.debug("mailbox %s: UID %s %s", self.mailbox_id, uid, outcome)
        return True

    async def _failed(self, error: Exception, password: str) -> None:
        text = describe(error, password)
        log.warning("mailbox %s: receiving failed: %s", self.mailbox_id, text)
        retry_at = await record_failure(self.database, self.mailbox_id, text, _now(),
                                        self.config.retry_seconds,
                                        self.config.retry_max_seconds)
        await asyncio.sleep(max((retry_at - _now()).total_seconds(), 0))


class MailReceiver:
    """The supervisor: one ``MailboxReceiver`` task per receiving mailbox."""

    def __init__(self, database: Database, config: MailConfig, intake: Intake,
                 after_commit: AfterCommit | None = None) -> None:
        self.database = database
        self.config = config
        self.intake = intake
        self.after_commit = after_commit
        self.tasks: dict[int, tuple[datetime, asyncio.Task[None]]] = {}

    async def run(self) -> None:
        try:
            while True:
                await self.refresh()
                await asyncio.sleep(self.config.refresh_seconds)
        finally:
            await cancel_and_wait([task for _stamp, task in self.tasks.values()])
            self.tasks.clear()

    async def refresh(self) -> None:
        wanted = await self._receiving()
        for mailbox_id, (stamp, task) in list(self.tasks.items()):
            if wanted.get(mailbox_id) != stamp or task.done():
                await cancel_and_wait([task])
                del self.tasks[mailbox_id]
        for mailbox_id, stamp in wanted.items():
            if mailbox_id not in self.tasks:
                receiver = MailboxReceiver(self.database, mailbox_id, self.config,
                                           self.intake, self.after_commit)
                task = asyncio.create_task(receiver.run(), name=f"mail-{mailbox_id}")
                self.tasks[mailbox_id] = (stamp, task)

    async def _receiving(self) -> dict[int, datetime]:
        async with self.database.sessions() as session:
            rows = await session.execute(select(Mailbox.id, Mailbox.updated_at).where(
                Mailbox.active.is_(True), Mailbox.imap_host.is_not(None)))
            return {mailbox_id: stamp for mailbox_id, stamp in rows}
