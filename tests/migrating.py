"""What every migration test does, once: a database brought to the revision before the
one under test and filled with rows as they were then, before it is upgraded; and a
revision taken down and up again."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import sqlalchemy as sa
from alembic import command

from ccengine.config import DatabaseConfig
from ccengine.db import Database, alembic_config

Fill = Callable[[sa.Connection], None]


def migrate_to(connection: sa.Connection, revision: str) -> None:
    command.upgrade(alembic_config(connection), revision)


@asynccontextmanager
async def upgraded_from(database_url: str, before: str, fill: Fill) -> AsyncIterator[Database]:
    """The database at ``before``, filled by ``fill`` (plain SQL: the models are of
    today), then migrated to head."""
    database = Database.open(DatabaseConfig(url=database_url))
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(migrate_to, before)
            await connection.run_sync(fill)
        await database.migrate()
        yield database
    finally:
        await database.close()


async def down_and_up(database_url: str, before: str, check_down: Fill) -> set[str]:
    """Head, then down to ``before`` (``check_down`` looks at it there), then head again;
    the table names at the end."""
    def run(connection: sa.Connection) -> set[str]:
        command.downgrade(alembic_config(connection), before)
        check_down(connection)
        command.upgrade(alembic_config(connection), "head")
        return set(sa.inspect(connection).get_table_names())

    database = Database.open(DatabaseConfig(url=database_url))
    try:
        await database.migrate()
        async with database.engine.begin() as connection:
            return await connection.run_sync(run)
    finally:
        await database.close()


def tables(connection: sa.Connection) -> set[str]:
    return set(sa.inspect(connection).get_table_names())
