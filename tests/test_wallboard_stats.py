"""The wallboard's maths: waits, agents by state, today's counts and the service level."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ccengine.agents import wallboard_stats as stats
from ccengine.agents.presence import Activity, Agent, Membership
from ccengine.agents.wallboard_stats import DayTally, OutcomeCount, Waiting
from ccengine.calls.state import CallState, QueueVisit

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def call(linkedid: str, *visits: QueueVisit, started: datetime | None = None,
         hold: int | None = None) -> CallState:
    state = CallState(pbx="pbx", linkedid=linkedid,
                      started_at=started or NOW - timedelta(minutes=1))
    state.visits.extend(visits)
    state.hold_seconds = hold
    return state


def visit(queue: str, waited: int, result: str | None = None) -> QueueVisit:
    return QueueVisit(queue=queue, joined_at=NOW - timedelta(seconds=waited), result=result)


def member(queue: str, paused: bool = False) -> Membership:
    return Membership(queue=queue, penalty=0, paused=paused, paused_reason="break" if paused
                      else "", dynamic=True)


def agent(interface: str, *queues: Membership, activity: Activity = Activity.IDLE) -> Agent:
    return Agent(interface, queues={m.queue: m for m in queues}, activity=activity)


# -- service level -------------------------------------------------------------


def test_no_calls_no_service_level_and_no_division() -> None:
    assert DayTally().service_level is None
    assert stats.tally([]) == {}
    [empty] = stats.board(waits={}, agents={"support": dict.fromkeys(stats.AGENT_STATES, 0)},
                          days={})
    assert empty.as_json(20)["service_level"] is None
    assert empty.as_json(20)["longest_wait_seconds"] is None


def test_service_level_counts_answered_within_against_answered_and_late_misses() -> None:
    days = stats.tally([
        OutcomeCount("support", "answered", True, 6),
        OutcomeCount("support", "answered", False, 2),
        OutcomeCount("support", "abandoned", True, 5),   # short abandons: not counted in SL
        OutcomeCount("support", "abandoned", False, 1),
        OutcomeCount("support", "timeout", False, 1),
        OutcomeCount("support", "voicemail", True, 3),   # passed on quickly: not counted
    ])
    support = days["support"]
    assert (support.answered, support.abandoned, support.timed_out) == (8, 6, 4)
    assert support.offered == 8 + 1 + 1
    assert support.service_level == 6 / 10


def test_only_short_abandons_leave_no_service_level() -> None:
    days = stats.tally([OutcomeCount("sales", "abandoned", True, 3)])
    assert days["sales"].abandoned == 3
    assert days["sales"].service_level is None


def test_a_timeout_is_not_an_abandon_and_ivr_hangups_are_no_queue_calls() -> None:
    days = stats.tally([OutcomeCount("sales", "timeout", False, 2),
                        OutcomeCount("sales", "ivr_abandoned", False, 4)])
    assert (days["sales"].abandoned, days["sales"].timed_out) == (0, 2)
    assert days["sales"].service_level == 0.0


def test_an_unknown_wait_never_flatters() -> None:
    assert not stats.within(None, 20)
    assert stats.within(20, 20) and not stats.within(21, 20)


def test_the_day_begins_at_midnight_in_the_contact_centers_zone() -> None:
    # 23:30 UTC on 1 March is already 2 March in Warsaw (UTC+1).
    start = stats.day_start(datetime(2026, 3, 1, 23, 30, tzinfo=UTC), "Europe/Warsaw")
    assert start == datetime(2026, 3, 1, 23, 0, tzinfo=UTC)
    summer = stats.day_start(datetime(2026, 7, 1, 12, 0, tzinfo=UTC), "Europe/Warsaw")
    assert summer == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)


# -- live ------------------------------------------------------------------------


def test_waiting_counts_callers_without_a_result_and_the_longest_wait() -> None:
    calls = [call("1", visit("support", 12)), call("2", visit("support", 40)),
             call("3", visit("sales", 5, "connected")),
             call("4", visit("sales", 90, "timeout"), visit("support", 3)),
             call("5")]
    waits = stats.waiting(calls, NOW)
    assert waits == {"support": Waiting(3, 40)}


def test_answered_calls_still_going_count_today() -> None:
    calls = [call("1", visit("support", 30, "connected"), hold=8),
             call("2", visit("support", 30, "connected"), hold=25),
             call("3", visit("support", 30, "connected"), hold=5,
                  started=NOW - timedelta(days=1)),
             call("4", visit("support", 10))]
    live = stats.answered_live(calls, NOW - timedelta(hours=10), 20)
    assert live == [OutcomeCount("support", "answered", True, 1),
                    OutcomeCount("support", "answered", False, 1)]


def test_agents_by_state_per_queue_with_the_roster_logged_out() -> None:
    agents = [agent("PJSIP/a1", member("support"), member("sales")),
              agent("PJSIP/a2", member("support", paused=True)),
              agent("PJSIP/a3", member("support"), activity=Activity.IN_CALL),
              agent("PJSIP/a4", member("sales", paused=True), member("support"))]
    rosters = {"support": {"PJSIP/a1", "PJSIP/a2", "PJSIP/a3", "PJSIP/a4", "PJSIP/a5"},
               "sales": {"PJSIP/a1", "PJSIP/a6"}}
    counts = stats.agents_by_queue(agents, rosters)
    assert counts["support"] == {"available": 2, "ringing": 0, "in_call": 1, "wrap_up": 0,
                                 "paused": 1, "logged_out": 1}
    assert counts["sales"] == {"available": 1, "ringing": 0, "in_call": 0, "wrap_up": 0,
                               "paused": 1, "logged_out": 1}
    overall = stats.agents_overall(agents, rosters)
    assert overall == {"available": 2, "ringing": 0, "in_call": 1, "wrap_up": 0, "paused": 1,
                       "logged_out": 2}


def test_board_and_totals() -> None:
    queues = stats.board(
        waits={"support": Waiting(2, 40), "sales": Waiting(1, 70)},
        agents={"support": dict.fromkeys(stats.AGENT_STATES, 1)},
        days={"support": DayTally(answered=3, answered_within=3),
              "billing": DayTally(abandoned=1, abandoned_after=1)})
    assert [q.queue for q in queues] == ["billing", "sales", "support"]
    total = stats.totals(queues, dict.fromkeys(stats.AGENT_STATES, 0))
    figures = total.as_json(20)
    assert (figures["waiting"], figures["longest_wait_seconds"]) == (3, 70)
    assert (figures["answered"], figures["abandoned"]) == (3, 1)
    assert figures["service_level"] == 3 / 4
    nobody = stats.totals([], dict.fromkeys(stats.AGENT_STATES, 0)).as_json(20)
    assert (nobody["waiting"], nobody["longest_wait_seconds"], nobody["service_level"]) == (
        0, None, None)
