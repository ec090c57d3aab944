"""ORM models of the ties between tickets: merges (a pointer from the merged ticket
to the one that took its history) and links (related, parent and child).

They live in their own tables, not as columns of ``tickets``: adding a column with a
foreign key would rebuild ``tickets`` on SQLite, which the calls' keys refuse.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ccengine.tickets.models import Base, UtcDateTime


class TicketMerge(Base):
    """``ticket_id`` was merged into ``into_id``. Always one hop: when the survivor is
    merged in turn, every pointer to it moves on, so a merged number resolves in one read."""

    __tablename__ = "ticket_merges"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    into_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    author: Mapped[str | None] = mapped_column(String(200))
    merged_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TicketLink(Base):
    """One link per pair of tickets, stored once with ``low_id < high_id``; ``kind`` is
    what ``low_id`` is to ``high_id`` (``relations_rules.LinkKind``)."""

    __tablename__ = "ticket_links"
    __table_args__ = (UniqueConstraint("low_id", "high_id"),
                      CheckConstraint("low_id < high_id", name="ck_ticket_links_ordered"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    low_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    high_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    author: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
