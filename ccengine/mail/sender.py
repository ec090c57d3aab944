"""The sender worker: delivers the outbox through each mailbox's SMTP.

A tick claims due rows (pending, ``next_attempt_at`` reached) in a bounded batch:
the claim pushes ``next_attempt_at`` a lease ahead in its own committed
transaction (on PostgreSQL the read is ``FOR UPDATE SKIP LOCKED``; SQLite has one
writer), so another process, or this one after a restart, leaves them alone until
the lease runs out. Each mailbox's rows then go out over one connection, all
mailboxes at once: a dead server costs its own rows a timeout, never the others'.
Before each send the row's lease is renewed (long enough for that send), and its
result (sent, or a retry with backoff, or failed) is written right after it, in its
own transaction, even when the sender is being cancelled; both only while the row
is still the claimed one. So a shutdown, a bug or a slow server mid-batch never
has a message that reached the server sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Select, Update, case, func, select, update

from ccengine.db import Database
from ccengine.mail.delivery import RetryPolicy, after_failure
from ccengine.mail.smtp_client import SmtpConnection, SmtpFailure, SmtpSettings, connect
from ccengine.mail.storage_models import Mailbox, OutgoingMail

__all__ = ["Claimed", "MailSender", "SenderPolicy", "Sent"]

log = logging.getLogger(__name__)

Connect = Callable[[SmtpSettings], Awaitable[SmtpConnection]]


@dataclass(frozen=True, slots=True)
class SenderPolicy:
    every_seconds: float = 5.0
    batch: int = 50
    per_mailbox: int = 10  # of one batch: a mailbox's backlog leaves room for the others
    lease_seconds: float = 300.0  # a claim this old is taken up again (its holder died)
    timeout_seconds: float = 30.0  # each SMTP step
    cafile: str | None = None  # a private CA the servers' certificates chain to
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    mailbox_id: int
    sender: str
    recipients: tuple[str, ...]
    raw: bytes
    attempts: int
    lease: datetime  # the row's next_attempt_at while this claim holds it


@dataclass(frozen=True, slots=True)
class Sent:
    """One row's result: ``error`` None when the server took it."""

    row: Claimed
    error: str | None = None
    permanent: bool = False


@dataclass
class MailSender:
    database: Database
    policy: SenderPolicy = SenderPolicy()
    connect: Connect = connect
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        while True:
            try:
                while await self.tick() == self.policy.batch:
                    pass  # a full batch: more may be due
            except Exception:
                log.exception("mail sender tick failed")
            self.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), self.policy.every_seconds)

    async def tick(self) -> int:
        """Claim one batch and deliver it; returns how many rows were claimed."""
        claimed, mailboxes = await self._claim(self.clock())
        by_mailbox: dict[int, list[Claimed]] = defaultdict(list)
        for row in claimed:
            by_mailbox[row.mailbox_id].append(row)
        await asyncio.gather(*(self._mailbox(mailboxes.get(key), rows)
                               for key, rows in by_mailbox.items()))
        return len(claimed)

    async def _claim(self, now: datetime) -> tuple[list[Claimed], dict[int, SmtpSettings]]:
        async with self.database.sessions() as session:  # idle: no write lock taken
            if await session.scalar(select(OutgoingMail.id).where(*_due(now)).limit(1)) is None:
                return [], {}
        lease = now + timedelta(seconds=self.policy.lease_seconds)
        async with self.database.writer() as session:
            query = (select(OutgoingMail)
                     .where(OutgoingMail.id.in_(_fair(now, self.policy.per_mailbox)),
                            *_due(now))
                     .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id)
                     .limit(self.policy.batch))
            if self.database.dialect_name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = list(await session.scalars(query))
            for row in rows:
                row.next_attempt_at = lease
            boxes = await session.scalars(select(Mailbox).where(
                Mailbox.id.in_({row.mailbox_id for row in rows})))
            settings = {box.id: self._settings(box) for box in boxes if box.smtp_host}
            claimed = [Claimed(row.id, row.mailbox_id, row.sender, tuple(row.recipients),
                               row.raw, row.attempts, lease) for row in rows]
            await session.commit()
        return claimed, settings

    def _settings(self, box: Mailbox) -> SmtpSettings:
        return SmtpSettings(host=box.smtp_host or "", port=box.smtp_port,
                            security=box.smtp_security, user=box.smtp_user,
                            password=box.smtp_password, timeout=self.policy.timeout_seconds,
                            cafile=self.policy.cafile)

    async def _mailbox(self, settings: SmtpSettings | None, rows: Sequence[Claimed]) -> None:
        waiting = list(rows)
        try:
            if settings is None:
                # Retried: an admin may be setting the mailbox up while its mail waits.
                await self._record([Sent(row, "the mailbox has no SMTP server") for row in rows])
                return
            try:
                connection = await self.connect(settings)
            except SmtpFailure as failure:
                await self._record([Sent(row, str(failure), failure.permanent) for row in rows])
                return
            async with connection:
                while waiting:
                    row = await self._renew(waiting[0])
                    if row is None:  # taken over: not ours to send
                        waiting.pop(0)
                        continue
                    waiting[0] = row  # renewed: a bug in its send is recorded against it
                    result = await _send_one(connection, row)
                    waiting.pop(0)
                    await _finished(self._record([result]))  # a shutdown loses no send
        except Exception as exc:  # a bug, not a server: the unsent rows wait for the next try
            log.exception("mail delivery failed")
            await self._record([Sent(row, f"{type(exc).__name__}") for row in waiting])

    async def _renew(self, row: Claimed) -> Claimed | None:
        """The claim pushed a lease ahead of now, long enough for this row's send (every
        step may take the timeout); None when the claim no longer holds the row."""
        steps = 4 + len(row.recipients)  # MAIL, RCPT each, DATA, the data's end, spare
        seconds = max(self.policy.lease_seconds, self.policy.timeout_seconds * steps)
        lease = self.clock() + timedelta(seconds=seconds)
        async with self.database.writer() as session:
            renewed = await session.execute(_held(row).values(next_attempt_at=lease))
            await session.commit()
        return replace(row, lease=lease) if renewed.rowcount else None  # type: ignore[attr-defined]

    async def _record(self, results: Sequence[Sent]) -> None:
        now = self.clock()
        async with self.database.writer() as session:
            for result in results:
                await session.execute(_recorded(result, now, self.policy.retry))
            await session.commit()
        for result in results:
            if result.error is not None:
                log.warning("mail %s not sent: %s", result.row.id, result.error)


