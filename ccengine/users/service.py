"""Users, password checks, login sessions and API tokens over the database.

Passwords are hashed with argon2id (argon2-cffi's defaults); session and API
tokens are random, handed out once, and stored only as SHA-256 digests.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.db import Database
from ccengine.users.models import ApiToken, Role, User, UserSession

SESSION_LIFETIME = timedelta(hours=12)
Verifier = Callable[[str, str], Awaitable[bool]]  # (stored hash, password) -> matches
TOUCH_EVERY = timedelta(minutes=1)
_hasher = PasswordHasher()
# Verified against for unknown logins, so they take as long as known ones.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class UserError(Exception):
    """A user cannot be created as asked (duplicate login or display name, bad role, ...)."""


@dataclass(frozen=True)
class Principal:
    """Who makes a request: a user (by session) or an integration (by API token)."""

    role: Role
    user_id: int | None
    login: str
    display_name: str
    via_session: bool
    csrf_token: str | None = None


@dataclass(frozen=True)
class NewSession:
    token: str  # goes into the cookie; only its digest is stored
    csrf_token: str
    user: User


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


async def create_user(database: Database, login: str, password: str, role: Role, *,
                      display_name: str | None = None, sip_interface: str | None = None,
                      locale: str = "pl") -> User:
    if role is Role.INTEGRATION:
        raise UserError("role 'integration' is for API tokens, not users")
    if not password:
        raise UserError("the password must not be empty")
    name = display_name or login
    user = User(login=login, display_name=name, role=role.value,
                password_hash=hash_password(password), sip_interface=sip_interface,
                locale=locale, active=True, created_at=_now())
    async with database.writer() as session:
        await _refuse_taken(session, login, name)
        session.add(user)
        try:
            await session.commit()
        except IntegrityError:
            # Another process took the login or name between our check and commit.
            raise UserError(f"login {login!r} or display name {name!r} is taken") from None
    return user


async def _refuse_taken(session: AsyncSession, login: str, display_name: str) -> None:
    """Logins identify users; display names too, since tickets are assigned by name."""
    if await session.scalar(select(User.id).where(User.login == login)) is not None:
        raise UserError(f"login {login!r} is taken")
    holder = await session.scalar(select(User.login).where(User.display_name == display_name))
    if holder is not None:
        raise UserError(f"display name {display_name!r} already used by {holder}")


async def _verify_here(password_hash: str, password: str) -> bool:
    return verify_password(password_hash, password)


async def authenticate(database: Database, login: str, password: str,
                       verify: Verifier = _verify_here) -> User | None:
    """The active user with this login and password, or None (in about the same time).

    The database session is closed before ``verify`` runs: a slow hash holds
    no pooled connection. The web login passes a verifier running off the loop.
    """
    async with database.sessions() as session:
        user = await session.scalar(select(User).where(User.login == login))
    if user is None or not user.active:
        await verify(_DUMMY_HASH, password)  # unknown logins cost a hash too
        return None
    return user if await verify(user.password_hash, password) else None


async def create_session(database: Database, user: User) -> NewSession:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = _now()
    async with database.writer() as session:
        session.add(UserSession(token_hash=digest(token), user_id=user.id, csrf_token=csrf,
                                created_at=now, expires_at=now + SESSION_LIFETIME))
        await session.commit()
    return NewSession(token=token, csrf_token=csrf, user=user)


async def lookup_session(database: Database, token: str) -> Principal | None:
    query = (select(UserSession, User).join(User, UserSession.user_id == User.id)
             .where(UserSession.token_hash == digest(token)))
    async with database.sessions() as session:
        row = (await session.execute(query)).first()
    if row is None:
        return None
    stored, user = row
    if stored.expires_at <= _now() or not user.active:
        return None
    return Principal(role=Role(user.role), user_id=user.id, login=user.login,
                     display_name=user.display_name, via_session=True,
                     csrf_token=stored.csrf_token)


async def delete_expired_sessions(database: Database) -> int:
    """Forget sessions past their end (they no longer log anyone in); how many went."""
    async with database.writer() as session:
        result = await session.execute(
            delete(UserSession).where(UserSession.expires_at <= _now()))
        await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


async def delete_session(database: Database, token: str) -> None:
    async with database.writer() as session:
        await session.execute(delete(UserSession).where(UserSession.token_hash == digest(token)))
        await session.commit()


async def create_api_token(database: Database, name: str,
                           role: Role = Role.INTEGRATION) -> str:
    """A new API token; the caller shows it once, only its digest is kept."""
    token = "cct_" + secrets.token_urlsafe(32)
    async with database.writer() as session:
        session.add(ApiToken(name=name, token_hash=digest(token), role=role.value,
                             created_at=_now()))
        await session.commit()
    return token


async def lookup_api_token(database: Database, token: str) -> Principal | None:
    async with database.sessions() as session:
        stored = await session.scalar(
            select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if stored is None:
        return None
    await _touch(database, stored)
    return Principal(role=Role(stored.role), user_id=None, login=f"token:{stored.name}",
                     display_name=stored.name, via_session=False)


async def _touch(database: Database, token: ApiToken) -> None:
    """Record use, at most once a minute (each write takes SQLite's write lock)."""
    now = _now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return
    async with database.writer() as session:
        await session.execute(
            update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        await session.commit()


async def get_user(database: Database, user_id: int) -> User | None:
    async with database.sessions() as session:
        return await session.get(User, user_id)


async def set_locale(database: Database, user_id: int, locale: str) -> None:
    async with database.writer() as session:
        user = await session.get(User, user_id)
        if user is not None:
            user.locale = locale
            await session.commit()


def user_json(user: User) -> dict[str, object]:
    return {"id": user.id, "login": user.login, "display_name": user.display_name,
            "role": user.role, "sip_interface": user.sip_interface, "locale": user.locale}


async def set_password(database: Database, login: str, password: str) -> None:
    """A new password for ``login``; the user's sessions end with the old one.

    The hash is made off the loop before the writer opens: argon2 takes a while
    and the writer is the one connection every write waits for. Whoever held the
    old password (the reason for a reset) is logged out in the same transaction.
    """
    if not password:
        raise UserError("the password must not be empty")
    password_hash = await asyncio.to_thread(hash_password, password)
    async with database.writer() as session:
        user = await session.scalar(select(User).where(User.login == login))
        if user is None:
            raise UserError(f"no user {login!r}")
        user.password_hash = password_hash
        await session.execute(delete(UserSession).where(UserSession.user_id == user.id))
        await session.commit()
