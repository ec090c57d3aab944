"""Users' notifications: written with what caused them, listed and marked read by their owner.

Every query names the owner: one user never reads or marks another's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.db import Database
from ccengine.notifications.model import NotificationView
from ccengine.notifications.storage_models import Notification


class NotificationNotFound(Exception):
    """No notification of this id belongs to the asking user."""

    def __init__(self, notification_id: int) -> None:
        super().__init__(f"no notification {notification_id}")
        self.notification_id = notification_id


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page of the list ends: the list is unread first, then read, newest first."""

    read: bool
    before_id: int

    def text(self) -> str:
        return f"{'r' if self.read else 'u'}{self.before_id}"


@dataclass(frozen=True, slots=True)
class NotificationPage:
    items: list[NotificationView]
    unread: int
    next_cursor: Cursor | None


def new_notification(user_id: int, kind: str, ticket_number: str | None, title: str,
                     body: str, data: Mapping[str, Any], at: datetime) -> Notification:
    return Notification(user_id=user_id, kind=kind, ticket_number=ticket_number, title=title,
                        body=body, data=dict(data), created_at=at, read_at=None)


def view_of(row: Notification) -> NotificationView:
    return NotificationView(row.id, row.kind, row.ticket_number, row.title, row.body, row.data,
                            row.created_at, row.read_at)


async def list_own(database: Database, user_id: int, limit: int,
                   cursor: Cursor | None = None) -> NotificationPage:
    async with database.sessions() as session:
        items = await _unread_part(session, user_id, limit, cursor)
        if len(items) < limit:
            items += await _read_part(session, user_id, limit - len(items), cursor)
        unread = await unread_count(session, user_id)
    following = (Cursor(items[-1].read_at is not None, items[-1].id)
                 if len(items) == limit else None)
    return NotificationPage(items, unread, following)


async def _unread_part(session: AsyncSession, user_id: int, limit: int,
                       cursor: Cursor | None) -> list[NotificationView]:
    if cursor is not None and cursor.read:
        return []
    before = cursor.before_id if cursor is not None else None
    return await _part(session, user_id, False, before, limit)


async def _read_part(session: AsyncSession, user_id: int, limit: int,
                     cursor: Cursor | None) -> list[NotificationView]:
    before = cursor.before_id if cursor is not None and cursor.read else None
    return await _part(session, user_id, True, before, limit)


async def _part(session: AsyncSession, user_id: int, read: bool, before_id: int | None,
                limit: int) -> list[NotificationView]:
    query = (select(Notification)
             .where(Notification.user_id == user_id,
                    Notification.read_at.is_not(None) if read else Notification.read_at.is_(None),
                    Notification.id < before_id if before_id is not None else true())
             .order_by(Notification.id.desc()).limit(limit))
    return [view_of(row) for row in await session.scalars(query)]


async def unread_count(session: AsyncSession, user_id: int) -> int:
    query = select(func.count()).where(Notification.user_id == user_id,
                                       Notification.read_at.is_(None))
    return int(await session.scalar(query) or 0)


async def mark_read(database: Database, user_id: int, notification_id: int,
                    at: datetime) -> NotificationView:
    """Mark one own notification read (again is fine: the first time stays)."""
    async with database.writer() as session:
        row = await session.scalar(select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user_id))
        if row is None:
            raise NotificationNotFound(notification_id)
        row.read_at = row.read_at or at
        await session.commit()
    return view_of(row)


async def mark_all_read(database: Database, user_id: int, at: datetime) -> int:
    async with database.writer() as session:
        result = await session.execute(
            update(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            .values(read_at=at).execution_options(synchronize_session=False))
        await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


__all__ = ["Cursor", "NotificationNotFound", "NotificationPage", "list_own",
           "mark_all_read", "mark_read", "new_notification", "unread_count", "view_of"]
