"""ORM model of a web form: its fields, target queue, allowed origins and thank-you URL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ccengine.tickets.models import Base, UtcDateTime


class WebForm(Base):
    __tablename__ = "web_forms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)  # in the public URL
    name: Mapped[str] = mapped_column(String(100))
    queue: Mapped[str] = mapped_column(String(100))
    # [{"name", "label_pl", "label_en", "kind", "required", "max_length", "choices"}]
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    allowed_origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    thank_you_url: Mapped[str | None] = mapped_column(String(2000))
    active: Mapped[bool] = mapped_column(default=True)
    # Posts that filled the honeypot: answered as accepted, stored nowhere else.
    spam_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
