"""Customer types: a change as the API gives it, and a customer as it is read back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ccengine.tickets.models import Customer

# The plain fields of a customer a change may set (phones, e-mails and vip apart).
TEXT_FIELDS = ("name", "company", "nip", "address", "notes", "external_id")


@dataclass(frozen=True, slots=True)
class CustomerChanges:
    """A create or an update, already validated (``schemas``): only the fields in
    ``given`` change; ``phones`` (E.164, the first is the one shown and called back)
    and ``emails`` (lower case) replace the whole list when given."""

    given: frozenset[str]
    texts: dict[str, str | None] = field(default_factory=dict)
    vip: bool = False
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    organisation_id: int | None = None


@dataclass(frozen=True, slots=True)
class CustomerCard:
    customer: Customer
    phones: tuple[str, ...]
    emails: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CustomerSearch:
    """The list's question: ``text`` in any form (number, e-mail, name, company)."""

    text: str | None = None
    updated_since: datetime | None = None  # inclusive; the list is then oldest change first
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True, slots=True)
class CustomerHistory:
    """What a customer page shows beside the card, each list newest first, already
    narrowed to what the viewer may see; rows are JSON-ready dicts."""

    tickets: list[dict[str, object]]
    calls: list[dict[str, object]]
    callbacks: list[dict[str, object]]
    transcripts: list[dict[str, object]]
