"""The pure core of automation rules: reading documents, each condition, the triggers
and the time kept in each status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ccengine.automation.errors import ActionUnavailable, RuleInvalid
from ccengine.automation.model import Event, Happened, Rule, TicketFacts
from ccengine.automation.rules import evaluate, parse_rule
from ccengine.automation.timing import seconds_by_status
from ccengine.sla.calendar import DEFAULT_BUSINESS

MONDAY_NOON = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)  # 12:00 in Warsaw
SATURDAY = datetime(2026, 3, 7, 11, 0, tzinfo=UTC)
FACTS = TicketFacts(number="T-1", status="new", priority="P3", queue="reklamacje",
                    assignee=None, channel="phone", title="Zwrot BUTÓW", body="klient pyta",
                    transcript="chcę złożyć reklamację", vip=True, now=MONDAY_NOON,
                    calendars={DEFAULT_BUSINESS.name: DEFAULT_BUSINESS})


def rule(conditions: list[dict[str, object]], trigger: dict[str, object] | None = None,
         rule_id: int = 1) -> Rule:
    spec = parse_rule({"name": "r", "trigger": trigger or {"event": "created"},
                       "conditions": conditions,
                       "actions": [{"kind": "set_priority", "value": "P1"}]})
    return Rule(rule_id, 1, spec)


@pytest.mark.parametrize(("condition", "holds"), [
    ({"kind": "subject_has", "value": ["butow"]}, True),  # case and diacritics folded
    ({"kind": "subject_has", "value": "paczka, zwrot"}, True),
    ({"kind": "body_has", "value": ["zwrot"]}, False),
    ({"kind": "transcript_has", "value": ["paragon"]}, False),
    ({"kind": "transcript_has", "value": ["REKLAMACJE"]}, True),  # "reklamację" folded
    ({"kind": "channel", "value": ["email"]}, False),
    ({"kind": "queue", "value": ["sprzedaz", "reklamacje"]}, True),
    ({"kind": "priority", "value": ["P1", "P2"]}, False),
    ({"kind": "status", "value": ["new"]}, True),
    ({"kind": "vip", "value": True}, True),
    ({"kind": "business_hours", "value": {"calendar": "business", "open": True}}, True),
    ({"kind": "business_hours", "value": {"calendar": "business", "open": False}}, False),
    ({"kind": "business_hours", "value": {"calendar": "none", "open": True}}, False),
])
def test_each_condition(condition: dict[str, object], holds: bool) -> None:
    verdict = evaluate(rule([condition]), Happened(Event.CREATED), FACTS)
    assert verdict.fires is holds


def test_business_hours_follow_the_sla_calendar() -> None:
    closed = rule([{"kind": "business_hours", "value": {"calendar": "business",
                                                        "open": False}}])
    weekend = TicketFacts(**{**_fields(FACTS), "now": SATURDAY})
    verdict = evaluate(closed, Happened(Event.CREATED), weekend)
    assert verdict.fires and verdict.checks[0].detail == "business closed"


def _fields(facts: TicketFacts) -> dict[str, object]:
    return {name: getattr(facts, name) for name in facts.__dataclass_fields__}


def test_triggers_match_their_event_and_parameters() -> None:
    sla = rule([], {"event": "sla_threshold", "clock": "resolution", "threshold": 100})
    assert evaluate(sla, Happened(Event.SLA_THRESHOLD, clock="resolution", threshold=100),
                    FACTS).fires
    assert not evaluate(sla, Happened(Event.SLA_THRESHOLD, clock="resolution", threshold=80),
                        FACTS).fires
    assert not evaluate(sla, Happened(Event.UPDATED), FACTS).fires
    timed = rule([], {"event": "time_in_status", "status": "new", "hours": 2}, rule_id=7)
    assert evaluate(timed, Happened(Event.TIME_IN_STATUS, rule_id=7), FACTS).fires
    assert not evaluate(timed, Happened(Event.TIME_IN_STATUS, rule_id=8), FACTS).fires
    # The dry run answers a time rule from how long the ticket has been in the status.
    since = TicketFacts(**{**_fields(FACTS), "status_since": MONDAY_NOON - timedelta(hours=3)})
    assert evaluate(timed, None, since).fires
    recent = TicketFacts(**{**_fields(FACTS), "status_since": MONDAY_NOON - timedelta(hours=1)})
    assert not evaluate(timed, None, recent).fires


@pytest.mark.parametrize(("document", "field"), [
    ({"trigger": {"event": "created"}, "actions": [{"kind": "set_queue", "value": "a"}]},
     "name"),
    ({"name": "x", "trigger": "created", "actions": []}, "trigger"),
    ({"name": "x", "trigger": {"event": "sla_threshold", "threshold": 70},
      "actions": [{"kind": "notify_leaders"}]}, "trigger.threshold"),
    ({"name": "x", "trigger": {"event": "time_in_status", "status": "gone", "hours": 1},
      "actions": [{"kind": "notify_leaders"}]}, "trigger.status"),
    ({"name": "x", "trigger": {"event": "created"}, "conditions": [{"kind": "moon"}],
      "actions": [{"kind": "notify_leaders"}]}, "conditions[0].kind"),
    ({"name": "x", "trigger": {"event": "created"},
      "conditions": [{"kind": "vip", "value": "yes"}],
      "actions": [{"kind": "notify_leaders"}]}, "conditions[0].value"),
    ({"name": "x", "trigger": {"event": "created"},
      "actions": [{"kind": "set_queue", "value": ""}]}, "actions[0].value"),
])
def test_bad_documents_name_the_field(document: dict[str, object], field: str) -> None:
    with pytest.raises(RuleInvalid) as refused:
        parse_rule(document)
    assert refused.value.field == field


def test_actions_of_missing_features_are_unavailable_until_they_exist() -> None:
    document = {"name": "x", "trigger": {"event": "created"},
                "actions": [{"kind": "add_tags", "value": ["a"]}]}
    with pytest.raises(ActionUnavailable):
        parse_rule(document)
    assert parse_rule(document, {"fields"}).actions[0].value == ["a"]
    reply = {**document, "actions": [{"kind": "send_reply_template", "value": "thanks"}]}
    with pytest.raises(ActionUnavailable):
        parse_rule(reply, {"fields"})


def test_seconds_in_each_status_sum_every_stay() -> None:
    start = MONDAY_NOON
    stays = [("new", start), ("in_progress", start + timedelta(minutes=10)),
             ("waiting_for_customer", start + timedelta(hours=1)),
             ("in_progress", start + timedelta(hours=3))]
    assert seconds_by_status(stays, start + timedelta(hours=4)) == {
        "new": 600, "in_progress": 3000 + 3600, "waiting_for_customer": 7200}
    assert seconds_by_status([], start) == {}
