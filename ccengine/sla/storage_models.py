"""ORM models of the named business calendars and SLA policies (issue 13).

Hours, closed days and escalations are JSON in the shape the API speaks
(``documents``), so a stored row reads back through the same validation as a
request. ``version`` moves on every write: the SLA book's cache key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ccengine.tickets.models import Base, UtcDateTime


class SlaCalendarRow(Base):
    __tablename__ = "sla_calendars"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    # {"mon": ["08:00-18:00"], ...}; a missing day is closed.
    hours: Mapped[dict[str, Any]] = mapped_column(JSON)
    country: Mapped[str | None] = mapped_column(String(8))  # public holidays; None: none
    # [{"name", "from", "to"}], both ends included.
    closed_days: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer)


class SlaPolicyRow(Base):
    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    priority: Mapped[str] = mapped_column(String(2))  # a Priority value
    queue: Mapped[str | None] = mapped_column(String(100))
    category: Mapped[str | None] = mapped_column(String(100))
    vip: Mapped[bool | None] = mapped_column(Boolean)
    first_response_amount: Mapped[int] = mapped_column(Integer)
    first_response_unit: Mapped[str] = mapped_column(String(16))
    resolution_amount: Mapped[int] = mapped_column(Integer)
    resolution_unit: Mapped[str] = mapped_column(String(16))
    # The calendar's name: checked by the service (a rename-free, readable link).
    calendar: Mapped[str] = mapped_column(String(100), index=True)
    # ["raise_priority", "assign_leader", ["move_queue", "name"]]
    escalation: Mapped[list[Any]] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer)  # order among equally specific policies
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer)
