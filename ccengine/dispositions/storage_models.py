"""ORM models of dispositions: the codes admins define, and each one an agent chose."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, true
from sqlalchemy.orm import Mapped, mapped_column

from ccengine.tickets.models import Base, UtcDateTime


class Disposition(Base):
    """A reason code ("sold", "complaint"), labelled in Polish and English. Only
    deactivated, never deleted: past wrap-ups and reports keep pointing at it. A
    ``queue`` limits it to that queue's wrap-ups; none: every queue."""

    __tablename__ = "dispositions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label_pl: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    queue: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CallDisposition(Base):
    """The disposition an agent chose at a call's wrap-up, on the call's ticket. The
    code and queue are copied: a report counts what was chosen then."""

    __tablename__ = "call_dispositions"
    __table_args__ = (Index("ix_call_dispositions_chosen_at", "chosen_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    disposition_id: Mapped[int] = mapped_column(ForeignKey("dispositions.id"))
    code: Mapped[str] = mapped_column(String(40))
    queue: Mapped[str | None] = mapped_column(String(100))
    linkedid: Mapped[str | None] = mapped_column(String(100))  # the call wrapped up
    author: Mapped[str] = mapped_column(String(200))
    chosen_at: Mapped[datetime] = mapped_column(UtcDateTime())
