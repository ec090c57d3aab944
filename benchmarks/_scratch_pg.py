"""A scratch PostgreSQL database for one benchmark run: created, migrated, dropped
(with FORCE, so a run stopped half-way leaves nothing behind on the next one's server).

Needs CCENGINE_TEST_PG_DSN (default postgresql://postgres@127.0.0.1:5432/postgres), a
user who may create databases, as the tests use.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ccengine.config import DatabaseConfig
from ccengine.db import Database

PG_DSN = os.environ.get("CCENGINE_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
ADMIN_TIMEOUT = 300  # seconds: dropping a database of a million rows takes a while


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(PG_DSN, timeout=10)
    try:
        await connection.execute(statement, timeout=ADMIN_TIMEOUT)
    finally:
        await connection.close()


@asynccontextmanager
async def scratch_database(prefix: str) -> AsyncIterator[Database]:
    """A new, migrated database named ``<prefix>_<random>``, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    parts = urlsplit(PG_DSN)
    await _admin(f'CREATE DATABASE "{name}"')
    database = Database.open(DatabaseConfig(url=urlunsplit(
        ("postgresql+asyncpg", parts.netloc, f"/{name}", "", ""))))
    try:
        await database.migrate()
        yield database
    finally:
        await database.close()
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
