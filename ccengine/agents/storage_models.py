"""ORM models of the agent console: tickets opened while a call rings, callback attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ccengine.tickets.models import Base, UtcDateTime


class LiveCallTicket(Base):
    """The ticket a live call got when it reached a queue, so the screen-pop can show
    it; the call's own record reuses it when the call ends (one per PBX + Linkedid)."""

    __tablename__ = "live_call_tickets"
    __table_args__ = (UniqueConstraint("pbx", "linkedid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pbx: Mapped[str] = mapped_column(String(100))
    linkedid: Mapped[str] = mapped_column(String(100))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    created: Mapped[bool] = mapped_column(default=True)  # False: the call joined an open one
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CallbackAttempt(Base):
    """One click-to-call of a callback ticket: who, when, and how it went."""

    __tablename__ = "callback_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    agent: Mapped[str] = mapped_column(String(200))
    interface: Mapped[str] = mapped_column(String(100))
    number: Mapped[str] = mapped_column(String(32))
    action_id: Mapped[str] = mapped_column(String(100), unique=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    agent_answered: Mapped[bool | None] = mapped_column()  # the OriginateResponse's word
    outcome: Mapped[str | None] = mapped_column(String(32))  # reached, no_answer, busy, ...
    note: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
