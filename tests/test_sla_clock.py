"""SLA policies and clocks: pure, no database."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccengine.sla import (
    DEFAULT_BUSINESS,
    BusinessCalendar,
    CalendarError,
    Duration,
    Pause,
    PolicyError,
    SlaFacts,
    SlaPolicy,
    SlaState,
    add_business_time,
    business_time_between,
    choose_policy,
    default_policies,
    due_after,
    sla_status,
    threshold_moments,
)
from ccengine.tickets.enums import Priority

WARSAW = ZoneInfo("Europe/Warsaw")
CALENDARS = {"business": DEFAULT_BUSINESS, "24/7": BusinessCalendar.always_open()}
P1, P2, P3, P4 = default_policies()
SHORT_FRIDAY = BusinessCalendar.from_hours_text(
    "short friday", "Europe/Warsaw",
    {"mon": ["08:00-18:00"], "tue": ["08:00-12:00", "14:00-18:00"], "wed": ["08:00-18:00"],
     "thu": ["08:00-18:00"], "fri": ["08:00-16:00"]})


def warsaw(year: int, month: int, day: int, hour: int = 0, minute: int = 0,
           second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=WARSAW)


# --- policies ----------------------------------------------------------------------------

def test_default_policies_follow_the_seeds() -> None:
    assert [(p.name, p.priority, p.first_response, p.resolution, p.calendar)
            for p in default_policies()] == [
        ("P1", Priority.P1, Duration(15, "minutes"), Duration(4, "hours"), "24/7"),
        ("P2", Priority.P2, Duration(1, "hours"), Duration(8, "hours"), "business"),
        ("P3", Priority.P3, Duration(4, "hours"), Duration(3, "business_days"), "business"),
        ("P4", Priority.P4, Duration(1, "business_days"), Duration(7, "business_days"),
         "business"),
    ]


def test_the_most_specific_policy_wins_ties_by_order() -> None:
    hours = Duration(1, "hours")
    general = SlaPolicy("general", Priority.P2, hours, hours, "business")
    vip = SlaPolicy("vip", Priority.P2, hours, hours, "business", vip=True)
    sales = SlaPolicy("sales", Priority.P2, hours, hours, "business", queue="sales")
    sales_too = SlaPolicy("sales too", Priority.P2, hours, hours, "business", queue="sales")
    sales_vip = SlaPolicy("sales vip", Priority.P2, hours, hours, "business", queue="sales",
                          vip=True)
    billing = SlaPolicy("billing", Priority.P2, hours, hours, "business", category="billing")
    policies = [general, vip, sales, sales_too, sales_vip, billing]

    def chosen(queue: str | None, category: str | None, is_vip: bool,
               priority: Priority = Priority.P2) -> str | None:
        policy = choose_policy(policies, priority, queue, category, is_vip)
        return policy.name if policy else None

    assert chosen(None, None, False) == "general"
    assert chosen("support", None, False) == "general"  # a queue-bound policy needs its queue
    assert chosen("sales", None, False) == "sales"  # not "sales too": first among equals
    assert chosen("sales", None, True) == "sales vip"
    assert chosen(None, "billing", True) == "vip"  # vip and category tie: order decides
    assert chosen(None, None, True, Priority.P1) is None


def test_a_negative_or_unknown_duration_names_the_field() -> None:
    with pytest.raises(PolicyError) as negative:
        Duration(-1, "hours")
    with pytest.raises(PolicyError) as unit:
        Duration(1, "weeks")  # type: ignore[arg-type]
    assert (negative.value.field, unit.value.field) == ("amount", "unit")


@pytest.mark.parametrize(("calendar", "start", "days", "due"), [
    # the same wall-clock time N open days later, holidays skipped
    (DEFAULT_BUSINESS, warsaw(2026, 12, 2, 10, 0), 3, warsaw(2026, 12, 7, 10, 0)),
    (DEFAULT_BUSINESS, warsaw(2026, 12, 23, 17, 30), 1, warsaw(2026, 12, 28, 17, 30)),
    # the target day closes earlier: its closing
    (SHORT_FRIDAY, warsaw(2026, 12, 3, 17, 30), 1, warsaw(2026, 12, 4, 16, 0)),
    # the position falls in the target day's break: the break's start
    (SHORT_FRIDAY, warsaw(2026, 11, 30, 13, 0), 1, warsaw(2026, 12, 1, 12, 0)),
    # a start outside hours counts from the next opening; a position on an opening boundary
    # is the previous closing (the same open time, reached earlier)
    (DEFAULT_BUSINESS, warsaw(2026, 12, 5, 10, 0), 1, warsaw(2026, 12, 7, 18, 0)),
    (DEFAULT_BUSINESS, warsaw(2026, 12, 2, 19, 0), 1, warsaw(2026, 12, 3, 18, 0)),
    (DEFAULT_BUSINESS, warsaw(2026, 12, 2, 10, 0), 0, warsaw(2026, 12, 2, 10, 0)),
])
def test_business_days_keep_the_wall_clock_position(calendar: BusinessCalendar, start: datetime,
                                                    days: int, due: datetime) -> None:
    assert due_after(calendar, start, Duration(days, "business_days")) == due


def test_business_days_on_a_24_7_calendar_are_calendar_days_across_daylight_saving() -> None:
    start = warsaw(2027, 3, 27, 12, 0)
    due = due_after(CALENDARS["24/7"], start, Duration(1, "business_days"))
    assert due == warsaw(2027, 3, 28, 12, 0)
    assert due - start == timedelta(hours=23)


@settings(max_examples=100, deadline=None)
@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31),
                    timezones=st.just(WARSAW)),
       st.integers(min_value=0, max_value=10), st.integers(min_value=0, max_value=10))
def test_business_days_are_monotonic_and_never_due_in_closed_time(
        start: datetime, one: int, two: int) -> None:
    fewer, more = sorted((one, two))
    early = due_after(SHORT_FRIDAY, start, Duration(fewer, "business_days"))
    late = due_after(SHORT_FRIDAY, start, Duration(more, "business_days"))
    assert early <= late
    if more:
        assert SHORT_FRIDAY.is_open(late - timedelta(microseconds=1))


# --- clocks: the examples -----------------------------------------------------------

def test_p2_over_christmas_is_due_on_monday() -> None:
    facts = SlaFacts(warsaw(2026, 12, 23, 17, 30), None, None)
    status = sla_status(P2, CALENDARS, facts, now=warsaw(2026, 12, 23, 17, 45))
    assert status.first_response.due_at == warsaw(2026, 12, 28, 8, 30)
    assert status.resolution.due_at == warsaw(2026, 12, 28, 15, 30)
    assert (status.first_response.percent, status.first_response.state) == (25, SlaState.OK)
    assert (status.state, status.percent) == (SlaState.OK, 25)


def test_waiting_for_the_customer_moves_resolution_but_not_first_response() -> None:
    paused = Pause(warsaw(2026, 12, 28, 9, 0), warsaw(2026, 12, 29, 10, 0))
    facts = SlaFacts(warsaw(2026, 12, 23, 17, 30), warsaw(2026, 12, 28, 8, 15), None, (paused,))
    status = sla_status(P2, CALENDARS, facts, now=warsaw(2026, 12, 29, 16, 0))
    assert status.resolution.due_at == warsaw(2026, 12, 29, 16, 30)
    assert status.first_response.due_at == warsaw(2026, 12, 28, 8, 30)
    assert status.first_response.state is SlaState.MET
    # 30 min Wednesday + 1 h Monday + 6 h Tuesday of 8 h
    assert (status.resolution.percent, status.resolution.state) == (93, SlaState.WARNING)
    assert (status.state, status.percent) == (SlaState.WARNING, 93)
    later = sla_status(P2, CALENDARS, facts, now=warsaw(2026, 12, 29, 16, 30))
    assert (later.state, later.percent) == (SlaState.BREACHED, 100)


def test_a_pause_still_going_on_shows_the_due_time_if_resumed_now() -> None:
    paused = Pause(warsaw(2026, 12, 28, 9, 0), None)
    facts = SlaFacts(warsaw(2026, 12, 23, 17, 30), warsaw(2026, 12, 28, 8, 15), None, (paused,))
    status = sla_status(P2, CALENDARS, facts, now=warsaw(2026, 12, 29, 10, 0))
    assert status.resolution.due_at == warsaw(2026, 12, 29, 16, 30)
    assert status.resolution.state is SlaState.PAUSED
    assert status.resolution.percent == 18  # 1.5 h of 8 h used before the pause
    assert status.state is SlaState.PAUSED


def test_p1_is_around_the_clock() -> None:
    facts = SlaFacts(warsaw(2026, 12, 24, 23, 50), None, None)
    status = sla_status(P1, CALENDARS, facts, now=warsaw(2026, 12, 25, 0, 5))
    assert status.first_response.due_at == warsaw(2026, 12, 25, 0, 5)
    assert status.resolution.due_at == warsaw(2026, 12, 25, 3, 50)
    assert (status.state, status.percent) == (SlaState.BREACHED, 100)


# --- clocks: states -------------------------------------------------------------------------

OPENED = warsaw(2026, 12, 2, 9, 0)  # Wednesday; P2 response due 10:00, resolution 17:00


@pytest.mark.parametrize(("now", "state", "percent"), [
    (warsaw(2026, 12, 2, 9, 0), SlaState.OK, 0),
    (warsaw(2026, 12, 2, 9, 47), SlaState.OK, 78),
    (warsaw(2026, 12, 2, 9, 48), SlaState.WARNING, 80),
    (warsaw(2026, 12, 2, 10, 0), SlaState.BREACHED, 100),
    (warsaw(2026, 12, 2, 11, 0), SlaState.BREACHED, 200),
])
def test_first_response_goes_ok_warning_breached(now: datetime, state: SlaState,
                                                 percent: int) -> None:
    status = sla_status(P2, CALENDARS, SlaFacts(OPENED, None, None), now)
    assert (status.first_response.state, status.first_response.percent) == (state, percent)
    assert (status.state, status.percent) == (state, percent)


def test_done_clocks_are_met_or_breached_and_stay_so() -> None:
    on_time = SlaFacts(OPENED, warsaw(2026, 12, 2, 10, 0), warsaw(2026, 12, 2, 16, 0))
    late = SlaFacts(OPENED, warsaw(2026, 12, 2, 10, 1), warsaw(2026, 12, 2, 17, 1))
    next_week = warsaw(2026, 12, 9, 12, 0)
    met = sla_status(P2, CALENDARS, on_time, next_week)
    breached = sla_status(P2, CALENDARS, late, next_week)
    assert (met.first_response.state, met.resolution.state, met.state) == (
        SlaState.MET, SlaState.MET, SlaState.MET)
    assert (met.first_response.percent, met.resolution.percent) == (100, 87)
    assert (breached.first_response.state, breached.state) == (SlaState.BREACHED,
                                                               SlaState.BREACHED)


def test_the_overall_state_is_the_worse_running_clock() -> None:
    answered_late = SlaFacts(OPENED, warsaw(2026, 12, 2, 10, 30), None)
    status = sla_status(P2, CALENDARS, answered_late, warsaw(2026, 12, 2, 11, 0))
    assert status.first_response.state is SlaState.BREACHED
    assert (status.state, status.percent) == (SlaState.OK, 25)  # resolution: 2 h of 8


def test_resolving_without_a_response_answers_too() -> None:
    facts = SlaFacts(OPENED, None, warsaw(2026, 12, 2, 9, 30))
    status = sla_status(P2, CALENDARS, facts, warsaw(2026, 12, 2, 12, 0))
    assert status.first_response.done_at == warsaw(2026, 12, 2, 9, 30)
    assert status.state is SlaState.MET


def test_as_api_gives_iso_strings() -> None:
    facts = SlaFacts(OPENED, warsaw(2026, 12, 2, 9, 30), None)
    assert sla_status(P2, CALENDARS, facts, warsaw(2026, 12, 2, 12, 0)).as_api() == {
        "policy": "P2",
        "first_response_due_at": "2026-12-02T09:00:00+00:00",
        "resolution_due_at": "2026-12-02T16:00:00+00:00",
        "first_response_at": "2026-12-02T08:30:00+00:00",
        "resolved_at": None,
        "state": "ok",
        "percent": 37,
    }


def test_an_unknown_calendar_or_naive_time_is_refused() -> None:
    lost = SlaPolicy("lost", Priority.P2, Duration(1, "hours"), Duration(1, "hours"), "nowhere")
    with pytest.raises(CalendarError) as caught:
        sla_status(lost, CALENDARS, SlaFacts(OPENED, None, None), OPENED)
    assert caught.value.field == "calendar"
    with pytest.raises(ValueError, match="aware"):
        SlaFacts(datetime(2026, 12, 2, 9, 0), None, None)
    with pytest.raises(ValueError, match="before its start"):
        Pause(OPENED, OPENED - timedelta(minutes=1))


# --- threshold moments ----------------------------------------------------------------------

def test_threshold_moments_include_finished_pauses() -> None:
    paused = Pause(warsaw(2026, 12, 28, 9, 0), warsaw(2026, 12, 29, 10, 0))
    facts = SlaFacts(warsaw(2026, 12, 23, 17, 30), None, None, (paused,))
    assert threshold_moments(P2, CALENDARS, facts) == [
        ("first_response", 50, warsaw(2026, 12, 23, 18, 0)),
        ("first_response", 80, warsaw(2026, 12, 28, 8, 18)),
        ("first_response", 100, warsaw(2026, 12, 28, 8, 30)),
        ("resolution", 50, warsaw(2026, 12, 29, 12, 30)),
        ("resolution", 80, warsaw(2026, 12, 29, 14, 54)),
        ("resolution", 100, warsaw(2026, 12, 29, 16, 30)),
    ]


def test_threshold_moments_leave_out_what_a_clock_never_reaches() -> None:
    still_paused = Pause(warsaw(2026, 12, 28, 12, 0), None)
    facts = SlaFacts(warsaw(2026, 12, 23, 17, 30), warsaw(2026, 12, 28, 8, 15), None,
                     (still_paused,))
    assert threshold_moments(P2, CALENDARS, facts) == [
        ("first_response", 50, warsaw(2026, 12, 23, 18, 0)),
        ("resolution", 50, warsaw(2026, 12, 28, 11, 30)),  # 80 % would come after 12:00
    ]


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=60 * 24 * 20))
def test_the_100_percent_moment_is_the_due_time(minutes_after: int) -> None:
    opened = warsaw(2026, 12, 1, 8, 0)
    start = add_business_time(DEFAULT_BUSINESS, opened, timedelta(minutes=minutes_after // 7))
    paused = Pause(start, start + timedelta(minutes=minutes_after))
    facts = SlaFacts(opened, None, None, (paused,))
    moments = {(clock, percent): at for clock, percent, at in threshold_moments(P3, CALENDARS,
                                                                                 facts)}
    status = sla_status(P3, CALENDARS, facts, opened)
    assert moments[("resolution", 100)] == status.resolution.due_at
    reached = sla_status(P3, CALENDARS, facts, moments[("resolution", 100)])
    assert (reached.resolution.state, reached.resolution.percent) == (SlaState.BREACHED, 100)
    allowed = business_time_between(DEFAULT_BUSINESS, opened,
                                    due_after(DEFAULT_BUSINESS, opened, P3.resolution))
    assert allowed == timedelta(hours=30)
    assert moments[("resolution", 100)] >= warsaw(2026, 12, 3, 18, 0)
