"""The call tracker: one CallState per (PBX, Linkedid), fed typed events in order.

Handling an event never awaits, so one call can never hold up another; a call
that ends is handed on as a FinishedCall and forgotten. Asterisk's events are
the truth, with the quirks its traces show: QueueCallerAbandon also marks a
queue *timeout*, told apart only by QUEUESTATUS=TIMEOUT or by the caller still
being there afterwards.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from ccengine.ami import events as ev
from ccengine.calls import resync
from ccengine.calls.model import FinishedCall
from ccengine.calls.outcome import decide_outcome, hold_seconds, talk_seconds
from ccengine.calls.state import CallState, QueueVisit

log = logging.getLogger(__name__)

Key = tuple[str, str]
QUEUE_GAVE_UP = frozenset({"TIMEOUT", "LEAVEEMPTY", "LEAVEUNAVAIL", "FULL", "JOINEMPTY",
                           "JOINUNAVAIL"})


def dialed_number(dial_string: str) -> str:
    """The number in a Dial string: 'PJSIP/0048225550000@trunk',
    'Local/48225550000@ctx/n', 'PJSIP/trunk/sip:+48225550000@host'."""
    target = dial_string.split("&")[0]
    if "sip:" in target:
        return target.split("sip:", 1)[1].split("@")[0]
    tech, sep, rest = target.partition("/")
    if sep and "@" not in tech:
        target = rest
    return target.split("@")[0].split("/")[0]


class CallTracker:
    """Turns the events of many interleaved calls into finished calls."""

    def __init__(self, on_finished: Callable[[FinishedCall], None], remember: int = 10_000):
        self._on_finished = on_finished
        self._calls: dict[Key, CallState] = {}
        self._ended: OrderedDict[Key, None] = OrderedDict()  # late events of these are ignored
        self._remember = remember
        self._resync_known: dict[str, set[Key]] = {}
        self._handlers: dict[type[ev.Event], Callable[[CallState, ev.Event], None]] = {
            ev.ChannelCreated: self._on_channel,
            ev.CallerIdChanged: self._on_channel,
            ev.ChannelListed: self._on_channel,
            ev.ChannelHungUp: self._on_hangup,
            ev.QueueCallerJoined: self._on_queue_join,
            ev.QueueCallerLeft: self._on_queue_leave,
            ev.QueueCallerAbandoned: self._on_queue_abandon,
            ev.AgentRang: self._on_agent_rang,
            ev.AgentRingNoAnswer: self._on_ring_no_answer,
            ev.AgentConnected: self._on_agent_connect,
            ev.AgentCompleted: self._on_agent_complete,
            ev.DialStarted: self._on_dial_start,
            ev.DialEnded: self._on_dial_end,
            ev.VariableSet: self._on_variable,
            ev.RecordingStarted: self._on_recording,
            ev.DigitPressed: self._on_digit,
            ev.AsyncAgiExecuted: self._on_agi_result,
            ev.AgiCommandStarted: self._on_agi_command,
            ev.CallHeld: self._on_hold,
            ev.CallTransferred: self._on_transfer,
        }

    # -- reading ---------------------------------------------------------------

    def live_calls(self) -> list[CallState]:
        return list(self._calls.values())

    def __len__(self) -> int:
        return len(self._calls)

    def knows(self, key: Key) -> bool:
        """Is the call (PBX, Linkedid) live, or ended lately (its record on its way)?"""
        return key in self._calls or key in self._ended

    # -- feeding ---------------------------------------------------------------

    def handle(self, event: ev.Event) -> None:
        handler = self._handlers.get(type(event))
        linkedid = getattr(event, "linkedid", None)
        if handler is None or linkedid is None:
            return
        call = self._call_for(event.pbx, linkedid, event.at)
        if call is None:
            return
        if isinstance(event, ev.ChannelEvent):
            self._track_channel(call, event.channel)
        handler(call, event)
        if call.finished:
            self._finish(call)

    def begin_resync(self, pbx: str) -> None:
        """Remember which calls were live when the channel list was asked for."""
        self._resync_known[pbx] = {key for key in self._calls if key[0] == pbx}

    def apply_channel_snapshot(
        self, pbx: str, channels: Iterable[ev.ChannelListed], at: datetime
    ) -> None:
        """CoreShowChannels after a login: learn calls begun (and whether an agent is
        talking to them: ``resync.learn_listed``), end calls gone."""
        by_call: dict[Key, list[ev.ChannelListed]] = {}
        for item in channels:
            by_call.setdefault((pbx, item.linkedid), []).append(item)
        listed = {key: {i.channel.uniqueid for i in items} for key, items in by_call.items()}
        for key, items in by_call.items():
            self._learn_call(key, items, at)
        for key in self._resync_known.pop(pbx, set()):
            call = self._calls.get(key)
            if call is not None:
                self._reconcile(call, listed.get(key, set()), at)

    def _learn_call(self, key: Key, items: list[ev.ChannelListed], at: datetime) -> None:
        first_seen = key not in self._calls
        call = self._call_for(key[0], key[1], at)
        if call is None:
            return
        call.agent_legs |= resync.agent_legs(items)  # before any leg may pass for the caller's
        for item in items:
            self.handle(item)
        resync.learn_listed(call, items, at, first_seen)

    def apply_queue_members(self, pbx: str, members: Iterable[ev.MemberListed]) -> None:
        """QueueStatus after a login: the agent of a call whose answer a resync showed."""
        resync.name_agents((c for c in self._calls.values() if c.pbx == pbx), members)

    def apply_queue_entries(self, pbx: str, entries: Iterable[ev.QueueEntryListed]) -> None:
        """QueueStatus after a login: callers waiting (keyed by Uniqueid only)."""
        by_uniqueid = {
            uid: call for call in self._calls.values() if call.pbx == pbx
            for uid in call.live_channels
        }
        for entry in entries:
            call = by_uniqueid.get(entry.uniqueid)
            if call is not None and call.current_visit is not None:
                resync.time_the_wait(call.current_visit, entry)
            elif call is not None:
                joined = entry.at - timedelta(seconds=entry.wait_seconds)
                self._on_queue_join(call, ev.QueueCallerJoined(
                    pbx=pbx, at=joined, queue=entry.queue, position=0,
                    channel=ev.ChannelInfo(entry.channel_name, entry.uniqueid, call.linkedid,
                                           None, None, "", ""),
                ))

    def connection_lost(self, pbx: str, at: datetime) -> None:
        for call in self._calls.values():
            if call.pbx == pbx:
                call.note(at, "ami_disconnected")

    # -- bookkeeping -----------------------------------------------------------

    def _call_for(self, pbx: str, linkedid: str, at: datetime) -> CallState | None:
        key = (pbx, linkedid)
        call = self._calls.get(key)
        if call is None:
            if key in self._ended:
                return None
            call = self._calls[key] = CallState(pbx=pbx, linkedid=linkedid, started_at=at)
            call.note(at, "start")
        return call

    @staticmethod
    def _track_channel(call: CallState, channel: ev.ChannelInfo) -> None:
        if channel.uniqueid not in call.gone_channels:
            call.live_channels.add(channel.uniqueid)
        call.learn_caller(channel)

    def _reconcile(self, call: CallState, still_live: set[str], at: datetime) -> None:
        gone = call.live_channels - still_live
        if not gone:
            return
        call.note(at, "resync", channels_gone=str(len(gone)))
        call.live_channels -= gone
        call.gone_channels |= gone
        if call.finished:
            call.unobserved_end = True
            call.ended_at = call.ended_at or at
            self._finish(call)

    def _finish(self, call: CallState) -> None:
        key = (call.pbx, call.linkedid)
        del self._calls[key]
        self._ended[key] = None
        if len(self._ended) > self._remember:
            self._ended.popitem(last=False)
        ended = call.ended_at or call.started_at
        call.note(ended, "end")
        self._on_finished(_finished(call, ended))

    # -- handlers: each translates one kind of event into call facts -----------

    def _on_channel(self, call: CallState, event: ev.Event) -> None:
        pass  # _track_channel already learnt the channel and the caller

    def _on_hangup(self, call: CallState, event: ev.Event) -> None:
        assert isinstance(event, ev.ChannelHungUp)
        channel = event.channel
        call.live_channels.discard(channel.uniqueid)
        call.gone_channels.add(channel.uniqueid)
        call.ended_at = event.at
        if channel.leg in call.external_legs:
            call.external_ended_at = call.external_ended_at or event.at
        if call.first_hangup_by_caller is None and call.is_caller_leg(channel):
            call.first_hangup_by_caller = channel.originates_call
            who = "caller" if channel.originates_call else "system"
            call.note(event.at, "hangup", by=who, cause=str(event.cause))

    def _on_queue_join(self, call: CallState, event: ev.Event) -> None:
        assert isinstance(event, ev.QueueCallerJoined)
        self._caller_still_there(call)
        call.visits.append(QueueVisit(queue=event.queue, joined_at=event.at))
        call.note(event.at, "queue_join", queue=event.queue)

    def _on_queue_leave(self, call: CallState, event: ev.Event) -> None:
        visit = call.current_visit
        if visit is not None and visit.result is None:
            visit.result = "left"

    def _on_queue_abandon(self, call: CallState, event: ev.Event) -> None:
        assert isinstance(event, ev.QueueCallerAbandoned)
        visit = call.current_visit
        if visit is not None:
            visit.result = "abandoned"
            visit.hold_seconds = event.hold_seconds
        call.note(event.at, "queue_abandon", queue=event.queue, hold=str(event.hold_seconds))

    def _on_agent_rang(self, call: CallState, event: ev.Event) -> None:
        assert isinstance(event, ev.AgentRang)
        if event.dest_channel:
            call.agent_legs.add(ev.ChannelInfo(event.dest_channel, "", "", None, None, "", "").leg)
        call.note(event.at, "ring", agent=event.member_name, interface=event.interface)

    def _on_ring_no_answer(self, call: CallState, event: ev.Event) -> None:
        assert isinstance(event, ev.AgentRingNoAnswer)
        call.note(event.at, "ring_no_answer", agent=event.member_name,
                  ring_seconds=f"{event.ring_ms / 1000:g}")

    def _on_agent_connect(self, call: CallState, event: ev.Event) -> None:
        assert isinstance(event, ev.AgentConnected)
        call.answered_at = call.answered_at or event.at
        call.agent_name, call.agent_interface = event.member_name, event.interface
        call.hold_seconds = event.hold_seconds
        visit = call.current_visit
        if visit is not None:
            visit.result, visit.queue = "connected", event.queue
        call.note(event.at, "answer", agent=event.member_name, hold=str(event.hold_seconds))

    def _on_agent_complete(self, call: CallState, event: ev.Event) -> None:
        assert isinstance(event, ev.AgentCompleted)
        if call.answered_at is None:  # its AgentConnect was missed (a restart, a dropped link)
            call.answered_at = event.at - timedelta(seconds=event.talk_seconds)
            call.agent_name = call.agent_name or event.member_name
            call.agent_interface = call.agent_interface or event.interface
        call.talk_seconds = (call.talk_seconds or 0) + event.talk_seconds
        call.note(event.at, "agent_complete", agent=event.member_name, by=event.reason,
                  talk=str(event.talk_seconds))

    def _on_dial_start(self, call: CallState, event: ev.Event) -> None:
        assert isinstance(event, ev.DialStarted)
        caller, dest = event.caller, event.dest
        self._track_channel(call, dest)
        if caller is None or dest.leg in call.agent_legs or not call.is_caller_leg(caller):
            return  # an Originate's own leg, or a queue ringing an agent
        self._caller_still_there(call)
        number = dialed_number(event.dial_string)
        call.external_legs[dest.leg] = number
        call.external_number = number
        call.note(event.at, "dial", number=number)

    def _on_dial_end(self, call: CallState, event: ev.Event) -> None:
        assert isinstance(event, ev.DialEnded)
        number = call.external_legs.get(event.dest.leg)
        if number is None:
            return
        if event.status == "ANSWER":
            call.external_answered_at = call.external_answered_at or event.at
        call.note(event.at, "dial_end", number=number, status=event.status)

    def _on_variable(self, call: CallState, event: ev.Event) -> None:
        assert isinstance(event, ev.VariableSet)
        if event.name == "QUEUESTATUS" and event.value in QUEUE_GAVE_UP:
            visit = call.current_visit
            if visit is not None and visit.result in (None, "abandoned", "left"):
                visit.result = "timeout"
                call.note(event.at, "queue_timeout", queue=visit.queue, status=event.value)
        elif event.name == "MIXMONITOR_FILENAME" and event.value:
            call.recording_file = event.value
        elif event.name == "QUEUE_PRIO" and event.value.lstrip("-").isdigit():
            call.queue_priority = int(event.value)

    def _on_recording(self, call: CallState, event: ev.Event) -> None:
        call.note(event.at, "recording")

    def _on_digit(self, call: CallState, event: ev.Event) -> None:
        assert isinstance(event, ev.DigitPressed)
        if call.answered_at is None and call.is_caller_leg(event.channel):
            call.ivr_digits += event.digit
            call.note(event.at, "ivr_digit", digit=event.digit)

    def _on_agi_result(self, call: CallState, event: ev.Event) -> None:
        assert isinstance(event, ev.AsyncAgiExecuted)
        if event.channel_gone:
            no_one_took_it = call.answered_at is None and call.external_answered_at is None
            call.caller_left_in_ivr = call.caller_left_in_ivr or no_one_took_it
        else:
            self._caller_still_there(call)

    def _on_agi_command(self, call: CallState, event: ev.Event) -> None:
        assert isinstance(event, ev.AgiCommandStarted)
        if event.command.split(" ", 1)[0].upper() == "HANGUP":
            call.dialplan_hung_up = True

    def _on_hold(self, call: CallState, event: ev.Event) -> None:
        assert isinstance(event, ev.CallHeld)
        call.note(event.at, "hold" if event.held else "unhold")

    def _on_transfer(self, call: CallState, event: ev.Event) -> None:
        assert isinstance(event, ev.CallTransferred)
        call.note(event.at, "transfer", type=event.kind, target=event.target)

    @staticmethod
    def _caller_still_there(call: CallState) -> None:
        """After a queue 'abandon' the caller acted again: it was a timeout."""
        visit = call.current_visit
        if visit is not None and visit.result == "abandoned":
            visit.result = "timeout"


def _finished(call: CallState, ended: datetime) -> FinishedCall:
    return FinishedCall(
        pbx=call.pbx, linkedid=call.linkedid, caller_number=call.caller_num,
        caller_name=call.caller_name, did=call.did, outcome=decide_outcome(call),
        started_at=call.started_at, ended_at=ended, answered_at=call.answered_at,
        queue=call.queue, queue_priority=call.queue_priority, agent_name=call.agent_name,
        agent_interface=call.agent_interface, external_number=call.external_number,
        ivr_digits=call.ivr_digits, hold_seconds=hold_seconds(call),
        talk_seconds=talk_seconds(call), recording_file=call.recording_file,
        timeline=tuple(call.timeline),
    )
