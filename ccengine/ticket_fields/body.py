"""Reading the field part of ``PATCH /api/v1/tickets/{number}`` and the admin bodies;
every problem is a 400 naming the field (``web.body.InvalidBody``)."""

from __future__ import annotations

from typing import Any

from ccengine.ticket_fields.applying import UNSET, FieldChanges
from ccengine.ticket_fields.errors import InvalidTag
from ccengine.ticket_fields.rules import (
    KEY_PATTERN,
    Choice,
    FieldDefinition,
    FieldKind,
    normalise_tags,
)
from ccengine.web.body import InvalidBody, boolean, choice, integer, required_text, text
from ccengine.web.params import MAX_SQL_INT

FIELD_NAMES = {"title", "description", "category", "tags", "custom_fields"}
MAX_TITLE = 300
MAX_DESCRIPTION = 20_000
MAX_CUSTOM = 50
MAX_CHOICES = 100


def field_changes(body: dict[str, Any]) -> FieldChanges:
    return FieldChanges(
        title=_title(body) if "title" in body else UNSET,
        description=_description(body) if "description" in body else UNSET,
        category_id=integer(body, "category", minimum=1, maximum=MAX_SQL_INT)
        if "category" in body else UNSET,
        tags=_tags(body),
        custom=_custom(body))


def _title(body: dict[str, Any]) -> str:
    value = text(body, "title", max_length=MAX_TITLE, allow_empty=False)
    if value is None:
        raise InvalidBody("title", "a ticket keeps a title: give a non-empty string")
    return value.strip()


def _description(body: dict[str, Any]) -> str | None:
    value = text(body, "description", max_length=MAX_DESCRIPTION)
    return value if value and value.strip() else None


def _tags(body: dict[str, Any]) -> tuple[str, ...] | None:
    if "tags" not in body:
        return None
    raw = body["tags"]
    if not isinstance(raw, list) or not all(isinstance(tag, str) for tag in raw):
        raise InvalidBody("tags", "must be a list of strings")
    return normalise_tags(raw)


def _custom(body: dict[str, Any]) -> dict[str, Any]:
    raw = body.get("custom_fields")
    if raw is None:
        return {}
    if not isinstance(raw, dict) or len(raw) > MAX_CUSTOM:
        raise InvalidBody("custom_fields", f"must be an object of at most {MAX_CUSTOM} "
                                           "keys (null clears a field)")
    for key, value in raw.items():
        if value is not None and (isinstance(value, bool)
                                  or not isinstance(value, str | int | float)):
            raise InvalidBody(f"custom_fields.{key}", "must be a string, a number or null")
    return raw


def bulk_tag_changes(changes: dict[str, Any]) -> FieldChanges:
    """``add_tags`` and ``remove_tags`` of a bulk edit's changes."""
    return FieldChanges(add_tags=_tag_list(changes, "add_tags"),
                        remove_tags=_tag_list(changes, "remove_tags"))


def _tag_list(body: dict[str, Any], name: str) -> tuple[str, ...]:
    raw = body.get(name)
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(tag, str) for tag in raw):
        raise InvalidBody(name, "must be a list of strings")
    try:
        return normalise_tags(raw)
    except InvalidTag as exc:
        raise InvalidBody(f"{name}{(exc.field or '').removeprefix('tags')}", str(exc)) from None


def parent_of(body: dict[str, Any]) -> int | None:
    return integer(body, "parent_id", minimum=1, maximum=MAX_SQL_INT)


def category_name(body: dict[str, Any], required: bool) -> str | None:
    if required:
        return required_text(body, "name", max_length=100).strip()
    name = text(body, "name", max_length=100, allow_empty=False)
    return name.strip() if name else None


def new_definition(body: dict[str, Any]) -> FieldDefinition:
    key = required_text(body, "key", max_length=50)
    if not KEY_PATTERN.match(key):
        raise InvalidBody("key", "lower-case letters, digits and _, starting with a letter")
    kind = choice(body, "kind", FieldKind, required=True)
    assert kind is not None  # required
    choices = choices_of(body) or ()
    if kind is FieldKind.CHOICE and not choices:
        raise InvalidBody("choices", "a choice field needs at least one choice")
    if kind is not FieldKind.CHOICE and choices:
        raise InvalidBody("choices", f"a {kind} field has no choices")
    return FieldDefinition(key=key, kind=kind, label_pl=required_text(body, "label_pl",
                                                                      max_length=100),
                           label_en=required_text(body, "label_en", max_length=100),
                           choices=choices, required=boolean(body, "required", False))


def choices_of(body: dict[str, Any]) -> tuple[Choice, ...] | None:
    raw = body.get("choices")
    if raw is None:
        return None
    if not isinstance(raw, list) or len(raw) > MAX_CHOICES:
        raise InvalidBody("choices", f"must be a list of at most {MAX_CHOICES} choices")
    choices = tuple(_choice(index, item) for index, item in enumerate(raw))
    if len({c.key for c in choices}) != len(choices):
        raise InvalidBody("choices", "keys must differ")
    return choices


def _choice(index: int, item: Any) -> Choice:
    name = f"choices[{index}]"
    if not isinstance(item, dict):
        raise InvalidBody(name, "must be an object with key, label_pl, label_en")
    key = text(item, "key", max_length=50, allow_empty=False)
    if key is None or not KEY_PATTERN.match(key):
        raise InvalidBody(f"{name}.key", "lower-case letters, digits and _, from a letter")
    labels = [text(item, label, max_length=100, allow_empty=False)
              for label in ("label_pl", "label_en")]
    if labels[0] is None or labels[1] is None:
        raise InvalidBody(name, "label_pl and label_en are required")
    return Choice(key, labels[0], labels[1])
