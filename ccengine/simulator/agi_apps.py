"""Queue() and Dial() run through AGI EXEC, played from the caller's QueuePlan / DialPlan.

The event sequences are those of the traces: agi-ivr-vip-queue (a member
answers, the caller hangs up after talking), queue-timeout (the Queue()
timeout: QueueCallerAbandon then QUEUESTATUS=TIMEOUT, the caller still
there), queue-abandoned (the caller hangs up waiting), tiered-escalation (a
member's ring times out, the next ring comes after the retry pause) and
agi-external-transfer (Dial answered, the far end hangs up, Dial returns -1).

Durations in HoldTime/TalkTime/QUEUEWAIT are whole seconds rounded, as
Asterisk's time() differences come out on average; ANSWEREDTIME/DIALEDTIME
are truncated milliseconds, as the traces show them.
"""

from __future__ import annotations

import math
import uuid
import zlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ccengine.simulator import shapes
from ccengine.simulator.agi_calls import DialPlan, QueuePlan
from ccengine.simulator.agi_commands import (
    AgiReply,
    CallerHungUp,
    DialArgs,
    QueueArgs,
    app_reply,
    caller_gone,
    parse_dial,
    parse_queue,
)
from ccengine.simulator.shapes import DOWN, RING, RINGING, UNKNOWN, UP, SimBridge, SimChannel

if TYPE_CHECKING:
    from ccengine.simulator.agents import SimMember
    from ccengine.simulator.agi_pbx import CallRun

QUEUE_RESET = ("ANSWEREDTIME", "ANSWEREDTIME_MS", "DIALEDTIME", "DIALEDTIME_MS", "QUEUEWAIT",
               "QUEUEWAIT_MS")
DIAL_RESET = ("DIALSTATUS", "DIALEDPEERNUMBER", "DIALEDPEERNAME", "ANSWEREDTIME",
              "ANSWEREDTIME_MS", "DIALEDTIME", "DIALEDTIME_MS", "RINGTIME", "RINGTIME_MS",
              "PROGRESSTIME", "PROGRESSTIME_MS")
HANGUP_CAUSE = {"NOANSWER": 0, "BUSY": 17, "CONGESTION": 34}
NEVER_ANSWERS = "60"  # the Wait() of a lab member that never answers


def whole(seconds: float) -> int:
    return int(seconds + 0.5)


def _millis(seconds: float) -> int:
    return int(seconds * 1000)


@dataclass(slots=True)
class Leg:
    """The channels a Queue member or a Dial target rings on."""

    near: SimChannel  # what the caller's channel dials: a Local ;1 half or the channel itself
    far: SimChannel | None  # a Local ;2 half, which runs the far end's dialplan
    device: str  # its DeviceStateChange name
    resource: str  # the dial string without the technology


def _new_leg(run: CallRun, target: str) -> Leg:
    """Newchannel for a target: a Local pair (Local/exten@context[/n]) or one channel."""
    tech, _, resource = target.partition("/")
    sequence = run.pbx.mint.sequence()
    if tech.lower() != "local":
        endpoint = resource.split("@", 1)[1] if "@" in resource else resource.split("/")[0]
        near = run.new_channel(f"{tech}/{endpoint}-{sequence}", "default", "s", DOWN)
        run.emit(shapes.channel_event("Newchannel", near))
        return Leg(near, None, f"{tech}/{endpoint}", resource)
    exten, _, rest = resource.partition("@")
    context = rest.split("/")[0] or "default"
    base = f"Local/{exten}@{context}-{sequence}"
    near = run.new_channel(f"{base};1", context, exten, DOWN)
    far = run.new_channel(f"{base};2", context, exten, RING)
    run.emit(shapes.channel_event("Newchannel", near))
    run.emit(shapes.channel_event("Newchannel", far))
    return Leg(near, far, f"Local/{exten}@{context}", resource)


def _copy_caller(source: SimChannel, target: SimChannel, connected: bool = False) -> None:
    target.caller_num, target.caller_name = source.caller_num, source.caller_name
    if connected:
        target.connected_num, target.connected_name = source.caller_num, source.caller_name


