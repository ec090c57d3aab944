"""ORM models of CSAT: each survey (e-mailed or on the phone) and its answer, and the
key that signs the survey links when the config names none."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ccengine.mail.storage_models import OutgoingMail
from ccengine.tickets.models import Base, UtcDateTime


class CsatSurvey(Base):
    """One survey: ``email`` (sent when its ticket was resolved; answered once through
    its signed link) or ``ivr`` (keyed in after a call). ``public_id`` is what a link
    carries, never the row id. Queue and agent are copied: a report counts who served
    the customer then. ``comment`` is masked before it is stored."""

    __tablename__ = "csat_surveys"
    __table_args__ = (Index("ix_csat_surveys_answered_at", "answered_at"),
                      Index("ix_csat_surveys_ticket_id_created_at", "ticket_id", "created_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(8))  # email | ivr
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    queue: Mapped[str | None] = mapped_column(String(100))
    agent: Mapped[str | None] = mapped_column(String(200))
    linkedid: Mapped[str | None] = mapped_column(String(100), index=True)  # the call rated
    outgoing_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_mail.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    score: Mapped[int | None] = mapped_column(Integer)  # 1..5; none: not answered
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    outgoing: Mapped[OutgoingMail | None] = relationship(lazy="raise")


class CsatKey(Base):
    """The generated link-signing secret (one row), kept so that links survive restarts
    and work on every engine process of one database."""

    __tablename__ = "csat_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
