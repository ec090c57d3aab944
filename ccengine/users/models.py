"""Users, login sessions and API tokens, on the tickets' ``Base``.

Session and API tokens are stored only as SHA-256 hex digests: a leaked
database does not let anyone log in. Passwords are stored as argon2 hashes.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ccengine.tickets.models import Base, UtcDateTime

DIGEST = 64  # hex SHA-256


class Role(StrEnum):
    ADMIN = "admin"
    AGENT = "agent"
    PRIVILEGED_AGENT = "privileged_agent"  # sees every agent's tickets
    QA_LEAD = "qa_lead"
    INTEGRATION = "integration"  # API tokens only


HUMAN_ROLES = frozenset({Role.ADMIN, Role.AGENT, Role.PRIVILEGED_AGENT, Role.QA_LEAD})


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(100), unique=True)
    # Unique: tickets are assigned to and shown to agents by this name (a unique
    # index, so SQLite needs no table rebuild to add it).
    display_name: Mapped[str] = mapped_column(String(200), unique=True, index=True)
    role: Mapped[str] = mapped_column(String(32))  # a Role value
    password_hash: Mapped[str] = mapped_column(String(200))
    sip_interface: Mapped[str | None] = mapped_column(String(100))
    locale: Mapped[str] = mapped_column(String(16), default="pl")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class UserSession(Base):
    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(DIGEST), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(DIGEST), unique=True)
    role: Mapped[str] = mapped_column(String(32))  # a Role value
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class LoginAttempt(Base):
    """Login attempts of one (login, client address) in the current window.

    Shared by every engine process on the database, so the limit holds behind
    a proxy too. The key is a SHA-256 digest: no login or address is stored.
    """

    __tablename__ = "login_attempts"

    key_hash: Mapped[str] = mapped_column(String(DIGEST), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer)
