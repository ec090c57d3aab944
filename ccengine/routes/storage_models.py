"""The stored versions of route graphs (table ``route_graphs``).

On the same ``Base`` as the ticket models, so there is one metadata and one
Alembic history. A version's document never changes once saved: an edit is a
new draft, and publishing only moves the status.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ccengine.tickets.models import Base, UtcDateTime

# The partial index's condition: at most one published version per name, kept
# by the database itself whatever a writer does.
PUBLISHED_ONLY = "status = 'published'"


class RouteStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"  # was published, replaced by a later publish


class RouteVersion(Base):
    __tablename__ = "route_graphs"
    __table_args__ = (
        UniqueConstraint("name", "version"),
        Index("ix_route_graphs_one_published", "name", unique=True,
              sqlite_where=text(PUBLISHED_ONLY), postgresql_where=text(PUBLISHED_ONLY)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # a RouteStatus value
    # graph.model_dump(mode="json", by_alias=True): every field, defaults included,
    # so a later change of a default does not change a stored route.
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    author: Mapped[str | None] = mapped_column(String(200))
    comment: Mapped[str | None] = mapped_column(Text)