def _release(run: CallRun, leg: Leg, cause: int) -> None:
    """A ring given up (no answer, busy, cancelled): its channels go, as in the traces."""
    near, far = leg.near, leg.far
    if far is not None:
        run.emit(shapes.hangup_request("HangupRequest", far, cause))
    run.hang_up_channel(near, cause)
    run.emit(shapes.channel_event("NewConnectedLine", near))
    if far is not None:
        run.emit(shapes.hangup_request("SoftHangupRequest", far, 16))
        run.emit(shapes.device_state(leg.device, "NOT_INUSE"))
        run.hang_up_channel(far, cause)
    run.emit(shapes.device_state(leg.device, "NOT_INUSE"))


def _bridge(run: CallRun, leg: Leg) -> SimBridge:
    bridge = SimBridge(str(uuid.uuid4()))
    run.emit(shapes.bridge_event("BridgeCreate", bridge))
    return bridge


def _enter(run: CallRun, bridge: SimBridge, leg: Leg) -> None:
    for channel in (leg.near, run.agi):
        bridge.channels += 1
        run.emit(shapes.bridge_event("BridgeEnter", bridge, channel))
    run.set_var(leg.near, "BRIDGEPEER", run.agi.name)
    run.set_var(run.agi, "BRIDGEPEER", leg.near.name)


def _leave_bridge(run: CallRun, bridge: SimBridge, channel: SimChannel) -> None:
    bridge.channels -= 1
    run.emit(shapes.bridge_event("BridgeLeave", bridge, channel))


def _end_far_after(run: CallRun, bridge: SimBridge, leg: Leg) -> None:
    """The bridged far end goes once the caller's channel is gone."""
    _leave_bridge(run, bridge, leg.near)
    if leg.far is not None:
        run.emit(shapes.hangup_request("HangupRequest", leg.far, 16))
    run.hang_up_channel(leg.near, 16)
    run.emit(shapes.bridge_event("BridgeDestroy", bridge))


def _timing_vars(run: CallRun, answered_at: float | None) -> None:
    now, agi = run.now, run.agi
    talk = now - answered_at if answered_at is not None else 0.0
    run.set_var(agi, "ANSWEREDTIME", str(int(talk)))
    run.set_var(agi, "ANSWEREDTIME_MS", str(_millis(talk)))
    run.set_var(agi, "DIALEDTIME", str(int(now - agi.created)))
    run.set_var(agi, "DIALEDTIME_MS", str(_millis(now - agi.created)))


def _priority(channel: SimChannel) -> int:
    text = channel.variables.get("QUEUE_PRIO", "0")
    return int(text) if text.lstrip("-").isdigit() else 0


# -- Queue() ------------------------------------------------------------------------

async def queue(run: CallRun, data: str) -> AgiReply:
    args = parse_queue(data)
    plan = run.script.queue_plan(run.next_run("queue"))
    for name in QUEUE_RESET:
        run.set_var(run.agi, name, "")
    if plan.status:
        run.set_var(run.agi, "QUEUESTATUS", plan.status)
        return app_reply(0)
    return await QueueVisit(run, args, plan).play()


