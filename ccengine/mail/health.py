"""A mailbox's receiving health, on its row: the last success, the last error (its
kind and a short reason; never a password), the failures in a row and when the
receiver tries again (exponential back-off, capped). The public health check only
counts the failing mailboxes."""

from __future__ import annotations

import asyncio
import ssl
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from ccengine.db import Database
from ccengine.mail.imap_client import ImapError
from ccengine.mail.storage_models import Mailbox

__all__ = ["backoff", "describe", "failing_mailboxes", "record_failure", "record_ok",
           "record_stuck"]

MAX_ERROR = 500


def backoff(failures: int, first: float, cap: float) -> float:
    """Seconds before the next attempt after ``failures`` failures in a row."""
    return float(min(cap, first * 2.0 ** max(failures - 1, 0)))


def describe(error: BaseException, password: str | None) -> str:
    """What went wrong, short, without the password even if a server echoed it."""
    if isinstance(error, ImapError):
        text = str(error)
    elif isinstance(error, ssl.SSLError | ssl.CertificateError):
        text = f"TLS: {getattr(error, 'reason', None) or type(error).__name__}"
    elif isinstance(error, asyncio.TimeoutError | TimeoutError):
        text = "IMAP server did not answer in time"
    elif isinstance(error, OSError):
        text = f"cannot connect: {error.strerror or type(error).__name__}"
    else:  # the first line only: SQLAlchemy's next ones hold the statement's values
        text = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    if password:
        text = text.replace(password, "***")
    return text[:MAX_ERROR]


async def record_ok(database: Database, mailbox_id: int, now: datetime) -> None:
    async with database.writer() as session:
        await session.execute(update(Mailbox).where(Mailbox.id == mailbox_id).values(
            last_ok_at=now, last_error=None, failures=0, next_attempt_at=None))
        await session.commit()


async def record_stuck(database: Database, mailbox_id: int, stuck: dict[str, str],
                       now: datetime) -> None:
    """The round went through but some messages could not be stored: the mailbox
    receives, and is failing until they are (the health check counts it)."""
    message_id, error = next(iter(stuck.items()))
    text = f"{len(stuck)} message(s) could not be stored, e.g. {message_id}: {error}"
    async with database.writer() as session:
        await session.execute(update(Mailbox).where(Mailbox.id == mailbox_id).values(
            last_ok_at=now, last_error=text[:MAX_ERROR], last_error_at=now,
            failures=1, next_attempt_at=None))
        await session.commit()


async def record_failure(database: Database, mailbox_id: int, error: str, now: datetime,
                         first: float, cap: float) -> datetime:
    """Count the failure; returns when to try again."""
    async with database.writer() as session:
        failures = await session.scalar(select(Mailbox.failures).where(
            Mailbox.id == mailbox_id)) or 0
        retry_at = now + timedelta(seconds=backoff(failures + 1, first, cap))
        await session.execute(update(Mailbox).where(Mailbox.id == mailbox_id).values(
            last_error=error, last_error_at=now, failures=failures + 1,
            next_attempt_at=retry_at))
        await session.commit()
    return retry_at


async def failing_mailboxes(database: Database) -> int:
    async with database.sessions() as session:
        count = await session.scalar(select(func.count(Mailbox.id)).where(
            Mailbox.active.is_(True), Mailbox.failures > 0))
    return int(count or 0)
