"""The actions a rule may take, one registry entry each; the checks are pure, the doing
is ``acting``'s.

``needs``: the feature an action needs before it can be saved: "fields" (category
and tags, wired at merge), "mail" (reply templates: always here), "webhooks" (always
here: ``ccengine.webhooks``). Until then saving a rule with it is refused: 422
``action-unavailable``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ccengine.automation import values
from ccengine.automation.errors import RuleInvalid
from ccengine.automation.model import Value
from ccengine.tickets.enums import Priority
from ccengine.tickets.models import Ticket

RAISE = "raise"  # set_priority's "one step more urgent"


@dataclass(frozen=True, slots=True)
class ActionKind:
    parse: Callable[[Value, str], Any]
    needs: str | None = None
    form: str = "text"  # the page's input: text, list (comma-separated), choice, none
    options: tuple[str, ...] = ()


def _fits(column: Any) -> Callable[[Value, str], str]:
    """Text the column it is written to can hold: a longer one refused when the rule is
    saved, not failing the runner's transaction on every tick (PostgreSQL's DataError)."""
    limit = min(column.type.length, values.MAX_TEXT)
    return lambda value, where: values.text(value, where, max_length=limit)


_QUEUE = _fits(Ticket.queue)
_ASSIGNEE = _fits(Ticket.assignee)


def _nothing(value: Value, where: str) -> None:
    return None


def _endpoint_id(value: Value, where: str) -> int:
    """A webhook endpoint's id (the page's text input gives it as digits)."""
    raw = value.strip() if isinstance(value, str) else value
    if isinstance(raw, str) and raw.isdigit():
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 2**31 - 1:
        raise RuleInvalid(where, "expected a webhook endpoint's id")
    return raw


def _assignee(value: Value, where: str) -> str | None:
    return None if value is None or value == "" else _ASSIGNEE(value, where)


ACTIONS: Mapping[str, ActionKind] = {
    "set_queue": ActionKind(_QUEUE),
    "set_priority": ActionKind(lambda v, w: values.choice(v, w, [*Priority, RAISE]),
                               form="choice", options=(*Priority, RAISE)),
    "set_assignee": ActionKind(_assignee),  # a display name; empty: nobody
    "notify_user": ActionKind(values.text),  # a login or a display name (compared only)
    "notify_leaders": ActionKind(_nothing, form="none"),  # the leaders of the ticket's queue
    "set_category": ActionKind(values.text, needs="fields"),
    "add_tags": ActionKind(values.tags, needs="fields", form="list"),
    "remove_tags": ActionKind(values.tags, needs="fields", form="list"),
    "send_reply_template": ActionKind(values.text, needs="mail"),  # a template's name
    "call_webhook": ActionKind(_endpoint_id, needs="webhooks"),  # queue automation.rule
}
