"""A limiter of login attempts per login and client address, kept in the database.

An attempt is counted, atomically, before the password is checked: of 40
parallel guesses only the first ``max_attempts`` reach the (slow) check, the
rest are refused at once. The count lives in the database (one upsert that
SQLite and PostgreSQL both run atomically), so several engine processes on
one database share it. A success clears the count; a window starts with the
first attempt and ends ``window`` later.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, delete
from sqlalchemy.dialects import postgresql, sqlite

from ccengine.db import Database
from ccengine.users.models import LoginAttempt

MAX_ATTEMPTS = 5
WINDOW = timedelta(minutes=5)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class LoginLimiter:
    def __init__(self, database: Database, max_attempts: int = MAX_ATTEMPTS,
                 window: timedelta = WINDOW, clock: Callable[[], datetime] = _utc_now) -> None:
        self.database = database
        self.max_attempts = max_attempts
        self.window = window
        self._clock = clock

    async def attempt(self, login: str, address: str) -> bool:
        """Count one attempt; True when it is within the limit (go on and check)."""
        statement = _counting(self.database.dialect_name, attempt_key(login, address),
                              self._clock(), self.window)
        async with self.database.writer() as session:
            count = (await session.execute(statement)).scalar_one()
            await session.commit()
        return int(count) <= self.max_attempts

    async def succeeded(self, login: str, address: str) -> None:
        await self._delete(LoginAttempt.key_hash == attempt_key(login, address))

    async def forget_old(self) -> None:
        """Drop windows that have ended (the sweep calls this)."""
        await self._delete(LoginAttempt.window_start <= self._clock() - self.window)

    async def _delete(self, condition: Any) -> None:
        async with self.database.writer() as session:
            await session.execute(delete(LoginAttempt).where(condition))
            await session.commit()


def attempt_key(login: str, address: str) -> str:
    """The stored key: a digest, so the table holds no login or address."""
    return hashlib.sha256(f"{login.strip().casefold()}\n{address}".encode()).hexdigest()


def _counting(dialect: str, key: str, now: datetime, window: timedelta) -> Any:
    """INSERT … ON CONFLICT DO UPDATE … RETURNING attempts: count and read in one step."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    ended = LoginAttempt.window_start <= now - window
    statement = insert(LoginAttempt).values(key_hash=key, window_start=now, attempts=1)
    return statement.on_conflict_do_update(
        index_elements=[LoginAttempt.key_hash],
        set_={"attempts": case((ended, 1), else_=LoginAttempt.attempts + 1),
              "window_start": case((ended, now), else_=LoginAttempt.window_start)},
    ).returning(LoginAttempt.attempts)
