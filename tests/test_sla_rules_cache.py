"""The SLA sync's stored rules, cached between stamp reads, over real SQLite and
PostgreSQL: this process's edits count at once; another process's (a write the ORM of
this process never saw) within the recheck window; no stamp query inside it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, update

from ccengine.db import Database
from ccengine.sla import service as sla_service
from ccengine.sla.policy import Duration
from ccengine.sla.storage_models import SlaPolicyRow
from ccengine.tickets.sla_sync import SlaRules, StoredSla


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@contextmanager
def counted(database: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def note(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(database.engine.sync_engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", note)


async def rules(database: Database, provider: StoredSla) -> SlaRules:
    async with database.writer() as session:
        found = await provider.rules(session)
        await session.commit()
    return found


def p2_first_response(found: SlaRules) -> Duration:
    return next(p for p in found.policies if p.name == "P2").first_response


async def test_the_stamp_is_read_once_per_window(database: Database) -> None:
    clock = Clock()
    provider = StoredSla(recheck_seconds=1.0, monotonic=clock)
    await rules(database, provider)
    with counted(database) as statements:
        for _ in range(5):
            await rules(database, provider)
    assert not [s for s in statements if "sla_policies" in s]
    clock.now += 1.0
    with counted(database) as statements:
        await rules(database, provider)
    assert len([s for s in statements if "sla_policies" in s]) == 1  # the stamp, no reload


async def test_this_processs_edit_counts_at_once(database: Database) -> None:
    provider = StoredSla(recheck_seconds=3600.0, monotonic=Clock())
    assert p2_first_response(await rules(database, provider)) == Duration(1, "hours")
    p2 = (await sla_service.get_policy(database, "P2")).policy
    await sla_service.replace_policy(database, replace(p2, first_response=Duration(3, "hours")))
    assert p2_first_response(await rules(database, provider)) == Duration(3, "hours")


async def test_another_processs_edit_counts_after_the_window(database: Database) -> None:
    clock = Clock()
    provider = StoredSla(recheck_seconds=1.0, monotonic=clock)
    assert p2_first_response(await rules(database, provider)) == Duration(1, "hours")
    async with database.engine.begin() as connection:  # Core: as if from elsewhere
        await connection.execute(update(SlaPolicyRow).where(SlaPolicyRow.name == "P2").values(
            first_response_amount=2, first_response_unit="hours",
            version=SlaPolicyRow.version + 1, updated_at=datetime.now(UTC)))
    # Inside the window this process still uses what it read.
    assert p2_first_response(await rules(database, provider)) == Duration(1, "hours")
    clock.now += 1.0
    assert p2_first_response(await rules(database, provider)) == Duration(2, "hours")
