"""The database edge: one async engine and its session factory per process."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from ccengine.config import DatabaseConfig

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Execution option asking SQLite to take the write lock when the transaction
# starts: a deferred transaction that reads first and writes later fails at
# once with SQLITE_BUSY when another writer committed meanwhile (WAL snapshot),
# and busy_timeout cannot help with that.
_IMMEDIATE = "ccengine_sqlite_immediate"
_SQLITE_BUSY_TIMEOUT_MS = 30_000


class Database:
    """An engine plus ``sessions``, the factory for one session per unit of work."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, config: DatabaseConfig) -> Database:
        # Bound parameters are callers' phones, names and note text: keep them out of
        # error messages (logged with log.exception) and of echo's statement logging.
        engine = create_async_engine(config.url, echo=config.echo, hide_parameters=True,
                                     connect_args=_connect_args(config.url),
                                     **_pool_args(config))
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine)
        return cls(engine)

    @property
    def pool_size(self) -> int | None:
        """Connections the pool keeps (None: an in-memory SQLite's single one)."""
        size = getattr(self.engine.pool, "size", None)
        return size() if callable(size) else None

    @property
    def dialect_name(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def writer(self) -> AsyncIterator[AsyncSession]:
        """A session for a write unit of work; the caller commits.

        On SQLite its transaction begins IMMEDIATE so concurrent writers queue
        on busy_timeout instead of failing; elsewhere it is a plain session.
        """
        async with self.sessions() as session:
            await session.connection(execution_options={_IMMEDIATE: True})
            yield session

    async def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision (a no-op when there)."""
        async with self.engine.begin() as connection:
            await connection.run_sync(_upgrade_head)

    async def close(self) -> None:
        await self.engine.dispose()


def _connect_args(url: str) -> dict[str, Any]:
    """PostgreSQL (asyncpg) without JIT: it compiled the plans of the ticket search,
    whose estimates run high (a subquery per ticket), for 100+ ms to run them in 10;
    short queries gain nothing from it."""
    if url.startswith("postgresql+asyncpg"):
        return {"server_settings": {"jit": "off"}}
    return {}


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    """An Alembic config pointing at the packaged migrations, no alembic.ini needed."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def _upgrade_head(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


def _configure_sqlite(engine: AsyncEngine) -> None:
    # aiosqlite logs every call it runs, parameters included, at DEBUG: with
    # --log-level debug that would print phones and names hide_parameters keeps out.
    driver_log = logging.getLogger("aiosqlite")
    if driver_log.level < logging.INFO:  # unset, or DEBUG; a stricter level stays
        driver_log.setLevel(logging.INFO)
    event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
    event.listen(engine.sync_engine, "begin", _on_sqlite_begin)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own implicit BEGIN would hide our BEGIN IMMEDIATE and keep
    # PRAGMA journal_mode from running outside a transaction; we emit BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get(_IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _pool_args(config: DatabaseConfig) -> dict[str, int]:
    """An in-memory SQLite database lives in one connection (a static pool: no size)."""
    return {} if ":memory:" in config.url else {"pool_size": config.pool_size}
