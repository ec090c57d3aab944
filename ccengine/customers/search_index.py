"""Indexed substring search of the customers' folded names and companies.

``search_text`` holds the folded name and company ("wojcik lucja kowalscy sp");
the directory finds a customer when each folded word of the question appears in
it, anywhere. ``LIKE '%word%'`` can use no B-tree, so:

- PostgreSQL: a pg_trgm GIN index on ``search_text`` (migration 0019): the same
  LIKE, now indexed for words of three letters or more.
- SQLite: an FTS5 ``trigram`` copy of ``search_text`` (``customer_search``, rowid
  = customer id) kept by triggers; a word of three letters or more is a trigram
  MATCH (indexed), a shorter one a LIKE over that copy.

``word_in_name`` is the one condition both use: it compiles per dialect, so the
directory's queries stay one shape.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, literal_column, select, table, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import Boolean

from ccengine.tickets.models import Customer

TABLE = "customer_search"
TRIGRAM = 3  # the shortest word the trigram indexes can find by themselves


class word_in_name(ColumnElement[bool]):  # a lower-case name: it reads as a condition
    """The customer's ``search_text`` holds ``word`` (already folded)."""

    type = Boolean()
    inherit_cache = False  # the word is part of the statement's shape on SQLite

    def __init__(self, word: str) -> None:
        self.word = word


@compiles(word_in_name)
def _anywhere(element: word_in_name, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(Customer.search_text.contains(element.word, autoescape=True),
                                **kw))


@compiles(word_in_name, "sqlite")
def _sqlite(element: word_in_name, compiler: Any, **kw: Any) -> str:
    column: ColumnElement[Any] = literal_column("search_text")
    found: ColumnElement[Any]
    if len(element.word) >= TRIGRAM:
        phrase = '"' + element.word.replace('"', '""') + '"'
        found = literal_column(TABLE).op("MATCH")(phrase)
    else:
        found = column.contains(element.word, autoescape=True)
    ids: Select[Any] = select(literal_column("rowid")).select_from(table(TABLE)).where(found)
    return str(compiler.process(Customer.id.in_(ids), **kw))


def install(connection: Connection) -> None:
    """SQLite: the trigram copy, its triggers, and the rows already there."""
    if connection.dialect.name != "sqlite":
        return
    connection.execute(text(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(search_text, "
        "tokenize = 'trigram')"))
    forget = f"DELETE FROM {TABLE} WHERE rowid = OLD.id;"
    copy = f"INSERT INTO {TABLE} (rowid, search_text) VALUES (NEW.id, NEW.search_text);"
    for event, body in (("insert", copy), ("update", forget + " " + copy),
                        ("delete", forget)):
        name = f"{TABLE}_{event}"
        columns = " OF search_text" if event == "update" else ""
        connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        connection.execute(text(f"CREATE TRIGGER {name} AFTER {event.upper()}{columns} "
                                f"ON customers BEGIN {body} END"))
    connection.execute(text(f"DELETE FROM {TABLE}"))
    connection.execute(text(
        f"INSERT INTO {TABLE} (rowid, search_text) SELECT id, search_text FROM customers"))


def uninstall(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    for event in ("insert", "update", "delete"):
        connection.execute(text(f"DROP TRIGGER IF EXISTS {TABLE}_{event}"))
    connection.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))
