"""The category tree's admin side: list, add, rename, move, reorder, retire.

A category is never deleted: old tickets keep it (retired, it takes no new ones).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.db import Database
from ccengine.ticket_fields.errors import (
    CategoryCycle,
    CategoryNameTaken,
    CategoryParentRetired,
    UnknownCategory,
)
from ccengine.ticket_fields.rules import (
    CategoryNode,
    category_path,
    moves_under_itself,
    subtree,
    tree_order,
)
from ccengine.ticket_fields.storage_models import TicketCategory


@dataclass(frozen=True, slots=True)
class CategoryChanges:
    """None keeps a field; ``move`` sets ``parent_id`` (None: a top-level category)."""

    name: str | None = None
    move: bool = False
    parent_id: int | None = None
    position: int | None = None
    retired: bool | None = None


def node_of(row: TicketCategory) -> CategoryNode:
    return CategoryNode(row.id, row.name, row.parent_id, row.position, row.retired_at is not None)


async def category_nodes(session: AsyncSession) -> dict[int, CategoryNode]:
    rows = await session.scalars(select(TicketCategory))
    return {row.id: node_of(row) for row in rows}


def category_json(node: CategoryNode, nodes: dict[int, CategoryNode],
                  depth: int | None = None) -> dict[str, Any]:
    path = category_path(nodes, node.id)
    body: dict[str, Any] = {"id": node.id, "name": node.name, "parent_id": node.parent_id,
                            "path": list(path), "position": node.position,
                            "retired": node.retired}
    body["depth"] = len(path) - 1 if depth is None else depth
    return body


async def list_categories(database: Database) -> list[dict[str, Any]]:
    async with database.sessions() as session:
        nodes = await category_nodes(session)
    return [category_json(node, nodes, depth) for node, depth in tree_order(nodes.values())]


TREE_WRITES = 0x7C47  # the advisory lock key the tree's writers take turns on


async def _take_turns(session: AsyncSession) -> None:
    """Sibling names are unique among active siblings, case-blind: checked in Python (no
    index can say it without a migration), so two admins must not check at once. On
    PostgreSQL tree writes take a transaction advisory lock; SQLite's writer
    transaction (BEGIN IMMEDIATE) takes turns already."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(TREE_WRITES)))


async def create_category(database: Database, name: str, parent_id: int | None,
                          now: datetime) -> dict[str, Any]:
    async with database.writer() as session:
        await _take_turns(session)
        nodes = await category_nodes(session)
        _check_parent(nodes, parent_id)
        _check_parent_in_use(nodes, parent_id)
        _check_name(nodes, name, parent_id, None)
        row = TicketCategory(name=name, parent_id=parent_id, position=_next_position(
            nodes, parent_id), created_at=now)
        session.add(row)
        await session.flush()
        nodes[row.id] = node_of(row)
        await session.commit()
    return category_json(nodes[row.id], nodes)


async def update_category(database: Database, category_id: int, changes: CategoryChanges,
                          now: datetime) -> dict[str, Any]:
    async with database.writer() as session:
        await _take_turns(session)
        row = await session.get(TicketCategory, category_id)
        if row is None:
            raise UnknownCategory(category_id, "category_id")
        nodes = await category_nodes(session)
        parent = changes.parent_id if changes.move else row.parent_id
        if changes.move:
            _check_parent(nodes, parent)
            if moves_under_itself(nodes, category_id, parent):
                raise CategoryCycle()
        _check_name(nodes, changes.name or row.name, parent, category_id)
        active = changes.retired is False or (row.retired_at is None and not changes.retired)
        if (changes.move or changes.retired is False) and active:
            _check_parent_in_use(nodes, parent)
        _apply(row, changes, parent)
        if changes.retired is not None:
            await _retire_subtree(session, nodes, row, changes.retired, now)
        await session.commit()
        nodes = await category_nodes(session)
    return category_json(nodes[row.id], nodes)


def _apply(row: TicketCategory, changes: CategoryChanges, parent: int | None) -> None:
    row.name = changes.name or row.name
    row.parent_id = parent
    if changes.position is not None:
        row.position = changes.position


async def _retire_subtree(session: AsyncSession, nodes: dict[int, CategoryNode],
                          row: TicketCategory, retire: bool, now: datetime) -> None:
    """A category retires with everything below it: an active child of a retired
    parent would stand in the picker without its parent, its path half gone (and a
    child is a narrower case of its parent, so it ends with it). Brought back, the
    category brings back the children retired with it (the same moment), not the
    ones retired on their own before."""
    below = subtree(nodes, row.id)
    rows = list(await session.scalars(select(TicketCategory)
                                      .where(TicketCategory.id.in_(below))))
    if retire:
        moment = row.retired_at or now
        for item in rows:
            item.retired_at = item.retired_at or moment
    else:
        was = row.retired_at
        for item in rows:
            if item.id == row.id or (was is not None and item.retired_at == was):
                item.retired_at = None


def _check_parent(nodes: dict[int, CategoryNode], parent_id: int | None) -> None:
    if parent_id is not None and parent_id not in nodes:
        raise UnknownCategory(parent_id, "parent_id")


def _check_parent_in_use(nodes: dict[int, CategoryNode], parent_id: int | None) -> None:
    """No category in use under a retired one (the picker would show it orphaned)."""
    if parent_id is not None and nodes[parent_id].retired:
        raise CategoryParentRetired(nodes[parent_id].name)


def _check_name(nodes: dict[int, CategoryNode], name: str, parent_id: int | None,
                itself: int | None) -> None:
    """Siblings in use have different names (case-blind): a picker shows no twins."""
    for node in nodes.values():
        same = node.parent_id == parent_id and node.name.casefold() == name.casefold()
        if same and node.id != itself and not node.retired:
            raise CategoryNameTaken(name)


def _next_position(nodes: dict[int, CategoryNode], parent_id: int | None) -> int:
    siblings = [node.position for node in nodes.values() if node.parent_id == parent_id]
    return max(siblings, default=-1) + 1
