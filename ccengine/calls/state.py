"""The live state of one call (one Linkedid): plain data, changed only by the tracker."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from ccengine.ami.events import ChannelInfo
from ccengine.calls.model import TimelineEntry

DIGITS = re.compile(r"^\+?\d{3,}$")


@dataclass(slots=True)
class QueueVisit:
    queue: str
    joined_at: datetime
    # None while waiting; then connected, abandoned, timeout or left.
    result: str | None = None
    hold_seconds: int | None = None
    # Learnt from CoreShowChannel, whose Duration is the channel's age: joined_at is
    # the call's start until QueueStatus's Wait tells the time in the queue.
    learnt_by_resync: bool = False


@dataclass(slots=True)
class CallState:
    pbx: str
    linkedid: str
    started_at: datetime
    caller_leg: str | None = None
    caller_num: str | None = None
    caller_name: str | None = None
    did: str | None = None
    live_channels: set[str] = field(default_factory=set)
    gone_channels: set[str] = field(default_factory=set)
    agent_legs: set[str] = field(default_factory=set)
    external_legs: dict[str, str] = field(default_factory=dict)  # leg → number dialed
    visits: list[QueueVisit] = field(default_factory=list)
    queue_priority: int | None = None
    agent_name: str | None = None
    agent_interface: str | None = None
    answered_at: datetime | None = None
    answer_learnt_by_resync: bool = False  # from CoreShowChannels' bridges, not AgentConnect
    hold_seconds: int | None = None
    talk_seconds: int | None = None
    external_number: str | None = None
    external_answered_at: datetime | None = None
    external_ended_at: datetime | None = None
    ivr_digits: str = ""
    caller_left_in_ivr: bool = False
    dialplan_hung_up: bool = False
    first_hangup_by_caller: bool | None = None
    recording_file: str | None = None
    ended_at: datetime | None = None
    unobserved_end: bool = False
    timeline: list[TimelineEntry] = field(default_factory=list)

    def note(self, at: datetime, kind: str, **detail: str) -> None:
        self.timeline.append(TimelineEntry(at=at, kind=kind, detail=detail))

    def is_caller_leg(self, channel: ChannelInfo) -> bool:
        leg = channel.leg
        if leg in self.agent_legs or leg in self.external_legs:
            return False
        return self.caller_leg is None or leg == self.caller_leg

    def learn_caller(self, channel: ChannelInfo) -> None:
        """Caller number, name and DID come from the caller's own leg only.

        The name only with the caller's own number: a Local channel's ;1 half
        takes on the agent endpoint's CallerID (connected line) once an agent
        rings, number and name together (live traces).
        """
        if channel.originates_call and self.caller_leg is None:
            self.caller_leg = channel.leg
        if not self.is_caller_leg(channel):
            return
        self.caller_num = self.caller_num or channel.caller_num
        if channel.caller_num == self.caller_num:
            self.caller_name = self.caller_name or channel.caller_name
        if self.did is None and DIGITS.match(channel.exten):
            self.did = channel.exten

    @property
    def current_visit(self) -> QueueVisit | None:
        return self.visits[-1] if self.visits else None

    @property
    def queue(self) -> str | None:
        connected = [v.queue for v in self.visits if v.result == "connected"]
        if connected:
            return connected[-1]
        return self.visits[-1].queue if self.visits else None

    @property
    def finished(self) -> bool:
        return not self.live_channels and bool(self.gone_channels)
