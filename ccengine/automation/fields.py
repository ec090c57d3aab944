"""Category and tags, as automation needs them: a tiny interface the ticket fields
implement (``ticket_fields.automation_fields``, installed by their ``setup``). Without
one, rules that read or set them are refused when saved (422 ``action-unavailable``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.tickets.models import Ticket

FIELDS = "fields"  # the feature name ``rules.parse_rule`` checks
WEBHOOKS = "webhooks"  # call_webhook: ``ccengine.webhooks`` is always installed
MAIL = "mail"  # reply templates (``replies.automatic``): always here


class TicketFields(Protocol):
    async def read(self, session: AsyncSession,
                   ticket: Ticket) -> tuple[str | None, frozenset[str]]:
        """The ticket's category (a path, "Reklamacje/Zwroty") and its tags."""

    async def check_category(self, session: AsyncSession, category: str, where: str,
                             new_tickets: bool) -> None:
        """Raise ``RuleInvalid`` (naming ``where``) when a rule being saved names a
        category that does not exist, or a retired one it would give tickets
        (``new_tickets``)."""

    async def set_category(self, session: AsyncSession, ticket: Ticket, category: str,
                           author: str) -> bool:
        """Set it (with its history entry); False when it was already so. Raise
        ``RuleInvalid`` for a category that does not exist."""

    async def change_tags(self, session: AsyncSession, ticket: Ticket, add: Iterable[str],
                          remove: Iterable[str], author: str) -> bool:
        """Add and remove tags (with the history entry and, when they live in their own
        table, ``recording.field_changed(session, ticket, "tags")``); False: no change."""


def features(fields: TicketFields | None) -> frozenset[str]:
    """What this installation can do beyond the built-in actions: replies and webhooks
    are always here; category and tags where the fields are wired."""
    return frozenset({WEBHOOKS, MAIL} | ({FIELDS} if fields is not None else set()))