class QueueVisit:
    """One caller's stay in one queue, from QueueCallerJoin to the end of Queue()."""

    def __init__(self, run: CallRun, args: QueueArgs, plan: QueuePlan) -> None:
        self.run, self.args, self.plan, self.base_plan = run, args, plan, plan
        self.name = args.queue
        self.member = run.pbx.member(self.name, plan.member, self.interface)
        self.picked: SimMember | None = None  # a logged-in member rung (interface None)
        self.leg: Leg | None = None
        self.bridge = SimBridge("")
        self.joined = self.ring_started = self.connected_at = 0.0
        self.original_position = 0

    @property
    def interface(self) -> str:
        """The interface rung: the plan's (a picked member's once one is)."""
        return self.plan.interface or ""

    async def play(self) -> AgiReply:
        self._join()
        if self.plan.abandon_after is not None:
            self.run.hang_up_by(self.joined + self.plan.abandon_after)
        try:
            connected = await self._wait_for_member()
        except CallerHungUp:
            return self._abandoned()
        if not connected:
            return self._timed_out()
        try:
            if self.plan.agent_hangs_up:
                await self.run.wait_until(self.connected_at + self.plan.talk_seconds)
                return self._member_ended_talk()
            self.run.hang_up_by(self.connected_at + self.plan.talk_seconds)
            await self.run.wait_for_hangup()
        except CallerHungUp:
            return self._caller_ended_talk()

    def _join(self) -> None:
        run, agi = self.run, self.run.agi
        position, count = run.pbx.join_queue(self.name, agi.uniqueid, _priority(agi),
                                             self.args.position)
        if count == 1:
            run.emit(shapes.device_state(f"Queue:{self.name}", "RINGING"))
        run.emit(shapes.queue_caller("QueueCallerJoin", agi, self.name, position, count))
        run.emit(shapes.channel_event("MusicOnHoldStart", agi, ("Class", "default")))
        self.joined, self.original_position = run.now, position

    def _leave(self) -> None:
        run, agi = self.run, self.run.agi
        position, count = run.pbx.leave_queue(self.name, agi.uniqueid)
        if count == 0:
            run.emit(shapes.device_state(f"Queue:{self.name}", "NOT_INUSE"))
        run.emit(shapes.queue_caller("QueueCallerLeave", agi, self.name, position, count))
        run.set_var(agi, "QUEUEPOSITION", str(position))

    async def _wait_for_member(self) -> bool:
        """Ring the member until it answers (True) or the Queue() timeout (False)."""
        run = self.run
        timeout_at = self.joined + self.args.timeout if self.args.timeout else math.inf
        while True:
            if not self._choose_member():
                look_again = min(run.now + self.plan.retry_seconds, timeout_at)
                await run.wait_until(look_again)
                if look_again >= timeout_at:
                    return False
                continue
            plan = self.plan
            self._ring()
            rang_from = self.ring_started if self.picked else self.joined
            answer_at = rang_from + plan.ring_seconds if plan.answered_by else math.inf
            stop = min(answer_at, timeout_at, self.ring_started + max(plan.member_timeout, 0.1))
            await run.wait_until(stop)
            if stop >= answer_at:
                self._connect(max(0.0, stop - self.ring_started))
                return True
            self._ring_no_answer(stop - self.ring_started)
            if stop >= timeout_at:
                return False
            pause_end = min(stop + plan.retry_seconds, timeout_at)
            await run.wait_until(pause_end)
            if pause_end >= timeout_at:
                return False

    def _choose_member(self) -> bool:
        """A plan naming its member rings it (or, logged_in_first, a free logged-in
        member when there is one); a plan without rings a free logged-in member."""
        base = self.base_plan
        if base.interface is not None and not base.logged_in_first:
            return True
        members = self.run.pbx.server.members
        picked = members.pick(self.name)
        if picked is None:
            self.plan = own_member(base, self.name)
            return self.plan.interface is not None
        members.busy.add(picked.interface)
        self.picked = picked
        self.plan = replace(base, interface=picked.interface, rings=picked.name,
                            answered_by=picked.name if base.answered_by else None)
        return True

    def _free_member(self) -> None:
        if self.picked is not None:
            self.run.pbx.server.members.busy.discard(self.picked.interface)
            self.picked = None

    def _member_status(self, status: int) -> None:
        picked = self.picked
        if picked is None:
            self.run.emit(shapes.queue_member_status(self.member, status))
            return
        picked.status = status
        self.run.emit(picked.event("QueueMemberStatus"))

    def _ring(self) -> None:
        run, agi, plan = self.run, self.run.agi, self.plan
        leg = self.leg = _new_leg(run, self.interface)
        near, far = leg.near, leg.far
        if far is not None:
            run.emit(shapes.newexten(near, "AppQueue", "(Outgoing Line)"))
        _copy_caller(agi, near)
        run.emit(shapes.new_caller_id(near))
        run.set_var(near, "DIALEDPEERNUMBER", leg.resource)
        if far is not None:
            run.set_var(far, "DIALEDPEERNUMBER", leg.resource)
            _copy_caller(agi, far, connected=True)
            run.emit(shapes.new_caller_id(far))
            run.emit(shapes.channel_event("NewConnectedLine", far))
            run.emit(shapes.local_bridge(near, far, far.context, far.exten, optimized=False))
        dialed = near.snapshot()  # DialBegin shows the member's channel before the queue's changes
        near.exten = agi.exten
        near.connected_num, near.connected_name = agi.caller_num, agi.caller_name
        run.emit(shapes.agent_event("AgentCalled", agi, near, self.name, self.interface,
                                    plan.member))
        run.emit(shapes.pair_event("DialBegin", agi, dialed, ("DialString", self.interface)))
        if far is not None:
            wait = str(whole(plan.ring_seconds)) if plan.answered_by else NEVER_ANSWERS
            run.emit(shapes.newexten(far, "Wait", wait))
        else:
            near.state = RINGING
            run.emit(shapes.channel_event("Newstate", near))
        self.ring_started = run.now

    def _ring_no_answer(self, rang: float) -> None:
        run, leg = self.run, self.leg
        assert leg is not None
        run.emit(shapes.agent_event("AgentRingNoAnswer", run.agi, leg.near, self.name,
                                    self.interface, self.plan.member,
                                    ("RingTime", str(_millis(rang)))))
        run.emit(shapes.pair_event("DialEnd", run.agi, leg.near, ("DialStatus", "NOANSWER")))
        run.emit(shapes.pair_event("DialEnd", run.agi, leg.near, ("DialStatus", "CANCEL")))
        _release(run, leg, 0)
        self.leg = None
        self._free_member()

    def _connect(self, rang: float) -> None:
        run, agi, leg = self.run, self.run.agi, self.leg
        assert leg is not None
        near, far = leg.near, leg.far
        if far is not None:
            far.priority, far.state = 2, UP
            run.emit(shapes.newexten(far, "Answer"))
            run.emit(shapes.channel_event("Newstate", far))
        near.state, near.answered = UP, run.now
        run.emit(shapes.channel_event("Newstate", near))
        if far is not None:
            run.emit(shapes.newexten(near, "AppQueue", "(Outgoing Line)"))
        run.emit(shapes.channel_event("NewConnectedLine", near))
        run.emit(shapes.device_state(leg.device, "INUSE"))
        self._member_status(2)
        run.emit(shapes.pair_event("DialEnd", agi, near, ("DialStatus", "ANSWER")))
        run.emit(shapes.device_state(leg.device, "INUSE"))
        run.emit(shapes.channel_event("MusicOnHoldStop", agi))
        self._leave()
        self.connected_at = run.now
        hold = whole(self.connected_at - self.joined)
        run.set_var(agi, "QUEUEWAIT", str(hold))
        run.set_var(agi, "QUEUEWAIT_MS", str(hold * 1000))
        run.emit(shapes.agent_event("AgentConnect", agi, near, self.name, self.interface,
                                    self.plan.member, ("HoldTime", str(hold)),
                                    ("RingTime", str(whole(rang)))))
        self.bridge = _bridge(run, leg)
        _enter(run, self.bridge, leg)
        if far is not None:
            far.priority = 3  # the lab member's dialplan goes on to Playback(demo-congrats)
            run.emit(shapes.newexten(far, "Playback", "demo-congrats"))

    def _caller_ended_talk(self) -> AgiReply:
        run, agi, leg, bridge = self.run, self.run.agi, self.leg, self.bridge
        assert leg is not None
        self._complete(leg, "caller")
        run.set_var(agi, "BRIDGEPEER", "")
        run.set_var(leg.near, "BRIDGEPEER", "")
        _leave_bridge(run, bridge, agi)
        _timing_vars(run, self.connected_at)
        run.after_hangup.append(lambda: self._member_hangs_up(leg, bridge))
        return caller_gone()

    def _complete(self, leg: Leg, reason: str) -> None:
        run = self.run
        self.member.calls_taken += 1
        self.member.last_call = int(run.now)
        if self.picked is not None:
            self.picked.calls_taken += 1
            self.picked.last_call = int(run.now)
        talk = run.now - self.connected_at
        run.emit(shapes.agent_event(
            "AgentComplete", run.agi, leg.near, self.name, self.interface, self.plan.member,
            ("HoldTime", str(whole(self.connected_at - self.joined))),
            ("TalkTime", str(whole(talk))), ("Reason", reason)))

    def _member_ended_talk(self) -> AgiReply:
        """The member hangs up: with option 'c' the caller goes on in the dialplan
        (QUEUESTATUS=CONTINUE, result 0), else the caller's channel goes too."""
        run, agi, leg, bridge = self.run, self.run.agi, self.leg, self.bridge
        assert leg is not None
        self._complete(leg, "agent")
        run.set_var(agi, "BRIDGEPEER", "")
        run.set_var(leg.near, "BRIDGEPEER", "")
        _leave_bridge(run, bridge, agi)
        _timing_vars(run, self.connected_at)
        self._member_hangs_up(leg, bridge)
        if "c" not in self.args.options:
            run.hang_up_by(run.now)
            return caller_gone()
        run.set_var(agi, "QUEUESTATUS", "CONTINUE")
        return app_reply(0)

    def _member_hangs_up(self, leg: Leg, bridge: SimBridge) -> None:
        run = self.run
        _end_far_after(run, bridge, leg)
        if leg.far is not None:
            run.set_var(leg.far, "PLAYBACKSTATUS", "SUCCESS")
            run.emit(shapes.hangup_request("SoftHangupRequest", leg.far, 16))
            run.hang_up_channel(leg.far, 16)
        self._member_status(1)
        self._free_member()
        run.emit(shapes.device_state(leg.device, "NOT_INUSE"))
        run.emit(shapes.device_state(leg.device, "NOT_INUSE"))

    def _waited_vars(self) -> None:
        run, agi = self.run, self.run.agi
        waited = whole(run.now - self.joined)
        run.set_var(agi, "QUEUEWAIT", str(waited))
        run.set_var(agi, "QUEUEWAIT_MS", str(waited * 1000))
        run.set_var(agi, "DIALEDTIME", str(int(run.now - agi.created)))
        run.set_var(agi, "DIALEDTIME_MS", str(_millis(run.now - agi.created)))
        run.set_var(agi, "ANSWEREDTIME", "0")
        run.set_var(agi, "ANSWEREDTIME_MS", "0")

    def _abandon_event(self) -> None:
        run, agi = self.run, self.run.agi
        position = run.pbx.queue_position(self.name, agi.uniqueid)
        run.emit(shapes.queue_caller_abandon(agi, self.name, position, self.original_position,
                                             whole(run.now - self.joined)))

    def _abandoned(self) -> AgiReply:
        """The caller hung up waiting (queue-abandoned)."""
        run, agi, leg = self.run, self.run.agi, self.leg
        run.emit(shapes.channel_event("MusicOnHoldStop", agi))
        if leg is not None:
            for _ in range(2):  # two CANCELs: so says the trace
                run.emit(shapes.pair_event("DialEnd", agi, leg.near, ("DialStatus", "CANCEL")))
            if leg.far is not None:
                run.emit(shapes.hangup_request("HangupRequest", leg.far, 0))
            run.hang_up_channel(leg.near, 0)
            run.emit(shapes.channel_event("NewConnectedLine", leg.near))
            run.after_hangup.append(lambda: self._ring_ends_after(leg))
        self._free_member()
        self._waited_vars()
        run.set_var(agi, "ABANDONED", "TRUE")
        self._abandon_event()
        self._leave()
        return caller_gone()

    def _ring_ends_after(self, leg: Leg) -> None:
        run = self.run
        if leg.far is not None:
            run.emit(shapes.hangup_request("SoftHangupRequest", leg.far, 16))
            run.hang_up_channel(leg.far, 0)
        run.emit(shapes.device_state(leg.device, "NOT_INUSE"))

    def _timed_out(self) -> AgiReply:
        """The Queue() timeout (queue-timeout): an 'abandon' with the caller still there."""
        run, agi = self.run, self.run.agi
        self._free_member()
        run.set_var(agi, "ABANDONED", "TRUE")
        self._abandon_event()
        self._waited_vars()
        run.emit(shapes.channel_event("MusicOnHoldStop", agi))
        self._leave()
        run.set_var(agi, "QUEUESTATUS", "TIMEOUT")
        return app_reply(0)


