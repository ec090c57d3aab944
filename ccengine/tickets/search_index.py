"""The ticket search index: its table, triggers and backfill, per database.

Each ticket's searchable text lives in ``ticket_search`` (one row per ticket),
kept by database triggers, so every write path (the services, the bulk
``UPDATE``s of merges and splits, paths added later) keeps it current without
knowing it exists.

- PostgreSQL: a table of 'simple' tsvectors of the folded text (``unaccent`` then
  ``lower``, or a ``translate`` of the Polish letters where the extension is
  missing; anything but letters and digits becomes a space), GIN-indexed. Stored,
  not an index expression: a lossy bitmap's recheck then reads the vector instead
  of parsing the text of every row again.
- SQLite: an FTS5 table, rowid = ticket id (``unicode61 remove_diacritics 2``
  folds case and diacritics; "ł", which has no decomposition, is replaced first).

What is indexed: the ticket columns of ``INDEXED_COLUMNS``, notes
(``INDEXED_ACTIVITIES``) and masked transcripts (``transcripts.text``; the
unmasked text is never stored). A new column (``description``) is one more
name in ``INDEXED_COLUMNS`` and an ``install`` in its migration. A migration
passes the columns of its own moment (a constant of its own), so an older
migration never names a column that a newer one adds.

These objects are no ORM models: ``outside_models`` keeps them out of the
schema comparison.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, text

TABLE = "ticket_search"
INDEXED_COLUMNS = ("number", "title", "description")  # of tickets
INDEXED_ACTIVITIES = ("note",)  # ticket_activities.kind values whose body is indexed
_POLISH = ("ĄĆĘŁŃÓŚŹŻąćęłńóśźż", "ACELNOSZZacelnoszz")


@dataclass(frozen=True, slots=True)
class _Source:
    """A table whose rows feed tickets' documents, and which of them do."""

    table: str
    ticket: str  # the column naming the ticket
    columns: tuple[str, ...]  # an UPDATE of these changes a document
    indexed: str  # SQL condition on a row ({row} = OLD or NEW)


def _sources(columns: tuple[str, ...] = INDEXED_COLUMNS) -> tuple[_Source, ...]:
    kinds = ", ".join(f"'{kind}'" for kind in INDEXED_ACTIVITIES)
    return (_Source("tickets", "id", columns, "TRUE"),
            _Source("ticket_activities", "ticket_id", ("ticket_id", "kind", "body"),
                    f"{{row}}.kind IN ({kinds})"),
            _Source("transcripts", "ticket_id", ("ticket_id", "text"), "TRUE"))


TRIGRAM_PREFIX = "ix_trigram_"  # PostgreSQL-only indexes: LIKE '%word%' through pg_trgm


def outside_models(name: str | None, type_: str) -> bool:
    """Whether a schema object belongs to the search indexes, which no ORM model
    declares: the ticket index, the customers' SQLite copy (``customers.search_index``;
    FTS5 adds shadow tables) and the PostgreSQL trigram indexes."""
    if type_ == "table":
        return (name or "").startswith((TABLE, "customer_search"))
    return type_ == "index" and (name or "").startswith(TRIGRAM_PREFIX)


def included(obj: object, name: str | None, type_: str, reflected: bool,
             compare_to: object) -> bool:
    """Alembic's ``include_object``: everything but ``outside_models``."""
    return not outside_models(name, type_)


def install_trigrams(connection: Connection, columns: tuple[tuple[str, str], ...]) -> None:
    """GIN trigram indexes on (table, column), so ``LIKE '%word%'`` uses an index on
    PostgreSQL (words of three letters or more); SQLite has no such index."""
    if connection.dialect.name != "postgresql":
        return
    connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    for table, column in columns:
        connection.execute(text(
            f"CREATE INDEX IF NOT EXISTS {TRIGRAM_PREFIX}{table}_{column} ON {table} "
            f"USING gin ({column} gin_trgm_ops)"))