async def _finished(work: Awaitable[None]) -> None:
    """Await ``work`` to its end even when cancelled (then re-raised once it ended)."""
    task = asyncio.ensure_future(work)
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            cancelled = True
    task.result()
    if cancelled:
        raise asyncio.CancelledError


async def _send_one(connection: SmtpConnection, row: Claimed) -> Sent:
    try:
        await connection.send(row.sender, row.recipients, row.raw)
    except SmtpFailure as failure:
        return Sent(row, str(failure), failure.permanent)
    return Sent(row)


def _due(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return OutgoingMail.status == "pending", OutgoingMail.next_attempt_at <= now


def _fair(now: datetime, per_mailbox: int) -> Select[tuple[int]]:
    """The due rows, at most ``per_mailbox`` of each mailbox (its oldest)."""
    place = func.row_number().over(partition_by=OutgoingMail.mailbox_id,
                                   order_by=(OutgoingMail.next_attempt_at, OutgoingMail.id))
    ranked = select(OutgoingMail.id, place.label("place")).where(*_due(now)).subquery()
    return select(ranked.c.id).where(ranked.c.place <= per_mailbox)


def _held(row: Claimed) -> Update:
    """An update of the row, applied only while this claim still holds it."""
    return update(OutgoingMail).where(OutgoingMail.id == row.id,
                                      OutgoingMail.status == "pending",
                                      OutgoingMail.next_attempt_at == row.lease)


def _recorded(result: Sent, now: datetime, retry: RetryPolicy) -> Update:
    """The row's result, written only while this claim still holds it."""
    row = result.row
    held = _held(row)
    if result.error is None:
        return held.values(status="sent", sent_at=now, attempts=row.attempts + 1,
                           last_error=None, raw=_SENT_RAW)
    outcome = after_failure(row.attempts, result.permanent, retry, now)
    return held.values(status=outcome.status, attempts=outcome.attempts,
                       next_attempt_at=outcome.next_attempt_at, last_error=result.error[:500])


# A sent message of a mailbox that masks personal data keeps no unmasked copy.
_SENT_RAW = case((select(Mailbox.mask_personal_data).where(
    Mailbox.id == OutgoingMail.mailbox_id).scalar_subquery(), b""), else_=OutgoingMail.raw)