# -- Dial() --------------------------------------------------------------------------

async def dial(run: CallRun, data: str) -> AgiReply:
    args = parse_dial(data)
    plan = run.script.dial_plan(run.next_run("dial"))
    for name in DIAL_RESET:
        run.set_var(run.agi, name, "")
    if not args.targets or plan.status == "CHANUNAVAIL":
        run.set_var(run.agi, "DIALSTATUS", "CHANUNAVAIL")
        return app_reply(0)
    return await DialCall(run, args, plan).play()


class DialCall:
    """Dial() of the first target, played from a DialPlan (agi-external-transfer)."""

    def __init__(self, run: CallRun, args: DialArgs, plan: DialPlan) -> None:
        self.run, self.args, self.plan = run, args, plan
        self.leg = self._ring(args.targets[0])
        self.bridge = SimBridge("")

    async def play(self) -> AgiReply:
        run, plan = self.run, self.plan
        ring_end = run.now + plan.ring_seconds
        timeout_at = run.now + self.args.timeout if self.args.timeout else math.inf
        if plan.status == "NOANSWER":
            stop = timeout_at if timeout_at < math.inf else ring_end
        else:
            stop = min(ring_end, timeout_at)
        status = plan.status if stop == ring_end else "NOANSWER"
        try:
            await run.wait_until(stop)
        except CallerHungUp:
            return self._cancelled()
        if status != "ANSWER":
            return self._unanswered(status)
        self._answered()
        try:
            await run.wait(plan.talk_seconds)
        except CallerHungUp:
            return self._caller_ended_talk()
        return self._far_end_hung_up()

    def _ring(self, target: str) -> Leg:
        run, agi = self.run, self.run.agi
        leg = _new_leg(run, target)
        near, far = leg.near, leg.far
        run.set_var(near, "DIALEDPEERNUMBER", leg.resource)
        if far is not None:
            near.exten = agi.exten  # a Local ;1 half shows the dialing channel's extension
        # Dial gives the outgoing channel the dialing extension as its caller number.
        near.caller_num, near.caller_name = agi.exten, UNKNOWN
        near.connected_num, near.connected_name = agi.caller_num, agi.caller_name
        if far is not None:
            run.emit(shapes.newexten(near, "AppDial", "(Outgoing Line)"))
        run.emit(shapes.new_caller_id(near))
        run.emit(shapes.channel_event("NewConnectedLine", near))
        if far is not None:
            run.set_var(far, "DIALEDPEERNUMBER", leg.resource)
            _copy_caller(agi, far)
            far.connected_num, far.connected_name = agi.exten, UNKNOWN
            run.emit(shapes.new_caller_id(far))
            run.emit(shapes.channel_event("NewConnectedLine", far))
            run.emit(shapes.local_bridge(near, far, far.context, far.exten, optimized=True))
        run.emit(shapes.pair_event("DialBegin", agi, near, ("DialString", leg.resource)))
        if far is not None:
            run.emit(shapes.newexten(far, "Wait", str(whole(self.plan.ring_seconds))))
        else:
            near.state = RINGING
            run.emit(shapes.channel_event("Newstate", near))
        return leg

    def _answered(self) -> None:
        run, agi, leg = self.run, self.run.agi, self.leg
        near, far = leg.near, leg.far
        if far is not None:
            far.priority = 2
            run.emit(shapes.newexten(far, "Answer"))
        near.state, near.answered = UP, run.now
        run.emit(shapes.channel_event("Newstate", near))
        run.set_var(agi, "DIALSTATUS", "ANSWER")
        run.set_var(agi, "DIALEDPEERNAME", near.name)
        run.set_var(agi, "DIALEDPEERNUMBER", leg.resource)
        run.emit(shapes.pair_event("DialEnd", agi, near, ("DialStatus", "ANSWER")))
        self.bridge = _bridge(run, leg)
        if far is not None:
            near.exten = ""
            run.emit(shapes.newexten(near, "AppDial", "(Outgoing Line)"))
        _enter(run, self.bridge, leg)
        if far is not None:
            far.state = UP
            run.emit(shapes.channel_event("Newstate", far))
        run.emit(shapes.device_state(leg.device, "INUSE"))
        run.emit(shapes.device_state(leg.device, "INUSE"))
        if far is not None:
            far.priority = 3
            run.emit(shapes.newexten(far, "Wait", str(whole(self.plan.talk_seconds))))

    def _far_end_hung_up(self) -> AgiReply:
        """The far end hangs up after talking: Dial returns -1, the caller stays."""
        run, agi, leg, bridge = self.run, self.run.agi, self.leg, self.bridge
        near, far = leg.near, leg.far
        if far is not None:
            far.priority = 4
            run.emit(shapes.newexten(far, "Hangup"))
            run.emit(shapes.hangup_request("SoftHangupRequest", far, 16))
            run.emit(shapes.hangup_request("HangupRequest", near, 16))
            run.hang_up_channel(far, 16)
        run.set_var(near, "BRIDGEPEER", "")
        run.set_var(agi, "BRIDGEPEER", "")
        _leave_bridge(run, bridge, near)
        run.hang_up_channel(near, 16)
        _leave_bridge(run, bridge, agi)
        _timing_vars(run, agi.answered)
        run.set_var(agi, "DIALSTATUS", "ANSWER")
        run.after_reply.append(lambda: self._far_end_gone(bridge))
        return app_reply(-1)

    def _far_end_gone(self, bridge: SimBridge) -> None:
        self.run.emit(shapes.device_state(self.leg.device, "NOT_INUSE"))
        self.run.emit(shapes.device_state(self.leg.device, "NOT_INUSE"))
        self.run.emit(shapes.bridge_event("BridgeDestroy", bridge))

    def _unanswered(self, status: str) -> AgiReply:
        run, agi = self.run, self.run.agi
        run.emit(shapes.pair_event("DialEnd", agi, self.leg.near, ("DialStatus", status)))
        _release(run, self.leg, HANGUP_CAUSE.get(status, 0))
        _timing_vars(run, None)
        run.set_var(agi, "DIALSTATUS", status)
        return app_reply(0)

    def _cancelled(self) -> AgiReply:
        run, agi = self.run, self.run.agi
        run.emit(shapes.pair_event("DialEnd", agi, self.leg.near, ("DialStatus", "CANCEL")))
        _release(run, self.leg, 0)
        _timing_vars(run, None)
        run.set_var(agi, "DIALSTATUS", "CANCEL")
        return caller_gone()

    def _caller_ended_talk(self) -> AgiReply:
        run, agi, leg, bridge = self.run, self.run.agi, self.leg, self.bridge
        run.set_var(agi, "BRIDGEPEER", "")
        run.set_var(leg.near, "BRIDGEPEER", "")
        _leave_bridge(run, bridge, agi)
        _timing_vars(run, agi.answered)
        run.set_var(agi, "DIALSTATUS", "ANSWER")
        run.after_hangup.append(lambda: self._far_end_after(bridge))
        return caller_gone()

    def _far_end_after(self, bridge: SimBridge) -> None:
        run, leg = self.run, self.leg
        _end_far_after(run, bridge, leg)
        if leg.far is not None:
            run.emit(shapes.hangup_request("SoftHangupRequest", leg.far, 16))
            run.hang_up_channel(leg.far, 16)
        run.emit(shapes.device_state(leg.device, "NOT_INUSE"))
        run.emit(shapes.device_state(leg.device, "NOT_INUSE"))


def own_member(plan: QueuePlan, queue: str) -> QueuePlan:
    """``plan`` with its member one of ``queue``'s own when it names the members of
    each queue and its member is not in this one (a stable choice by name)."""
    own = [(name, interface) for q, name, interface in plan.own_members if q == queue]
    if not own or plan.member in [name for name, _ in own]:
        return plan
    name, interface = own[zlib.crc32(plan.member.encode()) % len(own)]
    return replace(plan, interface=interface, rings=name,
                   answered_by=name if plan.answered_by else None)
