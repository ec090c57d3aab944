"""Real databases for tests: SQLite files and PostgreSQL databases.

Each test gets a fresh database. Migrating costs far more than copying, so
each backend is migrated once per session into a template (a file for SQLite,
a template database for PostgreSQL) and tests receive copies of it.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg  # type: ignore[import-untyped]
import pytest
from hypothesis import HealthCheck, settings

from ccengine.calls.model import FinishedCall, Outcome, TimelineEntry
from ccengine.config import DatabaseConfig
from ccengine.db import Database

# Property tests assert properties, not speed: on a loaded 2-core machine a 200 ms
# per-example deadline or a slow-generation health check failed tests that hold. The
# examples are derived from each test (derandomize): a run is repeatable, and a
# counterexample found once stays found rather than coming and going between runs.
settings.register_profile("ccengine", deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ccengine")

PG_DSN = os.environ.get("CCENGINE_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = ["sqlite", "postgresql"]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _pg_url(name: str) -> str:
    """The SQLAlchemy URL of database ``name`` on the test server."""
    parts = urlsplit(PG_DSN)
    return urlunsplit(("postgresql+asyncpg", parts.netloc, f"/{name}", "", ""))


async def _pg_admin(*statements: str) -> None:
    connection = await asyncpg.connect(PG_DSN, timeout=10)
    try:
        for statement in statements:
            await connection.execute(statement, timeout=120)
    finally:
        await connection.close()


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine to completion from sync code, even inside a running loop.

    Session fixtures are first requested from inside async fixtures (only the
    backend a test runs on is set up), where asyncio.run would refuse.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


def _unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


async def _migrate(url: str) -> None:
    database = Database.open(DatabaseConfig(url=url))
    try:
        await database.migrate()
    finally:
        await database.close()


@pytest.fixture(scope="session")
def pg_server() -> None:
    """Fail (never skip) the PostgreSQL tests when the server cannot be reached."""
    try:
        _run(_pg_admin("SELECT 1"))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_DSN} ({exc!r}); start it or point "
            "CCENGINE_TEST_PG_DSN at a server where user may create databases",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def pg_template(pg_server: None) -> Iterator[str]:
    name = _unique("ccengine_tpl")
    _run(_pg_admin(f'CREATE DATABASE "{name}"'))
    _run(_migrate(_pg_url(name)))
    yield name
    _run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    _run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of an empty, un-migrated database of each backend."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    request.getfixturevalue("pg_server")
    name = _unique("ccengine_test")
    await _pg_admin(f'CREATE DATABASE "{name}"')
    yield _pg_url(name)
    await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated database of each backend, opened and closed around the test."""
    name = None
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite+aiosqlite:///{path}"
    else:
        template = request.getfixturevalue("pg_template")
        name = _unique("ccengine_test")
        await _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        url = _pg_url(name)
    db = Database.open(DatabaseConfig(url=url))
    await db.migrate()
    yield db
    await db.close()
    if name is not None:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build_call(linkedid: str, outcome: Outcome = Outcome.ANSWERED, **fields: Any) -> FinishedCall:
    """A finished call with sensible defaults; ``fields`` override any of them."""
    started = fields.pop("started_at", T0)
    values: dict[str, Any] = {
        "pbx": "pbx1",
        "linkedid": linkedid,
        "caller_number": "48602333444",
        "caller_name": None,
        "did": "221234567",
        "outcome": outcome,
        "started_at": started,
        "ended_at": started + timedelta(minutes=3),
        "queue": "support",
    }
    if outcome is Outcome.ANSWERED:
        values |= {
            "answered_at": started + timedelta(seconds=20),
            "agent_name": "Anna Nowak",
            "agent_interface": "PJSIP/101",
            "talk_seconds": 160,
        }
    values["timeline"] = (
        TimelineEntry(started, "start", {"channel": "PJSIP/trunk-0001"}),
        TimelineEntry(started + timedelta(seconds=5), "queue_join", {"queue": "support"}),
    )
    values.update(fields)
    return FinishedCall(**values)


@pytest.fixture
def make_call() -> Callable[..., FinishedCall]:
    return build_call


# The browser tests' fixtures (the live application and a Chromium page).
from tests.browser import browser_page, live  # noqa: E402, F401

# The mail tests' SMTP server (aiosmtpd with STARTTLS and AUTH).
from tests.smtp_server import smtp_certificate, smtp_server  # noqa: E402, F401
