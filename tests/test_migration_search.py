"""Revision 0019 on a database that already holds tickets: the backfill indexes their
titles, notes and masked transcripts, and the triggers keep them current after."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import sqlalchemy as sa
from alembic import command
from sqlalchemy import event
from sqlalchemy.orm import Session

from ccengine.calls.model import FinishedCall
from ccengine.config import DatabaseConfig, TicketsConfig
from ccengine.db import Database, alembic_config
from ccengine.tickets import search_index
from ccengine.tickets.filters import TicketFilter
from ccengine.tickets.models import Ticket
from ccengine.tickets.queries import find_tickets
from ccengine.tickets.search_query import TicketSearch
from ccengine.tickets.service import TicketService
from ccengine.webhooks import recording as webhook_recording
from tests.test_ticket_search import say_masked

BEFORE = "0016"


@contextlib.contextmanager
def _hooks_of_the_old_schema() -> Iterator[None]:
    """Filling a revision-0016 database with today's code: the webhooks' outbox hook
    writes to tables of revision 0024, which that schema lacks (as the code of its
    time had no such hook), so it is detached while the old database is filled."""
    event.remove(Session, "after_flush", webhook_recording._record)
    try:
        yield
    finally:
        event.listen(Session, "after_flush", webhook_recording._record)


def _migrate_to(connection: sa.Connection, revision: str) -> None:
    command.upgrade(alembic_config(connection), revision)


async def _found(database: Database, words: str) -> list[str]:
    async with database.sessions() as session:
        page = await find_tickets(session, TicketFilter(search=TicketSearch(words=words)))
    return [item.number for item in page.items]


async def test_existing_tickets_are_indexed_and_stay_current(
        database_url: str, make_call: Callable[..., FinishedCall]) -> None:
    database = Database.open(DatabaseConfig(url=database_url))
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(_migrate_to, BEFORE)
        tickets = TicketService(database, TicketsConfig())
        with _hooks_of_the_old_schema():
            [first, second] = await tickets.record_calls([make_call("old.1"),
                                                          make_call("old.2")])
            await tickets.add_note(first.ticket_number, "Uszkodzona przesyłka", "Anna")
            await say_masked(database, "old.2", "zamówiłem lodówkę tydzień temu")
        await database.migrate()
        assert await _found(database, "przesylki") == [first.ticket_number]
        assert await _found(database, "lodowka") == [second.ticket_number]
        assert len(await _found(database, "polaczenie")) == 2  # the titles: "Połączenie od …"
        await tickets.add_note(second.ticket_number, "Klient dzwoni ponownie", "Anna")
        assert await _found(database, "ponownie") == [second.ticket_number]
    finally:
        await database.close()


def _down_and_up(connection: sa.Connection) -> None:
    command.downgrade(alembic_config(connection), BEFORE)
    assert not any(name.startswith("ticket_search")
                   for name in sa.inspect(connection).get_table_names())
    command.upgrade(alembic_config(connection), "head")


async def test_downgrade_and_upgrade_again(database_url: str,
                                           make_call: Callable[..., FinishedCall]) -> None:
    database = Database.open(DatabaseConfig(url=database_url))
    try:
        await database.migrate()
        tickets = TicketService(database, TicketsConfig())
        [recorded] = await tickets.record_calls([make_call("x.1")])
        await tickets.add_note(recorded.ticket_number, "Żółć", "Anna")
        async with database.engine.begin() as connection:
            await connection.run_sync(_down_and_up)
        await tickets.add_note(recorded.ticket_number, "Łódź", "Anna")
        assert await _found(database, "zolc lodz") == [recorded.ticket_number]
    finally:
        await database.close()


async def test_one_more_indexed_column_is_one_install(
        database: Database, make_call: Callable[..., FinishedCall]) -> None:
    """How a new column (``description``) joins the index: install again with it (here
    ``queue`` stands in); the rows already there are refilled, and writes follow."""
    tickets = TicketService(database, TicketsConfig())
    [recorded] = await tickets.record_calls([make_call("c.1", queue="reklamacje")])
    assert await _found(database, "reklamacje") == []
    async with database.engine.begin() as connection:
        await connection.run_sync(search_index.install, ("number", "title", "queue"))
    assert await _found(database, "reklamacje") == [recorded.ticket_number]
    async with database.writer() as session:
        await session.execute(sa.update(Ticket).values(queue="zwroty"))
        await session.commit()
    assert await _found(database, "zwroty") == [recorded.ticket_number]
    assert await _found(database, "reklamacje") == []
