"""The alert rules, pure: who is told, what a breach changes, what the alert says."""

from __future__ import annotations

from datetime import UTC, datetime

from ccengine.notifications.model import AlertDue, Person
from ccengine.notifications.rules import (
    Escalation,
    TicketFields,
    alert_title,
    due_now,
    escalations,
    recipients,
)

ANNA = Person(1, "anna", "Anna Nowak")
LENA = Person(2, "lena", "Lena Lider")
OLEK = Person(3, "olek", "Olek Lider")
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ALL = ("raise_priority", "assign_leader", ("move_queue", "eskalacje"))


def test_recipients_are_the_assignee_then_leaders_each_once() -> None:
    assert recipients(ANNA, [LENA, OLEK]) == [ANNA, LENA, OLEK]
    assert recipients(LENA, [LENA, OLEK]) == [LENA, OLEK]
    assert recipients(None, []) == []


def test_a_breach_raises_assigns_the_first_leader_and_moves() -> None:
    current = TicketFields("P3", "Anna Nowak", "reklamacje")
    assert escalations(ALL, current, [LENA, OLEK]) == [
        Escalation("priority", "P3", "P2"), Escalation("assignee", "Anna Nowak", "Lena Lider"),
        Escalation("queue", "reklamacje", "eskalacje")]


def test_actions_that_change_nothing_are_left_out() -> None:
    already = TicketFields("P1", "Olek Lider", "eskalacje")
    assert escalations(ALL, already, [LENA, OLEK]) == []
    assert escalations(("assign_leader",), TicketFields("P2", None, None), []) == []


def test_the_activity_line_names_the_clock_and_the_change() -> None:
    line = Escalation("priority", "P2", "P1").body("resolution")
    assert line == "SLA: resolution breached — priority P2 → P1"


def test_every_passed_threshold_is_due_and_titles_say_which() -> None:
    pending = [AlertDue("first_response", 50, AT), AlertDue("first_response", 100, AT),
               AlertDue("resolution", 50, AT.replace(hour=12))]
    assert due_now(pending, AT) == pending[:2]
    assert alert_title("TK-1", pending[0]) == "SLA 50 %: first response of TK-1"
    assert alert_title("TK-1", pending[1]) == "SLA breached: first response of TK-1"
