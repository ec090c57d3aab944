"""ORM models of replies: admins' reply templates ("makra") and agents' signatures
("stopki"). A queue's signature is ``Mailbox.signature_html``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ccengine.tickets.models import Base, UtcDateTime


class ReplyTemplate(Base):
    """A canned reply; ``queue`` None: offered on every queue's tickets."""

    __tablename__ = "reply_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    subject: Mapped[str] = mapped_column(String(300))
    body_html: Mapped[str] = mapped_column(Text)  # cleaned with nh3 when saved
    queue: Mapped[str | None] = mapped_column(String(100), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AgentSignature(Base):
    """One user's signature, appended to the replies they send."""

    __tablename__ = "agent_signatures"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    html: Mapped[str] = mapped_column(Text)  # cleaned with nh3 when saved
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
