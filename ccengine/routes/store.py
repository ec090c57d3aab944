"""Route graphs in the database, in versions: drafts, one published per name, retired.

A saved version never changes; publishing moves statuses only. Exactly one
version of a name is published at a time: publishes of one name are
serialised (SQLite: the writer's BEGIN IMMEDIATE; PostgreSQL: the name's rows
locked FOR UPDATE), and a partial unique index makes the database refuse a
second published row whatever a writer does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.db import Database
from ccengine.routes.document import GraphInvalid, graph_from_data
from ccengine.routes.model import RouteGraph
from ccengine.routes.storage_models import RouteStatus, RouteVersion
from ccengine.routes.validate import validate_graph
from ccengine.sla.service import calendar_names

# Two drafts of one name saved at once on PostgreSQL: one loses the race for
# the next version number on the unique (name, version) and tries again.
SAVE_ATTEMPTS = 5

# (published rows, sum of their ids, latest published_at): a publish changes the
# set of ids by replacing one id with another (the sum moves) or adding one (the
# count moves), and re-publishing an old version moves the latest published_at.
PublishedStamp = tuple[int, int, datetime | None]


class RouteNotFound(LookupError):
    def __init__(self, name: str, version: int | None = None) -> None:
        self.name, self.version = name, version
        if version is None:
            message = f"no route graph named {name!r}"
        else:
            message = f"route graph {name!r} has no version {version}"
        super().__init__(message)


class NothingToRollBack(Exception):
    """No earlier published version to go back to, or the one asked was never published."""


@dataclass(frozen=True, slots=True)
class StoredGraph:
    name: str
    version: int
    status: RouteStatus
    graph: RouteGraph
    published_at: datetime | None


@dataclass(frozen=True, slots=True)
class VersionInfo:
    name: str
    version: int
    status: RouteStatus
    created_at: datetime
    published_at: datetime | None
    author: str | None
    comment: str | None


def _now() -> datetime:
    return datetime.now(UTC)


class RouteStore:
    def __init__(self, database: Database, clock: Callable[[], datetime] = _now) -> None:
        self.database = database
        self.clock = clock

    # -- writing -----------------------------------------------------------------

    async def save_draft(self, graph: RouteGraph, author: str | None = None,
                         comment: str | None = None) -> int:
        """Store ``graph`` as the next version of its name, a draft; its number."""
        for attempt in range(1, SAVE_ATTEMPTS + 1):
            try:
                return await self._insert_next(graph, author, comment)
            except IntegrityError:
                if attempt == SAVE_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    async def _insert_next(self, graph: RouteGraph, author: str | None,
                           comment: str | None) -> int:
        async with self.database.writer() as session:
            latest = await session.scalar(
                select(func.max(RouteVersion.version)).where(RouteVersion.name == graph.name))
            version = (latest or 0) + 1
            session.add(RouteVersion(
                name=graph.name, version=version, status=RouteStatus.DRAFT.value,
                document=graph.model_dump(mode="json", by_alias=True),
                created_at=self.clock(), published_at=None, author=author, comment=comment,
            ))
            await session.commit()
        return version

    async def publish(self, name: str, version: int, prompts_dir: Path | None = None) -> None:
        """Make this version the published one of its name; the previous one retires.

        GraphInvalid (nothing changes) when validation finds issues.
        Publishing a retired version again is how a change is rolled back.
        """
        stored = await self.get(name, version)
        async with self.database.sessions() as session:
            calendars = await calendar_names(session)
        # Validated outside the write transaction (it reads the prompts folder):
        # a saved document never changes, so the check still holds at commit (a
        # calendar a published graph names cannot be deleted).
        issues = validate_graph(stored.graph, prompts_dir, calendars)
        if issues:
            raise GraphInvalid(issues)
        async with self.database.writer() as session:
            status = await _lock_name(session, name, version)
            if status == RouteStatus.PUBLISHED:
                return
            await _set_published(session, name, version, self.clock())
            await session.commit()

    async def roll_back(self, name: str, version: int | None = None,
                        prompts_dir: Path | None = None) -> int:
        """Publish again a version that was published before; its number.

        Without ``version``, the one published just before the current one. A
        rollback republishes the stored version itself (calls then record that
        older number), so the history reads as it happened; it is validated
        again like any publish, since prompts may have gone since.
        """
        target = rollback_target(await self.versions(name), version)
        await self.publish(name, target, prompts_dir)
        return target

    # -- reading -----------------------------------------------------------------

    async def get(self, name: str, version: int | None = None) -> StoredGraph:
        """That version; without one, the published version, or else the latest."""
        query = select(RouteVersion).where(RouteVersion.name == name)
        if version is None:
            # The published version first, else the newest.
            published_first = (RouteVersion.status == RouteStatus.PUBLISHED.value).desc()
            query = query.order_by(published_first, RouteVersion.version.desc())
        else:
            query = query.where(RouteVersion.version == version)
        async with self.database.sessions() as session:
            row = await session.scalar(query.limit(1))
        if row is None:
            raise RouteNotFound(name, version)
        return _stored(row)

    async def versions(self, name: str) -> list[VersionInfo]:
        """Every version of ``name``, oldest first; RouteNotFound when there is none."""
        query = (select(RouteVersion).where(RouteVersion.name == name)
                 .order_by(RouteVersion.version))
        async with self.database.sessions() as session:
            rows = (await session.scalars(query)).all()
        if not rows:
            raise RouteNotFound(name)
        return [_info(row) for row in rows]

    async def names(self) -> list[str]:
        query = select(RouteVersion.name).distinct().order_by(RouteVersion.name)
        async with self.database.sessions() as session:
            return list((await session.scalars(query)).all())

    async def published(self) -> list[StoredGraph]:
        """The published version of every name that has one, by name."""
        query = (select(RouteVersion)
                 .where(RouteVersion.status == RouteStatus.PUBLISHED.value)
                 .order_by(RouteVersion.name))
        async with self.database.sessions() as session:
            rows = (await session.scalars(query)).all()
        return [_stored(row) for row in rows]

    async def published_stamp(self) -> PublishedStamp:
        """Cheap to read, and different whenever the published set has changed."""
        query = (select(func.count(RouteVersion.id),
                        func.coalesce(func.sum(RouteVersion.id), 0),
                        func.max(RouteVersion.published_at))
                 .where(RouteVersion.status == RouteStatus.PUBLISHED.value))
        async with self.database.sessions() as session:
            count, id_sum, latest = (await session.execute(query)).one()
        return int(count), int(id_sum), latest


def rollback_target(versions: list[VersionInfo], asked: int | None) -> int:
    """The version a rollback publishes: ``asked`` if it was once published,
    else the most recently retired one; NothingToRollBack when there is none."""
    retired = [info for info in versions if info.status == RouteStatus.RETIRED]
    if asked is not None:
        if not any(info.version == asked for info in versions):
            raise RouteNotFound(versions[0].name if versions else "", asked)
        if not any(info.version == asked for info in retired):
            raise NothingToRollBack(f"version {asked} was never published before, or is "
                                    "published now; publish a draft instead")
        return asked
    if not retired:
        raise NothingToRollBack("no earlier published version to roll back to")
    latest = max(retired, key=lambda info: (info.published_at or info.created_at, info.version))
    return latest.version


async def _lock_name(session: AsyncSession, name: str, version: int) -> RouteStatus:
    """Lock every version of ``name`` (PostgreSQL; SQLite's writer holds the lock
    already) and return the status of ``version`` as it is now."""
    rows = await session.execute(
        select(RouteVersion.version, RouteVersion.status)
        .where(RouteVersion.name == name).order_by(RouteVersion.id).with_for_update())
    statuses = {number: status for number, status in rows}
    if version not in statuses:
        raise RouteNotFound(name, version)
    return RouteStatus(statuses[version])


async def _set_published(session: AsyncSession, name: str, version: int,
                         now: datetime) -> None:
    # Retire first: the partial unique index allows one published row at a time.
    await session.execute(
        update(RouteVersion)
        .where(RouteVersion.name == name,
               RouteVersion.status == RouteStatus.PUBLISHED.value)
        .values(status=RouteStatus.RETIRED.value))
    await session.execute(
        update(RouteVersion)
        .where(RouteVersion.name == name, RouteVersion.version == version)
        .values(status=RouteStatus.PUBLISHED.value, published_at=now))


def _stored(row: RouteVersion) -> StoredGraph:
    return StoredGraph(name=row.name, version=row.version, status=RouteStatus(row.status),
                       graph=graph_from_data(row.document), published_at=row.published_at)


def _info(row: RouteVersion) -> VersionInfo:
    return VersionInfo(name=row.name, version=row.version, status=RouteStatus(row.status),
                       created_at=row.created_at, published_at=row.published_at,
                       author=row.author, comment=row.comment)
