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

Said = tuple[bool, str, dict[str, Any]]  # passed, the detail's code, its parameters
Test = Callable[[TicketFacts, Any], Said]

# Each detail's stable code and English wording: the API sends code and parameters
# too, so the page says them in the user's language (its catalogue has these texts).
DETAILS: Mapping[str, str] = {
    "in_list": "{seen} in {wanted}",
    "under": "{seen} under {wanted}",
    "found": "found {words}",
    "none_of": "none of {words}",
    "has_tags": "has {tags}",
    "no_tags": "none of {tags}",
    "vip": "VIP customer",
    "not_vip": "not a VIP customer",
    "open": "{calendar} open",
    "closed": "{calendar} closed",
    "no_calendar": "no calendar {calendar}",
}


def detail_text(code: str, params: Mapping[str, Any]) -> str:
    return DETAILS[code].format(**params)


@dataclass(frozen=True, slots=True)
class ConditionKind:
    parse: Callable[[Value, str], Any]
    test: Test
    needs_fields: bool = False
    form: str = "list"  # the page's input: list (comma-separated), flag, calendar
    options: tuple[str, ...] = ()  # a list's allowed values, when fixed


def _one_of(seen: str | None, wanted: list[str]) -> Said:
    return seen in wanted, "in_list", {"seen": seen or "-", "wanted": ", ".join(wanted)}


def _words_in(text: str, words: list[str]) -> Said:
    folded = fold(text)
    found = [word for word in words if fold(word) in folded]
    if found:
        return True, "found", {"words": ", ".join(found)}
    return False, "none_of", {"words": ", ".join(words)}


def _words(value: Value, where: str) -> list[str]:
    return values.texts(value, where)


def _business_hours(value: Value, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RuleInvalid(where, "expected {\"calendar\": name, \"open\": true|false}")
    return {"calendar": values.text(value.get("calendar"), f"{where}.calendar"),
            "open": values.flag(value.get("open", True), f"{where}.open")}


def _open_now(facts: TicketFacts, value: dict[str, Any]) -> Said:
    calendar = facts.calendars.get(value["calendar"])
    if calendar is None or facts.now is None:
        return False, "no_calendar", {"calendar": value["calendar"]}
    is_open = calendar.is_open(facts.now)
    return is_open == value["open"], "open" if is_open else "closed", {
        "calendar": value["calendar"]}


def _vip(facts: TicketFacts, wanted: bool) -> Said:
    return facts.vip == wanted, "vip" if facts.vip else "not_vip", {}


def _tags(facts: TicketFacts, wanted: list[str]) -> Said:
    found = sorted(set(wanted) & facts.tags)
    if found:
        return True, "has_tags", {"tags": ", ".join(found)}
    return False, "no_tags", {"tags": ", ".join(wanted)}


def path_parts(path: str) -> tuple[str, ...]:
    """``"Reklamacje / Zwroty"`` → ``("reklamacje", "zwroty")``: as admins type a path."""
    return tuple(part.strip().casefold() for part in path.split("/"))


def _category(facts: TicketFacts, wanted: list[str]) -> Said:
    """The ticket's category is one of ``wanted`` or lies below one ("Reklamacje"
    takes "Reklamacje/Zwroty" too), as a category tree is read."""
    seen = path_parts(facts.category) if facts.category else ()
    passed = any(seen[:len(path_parts(item))] == path_parts(item) for item in wanted)
    return passed, "under", {"seen": facts.category or "-", "wanted": ", ".join(wanted)}


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
    "vip": ConditionKind(values.flag, _vip, form="flag"),
    "business_hours": ConditionKind(_business_hours, _open_now, form="calendar"),
    "category": ConditionKind(values.texts, _category, needs_fields=True),
    "tags": ConditionKind(values.tags, _tags, needs_fields=True),
}
