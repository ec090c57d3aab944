"""A web form's definition and a checked submission, as plain values."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class FieldKind(StrEnum):
    TEXT = "text"
    EMAIL = "email"
    PHONE = "phone"
    TEXTAREA = "textarea"
    CHOICE = "choice"


@dataclass(frozen=True, slots=True)
class FormField:
    name: str
    label_pl: str
    label_en: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = False
    max_length: int = 200
    choices: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {"name": self.name, "label_pl": self.label_pl, "label_en": self.label_en,
                "kind": self.kind.value, "required": self.required,
                "max_length": self.max_length, "choices": list(self.choices)}


@dataclass(frozen=True, slots=True)
class FormSpec:
    key: str
    name: str
    queue: str
    fields: tuple[FormField, ...]
    allowed_origins: tuple[str, ...] = ()
    thank_you_url: str | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class Submission:
    """What a post says, checked and masked: the ticket's title and note, and whom to
    find or make the customer by."""

    title: str
    note: str
    email: str | None = None
    phone: str | None = None
    customer_name: str | None = None
    values: dict[str, str] = field(default_factory=dict)
