"""Reading a rule's document and deciding whether it fires; pure, no I/O.

A rule fires for an event when the event is its trigger's (with the trigger's
parameters) and every condition holds: conditions are AND-ed, a condition's
list of values is OR-ed ("queue in support, sales").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from ccengine.automation import values
from ccengine.automation.actions import ACTIONS
from ccengine.automation.conditions import CONDITIONS, detail_text
from ccengine.automation.errors import ActionUnavailable, RuleInvalid
from ccengine.automation.model import (
    Action,
    Check,
    Condition,
    Event,
    Happened,
    Rule,
    RuleSpec,
    TicketFacts,
    Trigger,
    Verdict,
)
from ccengine.tickets.enums import TicketStatus

MAX_CONDITIONS = 20
MAX_ACTIONS = 20
MAX_HOURS = 24 * 365
CLOCKS = ("first_response", "resolution")
THRESHOLDS = ("50", "80", "100")


def parse_rule(document: Mapping[str, Any], features: Iterable[str] = ()) -> RuleSpec:
    """The rule ``document`` describes; ``RuleInvalid`` naming the field, or
    ``ActionUnavailable`` for what needs a feature not in ``features``."""
    have = frozenset(features)
    enabled = document.get("enabled", True)
    return RuleSpec(name=values.text(document.get("name"), "name"),
                    trigger=parse_trigger(document.get("trigger")),
                    conditions=_conditions(document.get("conditions", []), have),
                    actions=_actions(document.get("actions"), have),
                    enabled=values.flag(enabled, "enabled"))


def parse_trigger(raw: Any) -> Trigger:
    if not isinstance(raw, dict):
        raise RuleInvalid("trigger", "expected {\"event\": ...}")
    event = Event(values.choice(raw.get("event"), "trigger.event", Event))
    if event is Event.TIME_IN_STATUS:
        hours = raw.get("hours")
        if isinstance(hours, bool) or not isinstance(hours, int | float) \
                or not 0 < hours <= MAX_HOURS:
            raise RuleInvalid("trigger.hours", f"expected a number of hours, 0 < h <= {MAX_HOURS}")
        status = values.choice(raw.get("status"), "trigger.status", TicketStatus)
        return Trigger(event, status=status, hours=float(hours))
    if event is Event.SLA_THRESHOLD:
        clock = raw.get("clock")
        threshold = raw.get("threshold")
        return Trigger(event,
                       clock=None if clock is None else values.choice(clock, "trigger.clock",
                                                                      CLOCKS),
                       threshold=None if threshold is None else int(values.choice(
                           str(threshold), "trigger.threshold", THRESHOLDS)))
    return Trigger(event)


def _items(raw: Any, name: str, most: int, least: int) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not least <= len(raw) <= most:
        raise RuleInvalid(name, f"expected a list of {least} to {most} items")
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise RuleInvalid(f"{name}[{index}]", "expected {\"kind\": ..., \"value\": ...}")
    return raw


def _conditions(raw: Any, have: frozenset[str]) -> tuple[Condition, ...]:
    found = []
    for index, item in enumerate(_items(raw, "conditions", MAX_CONDITIONS, 0)):
        where = f"conditions[{index}]"
        kind = values.choice(item.get("kind"), f"{where}.kind", CONDITIONS)
        entry = CONDITIONS[kind]
        if entry.needs_fields and "fields" not in have:
            raise ActionUnavailable(f"{where}.kind", kind)
        found.append(Condition(kind, entry.parse(item.get("value"), f"{where}.value")))
    return tuple(found)


def _actions(raw: Any, have: frozenset[str]) -> tuple[Action, ...]:
    found = []
    for index, item in enumerate(_items(raw, "actions", MAX_ACTIONS, 1)):
        where = f"actions[{index}]"
        kind = values.choice(item.get("kind"), f"{where}.kind", ACTIONS)
        entry = ACTIONS[kind]
        if entry.needs is not None and entry.needs not in have:
            raise ActionUnavailable(f"{where}.kind", kind)
        found.append(Action(kind, entry.parse(item.get("value"), f"{where}.value")))
    return tuple(found)


def spec_json(spec: RuleSpec) -> dict[str, Any]:
    return {"name": spec.name, "enabled": spec.enabled, "trigger": spec.trigger.as_json(),
            "conditions": [{"kind": c.kind, "value": c.value} for c in spec.conditions],
            "actions": [{"kind": a.kind, "value": a.value} for a in spec.actions]}


# -- evaluation ---------------------------------------------------------------------------


def triggered(trigger: Trigger, happened: Happened, rule_id: int) -> bool:
    if trigger.event is not happened.event:
        return False
    if trigger.event is Event.TIME_IN_STATUS:
        return happened.rule_id == rule_id  # the tick found this rule's time had come
    if trigger.event is Event.SLA_THRESHOLD:
        return (trigger.clock in (None, happened.clock)
                and trigger.threshold in (None, happened.threshold))
    return True


def evaluate(rule: Rule, happened: Happened | None, facts: TicketFacts) -> Verdict:
    """Whether ``rule`` fires; ``happened`` None (the dry run): as if its event came,
    a time trigger answering from how long the ticket has been in its status."""
    checks = tuple(_check(condition, facts) for condition in rule.spec.conditions)
    if happened is None:
        return Verdict(rule, _could_trigger(rule.spec.trigger, facts), checks)
    return Verdict(rule, triggered(rule.spec.trigger, happened, rule.id), checks)


def _check(condition: Condition, facts: TicketFacts) -> Check:
    passed, code, params = CONDITIONS[condition.kind].test(facts, condition.value)
    return Check(condition.kind, passed, detail_text(code, params), code, params)


def _could_trigger(trigger: Trigger, facts: TicketFacts) -> bool:
    if trigger.event is not Event.TIME_IN_STATUS:
        return True
    return time_has_come(trigger, facts)


def time_has_come(trigger: Trigger, facts: TicketFacts) -> bool:
    if facts.status != trigger.status or facts.status_since is None or facts.now is None:
        return False
    return facts.now - facts.status_since >= timedelta(hours=trigger.hours or 0)