def install(connection: Connection, columns: tuple[str, ...] = INDEXED_COLUMNS) -> None:
    """Create the index and its triggers over the ticket ``columns`` (again: idempotent,
    the triggers and functions are replaced), then fill it."""
    if connection.dialect.name == "postgresql":
        _install_postgresql(connection, columns)
    else:
        _install_sqlite(connection, columns)
    backfill(connection, columns)


def backfill(connection: Connection, columns: tuple[str, ...] = INDEXED_COLUMNS) -> None:
    """(Re)write every ticket's document in one statement (a migration, a bulk load)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(
            f"INSERT INTO {TABLE} (ticket_id, words) {_documents(_pg(connection), columns)} "
            "ON CONFLICT (ticket_id) DO UPDATE SET words = EXCLUDED.words"))
    else:
        connection.execute(text(f"DELETE FROM {TABLE}"))
        connection.execute(text(
            f"INSERT INTO {TABLE} (rowid, document) {_documents(_SQLITE, columns)}"))


@dataclass(frozen=True, slots=True)
class _Dialect:
    aggregate: str  # string_agg or group_concat (same two arguments)
    fold: Callable[[str], str]  # SQL expression → its folded form


def _documents(dialect: _Dialect, columns: tuple[str, ...], ticket: str = "") -> str:
    """SELECT ticket id, folded document (of the ticket whose id is ``ticket``, or all)."""
    kinds = ", ".join(f"'{kind}'" for kind in INDEXED_ACTIVITIES)
    one = f"AND ticket_id = {ticket}" if ticket else ""
    notes = (f"SELECT ticket_id, {dialect.aggregate}(body, ' ') AS body FROM ticket_activities "
             f"WHERE kind IN ({kinds}) {one} GROUP BY ticket_id")
    spoken = (f"SELECT ticket_id, {dialect.aggregate}(\"text\", ' ') AS body FROM transcripts "
              f"WHERE ticket_id IS NOT NULL {one} GROUP BY ticket_id")
    parts = [f"t.{column}" for column in columns] + ["n.body", "s.body"]
    document = " || ' ' || ".join(f"coalesce({part}, '')" for part in parts)
    return (f"SELECT t.id, {dialect.fold(document)} FROM tickets t "
            f"LEFT JOIN ({notes}) n ON n.ticket_id = t.id "
            f"LEFT JOIN ({spoken}) s ON s.ticket_id = t.id"
            + (f" WHERE t.id = {ticket}" if ticket else ""))


_SQLITE = _Dialect("group_concat", lambda sql: f"replace(replace({sql}, 'ł', 'l'), 'Ł', 'L')")


def _install_sqlite(connection: Connection, columns: tuple[str, ...]) -> None:
    connection.execute(text(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(document, "
        "tokenize = 'unicode61 remove_diacritics 2')"))
    for source in _sources(columns):
        for event, rows in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")),
                            ("DELETE", ("OLD",))):
            _sqlite_trigger(connection, source, event, rows, columns)


def _sqlite_trigger(connection: Connection, source: _Source, event: str,
                    rows: tuple[str, ...], indexed: tuple[str, ...]) -> None:
    name = f"{TABLE}_{source.table}_{event.lower()}"
    columns = f" OF {', '.join(source.columns)}" if event == "UPDATE" else ""
    when = " OR ".join(source.indexed.format(row=row) for row in rows)
    body = "".join(_sqlite_refresh(f"{row}.{source.ticket}", event, source, indexed)
                   for row in rows)
    connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
    connection.execute(text(
        f"CREATE TRIGGER {name} AFTER {event}{columns} ON {source.table} "
        f"WHEN {when} BEGIN {body} END"))


def _sqlite_refresh(ticket: str, event: str, source: _Source,
                    indexed: tuple[str, ...]) -> str:
    forget = f"DELETE FROM {TABLE} WHERE rowid = {ticket};"
    if event == "DELETE" and source.table == "tickets":
        return forget
    return f"{forget} INSERT INTO {TABLE} (rowid, document) {_documents(_SQLITE, indexed, ticket)};"


def _pg(connection: Connection) -> _Dialect:
    has_unaccent = connection.scalar(text(
        "SELECT count(*) FROM pg_extension WHERE extname = 'unaccent'"))
    letters, plain = _POLISH

    def fold(sql: str) -> str:
        unaccented = f"unaccent({sql})" if has_unaccent else (
            f"translate({sql}, '{letters}', '{plain}')")
        return ("to_tsvector('simple'::regconfig, "
                f"regexp_replace(lower({unaccented}), '[^[:alnum:]]+', ' ', 'g'))")
    return _Dialect("string_agg", fold)


def _install_postgresql(connection: Connection, columns: tuple[str, ...]) -> None:
    available = connection.scalar(text(
        "SELECT count(*) FROM pg_available_extensions WHERE name = 'unaccent'"))
    if available:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS unaccent"))
    connection.execute(text(
        f"CREATE TABLE IF NOT EXISTS {TABLE} (ticket_id integer PRIMARY KEY "
        "REFERENCES tickets (id) ON DELETE CASCADE, words tsvector NOT NULL)"))
    connection.execute(text(
        f"CREATE INDEX IF NOT EXISTS ix_{TABLE}_words ON {TABLE} USING gin (words)"))
    connection.execute(text(
        f"CREATE OR REPLACE FUNCTION {TABLE}_refresh(target integer) RETURNS void "
        f"LANGUAGE sql AS $$ INSERT INTO {TABLE} (ticket_id, words) "
        f"{_documents(_pg(connection), columns, 'target')} "
        "ON CONFLICT (ticket_id) DO UPDATE SET words = EXCLUDED.words $$"))
    for source in _sources(columns):
        _pg_trigger(connection, source)


def _pg_trigger(connection: Connection, source: _Source) -> None:
    name = f"{TABLE}_on_{source.table}"
    old, new = source.indexed.format(row="OLD"), source.indexed.format(row="NEW")
    connection.execute(text(
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' AND {old} THEN PERFORM {TABLE}_refresh(OLD.{source.ticket}); "
        "END IF; "
        f"IF TG_OP <> 'DELETE' AND {new} AND (TG_OP = 'INSERT' OR NOT ({old}) "
        f"OR OLD.{source.ticket} IS DISTINCT FROM NEW.{source.ticket}) THEN "
        f"PERFORM {TABLE}_refresh(NEW.{source.ticket}); END IF; RETURN NULL; END $$"))
    connection.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {source.table}"))
    connection.execute(text(
        f"CREATE TRIGGER {name} AFTER INSERT OR DELETE OR UPDATE OF "
        f"{', '.join(source.columns)} ON {source.table} "
        f"FOR EACH ROW EXECUTE FUNCTION {name}()"))


def uninstall(connection: Connection, trigram_columns: tuple[tuple[str, str], ...]) -> None:
    """Drop what ``install`` and ``install_trigrams`` created (the extensions stay)."""
    postgresql = connection.dialect.name == "postgresql"
    for source in _sources():
        if postgresql:
            name = f"{TABLE}_on_{source.table}"
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {source.table}"))
            connection.execute(text(f"DROP FUNCTION IF EXISTS {name}()"))
        else:
            for event in ("insert", "update", "delete"):
                connection.execute(text(f"DROP TRIGGER IF EXISTS {TABLE}_{source.table}_{event}"))
    if postgresql:
        connection.execute(text(f"DROP FUNCTION IF EXISTS {TABLE}_refresh(integer)"))
        for table, column in trigram_columns:
            connection.execute(text(f"DROP INDEX IF EXISTS {TRIGRAM_PREFIX}{table}_{column}"))
    connection.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))
