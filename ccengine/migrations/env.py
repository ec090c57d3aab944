"""Alembic environment: runs on the connection ``Database.migrate`` hands in.

Migrations only run programmatically (the engine is async, the connection is
lent through ``config.attributes``), so there is no offline mode and no URL.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from ccengine.models_registry import Base
from ccengine.tickets.search_index import included


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=included,  # the search indexes are no ORM models
        # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


_connection = context.config.attributes.get("connection")
if not isinstance(_connection, Connection):
    raise RuntimeError("run migrations through ccengine.db.Database.migrate()")
_run(_connection)
