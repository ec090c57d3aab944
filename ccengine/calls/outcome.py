"""How a call ended, decided from what was seen of it (pure)."""

from __future__ import annotations

from ccengine.calls.model import Outcome
from ccengine.calls.state import CallState


def caller_hung_up_first(call: CallState) -> bool:
    """Did the caller end the call, rather than the dialplan?

    An AGI command answered with result=-1 means the caller's channel went
    away under it; a HANGUP the engine sent means the dialplan ended it. With
    a Local pair the originating half hangs up first when the caller leaves.
    A lone channel (a SIP trunk call) gives no such sign: count it as the
    caller's, which only decides between two kinds of missed call.
    """
    if call.caller_left_in_ivr:
        return True
    if call.dialplan_hung_up:
        return False
    return call.first_hangup_by_caller is not False


def decide_outcome(call: CallState) -> Outcome:
    if call.answered_at is not None:
        return Outcome.ANSWERED
    if call.external_answered_at is not None:
        return Outcome.EXTERNAL
    visit = call.current_visit
    if visit is None:
        return Outcome.IVR_ABANDONED if caller_hung_up_first(call) else Outcome.UNANSWERED
    if visit.result in ("timeout", "left"):
        return Outcome.TIMEOUT
    if visit.result == "abandoned":
        return Outcome.ABANDONED
    # Still waiting when the call ended (events lost in a reconnect, say).
    return Outcome.ABANDONED if caller_hung_up_first(call) else Outcome.UNANSWERED


def talk_seconds(call: CallState) -> int | None:
    if call.talk_seconds is not None:
        return call.talk_seconds
    start, end = call.external_answered_at, call.external_ended_at or call.ended_at
    if start is None or end is None:
        return None
    return max(0, round((end - start).total_seconds()))


def hold_seconds(call: CallState) -> int | None:
    if call.hold_seconds is not None:
        return call.hold_seconds
    visit = call.current_visit
    return visit.hold_seconds if visit is not None else None
