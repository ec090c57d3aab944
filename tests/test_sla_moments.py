"""The moments a ticket's SLA state changes: comparing them with now gives sla_status's state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from ccengine.sla import DEFAULT_BUSINESS, BusinessCalendar, Pause, SlaFacts, SlaState, sla_status
from ccengine.sla.moments import StateMoments, is_paused, state_at, state_moments
from ccengine.sla.policy import SlaPolicy, default_policies

WARSAW = ZoneInfo("Europe/Warsaw")
CALENDARS = {"business": DEFAULT_BUSINESS, "24/7": BusinessCalendar.always_open()}
P1, P2, P3, P4 = default_policies()


def warsaw(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=WARSAW)


def test_p2_over_christmas_warns_then_breaches_on_monday() -> None:
    # Opened Wednesday 23 Dec 17:30: 30 minutes that evening, then Monday from 08:00.
    facts = SlaFacts(warsaw(12, 23, 17, 30), None, None)
    moments = state_moments(P2, CALENDARS, facts)
    assert moments.breach_at == warsaw(12, 28, 8, 30)
    assert moments.warning_at == warsaw(12, 28, 8, 18)  # 48 of the 60 minutes


def test_a_paused_resolution_clock_neither_warns_nor_falls_due() -> None:
    facts = SlaFacts(warsaw(12, 28, 8), warsaw(12, 28, 8, 10), None,
                     (Pause(warsaw(12, 28, 9), None),))
    assert state_moments(P2, CALENDARS, facts) == StateMoments(None, None)
    assert state_at(StateMoments(None, None), is_paused(facts), warsaw(12, 30, 9)) is \
        SlaState.PAUSED


def test_a_clock_paused_after_its_due_time_stays_breached() -> None:
    facts = SlaFacts(warsaw(12, 28, 8), warsaw(12, 28, 8, 10), None,
                     (Pause(warsaw(12, 29, 9), None),))
    moments = state_moments(P2, CALENDARS, facts)
    assert moments.breach_at == warsaw(12, 28, 16)
    assert state_at(moments, True, warsaw(12, 30, 9)) is SlaState.BREACHED


def test_a_resolved_ticket_has_no_next_moment() -> None:
    facts = SlaFacts(warsaw(12, 28, 8), None, warsaw(12, 28, 9))
    assert state_moments(P2, CALENDARS, facts) == StateMoments(None, None)


OPENED = datetime(2026, 12, 21, 7, 0, tzinfo=UTC)
minutes = st.integers(min_value=0, max_value=60 * 24 * 6)


@settings(max_examples=150, deadline=None)
@given(policy=st.sampled_from([P1, P2, P3, P4]), response=st.none() | minutes,
       pause=st.none() | st.tuples(minutes, st.none() | minutes), now=minutes)
def test_state_at_agrees_with_sla_status_while_clocks_run(
        policy: SlaPolicy, response: int | None, pause: tuple[int, int | None] | None,
        now: int) -> None:
    """For any running ticket and any later moment, the two stored moments tell the state."""
    at = [OPENED + timedelta(minutes=m) for m in (response or 0, now)]
    pauses: tuple[Pause, ...] = ()
    if pause is not None:
        start = OPENED + timedelta(minutes=pause[0])
        end = None if pause[1] is None else start + timedelta(minutes=pause[1])
        pauses = (Pause(start, end),)
    facts = SlaFacts(OPENED, at[0] if response is not None else None, None, pauses)
    latest = max([OPENED, at[0] if response is not None else OPENED,
                  *[moment for p in pauses for moment in (p.start, p.end) if moment]])
    now_at = max(at[1], latest)
    expected = sla_status(policy, CALENDARS, facts, now_at).state
    moments = state_moments(policy, CALENDARS, facts)
    assert state_at(moments, is_paused(facts), now_at) is expected
