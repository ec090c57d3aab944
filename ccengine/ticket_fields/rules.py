"""Pure rules of ticket fields: tag normalisation, the category tree, custom values.

Other features call these (automation rules match a ticket's category path and
tags with them); nothing here does I/O.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from ccengine.ticket_fields.errors import InvalidCustomValue, InvalidTag

MAX_TAG = 50
MAX_TAGS = 30
MAX_VALUE = 500
_TAG_SPACES = re.compile(r"[\s_]+")
_TAG_ALLOWED = re.compile(r"^[\w.:+#-]+$")
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
_NUMBER = re.compile(r"^-?\d{1,15}(\.\d{1,6})?$")


# -- tags -----------------------------------------------------------------------------

def normalise_tag(raw: str) -> str:
    """``"  Faktura  VAT "`` → ``"faktura-vat"``: NFC, case folded, inner spaces one dash.
    Polish letters stay. ValueError says why a tag is no tag."""
    tag = _TAG_SPACES.sub("-", unicodedata.normalize("NFC", raw).strip().casefold())
    tag = tag.strip("-")
    if not tag:
        raise ValueError("is empty")
    if len(tag) > MAX_TAG:
        raise ValueError(f"is longer than {MAX_TAG} characters")
    if not _TAG_ALLOWED.match(tag):
        raise ValueError("may hold letters, digits and - . : + # only")
    return tag


def normalise_tags(raws: Sequence[str]) -> tuple[str, ...]:
    """Each tag normalised, duplicates dropped, first spelling's order kept."""
    if len(raws) > MAX_TAGS:
        raise InvalidTag(MAX_TAGS, f"at most {MAX_TAGS} tags per ticket")
    seen: dict[str, None] = {}
    for index, raw in enumerate(raws):
        try:
            seen[normalise_tag(raw)] = None
        except ValueError as exc:
            raise InvalidTag(index, str(exc)) from None
    return tuple(seen)


# -- the category tree ---------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CategoryNode:
    id: int
    name: str
    parent_id: int | None
    position: int = 0
    retired: bool = False


def category_path(nodes: Mapping[int, CategoryNode], category_id: int | None) -> tuple[str, ...]:
    """The names from the root down to ``category_id`` (empty for none or an unknown id)."""
    path: list[str] = []
    seen: set[int] = set()
    current = nodes.get(category_id) if category_id is not None else None
    while current is not None and current.id not in seen:
        seen.add(current.id)
        path.append(current.name)
        current = nodes.get(current.parent_id) if current.parent_id is not None else None
    return tuple(reversed(path))


def in_subtree(nodes: Mapping[int, CategoryNode], category_id: int | None, root_id: int) -> bool:
    """The category is ``root_id`` or lies below it (an automation rule's "category is")."""
    return root_id in ancestors(nodes, category_id)


def ancestors(nodes: Mapping[int, CategoryNode], category_id: int | None) -> list[int]:
    """``category_id`` and its parents up to the root."""
    chain: list[int] = []
    current = nodes.get(category_id) if category_id is not None else None
    while current is not None and current.id not in chain:
        chain.append(current.id)
        current = nodes.get(current.parent_id) if current.parent_id is not None else None
    return chain


def subtree(nodes: Mapping[int, CategoryNode], root_id: int) -> frozenset[int]:
    return frozenset(node_id for node_id in nodes if in_subtree(nodes, node_id, root_id))


def moves_under_itself(nodes: Mapping[int, CategoryNode], moving: int,
                       new_parent: int | None) -> bool:
    return new_parent is not None and moving in ancestors(nodes, new_parent)


def tree_order(nodes: Iterable[CategoryNode]) -> list[tuple[CategoryNode, int]]:
    """Depth first, siblings by position then name: (node, depth) as a picker lists them."""
    children: dict[int | None, list[CategoryNode]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    ordered: list[tuple[CategoryNode, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for node in sorted(children.get(parent, []), key=lambda n: (n.position, n.name, n.id)):
            ordered.append((node, depth))
            walk(node.id, depth + 1)

    walk(None, 0)
    return ordered


# -- custom fields -------------------------------------------------------------------

class FieldKind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    CHOICE = "choice"
    DATE = "date"


@dataclass(frozen=True, slots=True)
class Choice:
    key: str
    label_pl: str
    label_en: str


@dataclass(frozen=True, slots=True)
class FieldDefinition:
    key: str
    kind: FieldKind
    label_pl: str
    label_en: str
    choices: tuple[Choice, ...] = ()
    required: bool = False
    retired: bool = False


def canonical_value(definition: FieldDefinition, raw: Any) -> str:
    """The stored text of a value: numbers without trailing zeros, dates ISO, choices
    by key. ``InvalidCustomValue`` names the field for anything the kind refuses."""
    problem = _problem(definition, raw)
    if problem is not None:
        raise InvalidCustomValue(definition.key, problem)
    if definition.kind is FieldKind.NUMBER:
        return _number_text(Decimal(str(raw)))
    return str(raw).strip()


def _problem(definition: FieldDefinition, raw: Any) -> str | None:
    kind = definition.kind
    if kind is FieldKind.NUMBER:
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            return "must be a number"
        return None if _NUMBER.match(str(raw).strip()) else (
            "must be a number with at most 15 digits and 6 decimals")
    if not isinstance(raw, str) or "\x00" in raw:
        return "must be a string"
    if kind is FieldKind.TEXT:
        return None if 0 < len(raw.strip()) <= MAX_VALUE else (
            f"must be 1 to {MAX_VALUE} characters")
    if kind is FieldKind.DATE:
        return None if _is_date(raw) else "must be a date, YYYY-MM-DD"
    keys = {choice.key for choice in definition.choices}
    return None if raw in keys else f"unknown choice {raw!r}; one of {', '.join(sorted(keys))}"


def _is_date(raw: str) -> bool:
    try:
        return len(raw) == 10 and date.fromisoformat(raw).year >= 1900
    except ValueError:
        return False


def _number_text(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


def typed_value(definition: FieldDefinition, stored: str) -> str | int | float:
    """A stored value as the API answers it: numbers as JSON numbers."""
    if definition.kind is not FieldKind.NUMBER:
        return stored
    try:
        number = Decimal(stored)
    except InvalidOperation:
        return stored
    return int(number) if number == number.to_integral_value() else float(number)
