"""Checking the values of conditions and actions as JSON gives them; pure."""

from __future__ import annotations

from collections.abc import Iterable

from ccengine.automation.errors import RuleInvalid
from ccengine.automation.model import Value
from ccengine.ticket_fields.rules import normalise_tag

MAX_ITEMS = 50  # words, queues, tags in one value
MAX_TEXT = 200


def text(value: Value, where: str, *, max_length: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RuleInvalid(where, "expected a non-empty string")
    if len(value) > max_length or "\x00" in value:
        raise RuleInvalid(where, f"expected at most {max_length} characters, no NUL")
    return value.strip()


def texts(value: Value, where: str) -> list[str]:
    """A list of strings; a comma-separated string (the page's form row) counts too."""
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not value:
        raise RuleInvalid(where, "expected a non-empty list of strings")
    if len(value) > MAX_ITEMS:
        raise RuleInvalid(where, f"expected at most {MAX_ITEMS} items")
    return [text(item, f"{where}[{index}]") for index, item in enumerate(value)]


def choices(value: Value, where: str, allowed: Iterable[str]) -> list[str]:
    known = list(allowed)
    chosen = texts(value, where)
    for index, item in enumerate(chosen):
        if item not in known:
            raise RuleInvalid(f"{where}[{index}]", f"expected one of {', '.join(known)}")
    return chosen


def choice(value: Value, where: str, allowed: Iterable[str]) -> str:
    known = list(allowed)
    chosen = text(value, where)
    if chosen not in known:
        raise RuleInvalid(where, f"expected one of {', '.join(known)}")
    return chosen


def flag(value: Value, where: str) -> bool:
    if not isinstance(value, bool):
        raise RuleInvalid(where, "expected true or false")
    return value


def tags(value: Value, where: str) -> list[str]:
    """Tags as the ticket fields store them (``"Faktura VAT"`` → ``faktura-vat``), so a
    rule's tag matches the ticket's however the admin spelled it."""
    found: dict[str, None] = {}
    for index, item in enumerate(texts(value, where)):
        try:
            found[normalise_tag(item)] = None
        except ValueError as exc:
            raise RuleInvalid(f"{where}[{index}]", str(exc)) from None
    return list(found)
