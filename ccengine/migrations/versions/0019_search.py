"""The advanced search: the ticket search index, trigram indexes for customers, and
an index on tickets.created_at (the list's order: a page of a common word's matches
is a short walk down it instead of a sort of every match).

The ticket index (``tickets.search_index``) is a table with triggers on
tickets, notes and transcripts, filled here from the rows already there. On
PostgreSQL, ``unaccent`` and ``pg_trgm`` (both in the stock contrib modules,
both trusted) are created when available; the customer directory's
``LIKE '%word%'`` on folded names and on phone digits then uses trigram indexes.

Revision ID: 0019
Revises: 0014
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

from ccengine.customers import search_index as customer_index
from ccengine.tickets import search_index

revision: str = "0019"
down_revision: str | None = "0016"
branch_labels: str | None = None
depends_on: str | None = None

TRIGRAM_COLUMNS = (("customers", "search_text"), ("customer_phones", "e164"))
# The ticket columns indexed as of this revision (search_index.INDEXED_COLUMNS may
# grow later, with its own migration calling install again).
TICKET_COLUMNS = ("number", "title", "description")


def upgrade() -> None:
    op.create_index("ix_tickets_created_at", "tickets", ["created_at"])
    connection = op.get_bind()
    search_index.install(connection, TICKET_COLUMNS)
    search_index.install_trigrams(connection, TRIGRAM_COLUMNS)
    customer_index.install(connection)  # SQLite's trigram copy of the folded names


def downgrade() -> None:
    customer_index.uninstall(op.get_bind())
    search_index.uninstall(op.get_bind(), TRIGRAM_COLUMNS)
    op.drop_index("ix_tickets_created_at", table_name="tickets")
