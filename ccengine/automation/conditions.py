"""The conditions a rule may test, one registry entry each; pure.

An entry checks its value when a rule is saved (``parse``) and answers for one
ticket's facts (``test``) with a detail the dry run shows. ``needs_fields``: it
reads category or tags, which exist once the ticket fields are wired
(``service.TicketFields``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ccengine.automation import values
from ccengine.automation.errors import RuleInvalid
from ccengine.automation.model import TicketFacts, Value
from ccengine.customers.rules import fold
from ccengine.tickets.enums import Priority, SourceChannel, TicketStatus

Test = Callable[[TicketFacts, Any], tuple[bool, str]]


@dataclass(frozen=True, slots=True)
class ConditionKind:
    parse: Callable[[Value, str], Any]
    test: Test
    needs_fields: bool = False
    form: str = "list"  # the page's input: list (comma-separated), flag, calendar
    options: tuple[str, ...] = ()  # a list's allowed values, when fixed


def _one_of(seen: str | None, wanted: list[str]) -> tuple[bool, str]:
    return seen in wanted, f"{seen or '-'} in {', '.join(wanted)}"


def _words_in(text: str, words: list[str]) -> tuple[bool, str]:
    folded = fold(text)
    found = [word for word in words if fold(word) in folded]
    return bool(found), (f"found {', '.join(found)}" if found
                         else f"none of {', '.join(words)}")


def _words(value: Value, where: str) -> list[str]:
    return values.texts(value, where)


def _business_hours(value: Value, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RuleInvalid(where, "expected {\"calendar\": name, \"open\": true|false}")
    return {"calendar": values.text(value.get("calendar"), f"{where}.calendar"),
            "open": values.flag(value.get("open", True), f"{where}.open")}


def _open_now(facts: TicketFacts, value: dict[str, Any]) -> tuple[bool, str]:
    calendar = facts.calendars.get(value["calendar"])
    if calendar is None or facts.now is None:
        return False, f"no calendar {value['calendar']!r}"
    is_open = calendar.is_open(facts.now)
    return is_open == value["open"], f"{value['calendar']} {'open' if is_open else 'closed'}"


def _tags(facts: TicketFacts, wanted: list[str]) -> tuple[bool, str]:
    found = sorted(set(wanted) & facts.tags)
    return bool(found), (f"has {', '.join(found)}" if found
                         else f"none of {', '.join(wanted)}")


CONDITIONS: Mapping[str, ConditionKind] = {
    "channel": ConditionKind(lambda v, w: values.choices(v, w, SourceChannel),
                             lambda f, v: _one_of(f.channel, v), options=tuple(SourceChannel)),
    "queue": ConditionKind(values.texts, lambda f, v: _one_of(f.queue, v)),
    "priority": ConditionKind(lambda v, w: values.choices(v, w, Priority),
                              lambda f, v: _one_of(f.priority, v), options=tuple(Priority)),
    "status": ConditionKind(lambda v, w: values.choices(v, w, TicketStatus),
                            lambda f, v: _one_of(f.status, v), options=tuple(TicketStatus)),
    "subject_has": ConditionKind(_words, lambda f, v: _words_in(f.title, v)),
    "body_has": ConditionKind(_words, lambda f, v: _words_in(f.body, v)),
    "transcript_has": ConditionKind(_words, lambda f, v: _words_in(f.transcript, v)),
    "vip": ConditionKind(values.flag, lambda f, v: (f.vip == v, f"vip {f.vip}"), form="flag"),
    "business_hours": ConditionKind(_business_hours, _open_now, form="calendar"),
    "category": ConditionKind(values.texts, lambda f, v: _one_of(f.category, v),
                              needs_fields=True),
    "tags": ConditionKind(values.texts, _tags, needs_fields=True),
}
