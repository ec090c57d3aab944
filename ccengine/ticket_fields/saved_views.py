"""Saved views of the ticket list: the built-in ones and each user's own, some shared.

A view is a stored query (the list's own parameters) and sort; the list applies it
(``GET /api/v1/tickets?view=...``). Everyone sees the built-ins, their own views and
the shared ones; admins and privileged agents share; only the owner or an admin
changes or deletes a view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.db import Database
from ccengine.ticket_fields.errors import (
    SharingRefused,
    ViewNameTaken,
    ViewNotFound,
    ViewNotYours,
)
from ccengine.ticket_fields.storage_models import SavedView
from ccengine.users.models import Role, User
from ccengine.users.service import Principal

SHARERS = frozenset({Role.ADMIN, Role.PRIVILEGED_AGENT})


@dataclass(frozen=True, slots=True)
class ViewSpec:
    name: str
    query: dict[str, str]
    sort: str | None


# The seeds' everyday lists; names are English source text the page translates.
BUILT_IN: dict[str, ViewSpec] = {
    "my-open": ViewSpec("My open", {"assignee": "me", "open": "true"}, "breach_at"),
    "at-risk": ViewSpec("At risk", {"at_risk": "true"}, "breach_at"),
    "unassigned-in-my-queues": ViewSpec(
        "Unassigned in my queues", {"assignee": "none", "open": "true", "my_queues": "true"},
        "breach_at"),
}


@dataclass(frozen=True, slots=True)
class ViewChanges:
    name: str | None = None
    query: dict[str, str] | None = None
    sort: str | None = None
    set_sort: bool = False
    shared: bool | None = None


def built_in_json(key: str, spec: ViewSpec) -> dict[str, Any]:
    return {"id": key, "name": spec.name, "built_in": True, "shared": True, "owner": None,
            "mine": False, "query": spec.query, "sort": spec.sort}


def view_json(row: SavedView, owner: str | None, who: Principal) -> dict[str, Any]:
    return {"id": str(row.id), "name": row.name, "built_in": False, "shared": row.shared,
            "owner": owner, "mine": row.owner_id == who.user_id, "query": row.query,
            "sort": row.sort}


def _visible(who: Principal) -> Any:
    return or_(SavedView.owner_id == who.user_id, SavedView.shared.is_(True))


async def list_views(database: Database, who: Principal) -> list[dict[str, Any]]:
    async with database.sessions() as session:
        rows = await session.execute(
            select(SavedView, User.display_name).join(User, User.id == SavedView.owner_id)
            .where(_visible(who)).order_by(SavedView.name, SavedView.id))
        own = [view_json(row, owner, who) for row, owner in rows]
    return [built_in_json(key, spec) for key, spec in BUILT_IN.items()] + own


def _row_id(ref: str) -> int | None:
    return int(ref) if ref.isascii() and ref.isdigit() and len(ref) < 10 else None


async def view_spec(database: Database, who: Principal, ref: str) -> ViewSpec:
    """The query and sort of view ``ref`` (a built-in key or an id) ``who`` may see."""
    if ref in BUILT_IN:
        return BUILT_IN[ref]
    async with database.sessions() as session:
        row = await _seen(session, who, ref)
    return ViewSpec(row.name, dict(row.query), row.sort)


async def _seen(session: AsyncSession, who: Principal, ref: str) -> SavedView:
    view_id = _row_id(ref)
    row = None if view_id is None else await session.scalar(
        select(SavedView).where(SavedView.id == view_id, _visible(who)))
    if row is None:
        raise ViewNotFound(ref)
    return row


async def _owned(session: AsyncSession, who: Principal, ref: str) -> SavedView:
    if ref in BUILT_IN:
        raise ViewNotYours()
    row = await _seen(session, who, ref)
    if row.owner_id != who.user_id and who.role is not Role.ADMIN:
        raise ViewNotYours()
    return row


def _may_share(who: Principal, shared: bool | None) -> None:
    if shared and who.role not in SHARERS:
        raise SharingRefused()


async def create_view(database: Database, who: Principal, spec: ViewSpec, shared: bool,
                      now: datetime) -> dict[str, Any]:
    _may_share(who, shared)
    assert who.user_id is not None  # only users' roles reach here
    row = SavedView(owner_id=who.user_id, name=spec.name, query=spec.query, sort=spec.sort,
                    shared=shared, created_at=now, updated_at=now)
    try:
        async with database.writer() as session:
            session.add(row)
            await session.commit()
    except IntegrityError:
        raise ViewNameTaken(spec.name) from None
    return view_json(row, who.display_name, who)


async def update_view(database: Database, who: Principal, ref: str, changes: ViewChanges,
                      now: datetime) -> dict[str, Any]:
    _may_share(who, changes.shared)
    try:
        async with database.writer() as session:
            row = await _owned(session, who, ref)
            row.name = changes.name or row.name
            row.query = row.query if changes.query is None else changes.query
            row.sort = changes.sort if changes.set_sort else row.sort
            row.shared = row.shared if changes.shared is None else changes.shared
            row.updated_at = now
            owner = await session.scalar(select(User.display_name)
                                         .where(User.id == row.owner_id))
            await session.commit()
    except IntegrityError:
        raise ViewNameTaken(changes.name or "") from None
    return view_json(row, owner, who)


async def delete_view(database: Database, who: Principal, ref: str) -> None:
    async with database.writer() as session:
        await session.delete(await _owned(session, who, ref))
        await session.commit()
