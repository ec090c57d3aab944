"""The automation vocabulary: events, rules, the facts a rule reads; pure, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from ccengine.sla.calendar import BusinessCalendar

Value = Any  # a condition's or an action's value, as JSON holds it

MAX_DEPTH = 3  # events caused by rules' actions, caused by rules' actions, ...: then stop
AUTHOR_PREFIX = "automation"  # the history's author of a rule's changes: "automation: <name>"


class Event(StrEnum):
    CREATED = "created"
    UPDATED = "updated"  # status, priority, queue, assignee or title changed
    CUSTOMER_REPLIED = "customer_replied"  # a call (or a message) from the customer
    SLA_THRESHOLD = "sla_threshold"  # an SLA alert went out (50, 80, 100 %)
    TIME_IN_STATUS = "time_in_status"  # N hours in one status (the time tick)


# The ticket fields whose change is an "updated" event. Tags live in their own table:
# their writer says so (``recording.field_changed``); category and description are
# columns of the ticket (``recording`` reads category from ``category_id``).
WATCHED_FIELDS = ("status", "priority", "queue", "assignee", "title", "category",
                  "description")


@dataclass(frozen=True, slots=True)
class Condition:
    kind: str
    value: Value


@dataclass(frozen=True, slots=True)
class Action:
    kind: str
    value: Value = None


@dataclass(frozen=True, slots=True)
class Trigger:
    """What starts a rule: the event and, for some, its parameters."""

    event: Event
    status: str | None = None  # time_in_status: in which status
    hours: float | None = None  # time_in_status: for how long
    clock: str | None = None  # sla_threshold: first_response or resolution (None: either)
    threshold: int | None = None  # sla_threshold: 50, 80 or 100 (None: any)

    def as_json(self) -> dict[str, Any]:
        found = {"event": str(self.event), "status": self.status, "hours": self.hours,
                 "clock": self.clock, "threshold": self.threshold}
        return {key: value for key, value in found.items() if value is not None}


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A rule as an admin writes it (validated by ``rules.parse_rule``)."""

    name: str
    trigger: Trigger
    conditions: tuple[Condition, ...] = ()
    actions: tuple[Action, ...] = ()
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class Rule:
    id: int
    position: int
    spec: RuleSpec


@dataclass(frozen=True, slots=True)
class Happened:
    """One event on one ticket, as the rules see it."""

    event: Event
    changed: frozenset[str] = frozenset()  # updated: which fields
    clock: str | None = None  # sla_threshold
    threshold: int | None = None  # sla_threshold
    rule_id: int | None = None  # time_in_status: the one rule whose time came


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """What conditions read about a ticket, loaded once per event."""

    number: str
    status: str
    priority: str
    queue: str | None
    assignee: str | None
    channel: str
    title: str
    body: str = ""  # the notes' text
    transcript: str = ""  # masked transcripts only (unmasked text is never stored)
    vip: bool = False
    category: str | None = None
    tags: frozenset[str] = frozenset()
    status_since: datetime | None = None  # when the current stay in ``status`` began
    now: datetime | None = None
    calendars: Mapping[str, BusinessCalendar] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Check:
    """One condition's answer, with why (the dry run shows it)."""

    kind: str
    passed: bool
    detail: str  # in English
    code: str = ""  # the detail's stable code (``conditions.DETAILS``), for the page
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Verdict:
    rule: Rule
    triggered: bool  # the event is the rule's
    checks: tuple[Check, ...]

    @property
    def fires(self) -> bool:
        return self.rule.spec.enabled and self.triggered and all(c.passed for c in self.checks)


def author_of(rule_name: str) -> str:
    return f"{AUTHOR_PREFIX}: {rule_name}"
