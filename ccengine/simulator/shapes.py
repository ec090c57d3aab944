"""Frame shapes of the simulated Asterisk: every event as the recorded traces show it.

Header names, their order and each event's ``Privilege`` are copied from
shared/asterisk-traces (tests/test_simulator_agi.py checks them against the
traces); only the values are the simulation's. A channel is a mutable
``SimChannel``; an event takes its values at the moment it is built, as
Asterisk's channel snapshots do. Pure: nothing here does I/O.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote

from ccengine.ami.frames import render_frame

Fields = list[tuple[str, str]]

UNKNOWN = "<unknown>"
PRESENTATION = "0 (Presentation Allowed, Not Screened)"
DOWN, RING, RINGING, UP = 0, 4, 5, 6
STATE_DESC = {DOWN: "Down", RING: "Ring", RINGING: "Ringing", UP: "Up"}
CAUSE_TEXT = {0: "Unknown", 16: "Normal Clearing", 17: "User busy",
              19: "No user responding", 34: "Circuit/channel congestion"}

# Every event the simulator emits, with its Privilege as the traces show it.
PRIVILEGE = {
    **dict.fromkeys(
        ("Newchannel", "Newstate", "NewCallerid", "NewConnectedLine", "LocalBridge",
         "DialBegin", "DialEnd", "Hangup", "HangupRequest", "SoftHangupRequest",
         "DeviceStateChange", "OriginateResponse", "MixMonitorStart", "MusicOnHoldStart",
         "MusicOnHoldStop", "BridgeCreate", "BridgeEnter", "BridgeLeave", "BridgeDestroy"),
        "call,all"),
    **dict.fromkeys(("Newexten", "VarSet"), "dialplan,all"),
    **dict.fromkeys(("DTMFBegin", "DTMFEnd"), "dtmf,all"),
    **dict.fromkeys(("AsyncAGIStart", "AsyncAGIExec", "AsyncAGIEnd", "AGIExecStart",
                     "AGIExecEnd"), "agi,all"),
    **dict.fromkeys(("QueueCallerJoin", "QueueCallerLeave", "QueueCallerAbandon",
                     "AgentCalled", "AgentRingNoAnswer", "AgentConnect", "AgentComplete",
                     "QueueMemberStatus"), "agent,all"),
}


@dataclass(slots=True)
class SimChannel:
    """One channel of the simulated PBX, as its events show it."""

    name: str
    uniqueid: str
    linkedid: str
    context: str
    exten: str
    state: int = DOWN
    priority: int = 1
    caller_num: str = UNKNOWN
    caller_name: str = UNKNOWN
    connected_num: str = UNKNOWN
    connected_name: str = UNKNOWN
    created: float = 0.0  # virtual time, for DIALEDTIME
    answered: float | None = None  # virtual time, for ANSWEREDTIME
    variables: dict[str, str] = field(default_factory=dict)

    def block(self, prefix: str = "") -> Fields:
        """The channel headers every channel event carries, in Asterisk's order."""
        return [
            (f"{prefix}Channel", self.name), (f"{prefix}ChannelState", str(self.state)),
            (f"{prefix}ChannelStateDesc", STATE_DESC[self.state]),
            (f"{prefix}CallerIDNum", self.caller_num), (f"{prefix}CallerIDName", self.caller_name),
            (f"{prefix}ConnectedLineNum", self.connected_num),
            (f"{prefix}ConnectedLineName", self.connected_name),
            (f"{prefix}Language", "en"), (f"{prefix}AccountCode", ""),
            (f"{prefix}Context", self.context), (f"{prefix}Exten", self.exten),
            (f"{prefix}Priority", str(self.priority)), (f"{prefix}Uniqueid", self.uniqueid),
            (f"{prefix}Linkedid", self.linkedid),
        ]

    def snapshot(self) -> SimChannel:
        """A copy to show as it is now: some events show a channel's older state."""
        return dataclasses.replace(self, variables=dict(self.variables))


