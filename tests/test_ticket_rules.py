from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from ccengine.calls.model import FinishedCall, Outcome
from ccengine.tickets.enums import Priority, TicketKind, TicketStatus, can_transition
from ccengine.tickets.rules import (
    MISSED_REASONS,
    OpenTicket,
    learned_name,
    plan_ticket,
    ticket_to_join,
)

CALLER = "+48602333444"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MakeCall = Callable[..., FinishedCall]
MISSED = [Outcome.ABANDONED, Outcome.IVR_ABANDONED, Outcome.TIMEOUT, Outcome.UNANSWERED]


@pytest.mark.parametrize("outcome", MISSED)
def test_missed_call_opens_a_callback(outcome: Outcome, make_call: MakeCall) -> None:
    plan = plan_ticket(make_call("1", outcome), CALLER, vip=False)
    assert (plan.kind, plan.status, plan.priority) == (
        TicketKind.CALLBACK,
        TicketStatus.NEW,
        Priority.P2,
    )
    assert plan.title == (
        f"Oddzwonić: nieodebrane połączenie od {CALLER} ({MISSED_REASONS[outcome]})")
    assert plan.assignee is None


def test_vip_missed_call_is_p1(make_call: MakeCall) -> None:
    assert plan_ticket(make_call("1", Outcome.ABANDONED), CALLER, vip=True).priority is Priority.P1


def test_answered_call_is_in_progress_with_the_agent(make_call: MakeCall) -> None:
    plan = plan_ticket(make_call("1", Outcome.ANSWERED), CALLER, vip=False)
    assert (plan.kind, plan.status, plan.priority) == (
        TicketKind.CALL,
        TicketStatus.IN_PROGRESS,
        Priority.P3,
    )
    assert plan.assignee == "Anna Nowak"
    assert plan.queue == "support"
    assert CALLER in plan.title and "Anna Nowak" in plan.title


def test_vip_answered_call_is_p2(make_call: MakeCall) -> None:
    assert plan_ticket(make_call("1"), CALLER, vip=True).priority is Priority.P2


def test_external_call_is_new_and_unassigned(make_call: MakeCall) -> None:
    call = make_call("1", Outcome.EXTERNAL, external_number="+48223334455")
    plan = plan_ticket(call, CALLER, vip=False)
    assert (plan.kind, plan.status, plan.priority, plan.assignee) == (
        TicketKind.CALL,
        TicketStatus.NEW,
        Priority.P3,
        None,
    )
    assert "+48223334455" in plan.title
    assert plan_ticket(call, CALLER, vip=True).priority is Priority.P2


def test_hidden_caller_has_a_readable_title(make_call: MakeCall) -> None:
    plan = plan_ticket(make_call("1", Outcome.ABANDONED), None, vip=False)
    assert "od numeru ukrytego" in plan.title


def test_priority_raised_stops_at_p1() -> None:
    assert [p.raised() for p in Priority] == [Priority.P1, Priority.P1, Priority.P2, Priority.P3]


def _open(ref: int, hours_before: float, status: TicketStatus = TicketStatus.NEW) -> OpenTicket:
    return OpenTicket(ref=ref, status=status, created_at=T0 - timedelta(hours=hours_before))


def test_join_is_off_at_zero_hours() -> None:
    assert ticket_to_join([_open(1, 0.1)], T0, within_hours=0) is None


def test_join_picks_the_newest_open_ticket_in_the_window() -> None:
    tickets = [_open(1, 5), _open(2, 1), _open(3, 2)]
    assert ticket_to_join(tickets, T0, within_hours=3) == tickets[1]


def test_join_ignores_old_and_closed_tickets() -> None:
    tickets = [_open(1, 30), _open(2, 1, TicketStatus.CLOSED)]
    assert ticket_to_join(tickets, T0, within_hours=24) is None


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (TicketStatus.NEW, TicketStatus.IN_PROGRESS),
        (TicketStatus.IN_PROGRESS, TicketStatus.WAITING_FOR_CUSTOMER),
        (TicketStatus.WAITING_FOR_CUSTOMER, TicketStatus.CLOSED),
        (TicketStatus.WAITING_FOR_CUSTOMER, TicketStatus.IN_PROGRESS),
        (TicketStatus.IN_PROGRESS, TicketStatus.CLOSED),
        (TicketStatus.CLOSED, TicketStatus.IN_PROGRESS),
    ],
)
def test_allowed_transitions(current: TicketStatus, target: TicketStatus) -> None:
    assert can_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (TicketStatus.NEW, TicketStatus.WAITING_FOR_CUSTOMER),
        (TicketStatus.NEW, TicketStatus.NEW),
        (TicketStatus.CLOSED, TicketStatus.NEW),
        (TicketStatus.CLOSED, TicketStatus.CLOSED),
        (TicketStatus.WAITING_FOR_CUSTOMER, TicketStatus.NEW),
    ],
)
def test_forbidden_transitions(current: TicketStatus, target: TicketStatus) -> None:
    assert not can_transition(current, target)


@pytest.mark.parametrize(
    ("name", "number", "learned"),
    [
        ("Łukasz Żółtowski", "+48602333444", "Łukasz Żółtowski"),
        ("<unknown>", "+48602333444", None),
        ("  ", "+48602333444", None),
        (None, "+48602333444", None),
        ("602333444", "+48602333444", None),
    ],
)
def test_learned_name(name: str | None, number: str, learned: str | None) -> None:
    assert learned_name(name, number) == learned
