"""The pure route walk over the example graph: branches, reasons and AGI commands."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ccengine.ami.events import AsyncAgiExecuted, ChannelInfo
from ccengine.routes.agi import AgiReply
from ccengine.routes.document import parse_graph
from ccengine.routes.evaluate import Evaluation, Scenario, evaluate
from ccengine.routes.model import RouteGraph
from ccengine.routes.walk import CallFacts, Command, PathStep, walk

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ecommerce-routes.yaml"
WARSAW = ZoneInfo("Europe/Warsaw")
DID = "+48221110000"
CALLER = "+48601111222"
MONDAY_MORNING = datetime(2026, 11, 23, 10, 15, tzinfo=WARSAW)


@pytest.fixture(scope="module")
def graph() -> RouteGraph:
    return parse_graph(EXAMPLE.read_text(encoding="utf-8"))


def run(graph: RouteGraph, at: datetime = MONDAY_MORNING, caller: str | None = CALLER,
        vip: bool = False, **scenario: str) -> Evaluation:
    facts = CallFacts(did=DID, caller=caller, at=at, uniqueid="1795425158.46", customer_vip=vip)
    return evaluate(graph, facts, Scenario(**scenario))  # type: ignore[arg-type]


def nodes(evaluation: Evaluation) -> list[str]:
    return [step.node for step in evaluation.path]


def test_open_hours_menu_choice_reaches_its_queue(graph: RouteGraph) -> None:
    result = run(graph, digits="2")
    assert nodes(result) == ["infolinia", "godziny", "swieta", "vip", "powitanie", "menu",
                             "kolejka-posprzedaz"]
    assert result.path[1].branch == "open"
    assert result.path[5] == PathStep("menu", "menu", "option 2", "caller pressed 2")
    assert result.actions[:3] == (
        "ANSWER", "EXEC MixMonitor /var/spool/asterisk/monitor/ccengine/1795425158.46.wav",
        "EXEC Playback ccengine/welcome")
    assert "GET DATA ccengine/menu 5000 1" in result.actions
    # Queue() returning -1 may leave the caller in AGI: the walk hands it back.
    assert result.actions[-2:] == ("EXEC Queue posprzedaz,t,,,240", "ASYNCAGI BREAK")
    assert result.result.ended_by == "queue"
    assert result.result.queue == "posprzedaz"
    assert result.result.digits == "2"


def test_after_hours_go_to_voicemail(graph: RouteGraph) -> None:
    result = run(graph, at=datetime(2026, 11, 23, 18, 0, tzinfo=WARSAW))
    assert nodes(result) == ["infolinia", "godziny", "zamkniete", "poczta"]
    assert result.path[1].reason == "mon 18:00 outside 08:00-18:00 (Europe/Warsaw)"
    assert result.actions[-3:] == (
        "EXEC Playback ccengine/voicemail", "EXEC Playback ccengine/beep",
        "RECORD FILE /var/spool/asterisk/voicemail/ccengine/1795425158.46 wav # 120000 s=5")
    assert result.result.ended_by == "voicemail"
    assert result.result.voicemail_file == (
        "/var/spool/asterisk/voicemail/ccengine/1795425158.46.wav")


@pytest.mark.parametrize(("day", "name"), [
    (datetime(2026, 11, 11, 10, 0, tzinfo=WARSAW), "Narodowe Święto Niepodległości"),
    (datetime(2027, 3, 29, 10, 0, tzinfo=WARSAW), "Poniedziałek Wielkanocny"),  # from Easter
    (datetime(2026, 12, 31, 10, 0, tzinfo=WARSAW), "Inwentaryzacja"),  # the graph's own
])
def test_holidays_take_the_holiday_branch(graph: RouteGraph, day: datetime, name: str) -> None:
    result = run(graph, at=day)
    holiday = result.path[2]
    assert (holiday.node, holiday.branch) == ("swieta", "holiday")
    assert holiday.reason == f"holiday: {day.date().isoformat()} {name}"
    assert nodes(result)[3:] == ["swieto", "poczta"]


def test_the_day_after_a_holiday_is_regular(graph: RouteGraph) -> None:
    result = run(graph, at=datetime(2026, 11, 12, 10, 0, tzinfo=WARSAW), digits="1")
    assert result.path[2].branch == "regular"


@pytest.mark.parametrize(("at", "branch"), [
    (datetime(2026, 11, 28, 13, 59, tzinfo=WARSAW), "open"),  # Saturday 9-14
    (datetime(2026, 11, 28, 14, 0, tzinfo=WARSAW), "closed"),
    (datetime(2026, 11, 29, 10, 0, tzinfo=WARSAW), "closed"),  # Sunday
    (datetime(2026, 11, 23, 7, 59, tzinfo=WARSAW), "closed"),
    (datetime(2026, 11, 23, 7, 0, tzinfo=ZoneInfo("UTC")), "open"),  # 08:00 in Warsaw
])
def test_open_hours_are_read_in_the_graph_time_zone(graph: RouteGraph, at: datetime,
                                                    branch: str) -> None:
    assert run(graph, at=at).path[1].branch == branch


@pytest.mark.parametrize("vip", ["list", "customer"])
def test_vip_skips_the_menu_with_priority(graph: RouteGraph, vip: str) -> None:
    caller = "+48604777888" if vip == "list" else CALLER
    result = run(graph, caller=caller, vip=vip == "customer")
    assert nodes(result) == ["infolinia", "godziny", "swieta", "vip", "kolejka-vip"]
    assert not any(action.startswith("GET DATA") for action in result.actions)
    assert result.actions[-3:-1] == ("SET VARIABLE QUEUE_PRIO 10", "EXEC Queue vip,t,,,120")
    assert result.result.queue_priority == 10


def test_two_invalid_choices_fall_back(graph: RouteGraph) -> None:
    result = run(graph, digits="78")
    menu = result.path[5]
    assert (menu.branch, menu.reason) == ("fallback", "2 failed attempts (invalid 7, invalid 8)")
    assert result.actions.count("EXEC Playback ccengine/invalid") == 2
    assert result.result.queue == "posprzedaz"


def test_silence_replays_the_menu_then_falls_back(graph: RouteGraph) -> None:
    result = run(graph, digits="")
    assert result.actions.count("GET DATA ccengine/menu 5000 1") == 2
    assert result.actions.count("EXEC Playback ccengine/no-input") == 2
    assert result.path[5].reason == "2 failed attempts (no input, no input)"


def test_tiered_queue_sets_penalties_before_queue(graph: RouteGraph) -> None:
    result = run(graph, digits="5")
    assert result.actions[-5:-1] == ("SET VARIABLE QUEUE_MIN_PENALTY 0",
                                     "SET VARIABLE QUEUE_MAX_PENALTY 0",
                                     "SET VARIABLE QUEUE_RAISE_PENALTY 0",
                                     "EXEC Queue wsparcie,t,,,90,,,wsparcie")


def test_queue_timeout_transfers_to_the_partner(graph: RouteGraph) -> None:
    result = run(graph, digits="5", queue="timeout")
    assert nodes(result)[-2:] == ["kolejka-wsparcie", "partner"]
    assert result.path[-2].branch == "timeout"
    assert "GET VARIABLE QUEUESTATUS" in result.actions
    assert result.actions[-2:] == ("EXEC Dial PJSIP/48225550000@trunk-operator,30",
                                   "ASYNCAGI BREAK")
    assert result.result.ended_by == "transfer"


def test_busy_partner_ends_in_voicemail(graph: RouteGraph) -> None:
    result = run(graph, digits="5", queue="timeout", dial="BUSY")
    assert nodes(result)[-2:] == ["partner", "poczta"]
    assert result.path[-2].reason == "DIALSTATUS=BUSY"
    assert result.result.dial_status == "BUSY"


def test_outage_line_is_p1_in_the_hot_queue(graph: RouteGraph) -> None:
    result = run(graph, digits="9")
    assert result.result.queue == "awarie"
    assert result.result.ticket_priority == "P1"
    assert "SET VARIABLE QUEUE_PRIO 20" in result.actions


def test_empty_sales_queue_offers_a_callback(graph: RouteGraph) -> None:
    result = run(graph, digits="11", queue="empty")
    assert nodes(result)[-1] == "oddzwonienie"
    assert result.path[-1].branch == "confirmed"
    assert result.result.callback_number == CALLER
    assert result.actions[-2:] == ("EXEC Playback ccengine/goodbye", "HANGUP")


def test_anonymous_caller_cannot_be_called_back(graph: RouteGraph) -> None:
    result = run(graph, caller=None, digits="1", queue="empty")
    assert [s.branch for s in result.path if s.node == "oddzwonienie"] == ["anonymous"]
    assert nodes(result)[-1] == "poczta"


def test_unknown_did_is_handed_back_to_the_dialplan(graph: RouteGraph) -> None:
    facts = CallFacts(did="+48229999999", caller=CALLER, at=MONDAY_MORNING)
    result = evaluate(graph, facts)
    assert result.actions == ("ASYNCAGI BREAK",)
    assert result.result.ended_by == "no_route"


def test_caller_hanging_up_in_the_menu_ends_the_walk(graph: RouteGraph) -> None:
    facts = CallFacts(did=DID, caller=CALLER, at=MONDAY_MORNING)
    steps = walk(graph, facts)
    reply: AgiReply | None = None
    sent: list[str] = []
    with pytest.raises(StopIteration) as finished:
        while True:
            instruction = steps.send(reply)
            reply = None
            if isinstance(instruction, Command):
                sent.append(instruction.text)
                hung_up = instruction.text.startswith("GET DATA")
                reply = AgiReply(200, "-1") if hung_up else AgiReply(200, "0")
    result = finished.value.value
    assert result.ended_by == "caller_hung_up"
    assert result.last_node == "menu"
    assert sent[-1].startswith("GET DATA")  # nothing is sent to a channel that is gone


def test_override_forces_closed_until_a_time() -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "    open: swieta\n",
        "    open: swieta\n    override: {mode: closed, until: '2026-11-23T12:00:00+01:00'}\n")
    graph = parse_graph(text)
    during = run(graph)
    assert during.path[1].branch == "closed"
    assert during.path[1].reason == "override: forced closed until 2026-11-23T12:00:00+01:00"
    after = run(graph, at=datetime(2026, 11, 23, 12, 0, tzinfo=WARSAW), digits="1")
    assert after.path[1].branch == "open"


@pytest.mark.parametrize(("result", "hung_up"), [
    ("-1", True), ("-1 (hangup)", True), ("-1 (randomerror) endpos=0", False),
    ("-10", False), ("1", False), (" (timeout)", False), ("-1(hangup)", True)])
def test_the_tracker_and_the_walk_read_a_hang_up_alike(result: str, hung_up: bool) -> None:
    """One rule for AGI's -1: the call's record and the route walk never disagree."""
    exec_event = AsyncAgiExecuted(pbx="pbx", at=datetime.now(UTC), command_id="c1", code=200,
                                  result=result, channel=ChannelInfo("PJSIP/t-1", "1.1", "1.1",
                                                                     None, None, "", ""))
    assert exec_event.channel_gone is hung_up
    assert AgiReply(200, result).hung_up is hung_up