@dataclass(slots=True)
class SimBridge:
    uniqueid: str
    channels: int = 0

    def block(self) -> Fields:
        return [
            ("BridgeUniqueid", self.uniqueid), ("BridgeType", "basic"),
            ("BridgeTechnology", "simple_bridge"), ("BridgeCreator", UNKNOWN),
            ("BridgeName", UNKNOWN), ("BridgeNumChannels", str(self.channels)),
            ("BridgeVideoSourceMode", "none"),
        ]


def frame(event: str, *parts: Iterable[tuple[str, str]]) -> str:
    headers: Fields = [("Event", event), ("Privilege", PRIVILEGE[event])]
    for part in parts:
        headers.extend(part)
    return render_frame(headers)


def channel_event(event: str, channel: SimChannel, *extra: tuple[str, str]) -> str:
    return frame(event, channel.block(), extra)


def pair_event(event: str, caller: SimChannel | None, dest: SimChannel,
               *extra: tuple[str, str]) -> str:
    """An event about a calling channel (absent when Originate dials) and a dialed one."""
    return frame(event, caller.block() if caller else (), dest.block("Dest"), extra)


def agi_encode(text: str) -> str:
    """AGI text as AMI carries it: every byte but letters, digits and -._~ as %XX."""
    return quote(text, safe="")


# -- channel life --------------------------------------------------------------

def newexten(channel: SimChannel, application: str, data: str = "") -> str:
    return channel_event("Newexten", channel, ("Extension", channel.exten),
                         ("Application", application), ("AppData", data))


def new_caller_id(channel: SimChannel) -> str:
    return channel_event("NewCallerid", channel, ("CID-CallingPres", PRESENTATION))


def var_set(channel: SimChannel, name: str, value: str) -> str:
    return channel_event("VarSet", channel, ("Variable", name), ("Value", value))


def hangup(channel: SimChannel, cause: int) -> str:
    return channel_event("Hangup", channel, ("Cause", str(cause)),
                         ("Cause-txt", CAUSE_TEXT.get(cause, "Unknown")))


def hangup_request(event: str, channel: SimChannel, cause: int) -> str:
    """HangupRequest or SoftHangupRequest."""
    return channel_event(event, channel, ("Cause", str(cause)))


def local_bridge(one: SimChannel, two: SimChannel, context: str, exten: str,
                 optimized: bool) -> str:
    return frame("LocalBridge", one.block("LocalOne"), two.block("LocalTwo"),
                 [("Context", context), ("Exten", exten),
                  ("LocalOptimization", "Yes" if optimized else "No")])


def device_state(device: str, state: str) -> str:
    return frame("DeviceStateChange", [("Device", device), ("State", state)])


def bridge_event(event: str, bridge: SimBridge, channel: SimChannel | None = None) -> str:
    return frame(event, bridge.block(), channel.block() if channel else ())


def originate_response(action_id: str, channel: SimChannel) -> str:
    return frame("OriginateResponse", [
        ("ActionID", action_id), ("Response", "Success"), ("Channel", channel.name),
        ("Context", channel.context), ("Exten", channel.exten), ("Reason", "4"),
        ("Uniqueid", channel.uniqueid), ("CallerIDNum", channel.caller_num),
        ("CallerIDName", channel.caller_name),
    ])


def dtmf(event: str, channel: SimChannel, digit: str) -> str:
    """DTMFBegin or DTMFEnd of a key the caller pressed."""
    duration = [("DurationMs", "250")] if event == "DTMFEnd" else []
    return frame(event, channel.block(), [("Digit", digit)], duration,
                 [("Direction", "Received")])


# -- AsyncAGI -------------------------------------------------------------------

