"""The call tracker against every recorded trace, without sockets: pure domain."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccengine.ami.events import parse_event
from ccengine.ami.frames import parse_frame
from ccengine.calls.model import FinishedCall
from ccengine.calls.tracker import CallTracker, dialed_number
from ccengine.simulator.scripts import trace_script
from ccengine.tickets.phones import normalise
from tests.traces import EXPECTED, trace


def track(path: Path, tracker: CallTracker | None = None) -> tuple[list[FinishedCall], CallTracker]:
    finished: list[FinishedCall] = []
    tracker = tracker or CallTracker(finished.append)
    lines, errors = trace_script(path)
    assert errors == []
    for line in lines:
        event = parse_event(parse_frame(line.raw), "lab", 1_795_425_000 + line.t)
        if event is not None:
            tracker.handle(event)
    return finished, tracker


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_trace_gives_the_outcome_its_readme_states(name: str) -> None:
    finished, tracker = track(trace(name))

    by_caller = sorted(finished, key=lambda call: call.caller_number or "")
    assert len(tracker) == 0, "every call of the trace ended"
    assert len(by_caller) == len(EXPECTED[name])
    for call, expected in zip(by_caller, EXPECTED[name], strict=True):
        assert normalise(call.caller_number, "PL") == expected.caller
        assert call.outcome == expected.outcome
        assert call.queue == expected.queue
        assert call.agent_name == expected.agent
        if expected.hold is not None:
            assert call.hold_seconds == expected.hold
        if expected.talk is not None:
            assert call.talk_seconds == expected.talk
        assert call.caller_name == expected.caller_name
        assert call.ivr_digits == expected.ivr_digits
        assert call.queue_priority == expected.priority


def test_tiered_escalation_records_two_ring_no_answers_by_agent_two() -> None:
    [call], _ = track(trace("tiered-escalation"))
    misses = [e for e in call.timeline if e.kind == "ring_no_answer"]
    assert [e.detail["agent"] for e in misses] == ["Agent Two", "Agent Two"]
    assert [e.detail["ring_seconds"] for e in misses] == ["5", "5"]  # RingTime is in ms


def test_queue_timeout_is_not_an_abandon_although_asterisk_says_abandon() -> None:
    [call], _ = track(trace("queue-timeout"))
    kinds = [entry.kind for entry in call.timeline]
    assert "queue_abandon" in kinds and "queue_timeout" in kinds
    assert call.outcome == "timeout"


def test_answered_call_keeps_its_recording_file_and_did() -> None:
    [call], _ = track(trace("queue-answered"))
    assert call.recording_file == "/tmp/astlab/rec/1795425074.22.wav"
    assert call.did == "48221110000"
    assert call.linkedid == "1795425074.21"


def test_external_transfer_names_the_number_dialed_and_talk_time() -> None:
    [call], _ = track(trace("agi-external-transfer"))
    assert call.external_number == "48225550000"
    assert call.talk_seconds == 4  # answered at 2.13 s, external side hung up at 5.64 s


def test_calls_starting_in_the_same_second_stay_apart() -> None:
    """panoramisk's CallManager keys on the seconds of Uniqueid; we key on Linkedid."""
    finished, _ = track(trace("concurrent-three"))
    linkedids = sorted(call.linkedid for call in finished)
    assert linkedids == ["1795425223.57", "1795425223.59", "1795425224.63"]


def test_events_repeated_after_a_call_ended_open_no_second_call() -> None:
    finished, tracker = track(trace("queue-answered"))
    track(trace("queue-answered"), tracker)
    assert len(finished) == 1
    assert len(tracker) == 0


def test_a_call_still_ringing_when_the_trace_ends_has_no_outcome() -> None:
    finished, tracker = track(trace("resync-lists-during-call"))
    assert finished == []
    [live] = tracker.live_calls()
    assert live.linkedid == "1795425262.69"
    assert live.queue == "tiered"


@pytest.mark.parametrize(("dial_string", "number"), [
    ("48225550000@lab-external", "48225550000"),
    ("PJSIP/0048225550000@trunk", "0048225550000"),
    ("Local/48225550000@lab-external/n", "48225550000"),
    ("PJSIP/trunk/sip:+48225550000@10.0.0.1", "+48225550000"),
    ("PJSIP/48225550000@trunk&PJSIP/48225550001@trunk", "48225550000"),
])
def test_dialed_number(dial_string: str, number: str) -> None:
    assert dialed_number(dial_string) == number
