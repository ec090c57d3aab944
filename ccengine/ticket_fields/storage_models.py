"""ORM models: the category tree, tags, custom field definitions and values, saved views.

A ticket's description and category are columns of ``tickets`` (the list sorts and
filters by them); tags and custom values are rows here, many per ticket.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ccengine.tickets.models import Base, UtcDateTime

MAX_TAG = 50
MAX_VALUE = 500


class TicketCategory(Base):
    """A node of the category tree. Retired, it takes no new tickets and stays on old ones."""

    __tablename__ = "ticket_categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_categories.id"),
                                                  index=True)
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TicketTag(Base):
    """One (normalised) tag on one ticket; the index on ``tag`` serves the filter."""

    __tablename__ = "ticket_tags"
    __table_args__ = (PrimaryKeyConstraint("ticket_id", "tag"),
                      Index("ix_ticket_tags_tag", "tag"))

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(MAX_TAG))


class CustomFieldDefinition(Base):
    """A field admins define: ``kind`` text, number, choice or date; ``choices`` a list of
    ``{key, label_pl, label_en}`` for a choice field. Retired: hidden from forms, kept."""

    __tablename__ = "custom_field_definitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(50), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    label_pl: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(100))
    choices: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TicketFieldValue(Base):
    """A ticket's value of one custom field, in its canonical text form
    (``rules.canonical_value``): equal values compare equal in SQL on every dialect."""

    __tablename__ = "ticket_field_values"
    __table_args__ = (PrimaryKeyConstraint("ticket_id", "field_id"),
                      Index("ix_ticket_field_values_field_id_value", "field_id", "value"))

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    field_id: Mapped[int] = mapped_column(ForeignKey("custom_field_definitions.id"))
    value: Mapped[str] = mapped_column(String(MAX_VALUE))


class SavedView(Base):
    """A stored filter and sort of the ticket list, its owner's; ``shared``: everyone's."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("owner_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                          index=True)
    name: Mapped[str] = mapped_column(String(100))
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    query: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    sort: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
