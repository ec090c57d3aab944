"""ORM models: rules, the events waiting for them, the time trigger's fired rows and
each ticket's status intervals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ccengine.tickets.models import Base, Ticket, UtcDateTime


class AutomationRule(Base):
    __tablename__ = "automation_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    position: Mapped[int] = mapped_column(Integer, index=True)  # the order rules run in
    enabled: Mapped[bool] = mapped_column(default=True)
    event: Mapped[str] = mapped_column(String(32), index=True)
    trigger: Mapped[dict[str, Any]] = mapped_column(JSON)  # the event's parameters
    conditions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AutomationEvent(Base):
    """Something happened to a ticket, written in the same transaction as the change
    (a durable outbox): the runner takes it, runs the rules and deletes it. ``depth``
    and ``chain``: how many rules' actions led here, and which rules (the loop guard)."""

    __tablename__ = "automation_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"),
                                           index=True)
    event: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    chain: Mapped[list[int]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    ticket: Mapped[Ticket] = relationship(lazy="raise")


class TicketStatusInterval(Base):
    """A ticket entered ``status`` at ``started_at``; the stay lasts until the ticket's
    next interval starts (append-only: no writer ever updates another's row)."""

    __tablename__ = "ticket_status_intervals"
    __table_args__ = (Index("ix_ticket_status_intervals_ticket_id_started_at",
                            "ticket_id", "started_at"),
                      Index("ix_ticket_status_intervals_status_started_at",
                            "status", "started_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())

    ticket: Mapped[Ticket] = relationship(lazy="raise")


class AutomationTimeFired(Base):
    """A time rule fired for one stay in a status: the unique key makes it once across
    restarts and processes (whoever inserts first fires; the others skip)."""

    __tablename__ = "automation_time_fired"
    __table_args__ = (UniqueConstraint("rule_id", "interval_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("automation_rules.id", ondelete="CASCADE"))
    interval_id: Mapped[int] = mapped_column(
        ForeignKey("ticket_status_intervals.id", ondelete="CASCADE"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"),
                                           index=True)
    fired_at: Mapped[datetime] = mapped_column(UtcDateTime())


# The before_flush hook that writes events and intervals: registered with the models,
# so whatever can write these tables also records them.
from ccengine.automation import recording as _recording  # noqa: E402, F401