def agi_env(channel: SimChannel, thread_id: int) -> str:
    """The AGI environment AsyncAGIStart carries, before its URL-encoding."""
    def known(value: str) -> str:
        return "unknown" if value == UNKNOWN else value

    lines = [
        ("agi_request", "async"), ("agi_channel", channel.name), ("agi_language", "en"),
        ("agi_type", channel.name.partition("/")[0]), ("agi_uniqueid", channel.uniqueid),
        ("agi_version", "UNKNOWN__and_probably_unsupported"),
        ("agi_callerid", known(channel.caller_num)),
        ("agi_calleridname", known(channel.caller_name)), ("agi_callingpres", "0"),
        ("agi_callingani2", "0"), ("agi_callington", "0"), ("agi_callingtns", "0"),
        ("agi_dnid", "unknown"), ("agi_rdnis", "unknown"), ("agi_context", channel.context),
        ("agi_extension", channel.exten), ("agi_priority", str(channel.priority)),
        ("agi_enhanced", "0.0"), ("agi_accountcode", ""), ("agi_threadid", str(thread_id)),
    ]
    return "".join(f"{key}: {value}\n" for key, value in lines) + "\n"


def async_agi_start(channel: SimChannel, env: str) -> str:
    return channel_event("AsyncAGIStart", channel, ("Env", agi_encode(env)))


def agi_exec_start(channel: SimChannel, internal_id: str, command: str) -> str:
    # CommandId here is Asterisk's own number, not the client's CommandID.
    return channel_event("AGIExecStart", channel, ("CommandId", internal_id),
                         ("Command", command))


def agi_exec_end(channel: SimChannel, internal_id: str, command: str, code: int,
                 status: str) -> str:
    return channel_event("AGIExecEnd", channel, ("CommandId", internal_id),
                         ("Command", command), ("ResultCode", str(code)), ("Result", status))


def async_agi_exec(channel: SimChannel, reply: str, command_id: str) -> str:
    # Asterisk leaves CommandId out when the client gave no CommandID.
    echo = (("CommandId", command_id),) if command_id else ()
    return channel_event("AsyncAGIExec", channel, ("Result", agi_encode(reply)), *echo)


# -- queues ----------------------------------------------------------------------

def queue_caller(event: str, channel: SimChannel, queue: str, position: int,
                 count: int) -> str:
    """QueueCallerJoin or QueueCallerLeave."""
    return channel_event(event, channel, ("Queue", queue), ("Position", str(position)),
                         ("Count", str(count)))


def queue_caller_abandon(channel: SimChannel, queue: str, position: int, original: int,
                         hold: int) -> str:
    return channel_event("QueueCallerAbandon", channel, ("Queue", queue),
                         ("Position", str(position)), ("OriginalPosition", str(original)),
                         ("HoldTime", str(hold)))


def agent_event(event: str, caller: SimChannel, dest: SimChannel, queue: str,
                interface: str, member: str, *extra: tuple[str, str]) -> str:
    """AgentCalled, AgentRingNoAnswer, AgentConnect or AgentComplete."""
    return pair_event(event, caller, dest, ("Queue", queue), ("Interface", interface),
                      ("MemberName", member), *extra)


@dataclass(slots=True)
class MemberStatus:
    """What QueueMemberStatus says of one static queue member."""

    queue: str
    name: str
    interface: str
    state_interface: str
    login_time: int
    calls_taken: int = 0
    last_call: int = 0


def queue_member_status(member: MemberStatus, status: int) -> str:
    return frame("QueueMemberStatus", [
        ("Queue", member.queue), ("MemberName", member.name), ("Interface", member.interface),
        ("StateInterface", member.state_interface), ("Membership", "static"),
        ("Penalty", "0"), ("CallsTaken", str(member.calls_taken)),
        ("LastCall", str(member.last_call)), ("LastPause", "0"),
        ("LoginTime", str(member.login_time)), ("InCall", "0"), ("Status", str(status)),
        ("Paused", "0"), ("PausedReason", ""), ("Ringinuse", "0"), ("Wrapuptime", "0"),
    ])
