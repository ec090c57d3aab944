"""The SLA calendar and business-time arithmetic: pure, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccengine.sla import (
    DEFAULT_BUSINESS,
    BusinessCalendar,
    CalendarError,
    ClosedDay,
    add_business_time,
    business_time_between,
)
from ccengine.sla.business_time import next_open_moment

WARSAW = ZoneInfo("Europe/Warsaw")
ALWAYS = BusinessCalendar.always_open()
WEEKDAYS_ONLY = ("mon", "tue", "wed", "thu", "fri")
LUNCH_AND_SATURDAY = BusinessCalendar.from_hours_text(
    "split", "Europe/Warsaw",
    {"mon": ["08:00-12:00", "13:00-18:00"], "tue": ["13:00-18:00", "08:00-12:00"],
     "wed": "07:30-24:00", "thu": ["00:00-02:30", "09:00-17:00"], "sat": ["10:00-14:00"]},
    closed_days=[ClosedDay("inventory", date(2027, 2, 1), date(2027, 2, 3))])
CALENDARS = (DEFAULT_BUSINESS, ALWAYS, LUNCH_AND_SATURDAY)


def warsaw(year: int, month: int, day: int, hour: int = 0, minute: int = 0,
           second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=WARSAW)


# --- the calendar -------------------------------------------------------------------------

def test_default_business_hours_are_weekdays_eight_to_six_in_warsaw() -> None:
    assert DEFAULT_BUSINESS.name == "business"
    assert DEFAULT_BUSINESS.timezone == "Europe/Warsaw"
    assert DEFAULT_BUSINESS.country == "PL"
    assert DEFAULT_BUSINESS.is_open(warsaw(2026, 12, 2, 8, 0))
    assert DEFAULT_BUSINESS.is_open(warsaw(2026, 12, 2, 17, 59))
    assert not DEFAULT_BUSINESS.is_open(warsaw(2026, 12, 2, 18, 0))
    assert not DEFAULT_BUSINESS.is_open(warsaw(2026, 12, 2, 7, 59))
    assert not DEFAULT_BUSINESS.is_open(warsaw(2026, 12, 5, 12, 0))  # Saturday


def test_christmas_eve_is_a_public_holiday_from_2025() -> None:
    # The installed `holidays` knows the 2025 law: no rule of our own is needed.
    reason = DEFAULT_BUSINESS.closed_reason(date(2026, 12, 24))
    assert reason == "holiday: Wigilia Bożego Narodzenia"
    assert not DEFAULT_BUSINESS.is_open(warsaw(2026, 12, 24, 12, 0))


@pytest.mark.parametrize("day", [date(2027, 3, 29), date(2027, 5, 27), date(2026, 12, 25)])
def test_moving_and_fixed_holidays_are_closed(day: date) -> None:
    reason = DEFAULT_BUSINESS.closed_reason(day)
    assert reason is not None and reason.startswith("holiday: ")
    assert DEFAULT_BUSINESS.day_intervals(day) == ()
    assert not DEFAULT_BUSINESS.is_open(datetime.combine(day, time(12, 0), WARSAW))


def test_custom_closed_days_and_no_country() -> None:
    assert LUNCH_AND_SATURDAY.closed_reason(date(2027, 2, 2)) == "inventory"
    assert not LUNCH_AND_SATURDAY.is_open(warsaw(2027, 2, 2, 9, 0))
    assert ALWAYS.closed_reason(date(2026, 12, 25)) is None
    assert ALWAYS.is_open(warsaw(2026, 12, 25, 3, 0))


def test_a_range_may_end_at_midnight() -> None:
    assert LUNCH_AND_SATURDAY.is_open(warsaw(2027, 1, 13, 23, 59, 59))  # Wednesday
    assert LUNCH_AND_SATURDAY.is_open(warsaw(2027, 1, 14, 0, 0))  # Thursday 00:00-02:30
    assert not LUNCH_AND_SATURDAY.is_open(warsaw(2027, 1, 14, 2, 30))


@pytest.mark.parametrize(("hours", "field"), [
    ({"mon": ["08:00-12:00", "11:00-18:00"]}, "hours.mon[1]"),
    ({"mon": ["13:00-18:00", "08:00-13:30"]}, "hours.mon[1]"),
    ({"tue": ["8-18"]}, "hours.tue[0]"),
    ({"tue": ["08:00-18:00", "19:00-18:30"]}, "hours.tue[1]"),
    ({"tue": ["25:00-26:00"]}, "hours.tue[0]"),
    ({"monday": ["08:00-18:00"]}, "hours.monday"),
])
def test_bad_hours_name_the_field(hours: dict[str, list[str]], field: str) -> None:
    with pytest.raises(CalendarError) as caught:
        BusinessCalendar.from_hours_text("x", "Europe/Warsaw", hours)
    assert caught.value.field == field


def test_bad_zone_country_and_closed_days_name_the_field() -> None:
    hours = {"mon": ["08:00-18:00"]}
    with pytest.raises(CalendarError) as zone:
        BusinessCalendar.from_hours_text("x", "Europe/Atlantis", hours)
    with pytest.raises(CalendarError) as country:
        BusinessCalendar.from_hours_text("x", "Europe/Warsaw", hours, country="XX")
    with pytest.raises(CalendarError) as closed:
        BusinessCalendar.from_hours_text(
            "x", "Europe/Warsaw", hours,
            closed_days=[ClosedDay("oops", date(2027, 1, 2), date(2027, 1, 1))])
    with pytest.raises(CalendarError) as typed:
        BusinessCalendar("x", "Europe/Warsaw", {"fri": ((time(18, 0), time(8, 0)),)})
    assert (zone.value.field, country.value.field, closed.value.field, typed.value.field) == (
        "timezone", "country", "closed_days[0]", "hours.fri[0]")


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        DEFAULT_BUSINESS.is_open(datetime(2026, 12, 2, 9, 0))
    with pytest.raises(ValueError, match="aware"):
        add_business_time(DEFAULT_BUSINESS, datetime(2026, 12, 2, 9, 0), timedelta(hours=1))


def test_a_calendar_that_is_never_open_raises_instead_of_looping() -> None:
    never = BusinessCalendar("never", "Europe/Warsaw", {})
    with pytest.raises(CalendarError) as empty:
        add_business_time(never, warsaw(2026, 12, 2, 9, 0), timedelta(minutes=1))
    closed_for_ages = BusinessCalendar.from_hours_text(
        "closed", "Europe/Warsaw", {"mon": ["08:00-18:00"]},
        closed_days=[ClosedDay("renovation", date(2026, 1, 1), date(2050, 1, 1))])
    with pytest.raises(CalendarError) as capped:
        add_business_time(closed_for_ages, warsaw(2026, 12, 2, 9, 0), timedelta(minutes=1))
    assert empty.value.field == capped.value.field == "hours"
    assert business_time_between(never, warsaw(2026, 1, 1), warsaw(2027, 1, 1)) == timedelta(0)


def test_open_intervals_are_in_order_in_utc_and_clipped() -> None:
    intervals = list(LUNCH_AND_SATURDAY.open_intervals(warsaw(2027, 1, 4, 10, 0),
                                                       warsaw(2027, 1, 5, 9, 0)))
    assert intervals == [
        (warsaw(2027, 1, 4, 10, 0), warsaw(2027, 1, 4, 12, 0)),
        (warsaw(2027, 1, 4, 13, 0), warsaw(2027, 1, 4, 18, 0)),
        (warsaw(2027, 1, 5, 8, 0), warsaw(2027, 1, 5, 9, 0)),
    ]
    assert all(moment.tzinfo is UTC for interval in intervals for moment in interval)


# --- business time: the examples ----------------------------------------------------

def test_p2_first_response_and_resolution_over_christmas() -> None:
    opened = warsaw(2026, 12, 23, 17, 30)  # Wednesday; 24-27 December closed
    assert add_business_time(DEFAULT_BUSINESS, opened, timedelta(hours=1)) == warsaw(
        2026, 12, 28, 8, 30)
    assert add_business_time(DEFAULT_BUSINESS, opened, timedelta(hours=8)) == warsaw(
        2026, 12, 28, 15, 30)


def test_always_open_over_christmas_eve_midnight() -> None:
    due = add_business_time(ALWAYS, warsaw(2026, 12, 24, 23, 50), timedelta(minutes=15))
    assert due == warsaw(2026, 12, 25, 0, 5) and due.tzinfo is UTC


@pytest.mark.parametrize(("friday", "monday_holiday", "next_working_day"), [
    (date(2027, 3, 26), date(2027, 3, 29), date(2027, 3, 30)),  # spring: Easter Monday
    (date(2027, 10, 29), date(2027, 11, 1), date(2027, 11, 2)),  # autumn: All Saints' Day
])
def test_business_hours_stay_wall_clock_hours_across_daylight_saving(
        friday: date, monday_holiday: date, next_working_day: date) -> None:
    start = datetime.combine(friday, time(17, 0), WARSAW)
    no_holidays = BusinessCalendar.from_hours_text(
        "plain", "Europe/Warsaw", {day: ["08:00-18:00"] for day in WEEKDAYS_ONLY}, country=None)
    at_nine = time(9, 0)
    assert add_business_time(no_holidays, start, timedelta(hours=2)) == datetime.combine(
        monday_holiday, at_nine, WARSAW)
    # Both 2027 changes fall on the weekend before a Polish public holiday.
    assert add_business_time(DEFAULT_BUSINESS, start, timedelta(hours=2)) == datetime.combine(
        next_working_day, at_nine, WARSAW)
    assert business_time_between(no_holidays, start, datetime.combine(
        monday_holiday, at_nine, WARSAW)) == timedelta(hours=2)


@pytest.mark.parametrize(("day", "real_hours"), [(date(2027, 3, 28), 23), (date(2027, 10, 31), 25)])
def test_always_open_counts_real_elapsed_time_across_daylight_saving(
        day: date, real_hours: int) -> None:
    midnight = datetime.combine(day, time(0), WARSAW)
    next_midnight = datetime.combine(day + timedelta(days=1), time(0), WARSAW)
    assert business_time_between(ALWAYS, midnight, next_midnight) == timedelta(hours=real_hours)
    later = add_business_time(ALWAYS, midnight, timedelta(hours=24))
    assert later - midnight == timedelta(hours=24)


def test_zero_duration_is_the_start_itself_even_when_closed() -> None:
    saturday = warsaw(2026, 12, 5, 12, 0)
    assert add_business_time(DEFAULT_BUSINESS, saturday, timedelta(0)) == saturday


def test_a_due_time_on_a_closing_time_is_that_closing_time() -> None:
    assert add_business_time(DEFAULT_BUSINESS, warsaw(2026, 12, 2, 17, 0),
                             timedelta(hours=1)) == warsaw(2026, 12, 2, 18, 0)


def test_long_durations_walk_days_not_minutes() -> None:
    start = warsaw(2026, 1, 2, 8, 0)  # a year of open time: ~250 open days, ~365 walked
    year = business_time_between(DEFAULT_BUSINESS, start, warsaw(2027, 1, 2, 8, 0))
    assert add_business_time(DEFAULT_BUSINESS, start, year) == warsaw(2026, 12, 31, 18, 0)


# --- business time: properties -------------------------------------------------------------

moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31),
                       timezones=st.just(WARSAW))
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40))
calendars = st.sampled_from(CALENDARS)


@settings(max_examples=150, deadline=None)
@given(calendars, moments, durations)
def test_adding_then_measuring_gives_the_duration_back(
        calendar: BusinessCalendar, moment: datetime, duration: timedelta) -> None:
    start = next_open_moment(calendar, moment)
    end = add_business_time(calendar, start, duration)
    assert business_time_between(calendar, start, end) == duration


@settings(max_examples=150, deadline=None)
@given(calendars, moments, moments)
def test_measuring_then_adding_reaches_the_end_or_the_last_open_moment_before(
        calendar: BusinessCalendar, moment: datetime, other: datetime) -> None:
    start = next_open_moment(calendar, moment)
    between = business_time_between(calendar, start, other)
    reached = add_business_time(calendar, start, between)
    assert reached <= max(other, start)
    assert business_time_between(calendar, start, reached) == between
    if other > start and calendar.is_open(other) and calendar.is_open(
            other - timedelta(microseconds=1)):
        # The same instant: an ambiguous local time (the autumn change's 02:30) never
        # compares equal to a UTC datetime in Python (PEP 495), so compare timestamps.
        assert reached.timestamp() == other.timestamp()


@settings(max_examples=150, deadline=None)
@given(calendars, moments, durations, durations)
def test_adding_is_monotonic_in_the_duration(calendar: BusinessCalendar, start: datetime,
                                             one: timedelta, two: timedelta) -> None:
    shorter, longer = sorted((one, two))
    assert add_business_time(calendar, start, shorter) <= add_business_time(
        calendar, start, longer)


@settings(max_examples=150, deadline=None)
@given(calendars, moments, durations.filter(bool))
def test_a_result_never_lies_in_closed_time(calendar: BusinessCalendar, start: datetime,
                                            duration: timedelta) -> None:
    reached = add_business_time(calendar, start, duration)
    just_before = reached - timedelta(microseconds=1)
    assert calendar.is_open(just_before)
    assert calendar.closed_reason(just_before.astimezone(calendar.zone).date()) is None


def test_a_calendar_is_a_read_only_value() -> None:
    same = BusinessCalendar.from_hours_text(
        "business", "Europe/Warsaw", {day: ["08:00-18:00"] for day in WEEKDAYS_ONLY})
    assert same == DEFAULT_BUSINESS and hash(same) == hash(DEFAULT_BUSINESS)
    with pytest.raises(TypeError):
        DEFAULT_BUSINESS.hours["sat"] = ()  # type: ignore[index]
