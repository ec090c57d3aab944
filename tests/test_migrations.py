from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

from ccengine.config import DatabaseConfig
from ccengine.db import Database, alembic_config
from ccengine.models_registry import Base
from ccengine.tickets.search_index import included

# The newest revision in the versions folder: migrating must end there.
HEAD_REVISION = ScriptDirectory.from_config(alembic_config()).get_current_head()

TABLES = {"customers", "calls", "tickets", "ticket_activities", "ticket_counters",
          "route_graphs", "transcription_jobs", "transcripts",
          "users", "user_sessions", "api_tokens", "login_attempts"}


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "include_object": included})
    return list(compare_metadata(context, Base.metadata))


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def test_migration_matches_the_models_exactly(database_url: str) -> None:
    database = Database.open(DatabaseConfig(url=database_url))
    try:
        await database.migrate()
        async with database.engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
            names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    finally:
        await database.close()
    assert names >= TABLES


async def test_comparison_would_see_a_missing_index(database_url: str) -> None:
    """Guards the test above: the comparison really looks at the schema."""
    database = Database.open(DatabaseConfig(url=database_url))
    try:
        await database.migrate()
        async with database.engine.begin() as connection:
            await connection.execute(text("DROP INDEX ix_tickets_status"))
            differences = await connection.run_sync(_differences)
    finally:
        await database.close()
    assert [d[0] for d in differences] == ["add_index"]


async def test_migrating_twice_is_a_no_op(database_url: str) -> None:
    database = Database.open(DatabaseConfig(url=database_url))
    try:
        await database.migrate()
        async with database.engine.connect() as connection:
            first = await connection.run_sync(_revision)
        await database.migrate()
        async with database.engine.connect() as connection:
            second = await connection.run_sync(_revision)
            assert await connection.run_sync(_differences) == []
    finally:
        await database.close()
    assert first == second == HEAD_REVISION


async def test_sqlite_pragmas_are_set(tmp_path: Any) -> None:
    database = Database.open(DatabaseConfig(url=f"sqlite+aiosqlite:///{tmp_path / 'p.db'}"))
    try:
        async with database.engine.connect() as connection:
            pragmas = [
                (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            ]
    finally:
        await database.close()
    assert database.dialect_name == "sqlite"
    assert pragmas == ["wal", 1, 30000]
